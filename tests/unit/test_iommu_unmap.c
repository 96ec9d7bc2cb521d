/* SPDX-License-Identifier: MIT */
/*
 * Unmap and the gathered TLB invalidation: contiguous pages merge into one
 * flush, a page size change or a disjoint range flushes first, emptied
 * tables are unlinked at once and freed only after the invalidation that
 * covers them, and a refused unmap leaves the table as it was.
 */
#include <errno.h>

#include "test_iommu_helpers.h"

#define RW (DMAB__IOMMU_READ | DMAB__IOMMU_WRITE)

static void expect_flush(const struct ev *e, uint64_t start, uint64_t end, size_t pgsize, bool walk)
{
	assert_int_equal(e->kind, EV_FLUSH);
	assert_int_equal(e->addr, start);
	assert_int_equal(e->len, end);
	assert_int_equal(e->pgsize, pgsize);
	assert_int_equal(e->walk, walk);
}

static void map_ok(struct fx *f, uint64_t iova, uint64_t pa, uint64_t size)
{
	assert_int_equal(dmab__iopt_map(f->t, iova, pa, size, RW), 0);
}

/* Pages unmapped one by one, in either direction, gather into one range. */
static void contiguous_pages_merge(void **state)
{
	struct fx *f = fx_new(DMAB__IOPT_COHERENT, 0);
	struct dmab__iotlb_gather g;
	uint64_t pa;

	(void)state;
	map_ok(f, 1 * MiB, 0x100000, 64 * 4 * KiB);
	dmab__iotlb_gather_init(&g);
	for (int k = 32; k < 64; k++)
		assert_int_equal(dmab__iopt_unmap(f->t, 1 * MiB + k * 4 * KiB, 4 * KiB, &g), 0);
	for (int k = 31; k >= 0; k--)
		assert_int_equal(dmab__iopt_unmap(f->t, 1 * MiB + k * 4 * KiB, 4 * KiB, &g), 0);
	assert_int_equal(f->rec.n, 0);
	assert_int_equal(dmab__iopt_iova_to_phys(f->t, 1 * MiB, &pa), -EFAULT);
	dmab__iotlb_sync(f->t, &g);
	/* Levels 3, 2 and 1 emptied: unlinked, one walk flush over level 1's span, freed. */
	assert_int_equal(f->rec.n, 2);
	expect_flush(&f->rec.ev[0], 1 * MiB, 1 * MiB + 256 * KiB, 4 * KiB, false);
	expect_flush(&f->rec.ev[1], 0, 512 * GiB, 4 * KiB, true);
	assert_int_equal(f->pool.live, 1);
	assert_int_equal(dmab__iopt_counters(f->t)->flushes, 1);
	assert_int_equal(dmab__iopt_counters(f->t)->walk_flushes, 1);
	fx_free(f);
}

/* A range that neither overlaps nor touches the gathered one flushes it first. */
static void disjoint_range_flushes(void **state)
{
	struct fx *f = fx_new(DMAB__IOPT_COHERENT, 0);
	struct dmab__iotlb_gather g;

	(void)state;
	map_ok(f, 0, 0, 16 * 4 * KiB);
	dmab__iotlb_gather_init(&g);
	assert_int_equal(dmab__iopt_unmap(f->t, 2 * 4 * KiB, 4 * KiB, &g), 0);
	assert_int_equal(dmab__iopt_unmap(f->t, 3 * 4 * KiB, 4 * KiB, &g), 0); /* touches */
	assert_int_equal(f->rec.n, 0);
	assert_int_equal(dmab__iopt_unmap(f->t, 9 * 4 * KiB, 4 * KiB, &g), 0); /* gap */
	assert_int_equal(f->rec.n, 1);
	expect_flush(&f->rec.ev[0], 2 * 4 * KiB, 4 * 4 * KiB, 4 * KiB, false);
	dmab__iotlb_sync(f->t, &g);
	assert_int_equal(f->rec.n, 2);
	expect_flush(&f->rec.ev[1], 9 * 4 * KiB, 10 * 4 * KiB, 4 * KiB, false);
	/* A synced gather is empty: syncing again tells nothing. */
	dmab__iotlb_sync(f->t, &g);
	assert_int_equal(f->rec.n, 2);
	assert_int_equal(dmab__iopt_counters(f->t)->flushes, 2);
	fx_free(f);
}

/* Pages, blocks, pages in one unmap: each change of page size flushes what came before. */
static void page_size_change_flushes(void **state)
{
	struct fx *f = fx_new(DMAB__IOPT_COHERENT, 0);
	uint64_t iova = 4 * MiB - 8 * KiB, size = 8 * KiB + 2 * 2 * MiB + 4 * KiB;

	(void)state;
	map_ok(f, iova, 0x7c000000 - 8 * KiB, size);
	assert_int_equal(dmab__iopt_unmap(f->t, iova, size, NULL), 0);
	assert_int_equal(f->rec.n, 4);
	expect_flush(&f->rec.ev[0], iova, 4 * MiB, 4 * KiB, false);
	expect_flush(&f->rec.ev[1], 4 * MiB, 8 * MiB, 2 * MiB, false);
	expect_flush(&f->rec.ev[2], 8 * MiB, 8 * MiB + 4 * KiB, 4 * KiB, false);
	/* Two level-3 tables, the level-2 and level-1 ones: all emptied. */
	expect_flush(&f->rec.ev[3], 0, 512 * GiB, 4 * KiB, true);
	assert_int_equal(dmab__iopt_counters(f->t)->table_pages, 1);
	assert_int_equal(dmab__iopt_counters(f->t)->tables_freed, 4);
	assert_int_equal(dmab__iopt_counters(f->t)->mapped_pages, 0);
	assert_int_equal(f->pool.live, 1);
	fx_free(f);
}

