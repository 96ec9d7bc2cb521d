/* SPDX-License-Identifier: MIT */
/*
 * map and unmap, single and scatter-gather.
 *
 * Each call works in two phases: first every entry is checked and
 * translated (a failure unwinds what was translated and returns with no
 * maintenance issued and no counter moved), then the maintenance of all
 * entries goes into one batch that completes once.
 */
#include <errno.h>

#include "internal.h"

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

/* Translate one buffer and check the device can reach the result. */
static int translate(struct dmab_device *dev, void *cpu, size_t len, dmab_addr_t *bus,
		     const char *what, int index)
{
	int err = dev->xlate->map(dev->xlate_ctx, cpu, len, bus);

	if (err)
		return dmab__fail(err, "%s: %s: entry %d: %s translation failed", what, dev->name,
				  index, dev->xlate->name);
	if (len && (*bus > dev->mask || len - 1 > dev->mask - *bus)) {
		dev->xlate->unmap(dev->xlate_ctx, *bus, len);
		return dmab__fail(-ERANGE,
				  "%s: %s: entry %d: bus range 0x%llx+%zu is beyond the DMA mask "
				  "0x%llx (bouncing is not available)",
				  what, dev->name, index, (unsigned long long)*bus, len,
				  (unsigned long long)dev->mask);
	}
	return 0;
}

/* Take @n entries off the live count; refuse to go below zero. */
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

static void count_map(struct dmab_device *dev, uint64_t entries)
{
	atomic_fetch_add_explicit(&dev->c.maps, 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&dev->c.live, entries, memory_order_relaxed);
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
	err = translate(dev, cpu, len, out, what, 0);
	if (err)
		return err;
	if (!(attrs & DMAB_ATTR_SKIP_CPU_SYNC) && !dev->coherent) {
		struct dmab_batch b;

		dmab_batch_init(&b);
		int part = dmab__batch_enter(&b, dev);

		dmab__sync_add(&b, part, cpu, len, true, dir);
		dmab__batch_leave(&b, part);
		(void)dmab__batch_finish(&b);
	}
	count_map(dev, 1);
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
	err = dev->xlate->to_cpu(dev->xlate_ctx, addr, len, &cpu);
	if (err)
		return dmab__fail(err, "%s: %s: bus address 0x%llx (+%zu) is not mapped", what,
				  dev->name, (unsigned long long)addr, len);
	err = drop_live(dev, 1, what);
	if (err)
		return err;
	if (!(attrs & DMAB_ATTR_SKIP_CPU_SYNC) && !dev->coherent) {
		struct dmab_batch b;

		dmab_batch_init(&b);
		int part = dmab__batch_enter(&b, dev);

		dmab__sync_add(&b, part, cpu, len, false, dir);
		dmab__batch_leave(&b, part);
		(void)dmab__batch_finish(&b);
	}
	dev->xlate->unmap(dev->xlate_ctx, addr, len);
	atomic_fetch_add_explicit(&dev->c.unmaps, 1, memory_order_relaxed);
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
	for (int i = 0; i < nents; i++) {
		dmab_addr_t bus = 0;

		err = translate(dev, sg[i].addr, sg[i].len, &bus, what, i);
		if (err) {
			while (i-- > 0)
				dev->xlate->unmap(dev->xlate_ctx, sg[i].dma_addr, sg[i].dma_len);
			return err;
		}
		sg[i].dma_addr = bus;
		sg[i].dma_len = sg[i].len;
	}
	if (!(attrs & DMAB_ATTR_SKIP_CPU_SYNC) && !dev->coherent) {
		struct dmab_batch b;

		dmab_batch_init(&b);
		for (int i = 0; i < nents; i++) {
			int part = dmab__batch_enter(&b, dev);

			dmab__sync_add(&b, part, sg[i].addr, sg[i].len, true, dir);
			dmab__batch_leave(&b, part);
		}
		(void)dmab__batch_finish(&b);
	}
	count_map(dev, (uint64_t)nents);
	return nents;
}

int dmab_unmap_sg(struct dmab_device *dev, struct dmab_sg *sg, int nents, enum dmab_dir dir,
		  unsigned attrs)
{
	static const char what[] = "unmap_sg";
	int err = check_list(dev, sg, nents, dir, attrs, what);

	if (err)
		return err;
	for (int i = 0; i < nents; i++) {
		void *cpu;

		if (sg[i].dma_len == 0)
			continue;
		err = dev->xlate->to_cpu(dev->xlate_ctx, sg[i].dma_addr, sg[i].dma_len, &cpu);
		if (err)
			return dmab__fail(err, "%s: %s: entry %d: bus address 0x%llx is not mapped",
					  what, dev->name, i, (unsigned long long)sg[i].dma_addr);
	}
	err = drop_live(dev, (uint64_t)nents, what);
	if (err)
		return err;
	if (!(attrs & DMAB_ATTR_SKIP_CPU_SYNC) && !dev->coherent) {
		struct dmab_batch b;

		dmab_batch_init(&b);
		for (int i = 0; i < nents; i++) {
			void *cpu;

			if (sg[i].dma_len == 0)
				continue;
			(void)dev->xlate->to_cpu(dev->xlate_ctx, sg[i].dma_addr, sg[i].dma_len,
						 &cpu);
			int part = dmab__batch_enter(&b, dev);

			dmab__sync_add(&b, part, cpu, sg[i].dma_len, false, dir);
			dmab__batch_leave(&b, part);
		}
		(void)dmab__batch_finish(&b);
	}
	for (int i = 0; i < nents; i++)
		dev->xlate->unmap(dev->xlate_ctx, sg[i].dma_addr, sg[i].dma_len);
	atomic_fetch_add_explicit(&dev->c.unmaps, 1, memory_order_relaxed);
	return 0;
}
