/* SPDX-License-Identifier: MIT */
/*
 * The three walker modes: a coherent table does no PTE maintenance at all;
 * per-PTE cleans every PTE write at once (8 cleans per 64-byte line of
 * PTEs when mapping 4 KiB at a time, 32 per 256-byte line); deferred
 * cleans nothing while mapping and then each line of leaf PTEs exactly once
 * in sync_map. New tables follow io-pgtable's order in both non-coherent
 * modes. The recorder sees every callback; the ranges are checked exactly.
 */
#include <errno.h>

#include "test_iommu_helpers.h"

#define RW    (DMAB__IOMMU_READ | DMAB__IOMMU_WRITE)
#define NPAGE 2560 /* the bench's list: 2560 x 4 KiB, five level-3 tables */

static void map_pages_one_by_one(struct fx *f, uint64_t iova, uint64_t pa, unsigned n)
{
	for (unsigned k = 0; k < n; k++)
		assert_int_equal(
		    dmab__iopt_map(f->t, iova + k * 4 * KiB, pa + k * 4 * KiB, 4 * KiB, RW), 0);
}

/* Cleans per line of [lo, hi), from the recorded CLEAN events inside it; with
 * @skip_new_tables, not the whole-page clean of a table being installed. */
static void count_lines(const struct rec *r, uintptr_t lo, uintptr_t hi, size_t line,
			unsigned *per_line, bool skip_new_tables)
{
	memset(per_line, 0, (hi - lo) / line * sizeof(*per_line));
	for (size_t i = 0; i < r->n; i++) {
		const struct ev *e = &r->ev[i];

		if (e->kind != EV_CLEAN || e->addr < lo || e->addr >= hi)
			continue;
		if (skip_new_tables && i + 1 < r->n && r->ev[i + 1].kind == EV_BARRIER)
			continue;
		for (uintptr_t a = e->addr & ~(line - 1); a < e->addr + e->len; a += line)
			per_line[(a - lo) / line]++;
	}
}

static size_t count_kind(const struct rec *r, enum ev_kind k)
{
	size_t n = 0;

	for (size_t i = 0; i < r->n; i++)
		n += r->ev[i].kind == k;
	return n;
}

/* No callbacks exist to be called; the counters and the ops say none was due. */
static void coherent_does_no_pte_work(void **state)
{
	struct fx *f = fx_new(DMAB__IOPT_COHERENT, 0);
	const struct dmab__iopt_counters *c = dmab__iopt_counters(f->t);

	(void)state;
	assert_null(dmab__iopt_ops(f->t)->sync_map);
	map_pages_one_by_one(f, 0, 0x10000000, NPAGE);
	assert_int_equal(dmab__iopt_map(f->t, 1 * GiB, 0x40000000, 8 * MiB, RW), 0);
	assert_int_equal(dmab__iopt_sync_map(f->t, 0, NPAGE * 4 * KiB), -EINVAL);
	assert_int_equal(dmab__iopt_unmap(f->t, 0, NPAGE * 4 * KiB, NULL), 0);
	assert_int_equal(c->clean_calls, 0);
	assert_int_equal(c->leaf_lines, 0);
	assert_int_equal(c->table_lines, 0);
	assert_int_equal(c->barriers, 0);
	assert_int_equal(c->deferred_ptes, 0);
	/* Only TLB invalidations reached the recorder. */
	assert_int_equal(count_kind(&f->rec, EV_CLEAN) + count_kind(&f->rec, EV_BARRIER), 0);
	assert_true(count_kind(&f->rec, EV_FLUSH) >= 1);
	fx_free(f);
}

/* A new table: page cleaned whole, barrier, descriptor written, its line cleaned. */
static void table_install_order(void **state)
{
	for (int mode = DMAB__IOPT_PER_PTE; mode <= DMAB__IOPT_DEFERRED; mode++) {
		struct fx *f = fx_new((enum dmab__iopt_walk)mode, 64);
		uint64_t root = dmab__iopt_root_addr(f->t), iova = 5 * GiB + 12 * KiB;
		const struct ev *e = f->rec.ev;

		(void)state;
		assert_int_equal(dmab__iopt_map(f->t, iova, 0x3000, 4 * KiB, RW), 0);
		assert_int_equal(f->rec.n, mode == DMAB__IOPT_PER_PTE ? 10 : 9);
		for (int lvl = 1; lvl <= 3; lvl++, e += 3) {
			uintptr_t parent = table_of(&f->pool, root, iova, lvl - 1);
			uintptr_t tbl = table_of(&f->pool, root, iova, lvl);
			unsigned idx = (iova >> (39 - 9 * (lvl - 1))) & 511;

			assert_int_equal(e[0].kind, EV_CLEAN);
			assert_int_equal(e[0].addr, tbl);
			assert_int_equal(e[0].len, 4096);
			assert_int_equal(e[1].kind, EV_BARRIER);
			assert_int_equal(e[2].kind, EV_CLEAN);
			assert_int_equal(e[2].addr, parent + idx * 8);
			assert_int_equal(e[2].len, 8);
		}
		if (mode == DMAB__IOPT_PER_PTE) {
			assert_int_equal(e[0].kind, EV_CLEAN);
			assert_int_equal(e[0].addr, leaf_addr(&f->pool, root, iova));
			assert_int_equal(e[0].len, 8);
		}
		assert_int_equal(dmab__iopt_counters(f->t)->barriers, 3);
		/* Three pages of 64 lines, three descriptors, the root at creation. */
		assert_int_equal(dmab__iopt_counters(f->t)->table_lines, 3 * 64 + 3 + 64);
		fx_free(f);
	}
}

