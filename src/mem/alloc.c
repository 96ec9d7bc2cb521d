/* SPDX-License-Identifier: MIT */
/*
 * dmab_alloc_* and dmab_free_*: get a region (place.c, the provider, or
 * hugetlb pages), give it a bus address under the mask, make it known to a
 * simulator, and record it, so that a free is checked against what was
 * allocated.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../debug/debug.h"
#include "../internal.h"
#include "../os/os.h"
#include "../rules.h"
#include "mem.h"

#define PLACE_TRIES 16

static const char *const kind_fn[] = {
    [DMAB__ALLOC_NONCOHERENT] = "dmab_alloc_noncoherent",
    [DMAB__ALLOC_COHERENT] = "dmab_alloc_coherent",
    [DMAB__ALLOC_CONTIGUOUS] = "dmab_alloc_contiguous",
    [DMAB__ALLOC_POOL] = "dmab_pool_alloc",
};

/* Identity translation: a narrow mask is met by placing the region low. */
static int below_of(struct dmab_device *dev, size_t bytes, uintptr_t *below, const char *what)
{
	*below = 0;
	if (dev->xlate != &dmab__xlate_identity || dev->mask >= UINTPTR_MAX)
		return 0;
	*below = (uintptr_t)dev->mask;
	if (*below < bytes - 1 + DMAB__MEM_ALIGN)
		return dmab__fail(-ERANGE, "%s: %s: no %zu KiB fit under the DMA mask 0x%llx", what,
				  dev->name, bytes >> 10, (unsigned long long)dev->mask);
	return 0;
}

/*
 * 2 MiB hugetlb pages, on the wanted node if it has them. Which free
 * hugepage backs which address is decided at first touch, and the kernel
 * hands out its free hugepages last in, first out, so a pool reserved in
 * ascending physical order comes back descending: the hugepages are
 * touched from the top down on even tries (@attempt), from the bottom up on
 * odd ones.
 */
static int get_contiguous(struct dmab_device *dev, struct dmab__alloc *a, size_t bytes, int attempt,
			  const char *what)
{
	int want = dmab__mem_want_node(dev);

	if (!dmab__mem_adjacent(dev, bytes, DMAB__MEM_ALIGN))
		return dmab__fail(-ENOTSUP,
				  "%s: %s: %zu KiB is more than one 2 MiB hugepage, and the %s "
				  "translator cannot show hugepages are physically adjacent",
				  what, dev->name, bytes >> 10, dev->xlate->name);
	void *p = dmab__os_map(NULL, bytes, DMAB__OS_MAP_HUGE);

	if (!p)
		return dmab__fail(-ENOMEM,
				  "%s: %s: no free 2 MiB hugepage (reserve some: vm.nr_hugepages, "
				  "or /sys/devices/system/node/node%d/hugepages)",
				  what, dev->name, want);
	dmab__os_numa_prefer(p, bytes, want);
	for (size_t i = 0, n = bytes / DMAB__MEM_ALIGN; i < n; i++)
		((volatile char *)p)[(attempt % 2 == 0 ? n - 1 - i : i) * DMAB__MEM_ALIGN] = 0;
	a->mem = (struct dmab__mem){
	    .base = p, .len = bytes, .page = DMAB__MEM_ALIGN, .node = dmab__os_numa_node_of(p)};
	int err = dmab__mem_verify(dev, p, bytes, DMAB__MEM_ALIGN, want, true, &a->local);

	if (err)
		dmab__mem_free(&a->mem);
	return err;
}

/* Uncached memory from the caller's provider, checked like our own. */
static int get_provided(struct dmab_device *dev, struct dmab__alloc *a, size_t bytes,
			const char *what)
{
	const struct dmab_uncached_provider *u = dev->mem->uncached;
	int want = dmab__mem_want_node(dev);
	void *p = NULL;
	int err = u->alloc(u->ctx, bytes, want, &p);

	if (err || !p)
		return dmab__fail(err < 0 ? err : -ENOMEM, "%s: %s: provider %s gave no memory",
				  what, dev->name, u->name ? u->name : "(unnamed)");
	memset(p, 0, bytes);
	a->mem = (struct dmab__mem){.base = p, .len = bytes, .page = dmab__os_page_size()};
	a->provided = true;
	a->uncached = true;
	err = dmab__mem_verify(dev, p, bytes, a->mem.page, want, true, &a->local);
	if (err)
		u->free(u->ctx, p, bytes);
	return err;
}

