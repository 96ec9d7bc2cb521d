/* SPDX-License-Identifier: MIT */
/*
 * Shared by the emulated IOMMU's tests: a table-page pool whose walker
 * addresses differ from the CPU addresses (so the table cannot confuse the
 * two), a reference walker that decodes descriptors by the architecture's
 * encoding alone, and recorders for cleans, barriers and TLB flushes.
 */
#ifndef DMAB_TEST_IOMMU_HELPERS_H
#define DMAB_TEST_IOMMU_HELPERS_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <dmabatch.h>

#include "../../src/iommu/iommu.h"

#define KiB ((uint64_t)1024)
#define MiB (KiB * 1024)
#define GiB (MiB * 1024)

#define POOL_MAX  4096
#define POOL_BASE 0x40000000ull /* walker address of slot 0 */
#define EV_MAX	  16384

struct pool {
	void *cpu[POOL_MAX];
	size_t slots;	/* slots ever used */
	int live;	/* pages held by the table */
	int allocs;	/* successful allocations */
	int fail_after; /* allocations allowed before NULL; -1: never fail */
	bool misalign;	/* hand out a walker address that is not 4 KiB aligned */
};

static inline void *pool_alloc(void *ctx, uint64_t *addr)
{
	struct pool *p = ctx;
	void *pg;

	if (p->fail_after == 0 || p->slots == POOL_MAX)
		return NULL;
	if (p->fail_after > 0)
		p->fail_after--;
	pg = aligned_alloc(4096, 4096);
	assert_non_null(pg);
	memset(pg, 0, 4096);
	p->cpu[p->slots] = pg;
	*addr = POOL_BASE + p->slots * 4096 + (p->misalign ? 8 : 0);
	p->slots++;
	p->live++;
	p->allocs++;
	return pg;
}

static inline void pool_free(void *ctx, void *page)
{
	struct pool *p = ctx;

	for (size_t i = 0; i < p->slots; i++)
		if (p->cpu[i] == page) {
			free(page);
			p->cpu[i] = NULL;
			p->live--;
			return;
		}
	fail_msg("freeing a page the pool never gave");
}

static inline uint64_t *pool_cpu(const struct pool *p, uint64_t addr)
{
	uint64_t slot = (addr - POOL_BASE) / 4096;

	if (addr < POOL_BASE || addr % 4096 || slot >= p->slots || !p->cpu[slot])
		return NULL;
	return p->cpu[slot];
}

/* A checksum of every page the table holds: "unchanged" in one number. */
static inline uint64_t pool_sum(const struct pool *p)
{
	uint64_t h = 1469598103934665603ull;

	for (size_t i = 0; i < p->slots; i++) {
		const uint64_t *pg = p->cpu[i];

		if (!pg)
			continue;
		h = (h ^ (i + 1)) * 1099511628211ull;
		for (int k = 0; k < 512; k++)
			h = (h ^ pg[k]) * 1099511628211ull;
	}
	return h;
}

/* Events a non-coherent walker's callbacks and the TLB callback see. */
enum ev_kind { EV_CLEAN, EV_BARRIER, EV_FLUSH };
struct ev {
	enum ev_kind kind;
	uintptr_t addr; /* CLEAN: CPU address; FLUSH: start */
	uint64_t len;	/* CLEAN: bytes; FLUSH: end */
	size_t pgsize;
	bool walk;
	int pool_live; /* FLUSH: pages the pool held at that moment */
};
struct rec {
	struct ev ev[EV_MAX];
	size_t n;
	struct pool *pool;
};

static inline void rec_clean(void *ctx, const void *addr, size_t len)
{
	struct rec *r = ctx;

	assert_true(r->n < EV_MAX);
	r->ev[r->n++] = (struct ev){.kind = EV_CLEAN, .addr = (uintptr_t)addr, .len = len};
}

static inline void rec_barrier(void *ctx)
{
	struct rec *r = ctx;

	assert_true(r->n < EV_MAX);
	r->ev[r->n++] = (struct ev){.kind = EV_BARRIER};
}

