/* SPDX-License-Identifier: MIT */
/*
 * map and unmap, single and scatter-gather.
 *
 * Each call works in two phases: first every entry is checked and
 * translated, or given bounce slots (a failure unwinds what was translated
 * or allocated and returns with no maintenance issued and no counter moved),
 * then the maintenance of all entries goes into one batch that completes
 * once. A bounced entry's maintenance is on its slots: at map, the original
 * is copied in before the slots' clean is added; at unmap, the copy back is
 * deferred by the batch until after the completion, and the slots are freed
 * only after that.
 */
#include <errno.h>

#include "internal.h"
#include "rules.h"
#include "swiotlb.h"

#define DMAB__KNOWN_ATTRS (DMAB_ATTR_SKIP_CPU_SYNC | DMAB_ATTR_NO_WARN)

static int check_call(struct dmab_device *dev, enum dmab_dir dir, unsigned attrs, const char *what)
{
	if (!dev)
		return dmab__fail(-EINVAL, "%s: NULL device", what);
	if (!dmab__dir_ok(dir))
		return dmab__fail(-EINVAL, "%s: %s: direction %d is not 0, 1 or 2", what, dev->name,
				  (int)dir);
	if (attrs & ~DMAB__KNOWN_ATTRS)
		return dmab__fail(-EINVAL, "%s: %s: unknown attribute bits 0x%x", what, dev->name,
				  attrs & ~DMAB__KNOWN_ATTRS);
	return 0;
}

static int check_buffer(struct dmab_device *dev, const void *cpu, size_t len, const char *what,
			int index)
{
	if ((!cpu && len) || !dmab__range_ok((uintptr_t)cpu, len))
		return dmab__fail(-EINVAL, "%s: %s: entry %d: %s", what, dev->name, index,
				  !cpu ? "NULL address" : "address + length overflows");
	return 0;
}

/*
 * Give one buffer a bus address: its own, translated, if the device can use
 * it in place; else bounce slots. Forced and unaligned bouncing are decided
 * before translating, since the original then needs no bus address at all.
 */
static inline int map_entry(struct dmab_device *dev, struct dmab__hold *h, void *cpu, size_t len,
			    enum dmab_dir dir, unsigned attrs, dmab_addr_t *bus, const char *what,
			    int index)
{
	/* dev->tlb first: a device that can never bounce pays no call. */
	if (dev->tlb && dmab__bounce_wanted(dev, cpu, len, dir))
		return dmab__bounce_map(dev, h, cpu, len, attrs, bus, what, index);

	int err = dmab__xlate_map(dev->xlate, dev->xlate_ctx, cpu, len, bus);

	if (err)
		return dmab__fail(err, "%s: %s: entry %d: %s translation failed", what, dev->name,
				  index, dev->xlate->name);
	if (len && (*bus > dev->mask || len - 1 > dev->mask - *bus)) {
		dmab__xlate_unmap(dev->xlate, dev->xlate_ctx, *bus, len);
		if (dev->tlb)
			return dmab__bounce_map(dev, h, cpu, len, attrs, bus, what, index);
		return dmab__fail(-ERANGE,
				  "%s: %s: entry %d: bus range 0x%llx+%zu is beyond the DMA mask "
				  "0x%llx (bouncing is off for this device)",
				  what, dev->name, index, (unsigned long long)*bus, len,
				  (unsigned long long)dev->mask);
	}
	return 0;
}

/* Undo map_entry() for an entry whose call fails later. */
static void unmap_entry(struct dmab_device *dev, struct dmab__hold *h, dmab_addr_t bus, size_t len,
			const char *what)
{
	struct dmab__bounce bb;

	if (dmab__bounce_find(dev, bus, len, true, &bb, what) > 0)
		dmab__bounce_release(dev, h, &bb);
	else
		dmab__xlate_unmap(dev->xlate, dev->xlate_ctx, bus, len);
}

/* Phase two of a map, per entry: the original copied into its slots (any
 * direction, SKIP_CPU_SYNC or not), then the clean of whatever the device
 * will read. */
static inline void map_sync(struct dmab_batch *b, struct dmab_device *dev, void *cpu,
			    dmab_addr_t bus, size_t len, enum dmab_dir dir, unsigned attrs,
			    struct dmab__tally *n)
{
	void *slot = len && dev->tlb ? dmab__bounce_start(dev, cpu, bus, len, n) : NULL;

	if (slot)
		cpu = slot;
	if ((attrs & DMAB_ATTR_SKIP_CPU_SYNC) || dev->coherent)
		return;
	int part = dmab__batch_enter(b, dev);

	dmab__sync_add(b, part, cpu, len, true, dir);
	dmab__batch_leave(b, part);
}

/*
 * Phase one of an unmap, per entry: where the CPU side is (the buffer, or
 * the slots), or -EINVAL. *bounced tells which.
 */
static inline int unmap_find(struct dmab_device *dev, dmab_addr_t bus, size_t len, void **cpu,
			     struct dmab__bounce *bb, const char *what, int index)
{
	int r = dmab__bounce_find(dev, bus, len, true, bb, what);