/* Tables wait for the invalidation: unlinked at unmap, held through the flush, freed after. */
static void tables_freed_after_invalidation(void **state)
{
	struct fx *f = fx_new(DMAB__IOPT_PER_PTE, 64);
	struct dmab__iotlb_gather g;
	uint64_t root = dmab__iopt_root_addr(f->t), pa, leaf;

	(void)state;
	map_ok(f, 3 * GiB + 4 * KiB, 0x5000, 4 * KiB);
	map_ok(f, 3 * GiB + 4 * MiB, 0x6000, 4 * KiB); /* keeps the level-2 table */
	assert_int_equal(f->pool.live, 5);
	dmab__iotlb_gather_init(&g);
	assert_int_equal(dmab__iopt_unmap(f->t, 3 * GiB + 4 * KiB, 4 * KiB, &g), 0);
	/* Unlinked: the walk faults at level 2 now; the page is still held. */
	assert_int_equal(ref_walk(&f->pool, root, 3 * GiB + 4 * KiB, &pa, &leaf), -1);
	assert_int_equal(((const uint64_t *)table_of(&f->pool, root, 3 * GiB, 2))[0], 0);
	assert_int_equal(f->pool.live, 5);
	assert_int_equal(dmab__iopt_counters(f->t)->table_pages, 5);
	f->rec.n = 0;
	dmab__iotlb_sync(f->t, &g);
	assert_int_equal(f->rec.n, 2);
	expect_flush(&f->rec.ev[0], 3 * GiB + 4 * KiB, 3 * GiB + 8 * KiB, 4 * KiB, false);
	expect_flush(&f->rec.ev[1], 3 * GiB, 3 * GiB + 2 * MiB, 4 * KiB, true);
	assert_int_equal(f->rec.ev[1].pool_live, 5); /* not yet freed when invalidating */
	assert_int_equal(f->pool.live, 4);
	assert_int_equal(dmab__iopt_counters(f->t)->table_pages, 4);
	/* The other page is untouched, and the range can be mapped again. */
	assert_int_equal(dmab__iopt_iova_to_phys(f->t, 3 * GiB + 4 * MiB, &pa), 0);
	assert_int_equal(pa, 0x6000);
	map_ok(f, 3 * GiB + 4 * KiB, 0x9000, 4 * KiB);
	assert_int_equal(dmab__iopt_iova_to_phys(f->t, 3 * GiB + 4 * KiB, &pa), 0);
	assert_int_equal(pa, 0x9000);
	fx_free(f);
}

static void expect_refused(struct fx *f, uint64_t iova, uint64_t size)
{
	uint64_t sum = pool_sum(&f->pool);
	struct dmab__iopt_counters before = *dmab__iopt_counters(f->t);
	size_t n = f->rec.n;

	assert_int_equal(dmab__iopt_unmap(f->t, iova, size, NULL), -EINVAL);
	assert_true(dmab_last_error()[0] != '\0');
	assert_int_equal(pool_sum(&f->pool), sum);
	assert_int_equal(f->rec.n, n);
	assert_memory_equal(&before, dmab__iopt_counters(f->t), sizeof(before));
}

static void bad_unmaps_change_nothing(void **state)
{
	struct fx *f = fx_new(DMAB__IOPT_DEFERRED, 64);

	(void)state;
	map_ok(f, 0, 0, 8 * 4 * KiB);
	map_ok(f, 2 * MiB, 2 * MiB, 2 * MiB);
	f->rec.n = 0;
	expect_refused(f, 0, 0);
	expect_refused(f, 0x800, 4 * KiB);
	expect_refused(f, 0, 6 * KiB);
	expect_refused(f, (1ull << 48) - 4 * KiB, 8 * KiB);
	expect_refused(f, 0ull - 4 * KiB, 8 * KiB);
	expect_refused(f, 0, 9 * 4 * KiB);	       /* runs into a hole */
	expect_refused(f, 16 * KiB * 1024, 4 * KiB);   /* nothing there at all */
	expect_refused(f, 2 * MiB, 4 * KiB);	       /* part of a block */
	expect_refused(f, 2 * MiB + 1 * MiB, 1 * MiB); /* its other end */
	expect_refused(f, 7 * 4 * KiB, 2 * MiB);       /* pages, then half the block */
	assert_int_equal(dmab__iopt_unmap(f->t, 2 * MiB, 2 * MiB, NULL), 0);
	assert_int_equal(dmab__iopt_unmap(f->t, 0, 8 * 4 * KiB, NULL), 0);
	fx_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(contiguous_pages_merge),
	    cmocka_unit_test(disjoint_range_flushes),
	    cmocka_unit_test(page_size_change_flushes),
	    cmocka_unit_test(tables_freed_after_invalidation),
	    cmocka_unit_test(bad_unmaps_change_nothing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
