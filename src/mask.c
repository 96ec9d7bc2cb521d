/* SPDX-License-Identifier: MIT */
/*
 * The kernel's spellings a porting author looks for: the DMA mask set after
 * creation (before the first mapping), the cache alignment, need_sync, and
 * the sg_table wrappers that return 0 or a negative errno.
 */
#include <errno.h>

#include "bounce/bounce.h"
#include "bounce/pool.h"
#include "internal.h"
#include "mem/mem.h"

/* Has the device ever held a mapping, made a bounce pool, or does it hold
 * DMA memory (src/mem/) placed under the old mask? */
static bool ever_used(struct dmab_device *dev)
{
	uint64_t n[DMAB__NCTR];

	if (dmab__live_sum(&dev->c))
		return true;
	if (dev->mem) {
		pthread_mutex_lock(&dev->mem->lock);
		bool held = dev->mem->live || dev->mem->pools;

		pthread_mutex_unlock(&dev->mem->lock);
		if (held)
			return true;
	}
	if (dev->bounce_pools && atomic_load(&dev->bounce_pools->npools))
		return true;
	dmab__ctr_sum(&dev->c, n);
	return n[DMAB__CTR_MAPS] != 0;
}

int dmab_set_mask(struct dmab_device *dev, uint64_t mask)
{
	if (!dev)
		return dmab__fail(-EINVAL, "set_mask: NULL device");
	if (mask == 0 || (mask & (mask + 1)) != 0)
		return dmab__fail(-EINVAL, "set_mask: %s: mask 0x%llx is not 2^n - 1 (n = 1..64)",
				  dev->name, (unsigned long long)mask);
	if (ever_used(dev))
		return dmab__fail(
		    -EBUSY, "set_mask: %s: the device has mapped already (or holds DMA memory)",
		    dev->name);
	if (mask == dev->mask)
		return 0;
	/* The device's NUMA area was placed at creation, for the old mask. */
	const struct dmab__mem *area = dev->mem && dev->mem->area.used ? &dev->mem->area.mem : NULL;

	if (area && !dmab__dma_capable(mask, (uintptr_t)area->base, area->len))
		return dmab__fail(
		    -ERANGE,
		    "set_mask: %s: the device's NUMA area lies beyond mask 0x%llx; give "
		    "dma_bits at creation instead",
		    dev->name, (unsigned long long)mask);

	/* The pool set depends on the mask: make it again for the new one. */
	struct dmab__bounce_pools *old_pools = dev->bounce_pools;
	uint64_t old_mask = dev->mask;
	unsigned old_flags = dev->bounce_flags;

	dev->bounce_pools = NULL;
	dev->mask = mask;
	int err = dmab__bounce_init(dev, &dev->cfg);

	if (err) {
		dev->bounce_pools = old_pools;
		dev->mask = old_mask;
		dev->bounce_flags = old_flags;
		return err;
	}
	if (old_pools) {
		struct dmab__bounce_pools *new_pools = dev->bounce_pools;

		dev->bounce_pools = old_pools;
		dmab__bounce_fini(dev);
		dev->bounce_pools = new_pools;
	}
	return 0;
}

int dmab_set_mask_and_coherent(struct dmab_device *dev, uint64_t mask)
{
	return dmab_set_mask(dev, mask);
}

uint64_t dmab_get_mask(const struct dmab_device *dev)
{
	return dev ? dev->mask : 0;
}

size_t dmab_get_cache_alignment(const struct dmab_device *dev)
{
	return dmab_device_line_size(dev);
}

int dmab_need_sync(struct dmab_device *dev, dmab_addr_t addr)
{
	struct dmab__entry e;

	if (!dev)
		return dmab__fail(-EINVAL, "need_sync: NULL device");
	if (!dev->coherent)
		return 1;
	/* A coherent device needs the sync calls only for bounced mappings,
	 * whose data the calls copy. The lookup is 1 for a live bounced
	 * mapping, 0 for an address in no pool, -EINVAL for one in a pool but
	 * in no live mapping. */
	if (!dev->bounce_pools)
		return 0;
	return dmab__bounce_find(dev, addr, 1, false, &e, "need_sync") == 1;
}

static int check_table(struct dmab_device *dev, const struct dmab_sg_table *t, const char *what)
{
	if (!t)
		return dmab__fail(-EINVAL, "%s: NULL table", what);
	if (!t->sgl || t->orig_nents < 1)
		return dmab__fail(-EINVAL, "%s: %s: table has %s", what, dev ? dev->name : "?",
				  t->sgl ? "no entries (orig_nents < 1)" : "a NULL sgl");
	return 0;
}

int dmab_map_sgtable(struct dmab_device *dev, struct dmab_sg_table *sgt, enum dmab_dir dir,
		     unsigned attrs)
{
	int n = check_table(dev, sgt, "map_sgtable");

	if (n)
		return n;
	n = dmab_map_sg(dev, sgt->sgl, sgt->orig_nents, dir, attrs);
	if (n < 0)
		return n;
	sgt->nents = n;
	return 0;
}

int dmab_unmap_sgtable(struct dmab_device *dev, struct dmab_sg_table *sgt, enum dmab_dir dir,
		       unsigned attrs)
{
	int err = check_table(dev, sgt, "unmap_sgtable");

	return err ? err : dmab_unmap_sg(dev, sgt->sgl, sgt->orig_nents, dir, attrs);
}

int dmab_sync_sgtable_for_cpu(struct dmab_device *dev, struct dmab_sg_table *sgt, enum dmab_dir dir)
{
	int err = check_table(dev, sgt, "sync_sgtable_for_cpu");

	return err ? err : dmab_sync_sg_for_cpu(dev, sgt->sgl, sgt->orig_nents, dir);
}

int dmab_sync_sgtable_for_device(struct dmab_device *dev, struct dmab_sg_table *sgt,
				 enum dmab_dir dir)
{
	int err = check_table(dev, sgt, "sync_sgtable_for_device");

	return err ? err : dmab_sync_sg_for_device(dev, sgt->sgl, sgt->orig_nents, dir);
}
