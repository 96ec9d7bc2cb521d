/* SPDX-License-Identifier: MIT */
/*
 * The emulated IOMMU's page table: an ARM LPAE stage-1 table (pte.h) in
 * memory the caller provides, kept the way io-pgtable-arm keeps it for a
 * coherent or a non-coherent table walker.
 *
 * Preconditions for every call: one thread at a time per table (the caller
 * holds its lock; no racing mappers, so the cleaned-marker bit 55 is not
 * used); IOVAs, physical addresses and sizes are in bytes.
 *
 * Walker modes, chosen once at creation (a table never changes mode):
 * - COHERENT: the walker snoops the CPU caches. No cache maintenance at all:
 *   no walker callbacks are installed, and the map path is a separate
 *   instance compiled without the maintenance steps, so it takes no branch
 *   for them (ops->sync_map is NULL).
 * - PER_PTE: every run of entries written in one table by one call is
 *   cleaned at once, as io-pgtable does without seed 002 (a 4 KiB map_pages
 *   cleans its one 8-byte PTE: a 64-byte line of PTEs is cleaned 8 times).
 * - DEFERRED: leaf writes are recorded but not cleaned (seed 002's
 *   defer_sync_pte); ops->sync_map(iova, size) after the whole list cleans
 *   each contiguous run of leaf PTEs once, each line once.
 * In both non-coherent modes a new table is installed in io-pgtable's
 * order: the zeroed page is cleaned, a write barrier is asked, the table
 * descriptor is written, and its line is cleaned. Unmap cleans the entries
 * it clears in both non-coherent modes.
 *
 * The walker callbacks only *issue* cleans; the caller completes them (one
 * barrier for its batch) before the device may walk the table.
 */
#ifndef DMAB_IOMMU_PGTABLE_H
#define DMAB_IOMMU_PGTABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pte.h"

enum dmab__iopt_walk {
	DMAB__IOPT_COHERENT = 0,
	DMAB__IOPT_PER_PTE = 1,
	DMAB__IOPT_DEFERRED = 2,
};

/* Memory for table pages. */
struct dmab__iopt_pages {
	/*
	 * A zeroed, 4 KiB-aligned 4 KiB page, or NULL when out of memory.
	 * *walker_addr receives the address the table walker reads it at
	 * (what a table descriptor holds; below 2^48, 4 KiB aligned).
	 */
	void *(*alloc)(void *ctx, uint64_t *walker_addr);
	void (*free)(void *ctx, void *page);
	void *ctx;
};

/* Cache maintenance for a non-coherent walker (NULL for a coherent one). */
struct dmab__iopt_walker {
	/* Issue a clean of [addr, addr + len) (CPU addresses); not completed. */
	void (*clean)(void *ctx, const void *addr, size_t len);
	/* Order the cleans and writes before it ahead of the writes after it. */
	void (*barrier)(void *ctx);
	void *ctx;
};

/*
 * TLB invalidation: [start, end) with the gathered page size; @walk says
 * that table descriptors were removed in the range (walk caches too). The
 * table pages concerned are freed after this returns. The cleans of the
 * cleared entries were issued before the call; the callback completes them
 * (a batched caller completes its batch) before it invalidates, or the
 * walker could refill from a stale entry.
 */
struct dmab__iopt_tlb {
	void (*flush)(void *ctx, uint64_t start, uint64_t end, size_t pgsize, bool walk);
	void *ctx;
};

struct dmab__iopt_config {
	enum dmab__iopt_walk walk;
	size_t line_size; /* non-coherent: the CPU's cache line, a power of two >= 8 */
	struct dmab__iopt_pages pages;
	const struct dmab__iopt_walker *walker; /* NULL if and only if COHERENT */
	struct dmab__iopt_tlb tlb;		/* flush may be NULL: only counted */
};

struct dmab__iopt_counters {
	uint64_t clean_calls;	   /* walker clean callbacks */
	uint64_t leaf_lines;	   /* lines cleaned for leaf writes and clears */
	uint64_t table_lines;	   /* lines cleaned for new table pages and table entries */
	uint64_t barriers;	   /* walker barriers asked */
	uint64_t flushes;	   /* leaf-range TLB invalidations */
	uint64_t walk_flushes;	   /* invalidations for removed tables */
	uint64_t table_pages;	   /* table pages held now, the root included */
	uint64_t table_pages_peak; /* most held at once */
	uint64_t tables_freed;	   /* table pages given back */
	uint64_t deferred_ptes;	   /* leaf entries written since the last full sync_map */
	uint64_t mapped_pages;	   /* leaf entries (4 KiB pages, 2 MiB blocks) now valid */
};

struct dmab__iopt;
struct dmab__iopt_node;

