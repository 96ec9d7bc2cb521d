/* SPDX-License-Identifier: MIT */
/*
 * libnuma behind a small seam, so that a system without NUMA support (or
 * qemu-user, where numa_available() is -1) is an ordinary case; and the
 * per-node memory that bounce pools are made of.
 */
#include <errno.h>
#include <numa.h>
#include <numaif.h>
#include <sys/mman.h>
#include <unistd.h>

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

#define PROT	    (PROT_READ | PROT_WRITE)
#define ANON	    (MAP_PRIVATE | MAP_ANONYMOUS)
#define HUGE_FLAGS  (MAP_HUGETLB | (21 << MAP_HUGE_SHIFT))
#define BELOW_TRIES 4096 /* holes tried under a narrow limit before giving up */

/*
 * Map exactly at @hint, or fail. MAP_FIXED_NOREPLACE never replaces what is
 * there; kernels before 4.17 (and some emulators) take it as a plain hint,
 * so the result is checked too.
 */
static void *map_at(uintptr_t hint, size_t len, int flags)
{
	void *p = mmap((void *)hint, len, PROT, ANON | flags | MAP_FIXED_NOREPLACE, -1, 0);

	if (p != MAP_FAILED && (uintptr_t)p != hint) {
		munmap(p, len);
		p = MAP_FAILED;
	}
	return p;
}

/* Anywhere, 2 MiB aligned: hugetlb regions come aligned; base pages are
 * over-mapped and trimmed, so that transparent hugepages can back them. */
static void *map_anywhere(size_t len, bool huge)
{
	if (huge)
		return mmap(NULL, len, PROT, ANON | HUGE_FLAGS, -1, 0);

	size_t span = len + DMAB__MEM_ALIGN;
	uint8_t *p = mmap(NULL, span, PROT, ANON, -1, 0);

	if (p == MAP_FAILED)
		return p;
	uintptr_t a = ((uintptr_t)p + DMAB__MEM_ALIGN - 1) & ~(uintptr_t)(DMAB__MEM_ALIGN - 1);
	size_t head = a - (uintptr_t)p;

	if (head)
		munmap(p, head);
	if (span - head - len)
		munmap((void *)(a + len), span - head - len);
	return (void *)a;
}

/*
 * Under @below: the device reaches only low addresses (a 28-bit mask is
 * 256 MiB) and its bus addresses are the virtual ones. Walk the 2 MiB slots
 * down from the highest that fits, taking the first hole.
 */
static void *map_below(size_t len, uintptr_t below, bool huge)
{
	const uintptr_t floor = DMAB__MEM_ALIGN; /* clear of page 0 and mmap_min_addr */

	if (len - 1 > below || below - (len - 1) < floor)
		return MAP_FAILED;
	uintptr_t a = (below - (len - 1)) & ~(uintptr_t)(DMAB__MEM_ALIGN - 1);

	for (int tries = 0; a >= floor && tries < BELOW_TRIES; tries++, a -= DMAB__MEM_ALIGN) {
		void *p = map_at(a, len, huge ? HUGE_FLAGS : 0);

		if (p != MAP_FAILED)
			return p;
	}
	return MAP_FAILED;
}

/*
 * Anywhere first: with a wide limit (a 46-bit mask, say) the usual place
 * already fits. hugetlb that fails anywhere is not tried hole by hole.
 */
static void *map_region(size_t len, uintptr_t below, bool huge)
{
	void *p = map_anywhere(len, huge);

	if (p == MAP_FAILED || !below || (uintptr_t)p + (len - 1) <= below)
		return p;
	munmap(p, len);
	return map_below(len, below, huge);
}

/* Preferred, not bound: a full node falls back to the others (seed 004's
 * lesson, SEMANTICS §7). Must come before the first touch. */
static void prefer_node(void *base, size_t len, int node)
{
	if (node < 0 || !dmab__numa_node_valid(node) || !dmab__numa_available())
		return;
	struct bitmask *bm = numa_bitmask_alloc((unsigned)numa_num_possible_nodes());

	if (!bm)
		return;
	numa_bitmask_setbit(bm, (unsigned)node);
	/* A refusal leaves the default policy, which still gives memory. */
	(void)mbind(base, len, MPOL_PREFERRED, bm->maskp, bm->size + 1, 0);
	numa_bitmask_free(bm);
}

/* Fault everything in now, so the data path never takes a first-touch fault. */
static void populate(void *base, size_t len, size_t page)
{
	if (madvise(base, len, MADV_POPULATE_WRITE) == 0)
		return;
	for (size_t off = 0; off < len; off += page)
		((volatile uint8_t *)base)[off] = 0;
}

static int node_of(void *base)
{
	int node = -1;

	if (!dmab__numa_available() ||
	    get_mempolicy(&node, NULL, 0, base, MPOL_F_NODE | MPOL_F_ADDR) != 0)
		return -1;
	return node;
}

int dmab__mem_alloc(struct dmab__mem *m, size_t len, int node, uintptr_t below)
{
	size_t base_page = (size_t)sysconf(_SC_PAGESIZE);
	void *p = MAP_FAILED;
	bool huge = false;

	if (len == 0 || len % base_page)
		return -EINVAL;
	/* hugetlb first: it fails at once when the system has none reserved. */
	if (len % DMAB__MEM_ALIGN == 0) {
		p = map_region(len, below, true);
		huge = p != MAP_FAILED;
	}
	if (p == MAP_FAILED)
		p = map_region(len, below, false);
	if (p == MAP_FAILED)
		return -ENOMEM;
	if (!huge)
		(void)madvise(p, len, MADV_HUGEPAGE);
	prefer_node(p, len, node);
	m->base = p;
	m->len = len;
	m->page = huge ? DMAB__MEM_ALIGN : base_page;
	populate(p, len, m->page);
	m->node = node_of(p);
	return 0;
}

void dmab__mem_free(struct dmab__mem *m)
{
	if (m->base)
		munmap(m->base, m->len);
	m->base = NULL;
}
