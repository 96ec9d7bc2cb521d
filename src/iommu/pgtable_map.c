/* SPDX-License-Identifier: MIT */
/*
 * map_pages: plan (check every entry, count the tables to create), reserve
 * those tables, then write. Nothing can fail once writing starts, so a
 * failed map leaves the table exactly as it was and has nothing to unwind.
 *
 * The writing half is compiled once per walker mode from always-inline
 * steps taking the mode as a constant: the coherent instance contains no
 * maintenance code and no test of the mode, per entry or per run.
 */
#include <errno.h>

#include "../internal.h"
#include "pgtable_impl.h"

static inline uint64_t span_of(int lvl)
{
	return (uint64_t)1 << dmab__iopt_shift(lvl);
}

/* A leaf goes at @lvl for [a, hi) mapped to @pa: a page, or a whole block. */
static inline bool leaf_here(int lvl, uint64_t a, uint64_t hi, uint64_t pa)
{
	if (lvl == DMAB__IOPT_LEAF_LEVEL)
		return true;
	return lvl == DMAB__IOPT_BLOCK_LEVEL && !(a & (DMAB__IOPT_BLOCK - 1)) &&
	       hi - a == DMAB__IOPT_BLOCK && !(pa & (DMAB__IOPT_BLOCK - 1));
}

/*
 * Count into @need[l] the tables of level l the map creates below @n (NULL:
 * a table still to be created). -EEXIST if any entry it needs is taken.
 */
static int plan(const struct dmab__iopt_node *n, int lvl, uint64_t iova, uint64_t end, uint64_t pa,
		uint64_t need[DMAB__IOPT_LEVELS])
{
	uint64_t span = span_of(lvl);

	if (!n && lvl == DMAB__IOPT_LEAF_LEVEL)
		return 0;
	for (uint64_t a = iova; a < end;) {
		uint64_t base = a & ~(span - 1), hi = base + span < end ? base + span : end;
		uint64_t pte = n ? n->pte[dmab__iopt_index(a, lvl)] : 0;
		uint64_t apa = pa + (a - iova);
		bool leaf = leaf_here(lvl, a, hi, apa);
		int err;

		if (pte & DMAB__PTE_VALID) {
			if (leaf || !dmab__pte_is_table(pte, lvl))
				return dmab__fail(-EEXIST,
						  "iommu map: iova 0x%llx is already mapped",
						  (unsigned long long)a);
			err = plan(n->child[dmab__iopt_index(a, lvl)], lvl + 1, a, hi, apa, need);
		} else if (!leaf) {
			need[lvl + 1]++;
			err = plan(NULL, lvl + 1, a, hi, apa, need);
		} else {
			err = 0;
		}
		if (err)
			return err;
		a = hi;
	}
	return 0;
}

static void release_stash(struct dmab__iopt *t)
{
	for (int l = 0; l < DMAB__IOPT_LEVELS; l++)
		while (t->stash[l]) {
			struct dmab__iopt_node *n = t->stash[l];

			t->stash[l] = n->next;
			dmab__iopt_node_drop(t, n);
		}
}

static int reserve(struct dmab__iopt *t, const uint64_t need[DMAB__IOPT_LEVELS])
{
	for (int l = 1; l < DMAB__IOPT_LEVELS; l++)
		for (uint64_t k = 0; k < need[l]; k++) {
			struct dmab__iopt_node *n;
			int err = dmab__iopt_node_new(t, l, &n);

			if (err) {
				release_stash(t);
				return err;
			}
			n->next = t->stash[l];
			t->stash[l] = n;
		}
	return 0;
}

/* A run of @n leaf entries at @p has been written (the mode's step). */
static DMAB__ALWAYS_INLINE void leaf_run_done(struct dmab__iopt *t, uint64_t *p, unsigned n,
					      uint64_t iova, uint64_t len,
					      const enum dmab__iopt_walk m)
{
	if (m == DMAB__IOPT_PER_PTE) {
		dmab__iopt_clean(t, p, (size_t)n * sizeof(*p), &t->c.leaf_lines);
	} else if (m == DMAB__IOPT_DEFERRED) {
		t->c.deferred_ptes += n;
		if (t->dirty_hi == 0) {
			t->dirty_lo = iova;
			t->dirty_hi = iova + len;
		} else {
			if (iova < t->dirty_lo)
				t->dirty_lo = iova;
			if (iova + len > t->dirty_hi)
				t->dirty_hi = iova + len;
		}
	}
}

/* The child table of entry @i of @n (level @lvl), installed from the stash if new. */
static DMAB__ALWAYS_INLINE struct dmab__iopt_node *child(struct dmab__iopt *t,
							 struct dmab__iopt_node *n, int lvl,
							 unsigned i, const enum dmab__iopt_walk m)
{
	struct dmab__iopt_node *c = n->child[i];

	if (c)
		return c;
	c = t->stash[lvl + 1];
	t->stash[lvl + 1] = c->next;
	c->next = NULL;
	if (m != DMAB__IOPT_COHERENT) {
		/* io-pgtable's order: the zeroed page reaches memory, then the link. */
		dmab__iopt_clean(t, c->pte, DMAB__IOPT_GRANULE, &t->c.table_lines);
		t->c.barriers++;
		t->walker.barrier(t->walker.ctx);
	}
	n->pte[i] = c->addr | DMAB__PTE_TYPE_TABLE;
	if (m != DMAB__IOPT_COHERENT)
		dmab__iopt_clean(t, &n->pte[i], sizeof(uint64_t), &t->c.table_lines);
	n->child[i] = c;
	n->live++;
	dmab__iopt_node_linked(t);
	return c;
}

