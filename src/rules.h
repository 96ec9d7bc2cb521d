/* SPDX-License-Identifier: MIT */
/*
 * The direction rules (arm64 mainline behaviour), in one place. Inline:
 * every entry of every list goes through them.
 *
 * for_device: clean, whatever the direction. Cleaning a FROM_DEVICE buffer
 *   (rather than invalidating it) keeps the bytes the device does not write
 *   and stops dirty lines being evicted over the device's data later.
 * for_cpu: nothing for TO_DEVICE (the device did not write); otherwise
 *   invalidate, after the transfer, because the CPU may have fetched lines
 *   speculatively while the device owned them. A line the buffer only partly
 *   covers also holds someone else's bytes, so it is cleaned as well as
 *   invalidated.
 */
#ifndef DMAB_RULES_H
#define DMAB_RULES_H

#include "internal.h"
#include "swiotlb.h"

/* Add one buffer's maintenance, for the device or for the CPU, to @b. */
static inline void dmab__sync_add(struct dmab_batch *b, int part, void *cpu, size_t len,
				  bool for_device, enum dmab_dir dir)
{
	struct dmab_device *dev = b->part[part].dev;

	if (dev->coherent || len == 0)
		return;
	if (for_device) {
		dmab__batch_range(b, part, DMAB__CLEAN, (uintptr_t)cpu, len);
		return;
	}
	if (dir == DMAB_TO_DEVICE)
		return;

	size_t line = dev->arch.line;
	uintptr_t start = (uintptr_t)cpu, end = start + len;
	uintptr_t s = start & ~(uintptr_t)(line - 1);
	uintptr_t e = (end + line - 1) & ~(uintptr_t)(line - 1);
	bool head = s != start, tail = e != end;

	if (e - s == line) {
		dmab__batch_range(b, part, head || tail ? DMAB__CLEAN_INVAL : DMAB__INVAL, s, line);
		return;
	}
	if (head) {
		dmab__batch_range(b, part, DMAB__CLEAN_INVAL, s, line);
		s += line;
	}
	if (tail)
		e -= line;
	if (e > s)
		dmab__batch_range(b, part, DMAB__INVAL, s, e - s);
	if (tail)
		dmab__batch_range(b, part, DMAB__CLEAN_INVAL, e, line);
}

/*
 * One entry's whole sync, bounce copies included (not map's copy in, which
 * is made whatever the direction): for the device, a bounced range is first
 * copied in (TO_DEVICE, BIDIRECTIONAL), then cleaned; for the CPU,
 * invalidated, and a bounced range's copy back (FROM_DEVICE, BIDIRECTIONAL)
 * is deferred by the batch until after its completion. @bb is NULL for a
 * range used in place.
 */
static inline void dmab__sync_entry(struct dmab_batch *b, struct dmab_device *dev, void *cpu,
				    size_t len, const struct dmab__bounce *bb, bool for_device,
				    enum dmab_dir dir, struct dmab__tally *n)
{
	if (bb && for_device && dir != DMAB_FROM_DEVICE)
		dmab__bounce_in(dev, bb, n);
	int part = dmab__batch_enter(b, dev);

	dmab__sync_add(b, part, cpu, len, for_device, dir);
	if (bb && !for_device && dir != DMAB_TO_DEVICE)
		dmab__bounce_out(b, part, bb, n);
	dmab__batch_leave(b, part);
}

#endif /* DMAB_RULES_H */
