/* SPDX-License-Identifier: MIT */
/*
 * The emulated IOMMU's page table: translation at every level (4 KiB pages,
 * 2 MiB blocks, holes), descriptor bits against the architecture's encoding
 * (decoded by the tests' own walker, not the library's), and bad input
 * leaving the table byte for byte as it was.
 */
#include <errno.h>

#include "test_iommu_helpers.h"

#define RW (DMAB__IOMMU_READ | DMAB__IOMMU_WRITE)

/* Every 4 KiB page of [iova, +size) translates to paddr + offset, both walks agree. */
static void assert_mapped(struct fx *f, uint64_t iova, uint64_t pa, uint64_t size)
{
	uint64_t root = dmab__iopt_root_addr(f->t);

	for (uint64_t off = 0; off < size; off += 4 * KiB) {
		uint64_t got = 0, ref = 0, leaf;

		assert_int_equal(dmab__iopt_iova_to_phys(f->t, iova + off + 0x123, &got), 0);
		assert_int_equal(got, pa + off + 0x123);
		assert_true(ref_walk(&f->pool, root, iova + off + 0x123, &ref, &leaf) >= 2);
		assert_int_equal(ref, pa + off + 0x123);
	}
}

static void assert_hole(struct fx *f, uint64_t iova)
{
	uint64_t got = 0xdead, leaf;

	assert_int_equal(dmab__iopt_iova_to_phys(f->t, iova, &got), -EFAULT);
	assert_int_equal(got, 0xdead);
	assert_int_equal(ref_walk(&f->pool, dmab__iopt_root_addr(f->t), iova, &got, &leaf), -1);
}

static int level_of(struct fx *f, uint64_t iova)
{
	uint64_t pa, leaf;

	return ref_walk(&f->pool, dmab__iopt_root_addr(f->t), iova, &pa, &leaf);
}

static void one_page_four_levels(void **state)
{
	struct fx *f = fx_new(DMAB__IOPT_COHERENT, 0);
	const struct dmab__iopt_counters *c = dmab__iopt_counters(f->t);

	(void)state;
	assert_int_equal(c->table_pages, 1);
	assert_int_equal(dmab__iopt_map(f->t, 0x1000, 0x50000000, 4 * KiB, RW), 0);
	assert_mapped(f, 0x1000, 0x50000000, 4 * KiB);
	assert_int_equal(level_of(f, 0x1000), 3);
	assert_hole(f, 0);
	assert_hole(f, 0x2000);
	assert_int_equal(c->table_pages, 4); /* root, level 1, 2, 3 */
	assert_int_equal(f->pool.live, 4);
	assert_int_equal(c->mapped_pages, 1);
	fx_free(f);
}

static void block_at_level_two(void **state)
{
	struct fx *f = fx_new(DMAB__IOPT_COHERENT, 0);

	(void)state;
	assert_int_equal(dmab__iopt_map(f->t, 1 * GiB, 0x80000000, 2 * MiB, RW), 0);
	assert_int_equal(level_of(f, 1 * GiB), 2);
	assert_int_equal(level_of(f, 1 * GiB + 2 * MiB - 4 * KiB), 2);
	assert_mapped(f, 1 * GiB, 0x80000000, 2 * MiB);
	assert_hole(f, 1 * GiB + 2 * MiB);
	assert_hole(f, 1 * GiB - 4 * KiB);
	assert_int_equal(dmab__iopt_counters(f->t)->table_pages, 3); /* no level-3 table */
	assert_int_equal(dmab__iopt_counters(f->t)->mapped_pages, 1);
	fx_free(f);
}

/* Pages up to a 2 MiB boundary, blocks while they fit, pages after. */
static void pages_blocks_pages(void **state)
{
	struct fx *f = fx_new(DMAB__IOPT_COHERENT, 0);
	uint64_t iova = 4 * MiB - 16 * KiB, pa = 0x7c000000 - 16 * KiB;
	uint64_t size = 16 * KiB + 2 * 2 * MiB + 12 * KiB;

	(void)state;
	assert_int_equal(dmab__iopt_map(f->t, iova, pa, size, RW), 0);
	assert_mapped(f, iova, pa, size);
	assert_int_equal(level_of(f, iova), 3);
	assert_int_equal(level_of(f, 4 * MiB - 4 * KiB), 3);
	assert_int_equal(level_of(f, 4 * MiB), 2);
	assert_int_equal(level_of(f, 6 * MiB + 8 * KiB), 2);
	assert_int_equal(level_of(f, 8 * MiB), 3);
	assert_int_equal(level_of(f, 8 * MiB + 8 * KiB), 3);
	assert_hole(f, iova - 4 * KiB);
	assert_hole(f, iova + size);
	assert_int_equal(dmab__iopt_counters(f->t)->mapped_pages, 4 + 2 + 3);
	fx_free(f);
}

