/* SPDX-License-Identifier: MIT */
/* The sync calls, single, sg and batched, as the rules in rules.h say. */
#include <errno.h>

#include "debug/debug.h"
#include "steps.h"
#include "xlate/iommu.h"

static enum dmab__call call_of(bool for_device)
{
	return for_device ? DMAB__CALL_SYNC_FOR_DEVICE : DMAB__CALL_SYNC_FOR_CPU;
}

/* Inlined into the public calls, so that the checker's caller is theirs. */
DMAB__HOT int batch_sync(struct dmab__batch *b, struct dmab_device *dev, dmab_addr_t addr,
			 size_t len, enum dmab_dir dir, bool for_device, const char *what)
{
	if (!b || b->magic != DMAB__BATCH_MAGIC)
		return dmab__fail(-EINVAL, "%s: batch not initialised", what);
	if (!dev || !dmab__dir_ok(dir) || len == 0)
		return dmab__fail(-EINVAL, "%s: %s", what,
				  !dev	? "NULL device"
				  : len ? "bad direction"
					: "zero length");
	struct dmab_sg one = dmab__dbg_one(NULL, addr, len);
	int err = DMAB__DEBUG_SYNC(dev, what, DMAB_DEBUG_KIND_SINGLE, dir, 1, !for_device, &one, 1);

	if (err)
		return err;
	struct dmab__entry e;
	int bounced = dmab__find(dev, addr, len, false, &e, what, -1);

	if (bounced < 0)
		return bounced;
	struct dmab__tally n = {0};

	struct dmab__rule r = dmab__rule(call_of(for_device), dir, 0, dev->coherent);

	if (for_device)
		dmab__entry_for_device(b, dev, &e, r, &n);
	else
		dmab__entry_for_cpu(b, dev, &e, r, &n);
	if (bounced)
		dmab__bounce_account(dev, &n);
	return 0;
}

int dmab_batch_sync_for_device(struct dmab_batch *b, struct dmab_device *dev, dmab_addr_t addr,
			       size_t len, enum dmab_dir dir)
{
	return batch_sync(b ? dmab__batch_of(b) : NULL, dev, addr, len, dir, true,
			  "batch_sync_for_device");
}

int dmab_batch_sync_for_cpu(struct dmab_batch *b, struct dmab_device *dev, dmab_addr_t addr,
			    size_t len, enum dmab_dir dir)
{
	return batch_sync(b ? dmab__batch_of(b) : NULL, dev, addr, len, dir, false,
			  "batch_sync_for_cpu");
}

DMAB__HOT int sync_single(struct dmab_device *dev, dmab_addr_t addr, size_t len, enum dmab_dir dir,
			  bool for_device, const char *what)
{
	struct dmab__batch b;

	dmab__batch_init(&b);
	int err = batch_sync(&b, dev, addr, len, dir, for_device, what);

	if (err)
		return err;
	(void)dmab__batch_finish(&b);
	struct dmab_sg one = dmab__dbg_one(NULL, addr, len);

	DMAB__DEBUG_SYNCED(dev, for_device, &one, 1);
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
 * Every entry is found before anything is issued, so that a bad entry fails
 * the call with no maintenance done and no counter moved; its facts are kept
 * for the second phase (entry.h).
 */
DMAB__HOT int sync_sg(struct dmab_device *dev, struct dmab_sg *sg, int nents, enum dmab_dir dir,
		      bool for_device, const char *what)
{
	if (!dev || !sg || nents <= 0 || !dmab__dir_ok(dir))
		return dmab__fail(-EINVAL, "%s: %s", what,
				  !dev	       ? "NULL device"
				  : !sg	       ? "NULL list"
				  : nents <= 0 ? "nents must be at least 1"
					       : "bad direction");
	int err =
	    DMAB__DEBUG_SYNC(dev, what, DMAB_DEBUG_KIND_SG, dir, nents, !for_device, sg, nents);

	if (err)
		return err;
	if (dev->iommu) {
		err = dmab__iommu_sync_sg(dev, sg, nents, dir, for_device, what);
		if (!err)
			DMAB__DEBUG_SYNCED(dev, for_device, sg, nents);
		return err;
	}
	struct dmab__facts f;
	struct dmab__entry tmp;
	size_t copies = 0;

	dmab__facts_get(&f, dev, nents);
	struct dmab__facts_use fu = dmab__facts_use(&f, nents);

	for (int i = 0; i < nents; i++) {
		struct dmab__entry one;
		int bounced =
		    dmab__find_sg(dev, &sg[i], false, dmab__facts_at(fu, i, &one), what, -1);

		if (bounced < 0) {
			dmab__facts_put(&f, dev);
			return bounced;
		}
		copies += (size_t)bounced;
	}

	/* As in unmap_sg: room for every copy back, so one completion does. */
	struct dmab__batch b;
	struct dmab__tally n = {0};
	struct dmab__rule r = dmab__rule(call_of(for_device), dir, 0, dev->coherent);

	dmab__batch_init(&b);
	if (r.copy_out)
		dmab__batch_lend(&b, dev, copies);
	for (int i = 0; i < nents; i++) {
		struct dmab__entry *e = dmab__fact(fu, dev, sg, i, false, &tmp, what);

		if (e && for_device)
			dmab__entry_for_device(&b, dev, e, r, &n);
		else if (e)
			dmab__entry_for_cpu(&b, dev, e, r, &n);
	}
	(void)dmab__batch_finish(&b);
	dmab__batch_unlend(&b, dev);
	dmab__facts_put(&f, dev);
	if (copies)
		dmab__bounce_account(dev, &n);
	DMAB__DEBUG_SYNCED(dev, for_device, sg, nents);
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
