/* SPDX-License-Identifier: MIT */
/* The real NUMA topology (libnuma without its allocators, sysfs, syscalls). */
#include <ctype.h>
#include <errno.h>
#include <numa.h>
#include <numaif.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "os.h"
#include "topology.h"

/* Nodes a mask on the stack can name: the kernel's largest NODES_SHIFT. */
#define MASK_NODES 1024
/* Pages asked about per move_pages call: the arrays live on the stack. */
#define QUERY_CHUNK 64

static bool real_available(void)
{
	return numa_available() >= 0;
}

static int real_max_node(void)
{
	return real_available() ? numa_max_node() : 0;
}

static bool real_node_online(int node)
{
	if (node < 0)
		return false;
	if (!real_available())
		return node == 0;
	/* numa_all_nodes_ptr is made by libnuma's constructor: no allocation. */
	return node <= numa_max_node() && numa_bitmask_isbitset(numa_all_nodes_ptr, (unsigned)node);
}

static long long real_node_free(int node)
{
	long long free_bytes = -1;

	if (!real_node_online(node) || !real_available())
		return -1;
	/* Reads the node's meminfo; allocates nothing. */
	if (numa_node_size64(node, &free_bytes) < 0)
		return -1;
	return free_bytes;
}

static int real_current_node(void)
{
	unsigned cpu = 0, node = 0;

	if (!real_available())
		return 0;
	if (syscall(SYS_getcpu, &cpu, &node, NULL) != 0)
		return -1;
	return (int)node;
}

static void real_prefer(void *base, size_t len, int node)
{
	unsigned long mask[MASK_NODES / (8 * sizeof(unsigned long))] = {0};
	const unsigned bits = 8 * sizeof(unsigned long);

	if (node < 0 || node >= MASK_NODES || !real_node_online(node))
		return;
	mask[(unsigned)node / bits] = 1UL << ((unsigned)node % bits);
	/* The kernel reads maxnode - 1 bits. A refusal leaves the default
	 * policy, which still gives memory. */
	(void)mbind(base, len, MPOL_PREFERRED, mask, MASK_NODES + 1, 0);
}

static void real_forget(void *base, size_t len)
{
	(void)base;
	(void)len;
}

static void count_status(const int *status, size_t n, int node, struct dmab__placement *out)
{
	for (size_t i = 0; i < n; i++) {
		if (status[i] < 0)
			out->unknown++;
		else if (status[i] == node)
			out->on_node++;
		else
			out->elsewhere++;
	}
}

static void real_query(void *base, size_t len, size_t page, int node, struct dmab__placement *out)
{
	void *pages[QUERY_CHUNK];
	int status[QUERY_CHUNK];
	size_t total = (len + page - 1) / page;

	*out = (struct dmab__placement){.pages = total, .first_node = -1};
	if (!real_available()) {
		/* One node: every page of a faulted-in range is on node 0. */
		out->first_node = 0;
		if (node == 0)
			out->on_node = total;
		else
			out->elsewhere = total;
		return;
	}
	for (size_t done = 0; done < total;) {
		size_t n = total - done < QUERY_CHUNK ? total - done : QUERY_CHUNK;

		for (size_t i = 0; i < n; i++)
			pages[i] = (char *)base + (done + i) * page;
		/* Query mode: no target nodes, status gets each page's node. */
		if (move_pages(0, (unsigned long)n, pages, NULL, status, 0) != 0) {
			out->unknown += total - done;
			return;
		}
		if (done == 0)
			out->first_node = status[0] >= 0 ? status[0] : -1;
		count_status(status, n, node, out);
		done += n;
	}
}

const struct dmab__topo_ops dmab__topo_real = {
    .available = real_available,
    .max_node = real_max_node,
    .node_online = real_node_online,
    .node_free = real_node_free,
    .current_node = real_current_node,
    .prefer = real_prefer,
    .forget = real_forget,
    .query = real_query,
    .sysfs_root = "/sys",
};

static _Atomic(const struct dmab__topo_ops *) installed;

const struct dmab__topo_ops *dmab__topo(void)
{
	const struct dmab__topo_ops *t = atomic_load_explicit(&installed, memory_order_acquire);

	return t ? t : &dmab__topo_real;
}

void dmab__topo_install(const struct dmab__topo_ops *ops)
{
	atomic_store_explicit(&installed, ops, memory_order_release);
}

/* "dddd:bb:dd.f", hex digits: nothing that could walk out of the directory. */
static bool bdf_ok(const char *bdf)
{
	static const char shape[] = "xxxx:xx:xx.x";

	for (size_t i = 0; i < sizeof(shape) - 1; i++) {
		if (shape[i] == 'x' ? !isxdigit((unsigned char)bdf[i]) : bdf[i] != shape[i])
			return false;
	}
	return bdf[sizeof(shape) - 1] == '\0';
}

int dmab__topo_pci_node(const char *root, const char *bdf, int *node)
{
	char path[512], buf[32], *end;

	if (!bdf || !node || !bdf_ok(bdf))
		return -EINVAL;
	if (!root)
		root = dmab__topo()->sysfs_root;
	if (snprintf(path, sizeof(path), "%s/bus/pci/devices/%s/numa_node", root, bdf) >=
	    (int)sizeof(path))
		return -EINVAL;
	ssize_t got = dmab__os_read_file(path, buf, sizeof(buf));

	if (got < 0)
		return -ENODEV;
	errno = 0;
	long v = strtol(buf, &end, 10);

	while (*end == '\n' || *end == ' ')
		end++;
	if (end == buf || *end != '\0' || errno || v < -1 || v >= MASK_NODES)
		return -EIO;
	*node = (int)v;
	return 0;
}

int dmab__topo_local_node(void)
{
	int node = dmab__topo()->current_node();

	return node >= 0 ? node : 0;
}

/* os.h's NUMA primitives, through the table in force. */
bool dmab__os_numa_available(void)
{
	return dmab__topo()->available();
}

bool dmab__os_numa_node_valid(int node)
{
	return dmab__topo()->node_online(node);
}

void dmab__os_numa_prefer(void *base, size_t len, int node)
{
	dmab__topo()->prefer(base, len, node);
}

int dmab__os_numa_node_of(void *addr)
{
	struct dmab__placement pl;
	const struct dmab__topo_ops *t = dmab__topo();

	if (!t->available())
		return -1;
	t->query(addr, 1, 1, 0, &pl);
	return pl.first_node;
}

void dmab__os_numa_forget(void *base, size_t len)
{
	dmab__topo()->forget(base, len);
}
