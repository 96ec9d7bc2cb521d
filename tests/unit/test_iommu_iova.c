/* SPDX-License-Identifier: MIT */
/*
 * The IOVA allocator: top-down placement under the DMA mask and a limit,
 * size alignment, the magazines of the fast path, clear errors, and a
 * fragmentation pattern with every allocation checked against a page map
 * of what is in use (nothing overlaps, nothing leaves the domain).
 */
#include <errno.h>

#include "test_iommu_helpers.h"

#define PG 4096ull

/* The test's own record of which pages are handed out. */
struct usage {
	uint64_t base_pfn, npages;
	unsigned char *used;
};

static void use(struct usage *u, uint64_t iova, uint64_t size)
{
	uint64_t pfn = iova / PG, n = size / PG;

	assert_int_equal(iova % PG, 0);
	assert_true(pfn >= u->base_pfn && pfn + n <= u->base_pfn + u->npages);
	for (uint64_t i = 0; i < n; i++) {
		assert_int_equal(u->used[pfn - u->base_pfn + i], 0);
		u->used[pfn - u->base_pfn + i] = 1;
	}
}

static void unuse(struct usage *u, uint64_t iova, uint64_t size)
{
	for (uint64_t i = 0; i < size / PG; i++) {
		assert_int_equal(u->used[iova / PG - u->base_pfn + i], 1);
		u->used[iova / PG - u->base_pfn + i] = 0;
	}
}

static struct dmab__iova_domain *domain(uint64_t base, uint64_t mask)
{
	struct dmab__iova_domain *d = NULL;

	assert_int_equal(dmab__iova_create(base, mask, &d), 0);
	return d;
}

static void top_down_under_mask_and_limit(void **state)
{
	struct dmab__iova_domain *d = domain(PG, 0xffffffffull);
	uint64_t a, b, c;

	(void)state;
	assert_int_equal(dmab__iova_alloc(d, PG, UINT64_MAX, false, &a), 0);
	assert_int_equal(a, 0xfffff000ull);
	/* Three pages, size aligned: aligned to four pages, right below. */
	assert_int_equal(dmab__iova_alloc(d, 3 * PG, UINT64_MAX, true, &b), 0);
	assert_int_equal(b % (4 * PG), 0);
	assert_int_equal(b, 0xffffc000ull);
	/* Not aligned: the highest place that fits. */
	assert_int_equal(dmab__iova_alloc(d, 3 * PG, UINT64_MAX, false, &c), 0);
	assert_int_equal(c, 0xffffc000ull - 3 * PG);
	/* A limit below the mask. */
	assert_int_equal(dmab__iova_alloc(d, 2 * PG, 0xfffffull, false, &a), 0);
	assert_int_equal(a, 0x100000ull - 2 * PG);
	assert_int_equal(dmab__iova_alloc(d, 2 * PG, 0x100800ull, false, &a), 0);
	assert_int_equal(a, 0xfc000ull); /* 0x100000 would end past the limit */
	assert_int_equal(dmab__iova_alloc(d, PG, 0x100800ull, false, &a), 0);
	assert_int_equal(a, 0xfb000ull);
	assert_int_equal(dmab__iova_counters(d)->slow_allocs, 6);
	dmab__iova_destroy(d);
}