	if (r < 0)
		return r;
	if (r > 0) {
		*cpu = bb->slot;
		return 1;
	}
	r = dmab__xlate_to_cpu(dev->xlate, dev->xlate_ctx, bus, len, cpu);
	if (r)
		return dmab__fail(r, "%s: %s: entry %d: bus address 0x%llx (+%zu) is not mapped",
				  what, dev->name, index, (unsigned long long)bus, len);
	return 0;
}

/* Phase two: the entry as phase one found it, or -1 if it is gone. */
static inline int unmap_again(struct dmab_device *dev, dmab_addr_t bus, size_t len, void **cpu,
			      struct dmab__bounce *bb)
{
	int r = dmab__bounce_peek(dev, bus, len, bb);

	if (r > 0)
		*cpu = bb->slot;
	else if (r == 0)
		(void)dmab__xlate_to_cpu(dev->xlate, dev->xlate_ctx, bus, len, cpu);
	return r;
}

/* Phase three, per entry: give the bus address back. */
static inline void unmap_release(struct dmab_device *dev, struct dmab__hold *h, dmab_addr_t bus,
				 size_t len, const struct dmab__bounce *bb)
{
	if (bb)
		dmab__bounce_release(dev, h, bb);
	else
		dmab__xlate_unmap(dev->xlate, dev->xlate_ctx, bus, len);
}

/* Take @n entries off the live count; refuse to go below zero. The unmap's
 * one locked operation, before anything is issued, as in add_live(). */
static int drop_live(struct dmab_device *dev, uint64_t n, const char *what)
{
	uint_fast64_t live = atomic_load_explicit(&dev->c.live, memory_order_relaxed);

	do {
		if (live < n)
			return dmab__fail(
			    -EINVAL, "%s: %s: %llu entries to unmap but only %llu are mapped", what,
			    dev->name, (unsigned long long)n, (unsigned long long)live);
	} while (!atomic_compare_exchange_weak_explicit(
	    &dev->c.live, &live, live - n, memory_order_relaxed, memory_order_relaxed));
	return 0;
}

/*
 * The one locked operation of a map: live must be exact across threads (see
 * counters.h). It comes before any maintenance is issued, so that it does
 * not wait for this call's own write-backs.
 */
static void add_live(struct dmab_device *dev, uint64_t entries)
{
	atomic_fetch_add_explicit(&dev->c.live, entries, memory_order_relaxed);
}

/*
 * The rest of a call's counts, in this thread's block with plain stores:
 * made at the end, where they overlap the write-backs still in flight
 * rather than come before their issue.
 */
static void count_call(struct dmab_device *dev, enum dmab__ctr call, const struct dmab__tally *n)
{
	dmab__ctr_add(dmab__ctr_mine(&dev->c), call, 1);
	if (n->mappings || n->to_dev || n->from_dev)
		dmab__bounce_account(dev, n);
}

int dmab_map_single(struct dmab_device *dev, void *cpu, size_t len, enum dmab_dir dir,
		    unsigned attrs, dmab_addr_t *out)
{
	static const char what[] = "map_single";
	int err = check_call(dev, dir, attrs, what);

	if (err)
		return err;
	if (!out || !len)
		return dmab__fail(-EINVAL, "%s: %s: %s", what, dev->name,
				  !out ? "NULL output" : "zero length");
	err = check_buffer(dev, cpu, len, what, 0);
	if (err)
		return err;
	err = map_entry(dev, NULL, cpu, len, dir, attrs, out, what, 0);
	if (err)
		return err;

	struct dmab_batch b;
	struct dmab__tally n = {0};

	/* Nothing fails from here on. */
	add_live(dev, 1);
	dmab_batch_init(&b);
	map_sync(&b, dev, cpu, *out, len, dir, attrs, &n);
	(void)dmab__batch_finish(&b);
	count_call(dev, DMAB__CTR_MAPS, &n);
	return 0;
}

int dmab_unmap_single(struct dmab_device *dev, dmab_addr_t addr, size_t len, enum dmab_dir dir,
		      unsigned attrs)
{
	static const char what[] = "unmap_single";
	void *cpu;
	int err = check_call(dev, dir, attrs, what);

	if (err)
		return err;
	if (!len)
		return dmab__fail(-EINVAL, "%s: %s: zero length", what, dev->name);

	struct dmab__bounce bb;
	int bounced = unmap_find(dev, addr, len, &cpu, &bb, what, 0);

	if (bounced < 0)
		return bounced;
	err = drop_live(dev, 1, what);
	if (err)
		return err;

	struct dmab_batch b;
	struct dmab__tally n = {0};

	dmab_batch_init(&b);
	if (!(attrs & DMAB_ATTR_SKIP_CPU_SYNC))
		dmab__sync_entry(&b, dev, cpu, len, bounced ? &bb : NULL, false, dir, &n);
	(void)dmab__batch_finish(&b);
	unmap_release(dev, NULL, addr, len, bounced ? &bb : NULL);
	count_call(dev, DMAB__CTR_UNMAPS, &n);
	return 0;
}

