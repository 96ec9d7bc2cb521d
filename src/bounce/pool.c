/* SPDX-License-Identifier: MIT */
/*
 * One bounce pool: memory the device can reach, cut into 2 KiB slots, with
 * a record per slot and a bitmap of taken slots; its making and unmaking.
 * Searching the bitmap is bitmap.h's; which area a slot belongs to,
 * and the locking, areas.c's.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../rules.h"
#include "../../arch/arch.h"
#include "../mem/mem.h"
#include "pool.h"

#define PLACE_TRIES 16 /* memory a translator may refuse before a pool gives up */

/*
 * Where the simulator learns of memory the library owns and a device may
 * reach: the pool gets a DRAM copy (its content now, zeroes), or the device's
 * accesses to its slots would fault. For a device on no simulator these do
 * nothing.
 */
static int pool_memory_registered(struct dmab_device *dev, void *base, size_t len)
{
	return dmab__arch_owned(&dev->arch, DMAB__OWNED_CACHED, base, len);
}

static void pool_memory_unregistered(struct dmab_device *dev, void *base, size_t len)
{
	(void)dmab__arch_owned(&dev->arch, DMAB__OWNED_GONE, base, len);
}

static void free_records(struct dmab__pool *p)
{
	free(p->slot);
	free(p->inuse);
	free(p->area);
	free(p);
}

/* Give the pool memory back to the translator and the system. */
static void drop_memory(struct dmab_device *dev, struct dmab__mem *m)
{
	dmab__xlate_disown(dev, m->base, m->len);
	dmab__mem_free(m);
}

/*
 * One try: memory, registered with the translator (which pins or maps it),
 * and its bus address. -ERANGE if the address is not slot-aligned under the
 * mask (a physical address is wherever the kernel put the page): the memory
 * is then left allocated in *@m, for the caller to hold or free.
 */
static int try_memory(struct dmab_device *dev, struct dmab__mem *m, size_t bytes, uintptr_t below,
		      dmab_addr_t *bus)
{
	int err = dmab__mem_place(dev, m, bytes, below);

	if (err) {
		if (below)
			return dmab__fail(-ERANGE,
					  "%s: no %zu KiB hole for a bounce pool under the DMA "
					  "mask 0x%llx",
					  dev->name, bytes >> 10, (unsigned long long)dev->mask);
		return dmab__fail(-ENOMEM, "%s: no memory for a %zu KiB bounce pool", dev->name,
				  bytes >> 10);
	}
	err = dmab__xlate_own(dev, m->base, bytes);
	if (err) {
		char why[200]; /* the translator's own words */

		snprintf(why, sizeof(why), "%s", dmab_last_error());
		dmab__mem_free(m);
		return dmab__fail(err,
				  "%s: the %s translator refused the bounce pool's memory%s (%s)",
				  dev->name, dev->xlate->name,
				  m->page < DMAB__MEM_ALIGN && err == -EOPNOTSUPP
				      ? ": it is not on hugepages (echo N > "
					"/proc/sys/vm/nr_hugepages)"
				      : "",
				  why);
	}
	err = dmab__xlate_map(dev->xlate, dev->xlate_ctx, m->base, bytes, bus);
	if (!err && (!dmab__dma_capable(dev->mask, *bus, bytes) || *bus % DMAB_POOL_SLOT_SIZE)) {
		dmab__xlate_unmap(dev->xlate, dev->xlate_ctx, *bus, bytes);
		err = -ERANGE;
	}
	if (err) {
		/* Out of reach: the caller holds it (-ERANGE) or frees it. */
		dmab__xlate_disown(dev, m->base, bytes);
		if (err != -ERANGE)
			dmab__mem_free(m);
		return dmab__fail(err,
				  "%s: the %s translator cannot give the bounce pool a "
				  "slot-aligned bus range under the DMA mask 0x%llx%s",
				  dev->name, dev->xlate->name, (unsigned long long)dev->mask,
				  err != -EXDEV ? ""
				  : m->page < DMAB__MEM_ALIGN
				      ? " (its base pages are not physically "
					"contiguous: reserve hugepages, echo N > "
					"/proc/sys/vm/nr_hugepages)"
				      : " (its hugepages are not physically "
					"contiguous: use a pool_size of 2 MiB)");
	}
	return 0;
}

