/* SPDX-License-Identifier: MIT */
/*
 * The IOVA allocator's slow path: free space as a sorted array of disjoint
 * extents, allocated top-down under the limit (first fit from the top), and
 * coalesced on free. Every change that needs a bigger array grows it first,
 * so a failure leaves the domain as it was.
 */
#include <string.h>
#include <errno.h>
#include <stdlib.h>

#include "../internal.h"
#include "iova_impl.h"

static int grow(struct dmab__iova_domain *d)
{
	size_t cap = d->cap ? d->cap * 2 : 16;
	struct dmab__iova_ext *e;

	if (d->n < d->cap)
		return 0;
	e = realloc(d->ext, cap * sizeof(*e));
	if (!e)
		return dmab__fail(-ENOMEM, "iova: no memory for the free-extent array");
	d->ext = e;
	d->cap = cap;
	return 0;
}

static void remove_at(struct dmab__iova_domain *d, size_t k)
{
	memmove(&d->ext[k], &d->ext[k + 1], (d->n - k - 1) * sizeof(*d->ext));
	d->n--;
}

static void insert_at(struct dmab__iova_domain *d, size_t k, uint64_t lo, uint64_t hi)
{
	memmove(&d->ext[k + 1], &d->ext[k], (d->n - k) * sizeof(*d->ext));
	d->ext[k] = (struct dmab__iova_ext){lo, hi};
	d->n++;
}

int dmab__iova_create(uint64_t base, uint64_t mask, struct dmab__iova_domain **out)
{
	struct dmab__iova_domain *d;

	if (base == 0 || base & (DMAB__IOVA_PAGE - 1) || (mask + 1) & (DMAB__IOVA_PAGE - 1) ||
	    mask < base)
		return dmab__fail(-EINVAL,
				  "iova: domain [0x%llx, 0x%llx] must start at a nonzero page "
				  "and end at a page end above it",
				  (unsigned long long)base, (unsigned long long)mask);
	d = calloc(1, sizeof(*d));
	if (!d)
		return dmab__fail(-ENOMEM, "iova: no memory for a domain");
	d->base_pfn = base >> DMAB__IOVA_SHIFT;
	d->end_pfn = (mask >> DMAB__IOVA_SHIFT) + 1;
	if (grow(d)) {
		free(d);
		return -ENOMEM;
	}
	insert_at(d, 0, d->base_pfn, d->end_pfn);
	d->c.free_pages = d->end_pfn - d->base_pfn;
	d->c.extents = 1;
	*out = d;
	return 0;
}

void dmab__iova_destroy(struct dmab__iova_domain *d)
{
	if (!d)
		return;
	dmab__iova_rcache_free(d);
	free(d->ext);
	free(d);
}

uint64_t dmab__iova_lim_end(const struct dmab__iova_domain *d, uint64_t limit)
{
	/* Whole pages at or below @limit: a limit inside a page excludes that page. */
	uint64_t end =
	    (limit >> DMAB__IOVA_SHIFT) + ((limit & (DMAB__IOVA_PAGE - 1)) == DMAB__IOVA_PAGE - 1);

	return end < d->end_pfn ? end : d->end_pfn;
}

int dmab__iova_take(struct dmab__iova_domain *d, uint64_t npages, uint64_t lim_end, uint64_t align,
		    uint64_t *pfn)
{
	if (grow(d))
		return -ENOMEM;
	for (size_t k = d->n; k-- > 0;) {
		struct dmab__iova_ext *e = &d->ext[k];
		uint64_t hi = e->hi < lim_end ? e->hi : lim_end, s;

		if (hi <= e->lo || hi - e->lo < npages)
			continue;
		s = (hi - npages) & ~(align - 1);
		if (s < e->lo)
			continue;
		if (s == e->lo && s + npages == e->hi) {
			remove_at(d, k);
		} else if (s == e->lo) {
			e->lo += npages;
		} else if (s + npages == e->hi) {
			e->hi = s;
		} else {
			insert_at(d, k + 1, s + npages, e->hi);
			d->ext[k].hi = s;
		}
		d->c.free_pages -= npages;
		d->c.extents = d->n;
		*pfn = s;
		return 0;
	}
	d->c.failures++;
	return dmab__fail(-ENOMEM,
			  "iova: no free range of %llu pages below 0x%llx (%llu pages free "
			  "in %zu extents)",
			  (unsigned long long)npages,
			  (unsigned long long)(lim_end << DMAB__IOVA_SHIFT),
			  (unsigned long long)d->c.free_pages, d->n);
}