static void put_region(struct dmab_device *dev, struct dmab__alloc *a)
{
	if (a->provided)
		dev->mem->uncached->free(dev->mem->uncached->ctx, a->mem.base, a->mem.len);
	else
		dmab__mem_free(&a->mem); /* pages of the area go back there */
}

static int get_region(struct dmab_device *dev, struct dmab__alloc *a, int attempt, const char *what)
{
	size_t page = dmab__os_page_size();
	size_t bytes = (a->len + page - 1) & ~(page - 1);
	uintptr_t below;
	int err;

	if (a->kind == DMAB__ALLOC_CONTIGUOUS)
		return get_contiguous(
		    dev, a, (a->len + DMAB__MEM_ALIGN - 1) & ~(DMAB__MEM_ALIGN - 1), attempt, what);
	/* A pool's chunks are coherent where coherent memory can be had. */
	if (a->kind != DMAB__ALLOC_NONCOHERENT && !dev->coherent && dev->mem->uncached)
		return get_provided(dev, a, bytes, what);
	/* The kernel's order: the device's area, its node, the default. */
	if (dmab__mem_from_area(dev, &a->mem, bytes, 0, 0, &a->local) == 0) {
		a->from_area = true;
		return 0;
	}
	err = below_of(dev, bytes, &below, what);
	if (err)
		return err;
	return dmab__mem_place_as(dev, &a->mem, bytes, below, &a->local);
}

/*
 * Registered with the translator (which pins or maps it), a bus address
 * under the mask, known to the simulator. -ERANGE: the bus address is out of
 * reach; -EXDEV: the translator has no single bus range for it (pages that
 * are not physically adjacent).
 */
static int expose(struct dmab_device *dev, struct dmab__alloc *a, const char *what)
{
	char why[200]; /* the translator's own words */
	int err = dmab__xlate_own(dev, a->mem.base, a->mem.len);

	if (err) {
		snprintf(why, sizeof(why), "%s", dmab_last_error());
		return dmab__fail(err, "%s: %s: the %s translator refused the memory (%s)", what,
				  dev->name, dev->xlate->name, why);
	}
	err = dmab__xlate_map(dev->xlate, dev->xlate_ctx, a->mem.base, a->mem.len, &a->dma);
	if (!err && !dmab__dma_capable(dev->mask, a->dma, a->mem.len)) {
		dmab__xlate_unmap(dev->xlate, dev->xlate_ctx, a->dma, a->mem.len);
		err = -ERANGE;
	}
	if (err) {
		dmab__xlate_disown(dev, a->mem.base, a->mem.len);
		if (err == -EXDEV)
			return dmab__fail(err,
					  "%s: %s: the %s translator has no one bus range for "
					  "%zu KiB: its pages are not physically adjacent",
					  what, dev->name, dev->xlate->name, a->mem.len >> 10);
		return dmab__fail(err, "%s: %s: the %s translator gives no bus range under 0x%llx",
				  what, dev->name, dev->xlate->name, (unsigned long long)dev->mask);
	}
	err = dmab__arch_owned(&dev->arch, a->uncached ? DMAB__OWNED_UNCACHED : DMAB__OWNED_CACHED,
			       a->mem.base, a->mem.len);
	if (err) {
		dmab__xlate_unmap(dev->xlate, dev->xlate_ctx, a->dma, a->mem.len);
		dmab__xlate_disown(dev, a->mem.base, a->mem.len);
		return dmab__fail(err, "%s: %s: the simulator refused the memory", what, dev->name);
	}
	return 0;
}

