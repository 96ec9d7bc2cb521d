/* SPDX-License-Identifier: MIT */
/* Shared by iova.c and iova_rcache.c. Page frame numbers (pfn) inside. */
#ifndef DMAB_IOMMU_IOVA_IMPL_H
#define DMAB_IOMMU_IOVA_IMPL_H

#include <stddef.h>

#include "iova.h"

struct dmab__iova_ext {
	uint64_t lo, hi; /* free pfns [lo, hi) */
};

struct dmab__iova_mag {
	unsigned n;
	uint64_t pfn[DMAB__IOVA_MAG_SIZE];
};

struct dmab__iova_rcache {
	struct dmab__iova_mag *loaded, *prev;
	struct dmab__iova_mag *depot[DMAB__IOVA_DEPOT];
	unsigned ndepot;
};

struct dmab__iova_domain {
	uint64_t base_pfn, end_pfn; /* the domain: [base_pfn, end_pfn) */
	struct dmab__iova_ext *ext; /* sorted by lo, disjoint, never touching */
	size_t n, cap;
	struct dmab__iova_rcache rc[DMAB__IOVA_CLASSES];
	struct dmab__iova_counters c;
};

/* iova.c: the extent array, in pages; @lim_end is an exclusive pfn. */
int dmab__iova_take(struct dmab__iova_domain *d, uint64_t npages, uint64_t lim_end, uint64_t align,
		    uint64_t *pfn);
int dmab__iova_give(struct dmab__iova_domain *d, uint64_t pfn, uint64_t npages);
/* The exclusive pfn end under an inclusive address @limit. */
uint64_t dmab__iova_lim_end(const struct dmab__iova_domain *d, uint64_t limit);
/* iova_rcache.c */
void dmab__iova_rcache_free(struct dmab__iova_domain *d);

#endif /* DMAB_IOMMU_IOVA_IMPL_H */