/* Per-PTE, 4 KiB per call: one 8-byte clean per PTE, so each line of PTEs 8 (or 32) times. */
static void per_pte_cleans_each_line_per_pte(void **state)
{
	static const size_t lines[] = {64, 256};

	(void)state;
	for (size_t li = 0; li < 2; li++) {
		size_t line = lines[li];
		struct fx *f = fx_new(DMAB__IOPT_PER_PTE, line);
		uint64_t root = dmab__iopt_root_addr(f->t);
		const struct dmab__iopt_counters *c = dmab__iopt_counters(f->t);
		unsigned per_line[4096 / 64];
		uint64_t before;

		map_pages_one_by_one(f, 0, 0x10000000, 512); /* the tables come in here */
		assert_int_equal(dmab__iopt_unmap(f->t, 0, 512 * 4 * KiB, NULL), 0);
		f->rec.n = 0;
		before = c->leaf_lines;
		map_pages_one_by_one(f, 2 * MiB, 0x20000000, NPAGE);
		assert_int_equal(c->leaf_lines - before, NPAGE);
		for (size_t i = 0, k = 0; i < f->rec.n; i++) {
			const struct ev *e = &f->rec.ev[i];
			uint64_t iova = 2 * MiB + k * 4 * KiB;

			if (e->kind == EV_CLEAN && e->len == 8 &&
			    e->addr == leaf_addr(&f->pool, root, iova)) {
				k++;
			} else if (e->kind == EV_CLEAN && e->len == 4096) {
				assert_true(i + 2 < f->rec.n); /* a new level-3 table */
				assert_int_equal(f->rec.ev[i + 1].kind, EV_BARRIER);
				i += 2;
			} else {
				fail_msg("unexpected event %zu", i);
			}
			if (i + 1 == f->rec.n)
				assert_int_equal(k, NPAGE);
		}
		for (unsigned tbl = 0; tbl < NPAGE / 512; tbl++) {
			uintptr_t lo = table_of(&f->pool, root, 2 * MiB + tbl * 2 * MiB, 3);

			count_lines(&f->rec, lo, lo + 4096, line, per_line, true);
			for (size_t l = 0; l < 4096 / line; l++)
				assert_int_equal(per_line[l], line / 8);
		}
		fx_free(f);
	}
}

/* Deferred: no leaf clean while mapping; sync_map cleans each line once. */
static void deferred_cleans_each_line_once(void **state)
{
	static const size_t lines[] = {64, 256};

	(void)state;
	for (size_t li = 0; li < 2; li++) {
		size_t line = lines[li];
		struct fx *f = fx_new(DMAB__IOPT_DEFERRED, line);
		uint64_t root = dmab__iopt_root_addr(f->t);
		const struct dmab__iopt_counters *c = dmab__iopt_counters(f->t);
		unsigned per_line[4096 / 64];

		map_pages_one_by_one(f, 2 * MiB, 0x20000000, NPAGE);
		assert_int_equal(c->leaf_lines, 0);
		assert_int_equal(c->deferred_ptes, NPAGE);
		for (size_t i = 0; i < f->rec.n; i++) /* table installs only */
			assert_true(f->rec.ev[i].kind == EV_BARRIER || f->rec.ev[i].len == 4096 ||
				    f->rec.ev[i].len == 8);
		assert_int_equal(f->rec.n, 3 * (3 + NPAGE / 512 - 1));
		f->rec.n = 0;
		assert_int_equal(dmab__iopt_sync_map(f->t, 2 * MiB, NPAGE * 4 * KiB), 0);
		/* One clean per level-3 table, the whole page, in IOVA order. */
		assert_int_equal(f->rec.n, NPAGE / 512);
		for (unsigned tbl = 0; tbl < NPAGE / 512; tbl++) {
			uintptr_t lo = table_of(&f->pool, root, 2 * MiB + tbl * 2 * MiB, 3);

			assert_int_equal(f->rec.ev[tbl].kind, EV_CLEAN);
			assert_int_equal(f->rec.ev[tbl].addr, lo);
			assert_int_equal(f->rec.ev[tbl].len, 4096);
			count_lines(&f->rec, lo, lo + 4096, line, per_line, false);
			for (size_t l = 0; l < 4096 / line; l++)
				assert_int_equal(per_line[l], 1);
		}
		/* The ratio the seed is about: 1/8 of per-PTE at 64 bytes, 1/32 at 256. */
		assert_int_equal(c->leaf_lines, NPAGE * 8 / line);
		assert_int_equal(c->deferred_ptes, 0);
		fx_free(f);
	}
}

