/* SPDX-License-Identifier: MIT */
/*
 * A device's own area (the kernel's per-device CMA area, first in
 * dma_alloc_contiguous's order): memory reserved on the device's node when
 * the device is made, while the node still has it, and handed out page by
 * page (first fit) before the node or the default policy is asked, to
 * allocations and to bounce pools (2 MiB aligned runs).
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../internal.h"
#include "../os/os.h"
#include "mem.h"

int dmab__area_init(struct dmab_device *dev, size_t size)
{
	struct dmab__dev_area *a = &dev->mem->area;
	uintptr_t below = 0;

	if (!size)
		return 0;
	if (size > DMAB_ALLOC_MAX)
		return dmab__fail(-EINVAL, "device_create: numa_area_size %zu is more than %zu",
				  size, DMAB_ALLOC_MAX);
	size = (size + DMAB__MEM_ALIGN - 1) & ~(DMAB__MEM_ALIGN - 1);
	if (dev->xlate == &dmab__xlate_identity && dev->mask < UINTPTR_MAX)
		below = (uintptr_t)dev->mask;
	int err = dmab__mem_place(dev, &a->mem, size, below);

	if (err)
		return err;
	a->pages = size / a->mem.page;
	a->used = calloc((a->pages + 63) / 64, sizeof(*a->used));
	if (!a->used) {
		dmab__mem_free(&a->mem);
		return dmab__fail(-ENOMEM, "device_create: out of memory");
	}
	return 0;
}

void dmab__area_fini(struct dmab_device *dev)
{
	struct dmab__dev_area *a = &dev->mem->area;

	if (!a->used)
		return;
	dmab__mem_free(&a->mem);
	free(a->used);
	a->used = NULL;
}

static bool used(const struct dmab__dev_area *a, size_t i)
{
	return a->used[i / 64] & (UINT64_C(1) << (i % 64));
}

static void mark(struct dmab__dev_area *a, size_t first, size_t n, bool on)
{
	for (size_t i = first; i < first + n; i++) {
		if (on)
			a->used[i / 64] |= UINT64_C(1) << (i % 64);
		else
			a->used[i / 64] &= ~(UINT64_C(1) << (i % 64));
	}
}

void *dmab__area_take(struct dmab_device *dev, size_t bytes, size_t align)
{
	struct dmab__dev_area *a = &dev->mem->area;
	void *p = NULL;

	if (!a->used || bytes % a->mem.page)
		return NULL;
	size_t n = bytes / a->mem.page, step = align > a->mem.page ? align / a->mem.page : 1;
	size_t start = SIZE_MAX; /* of the free run being counted */

	pthread_mutex_lock(&dev->mem->lock);
	for (size_t i = 0; i < a->pages && !p; i++) {
		if (used(a, i)) {
			start = SIZE_MAX;
			continue;
		}
		/* A run starts only on an aligned page; one that meets a used
		 * page is abandoned, as every aligned start inside it would be. */
		if (start == SIZE_MAX && i % step)
			continue;
		if (start == SIZE_MAX)
			start = i;
		if (i + 1 - start == n) {
			mark(a, start, n, true);
			p = (char *)a->mem.base + start * a->mem.page;
		}
	}
	pthread_mutex_unlock(&dev->mem->lock);
	return p;
}

void dmab__area_give(struct dmab_device *dev, void *p, size_t bytes)
{
	struct dmab__dev_area *a = &dev->mem->area;
	size_t first = (size_t)((char *)p - (char *)a->mem.base) / a->mem.page;

	pthread_mutex_lock(&dev->mem->lock);
	mark(a, first, bytes / a->mem.page, false);
	pthread_mutex_unlock(&dev->mem->lock);
}

int dmab__mem_from_area(struct dmab_device *dev, struct dmab__mem *m, size_t bytes, size_t align,
			uintptr_t below, bool *counted_local)
{
	const struct dmab__dev_area *a = &dev->mem->area;
	void *p = dmab__area_take(dev, bytes, align);

	if (p && below && (uintptr_t)p + (bytes - 1) > below) {
		dmab__area_give(dev, p, bytes);
		p = NULL;
	}
	if (!p)
		return -ENOMEM;
	memset(p, 0, bytes);
	*m = (struct dmab__mem){
	    .base = p, .len = bytes, .page = a->mem.page, .node = a->mem.node, .area_of = dev};
	int want = dmab__mem_want_node(dev);
	int err =
	    dmab__mem_verify(dev, p, bytes, m->page, want, a->mem.node == want, counted_local);

	if (err)
		dmab__mem_free(m);
	return err;
}