static void errors(void **state)
{
	struct dmab__iova_domain *d = NULL;
	uint64_t a = 0x77;

	(void)state;
	assert_int_equal(dmab__iova_create(0, 0xffffffffull, &d), -EINVAL);
	assert_int_equal(dmab__iova_create(0x800, 0xffffffffull, &d), -EINVAL);
	assert_int_equal(dmab__iova_create(PG, 0xfffffffeull, &d), -EINVAL);
	assert_int_equal(dmab__iova_create(2 * PG, PG - 1, &d), -EINVAL);
	assert_null(d);
	d = domain(PG, 16 * PG + PG - 1); /* 16 pages: [1, 17) */
	assert_int_equal(dmab__iova_alloc(d, 0, UINT64_MAX, false, &a), -EINVAL);
	assert_int_equal(dmab__iova_alloc(d, PG + 1, UINT64_MAX, false, &a), -EINVAL);
	assert_int_equal(dmab__iova_alloc(d, 17 * PG, UINT64_MAX, false, &a), -EINVAL);
	assert_int_equal(dmab__iova_alloc(d, PG, PG - 1, false, &a),
			 -EINVAL); /* limit below base */
	assert_int_equal(dmab__iova_alloc(d, 4 * PG, 4 * PG - 1, false, &a), -EINVAL);
	assert_int_equal(dmab__iova_alloc_fast(d, 0, UINT64_MAX, &a), -EINVAL);
	assert_int_equal(dmab__iova_alloc_fast(d, 100, UINT64_MAX, &a), -EINVAL);
	assert_int_equal(a, 0x77);
	assert_true(dmab_last_error()[0] != '\0');
	assert_int_equal(dmab__iova_alloc(d, 16 * PG, UINT64_MAX, false, &a), 0);
	assert_int_equal(a, PG);
	assert_int_equal(dmab__iova_alloc(d, PG, UINT64_MAX, false, &a), -ENOMEM);
	assert_int_equal(dmab__iova_counters(d)->failures, 1);
	assert_int_equal(dmab__iova_free(d, 0, PG), -EINVAL);		/* below the domain */
	assert_int_equal(dmab__iova_free(d, 17 * PG, PG), -EINVAL);	/* above */
	assert_int_equal(dmab__iova_free(d, 16 * PG, 2 * PG), -EINVAL); /* runs out of it */
	assert_int_equal(dmab__iova_free(d, PG + 8, PG), -EINVAL);
	assert_int_equal(dmab__iova_free(d, 4 * PG, 2 * PG), 0);
	assert_int_equal(dmab__iova_free(d, 5 * PG, PG), -EINVAL); /* double free */
	assert_int_equal(dmab__iova_free(d, 3 * PG, 2 * PG), -EINVAL);
	assert_int_equal(dmab__iova_counters(d)->free_pages, 2);
	assert_int_equal(dmab__iova_free_fast(d, 0, PG), -EINVAL);
	dmab__iova_destroy(d);
}

/* Fill, punch holes, and check exactly what fits. */
static void fragmentation(void **state)
{
	enum { N = 256 };
	struct dmab__iova_domain *d = domain(PG, (N + 1) * PG - 1);
	unsigned char used[N] = {0};
	struct usage u = {.base_pfn = 1, .npages = N, .used = used};
	uint64_t pages[N], a;

	(void)state;
	for (int i = 0; i < N; i++) {
		assert_int_equal(dmab__iova_alloc(d, PG, UINT64_MAX, false, &pages[i]), 0);
		use(&u, pages[i], PG);
	}
	assert_int_equal(dmab__iova_alloc(d, PG, UINT64_MAX, false, &a), -ENOMEM);
	/* Free every other page: 128 pages free, no two adjacent. */
	for (int pfn = 1; pfn <= N; pfn += 2) {
		assert_int_equal(dmab__iova_free(d, pfn * PG, PG), 0);
		unuse(&u, pfn * PG, PG);
	}
	assert_int_equal(dmab__iova_counters(d)->free_pages, N / 2);
	assert_int_equal(dmab__iova_counters(d)->extents, N / 2);
	assert_int_equal(dmab__iova_alloc(d, 2 * PG, UINT64_MAX, false, &a), -ENOMEM);
	/* Free pfns 4 and 6 too: 3..7 is a run of five, pfn 4 aligned to 4 but 4..7 is not
	 * all free (7 is free: 3,4,5,6,7 free). A size-aligned 4 must start at 4: fits. */
	assert_int_equal(dmab__iova_free(d, 4 * PG, PG), 0);
	assert_int_equal(dmab__iova_free(d, 6 * PG, PG), 0);
	unuse(&u, 4 * PG, PG);
	unuse(&u, 6 * PG, PG);
	/* Free 10 and 12: 9..13 free; aligned 4 would need 8..11 or 12..15: neither. */
	assert_int_equal(dmab__iova_free(d, 10 * PG, PG), 0);
	assert_int_equal(dmab__iova_free(d, 12 * PG, PG), 0);
	unuse(&u, 10 * PG, PG);
	unuse(&u, 12 * PG, PG);
	assert_int_equal(dmab__iova_counters(d)->extents, N / 2 - 4);
	/* Unaligned 5 pages: the highest run of five is 9..13. */
	assert_int_equal(dmab__iova_alloc(d, 5 * PG, UINT64_MAX, false, &a), 0);
	assert_int_equal(a, 9 * PG);
	use(&u, a, 5 * PG);
	assert_int_equal(dmab__iova_free(d, a, 5 * PG), 0);
	unuse(&u, a, 5 * PG);
	/* Size-aligned 4: only 4..7. */
	assert_int_equal(dmab__iova_alloc(d, 4 * PG, UINT64_MAX, true, &a), 0);
	assert_int_equal(a, 4 * PG);
	use(&u, a, 4 * PG);
	assert_int_equal(dmab__iova_alloc(d, 4 * PG, UINT64_MAX, true, &a), -ENOMEM);
	/* Single pages still fit in every remaining hole, then nothing does. */
	for (;;) {
		int err = dmab__iova_alloc(d, PG, UINT64_MAX, false, &a);

		if (err) {
			assert_int_equal(err, -ENOMEM);
			break;
		}
		use(&u, a, PG);
	}
	for (int i = 0; i < N; i++)
		assert_int_equal(used[i], 1);
	assert_int_equal(dmab__iova_counters(d)->free_pages, 0);
	dmab__iova_destroy(d);
}