/* IOVA and paddr not congruent modulo 2 MiB: no block is possible. */
static void no_block_when_misaligned(void **state)
{
	struct fx *f = fx_new(DMAB__IOPT_COHERENT, 0);

	(void)state;
	assert_int_equal(dmab__iopt_map(f->t, 2 * MiB, 0x10000000 + 4 * KiB, 4 * MiB, RW), 0);
	assert_mapped(f, 2 * MiB, 0x10000000 + 4 * KiB, 4 * MiB);
	for (uint64_t off = 0; off < 4 * MiB; off += 4 * KiB)
		assert_int_equal(level_of(f, 2 * MiB + off), 3);
	assert_int_equal(dmab__iopt_counters(f->t)->mapped_pages, 1024);
	fx_free(f);
}

/* The ends of the 48-bit space, each under its own level-0 entry. */
static void top_and_bottom_of_the_space(void **state)
{
	struct fx *f = fx_new(DMAB__IOPT_COHERENT, 0);
	uint64_t top = (1ull << 48) - 8 * KiB;

	(void)state;
	assert_int_equal(dmab__iopt_map(f->t, top, 0xfffffffe000ull, 8 * KiB, RW), 0);
	assert_int_equal(dmab__iopt_map(f->t, 4 * KiB, 0x1000, 4 * KiB, DMAB__IOMMU_READ), 0);
	assert_mapped(f, top, 0xfffffffe000ull, 8 * KiB);
	assert_mapped(f, 4 * KiB, 0x1000, 4 * KiB);
	assert_int_equal(dmab__iopt_counters(f->t)->table_pages, 7);
	assert_int_equal(dmab__iopt_root(f->t)[511] & 3, 3);
	assert_int_equal(dmab__iopt_root(f->t)[0] & 3, 3);
	fx_free(f);
}

/* Many separate maps, then every page of each checked; a tree of tables. */
static void many_maps_every_page(void **state)
{
	struct fx *f = fx_new(DMAB__IOPT_COHERENT, 0);

	(void)state;
	for (uint64_t k = 0; k < 64; k++) {
		uint64_t iova = 0x100000000ull * (k % 4) + k * 6 * MiB + (k % 3) * 4 * KiB;
		uint64_t pa = 0x200000000ull + k * 8 * MiB + (k % 3) * 4 * KiB;
		uint64_t size = (k % 5 + 1) * 1 * MiB + 4 * KiB;

		assert_int_equal(dmab__iopt_map(f->t, iova, pa, size, RW), 0);
	}
	for (uint64_t k = 0; k < 64; k++) {
		uint64_t iova = 0x100000000ull * (k % 4) + k * 6 * MiB + (k % 3) * 4 * KiB;
		uint64_t pa = 0x200000000ull + k * 8 * MiB + (k % 3) * 4 * KiB;
		uint64_t size = (k % 5 + 1) * 1 * MiB + 4 * KiB;

		assert_mapped(f, iova, pa, size);
		assert_hole(f, iova + size);
	}
	fx_free(f);
}

struct prot_case {
	int prot;
	unsigned attrindx, ap, sh;
	bool xn;
};

/* Bits by position, from the architecture: AttrIndx [4:2], AP [7:6], SH [9:8], AF 10, nG 11,
 * PXN 53, UXN 54; output address [47:12]; type [1:0]. */
