/* SPDX-License-Identifier: MIT */
/*
 * unmap_pages and the gathered TLB invalidation. Unmap checks the whole
 * range first (every page mapped, no block cut), then clears: a failure
 * leaves the table unchanged. Tables left empty are unlinked at once and
 * freed at the gather's sync, after the invalidation that covers them.
 *
 * On a non-coherent walker the cleared entries are cleaned (in both modes:
 * the walker must never refill a TLB from a stale valid entry), and every
 * clean is issued before the invalidation that depends on it. Unmap is not
 * the path the coherent-walker request was about: its mode test is once per
 * run of pages in a level-3 table, or once per 2 MiB block.
 */
#include <string.h>
#include <errno.h>

#include "../internal.h"
#include "pgtable_impl.h"

static int check(const struct dmab__iopt_node *n, int lvl, uint64_t iova, uint64_t end)
{
	uint64_t span = (uint64_t)1 << dmab__iopt_shift(lvl);

	for (uint64_t a = iova; a < end;) {
		uint64_t base = a & ~(span - 1), hi = base + span < end ? base + span : end;
		unsigned i = dmab__iopt_index(a, lvl);
		uint64_t pte = n->pte[i];
		int err;

		if (!(pte & DMAB__PTE_VALID))
			return dmab__fail(-EINVAL, "iommu unmap: nothing mapped at iova 0x%llx",
					  (unsigned long long)a);
		if (dmab__pte_is_table(pte, lvl)) {
			err = check(n->child[i], lvl + 1, a, hi);
			if (err)
				return err;
		} else if (a != base || hi != base + span) {
			return dmab__fail(-EINVAL,
					  "iommu unmap: [0x%llx, 0x%llx) covers part of the 2 MiB "
					  "block at 0x%llx; blocks are not split",
					  (unsigned long long)iova, (unsigned long long)end,
					  (unsigned long long)base);
		}
		a = hi;
	}
	return 0;
}

static void issue_pending(struct dmab__iopt *t)
{
	for (int l = 0; l < DMAB__IOPT_LEVELS; l++)
		dmab__iopt_run_flush(t, &t->unmap_run[l], &t->c.leaf_lines);
}

static void cleared(struct dmab__iopt *t, int lvl, const uint64_t *p, unsigned n)
{
	if (t->walk != DMAB__IOPT_COHERENT)
		dmab__iopt_run_add(t, &t->unmap_run[lvl], p, n, &t->c.leaf_lines);
}

static void clear_table(struct dmab__iopt *t, struct dmab__iopt_node *n, int lvl, uint64_t iova,
			uint64_t end, struct dmab__iotlb_gather *g)
{
	uint64_t span = (uint64_t)1 << dmab__iopt_shift(lvl);

	if (lvl == DMAB__IOPT_LEAF_LEVEL) {
		unsigned i = dmab__iopt_index(iova, lvl);
		unsigned cnt = (unsigned)((end - iova) >> DMAB__IOPT_GRANULE_SHIFT);

		memset(&n->pte[i], 0, (size_t)cnt * sizeof(uint64_t));
		n->live -= cnt;
		t->c.mapped_pages -= cnt;
		cleared(t, lvl, &n->pte[i], cnt);
		dmab__iotlb_gather_add(t, g, iova, end - iova, DMAB__IOPT_GRANULE);
		return;
	}
	for (uint64_t a = iova; a < end;) {
		uint64_t base = a & ~(span - 1), hi = base + span < end ? base + span : end;
		unsigned i = dmab__iopt_index(a, lvl);
		struct dmab__iopt_node *c = n->child[i];

		if (c) {
			clear_table(t, c, lvl + 1, a, hi, g);
			if (c->live == 0) {
				n->pte[i] = 0;
				n->child[i] = NULL;
				n->live--;
				cleared(t, lvl, &n->pte[i], 1);
				c->next = g->freelist;
				g->freelist = c;
				if (g->walk_end == 0 || base < g->walk_start)
					g->walk_start = base;
				if (base + span > g->walk_end)
					g->walk_end = base + span;
			}
		} else {
			n->pte[i] = 0;
			n->live--;
			t->c.mapped_pages--;
			cleared(t, lvl, &n->pte[i], 1);
			dmab__iotlb_gather_add(t, g, base, span, span);
		}
		a = hi;
	}
	if (t->walk != DMAB__IOPT_COHERENT)
		dmab__iopt_run_flush(t, &t->unmap_run[lvl], &t->c.leaf_lines);
}

int dmab__iopt_unmap(struct dmab__iopt *t, uint64_t iova, uint64_t size,
		     struct dmab__iotlb_gather *g)
{
	struct dmab__iotlb_gather own;
	int err = dmab__iopt_check_range(iova, size, "unmap");

	if (!err)
		err = check(t->root, 0, iova, iova + size);
	if (err)
		return err;
	if (!g) {
		dmab__iotlb_gather_init(&own);
		g = &own;
	}
	clear_table(t, t->root, 0, iova, iova + size, g);
	issue_pending(t);
	if (g == &own)
		dmab__iotlb_sync(t, g);
	return 0;
}

void dmab__iotlb_gather_init(struct dmab__iotlb_gather *g)
{
	memset(g, 0, sizeof(*g));
}

static void flush_range(struct dmab__iopt *t, struct dmab__iotlb_gather *g)
{
	issue_pending(t);
	t->c.flushes++;
	if (t->tlb.flush)
		t->tlb.flush(t->tlb.ctx, g->start, g->end, g->pgsize, false);
	g->start = g->end = 0;
	g->pgsize = 0;
}

void dmab__iotlb_gather_add(struct dmab__iopt *t, struct dmab__iotlb_gather *g, uint64_t iova,
			    uint64_t len, size_t pgsize)
{
	if (g->pgsize && (g->pgsize != pgsize || iova > g->end || iova + len < g->start))
		flush_range(t, g);
	if (!g->pgsize) {
		g->start = iova;
		g->end = iova + len;
		g->pgsize = pgsize;
		return;
	}
	if (iova < g->start)
		g->start = iova;
	if (iova + len > g->end)
		g->end = iova + len;
}

void dmab__iotlb_sync(struct dmab__iopt *t, struct dmab__iotlb_gather *g)
{
	if (g->pgsize)
		flush_range(t, g);
	if (!g->freelist)
		return;
	issue_pending(t);
	t->c.walk_flushes++;
	if (t->tlb.flush)
		t->tlb.flush(t->tlb.ctx, g->walk_start, g->walk_end, DMAB__IOPT_GRANULE, true);
	while (g->freelist) {
		struct dmab__iopt_node *n = g->freelist;

		g->freelist = n->next;
		dmab__iopt_node_free(t, n);
	}
	g->walk_start = g->walk_end = 0;
}
