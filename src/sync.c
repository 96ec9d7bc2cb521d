/* SPDX-License-Identifier: MIT */
/* The sync calls, single, sg and batched, built on the rules in rules.h. */
#include <errno.h>

#include "internal.h"
#include "rules.h"
#include "swiotlb.h"

/*
 * Where the CPU side of a mapped range is: in the pool (1, *bb filled; any
 * sub-range of a bounce mapping) or the buffer itself (0); or -EINVAL.
 */
static int to_cpu(struct dmab_device *dev, dmab_addr_t addr, size_t len, void **cpu,
		  struct dmab__bounce *bb, const char *what)
{
	int r = dmab__bounce_find(dev, addr, len, false, bb, what);

	if (r > 0)
		*cpu = bb->slot;
	if (r)
		return r;
	r = dmab__xlate_to_cpu(dev->xlate, dev->xlate_ctx, addr, len, cpu);
	if (r)
		return dmab__fail(r, "%s: %s: bus address 0x%llx (+%zu) is not mapped", what,
				  dev->name, (unsigned long long)addr, len);
	return 0;
}

static int batch_sync(struct dmab_batch *b, struct dmab_device *dev, dmab_addr_t addr, size_t len,
		      enum dmab_dir dir, bool for_device, const char *what)
{
	void *cpu;

	if (!b || b->magic != DMAB__BATCH_MAGIC)
		return dmab__fail(-EINVAL, "%s: batch not initialised", what);
	if (!dev || !dmab__dir_ok(dir) || len == 0)
		return dmab__fail(-EINVAL, "%s: %s", what,
				  !dev	? "NULL device"
				  : len ? "bad direction"
					: "zero length");
	struct dmab__bounce bb;
	int bounced = to_cpu(dev, addr, len, &cpu, &bb, what);

	if (bounced < 0)
		return bounced;
	struct dmab__tally n = {0};

	dmab__sync_entry(b, dev, cpu, len, bounced ? &bb : NULL, for_device, dir, &n);
	if (bounced)
		dmab__bounce_account(dev, &n);
	return 0;
}

int dmab_batch_sync_for_device(struct dmab_batch *b, struct dmab_device *dev, dmab_addr_t addr,
			       size_t len, enum dmab_dir dir)
{
	return batch_sync(b, dev, addr, len, dir, true, "batch_sync_for_device");
}

int dmab_batch_sync_for_cpu(struct dmab_batch *b, struct dmab_device *dev, dmab_addr_t addr,
			    size_t len, enum dmab_dir dir)
{
	return batch_sync(b, dev, addr, len, dir, false, "batch_sync_for_cpu");
}

static int sync_single(struct dmab_device *dev, dmab_addr_t addr, size_t len, enum dmab_dir dir,
		       bool for_device, const char *what)
{
	struct dmab_batch b;

	dmab_batch_init(&b);
	int err = batch_sync(&b, dev, addr, len, dir, for_device, what);

	if (err)
		return err;
	(void)dmab__batch_finish(&b);
	return 0;
}

int dmab_sync_single_for_cpu(struct dmab_device *dev, dmab_addr_t addr, size_t len,
			     enum dmab_dir dir)
{
	return sync_single(dev, addr, len, dir, false, "sync_single_for_cpu");
}

int dmab_sync_single_for_device(struct dmab_device *dev, dmab_addr_t addr, size_t len,
				enum dmab_dir dir)
{
	return sync_single(dev, addr, len, dir, true, "sync_single_for_device");
}

/*
 * Every entry is translated before anything is issued, so that a bad entry
 * fails the call with no maintenance done and no counter moved.
 */
static int sync_sg(struct dmab_device *dev, struct dmab_sg *sg, int nents, enum dmab_dir dir,
		   bool for_device, const char *what)
{
	if (!dev || !sg || nents <= 0 || !dmab__dir_ok(dir))
		return dmab__fail(-EINVAL, "%s: %s", what,
				  !dev	       ? "NULL device"
				  : !sg	       ? "NULL list"
				  : nents <= 0 ? "nents must be at least 1"
					       : "bad direction");
	size_t copies = 0;

	for (int i = 0; i < nents; i++) {
		struct dmab__bounce bb;
		void *cpu;

		if (sg[i].dma_len == 0)
			continue;
		int bounced = to_cpu(dev, sg[i].dma_addr, sg[i].dma_len, &cpu, &bb, what);

		if (bounced < 0)
			return bounced;
		copies += (size_t)bounced;
	}

	/* As in unmap_sg: room for every copy back, so one completion does. */
	struct dmab_batch b;
	struct dmab__spill *spill = NULL;
	struct dmab__tally n = {0};

	dmab_batch_init(&b);
	if (!for_device && dir != DMAB_TO_DEVICE)
		spill = dmab__bounce_spill_lend(dev, &b, copies);
	for (int i = 0; i < nents; i++) {
		struct dmab__bounce bb;
		void *cpu;

		if (sg[i].dma_len == 0)
			continue;
		int bounced = to_cpu(dev, sg[i].dma_addr, sg[i].dma_len, &cpu, &bb, what);

		dmab__sync_entry(&b, dev, cpu, sg[i].dma_len, bounced > 0 ? &bb : NULL, for_device,
				 dir, &n);
	}
	(void)dmab__batch_finish(&b);
	dmab__bounce_spill_put(dev, spill);
	if (copies)
		dmab__bounce_account(dev, &n);
	return 0;
}

int dmab_sync_sg_for_cpu(struct dmab_device *dev, struct dmab_sg *sg, int nents, enum dmab_dir dir)
{
	return sync_sg(dev, sg, nents, dir, false, "sync_sg_for_cpu");
}

int dmab_sync_sg_for_device(struct dmab_device *dev, struct dmab_sg *sg, int nents,
			    enum dmab_dir dir)
{
	return sync_sg(dev, sg, nents, dir, true, "sync_sg_for_device");
}