static void descriptor_bits(void **state)
{
	static const struct prot_case cases[] = {
	    {DMAB__IOMMU_READ, 0, 3, 2, false},
	    {RW, 0, 1, 2, false},
	    {RW | DMAB__IOMMU_CACHE, 1, 1, 3, false},
	    {RW | DMAB__IOMMU_MMIO, 2, 1, 2, false},
	    {RW | DMAB__IOMMU_NOEXEC, 0, 1, 2, true},
	    {DMAB__IOMMU_READ | DMAB__IOMMU_PRIV, 0, 2, 2, false},
	    {RW | DMAB__IOMMU_PRIV | DMAB__IOMMU_CACHE | DMAB__IOMMU_NOEXEC, 1, 0, 3, true},
	};
	struct fx *f = fx_new(DMAB__IOPT_COHERENT, 0);
	uint64_t root = dmab__iopt_root_addr(f->t);

	(void)state;
	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		const struct prot_case *pc = &cases[k];
		uint64_t page_iova = (k + 1) * 1 * GiB + 4 * KiB,
			 block_iova = (k + 1) * 1 * GiB + 2 * MiB;
		uint64_t pa, d;

		assert_int_equal(dmab__iopt_map(f->t, page_iova, 0xabcdef000ull, 4 * KiB, pc->prot),
				 0);
		assert_int_equal(dmab__iopt_map(f->t, block_iova, 0x40200000ull, 2 * MiB, pc->prot),
				 0);
		for (int leaf = 0; leaf < 2; leaf++) {
			int lvl = ref_walk(&f->pool, root, leaf ? block_iova : page_iova, &pa, &d);

			assert_int_equal(lvl, leaf ? 2 : 3);
			assert_int_equal(d & 3, leaf ? 1 : 3);
			assert_int_equal((d >> 2) & 7, pc->attrindx);
			assert_int_equal((d >> 5) & 1, 0); /* NS */
			assert_int_equal((d >> 6) & 3, pc->ap);
			assert_int_equal((d >> 8) & 3, pc->sh);
			assert_int_equal((d >> 10) & 1, 1); /* AF */
			assert_int_equal((d >> 11) & 1, 1); /* nG */
			assert_int_equal((d >> 52) & 1, 0); /* contiguous */
			assert_int_equal((d >> 53) & 1, pc->xn);
			assert_int_equal((d >> 54) & 1, pc->xn);
			assert_int_equal(d >> 55, 0); /* software bits and above clear */
			assert_int_equal(d & 0x0000fffffffff000ull,
					 leaf ? 0x40200000ull : 0xabcdef000ull);
			assert_int_equal((d >> 12) & (leaf ? 0x1ff : 0), 0);
		}
	}
	/* A table descriptor: 0b11, the next table's walker address, nothing else. */
	for (int lvl = 0; lvl < 3; lvl++) {
		const uint64_t *tbl =
		    (const uint64_t *)table_of(&f->pool, root, 1 * GiB + 4 * KiB, lvl);
		uint64_t d = tbl[((1 * GiB + 4 * KiB) >> (39 - 9 * lvl)) & 511];

		assert_int_equal(d & 0xfff, 3);
		assert_int_equal(d >> 48, 0);
		assert_non_null(pool_cpu(&f->pool, d & 0x0000fffffffff000ull));
	}
	fx_free(f);
}

/* One bad call: the errno, a message, and the table as it was. */
static void expect_refused(struct fx *f, uint64_t iova, uint64_t pa, uint64_t size, int prot,
			   int err)
{
	uint64_t sum = pool_sum(&f->pool);
	struct dmab__iopt_counters before = *dmab__iopt_counters(f->t);
	int live = f->pool.live;

	assert_int_equal(dmab__iopt_map(f->t, iova, pa, size, prot), err);
	assert_true(dmab_last_error()[0] != '\0');
	assert_int_equal(pool_sum(&f->pool), sum);
	assert_int_equal(f->pool.live, live);
	assert_memory_equal(&before, dmab__iopt_counters(f->t), sizeof(before));
}

static void bad_input_changes_nothing(void **state)
{
	struct fx *f = fx_new(DMAB__IOPT_PER_PTE, 64);

	(void)state;
	assert_int_equal(dmab__iopt_map(f->t, 8 * MiB + 4 * KiB, 0x1000, 8 * KiB, RW), 0);
	assert_int_equal(dmab__iopt_map(f->t, 16 * MiB, 0x200000, 2 * MiB, RW), 0);
	f->rec.n = 0;
	expect_refused(f, 0x1000, 0x1000, 0, RW, -EINVAL);
	expect_refused(f, 0x1800, 0x1000, 4 * KiB, RW, -EINVAL);
	expect_refused(f, 0x1000, 0x1800, 4 * KiB, RW, -EINVAL);
	expect_refused(f, 0x1000, 0x1000, 6 * KiB, RW, -EINVAL);
	expect_refused(f, (1ull << 48) - 4 * KiB, 0x1000, 8 * KiB, RW, -EINVAL);
	expect_refused(f, 1ull << 48, 0x1000, 4 * KiB, RW, -EINVAL);
	expect_refused(f, 0ull - 4 * KiB, 0x1000, 8 * KiB, RW, -EINVAL); /* wraps */
	expect_refused(f, 0x1000, (1ull << 48) - 4 * KiB, 8 * KiB, RW, -EINVAL);
	expect_refused(f, 0x1000, 0x1000, 4 * KiB, 0, -EINVAL);
	expect_refused(f, 0x1000, 0x1000, 4 * KiB, DMAB__IOMMU_CACHE, -EINVAL);
	expect_refused(f, 0x1000, 0x1000, 4 * KiB, RW | (1 << 12), -EINVAL);
	/* Overlaps: the end page, a page inside a block, a block over a table. */
	expect_refused(f, 8 * MiB - 4 * KiB, 0x1000, 12 * KiB, RW, -EEXIST);
	expect_refused(f, 17 * MiB, 0x1000, 4 * KiB, RW, -EEXIST);
	expect_refused(f, 8 * MiB, 0x400000, 2 * MiB, RW, -EEXIST);
	expect_refused(f, 16 * MiB, 0x400000, 2 * MiB, RW, -EEXIST);
	/* A long map whose last page overlaps: nothing of it written, no table left. */
	assert_int_equal(dmab__iopt_map(f->t, 1 * GiB + 7 * MiB + 8 * KiB, 0x1000, 4 * KiB, RW), 0);
	expect_refused(f, 1 * GiB, 0x1000, 7 * MiB + 12 * KiB, RW, -EEXIST);
	assert_hole(f, 1 * GiB);
	/* Only the good map's events: two tables installed (clean, barrier, clean), one leaf. */
	assert_int_equal(f->rec.n, 2 * 3 + 1);
	fx_free(f);
}

