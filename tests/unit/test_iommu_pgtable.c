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

/* Maps that cross a 1 GiB (level-1) and a 512 GiB (level-0) boundary. */
static void across_upper_boundaries(void **state)
{
	struct fx *f = fx_new(DMAB__IOPT_COHERENT, 0);
	uint64_t a = 1 * GiB - 2 * MiB - 4 * KiB, b = 512 * GiB - 4 * KiB;

	(void)state;
	assert_int_equal(
	    dmab__iopt_map(f->t, a, 0x40000000 - 2 * MiB - 4 * KiB, 4 * MiB + 8 * KiB, RW), 0);
	assert_mapped(f, a, 0x40000000 - 2 * MiB - 4 * KiB, 4 * MiB + 8 * KiB);
	assert_int_equal(level_of(f, 1 * GiB - 2 * MiB), 2);
	assert_int_equal(level_of(f, 1 * GiB), 2);
	assert_int_equal(level_of(f, 1 * GiB + 2 * MiB), 3);
	assert_int_equal(dmab__iopt_map(f->t, b, 0x123456000ull, 8 * KiB, RW), 0);
	assert_mapped(f, b, 0x123456000ull, 8 * KiB);
	assert_int_equal(dmab__iopt_root(f->t)[0] & 3, 3);
	assert_int_equal(dmab__iopt_root(f->t)[1] & 3, 3);
	assert_int_equal(dmab__iopt_unmap(f->t, a, 4 * MiB + 8 * KiB, NULL), 0);
	assert_int_equal(dmab__iopt_unmap(f->t, b, 8 * KiB, NULL), 0);
	assert_int_equal(dmab__iopt_counters(f->t)->table_pages, 1);
	assert_int_equal(dmab__iopt_root(f->t)[0], 0);
	assert_int_equal(dmab__iopt_root(f->t)[1], 0);
	fx_free(f);
}

/*
 * Random maps and unmaps over 64 MiB against a model of every page (its
 * physical address and the leaf it belongs to): each call's result is the
 * model's, and every page translates as the model says.
 */
#define MODEL_PAGES 16384
struct model {
	uint64_t pa[MODEL_PAGES];   /* 0: unmapped */
	uint32_t leaf[MODEL_PAGES]; /* first page of the leaf */
	uint32_t span[MODEL_PAGES]; /* pages in the leaf: 1 or 512 */
};

static int model_map(struct model *m, uint32_t p, uint32_t n, uint64_t pa)
{
	for (uint32_t i = p; i < p + n; i++)
		if (m->pa[i])
			return -EEXIST;
	for (uint32_t i = p; i < p + n;) {
		uint64_t ppa = pa + (uint64_t)(i - p) * 4 * KiB;
		bool block = i % 512 == 0 && p + n - i >= 512 && ppa % (2 * MiB) == 0;
		uint32_t k = block ? 512 : 1;

		for (uint32_t j = 0; j < k; j++) {
			m->pa[i + j] = ppa + j * 4 * KiB;
			m->leaf[i + j] = i;
			m->span[i + j] = k;
		}
		i += k;
	}
	return 0;
}

static int model_unmap(struct model *m, uint32_t p, uint32_t n)
{
	for (uint32_t i = p; i < p + n; i++)
		if (!m->pa[i] || m->leaf[i] < p || m->leaf[i] + m->span[i] > p + n)
			return -EINVAL;
	for (uint32_t i = p; i < p + n; i++)
		m->pa[i] = 0;
	return 0;
}

static void random_against_model(void **state)
{
	static struct model m;
	struct fx *f = fx_new(DMAB__IOPT_DEFERRED, 64);
	unsigned seed = 777, ok[2] = {0, 0}, refused[2] = {0, 0}, nlive = 0;
	static uint32_t live_p[4096], live_n[4096];
	uint64_t mapped = 0;

	(void)state;
	memset(&m, 0, sizeof(m));
	for (int step = 0; step < 3000; step++) {
		uint32_t p, n;
		int want, got;

		seed = seed * 1103515245u + 12345u;
		n = (seed >> 16) % 4 == 0 ? 512 * (1 + (seed >> 20) % 3) : 1 + (seed >> 12) % 64;
		seed = seed * 1103515245u + 12345u;
		p = (seed >> 8) % (MODEL_PAGES - n);
		if ((seed & 3) == 0)
			p &= ~511u;
		if ((seed >> 4) & 1) {
			uint64_t pa =
			    0x100000000ull + (uint64_t)p * 4 * KiB + (seed & 8 ? 4 * KiB : 0);

			want = model_map(&m, p, n, pa);
			got = dmab__iopt_map(f->t, (uint64_t)p * 4 * KiB, pa, (uint64_t)n * 4 * KiB,
					     RW);
			if (!want && nlive < 4096) {
				live_p[nlive] = p;
				live_n[nlive++] = n;
			}
		} else {
			if (nlive && (seed >> 6) % 2) { /* often exactly an earlier map */
				unsigned k = (seed >> 9) % nlive;

				p = live_p[k];
				n = live_n[k];
				live_p[k] = live_p[--nlive];
				live_n[k] = live_n[nlive];
			}
			want = model_unmap(&m, p, n);
			got = dmab__iopt_unmap(f->t, (uint64_t)p * 4 * KiB, (uint64_t)n * 4 * KiB,
					       NULL);
		}
		assert_int_equal(got, want);
		(got ? refused : ok)[(seed >> 4) & 1]++;
		/* Map reserved exactly what it linked; unmap freed what emptied. */
		assert_int_equal(f->pool.live, dmab__iopt_counters(f->t)->table_pages);
		if (step % 250 == 0 || step == 2999) {
			mapped = 0;
			for (uint32_t i = 0; i < MODEL_PAGES; i++) {
				uint64_t pa = 0;
				int r = dmab__iopt_iova_to_phys(f->t, (uint64_t)i * 4 * KiB, &pa);

				assert_int_equal(r, m.pa[i] ? 0 : -EFAULT);
				assert_int_equal(pa, m.pa[i]);
				if (m.pa[i] && m.leaf[i] == i)
					mapped++;
				if (m.pa[i])
					assert_int_equal(level_of(f, (uint64_t)i * 4 * KiB),
							 m.span[i] == 512 ? 2 : 3);
			}
			assert_int_equal(dmab__iopt_counters(f->t)->mapped_pages, mapped);
		}
	}
	print_message("maps %u ok %u refused, unmaps %u ok %u refused\n", ok[1], refused[1], ok[0],
		      refused[0]);
	/* Both outcomes of both calls, often: the comparison is not vacuous. */
	for (int k = 0; k < 2; k++)
		assert_true(ok[k] >= 100 && refused[k] >= 100);
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
		uint64_t pa = 0, d = 0; /* set by ref_walk; -O2 cannot see it */

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
	    cmocka_unit_test(across_upper_boundaries),
	    cmocka_unit_test(random_against_model),
	    cmocka_unit_test(descriptor_bits),
	    cmocka_unit_test(bad_input_changes_nothing),
	    cmocka_unit_test(out_of_table_pages),
	    cmocka_unit_test(bad_configs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
