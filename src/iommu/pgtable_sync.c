/* SPDX-License-Identifier: MIT */
/*
 * sync_map for a deferred walker (seed 002): after a whole list is mapped,
 * walk [iova, iova + size) and clean the leaf entries found, each table's
 * runs coalesced so that every line is cleaned once. Table entries are not
 * cleaned here: they were cleaned when installed.
 */
#include <errno.h>

#include "../internal.h"
#include "pgtable_impl.h"

static void sync_table(struct dmab__iopt *t, const struct dmab__iopt_node *n, int lvl,
		       uint64_t iova, uint64_t end)
{
	struct dmab__iopt_run r = {0, 0};
	uint64_t span = (uint64_t)1 << dmab__iopt_shift(lvl);
	unsigned i = dmab__iopt_index(iova, lvl);
	unsigned last = dmab__iopt_index(end - 1, lvl);

	if (lvl == DMAB__IOPT_LEAF_LEVEL) {
		/* Pages: each maximal run of valid entries. */
		while (i <= last) {
			unsigned j;

			if (!(n->pte[i] & DMAB__PTE_VALID)) {
				i++;
				continue;
			}
			for (j = i + 1; j <= last && (n->pte[j] & DMAB__PTE_VALID); j++)
				;
			dmab__iopt_run_add(t, &r, &n->pte[i], j - i, &t->c.leaf_lines);
			i = j;
		}
	} else {
		for (uint64_t a = iova; a < end; i++) {
			uint64_t hi = (a & ~(span - 1)) + span, pte = n->pte[i];

			if (hi > end)
				hi = end;
			if (dmab__pte_is_table(pte, lvl))
				sync_table(t, n->child[i], lvl + 1, a, hi);
			else if (pte & DMAB__PTE_VALID)
				dmab__iopt_run_add(t, &r, &n->pte[i], 1, &t->c.leaf_lines);
			a = hi;
		}
	}
	dmab__iopt_run_flush(t, &r, &t->c.leaf_lines);
}

int dmab__iopt_sync_deferred(struct dmab__iopt *t, uint64_t iova, uint64_t size)
{
	int err = dmab__iopt_check_range(iova, size, "sync_map");

	if (err)
		return err;
	sync_table(t, t->root, 0, iova, iova + size);
	if (t->dirty_hi && iova <= t->dirty_lo && iova + size >= t->dirty_hi) {
		t->dirty_lo = t->dirty_hi = 0;
		t->c.deferred_ptes = 0;
	}
	return 0;
}

int dmab__iopt_sync_pending(struct dmab__iopt *t)
{
	if (t->walk != DMAB__IOPT_DEFERRED)
		return dmab__fail(-EINVAL, "iommu sync_pending: the table's walker does not defer");
	if (!t->dirty_hi)
		return 0;
	return dmab__iopt_sync_deferred(t, t->dirty_lo, t->dirty_hi - t->dirty_lo);
}
