/* SPDX-License-Identifier: MIT */
/* The test seam (seam.h): the one file of tests/ that includes src/. */
#include "seam.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>

#include "../../src/internal.h"
#include "../../arch/sim/owned.h"
#include "../../src/batch.h"
#include "../../src/bounce/areas.h"

static enum dmab__op op_of(enum dmab_trace_op op)
{
	switch (op) {
	case DMAB_TRACE_CLEAN:
		return DMAB__CLEAN;
	case DMAB_TRACE_INVAL:
		return DMAB__INVAL;
	default:
		return DMAB__CLEAN_INVAL;
	}
}

int seam_batch_enter(struct dmab_batch *b, struct dmab_device *dev)
{
	return dmab__batch_enter(dmab__batch_of(b), dev);
}

void seam_batch_range(struct dmab_batch *b, int part, enum dmab_trace_op op, uintptr_t start,
		      size_t len)
{
	dmab__batch_range(dmab__batch_of(b), part, op_of(op), start, len);
}

void seam_batch_defer_copy(struct dmab_batch *b, int part, void *dst, const void *src, size_t len)
{
	(void)dmab__batch_defer_copy(dmab__batch_of(b), part, dst, src, len);
}

void seam_batch_leave(struct dmab_batch *b, int part)
{
	dmab__batch_leave(dmab__batch_of(b), part);
}

size_t seam_ctr_blocks(struct dmab_device *dev)
{
	size_t n = 0;

	pthread_mutex_lock(&dev->c.lock);
	for (struct dmab__ctr_block *b = dev->c.blocks; b; b = b->next)
		n++;
	pthread_mutex_unlock(&dev->c.lock);
	return n;
}

uint64_t seam_ctr_id(const struct dmab_device *dev)
{
	return dev->c.id;
}

uint64_t seam_ctr_shared_maps(struct dmab_device *dev)
{
	return atomic_load(&dev->c.shared.v[DMAB__CTR_MAPS]);
}

size_t seam_ctr_cache_size(void)
{
	return DMAB__CTR_CACHE;
}

static void *no_memory(size_t align, size_t size)
{
	(void)align;
	(void)size;
	errno = ENOMEM;
	return NULL;
}

void seam_ctr_fail_alloc(bool fail)
{
	dmab__ctr_alloc = fail ? no_memory : aligned_alloc;
}

int seam_owned_register(struct dmab_device *dev, void *base, size_t len, bool uncached)
{
	return uncached ? dmab__sim_register_owned_uncached(dev, base, len)
			: dmab__sim_register_owned(dev, base, len);
}

int seam_owned_unregister(struct dmab_device *dev, void *base, size_t len)
{
	return dmab__sim_unregister_owned(dev, base, len);
}

unsigned seam_bounce_areas(const struct dmab_device *dev)
{
	return dev->bounce_pools ? dev->bounce_pools->nareas : 0;
}