static inline void rec_flush(void *ctx, uint64_t start, uint64_t end, size_t pgsize, bool walk)
{
	struct rec *r = ctx;

	assert_true(r->n < EV_MAX);
	r->ev[r->n++] = (struct ev){.kind = EV_FLUSH,
				    .addr = start,
				    .len = end,
				    .pgsize = pgsize,
				    .walk = walk,
				    .pool_live = r->pool ? r->pool->live : -1};
}

/* A fixture: one table, its pool, its recorder. */
struct fx {
	struct pool pool;
	struct rec rec;
	struct dmab__iopt_walker walker;
	struct dmab__iopt *t;
};

static inline struct fx *fx_new(enum dmab__iopt_walk walk, size_t line)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct dmab__iopt_config cfg = {
	    .walk = walk,
	    .line_size = line,
	    .pages = {.alloc = pool_alloc, .free = pool_free},
	};

	assert_non_null(f);
	f->pool.fail_after = -1;
	f->rec.pool = &f->pool;
	f->walker =
	    (struct dmab__iopt_walker){.clean = rec_clean, .barrier = rec_barrier, .ctx = &f->rec};
	cfg.pages.ctx = &f->pool;
	cfg.walker = walk == DMAB__IOPT_COHERENT ? NULL : &f->walker;
	cfg.tlb = (struct dmab__iopt_tlb){.flush = rec_flush, .ctx = &f->rec};
	assert_int_equal(dmab__iopt_create(&cfg, &f->t), 0);
	f->rec.n = 0; /* the root's clean is checked where it matters */
	return f;
}

static inline void fx_free(struct fx *f)
{
	dmab__iopt_destroy(f->t);
	assert_int_equal(f->pool.live, 0);
	free(f);
}

/*
 * The architecture's walk, from the root's walker address through the
 * descriptors alone. Returns the level of the leaf (2 block, 3 page), or -1
 * for a translation fault; *pa and *leaf when found.
 */
static inline int ref_walk(const struct pool *p, uint64_t root, uint64_t iova, uint64_t *pa,
			   uint64_t *leaf)
{
	const uint64_t *tbl = pool_cpu(p, root);

	for (int lvl = 0; lvl < 4 && tbl; lvl++) {
		unsigned shift = 39 - 9 * lvl;
		uint64_t d = tbl[(iova >> shift) & 511], span = 1ull << shift;

		if (!(d & 1))
			return -1;
		if (lvl < 3 && (d & 3) == 3) {
			tbl = pool_cpu(p, d & 0x0000fffffffff000ull);
			continue;
		}
		if (lvl == 3 && (d & 3) != 3)
			return -1; /* 0b01 at level 3 is reserved */
		if (lvl == 0 && (d & 3) == 1)
			return -1; /* no level-0 blocks with a 4 KiB granule */
		*pa = (d & 0x0000fffffffff000ull & ~(span - 1)) | (iova & (span - 1));
		*leaf = d;
		return lvl;
	}
	return -1;
}

/* The CPU address of the leaf entry for @iova (for clean expectations). */
static inline uintptr_t leaf_addr(const struct pool *p, uint64_t root, uint64_t iova)
{
	const uint64_t *tbl = pool_cpu(p, root);

	for (int lvl = 0; lvl < 4 && tbl; lvl++) {
		unsigned shift = 39 - 9 * lvl;
		const uint64_t *e = &tbl[(iova >> shift) & 511];

		if (lvl == 3 || (*e & 3) == 1)
			return (uintptr_t)e;
		tbl = pool_cpu(p, *e & 0x0000fffffffff000ull);
	}
	return 0;
}

static inline uintptr_t table_of(const struct pool *p, uint64_t root, uint64_t iova, int want_lvl)
{
	const uint64_t *tbl = pool_cpu(p, root);

	for (int lvl = 0; lvl < want_lvl && tbl; lvl++)
		tbl = pool_cpu(p, tbl[(iova >> (39 - 9 * lvl)) & 511] & 0x0000fffffffff000ull);
	return (uintptr_t)tbl;
}

#endif /* DMAB_TEST_IOMMU_HELPERS_H */