static void magazines(void **state)
{
	struct dmab__iova_domain *d = domain(PG, 0xffffffffull);
	const struct dmab__iova_counters *c = dmab__iova_counters(d);
	uint64_t a, b, low;

	(void)state;
	assert_int_equal(dmab__iova_alloc_fast(d, PG, UINT64_MAX, &a), 0);
	assert_int_equal(c->cache_hits, 0);
	assert_int_equal(dmab__iova_free_fast(d, a, PG), 0);
	assert_int_equal(c->cached, 1);
	assert_int_equal(dmab__iova_alloc_fast(d, PG, UINT64_MAX, &b), 0);
	assert_int_equal(b, a);
	assert_int_equal(c->cache_hits, 1);
	assert_int_equal(c->cached, 0);
	assert_int_equal(dmab__iova_free_fast(d, b, PG), 0);
	/* Three pages are a four-page class: aligned, and interchangeable with four. */
	assert_int_equal(dmab__iova_alloc_fast(d, 3 * PG, UINT64_MAX, &a), 0);
	assert_int_equal(a % (4 * PG), 0);
	assert_int_equal(dmab__iova_free_fast(d, a, 3 * PG), 0);
	assert_int_equal(dmab__iova_alloc_fast(d, 4 * PG, UINT64_MAX, &b), 0);
	assert_int_equal(b, a);
	/* A cached range above the limit is not handed out under it. */
	assert_int_equal(dmab__iova_free_fast(d, b, 4 * PG), 0);
	assert_int_equal(dmab__iova_alloc_fast(d, 4 * PG, 0xffffffull, &low), 0);
	assert_true(low + 4 * PG - 1 <= 0xffffffull);
	assert_int_equal(c->cached, 2); /* a page and the four pages above the limit */
	/* Larger than the largest class: straight to the extent array. */
	assert_int_equal(dmab__iova_alloc_fast(d, 33 * PG, UINT64_MAX, &a), 0);
	assert_int_equal(a % (64 * PG), 0);
	assert_int_equal(dmab__iova_free_fast(d, a, 33 * PG), 0);
	assert_int_equal(c->cached, 2);
	dmab__iova_drain(d);
	assert_int_equal(c->cached, 0);
	assert_int_equal(dmab__iova_free_fast(d, low, 4 * PG), 0);
	dmab__iova_drain(d);
	assert_int_equal(c->free_pages, 0xfffff);
	assert_int_equal(c->extents, 1);
	dmab__iova_destroy(d);
}

