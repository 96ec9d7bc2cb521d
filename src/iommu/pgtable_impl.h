/* SPDX-License-Identifier: MIT */
/* Shared by pgtable*.c: the table's shape and the cleaning steps. */
#ifndef DMAB_IOMMU_PGTABLE_IMPL_H
#define DMAB_IOMMU_PGTABLE_IMPL_H

#include "pgtable.h"

#define DMAB__ALWAYS_INLINE inline __attribute__((always_inline))

/*
 * The CPU's record of one table page. Table descriptors hold the walker's
 * address of the next table; the CPU follows @child instead, so the walker
 * address may differ from the CPU address (an IOMMU behind its own
 * translation, a simulator's DRAM view).
 */
struct dmab__iopt_node {
	uint64_t *pte;			/* the page, CPU view */
	uint64_t addr;			/* the page, walker view */
	unsigned live;			/* valid entries */
	struct dmab__iopt_node **child; /* levels 0-2: 512 slots; level 3: NULL */
	struct dmab__iopt_node *next;	/* reservation stash or gather free list */
};

/*
 * Entries to clean, gathered in ascending order within one table page and
 * issued as few ranges as possible without cleaning a line twice or a line
 * holding none of them: a run starting in the line where the pending one
 * ends, or the next line, extends it.
 */
struct dmab__iopt_run {
	uintptr_t s, e; /* pending [s, e), e == 0: none */
};

struct dmab__iopt {
	const struct dmab__iopt_ops *ops;
	enum dmab__iopt_walk walk;
	unsigned line_shift;
	struct dmab__iopt_pages pages;
	struct dmab__iopt_walker walker; /* zero for a coherent table */
	struct dmab__iopt_tlb tlb;
	struct dmab__iopt_node *root;
	struct dmab__iopt_node *stash[DMAB__IOPT_LEVELS]; /* reserved by map, per level */
	uint64_t dirty_lo, dirty_hi; /* DEFERRED: IOVAs written since the last full sync */
	struct dmab__iopt_run unmap_run[DMAB__IOPT_LEVELS]; /* unmap: cleans not yet issued */
	struct dmab__iopt_counters c;
};

/* pgtable.c */
int dmab__iopt_node_new(struct dmab__iopt *t, int lvl, struct dmab__iopt_node **out);
/* Count a table page in once linked; free a linked one; drop an unlinked one. */
void dmab__iopt_node_linked(struct dmab__iopt *t);
void dmab__iopt_node_free(struct dmab__iopt *t, struct dmab__iopt_node *n);
void dmab__iopt_node_drop(struct dmab__iopt *t, struct dmab__iopt_node *n);
int dmab__iopt_check_range(uint64_t iova, uint64_t size, const char *what);

/* pgtable_map.c, one per walker mode; pgtable_sync.c */
extern const struct dmab__iopt_ops dmab__iopt_ops_coherent;
extern const struct dmab__iopt_ops dmab__iopt_ops_per_pte;
extern const struct dmab__iopt_ops dmab__iopt_ops_deferred;
int dmab__iopt_sync_deferred(struct dmab__iopt *t, uint64_t iova, uint64_t size);

/* Issue one clean and count its lines into *@lines. */
static inline void dmab__iopt_clean(struct dmab__iopt *t, const void *p, size_t len,
				    uint64_t *lines)
{
	uintptr_t a = (uintptr_t)p;

	*lines += (((a + len - 1) >> t->line_shift) - (a >> t->line_shift)) + 1;
	t->c.clean_calls++;
	t->walker.clean(t->walker.ctx, p, len);
}

static inline void dmab__iopt_run_flush(struct dmab__iopt *t, struct dmab__iopt_run *r,
					uint64_t *lines)
{
	if (r->e) {
		dmab__iopt_clean(t, (const void *)r->s, r->e - r->s, lines);
		r->e = 0;
	}
}

static inline void dmab__iopt_run_add(struct dmab__iopt *t, struct dmab__iopt_run *r,
				      const uint64_t *p, unsigned n, uint64_t *lines)
{
	uintptr_t a = (uintptr_t)p, b = a + (uintptr_t)n * sizeof(*p);

	if (r->e && (a >> t->line_shift) <= ((r->e - 1) >> t->line_shift) + 1) {
		r->e = b;
		return;
	}
	dmab__iopt_run_flush(t, r, lines);
	r->s = a;
	r->e = b;
}

#endif /* DMAB_IOMMU_PGTABLE_IMPL_H */
