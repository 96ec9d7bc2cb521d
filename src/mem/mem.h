/* SPDX-License-Identifier: MIT */
/*
 * DMA memory for a device: placement on its node with the kernel's fallback
 * order and a check after first touch (place.c), the record of every
 * allocation (alloc.c), fixed-size block pools (dmapool.c). Kept apart from
 * the bounce pools, which only take their regions from place.c (SEMANTICS
 * §7: the pool that bounces is not the allocator).
 */
#ifndef DMAB_MEM_H
#define DMAB_MEM_H

#include <dmabatch.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "../bounce/memory.h"

enum dmab__alloc_kind {
	DMAB__ALLOC_NONCOHERENT,
	DMAB__ALLOC_COHERENT,
	DMAB__ALLOC_CONTIGUOUS,
	DMAB__ALLOC_POOL, /* a chunk of a struct dmab_pool */
};

/* One allocation, as recorded. */
struct dmab__alloc {
	struct dmab__alloc *next;
	enum dmab__alloc_kind kind;
	enum dmab_dir dir; /* non-coherent only */
	bool provided;	   /* from the uncached provider, not dmab__mem_place() */
	bool uncached;	   /* registered with a simulator as uncached */
	bool from_area;	   /* pages of the device's area (area.c) */
	bool local;	   /* counted as local, not as a fallback */
	void *cpu;
	dmab_addr_t dma;
	size_t len;	      /* as asked */
	struct dmab__mem mem; /* the region: len rounded up to pages */
};

/* A device's own area (area.c); empty (@used NULL) without one. */
struct dmab__dev_area {
	struct dmab__mem mem;
	size_t pages;
	uint64_t *used; /* one bit per page of @mem, under the device's lock */
};

/* A device's part (struct dmab_device.mem). */
struct dmab__mem_dev {
	pthread_mutex_t lock;
	struct dmab__alloc *allocs;
	uint64_t live; /* allocations in @allocs */
	unsigned pools;
	bool strict;
	const struct dmab_uncached_provider *uncached;
	struct dmab__dev_area area;
	uint64_t local, fallback, mismatch, unverified;
	uint64_t node_local[DMAB_STATS_NODES], node_fallback[DMAB_STATS_NODES];
};

struct dmab_device;
struct dmab_device_config;

int dmab__memdev_init(struct dmab_device *dev, const struct dmab_device_config *cfg);
void dmab__memdev_fini(struct dmab_device *dev);
/* -EBUSY (with the message) while allocations or pools are live. */
int dmab__memdev_busy(struct dmab_device *dev);
void dmab__memdev_stats(const struct dmab_device *dev, struct dmab_stats *out);

/*
 * The device's area: reserve @size bytes (0: none) with dmab__mem_place(),
 * give it back; take whole pages of it, the run starting @align bytes
 * aligned (0: a page; NULL when it has no such run) and give them back.
 */
int dmab__area_init(struct dmab_device *dev, size_t size);
void dmab__area_fini(struct dmab_device *dev);
void *dmab__area_take(struct dmab_device *dev, size_t bytes, size_t align);
void dmab__area_give(struct dmab_device *dev, void *p, size_t bytes);
/*
 * A region of the device's area (dmab__mem_free() gives it back), zeroed,
 * checked and counted like any other. Return: 0; -ENOMEM when the area has
 * no such run (under @below, if not 0); -ENOMEM for a strict mismatch.
 */
int dmab__mem_from_area(struct dmab_device *dev, struct dmab__mem *m, size_t bytes, size_t align,
			uintptr_t below, bool *counted_local);

/*
 * The node a device's memory is wanted on: its own, or for a device with
 * none (-1) the calling CPU's.
 */
int dmab__mem_want_node(const struct dmab_device *dev);

/*
 * A region of @len bytes (a multiple of the base page size) for @dev, under
 * virtual address @below (0: anywhere), in the fallback order: the device's
 * area (a 2 MiB aligned run, for a bounce pool), the node wanted when the
 * topology says it has the memory, else the default policy. Its pages are
 * then checked, and the outcome counted. Return: 0; -ENOMEM (no memory, or
 * off its node with numa_strict); -EINVAL.
 */
int dmab__mem_place(struct dmab_device *dev, struct dmab__mem *m, size_t len, uintptr_t below);
/* The same without the area (an allocation asks it first itself), saying
 * in *@counted_local how the region was counted. */
int dmab__mem_place_as(struct dmab_device *dev, struct dmab__mem *m, size_t len, uintptr_t below,
		       bool *counted_local);

/* Check where the pages of [@base, @base + @len) went, against @want, and
 * count it (*@counted_local, if not NULL, says as local or as a fallback);
 * with @chose_node false the region was a fallback already.
 * Return: 0, or -ENOMEM for a mismatch on a strict device. */
int dmab__mem_verify(struct dmab_device *dev, void *base, size_t len, size_t page, int want,
		     bool chose_node, bool *counted_local);
/* Take back the count of a region the translator refused (not a mismatch
 * or an unverified page: those were seen). */
void dmab__mem_uncount(struct dmab_device *dev, bool local);

/*
 * Could @len bytes of hugepages of @page bytes have one bus range? One page
 * always; several where the translator can tell when they are registered
 * (pagemap: only physically adjacent ones; an IOMMU's: any), not with
 * identity translation, which knows no physical addresses.
 */
bool dmab__mem_adjacent(const struct dmab_device *dev, size_t len, size_t page);

/*
 * Allocate and record: the body of every dmab_alloc_* and of a pool's chunk.
 * @what names the caller for messages. Return as dmab_alloc_coherent().
 */
int dmab__alloc(struct dmab_device *dev, enum dmab__alloc_kind kind, enum dmab_dir dir, size_t len,
		void **cpu, dmab_addr_t *dma, const char *what);
/* Find the record of @cpu, check it against the rest and free it. */
int dmab__free(struct dmab_device *dev, enum dmab__alloc_kind kind, enum dmab_dir dir, size_t len,
	       void *cpu, dmab_addr_t dma, const char *what);

#endif /* DMAB_MEM_H */