int dmab__iova_give(struct dmab__iova_domain *d, uint64_t pfn, uint64_t npages)
{
	size_t lo = 0, hi = d->n, k;
	bool join_prev, join_next;

	/* k: the first extent starting above pfn. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (d->ext[mid].lo > pfn)
			hi = mid;
		else
			lo = mid + 1;
	}
	k = lo;
	if ((k > 0 && d->ext[k - 1].hi > pfn) || (k < d->n && d->ext[k].lo < pfn + npages))
		return dmab__fail(-EINVAL,
				  "iova: free of [0x%llx, +%llu pages) overlaps free space "
				  "(double free?)",
				  (unsigned long long)(pfn << DMAB__IOVA_SHIFT),
				  (unsigned long long)npages);
	join_prev = k > 0 && d->ext[k - 1].hi == pfn;
	join_next = k < d->n && d->ext[k].lo == pfn + npages;
	if (join_prev && join_next) {
		d->ext[k - 1].hi = d->ext[k].hi;
		remove_at(d, k);
	} else if (join_prev) {
		d->ext[k - 1].hi += npages;
	} else if (join_next) {
		d->ext[k].lo = pfn;
	} else {
		if (grow(d))
			return -ENOMEM;
		insert_at(d, k, pfn, pfn + npages);
	}
	d->c.free_pages += npages;
	d->c.extents = d->n;
	return 0;
}

/* Check a size (and the space it needs under the limit): 0 or -EINVAL. */
static int check_size(const struct dmab__iova_domain *d, uint64_t size, uint64_t lim_end,
		      const char *what)
{
	if (size == 0 || size & (DMAB__IOVA_PAGE - 1))
		return dmab__fail(-EINVAL, "iova %s: size 0x%llx is 0 or not a page multiple", what,
				  (unsigned long long)size);
	if (lim_end <= d->base_pfn || (size >> DMAB__IOVA_SHIFT) > lim_end - d->base_pfn)
		return dmab__fail(-EINVAL, "iova %s: size 0x%llx exceeds the space under the limit",
				  what, (unsigned long long)size);
	return 0;
}

static uint64_t pow2_up(uint64_t n)
{
	return n <= 1 ? 1 : (uint64_t)1 << (64 - __builtin_clzll(n - 1));
}

int dmab__iova_alloc(struct dmab__iova_domain *d, uint64_t size, uint64_t limit, bool size_aligned,
		     uint64_t *iova)
{
	uint64_t lim_end = dmab__iova_lim_end(d, limit), n = size >> DMAB__IOVA_SHIFT, pfn;
	int err = check_size(d, size, lim_end, "alloc");

	if (!err)
		err = dmab__iova_take(d, n, lim_end, size_aligned ? pow2_up(n) : 1, &pfn);
	if (err)
		return err;
	d->c.allocs++;
	d->c.slow_allocs++;
	*iova = pfn << DMAB__IOVA_SHIFT;
	return 0;
}

int dmab__iova_free(struct dmab__iova_domain *d, uint64_t iova, uint64_t size)
{
	uint64_t pfn = iova >> DMAB__IOVA_SHIFT, n = size >> DMAB__IOVA_SHIFT;
	int err;

	if (size == 0 || (iova | size) & (DMAB__IOVA_PAGE - 1) || pfn < d->base_pfn ||
	    n > d->end_pfn - pfn || pfn >= d->end_pfn)
		return dmab__fail(-EINVAL,
				  "iova free: [0x%llx, +0x%llx) is not a range of the "
				  "domain",
				  (unsigned long long)iova, (unsigned long long)size);
	err = dmab__iova_give(d, pfn, n);
	if (!err)
		d->c.frees++;
	return err;
}

const struct dmab__iova_counters *dmab__iova_counters(const struct dmab__iova_domain *d)
{
	return &d->c;
}
