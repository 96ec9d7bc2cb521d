/* SPDX-License-Identifier: MIT */
/*
 * VFIO_IOMMU_GET_INFO's capability chain: after the fixed struct, headers
 * {id, version, next}, next an offset from the struct's start (0 ends the
 * chain); capability 1 (IOVA_RANGE) holds nr_iovas, then {start, end} pairs.
 */
#include <errno.h>
#include <linux/vfio.h>
#include <string.h>

#include <dmabatch/xlate.h>

int dmab_vfio_parse_iova_ranges(const void *info, size_t len, struct dmab_iova_range *out,
				unsigned max)
{
	const unsigned char *base = info;
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
		if (cap.id == VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE) {
			struct vfio_iommu_type1_info_cap_iova_range rc;
			size_t room;

			if (len - at < sizeof(rc))
				return -EPROTO;
			memcpy(&rc, base + at, sizeof(rc));
			room = (len - at - sizeof(rc)) / sizeof(struct vfio_iova_range);
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
		last = at;
		at = cap.next;
	}
	return 0;
}
