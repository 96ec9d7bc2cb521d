/* SPDX-License-Identifier: MIT */
/*
 * dmab_pool_*: fixed-size blocks cut from page-sized (or larger) chunks of
 * device memory, as the kernel's dma_pool: each block's bus address is a
 * multiple of the alignment, and no block crosses a multiple of the
 * boundary. Chunks are recorded allocations (alloc.c) and stay until the
 * pool is destroyed.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../internal.h"
#include "../os/os.h"
#include "mem.h"

struct chunk {
	struct chunk *next;
	uint8_t *cpu;
	dmab_addr_t dma;
	size_t nblocks, nused;
	uint32_t *off;	/* each block's offset, ascending */
	uint64_t *used; /* one bit per block */
};

struct dmab_pool {
	struct dmab_device *dev;
	char name[DMAB_NAME_MAX];
	size_t size, stride, align, boundary, chunk_len;
	pthread_mutex_t lock;
	struct chunk *chunks;
	uint64_t live;
};

static bool pow2(size_t v)
{
	return v && !(v & (v - 1));
}

int dmab_pool_create(struct dmab_device *dev, const char *name, size_t size, size_t align,
		     size_t boundary, struct dmab_pool **out)
{
	size_t page = dmab__os_page_size();

	if (!dev || !out)
		return dmab__fail(-EINVAL, "pool_create: NULL %s", !dev ? "device" : "output");
	if (align == 0)
		align = 8;
	if (size == 0 || size > DMAB__MEM_ALIGN)
		return dmab__fail(-EINVAL, "pool_create: block size %zu is not 1 to %zu", size,
				  DMAB__MEM_ALIGN);
	if (!pow2(align) || align > page)
		return dmab__fail(-EINVAL,
				  "pool_create: alignment %zu is not a power of two up to the "
				  "page size %zu",
				  align, page);
	if (boundary && (!pow2(boundary) || boundary < size || boundary < align))
		return dmab__fail(-EINVAL,
				  "pool_create: boundary %zu is not a power of two at least the "
				  "block size %zu and alignment %zu",
				  boundary, size, align);

	struct dmab_pool *p = calloc(1, sizeof(*p));

	if (!p)
		return dmab__fail(-ENOMEM, "pool_create: out of memory");
	if (pthread_mutex_init(&p->lock, NULL) != 0) {
		free(p);
		return dmab__fail(-ENOMEM, "pool_create: out of memory");
	}
	p->dev = dev;
	snprintf(p->name, sizeof(p->name), "%s", name ? name : "pool");
	p->size = size;
	p->align = align;
	p->stride = (size + align - 1) & ~(align - 1);
	p->boundary = boundary;
	p->chunk_len = (size + page - 1) & ~(page - 1);
	pthread_mutex_lock(&dev->mem->lock);
	dev->mem->pools++;
	pthread_mutex_unlock(&dev->mem->lock);
	*out = p;
	return 0;
}

/* Lay blocks out over a chunk at bus address @dma; @off NULL only counts. */
static size_t layout(const struct dmab_pool *p, dmab_addr_t dma, uint32_t *off)
{
	dmab_addr_t d = (dma + p->align - 1) & ~(dmab_addr_t)(p->align - 1);
	size_t n = 0;

	while (d - dma + p->size <= p->chunk_len) {
		if (p->boundary && d / p->boundary != (d + p->size - 1) / p->boundary) {
			d = (d | (p->boundary - 1)) + 1; /* the next boundary is aligned too */
			continue;
		}
		if (off)
			off[n] = (uint32_t)(d - dma);
		n++;
		d += p->stride;
	}
	return n;
}

static void chunk_free(struct dmab_pool *p, struct chunk *c)
{
	(void)dmab__free(p->dev, DMAB__ALLOC_POOL, DMAB_BIDIRECTIONAL, p->chunk_len, c->cpu, c->dma,
			 "pool_destroy");
	free(c->off);
	free(c->used);
	free(c);
}