static void unexpose(struct dmab_device *dev, struct dmab__alloc *a)
{
	(void)dmab__arch_owned(&dev->arch, DMAB__OWNED_GONE, a->mem.base, a->mem.len);
	dmab__xlate_unmap(dev->xlate, dev->xlate_ctx, a->dma, a->mem.len);
	dmab__xlate_disown(dev, a->mem.base, a->mem.len);
}

/*
 * A region the device can reach. Where a page's bus address is wherever the
 * kernel put it (pagemap: physical), the first region may be out of reach
 * or, for several hugepages, not adjacent: it is held and another asked for
 * (so that the same pages do not come back), PLACE_TRIES times at most.
 * A refused region's count is taken back: the stats count what is kept.
 */
static int get_reachable(struct dmab_device *dev, struct dmab__alloc *a, const char *what)
{
	struct dmab__mem held[PLACE_TRIES];
	int n = 0, err;
	bool apart = false; /* a region was refused for not being one run */

	for (;;) {
		err = get_region(dev, a, n, what);
		if (err)
			break;
		err = expose(dev, a, what);
		if (!err)
			break;
		apart |= err == -EXDEV;
		bool again = (err == -ERANGE || err == -EXDEV) && !a->provided && !a->from_area &&
			     dev->xlate != &dmab__xlate_identity && n < PLACE_TRIES;

		dmab__mem_uncount(dev, a->local);
		if (!again) {
			put_region(dev, a);
			break;
		}
		held[n++] = a->mem;
	}
	int tried = n + (err == -EXDEV);

	while (n > 0)
		dmab__mem_free(&held[--n]);
	/* Out of hugepages after runs that were not adjacent says the same. */
	if (apart && (err == -EXDEV || err == -ENOMEM))
		return dmab__fail(-ENOMEM,
				  "%s: %s: no physically adjacent run of %zu pages of %zu KiB "
				  "(%d tried; reserve more hugepages, or ask for one at a time)",
				  what, dev->name, a->mem.len / a->mem.page, a->mem.page >> 10,
				  tried);
	return err;
}

int dmab__alloc(struct dmab_device *dev, enum dmab__alloc_kind kind, enum dmab_dir dir, size_t len,
		void **cpu, dmab_addr_t *dma, const char *what)
{
	if (!dev || !cpu || !dma)
		return dmab__fail(-EINVAL, "%s: NULL %s", what, !dev ? "device" : "output");
	if (len == 0 || len > DMAB_ALLOC_MAX)
		return dmab__fail(-EINVAL, "%s: length %zu is not 1 to %zu", what, len,
				  DMAB_ALLOC_MAX);
	if (!dmab__dir_ok(dir))
		return dmab__fail(-EINVAL, "%s: unknown direction %d", what, (int)dir);
	if (kind == DMAB__ALLOC_COHERENT && !dev->coherent && !dev->mem->uncached)
		return dmab__fail(-EOPNOTSUPP,
				  "%s: %s is not coherent and has no uncached memory provider "
				  "(dmab_device_config.uncached): use dmab_alloc_noncoherent() and "
				  "dmab_sync_single_for_device/cpu(), or configure a provider "
				  "(a u-dma-buf, an O_SYNC /dev/mem-style device)",
				  what, dev->name);

	struct dmab__dbg_pend *dp = NULL;

	if (dmab__debug_on(dev) && dmab__debug_alloc_begin_(dev, &dp))
		return -ENOMEM;
	struct dmab__alloc *a = calloc(1, sizeof(*a));

	if (!a) {
		dmab__debug_abort(dev, dp);
		return dmab__fail(-ENOMEM, "%s: out of memory", what);
	}
	a->kind = kind;
	a->dir = dir;
	a->len = len;
	int err = get_reachable(dev, a, what);

	if (err) {
		free(a);
		dmab__debug_abort(dev, dp);
		return err;
	}
	a->cpu = a->mem.base;
	pthread_mutex_lock(&dev->mem->lock);
	a->next = dev->mem->allocs;
	dev->mem->allocs = a;
	dev->mem->live++;
	pthread_mutex_unlock(&dev->mem->lock);
	*cpu = a->cpu;
	*dma = a->dma;
	if (dp)
		dmab__debug_alloc_end_(
		    dev, dp, &DMAB__DBG_CALL(what, DMAB_DEBUG_KIND_ALLOC, dir, 0, 1, false), a->cpu,
		    a->dma, a->len);
	return 0;
}

