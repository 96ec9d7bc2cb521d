/* SPDX-License-Identifier: MIT */
/*
 * Bounce pools: the data structures the bounce folder shares, and one
 * pool's making and unmaking (pool.c).
 *
 * A device that may bounce owns one struct dmab__bounce_pools: its areas (a
 * lock and counters each), the alignment rules, and an RCU-read list of
 * pools. The first pool is made at the first bounce and lives as long as the
 * device; extra pools are added when every pool is full and given back,
 * after a grace period, when they empty.
 *
 *   bounce.h   what the rest of the library calls (policy.c, slots.c)
 *   policy.c   configuration, the decision to bounce, placement, stats
 *   slots.c    mappings on slots: records, lookup by bus address, copies
 *   areas.c    areas, slot allocation and free, high-water mark, growth
 *   pool.c     one pool: its memory and slot records, made and unmade
 *   memory.c   the memory pools are made of (through src/os/)
 *   bitmap.h   a pool's bitmap of taken slots: find, take, give back
 */
#ifndef DMAB_BOUNCE_POOL_H
#define DMAB_BOUNCE_POOL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <urcu-bp.h>

#include "../internal.h"
#include "../pad.h"
#include "memory.h"

/* A slot is DMAB_POOL_SLOT_SIZE bytes (dmabatch.h), the kernel's IO_TLB_SIZE. */
#define DMAB__SLOT_SHIFT 11
_Static_assert(DMAB_POOL_SLOT_SIZE == (size_t)1 << DMAB__SLOT_SHIFT,
	       "DMAB__SLOT_SHIFT must match DMAB_POOL_SLOT_SIZE");
#define DMAB__SEG_SLOTS 128 /* contiguous slots one mapping may take */
#define DMAB__SEG_BYTES (DMAB_POOL_SLOT_SIZE * DMAB__SEG_SLOTS) /* 256 KiB */

/*
 * One slot's record. Written by the mapping that holds the slot (under its
 * area's lock), read without a lock by unmap and sync of that mapping, which
 * the caller orders after the map; atomics keep a misused stale address from
 * being a data race.
 */
struct dmab__slot {
	_Atomic uintptr_t orig; /* original address matching this slot's first byte */
	_Atomic uint32_t left;	/* bytes of the mapping from this slot's start; 0: free */
	_Atomic uint16_t head;	/* in a mapping's first data slot: padding slots + 1 */
	_Atomic uint16_t off;	/* there too: where in the slot the mapping starts */
};

/* A pool's share of one area, under that area's lock. */
struct dmab__pool_area {
	size_t cursor; /* next-fit: where the last allocation ended */
	_Atomic size_t used;
	char pad[DMAB__PAD - sizeof(size_t) - sizeof(atomic_size_t)];
};

struct dmab__pool {
	struct dmab__pool *_Atomic next; /* the RCU-read list */
	struct rcu_head rcu;
	struct dmab__bounce_pools *owner;
	uint8_t *cpu;	 /* the memory */
	dmab_addr_t bus; /* its bus address, slot aligned */
	size_t nslots;
	bool extra;   /* grown, given back when empty */
	bool retired; /* set under every area lock: no allocation may start here */
	struct dmab__mem mem;
	struct dmab__slot *slot;      /* [nslots] */
	uint64_t *inuse;	      /* [nslots / 64], bit set: slot taken */
	struct dmab__pool_area *area; /* [owner->nareas] */
};

/* A device-wide area: slot range k of every pool, behind one lock. */
struct dmab__area {
	pthread_mutex_t lock;
	_Atomic size_t used; /* slots taken in this area, all pools */
	size_t quota;	     /* share of the high-water mark; see areas.c */
} __attribute__((aligned(DMAB__PAD)));

struct dmab__bounce_pools {
	struct dmab_device *dev;
	uint64_t min_align_mask, alloc_align_mask;
	size_t page_size;  /* mappings this long or longer are page aligned */
	size_t pool_slots; /* every pool has this many */
	size_t area_slots; /* pool_slots / nareas, a multiple of DMAB__SEG_SLOTS */
	unsigned nareas;   /* a power of two */
	unsigned max_pools;
	struct dmab__area *areas;
	struct dmab__pool *_Atomic pools;
	pthread_mutex_t grow_lock; /* adding and retiring pools */
	pthread_mutex_t hwm_lock;  /* moving quota between areas */
	_Atomic unsigned npools;
	_Atomic unsigned gen; /* bumped at every change of the pool list */
	_Atomic size_t total_slots;
	_Atomic size_t hwm;
	_Atomic uint64_t full;	  /* mappings refused; the other counts are the device's */
	_Atomic uint64_t grown;	  /* extra pools ever added */
	_Atomic uint64_t retired; /* extra pools handed to call_rcu, ever */
	_Atomic int node;	  /* where the first pool's memory is; -1 unknown */
	_Atomic size_t page;	  /* its page size; 0 before the first pool */
};

/* Make a pool of bp->pool_slots slots for bp's device; 0 or a negative errno. */
int dmab__pool_create(struct dmab__bounce_pools *bp, bool extra, struct dmab__pool **out);
void dmab__pool_destroy(struct dmab__pool *p);

static inline bool dmab__pool_has(const struct dmab__pool *p, dmab_addr_t bus)
{
	return bus - p->bus < (dmab_addr_t)p->nslots << DMAB__SLOT_SHIFT;
}

#endif /* DMAB_BOUNCE_POOL_H */