/* A full domain whose free space sits in magazines: the slow path drains them and retries. */
static void full_then_drain(void **state)
{
	enum { N = 64 };
	struct dmab__iova_domain *d = domain(PG, (N + 1) * PG - 1);
	uint64_t a[N], x;

	(void)state;
	for (int i = 0; i < N; i++)
		assert_int_equal(dmab__iova_alloc_fast(d, PG, UINT64_MAX, &a[i]), 0);
	assert_int_equal(dmab__iova_alloc_fast(d, PG, UINT64_MAX, &x), -ENOMEM);
	for (int i = 0; i < N; i++)
		assert_int_equal(dmab__iova_free_fast(d, a[i], PG), 0);
	assert_int_equal(dmab__iova_counters(d)->cached, N);
	assert_int_equal(dmab__iova_counters(d)->free_pages, 0);
	assert_int_equal(dmab__iova_alloc_fast(d, 2 * PG, UINT64_MAX, &x), 0);
	assert_int_equal(x % (2 * PG), 0);
	assert_int_equal(dmab__iova_counters(d)->cached, 0);
	assert_int_equal(dmab__iova_counters(d)->free_pages, N - 2);
	dmab__iova_destroy(d);
}

/* More frees than magazines hold, then random traffic: never an overlap, nothing lost. */
static void overflow_and_random(void **state)
{
	enum { N = 8192 };
	struct dmab__iova_domain *d = domain(PG, (N + 1) * PG - 1);
	const struct dmab__iova_counters *c = dmab__iova_counters(d);
	static unsigned char used[N];
	struct usage u = {.base_pfn = 1, .npages = N, .used = used};
	static uint64_t addr[N], size[N];
	unsigned live = 0, seed = 12345;
	uint64_t in_use = 0;

	(void)state;
	memset(used, 0, sizeof(used));
	for (int i = 0; i < N; i++) {
		assert_int_equal(dmab__iova_alloc_fast(d, PG, UINT64_MAX, &addr[i]), 0);
		use(&u, addr[i], PG);
	}
	for (int i = 0; i < N; i++) {
		assert_int_equal(dmab__iova_free_fast(d, addr[i], PG), 0);
		unuse(&u, addr[i], PG);
	}
	assert_true(c->cached <= DMAB__IOVA_MAG_SIZE * (DMAB__IOVA_DEPOT + 2));
	assert_int_equal(c->cached + c->free_pages, N);
	for (int step = 0; step < 20000; step++) {
		seed = seed * 1103515245u + 12345u;
		if (live < N / 64 && (live == 0 || (seed >> 16) % 3)) {
			uint64_t pages = 1 + (seed >> 8) % 40, a;
			int err = dmab__iova_alloc_fast(d, pages * PG, UINT64_MAX, &a);

			if (err == -ENOMEM)
				continue;
			assert_int_equal(err, 0);
			/* The fast path hands out whole classes: account the rounded size. */
			if (pages <= DMAB__IOVA_CACHE_MAX)
				while (pages & (pages - 1))
					pages++;
			use(&u, a, pages * PG);
			addr[live] = a;
			size[live++] = pages * PG;
			in_use += pages;
		} else {
			unsigned k = (seed >> 4) % live;

			assert_int_equal(dmab__iova_free_fast(d, addr[k], size[k]), 0);
			unuse(&u, addr[k], size[k]);
			in_use -= size[k] / PG;
			addr[k] = addr[--live];
			size[k] = size[live];
		}
		/* Conservation: with the magazines drained, free + in use is everything. */
		if (step % 1000 == 0) {
			dmab__iova_drain(d);
			assert_int_equal(c->free_pages + in_use, N);
		}
	}
	while (live) {
		live--;
		assert_int_equal(dmab__iova_free_fast(d, addr[live], size[live]), 0);
	}
	dmab__iova_drain(d);
	assert_int_equal(c->free_pages, N);
	assert_int_equal(c->extents, 1);
	dmab__iova_destroy(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(top_down_under_mask_and_limit),
	    cmocka_unit_test(errors),
	    cmocka_unit_test(fragmentation),
	    cmocka_unit_test(magazines),
	    cmocka_unit_test(full_then_drain),
	    cmocka_unit_test(overflow_and_random),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
