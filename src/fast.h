/* SPDX-License-Identifier: MIT */
/*
 * The per-call fast path of map_sg and unmap_sg (fast.c), for the common
 * device: identity translation, no bounce pool, non-coherent, batched, a
 * full DMA mask, the checker off, and maintenance wanted (no
 * SKIP_CPU_SYNC). Such a call's rule is fixed (map cleans, unmap
 * invalidates unless TO_DEVICE) and its entries' facts are the sg fields
 * (entry.h), so the fast path reads the device once, checks the whole list
 * in one tight pass, and then fills, merges and issues in a second pass
 * that keeps the open run in registers and issues its lines as it goes,
 * completing once at the end. Anything the fast check does not pass (bad
 * input, an unmap with partial lines) goes to the general path, which finds
 * the same errno and message or does the same maintenance as before.
 *
 * map_single and unmap_single take it too, as a one-entry list.
 *
 * What the caller (map.c) keeps: the argument checks before, and the
 * live-mapping count between the check and the issue (map: add, unmap:
 * drop, which may fail: nothing is issued before it).
 */
#ifndef DMAB_FAST_H
#define DMAB_FAST_H

#include "internal.h"

/* Test seam (tests/common/seam.c): every call takes the general path. */
extern bool dmab__fast_off;

/* May a map_sg or unmap_sg with @attrs on @dev take the fast path? */
static inline bool dmab__fast_ok(const struct dmab_device *dev, unsigned attrs)
{
	return !dev->bounce_pools && dev->xlate == &dmab__xlate_identity && !dev->coherent &&
	       dev->mode == DMAB_SYNC_BATCHED && dev->mask == UINT64_MAX && !dev->debug &&
	       !dev->iommu && !(attrs & DMAB_ATTR_SKIP_CPU_SYNC) && !dmab__fast_off;
}

/* What a check pass learnt of a list. */
struct dmab__fast_list {
	uintptr_t lo, hi; /* map: the bus span of the entries */
	bool partial;	  /* unmap: an entry has a partial line at an end */
};

/* Does the whole list pass map's checks (non-NULL, whole lines without
 * wrapping), with no zero-length entry? false: the general path, which
 * says what is wrong, if anything. */
bool dmab__fast_map_check(const struct dmab_device *dev, const struct dmab_sg *sg, int nents,
			  struct dmab__fast_list *l);
/* Fill the bus side of every entry, clean and complete, and count the call
 * (not the live mappings: the caller's, with @l's span, before this). */
void dmab__fast_map(struct dmab_device *dev, struct dmab_sg *sg, int nents);

/* map_single's part of dmab__fast_map(): clean [p, p+len) (non-empty,
 * checked), complete, count the call. */
void dmab__fast_map_one(struct dmab_device *dev, uintptr_t p, size_t len);

/* Does the list pass unmap's checks, with no zero-length entry? false: the
 * general path, which reports what is wrong. */
bool dmab__fast_unmap_check(const struct dmab_device *dev, const struct dmab_sg *sg, int nents,
			    struct dmab__fast_list *l);
/* Invalidate as @dir says (an entry with partial lines: the engine),
 * complete, count the call. Pre: the caller dropped the live mappings. */
void dmab__fast_unmap(struct dmab_device *dev, struct dmab_sg *sg, int nents, enum dmab_dir dir,
		      const struct dmab__fast_list *l);

/* dmab__fast_unmap_check() for unmap_single's one range (non-empty). */
static inline bool dmab__fast_unmap_one_ok(const struct dmab_device *dev, dmab_addr_t p, size_t len)
{
	uintptr_t lo = atomic_load_explicit(&dev->direct_lo, memory_order_relaxed);
	uintptr_t hi = atomic_load_explicit(&dev->direct_hi, memory_order_relaxed);
	dmab_addr_t q = p + len;

	return q > p && lo && hi <= UINTPTR_MAX - (uintptr_t)(dev->arch.line - 1) && p >= lo &&
	       q <= hi;
}

/* dmab__fast_unmap() of that range. Pre: the caller dropped the mapping. */
void dmab__fast_unmap_one(struct dmab_device *dev, dmab_addr_t p, size_t len, enum dmab_dir dir);

#endif /* DMAB_FAST_H */
