/* SPDX-License-Identifier: MIT */
/*
 * VFIO_IOMMU_GET_INFO's capability chain: after the fixed struct, headers
 * {id, version, next}, next an offset from the struct's start (0 ends the
 * chain); capability 1 (IOVA_RANGE) holds nr_iovas, then {start, end} pairs;
 * capability 3 (DMA_AVAIL) the number of mappings the container still allows.
 */
#include <errno.h>
#include <linux/vfio.h>
#include <string.h>

#include <dmabatch/xlate.h>

#include "backends.h"

/* The offset of capability @id in the chain: > 0; 0 if absent; -EPROTO. */
static long find_cap(const unsigned char *base, size_t len, uint16_t id)
{
	struct vfio_iommu_type1_info head;

	if (len < sizeof(head))
		return -EPROTO;
	memcpy(&head, base, sizeof(head));
	if (!(head.flags & VFIO_IOMMU_INFO_CAPS))
		return 0;
	size_t at = head.cap_offset, last = 0;

	while (at) {
		struct vfio_info_cap_header cap;

		/* Forward only, inside the buffer, past the fixed part. */
		if (at < sizeof(head) || at <= last || at > len || len - at < sizeof(cap))
			return -EPROTO;
		memcpy(&cap, base + at, sizeof(cap));
		if (cap.id == id)
			return (long)at;
		last = at;
		at = cap.next;
	}
	return 0;
}

int dmab_vfio_parse_iova_ranges(const void *info, size_t len, struct dmab_iova_range *out,
				unsigned max)
{
	const unsigned char *base = info;
	long at = find_cap(base, len, VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE);
	struct vfio_iommu_type1_info_cap_iova_range rc;

	if (at <= 0)
		return (int)at;
	if (len - (size_t)at < sizeof(rc))
		return -EPROTO;
	memcpy(&rc, base + at, sizeof(rc));
	size_t room = (len - (size_t)at - sizeof(rc)) / sizeof(struct vfio_iova_range);

	if (rc.nr_iovas > room)
		return -EPROTO;
	unsigned n = rc.nr_iovas < max ? rc.nr_iovas : max;

	for (unsigned i = 0; i < n; i++) {
		struct vfio_iova_range one;

		memcpy(&one, base + at + sizeof(rc) + i * sizeof(one), sizeof(one));
		if (one.end < one.start)
			return -EPROTO;
		out[i].start = one.start;
		out[i].end = one.end;
	}
	return (int)n;
}

int dmab__vfio_parse_dma_avail(const void *info, size_t len, uint32_t *avail)
{
	const unsigned char *base = info;
	long at = find_cap(base, len, VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL);
	struct vfio_iommu_type1_info_dma_avail da;

	if (at <= 0)
		return (int)at;
	if (len - (size_t)at < sizeof(da))
		return -EPROTO;
	memcpy(&da, base + at, sizeof(da));
	*avail = da.avail;
	return 1;
}