/* The record's mismatch with the free call, or NULL if there is none. */
static const char *mismatch(const struct dmab__alloc *a, enum dmab__alloc_kind kind,
			    enum dmab_dir dir, size_t len, dmab_addr_t dma)
{
	if (a->kind != kind)
		return "was allocated by another function";
	if (a->len != len)
		return "was allocated with another length";
	if (a->dma != dma)
		return "has another bus address";
	if (kind == DMAB__ALLOC_NONCOHERENT && a->dir != dir)
		return "was allocated for another direction";
	return NULL;
}

int dmab__free(struct dmab_device *dev, enum dmab__alloc_kind kind, enum dmab_dir dir, size_t len,
	       void *cpu, dmab_addr_t dma, const char *what)
{
	if (!dev || !cpu)
		return dmab__fail(-EINVAL, "%s: NULL %s", what, !dev ? "device" : "address");
	struct dmab__mem_dev *m = dev->mem;
	struct dmab__alloc **pp, *a;
	const char *why = "is not a live allocation of this device";
	enum dmab__alloc_kind was = kind;

	pthread_mutex_lock(&m->lock);
	for (pp = &m->allocs; (a = *pp); pp = &a->next) {
		if (a->cpu != cpu)
			continue;
		was = a->kind;
		why = mismatch(a, kind, dir, len, dma);
		if (!why) {
			*pp = a->next;
			m->live--;
		}
		break;
	}
	pthread_mutex_unlock(&m->lock);
	if (!a || why) {
		if (was != kind)
			return dmab__fail(-EINVAL, "%s: %s: %p %s (%s); nothing freed", what,
					  dev->name, cpu, why, kind_fn[was]);
		return dmab__fail(-EINVAL, "%s: %s: %p %s; nothing freed", what, dev->name, cpu,
				  why);
	}
	if (dmab__debug_on(dev))
		dmab__debug_free_(dev, a->dma);
	unexpose(dev, a);
	put_region(dev, a);
	free(a);
	return 0;
}

int dmab_alloc_noncoherent(struct dmab_device *dev, size_t len, enum dmab_dir dir, void **cpu,
			   dmab_addr_t *dma)
{
	return dmab__alloc(dev, DMAB__ALLOC_NONCOHERENT, dir, len, cpu, dma, "alloc_noncoherent");
}

int dmab_free_noncoherent(struct dmab_device *dev, size_t len, void *cpu, dmab_addr_t dma,
			  enum dmab_dir dir)
{
	return dmab__free(dev, DMAB__ALLOC_NONCOHERENT, dir, len, cpu, dma, "free_noncoherent");
}

int dmab_alloc_coherent(struct dmab_device *dev, size_t len, void **cpu, dmab_addr_t *dma)
{
	return dmab__alloc(dev, DMAB__ALLOC_COHERENT, DMAB_BIDIRECTIONAL, len, cpu, dma,
			   "alloc_coherent");
}

int dmab_free_coherent(struct dmab_device *dev, size_t len, void *cpu, dmab_addr_t dma)
{
	return dmab__free(dev, DMAB__ALLOC_COHERENT, DMAB_BIDIRECTIONAL, len, cpu, dma,
			  "free_coherent");
}

int dmab_alloc_contiguous(struct dmab_device *dev, size_t len, void **cpu, dmab_addr_t *dma)
{
	return dmab__alloc(dev, DMAB__ALLOC_CONTIGUOUS, DMAB_BIDIRECTIONAL, len, cpu, dma,
			   "alloc_contiguous");
}

int dmab_free_contiguous(struct dmab_device *dev, size_t len, void *cpu, dmab_addr_t dma)
{
	return dmab__free(dev, DMAB__ALLOC_CONTIGUOUS, DMAB_BIDIRECTIONAL, len, cpu, dma,
			  "free_contiguous");
}
