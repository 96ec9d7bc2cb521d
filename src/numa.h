/* SPDX-License-Identifier: MIT */
/* The only door to libnuma: everything NUMA goes through src/numa.c. */
#ifndef DMAB_NUMA_H
#define DMAB_NUMA_H

#include <stdbool.h>

/* Is NUMA policy available at all (false under qemu-user, for one)? */
bool dmab__numa_available(void);
/* Could memory be placed on @node? Without NUMA support only node 0 exists. */
bool dmab__numa_node_valid(int node);

#endif /* DMAB_NUMA_H */
