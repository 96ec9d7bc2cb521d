/* SPDX-License-Identifier: MIT */
/*
 * The emulated IOMMU, as the translator and the simulator's device will use
 * it: an ARM LPAE stage-1 page table kept for a coherent or a non-coherent
 * walker (pgtable.h, descriptor bits in pte.h), the gathered TLB
 * invalidation of unmap (pgtable.h), and the IOVA allocator under the DMA
 * mask (iova.h).
 *
 * The seam to the rest of the library is callbacks only: table pages come
 * from a page allocator the caller gives (library-owned memory registered
 * with the simulator), PTE cleans and barriers go to the caller (the
 * device's batch: issue now, complete once), and TLB invalidations are told
 * to the caller. Every call is single-threaded per table / per domain: the
 * caller holds the lock.
 *
 * A map_sg on a non-coherent walker, in outline:
 *	dmab__iova_alloc_fast(dom, total, dev->mask, &iova)
 *	ops = dmab__iopt_ops(t)                     -- once per device
 *	for each entry: ops->map(t, iova + off, paddr, len, prot)
 *	if (ops->sync_map) ops->sync_map(t, iova, total)   -- DEFERRED only
 *	complete the batch (data cleans and PTE cleans, one barrier)
 * and its unmap: dmab__iopt_unmap(t, iova, total, &g); complete the batch;
 * dmab__iotlb_sync(t, &g); dmab__iova_free_fast(dom, iova, total).
 */
#ifndef DMAB_IOMMU_IOMMU_H
#define DMAB_IOMMU_IOMMU_H

#include "iova.h"
#include "pgtable.h"
#include "pte.h"

#endif /* DMAB_IOMMU_IOMMU_H */
