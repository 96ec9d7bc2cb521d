/* SPDX-License-Identifier: MIT */
/* Where a bounce mapping may go, and how long it may be (policy.c). */
#ifndef DMAB_BOUNCE_POLICY_H
#define DMAB_BOUNCE_POLICY_H

#include "pool.h"

/* The longest buffer a mapping can take once the min_align_mask offset is
 * allowed for (the kernel's swiotlb_max_mapping_size). */
size_t dmab__bounce_limit(const struct dmab__bounce_pools *bp);

/*
 * Where a mapping of @orig (@len bytes) may start: *offset into its first
 * slot run (whole slots of it are padding), and the run's first bus slot
 * number k must have (k & *cmask) == *want.
 */
void dmab__bounce_placement(const struct dmab__bounce_pools *bp, uintptr_t orig, size_t len,
			    size_t *offset, uint64_t *cmask, uint64_t *want);

#endif /* DMAB_BOUNCE_POLICY_H */
