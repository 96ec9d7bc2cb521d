/* SPDX-License-Identifier: MIT */
/*
 * IOVA space of one emulated-IOMMU domain, page granular (4 KiB), below the
 * device's DMA mask: a slow path over a sorted array of free extents that
 * allocates top-down (as the kernel's alloc_iova does), and a fast path of
 * per-size magazines of freed ranges in front of it (the kernel's rcache
 * shape) for sizes up to DMAB__IOVA_CACHE_MAX pages.
 *
 * One thread at a time per domain: the caller holds its lock (the kernel's
 * per-CPU magazines exist for scaling, which a locked domain does not need).
 * Sizes and addresses are in bytes.
 */
#ifndef DMAB_IOMMU_IOVA_H
#define DMAB_IOMMU_IOVA_H

#include <stdbool.h>
#include <stdint.h>

#define DMAB__IOVA_SHIFT     12
#define DMAB__IOVA_PAGE	     ((uint64_t)1 << DMAB__IOVA_SHIFT)
#define DMAB__IOVA_CLASSES   6 /* cached sizes: 1, 2, 4, ... 32 pages */
#define DMAB__IOVA_CACHE_MAX (1u << (DMAB__IOVA_CLASSES - 1))
#define DMAB__IOVA_MAG_SIZE  128 /* ranges per magazine */
#define DMAB__IOVA_DEPOT     16	 /* full magazines kept per size */

struct dmab__iova_counters {
	uint64_t allocs;      /* successful allocations, both paths */
	uint64_t cache_hits;  /* fast allocations served by a magazine */
	uint64_t slow_allocs; /* allocations from the extent array */
	uint64_t frees;	      /* successful frees, both paths */
	uint64_t cached;      /* ranges sitting in magazines now */
	uint64_t failures;    /* -ENOMEM answers */
	uint64_t free_pages;  /* pages in the extent array (magazines not counted) */
	uint64_t extents;     /* free extents in the array */
};

struct dmab__iova_domain;

/*
 * dmab__iova_create() - a domain handing out [base, mask] (mask: the DMA
 * mask, the highest usable IOVA; base: the lowest, at least one page so that
 * IOVA 0 is never given).
 * Return: 0; -EINVAL if base is 0 or unaligned, or mask + 1 is not a page
 * multiple above base; -ENOMEM.
 */
int dmab__iova_create(uint64_t base, uint64_t mask, struct dmab__iova_domain **out);
/* Free the domain; outstanding ranges simply cease to exist. */
void dmab__iova_destroy(struct dmab__iova_domain *d);

/*
 * dmab__iova_alloc() - slow path: @size bytes at or below @limit (an
 * inclusive address, clipped to the domain's mask), the highest place that
 * fits (whole pages at or below the limit); with @size_aligned, aligned to
 * @size rounded up to a power of two.
 * Return: 0 and *@iova; -EINVAL for size 0, unaligned, or larger than the
 * space under the limit; -ENOMEM if no free range fits.
 */
int dmab__iova_alloc(struct dmab__iova_domain *d, uint64_t size, uint64_t limit, bool size_aligned,
		     uint64_t *iova);
/*
 * dmab__iova_free() - give back a range from dmab__iova_alloc().
 * Return: 0; -EINVAL if unaligned, outside the domain, or overlapping
 * space already free (a double free).
 */
int dmab__iova_free(struct dmab__iova_domain *d, uint64_t iova, uint64_t size);

/*
 * dmab__iova_alloc_fast() - sizes up to DMAB__IOVA_CACHE_MAX pages are
 * rounded up to a power of two and served from the magazines when one holds
 * a range under @limit; otherwise (and for larger sizes) a size-aligned
 * slow allocation. When that fails, the magazines are emptied into the
 * extent array and it is tried once more.
 * Return: as dmab__iova_alloc().
 */
int dmab__iova_alloc_fast(struct dmab__iova_domain *d, uint64_t size, uint64_t limit,
			  uint64_t *iova);
/*
 * dmab__iova_free_fast() - give back a range from dmab__iova_alloc_fast()
 * with the same size. Cached sizes go to a magazine (a double free there is
 * not detected), others to the extent array.
 * Return: 0; -EINVAL as dmab__iova_free().
 */
int dmab__iova_free_fast(struct dmab__iova_domain *d, uint64_t iova, uint64_t size);
/* Empty every magazine into the extent array. */
void dmab__iova_drain(struct dmab__iova_domain *d);

const struct dmab__iova_counters *dmab__iova_counters(const struct dmab__iova_domain *d);

#endif /* DMAB_IOMMU_IOVA_H */
