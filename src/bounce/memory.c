/* SPDX-License-Identifier: MIT */
/*
 * The memory bounce pools are made of: 2 MiB aligned regions, on the
 * device's node when it has memory there, under a virtual-address limit when
 * the device's mask needs it, faulted in before use. The OS calls are
 * src/os/'s.
 */
#include <errno.h>

#include "../mem/mem.h"
#include "../os/os.h"
#include "memory.h"

#define BELOW_TRIES 4096 /* holes tried under a narrow limit before giving up */

static unsigned huge_flag(bool huge)
{
	return huge ? DMAB__OS_MAP_HUGE : 0;
}

/* Anywhere, 2 MiB aligned: hugetlb regions come aligned; base pages are
 * over-mapped and trimmed, so that transparent hugepages can back them. */
static void *map_anywhere(size_t len, bool huge)
{
	if (huge)
		return dmab__os_map(NULL, len, DMAB__OS_MAP_HUGE);

	size_t span = len + DMAB__MEM_ALIGN;
	uint8_t *p = dmab__os_map(NULL, span, 0);

	if (!p)
		return NULL;
	uintptr_t a = ((uintptr_t)p + DMAB__MEM_ALIGN - 1) & ~(uintptr_t)(DMAB__MEM_ALIGN - 1);
	size_t head = a - (uintptr_t)p;

	if (head)
		dmab__os_unmap(p, head);
	if (span - head - len)
		dmab__os_unmap((void *)(a + len), span - head - len);
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
		return NULL;
	uintptr_t a = (below - (len - 1)) & ~(uintptr_t)(DMAB__MEM_ALIGN - 1);

	for (int tries = 0; a >= floor && tries < BELOW_TRIES; tries++, a -= DMAB__MEM_ALIGN) {
		void *p = dmab__os_map((void *)a, len, huge_flag(huge) | DMAB__OS_MAP_EXACT);

		if (p)
			return p;
	}
	return NULL;
}

/*
 * Anywhere first: with a wide limit (a 46-bit mask, say) the usual place
 * already fits. hugetlb that fails anywhere is not tried hole by hole.
 */
static void *map_region(size_t len, uintptr_t below, bool huge)
{
	void *p = map_anywhere(len, huge);

	if (!p || !below || (uintptr_t)p + (len - 1) <= below)
		return p;
	dmab__os_unmap(p, len);
	return map_below(len, below, huge);
}

/* Fault everything in now, so the data path never takes a first-touch fault. */
static void populate(void *base, size_t len, size_t page)
{
	if (dmab__os_populate(base, len) == 0)
		return;
	for (size_t off = 0; off < len; off += page)
		((volatile uint8_t *)base)[off] = 0;
}

int dmab__mem_alloc(struct dmab__mem *m, size_t len, int node, uintptr_t below)
{
	size_t base_page = dmab__os_page_size();
	void *p = NULL;
	bool huge = false;

	if (len == 0 || len % base_page)
		return -EINVAL;
	/* hugetlb first: it fails at once when the system has none reserved. */
	if (len % DMAB__MEM_ALIGN == 0) {
		p = map_region(len, below, true);
		huge = p != NULL;
	}
	if (!p)
		p = map_region(len, below, false);
	if (!p)
		return -ENOMEM;
	if (!huge)
		dmab__os_advise_hugepage(p, len);
	/* Preferred, not bound: a full node falls back to the others
	 * (SEMANTICS §7). Must come before the first touch. */
	dmab__os_numa_prefer(p, len, node);
	m->base = p;
	m->len = len;
	m->page = huge ? DMAB__MEM_ALIGN : base_page;
	populate(p, len, m->page);
	m->node = dmab__os_numa_node_of(p);
	return 0;
}

void dmab__mem_free(struct dmab__mem *m)
{
	if (m->base && m->area_of) {
		dmab__area_give(m->area_of, m->base, m->len);
		m->area_of = NULL;
		m->base = NULL;
		return;
	}
	if (m->base) {
		dmab__os_numa_forget(m->base, m->len);
		dmab__os_unmap(m->base, m->len);
	}
	m->base = NULL;
}