static int check_list(struct dmab_device *dev, struct dmab_sg *sg, int nents, enum dmab_dir dir,
		      unsigned attrs, const char *what)
{
	int err = check_call(dev, dir, attrs, what);

	if (err)
		return err;
	if (!sg || nents <= 0)
		return dmab__fail(-EINVAL, "%s: %s: %s", what, dev->name,
				  !sg ? "NULL list" : "nents must be at least 1");
	return 0;
}

int dmab_map_sg(struct dmab_device *dev, struct dmab_sg *sg, int nents, enum dmab_dir dir,
		unsigned attrs)
{
	static const char what[] = "map_sg";
	int err = check_list(dev, sg, nents, dir, attrs, what);

	if (err)
		return err;
	for (int i = 0; i < nents; i++) {
		err = check_buffer(dev, sg[i].addr, sg[i].len, what, i);
		if (err)
			return err;
	}
	struct dmab__hold h;

	dmab__hold_init(&h, dev->tlb);
	for (int i = 0; i < nents; i++) {
		dmab_addr_t bus = 0;

		err = map_entry(dev, &h, sg[i].addr, sg[i].len, dir, attrs, &bus, what, i);
		if (err) {
			while (i-- > 0)
				unmap_entry(dev, &h, sg[i].dma_addr, sg[i].dma_len, what);
			dmab__hold_release(&h);
			return err;
		}
		sg[i].dma_addr = bus;
		sg[i].dma_len = sg[i].len;
	}
	dmab__hold_release(&h);

	struct dmab_batch b;
	struct dmab__tally n = {0};

	add_live(dev, (uint64_t)nents);
	dmab_batch_init(&b);
	for (int i = 0; i < nents; i++)
		map_sync(&b, dev, sg[i].addr, sg[i].dma_addr, sg[i].dma_len, dir, attrs, &n);
	(void)dmab__batch_finish(&b);
	count_call(dev, DMAB__CTR_MAPS, &n);
	return nents;
}

int dmab_unmap_sg(struct dmab_device *dev, struct dmab_sg *sg, int nents, enum dmab_dir dir,
		  unsigned attrs)
{
	static const char what[] = "unmap_sg";
	int err = check_list(dev, sg, nents, dir, attrs, what);

	if (err)
		return err;
	size_t copies = 0;

	for (int i = 0; i < nents; i++) {
		struct dmab__bounce bb;
		void *cpu;

		if (sg[i].dma_len == 0)
			continue;
		err = unmap_find(dev, sg[i].dma_addr, sg[i].dma_len, &cpu, &bb, what, i);
		if (err < 0)
			return err;
		copies += (size_t)err;
	}
	err = drop_live(dev, (uint64_t)nents, what);
	if (err)
		return err;

	/*
	 * One completion for the list, so the batch must hold every copy back
	 * until then. Without memory for that, it completes early instead:
	 * more barriers, still in the right order.
	 */
	struct dmab_batch b;
	struct dmab__spill *spill = NULL;
	struct dmab__tally n = {0};

	dmab_batch_init(&b);
	if (dir != DMAB_TO_DEVICE && !(attrs & DMAB_ATTR_SKIP_CPU_SYNC))
		spill = dmab__bounce_spill_lend(dev, &b, copies);
	/* Phase two has nothing to do without maintenance or copies back, and
	 * a TO_DEVICE unmap has neither: the device wrote nothing. */
	bool work = !(attrs & DMAB_ATTR_SKIP_CPU_SYNC) && dir != DMAB_TO_DEVICE &&
		    (!dev->coherent || copies);

	for (int i = 0; i < nents && work; i++) {
		struct dmab__bounce bb;
		void *cpu;

		if (sg[i].dma_len == 0)
			continue;
		int bounced = unmap_again(dev, sg[i].dma_addr, sg[i].dma_len, &cpu, &bb);

		dmab__sync_entry(&b, dev, cpu, sg[i].dma_len, bounced > 0 ? &bb : NULL, false, dir,
				 &n);
	}
	(void)dmab__batch_finish(&b);
	dmab__bounce_spill_put(dev, spill);

	struct dmab__hold h;

	dmab__hold_init(&h, dev->tlb);
	for (int i = 0; i < nents; i++) {
		struct dmab__bounce bb;
		int bounced = 0;

		if (sg[i].dma_len)
			bounced = dmab__bounce_peek(dev, sg[i].dma_addr, sg[i].dma_len, &bb);
		/* < 0: the list named one bounce mapping twice; it is gone. */
		if (bounced >= 0)
			unmap_release(dev, &h, sg[i].dma_addr, sg[i].dma_len, bounced ? &bb : NULL);
	}
	dmab__hold_release(&h);
	count_call(dev, DMAB__CTR_UNMAPS, &n);
	return 0;
}
