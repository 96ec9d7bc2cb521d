/* SPDX-License-Identifier: MIT */
/*
 * Bounce policy: the device's bounce configuration, whether a buffer must
 * bounce, where in the pool a mapping may start, and the statistics.
 *
 * Pools are per device, not shared by devices on one node with compatible
 * masks. A user-space driver process drives few devices; a per-device pool
 * means one device's burst cannot starve another (the kernel, too, lets a
 * device have a pool of its own: restricted-dma-pool), the pool sits on its
 * device's node and under its mask by construction, its counters are the
 * device's own, it dies with the device, and the simulator registers memory
 * per device. The cost, a pool per device that bounces, is bounded: the pool
 * is made only at the first mapping that actually bounces.
 *
 * When the copies are made is ../rules.h's.
 */
#include <errno.h>
#include <stdlib.h>

#include "../rules.h"
#include "bounce.h"
#include "policy.h"

#define KNOWN_BOUNCE (DMAB_BOUNCE_FORCE | DMAB_BOUNCE_UNALIGNED | DMAB_BOUNCE_NEVER)

static bool mask_ok(uint64_t m, uint64_t limit)
{
	return m < limit && (m & (m + 1)) == 0;
}

int dmab__bounce_init(struct dmab_device *dev, const struct dmab_device_config *cfg)
{
	unsigned f = cfg->bounce;

	if (f & ~KNOWN_BOUNCE)
		return dmab__fail(-EINVAL, "device_create: unknown bounce flags 0x%x",
				  f & ~KNOWN_BOUNCE);
	if ((f & DMAB_BOUNCE_NEVER) && (f & ~DMAB_BOUNCE_NEVER))
		return dmab__fail(-EINVAL,
				  "device_create: DMAB_BOUNCE_NEVER with FORCE or UNALIGNED");
	if (!mask_ok(cfg->min_align_mask, (uint64_t)128 << 10))
		return dmab__fail(
		    -EINVAL, "device_create: min_align_mask 0x%llx is not 2^k - 1 below 128 KiB",
		    (unsigned long long)cfg->min_align_mask);
	if (!mask_ok(cfg->alloc_align_mask, DMAB__MEM_ALIGN))
		return dmab__fail(
		    -EINVAL, "device_create: alloc_align_mask 0x%llx is not 2^k - 1 below 2 MiB",
		    (unsigned long long)cfg->alloc_align_mask);
	int err = dmab__bounce_pools_check(cfg);

	if (err)
		return err;
	dev->bounce_flags = f;
	/* Nothing can be beyond a 64-bit mask: such a device needs no pool
	 * unless it is told to bounce. */
	/* A translating device bounces what is not registered. */
	if ((f & DMAB_BOUNCE_NEVER) || (!(f & DMAB_BOUNCE_FORCE) && dev->mask == UINT64_MAX &&
					dev->xlate == &dmab__xlate_identity &&
					!((f & DMAB_BOUNCE_UNALIGNED) && !dev->coherent)))
		return 0;
	struct dmab__bounce_pools *bp = calloc(1, sizeof(*bp));

	if (!bp)
		return dmab__fail(-ENOMEM, "device_create: out of memory");
	err = dmab__bounce_pools_init(bp, dev, cfg);
	if (err) {
		free(bp);
		return err;
	}
	dev->bounce_pools = bp;
	return 0;
}

void dmab__bounce_fini(struct dmab_device *dev)
{
	if (!dev->bounce_pools)
		return;
	dmab__bounce_pools_fini(dev->bounce_pools);
	free(dev->bounce_pools);
	dev->bounce_pools = NULL;
}

size_t dmab_max_mapping_size(const struct dmab_device *dev)
{
	if (!dev)
		return 0;
	if (!dev->bounce_pools ||
	    (!(dev->bounce_flags & DMAB_BOUNCE_FORCE) && dev->mask == UINT64_MAX))
		return SIZE_MAX;
	return dmab__bounce_limit(dev->bounce_pools);
}

bool dmab__bounce_wanted(const struct dmab_device *dev, const void *cpu, size_t len,
			 enum dmab_dir dir)
{
	if (len == 0)
		return false;
	if (dev->bounce_flags & DMAB_BOUNCE_FORCE)
		return true;
	/* Only the device's writes are at risk: the lines the rules clean and
	 * invalidate after it (rules.h). */
	if (!(dev->bounce_flags & DMAB_BOUNCE_UNALIGNED) ||
	    !dmab__rule(DMAB__CALL_UNMAP, dir, 0, dev->coherent).inval)
		return false;
	/* A buffer too long for a mapping is maintained in place, as without
	 * the flag. */
	uintptr_t s, e;

	return dmab__line_span((uintptr_t)cpu, len, dev->arch.line, &s, &e) &&
	       len <= dmab__bounce_limit(dev->bounce_pools);
}

/* Bounce mappings holding slots now: the threads' counts added up (they
 * are kept per thread, counters.h, so that a map and an unmap need no
 * locked instruction for them). */
static uint64_t bounce_mappings(const struct dmab_device *dev)
{
	uint64_t v[DMAB__NCTR];

	dmab__ctr_sum((struct dmab__counters *)&dev->c, v);
	return v[DMAB__CTR_BOUNCE_LIVE];
}

uint64_t dmab__bounce_live(const struct dmab_device *dev)
{
	const struct dmab__bounce_pools *bp = dev->bounce_pools;

	if (!bp)
		return 0;
	uint64_t live = bounce_mappings(dev);

	/* A held slot with no mapping counted cannot happen; should it, the
	 * slots still keep the device from being destroyed under them. */
	return live ? live : dmab__slots_used(bp) != 0;
}

void dmab__bounce_stats(const struct dmab_device *dev, struct dmab_stats *out)
{
	struct dmab__bounce_pools *bp = dev->bounce_pools;

	out->bounce_node = -1;
	if (!bp)
		return;
	out->live_mappings += bounce_mappings(dev);
	out->bounce_slots_total = atomic_load(&bp->total_slots);
	out->bounce_slots_used = dmab__slots_used(bp);
	out->bounce_slots_hwm = atomic_load(&bp->hwm);
	out->bounce_full = atomic_load(&bp->full);
	out->bounce_pools = atomic_load(&bp->npools);
	out->bounce_pools_grown = atomic_load(&bp->grown);
	out->bounce_node = atomic_load(&bp->node);
	out->bounce_page_size = atomic_load(&bp->page);
}