/* The page allocator runs dry in the middle of what a map needs. */
static void out_of_table_pages(void **state)
{
	struct fx *f = fx_new(DMAB__IOPT_PER_PTE, 64);
	uint64_t iova = (3ull << 39) + 2 * MiB - 4 * KiB;

	(void)state;
	/* Needs a level-1, a level-2 and two level-3 tables: 4 pages. */
	for (int allowed = 0; allowed < 4; allowed++) {
		f->pool.fail_after = allowed;
		expect_refused(f, iova, 0x1000, 8 * KiB, RW, -ENOMEM);
	}
	f->pool.fail_after = 4;
	assert_int_equal(dmab__iopt_map(f->t, iova, 0x1000, 8 * KiB, RW), 0);
	assert_mapped(f, iova, 0x1000, 8 * KiB);
	assert_int_equal(dmab__iopt_counters(f->t)->table_pages, 5);
	assert_int_equal(dmab__iopt_counters(f->t)->table_pages_peak, 5);
	fx_free(f);
}

static void bad_configs(void **state)
{
	static struct rec rec;
	struct pool pool = {.fail_after = -1};
	struct dmab__iopt_walker w = {.clean = rec_clean, .barrier = rec_barrier, .ctx = &rec};
	struct dmab__iopt_config cfg = {
	    .walk = DMAB__IOPT_COHERENT,
	    .pages = {.alloc = pool_alloc, .free = pool_free, .ctx = &pool},
	};
	struct dmab__iopt *t = NULL;

	(void)state;
	cfg.walker = &w;
	assert_int_equal(dmab__iopt_create(&cfg, &t), -EINVAL); /* coherent takes no walker */
	cfg.walk = DMAB__IOPT_DEFERRED;
	cfg.walker = NULL;
	assert_int_equal(dmab__iopt_create(&cfg, &t), -EINVAL);
	cfg.walker = &w;
	cfg.line_size = 48;
	assert_int_equal(dmab__iopt_create(&cfg, &t), -EINVAL);
	cfg.line_size = 0;
	assert_int_equal(dmab__iopt_create(&cfg, &t), -EINVAL);
	cfg.line_size = 64;
	cfg.walk = (enum dmab__iopt_walk)7;
	assert_int_equal(dmab__iopt_create(&cfg, &t), -EINVAL);
	cfg.walk = DMAB__IOPT_PER_PTE;
	cfg.pages.alloc = NULL;
	assert_int_equal(dmab__iopt_create(&cfg, &t), -EINVAL);
	cfg.pages.alloc = pool_alloc;
	pool.misalign = true;
	assert_int_equal(dmab__iopt_create(&cfg, &t), -EINVAL);
	assert_int_equal(pool.live, 0);
	pool.misalign = false;
	pool.fail_after = 0;
	assert_int_equal(dmab__iopt_create(&cfg, &t), -ENOMEM);
	assert_null(t);
	pool.fail_after = -1;
	assert_int_equal(dmab__iopt_create(&cfg, &t), 0);
	assert_int_equal(pool.live, 1);
	/* The walker may read the empty root as soon as it exists: cleaned whole. */
	assert_int_equal(rec.n, 1);
	assert_int_equal(rec.ev[0].kind, EV_CLEAN);
	assert_int_equal(rec.ev[0].addr, (uintptr_t)dmab__iopt_root(t));
	assert_int_equal(rec.ev[0].len, 4096);
	assert_int_equal(dmab__iopt_counters(t)->table_lines, 64);
	dmab__iopt_destroy(t);
	assert_int_equal(pool.live, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(one_page_four_levels),
	    cmocka_unit_test(block_at_level_two),
	    cmocka_unit_test(pages_blocks_pages),
	    cmocka_unit_test(no_block_when_misaligned),
	    cmocka_unit_test(top_and_bottom_of_the_space),
	    cmocka_unit_test(many_maps_every_page),
	    cmocka_unit_test(descriptor_bits),
	    cmocka_unit_test(bad_input_changes_nothing),
	    cmocka_unit_test(out_of_table_pages),
	    cmocka_unit_test(bad_configs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
