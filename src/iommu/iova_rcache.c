/* SPDX-License-Identifier: MIT */
/*
 * The IOVA fast path: per-size magazines of freed ranges, the shape of the
 * kernel's IOVA rcache. A size class holds a loaded and a previous magazine
 * and a depot of full ones; a free pushes onto the loaded magazine, an
 * allocation pops the highest-placed entry that fits under the limit. Sizes
 * are rounded up to a power of two so that every entry of a class fits
 * every request of it.
 */
#include <errno.h>
#include <stdlib.h>

#include "../internal.h"
#include "iova_impl.h"

/* The class of @n pages, rounding @n up to its power of two; -1: not cached. */
static int class_of(uint64_t n)
{
	if (n == 0 || n > DMAB__IOVA_CACHE_MAX)
		return -1;
	return n == 1 ? 0 : 64 - __builtin_clzll(n - 1);
}

/* Pop an entry starting at or below @max_start from @m. */
static bool mag_pop(struct dmab__iova_mag *m, uint64_t max_start, uint64_t *pfn)
{
	if (!m)
		return false;
	for (unsigned i = m->n; i-- > 0;)
		if (m->pfn[i] <= max_start) {
			*pfn = m->pfn[i];
			m->pfn[i] = m->pfn[--m->n];
			return true;
		}
	return false;
}

/* Return every entry of @m to the extent array. */
static void mag_empty(struct dmab__iova_domain *d, struct dmab__iova_mag *m, uint64_t npages)
{
	if (!m)
		return;
	for (unsigned i = 0; i < m->n; i++)
		(void)dmab__iova_give(d, m->pfn[i], npages);
	d->c.cached -= m->n;
	m->n = 0;
}

static bool rcache_pop(struct dmab__iova_domain *d, int cls, uint64_t max_start, uint64_t *pfn)
{
	struct dmab__iova_rcache *rc = &d->rc[cls];

	if (mag_pop(rc->loaded, max_start, pfn) || mag_pop(rc->prev, max_start, pfn))
		return true;
	for (unsigned k = rc->ndepot; k-- > 0;)
		if (mag_pop(rc->depot[k], max_start, pfn)) {
			if (rc->depot[k]->n == 0) {
				free(rc->depot[k]);
				rc->depot[k] = rc->depot[--rc->ndepot];
			}
			return true;
		}
	return false;
}

/* Push @pfn; false if no magazine can take it (it then goes to the array). */
static bool rcache_push(struct dmab__iova_domain *d, int cls, uint64_t pfn)
{
	struct dmab__iova_rcache *rc = &d->rc[cls];

	if (rc->loaded && rc->loaded->n == DMAB__IOVA_MAG_SIZE) {
		struct dmab__iova_mag *full = rc->loaded;

		if (rc->prev && rc->prev->n == 0) {
			rc->loaded = rc->prev;
			rc->prev = full;
		} else if (rc->ndepot < DMAB__IOVA_DEPOT) {
			rc->depot[rc->ndepot++] = full;
			rc->loaded = NULL;
		} else {
			mag_empty(d, full, (uint64_t)1 << cls);
		}
	}
	if (!rc->loaded) {
		rc->loaded = rc->prev && rc->prev->n == 0 ? rc->prev : NULL;
		if (rc->loaded)
			rc->prev = NULL;
		else if (!(rc->loaded = calloc(1, sizeof(*rc->loaded))))
			return false;
	}
	rc->loaded->pfn[rc->loaded->n++] = pfn;
	d->c.cached++;
	return true;
}

void dmab__iova_drain(struct dmab__iova_domain *d)
{
	for (int cls = 0; cls < DMAB__IOVA_CLASSES; cls++) {
		struct dmab__iova_rcache *rc = &d->rc[cls];
		uint64_t n = (uint64_t)1 << cls;

		mag_empty(d, rc->loaded, n);
		mag_empty(d, rc->prev, n);
		for (unsigned k = 0; k < rc->ndepot; k++) {
			mag_empty(d, rc->depot[k], n);
			free(rc->depot[k]);
		}
		rc->ndepot = 0;
	}
}

void dmab__iova_rcache_free(struct dmab__iova_domain *d)
{
	dmab__iova_drain(d);
	for (int cls = 0; cls < DMAB__IOVA_CLASSES; cls++) {
		free(d->rc[cls].loaded);
		free(d->rc[cls].prev);
		d->rc[cls].loaded = d->rc[cls].prev = NULL;
	}
}

int dmab__iova_alloc_fast(struct dmab__iova_domain *d, uint64_t size, uint64_t limit,
			  uint64_t *iova)
{
	uint64_t n = size >> DMAB__IOVA_SHIFT, lim_end = dmab__iova_lim_end(d, limit), pfn;
	int cls = size & (DMAB__IOVA_PAGE - 1) ? -1 : class_of(n);
	int err;

	if (cls >= 0) {
		n = (uint64_t)1 << cls;
		if (lim_end >= n && rcache_pop(d, cls, lim_end - n, &pfn)) {
			d->c.cached--;
			d->c.allocs++;
			d->c.cache_hits++;
			*iova = pfn << DMAB__IOVA_SHIFT;
			return 0;
		}
	}
	if (cls >= 0)
		size = n << DMAB__IOVA_SHIFT;
	err = dmab__iova_alloc(d, size, limit, true, iova);
	if (err == -ENOMEM && d->c.cached) {
		dmab__iova_drain(d);
		d->c.failures--; /* the retry decides */
		err = dmab__iova_alloc(d, size, limit, true, iova);
	}
	return err;
}

int dmab__iova_free_fast(struct dmab__iova_domain *d, uint64_t iova, uint64_t size)
{
	uint64_t pfn = iova >> DMAB__IOVA_SHIFT;
	int cls = size & (DMAB__IOVA_PAGE - 1) ? -1 : class_of(size >> DMAB__IOVA_SHIFT);
	uint64_t n;

	if (cls < 0)
		return dmab__iova_free(d, iova, size);
	n = (uint64_t)1 << cls;
	if (iova & (DMAB__IOVA_PAGE - 1) || pfn < d->base_pfn || pfn >= d->end_pfn ||
	    n > d->end_pfn - pfn)
		return dmab__fail(-EINVAL,
				  "iova free: [0x%llx, +0x%llx) is not a range of the "
				  "domain",
				  (unsigned long long)iova, (unsigned long long)size);
	if (!rcache_push(d, cls, pfn))
		return dmab__iova_free(d, iova, n << DMAB__IOVA_SHIFT);
	d->c.frees++;
	return 0;
}
