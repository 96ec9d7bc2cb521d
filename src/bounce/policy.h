/* SPDX-License-Identifier: MIT */
/* Where a bounce mapping may go, and how long it may be (policy.c). */
#ifndef DMAB_BOUNCE_POLICY_H
#define DMAB_BOUNCE_POLICY_H

#include "pool.h"

/* The longest buffer a mapping can take once the min_align_mask offset is
 * allowed for (the kernel's swiotlb_max_mapping_size). Inline, as the
 * placement: both run for every bounced entry. */
static inline size_t dmab__bounce_limit(const struct dmab__bounce_pools *bp)
{
	uint64_t m = bp->min_align_mask;
	size_t pad =
	    m ? (size_t)((m + DMAB_POOL_SLOT_SIZE - 1) & ~(uint64_t)(DMAB_POOL_SLOT_SIZE - 1)) : 0;

	return DMAB__SEG_BYTES - pad;
}

/*
 * Where a mapping of @orig (@len bytes) may start: *offset into its first
 * slot run (whole slots of it are padding), and the run's first bus slot
 * number k must have (k & *cmask) == *want. The kernel's placement rules,
 * in our words:
 * - offset: the bounce address keeps the original's bits under
 *   min_align_mask, up to the slot size or alloc_align_mask; whole slots of
 *   it become padding in front of the data;
 * - the run of slots starts on an alloc_align_mask boundary, or a page
 *   boundary for a mapping of a page or more when neither mask asks for
 *   anything above the slot size;
 * - min_align_mask bits above that are matched by choosing the run.
 */
static inline void dmab__bounce_placement(const struct dmab__bounce_pools *bp, uintptr_t orig,
					  size_t len, size_t *offset, uint64_t *cmask,
					  uint64_t *want)
{
	const uint64_t slot = DMAB_POOL_SLOT_SIZE - 1;
	uint64_t align = bp->alloc_align_mask;
	uint64_t above = bp->min_align_mask & ~slot;

	*offset = (size_t)(orig & bp->min_align_mask & (bp->alloc_align_mask | slot));
	if (!align && !above && len + *offset >= bp->page_size)
		align = bp->page_size - 1;
	align |= slot;
	above &= ~align;
	*cmask = (align | above) >> DMAB__SLOT_SHIFT;
	*want = (orig & above) >> DMAB__SLOT_SHIFT;
}

#endif /* DMAB_BOUNCE_POLICY_H */
