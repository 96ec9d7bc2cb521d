/* SPDX-License-Identifier: MIT */
/*
 * A list's slots in bulk: the hold (areas.h) of a map_sg takes one run of
 * slots for the list's next entries of the same shape with one bitmap
 * search, and hands them out entry by entry; the hold of an unmap_sg merges
 * the frees of adjacent slots into one.
 *
 * A run is taken only when every entry it is for bounces for certain
 * (forced bouncing) and looks the same as the first (length, and the
 * original's bits under min_align_mask, so the same placement): then each
 * of them takes exactly the slots it would have taken alone, next to each
 * other, and the high-water mark and the statistics are what they would
 * have been. An entry that still does not fit the run (its slots would not
 * be aligned) gives the rest back at once; what a list that fails half-way
 * leaves of a run goes back at the hold's release. A run comes from the
 * held (or the CPU's) area within its quota only; when none is there the
 * call goes on one entry at a time, as without runs.
 *
 * Merged frees are only for the first pool (an extra pool's free may
 * retire it, which needs every area lock) and within one area. The slots of
 * a pending free stay marked taken until the hold's release, in the same
 * call: the slot records are cleared at once, so a list that names a
 * mapping twice still sees it freed.
 */
#include "areas.h"
#include "bitmap.h"

void dmab__hold_init(struct dmab__hold *h, struct dmab__bounce_pools *bp)
{
	h->bp = bp;
	h->area = -1;
	h->sg = NULL;
	h->nents = 0;
	h->no_run = -1;
	h->run_pool = NULL;
	h->free_pool = NULL;
	h->live = 0;
}

void dmab__hold_list(struct dmab__hold *h, const struct dmab_sg *sg, int nents)
{
	h->sg = sg;
	h->nents = nents;
}

/* Give back what is left of the run, if anything. */
static void run_end(struct dmab__hold *h)
{
	struct dmab__pool *p = h->run_pool;

	h->run_pool = NULL;
	if (p && h->run_next < h->run_end)
		dmab__slots_free(h->bp, h, p, h->run_next, h->run_end - h->run_next);
}

static void free_flush(struct dmab__hold *h)
{
	struct dmab__pool *p = h->free_pool;

	h->free_pool = NULL;
	if (p)
		dmab__slots_free(h->bp, h, p, h->free_first, h->free_end - h->free_first);
}

void dmab__hold_release(struct dmab__hold *h)
{
	if (!h)
		return;
	run_end(h);
	free_flush(h);
	dmab__hold_unlock(h);
	if (h->live) {
		dmab__ctr_add(dmab__ctr_mine(&h->bp->dev->c), DMAB__CTR_BOUNCE_LIVE,
			      (uint64_t)h->live);
		h->live = 0;
	}
}

/* How many entries from @index on, this one included, look like it; at most
 * @max. */
static size_t alike(const struct dmab__hold *h, int index, uintptr_t orig, size_t len,
		    uint64_t mask, size_t max)
{
	size_t k = 1;

	for (int j = index + 1; j < h->nents && k < max; j++, k++)
		if (h->sg[j].len != len || (((uintptr_t)h->sg[j].addr ^ orig) & mask))
			break;
	return k;
}

int dmab__run_alloc(struct dmab__bounce_pools *bp, struct dmab__hold *h, size_t n, uint64_t cmask,
		    uint64_t want, uintptr_t orig, size_t len, int index, bool ahead,
		    struct dmab__pool **pool, size_t *first)
{
	if (!h)
		return dmab__slots_alloc(bp, h, n, cmask, want, pool, first);
	run_end(h); /* what is left does not fit this entry */
	/* A run only where the next entry's slots follow this one's aligned. */
	if (ahead && h->sg && index >= 0 && index + 1 < h->nents && (n & cmask) == 0 &&
	    n <= DMAB__RUN_SLOTS / 2 && (h->no_run < 0 || (h->area >= 0 && h->area != h->no_run))) {
		size_t k = alike(h, index, orig, len, bp->min_align_mask, DMAB__RUN_SLOTS / n);
		int a = h->area >= 0 ? h->area : (int)dmab__bounce_cpu_area(bp);

		/* Shorter runs where a long one does not fit (the area's end). */
		for (; k > 1; k /= 2) {
			if (!dmab__slots_try(bp, h, (unsigned)a, k * n, cmask, want, pool, first)) {
				h->run_pool = *pool;
				h->run_next = *first + n;
				h->run_end = *first + k * n;
				return 0;
			}
		}
		/* Not in this area again: the entries go one at a time until
		 * one is taken, on the fast path, from another area. */
		h->no_run = a;
	}
	return dmab__slots_alloc(bp, h, n, cmask, want, pool, first);
}

void dmab__run_free(struct dmab__bounce_pools *bp, struct dmab__hold *h, struct dmab__pool *p,
		    size_t first, size_t n)
{
	if (!h || p->extra) {
		dmab__slots_free(bp, h, p, first, n);
		return;
	}
	if (dmab__run_merge(h, p, first, n))
		return;
	free_flush(h);

	unsigned a = dmab__area_of(bp, h, first);

	h->free_pool = p;
	h->free_first = first;
	h->free_end = first + n;
	h->free_lim = a + 1 == bp->nareas ? p->nslots : ((size_t)a + 1) * bp->area_slots;
}
