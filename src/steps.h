/* SPDX-License-Identifier: MIT */
/*
 * The per-entry steps map.c and sync.c share: finding where a mapped bus
 * range's CPU side is (the one lookup of unmap and sync, made once per entry
 * in their first phase, entry.h), and one entry's maintenance and copies as
 * the call's rule (rules.h) says. Inline: every entry of every list takes
 * them, nearly always on a device with no pool.
 */
#ifndef DMAB_STEPS_H
#define DMAB_STEPS_H

#include <errno.h>

#include "bounce/bounce.h"
#include "entry.h"

/*
 * Fill *e for [bus, bus+len). Return: 1 if it is bounced, 0 if it is used
 * in place, or -EINVAL (with dmab_last_error()) if it is not mapped, or for
 * a bounced range not exactly one mapping (@whole) or past its end. @index
 * is the entry's, for the message; -1 for a single range.
 */
DMAB__HOT int dmab__find(struct dmab_device *dev, dmab_addr_t bus, size_t len, bool whole,
			 struct dmab__entry *e, const char *what, int index)
{
	if (dev->bounce_pools) {
		/* Into a copy, so that *@e's address stays in the inlined steps
		 * and a caller's loop-local entry can live in registers. */
		struct dmab__entry found;
		int r = dmab__bounce_find(dev, bus, len, whole, &found, what);

		if (r > 0)
			*e = found;
		if (r)
			return r;
	}
	if (!dmab__lines_ok((uintptr_t)bus, len, dev->arch.line))
		return dmab__fail(-EINVAL, "%s: %s: 0x%llx+%zu, rounded to whole lines, overflows",
				  what, dev->name, (unsigned long long)bus, len);
	/* Normal mode's cheap check at unmap (@whole): never maintain what no
	 * direct mapping of this device ever covered (an address from nowhere
	 * would fault). A sync is not checked so (dmabatch.h); an IOMMU
	 * keeps its own record of what is mapped. */
	int err = !whole || dev->iommu || dmab__direct_seen(dev, (uintptr_t)bus, len)
		      ? dmab__xlate_to_cpu(dev->xlate, dev->xlate_ctx, bus, len, &e->cpu)
		      : -EINVAL;

	if (err)
		return index < 0
			   ? dmab__fail(err, "%s: %s: bus address 0x%llx (+%zu) is not mapped",
					what, dev->name, (unsigned long long)bus, len)
			   : dmab__fail(err,
					"%s: %s: entry %d: bus address 0x%llx (+%zu) is not "
					"mapped",
					what, dev->name, index, (unsigned long long)bus, len);
	e->bus = bus;
	e->len = len;
	e->pool = NULL;
	return 0;
}

/* dmab__find() for an sg entry; an empty entry is used in place, unlooked-up. */
DMAB__HOT int dmab__find_sg(struct dmab_device *dev, const struct dmab_sg *sg, bool whole,
			    struct dmab__entry *e, const char *what, int index)
{
	if (sg->dma_len)
		return dmab__find(dev, sg->dma_addr, sg->dma_len, whole, e, what, index);
	e->cpu = NULL;
	e->bus = sg->dma_addr;
	e->len = 0;
	e->pool = NULL;
	return 0;
}

/*
 * Entry @i's facts for a later phase: read off the list (a plain device),
 * kept by phase one, or, for a list too long for its facts (entry.h), found
 * again into *@tmp. NULL if it is gone (a list that named one bounce
 * mapping twice, after the first was freed).
 */
DMAB__HOT struct dmab__entry *dmab__fact(struct dmab__facts_use u, struct dmab_device *dev,
					 const struct dmab_sg *sg, int i, bool whole,
					 struct dmab__entry *tmp, const char *what)
{
	if (u.plain) {
		tmp->cpu = (void *)(uintptr_t)sg[i].dma_addr;
		tmp->bus = sg[i].dma_addr;
		tmp->len = sg[i].dma_len;
		tmp->pool = NULL;
		return tmp;
	}
	if (u.keep)
		return &u.keep[i];
	return dmab__find_sg(dev, &sg[i], whole, tmp, what, i) < 0 ? NULL : tmp;
}

/*
 * One entry's part of a call with rule @r, before the device (map,
 * sync_for_device: the rule's copy in and clean) or after it (unmap,
 * sync_for_cpu: its invalidation and copy back, deferred until after the
 * completion). Two steps, not one, so that each loop tests only the half of
 * the rule its side of the transfer has (rules.h: a call before the device
 * never invalidates or copies back, one after it never cleans or copies in).
 */
DMAB__HOT void dmab__entry_for_device(struct dmab__batch *b, struct dmab_device *dev,
				      const struct dmab__entry *e, struct dmab__rule r,
				      struct dmab__tally *n)
{
	if (e->pool && r.copy_in)
		dmab__bounce_copy_in(dev, e, n);
	if (!r.clean || !e->len)
		return;
	int part = dmab__batch_enter(b, dev);

	dmab__batch_range(b, part, DMAB__CLEAN, (uintptr_t)e->cpu, e->len);
	dmab__batch_leave(b, part);
}

DMAB__HOT void dmab__entry_for_cpu(struct dmab__batch *b, struct dmab_device *dev,
				   const struct dmab__entry *e, struct dmab__rule r,
				   struct dmab__tally *n)
{
	bool out = e->pool && r.copy_out;

	if ((!r.inval && !out) || !e->len)
		return;
	int part = dmab__batch_enter(b, dev);

	if (r.inval)
		dmab__batch_inval(b, part, (uintptr_t)e->cpu, e->len);
	if (out)
		dmab__bounce_copy_out(b, part, e, n);
	dmab__batch_leave(b, part);
}

#endif /* DMAB_STEPS_H */
