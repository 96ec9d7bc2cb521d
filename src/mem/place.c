/* SPDX-License-Identifier: MIT */
/*
 * Where a device's memory goes, in the kernel's order (dma_alloc_contiguous,
 * SEMANTICS §12): the device's node when it has the memory, else the
 * default policy rather than a failure. The topology (src/os/topology.h)
 * says which nodes exist and what they have free; after first touch the
 * pages are asked where they are (move_pages in query mode), so the
 * counts say where memory is, not where it was meant to be.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../internal.h"
#include "../os/os.h"
#include "../os/topology.h"
#include "mem.h"

int dmab__memdev_init(struct dmab_device *dev, const struct dmab_device_config *cfg)
{
	struct dmab__mem_dev *m = calloc(1, sizeof(*m));

	if (!m)
		return dmab__fail(-ENOMEM, "device_create: out of memory");
	if (pthread_mutex_init(&m->lock, NULL) != 0) {
		free(m);
		return dmab__fail(-ENOMEM, "device_create: out of memory");
	}
	m->strict = cfg->numa_strict;
	m->uncached = cfg->uncached;
	dev->mem = m;
	int err = dmab__area_init(dev, cfg->numa_area_size);

	if (err) {
		pthread_mutex_destroy(&m->lock);
		free(m);
		dev->mem = NULL;
	}
	return err;
}

void dmab__memdev_fini(struct dmab_device *dev)
{
	if (!dev->mem)
		return;
	dmab__area_fini(dev);
	pthread_mutex_destroy(&dev->mem->lock);
	free(dev->mem);
	dev->mem = NULL;
}

int dmab__memdev_busy(struct dmab_device *dev)
{
	struct dmab__mem_dev *m = dev->mem;

	pthread_mutex_lock(&m->lock);
	uint64_t live = m->live;
	unsigned pools = m->pools;

	pthread_mutex_unlock(&m->lock);
	if (pools)
		return dmab__fail(-EBUSY, "device_destroy: %s: %u DMA pools not destroyed",
				  dev->name, pools);
	if (live)
		return dmab__fail(-EBUSY, "device_destroy: %s: %llu DMA allocations not freed",
				  dev->name, (unsigned long long)live);
	return 0;
}

void dmab__memdev_stats(const struct dmab_device *dev, struct dmab_stats *out)
{
	struct dmab__mem_dev *m = dev->mem;

	pthread_mutex_lock(&m->lock);
	out->numa_node = dev->numa_node;
	out->alloc_local = m->local;
	out->alloc_fallback = m->fallback;
	out->alloc_mismatch = m->mismatch;
	out->alloc_unverified = m->unverified;
	out->alloc_live = m->live;
	memcpy(out->alloc_node_local, m->node_local, sizeof(m->node_local));
	memcpy(out->alloc_node_fallback, m->node_fallback, sizeof(m->node_fallback));
	pthread_mutex_unlock(&m->lock);
}

int dmab__mem_want_node(const struct dmab_device *dev)
{
	return dev->numa_node >= 0 ? dev->numa_node : dmab__topo_local_node();
}

int dmab__mem_verify(struct dmab_device *dev, void *base, size_t len, size_t page, int want,
		     bool chose_node, bool *counted_local)
{
	struct dmab__mem_dev *m = dev->mem;
	struct dmab__placement pl;

	dmab__topo()->query(base, len, page, want, &pl);
	bool off = pl.elsewhere > 0;
	bool local = chose_node && !off;
	int err = 0;

	pthread_mutex_lock(&m->lock);
	if (chose_node && off)
		m->mismatch++;
	if (pl.unknown)
		m->unverified++;
	if (chose_node && off && m->strict) {
		err = -ENOMEM;
	} else if (local) {
		m->local++;
		if (want < DMAB_STATS_NODES)
			m->node_local[want]++;
	} else {
		m->fallback++;
		if (want < DMAB_STATS_NODES)
			m->node_fallback[want]++;
	}
	pthread_mutex_unlock(&m->lock);
	if (counted_local)
		*counted_local = local;
	if (err)
		return dmab__fail(err,
				  "%s: %zu of %zu pages are not on node %d (numa_strict): the node "
				  "ran out of memory after it was chosen",
				  dev->name, pl.elsewhere, pl.pages, want);
	return 0;
}

/* Has @node room for @len more bytes? A node that will not say is tried. */
static bool has_room(int node, size_t len)
{
	const struct dmab__topo_ops *t = dmab__topo();
	long long free_bytes;

	if (!t->node_online(node))
		return false;
	free_bytes = t->node_free(node);
	return free_bytes < 0 || (unsigned long long)free_bytes >= len;
}

void dmab__mem_uncount(struct dmab_device *dev, bool local)
{
	struct dmab__mem_dev *m = dev->mem;
	int want = dmab__mem_want_node(dev);

	pthread_mutex_lock(&m->lock);
	if (local) {
		m->local--;
		if (want < DMAB_STATS_NODES)
			m->node_local[want]--;
	} else {
		m->fallback--;
		if (want < DMAB_STATS_NODES)
			m->node_fallback[want]--;
	}
	pthread_mutex_unlock(&m->lock);
}

int dmab__mem_place_as(struct dmab_device *dev, struct dmab__mem *m, size_t len, uintptr_t below,
		       bool *counted_local)
{
	int want = dmab__mem_want_node(dev);
	bool chose_node = has_room(want, len);

	*m = (struct dmab__mem){.base = NULL};
	int err = dmab__mem_alloc(m, len, chose_node ? want : -1, below);

	if (err)
		return dmab__fail(err, "%s: no %zu KiB of memory%s", dev->name, len >> 10,
				  below ? " under the DMA mask" : "");
	err = dmab__mem_verify(dev, m->base, m->len, m->page, want, chose_node, counted_local);
	if (err)
		dmab__mem_free(m);
	return err;
}

int dmab__mem_place(struct dmab_device *dev, struct dmab__mem *m, size_t len, uintptr_t below)
{
	/* The kernel's order: the device's own area first. */
	if (dmab__mem_from_area(dev, m, len, DMAB__MEM_ALIGN, below, NULL) == 0)
		return 0;
	return dmab__mem_place_as(dev, m, len, below, NULL);
}

bool dmab__mem_adjacent(const struct dmab_device *dev, size_t len, size_t page)
{
	/* Identity translation knows no physical addresses: one page only.
	 * The others answer for a run when it is registered: one bus range
	 * (an IOMMU's, or physically adjacent pages), or -EXDEV. */
	return len <= page || dev->xlate != &dmab__xlate_identity;
}