/* Runs split by holes: a hole inside a line joins the runs, a hole of whole lines does not. */
static void deferred_runs_and_holes(void **state)
{
	struct fx *f = fx_new(DMAB__IOPT_DEFERRED, 64);
	uint64_t root = dmab__iopt_root_addr(f->t);
	uintptr_t l3;

	(void)state;
	assert_int_equal(dmab__iopt_map(f->t, 0, 0x100000, 6 * 4 * KiB, RW), 0); /* 0-5 */
	assert_int_equal(dmab__iopt_map(f->t, 7 * 4 * KiB, 0x200000, 6 * 4 * KiB, RW),
			 0); /* 7-12 */
	assert_int_equal(dmab__iopt_map(f->t, 32 * 4 * KiB, 0x300000, 16 * 4 * KiB, RW), 0);
	l3 = table_of(&f->pool, root, 0, 3);
	f->rec.n = 0;
	assert_int_equal(dmab__iopt_sync_map(f->t, 0, 48 * 4 * KiB), 0);
	assert_int_equal(f->rec.n, 2);
	assert_int_equal(f->rec.ev[0].addr, l3);
	assert_int_equal(f->rec.ev[0].len, 13 * 8); /* entry 6 is a hole in line 0 */
	assert_int_equal(f->rec.ev[1].addr, l3 + 32 * 8);
	assert_int_equal(f->rec.ev[1].len, 16 * 8);
	assert_int_equal(dmab__iopt_counters(f->t)->leaf_lines, 2 + 2);
	/* A part of the range: only its entries. */
	f->rec.n = 0;
	assert_int_equal(dmab__iopt_sync_map(f->t, 40 * 4 * KiB, 2 * 4 * KiB), 0);
	assert_int_equal(f->rec.n, 1);
	assert_int_equal(f->rec.ev[0].addr, l3 + 40 * 8);
	assert_int_equal(f->rec.ev[0].len, 16);
	/* Nothing mapped: nothing cleaned; bad ranges refused. */
	f->rec.n = 0;
	assert_int_equal(dmab__iopt_sync_map(f->t, 1 * GiB, 4 * MiB), 0);
	assert_int_equal(f->rec.n, 0);
	assert_int_equal(dmab__iopt_sync_map(f->t, 0, 0), -EINVAL);
	assert_int_equal(dmab__iopt_sync_map(f->t, 0x800, 4 * KiB), -EINVAL);
	assert_int_equal(dmab__iopt_sync_map(f->t, (1ull << 48) - 4 * KiB, 8 * KiB), -EINVAL);
	fx_free(f);
}

/* The recorded span: two maps far apart, one sync of what was written, then nothing left. */
static void deferred_pending_span(void **state)
{
	struct fx *f = fx_new(DMAB__IOPT_DEFERRED, 64);
	uint64_t root = dmab__iopt_root_addr(f->t);

	(void)state;
	assert_int_equal(dmab__iopt_sync_pending(f->t), 0); /* nothing written yet */
	assert_int_equal(dmab__iopt_map(f->t, 6 * MiB + 8 * KiB, 0x1000, 8 * KiB, RW), 0);
	assert_int_equal(dmab__iopt_map(f->t, 1 * MiB, 0x9000, 4 * KiB, RW), 0);
	assert_int_equal(dmab__iopt_counters(f->t)->deferred_ptes, 3);
	f->rec.n = 0;
	assert_int_equal(dmab__iopt_sync_pending(f->t), 0);
	assert_int_equal(f->rec.n, 2);
	assert_int_equal(f->rec.ev[0].addr, leaf_addr(&f->pool, root, 1 * MiB));
	assert_int_equal(f->rec.ev[0].len, 8);
	assert_int_equal(f->rec.ev[1].addr, leaf_addr(&f->pool, root, 6 * MiB + 8 * KiB));
	assert_int_equal(f->rec.ev[1].len, 16);
	assert_int_equal(dmab__iopt_counters(f->t)->deferred_ptes, 0);
	f->rec.n = 0;
	assert_int_equal(dmab__iopt_sync_pending(f->t), 0);
	assert_int_equal(f->rec.n, 0);
	fx_free(f);
	f = fx_new(DMAB__IOPT_PER_PTE, 64);
	assert_int_equal(dmab__iopt_sync_pending(f->t), -EINVAL);
	assert_null(dmab__iopt_ops(f->t)->sync_map);
	fx_free(f);
}

