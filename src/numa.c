/* SPDX-License-Identifier: MIT */
/* libnuma behind a small seam, so that a system without NUMA support (or
 * qemu-user, where numa_available() is -1) is an ordinary case. */
#include <numa.h>

#include "numa.h"

bool dmab__numa_available(void)
{
	return numa_available() >= 0;
}

bool dmab__numa_node_valid(int node)
{
	if (node < 0)
		return false;
	if (!dmab__numa_available())
		return node == 0;
	return node <= numa_max_node() && numa_bitmask_isbitset(numa_all_nodes_ptr, (unsigned)node);
}
