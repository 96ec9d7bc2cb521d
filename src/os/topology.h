/* SPDX-License-Identifier: MIT */
/*
 * The machine's NUMA topology, behind one ops table: the real one (libnuma
 * and sysfs, in topology.c) or a stand-in a test installs (a fake machine
 * of 1, 2 or 8 nodes, with offline nodes and memory per node). Everything
 * above src/os/ asks these questions here and nowhere else.
 *
 * The real table calls no libnuma routine that allocates a bitmask (those
 * exit() on out-of-memory); without NUMA (numa_available() < 0: qemu-user,
 * a kernel built without it) the machine is one node, 0, with every CPU.
 */
#ifndef DMAB_OS_TOPOLOGY_H
#define DMAB_OS_TOPOLOGY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What a query of a range's pages found (move_pages in query mode). */
struct dmab__placement {
	size_t pages;	  /* pages asked about */
	size_t on_node;	  /* of them, on the node asked about */
	size_t elsewhere; /* on another node */
	size_t unknown;	  /* not faulted in, or the kernel would not say */
	int first_node;	  /* node of the first page; -1 unknown */
};

struct dmab__topo_ops {
	/* Is NUMA policy available at all? */
	bool (*available)(void);
	/* Highest node number that may exist (0 without NUMA). */
	int (*max_node)(void);
	/* Is @node online with memory? false for any @node < 0. */
	bool (*node_online)(int node);
	/* Bytes free on @node now; -1 when unknown. */
	long long (*node_free)(int node);
	/* The node the calling thread runs on now; -1 unknown. */
	int (*current_node)(void);
	/* Prefer @node for the untouched pages of the range (mbind). */
	void (*prefer)(void *base, size_t len, int node);
	/* The range is being given back (the fake returns its memory). */
	void (*forget)(void *base, size_t len);
	/* Where the pages (of size @page) of the range are, against @node. */
	void (*query)(void *base, size_t len, size_t page, int node, struct dmab__placement *out);
	/* The root of sysfs ("/sys"): the fake points it at a test tree. */
	const char *sysfs_root;
};

/* The table in force: the real one unless a test installed another. */
const struct dmab__topo_ops *dmab__topo(void);

/*
 * Test seam: put @ops in force (NULL restores the real table). Not for use
 * while another thread allocates device memory.
 */
void dmab__topo_install(const struct dmab__topo_ops *ops);

/* The real table, for a stand-in that forwards some questions to it. */
extern const struct dmab__topo_ops dmab__topo_real;

/*
 * The NUMA node of the PCI device at @bdf ("dddd:bb:dd.f"), from
 * <root>/bus/pci/devices/<bdf>/numa_node (@root NULL: the table's sysfs).
 * Return: 0 and *@node (>= 0, or -1 when the platform gives none);
 * -EINVAL for an address not of that form; -ENODEV when no such device
 * exists there; -EIO for a file that does not hold a number.
 */
int dmab__topo_pci_node(const char *root, const char *bdf, int *node);

/* The node a device with no node of its own (-1) allocates on now: the
 * calling CPU's, or 0 when that is unknown. */
int dmab__topo_local_node(void);

#endif /* DMAB_OS_TOPOLOGY_H */