/* Level 3: every entry of [iova, end) is a page; the hot loop. */
static DMAB__ALWAYS_INLINE void map_l3(struct dmab__iopt *t, struct dmab__iopt_node *n,
				       uint64_t iova, uint64_t end, uint64_t pa, uint64_t page,
				       const enum dmab__iopt_walk m)
{
	unsigned cnt = (unsigned)((end - iova) >> DMAB__IOPT_GRANULE_SHIFT);
	uint64_t *p = &n->pte[dmab__iopt_index(iova, 3)];

	for (unsigned k = 0; k < cnt; k++)
		p[k] = page | (pa + ((uint64_t)k << DMAB__IOPT_GRANULE_SHIFT));
	n->live += cnt;
	t->c.mapped_pages += cnt;
	leaf_run_done(t, p, cnt, iova, end - iova, m);
}

/* Level 2: blocks where they fit, a level-3 table elsewhere. */
static DMAB__ALWAYS_INLINE void map_l2(struct dmab__iopt *t, struct dmab__iopt_node *n,
				       uint64_t iova, uint64_t end, uint64_t pa, uint64_t page,
				       uint64_t block, const enum dmab__iopt_walk m)
{
	uint64_t *run = NULL, run_iova = 0;
	unsigned run_n = 0;

	for (uint64_t a = iova; a < end;) {
		uint64_t hi = (a & ~(DMAB__IOPT_BLOCK - 1)) + DMAB__IOPT_BLOCK;
		uint64_t apa = pa + (a - iova);
		unsigned i = dmab__iopt_index(a, 2);

		if (hi > end)
			hi = end;
		if (leaf_here(2, a, hi, apa)) {
			n->pte[i] = block | apa;
			n->live++;
			t->c.mapped_pages++;
			if (!run_n++) {
				run = &n->pte[i];
				run_iova = a;
			}
		} else {
			if (run_n)
				leaf_run_done(t, run, run_n, run_iova, a - run_iova, m);
			run_n = 0;
			map_l3(t, child(t, n, 2, i, m), a, hi, apa, page, m);
		}
		a = hi;
	}
	if (run_n)
		leaf_run_done(t, run, run_n, run_iova, end - run_iova, m);
}

/* Level 1 only holds tables (1 GiB blocks are not used). */
static DMAB__ALWAYS_INLINE void map_l1(struct dmab__iopt *t, struct dmab__iopt_node *n,
				       uint64_t iova, uint64_t end, uint64_t pa, uint64_t page,
				       uint64_t block, const enum dmab__iopt_walk m)
{
	for (uint64_t a = iova, hi; a < end; a = hi) {
		hi = (a | (span_of(1) - 1)) + 1;
		hi = hi < end ? hi : end;
		map_l2(t, child(t, n, 1, dmab__iopt_index(a, 1), m), a, hi, pa + (a - iova), page,
		       block, m);
	}
}

static DMAB__ALWAYS_INLINE void map_l0(struct dmab__iopt *t, uint64_t iova, uint64_t end,
				       uint64_t pa, uint64_t page, uint64_t block,
				       const enum dmab__iopt_walk m)
{
	for (uint64_t a = iova, hi; a < end; a = hi) {
		hi = (a | (span_of(0) - 1)) + 1;
		hi = hi < end ? hi : end;
		map_l1(t, child(t, t->root, 0, dmab__iopt_index(a, 0), m), a, hi, pa + (a - iova),
		       page, block, m);
	}
}

static DMAB__ALWAYS_INLINE int map_mode(struct dmab__iopt *t, uint64_t iova, uint64_t pa,
					uint64_t size, int prot, const enum dmab__iopt_walk m)
{
	uint64_t need[DMAB__IOPT_LEVELS] = {0};
	uint64_t attr;
	int err = dmab__iopt_check_range(iova, size, "map");

	if (err)
		return err;
	if (pa & (DMAB__IOPT_GRANULE - 1) || pa + size < pa ||
	    pa + size > ((uint64_t)1 << DMAB__IOPT_OAS))
		return dmab__fail(-EINVAL, "iommu map: paddr 0x%llx unaligned or beyond 48 bits",
				  (unsigned long long)pa);
	if (!(prot & (DMAB__IOMMU_READ | DMAB__IOMMU_WRITE)) || (prot & ~DMAB__IOMMU_PROT_ALL))
		return dmab__fail(-EINVAL, "iommu map: bad prot 0x%x", (unsigned)prot);
	err = plan(t->root, 0, iova, iova + size, pa, need);
	if (!err)
		err = reserve(t, need);
	if (err)
		return err;
	attr = dmab__pte_prot(prot);
	map_l0(t, iova, iova + size, pa, attr | DMAB__PTE_TYPE_PAGE, attr | DMAB__PTE_TYPE_BLOCK,
	       m);
	return 0;
}

static int map_coherent(struct dmab__iopt *t, uint64_t iova, uint64_t pa, uint64_t size, int prot)
{
	return map_mode(t, iova, pa, size, prot, DMAB__IOPT_COHERENT);
}

static int map_per_pte(struct dmab__iopt *t, uint64_t iova, uint64_t pa, uint64_t size, int prot)
{
	return map_mode(t, iova, pa, size, prot, DMAB__IOPT_PER_PTE);
}

static int map_deferred(struct dmab__iopt *t, uint64_t iova, uint64_t pa, uint64_t size, int prot)
{
	return map_mode(t, iova, pa, size, prot, DMAB__IOPT_DEFERRED);
}

const struct dmab__iopt_ops dmab__iopt_ops_coherent = {.map = map_coherent, .sync_map = NULL};
const struct dmab__iopt_ops dmab__iopt_ops_per_pte = {.map = map_per_pte, .sync_map = NULL};
const struct dmab__iopt_ops dmab__iopt_ops_deferred = {
    .map = map_deferred,
    .sync_map = dmab__iopt_sync_deferred,
};
