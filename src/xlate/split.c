/* SPDX-License-Identifier: MIT */
/*
 * Splitting an sg entry into several DMA segments: dmab_map_sg_split() maps
 * an entry that is not physically (or IOVA-) contiguous in a registered
 * region as one segment per contiguous part, written, in list order, to
 * sg[0 .. returned)'s dma_addr and dma_len, as the kernel's dma_map_sg()
 * writes merged segments, only in reverse: there may be more of them than
 * entries, in the room the caller gives.
 *
 * The list is mapped as the list of its segments (each a plain entry), so
 * counters, the checker and the unmap path see M segment entries. unmap_sg
 * and sync_sg take the list as the caller gave it (nents entries) and find
 * M again with dmab__split_span(): an entry whose first segment is shorter
 * than the entry was split (a mapping of a whole entry, direct or bounced,
 * always has dma_len == len), and the region table, which cannot change
 * under a live mapping, says into how many parts.
 */
#include <errno.h>
#include <stdlib.h>

#include "../bounce/bounce.h"
#include "../internal.h"
#include "../rules.h"
#include "regions.h"
#include "xlate.h"

#define NO_WANT UINT64_MAX /* a segment that is a whole entry: not checked */

/* Can @dev split an entry at all? A registering translator, no IOMMU. */
static bool splits(const struct dmab_device *dev)
{
	return dev->xlate_ctx && !dev->iommu;
}

/*
 * Entry @s's segments, written to @out (room for all of them): its parts if
 * it is to be split, with their bus addresses in @want, else the entry
 * itself (empty, unregistered, contiguous, or to be bounced whole: forced,
 * unaligned or, on a device that may bounce, a part beyond the mask, as the
 * map path would bounce it).
 */
static int entry_segments(struct dmab_device *dev, const struct dmab_sg *s, enum dmab_dir dir,
			  struct dmab_sg *out, int room, dmab_addr_t *want)
{
	int k = s->len ? dmab__regions_pieces(dev->xlate_ctx, s->addr, s->len, out, room, NULL) : 1;
	bool whole = k <= 1;

	if (k > room || room < 1) /* the table changed since the count */
		return -EAGAIN;

	for (int j = 0; j < k && !whole; j++)
		whole = dev->bounce_pools &&
			(dmab__bounce_wanted(dev, out[j].addr, out[j].len, dir) ||
			 !dmab__dma_capable(dev->mask, out[j].dma_addr, out[j].len));
	if (whole) {
		out[0] = (struct dmab_sg){.addr = s->addr, .len = s->len};
		want[0] = NO_WANT;
		return 1;
	}
	for (int j = 0; j < k; j++)
		want[j] = out[j].dma_addr;
	return k;
}

int dmab_map_sg_split(struct dmab_device *dev, struct dmab_sg *sg, int nents, int room,
		      enum dmab_dir dir, unsigned attrs)
{
	static const char what[] = "map_sg_split";

	if (!dev || !sg || nents <= 0 || room < nents)
		return dmab__fail(-EINVAL, "%s: %s", what,
				  !dev	       ? "NULL device"
				  : !sg	       ? "NULL list"
				  : nents <= 0 ? "nents must be at least 1"
					       : "room must be at least nents");
	if (!splits(dev))
		return dmab_map_sg(dev, sg, nents, dir, attrs);

	/* Every part there may be: the most the list can need. */
	size_t most = 0;

	for (int i = 0; i < nents; i++) {
		int k = sg[i].len ? dmab__regions_pieces(dev->xlate_ctx, sg[i].addr, sg[i].len,
							 NULL, 0, NULL)
				  : 1;

		most += k > 1 ? (size_t)k : 1;
	}
	if (most == (size_t)nents)
		return dmab_map_sg(dev, sg, nents, dir, attrs);
	if (most > (size_t)INT32_MAX)
		return dmab__fail(-EINVAL, "%s: %s: more than 2^31 DMA segments", what, dev->name);
	struct dmab_sg *seg = calloc(most, sizeof(*seg) + sizeof(dmab_addr_t));

	if (!seg)
		return dmab__fail(-ENOMEM, "%s: %s: out of memory", what, dev->name);
	dmab_addr_t *want = (dmab_addr_t *)(seg + most);
	int m = 0, err = 0;

	for (int i = 0; i < nents && !err; i++) {
		int k = entry_segments(dev, &sg[i], dir, seg + m, (int)most - m, want + m);

		err = k < 0 ? k : 0;
		m += k > 0 ? k : 0;
	}
	if (err)
		err = dmab__fail(err, "%s: %s: a registered region changed during the call", what,
				 dev->name);
	else
		err = m <= room ? 0
				: dmab__fail(-ENOSPC,
					     "%s: %s: the list's %d entries need %d DMA segments, "
					     "and room is %d",
					     what, dev->name, nents, m, room);

	if (!err)
		err = dmab_map_sg(dev, seg, m, dir, attrs);
	bool moved = false;

	for (int j = 0; err > 0 && j < m; j++)
		moved |= want[j] != NO_WANT && seg[j].dma_addr != want[j];
	if (moved) {
		/* A part went elsewhere: the region changed under the call. */
		int undo = dmab_unmap_sg(dev, seg, m, dir, attrs | DMAB_ATTR_SKIP_CPU_SYNC);

		(void)undo;
		err = dmab__fail(-EAGAIN, "%s: %s: a registered region changed during the call",
				 what, dev->name);
	}
	for (int j = 0; err > 0 && j < m; j++) {
		sg[j].dma_addr = seg[j].dma_addr;
		sg[j].dma_len = seg[j].dma_len;
	}
	free(seg);
	return err;
}

int dmab__split_span(struct dmab_device *dev, const struct dmab_sg *sg, int nents, const char *what)
{
	int p = 0;

	if (!splits(dev))
		return nents;
	for (int i = 0; i < nents; i++) {
		const struct dmab_sg *e = &sg[i];

		if (sg[p].dma_len == e->len) {
			p++;
			continue;
		}
		/* Split: its parts, as the region table has them, from sg[p]. */
		int k = e->len && e->addr ? dmab__regions_pieces(dev->xlate_ctx, e->addr, e->len,
								 NULL, INT32_MAX, &sg[p])
					  : -EINVAL;

		if (k < 2)
			return dmab__fail(
			    -EINVAL,
			    "%s: %s: entry %d: DMA segment %d (0x%llx+%zu) is neither "
			    "the whole entry (%zu bytes) nor its first part: not the "
			    "list as mapped",
			    what, dev->name, i, p, (unsigned long long)sg[p].dma_addr,
			    sg[p].dma_len, e->len);
		p += k;
	}
	return p;
}