/*
 * The gathered invalidation of an unmap, the kernel's iommu_iotlb_gather
 * shape: one range [start, end) of one page size. Adding a page of another
 * size, or a range that neither overlaps nor touches it, flushes the
 * gathered range first. Tables emptied by the unmap wait on it and are
 * freed at dmab__iotlb_sync(), after their own invalidation.
 */
struct dmab__iotlb_gather {
	uint64_t start, end;
	size_t pgsize; /* 0: no range gathered */
	uint64_t walk_start, walk_end;
	struct dmab__iopt_node *freelist;
};

/* The table's operations, one set per walker mode (see the top). */
struct dmab__iopt_ops {
	int (*map)(struct dmab__iopt *t, uint64_t iova, uint64_t paddr, uint64_t size, int prot);
	/* DEFERRED only, NULL otherwise: clean the leaf PTEs of the range. */
	int (*sync_map)(struct dmab__iopt *t, uint64_t iova, uint64_t size);
};

/*
 * dmab__iopt_create() - a table with an empty root.
 * Return: 0; -EINVAL for a bad config (walker given to a coherent table or
 * missing for a non-coherent one, bad line size, no page callbacks, a bad
 * page from the allocator); -ENOMEM.
 */
int dmab__iopt_create(const struct dmab__iopt_config *cfg, struct dmab__iopt **out);
/* Free every table page (mappings vanish; sync any gather first). */
void dmab__iopt_destroy(struct dmab__iopt *t);

const struct dmab__iopt_ops *dmab__iopt_ops(const struct dmab__iopt *t);
const struct dmab__iopt_counters *dmab__iopt_counters(const struct dmab__iopt *t);
/* The root table: the walker's address (TTBR) and the CPU's view. */
uint64_t dmab__iopt_root_addr(const struct dmab__iopt *t);
const uint64_t *dmab__iopt_root(const struct dmab__iopt *t);

/*
 * dmab__iopt_map() - map [iova, iova + size) to [paddr, paddr + size) with
 * @prot (DMAB__IOMMU_*), 2 MiB blocks where iova, paddr and the size left
 * allow, 4 KiB pages elsewhere. Checks everything and reserves every table
 * page it needs before writing an entry, so a failure changes nothing.
 * Return: 0; -EINVAL for size 0, unaligned iova/paddr/size, a range that
 * wraps or leaves 48 bits, bad @prot (neither READ nor WRITE, unknown
 * bits); -EEXIST if any part is already mapped; -ENOMEM if table pages
 * cannot be had.
 */
int dmab__iopt_map(struct dmab__iopt *t, uint64_t iova, uint64_t paddr, uint64_t size, int prot);

/*
 * dmab__iopt_sync_map() - DEFERRED tables: issue the cleans of the leaf PTEs
 * of [iova, iova + size), each line once. Holes are skipped.
 * Return: 0; -EINVAL for a bad range or a table that is not DEFERRED.
 */
int dmab__iopt_sync_map(struct dmab__iopt *t, uint64_t iova, uint64_t size);

/*
 * dmab__iopt_sync_pending() - DEFERRED tables: sync_map over the span of
 * IOVAs whose leaves were written since the last sync that covered them all
 * (nothing if none were).
 * Return: 0; -EINVAL for a table that is not DEFERRED.
 */
int dmab__iopt_sync_pending(struct dmab__iopt *t);

/*
 * dmab__iopt_unmap() - clear the entries of [iova, iova + size), gather the
 * invalidation into @g (NULL: a gather of its own, synced before return).
 * Tables left empty are unlinked and freed at the gather's sync.
 * Return: 0; -EINVAL for a bad range, a hole in it, or a 2 MiB block only
 * partly inside it (blocks are never split); the table is then unchanged.
 */
int dmab__iopt_unmap(struct dmab__iopt *t, uint64_t iova, uint64_t size,
		     struct dmab__iotlb_gather *g);

void dmab__iotlb_gather_init(struct dmab__iotlb_gather *g);
/* Flush what @g holds (counted, told to tlb.flush), then free its tables. */
void dmab__iotlb_sync(struct dmab__iopt *t, struct dmab__iotlb_gather *g);
/* Add [iova, iova + len) of @pgsize pages to @g, flushing first if needed. */
void dmab__iotlb_gather_add(struct dmab__iopt *t, struct dmab__iotlb_gather *g, uint64_t iova,
			    uint64_t len, size_t pgsize);

/* The physical address of @iova. Return: 0; -EFAULT if unmapped or out of range. */
int dmab__iopt_iova_to_phys(const struct dmab__iopt *t, uint64_t iova, uint64_t *paddr);

#endif /* DMAB_IOMMU_PGTABLE_H */