/*
 * The pool's memory. Physical placement is the kernel's, so a translator
 * whose first answer is out of reach is asked again with other memory, the
 * refused regions held until the end so that the same pages do not come
 * back.
 */
static int place_memory(struct dmab_device *dev, struct dmab__pool *p, size_t bytes,
			uintptr_t below, dmab_addr_t *bus)
{
	struct dmab__mem refused[PLACE_TRIES];
	int n = 0, err;

	for (;;) {
		err = try_memory(dev, &p->mem, bytes, below, bus);
		if (err != -ERANGE)
			break;
		if (dev->xlate == &dmab__xlate_identity || n == PLACE_TRIES) {
			dmab__mem_free(&p->mem);
			break;
		}
		refused[n++] = p->mem; /* held, so that the next try gets other pages */
	}
	while (n-- > 0)
		dmab__mem_free(&refused[n]);
	if (!err)
		p->cpu = p->mem.base;
	return err;
}

int dmab__pool_create(struct dmab__bounce_pools *bp, bool extra, struct dmab__pool **out)
{
	struct dmab_device *dev = bp->dev;
	size_t bytes = bp->pool_slots * DMAB_POOL_SLOT_SIZE;
	uintptr_t below = 0;
	dmab_addr_t bus;

	/*
	 * With identity translation the bus address is the virtual one, so a
	 * narrow mask is met by placing the pool low. Other translators give
	 * their own addresses, checked below.
	 */
	if (dev->xlate == &dmab__xlate_identity && dev->mask < UINTPTR_MAX) {
		below = (uintptr_t)dev->mask;
		if (below < bytes - 1 + DMAB__MEM_ALIGN)
			return dmab__fail(
			    -ERANGE, "%s: no %zu KiB bounce pool fits under the DMA mask 0x%llx",
			    dev->name, bytes >> 10, (unsigned long long)dev->mask);
	}
	struct dmab__pool *p = calloc(1, sizeof(*p));

	if (!p)
		return dmab__fail(-ENOMEM, "%s: out of memory for a bounce pool", dev->name);
	p->owner = bp;
	p->extra = extra;
	p->nslots = bp->pool_slots;
	p->slot = calloc(p->nslots, sizeof(*p->slot));
	p->inuse = calloc(p->nslots / 64, sizeof(*p->inuse));
	p->area = aligned_alloc(DMAB__PAD, bp->nareas * sizeof(*p->area));
	if (!p->slot || !p->inuse || !p->area) {
		free_records(p);
		return dmab__fail(-ENOMEM, "%s: out of memory for a bounce pool", dev->name);
	}
	for (unsigned a = 0; a < bp->nareas; a++) {
		p->area[a].cursor = (size_t)a * bp->area_slots;
		atomic_init(&p->area[a].used, 0);
	}
	int err = place_memory(dev, p, bytes, below, &bus);

	if (err) {
		free_records(p);
		return err;
	}
	p->bus = bus;
	err = pool_memory_registered(dev, p->cpu, bytes);
	if (err) {
		dmab__xlate_unmap(dev->xlate, dev->xlate_ctx, bus, bytes);
		drop_memory(dev, &p->mem);
		free_records(p);
		return dmab__fail(err, "%s: the simulator refused the bounce pool's memory",
				  dev->name);
	}
	*out = p;
	return 0;
}

void dmab__pool_destroy(struct dmab__pool *p)
{
	struct dmab_device *dev = p->owner->dev;
	size_t bytes = p->nslots * DMAB_POOL_SLOT_SIZE;

	pool_memory_unregistered(dev, p->cpu, bytes);
	dmab__xlate_unmap(dev->xlate, dev->xlate_ctx, p->bus, bytes);
	drop_memory(dev, &p->mem);
	free_records(p);
}