/* Blocks are leaves at level 2: one run there, one in the level-3 table after them. */
static void deferred_blocks_and_pages(void **state)
{
	struct fx *f = fx_new(DMAB__IOPT_DEFERRED, 64);
	uint64_t root = dmab__iopt_root_addr(f->t), iova = 1 * GiB;

	(void)state;
	assert_int_equal(dmab__iopt_map(f->t, iova, 0x80000000, 4 * 2 * MiB + 3 * 4 * KiB, RW), 0);
	assert_int_equal(dmab__iopt_counters(f->t)->deferred_ptes, 4 + 3);
	f->rec.n = 0;
	assert_int_equal(dmab__iopt_sync_map(f->t, iova, 4 * 2 * MiB + 3 * 4 * KiB), 0);
	assert_int_equal(f->rec.n, 2);
	/* Depth first: the level-3 run is met inside the level-2 walk and issued first. */
	assert_int_equal(f->rec.ev[0].addr, table_of(&f->pool, root, iova + 8 * MiB, 3));
	assert_int_equal(f->rec.ev[0].len, 3 * 8);
	assert_int_equal(f->rec.ev[1].addr, leaf_addr(&f->pool, root, iova));
	assert_int_equal(f->rec.ev[1].len, 4 * 8);
	fx_free(f);
}

/* Per-PTE with a multi-page call: the run written in one table is cleaned as one range. */
static void per_pte_run_per_table(void **state)
{
	struct fx *f = fx_new(DMAB__IOPT_PER_PTE, 64);
	uint64_t root = dmab__iopt_root_addr(f->t), iova = 2 * MiB - 8 * 4 * KiB;

	(void)state;
	assert_int_equal(dmab__iopt_map(f->t, 0, 0, 4 * KiB, RW), 0); /* tables for [0, 2M) */
	f->rec.n = 0;
	assert_int_equal(dmab__iopt_map(f->t, iova, 0x400000, 16 * 4 * KiB, RW), 0);
	/* 8 entries at the end of one table, a new table, 8 at its start. */
	assert_int_equal(f->rec.n, 1 + 3 + 1);
	assert_int_equal(f->rec.ev[0].addr, leaf_addr(&f->pool, root, iova));
	assert_int_equal(f->rec.ev[0].len, 64);
	assert_int_equal(f->rec.ev[4].addr, leaf_addr(&f->pool, root, 2 * MiB));
	assert_int_equal(f->rec.ev[4].len, 64);
	fx_free(f);
}

/* Both non-coherent modes clean the entries unmap clears, before the invalidation. */
static void unmap_cleans_before_flush(void **state)
{
	for (int mode = DMAB__IOPT_PER_PTE; mode <= DMAB__IOPT_DEFERRED; mode++) {
		struct fx *f = fx_new((enum dmab__iopt_walk)mode, 64);
		uint64_t root = dmab__iopt_root_addr(f->t);
		struct dmab__iotlb_gather g;
		uintptr_t pte;

		(void)state;
		map_pages_one_by_one(f, 0, 0x10000000, 24);
		pte = leaf_addr(&f->pool, root, 8 * 4 * KiB);
		f->rec.n = 0;
		dmab__iotlb_gather_init(&g);
		assert_int_equal(dmab__iopt_unmap(f->t, 8 * 4 * KiB, 8 * 4 * KiB, &g), 0);
		assert_int_equal(f->rec.n, 1);
		assert_int_equal(f->rec.ev[0].kind, EV_CLEAN);
		assert_int_equal(f->rec.ev[0].addr, pte);
		assert_int_equal(f->rec.ev[0].len, 64);
		assert_int_equal(*(const uint64_t *)pte, 0);
		dmab__iotlb_sync(f->t, &g);
		assert_int_equal(f->rec.n, 2);
		assert_int_equal(f->rec.ev[1].kind, EV_FLUSH);
		fx_free(f);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(coherent_does_no_pte_work),
	    cmocka_unit_test(table_install_order),
	    cmocka_unit_test(per_pte_cleans_each_line_per_pte),
	    cmocka_unit_test(deferred_cleans_each_line_once),
	    cmocka_unit_test(deferred_runs_and_holes),
	    cmocka_unit_test(deferred_blocks_and_pages),
	    cmocka_unit_test(deferred_pending_span),
	    cmocka_unit_test(per_pte_run_per_table),
	    cmocka_unit_test(unmap_cleans_before_flush),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
