/* SPDX-License-Identifier: MIT */
/*
 * The emulated-IOMMU translator (dmab_device_config.iommu): bus addresses
 * are IOVAs from the device's domain (src/iommu/iova.h), mapped in an LPAE
 * table (src/iommu/pgtable.h) whose output addresses are CPU addresses.
 *
 * A device with an IOMMU takes its map, unmap and sync of lists and singles
 * here (map.c and sync.c hand them over with one test of dev->iommu), since
 * a list is mapped whole: one IOVA range, entries merged into segments.
 * The per-range ops (dmab__xlate_iommu) serve the sync of single ranges.
 *
 * Every table operation runs under the domain's lock with the call's batch
 * in @b: the walker's cleans go into it (DEFERRED: completed with the data
 * cleans by the call's one barrier; PER_PTE: each completed at once, as the
 * kernel's io-pgtable does without deferred syncing).
 */
#ifndef DMAB_XLATE_IOMMU_H
#define DMAB_XLATE_IOMMU_H

#include <pthread.h>

#include "../batch.h"
#include "../iommu/iommu.h"

/* One live mapping: a list (or single) mapped into [base, base + size). */
struct dmab__iommu_rec {
	uint64_t base, size; /* the IOVA allocation */
	dmab_addr_t first;   /* the first segment's bus address: the key */
	int nents;	     /* the list's entries */
	size_t bytes;	     /* their lengths' sum */
};

struct dmab__iommu {
	pthread_mutex_t lock;
	struct dmab_device *dev;
	unsigned mode; /* DMAB_IOMMU_* */
	struct dmab__iopt *t;
	struct dmab__iova_domain *dom;
	const struct dmab__iopt_ops *ops;
	struct dmab__iopt_walker walker;
	size_t max_seg;
	uint64_t boundary; /* seg_boundary_mask */
	/* The call in progress (under the lock). */
	struct dmab__batch *b;
	int part;
	/* Live mappings, sorted by @first. */
	struct dmab__iommu_rec *recs;
	size_t nrecs, caprecs;
	uint64_t pte_completions, tlb_flushes, segments;
	bool attached; /* the backend was told of the root */
};

extern const struct dmab__xlate_ops dmab__xlate_iommu;

/* iommu.c: made and unmade by device.c, after the backend. */
int dmab__iommu_init(struct dmab_device *dev, const struct dmab_device_config *cfg);
void dmab__iommu_fini(struct dmab_device *dev);
void dmab__iommu_stats(const struct dmab_device *dev, struct dmab_stats *out);

/* iommu.c, under the lock: the live mapping whose first segment is @first. */
struct dmab__iommu_rec *dmab__iommu_rec_find(struct dmab__iommu *m, dmab_addr_t first);
int dmab__iommu_rec_reserve(struct dmab__iommu *m);
void dmab__iommu_rec_add(struct dmab__iommu *m, const struct dmab__iommu_rec *r);
void dmab__iommu_rec_del(struct dmab__iommu *m, struct dmab__iommu_rec *r);
/* Start / end a call's table work in @b. */
void dmab__iommu_begin(struct dmab__iommu *m, struct dmab__batch *b);
void dmab__iommu_end(struct dmab__iommu *m);

/*
 * iommu_sg.c: the calls of a device with an IOMMU, arguments checked by the
 * caller as for any device (check_list, check_buffer). Return values as the
 * public calls.
 */
int dmab__iommu_map_sg(struct dmab_device *dev, struct dmab_sg *sg, int nents, enum dmab_dir dir,
		       unsigned attrs, const char *what);
int dmab__iommu_unmap_sg(struct dmab_device *dev, struct dmab_sg *sg, int nents, enum dmab_dir dir,
			 unsigned attrs, const char *what);
/* The per-range seam (xlate.h): a translation, not an API call (no counts). */
int dmab__iommu_map_range(struct dmab_device *dev, void *cpu, size_t len, dmab_addr_t *bus);
void dmab__iommu_unmap_range(struct dmab_device *dev, void *cpu, dmab_addr_t bus, size_t len);
int dmab__iommu_sync_sg(struct dmab_device *dev, struct dmab_sg *sg, int nents, enum dmab_dir dir,
			bool for_device, const char *what);

#endif /* DMAB_XLATE_IOMMU_H */