static int chunk_new(struct dmab_pool *p, struct chunk **out)
{
	struct chunk *c = calloc(1, sizeof(*c));
	void *cpu;

	if (!c)
		return dmab__fail(-ENOMEM, "pool_alloc: out of memory");
	int err = dmab__alloc(p->dev, DMAB__ALLOC_POOL, DMAB_BIDIRECTIONAL, p->chunk_len, &cpu,
			      &c->dma, "pool_alloc");

	if (err) {
		free(c);
		return err;
	}
	c->cpu = cpu;
	c->nblocks = layout(p, c->dma, NULL);
	c->off = calloc(c->nblocks ? c->nblocks : 1, sizeof(*c->off));
	c->used = calloc((c->nblocks + 63) / 64 + 1, sizeof(*c->used));
	if (!c->nblocks || !c->off || !c->used) {
		err = c->nblocks ? -ENOMEM : -ERANGE;
		chunk_free(p, c);
		return dmab__fail(err, "pool_alloc: %s: %s", p->name,
				  err == -ERANGE ? "no block fits in a chunk at this bus address"
						 : "out of memory");
	}
	(void)layout(p, c->dma, c->off);
	c->next = p->chunks;
	p->chunks = c;
	*out = c;
	return 0;
}

int dmab_pool_alloc(struct dmab_pool *p, void **cpu, dmab_addr_t *dma)
{
	struct chunk *c;
	int err = 0;

	if (!p || !cpu || !dma)
		return dmab__fail(-EINVAL, "pool_alloc: NULL %s", !p ? "pool" : "output");
	pthread_mutex_lock(&p->lock);
	for (c = p->chunks; c && c->nused == c->nblocks; c = c->next)
		;
	if (!c)
		err = chunk_new(p, &c);
	if (err) {
		pthread_mutex_unlock(&p->lock);
		return err;
	}
	size_t i = 0;

	while (c->used[i / 64] == UINT64_MAX)
		i += 64;
	while (c->used[i / 64] & (UINT64_C(1) << (i % 64)))
		i++;
	c->used[i / 64] |= UINT64_C(1) << (i % 64);
	c->nused++;
	p->live++;
	pthread_mutex_unlock(&p->lock);
	memset(c->cpu + c->off[i], 0, p->size);
	*cpu = c->cpu + c->off[i];
	*dma = c->dma + c->off[i];
	return 0;
}

/* The index of the block at offset @o of @c, or -1. */
static long block_at(const struct chunk *c, size_t o)
{
	size_t lo = 0, hi = c->nblocks;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (c->off[mid] == o)
			return (long)mid;
		if (c->off[mid] < o)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

int dmab_pool_free(struct dmab_pool *p, void *cpu, dmab_addr_t dma)
{
	const char *why = "is not a block of this pool";
	struct chunk *c;

	if (!p || !cpu)
		return dmab__fail(-EINVAL, "pool_free: NULL %s", !p ? "pool" : "block");
	pthread_mutex_lock(&p->lock);
	for (c = p->chunks; c; c = c->next) {
		if ((uint8_t *)cpu < c->cpu || (uint8_t *)cpu >= c->cpu + p->chunk_len)
			continue;
		size_t o = (size_t)((uint8_t *)cpu - c->cpu);
		long i = block_at(c, o);
		uint64_t bit = i < 0 ? 0 : UINT64_C(1) << (i % 64);

		if (i < 0)
			break;
		if (c->dma + o != dma) {
			why = "has another bus address";
		} else if (!(c->used[i / 64] & bit)) {
			why = "is already free";
		} else {
			c->used[i / 64] &= ~bit;
			c->nused--;
			p->live--;
			why = NULL;
		}
		break;
	}
	pthread_mutex_unlock(&p->lock);
	if (why)
		return dmab__fail(-EINVAL, "pool_free: %s: block %p %s", p->name, cpu, why);
	return 0;
}

int dmab_pool_destroy(struct dmab_pool *p)
{
	if (!p)
		return dmab__fail(-EINVAL, "pool_destroy: NULL pool");
	pthread_mutex_lock(&p->lock);
	uint64_t live = p->live;

	pthread_mutex_unlock(&p->lock);
	if (live)
		return dmab__fail(-EBUSY, "pool_destroy: %s: %llu blocks still allocated", p->name,
				  (unsigned long long)live);
	while (p->chunks) {
		struct chunk *c = p->chunks;

		p->chunks = c->next;
		chunk_free(p, c);
	}
	struct dmab__mem_dev *m = p->dev->mem;

	pthread_mutex_lock(&m->lock);
	m->pools--;
	pthread_mutex_unlock(&m->lock);
	pthread_mutex_destroy(&p->lock);
	free(p);
	return 0;
}
