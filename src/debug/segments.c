/* SPDX-License-Identifier: MIT */
/*
 * The checker and DMA segments: the segment-limit classes (max_seg_size,
 * seg_boundary_mask) of a map_sg, and the records of a device behind the
 * emulated IOMMU, which are its segments rather than its entries.
 */
#include <stdlib.h>

#include "../iommu/pte.h"
#include "state.h"

int dmab__debug_segments_(struct dmab_device *dev, const struct dmab__dbg_call *c,
			  const struct dmab_sg *sg, int n)
{
	for (int i = 0; i < n; i++) {
		uint64_t start = sg[i].dma_addr, last = start + sg[i].dma_len - 1;

		if (!sg[i].dma_len)
			continue;
		if (sg[i].dma_len > dev->max_seg_size)
			return dmab__dbg_report(dev, DMAB_DEBUG_MAP_SEG_SIZE, c, &sg[i], NULL);
		if ((start ^ last) & ~dev->seg_boundary_mask)
			return dmab__dbg_report(dev, DMAB_DEBUG_MAP_SEG_BOUNDARY, c, &sg[i], NULL);
	}
	return 0;
}

/*
 * Behind the IOMMU, a list's segments are made under its lock, after the
 * table is written: its limits are judged on the entries instead. Merging
 * keeps within both limits, so a segment is over one only if one entry is:
 * longer than max_seg_size, or (its IOVA starting at its own offset in a
 * page, at least, from a window's start) running past the boundary window.
 * The report gives the entry's CPU address: it has no IOVA yet.
 */
int dmab__dbg_iommu_limits(struct dmab_device *dev, const struct dmab__dbg_call *c,
			   const struct dmab_sg *sg)
{
	uint64_t off = (uintptr_t)sg->addr & (DMAB__IOPT_GRANULE - 1);
	struct dmab_sg at = *sg;

	at.dma_addr = (uintptr_t)sg->addr;
	at.dma_len = sg->len;
	if (sg->len > dev->max_seg_size)
		return dmab__dbg_report(dev, DMAB_DEBUG_MAP_SEG_SIZE, c, &at, NULL);
	if (off + sg->len - 1 > dev->seg_boundary_mask)
		return dmab__dbg_report(dev, DMAB_DEBUG_MAP_SEG_BOUNDARY, c, &at, NULL);
	return 0;
}

/*
 * Behind the IOMMU, one record per DMA segment (the first entries' dma
 * fields): its bus range, the CPU address of its first entry and the last
 * CPU byte of its last (merged entries meet on page boundaries, so the
 * segment's outer ends are its only lines shared with other buffers).
 */
void dmab__dbg_file_segments(struct dmab_device *dev, struct dmab__dbg_pend *p,
			     const struct dmab_sg *sg, int n)
{
	int nseg = 0, i = 0;

	while (nseg < n && sg[nseg].dma_len)
		nseg++;
	atomic_init(&p->blk->refs, nseg);
	for (int j = 0; j < nseg; j++) {
		struct dmab__dbg_node *r = p->v[j];
		size_t got = 0;

		while (i < n && !sg[i].len)
			i++;
		r->m.cpu = sg[i].addr;
		while (i < n && got < sg[j].dma_len) {
			if (sg[i].len) {
				got += sg[i].len;
				r->cpu_last = (uintptr_t)sg[i].addr + sg[i].len - 1;
			}
			i++;
		}
		r->m.addr = sg[j].dma_addr;
		r->m.len = sg[j].dma_len;
		dmab__dbg_insert(dev->debug, r);
		dmab__dbg_guard_map(dev, r);
	}
	if (!nseg)
		free(p->blk);
	free(p);
}
