/* SPDX-License-Identifier: MIT */
/*
 * Bounce buffering, swiotlb-style: internal interface.
 *
 * A device that may bounce owns one struct dmab__tlb: its areas (a lock and
 * counters each), the alignment rules, and an RCU-read list of pools. The
 * first pool is made at the first bounce and lives as long as the device;
 * extra pools are added when every pool is full and given back, after a
 * grace period, when they empty.
 *
 *   swiotlb.c       the bounce decision, the copies, lookups from a bus address
 *   swiotlb_area.c  areas, slot allocation and free, high-water mark, growth
 *   swiotlb_pool.c  one pool: its memory and slot records, made and unmade
 *   swiotlb_bits.h  a pool's bitmap of taken slots: find, take, give back
 */
#ifndef DMAB_SWIOTLB_H
#define DMAB_SWIOTLB_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <urcu-bp.h>

#include "internal.h"
#include "numa.h"

#define DMAB__SLOT_SHIFT 11
#define DMAB__SLOT_SIZE	 ((size_t)1 << DMAB__SLOT_SHIFT) /* 2 KiB, the kernel's IO_TLB_SIZE */
#define DMAB__SEG_SLOTS	 128				 /* contiguous slots one mapping may take */
#define DMAB__SEG_BYTES	 (DMAB__SLOT_SIZE * DMAB__SEG_SLOTS) /* 256 KiB */
#define DMAB__CACHELINE	 128 /* padding between areas: two lines, for adjacent-line prefetch */

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
	char pad[DMAB__CACHELINE - sizeof(size_t) - sizeof(atomic_size_t)];
};

struct dmab__tlb;

struct dmab__pool {
	struct dmab__pool *_Atomic next; /* the RCU-read list */
	struct rcu_head rcu;
	struct dmab__tlb *tlb;
	uint8_t *cpu;	 /* the memory */
	dmab_addr_t bus; /* its bus address, slot aligned */
	size_t nslots;
	bool extra;   /* grown, given back when empty */
	bool retired; /* set under every area lock: no allocation may start here */
	struct dmab__mem mem;
	struct dmab__slot *slot;      /* [nslots] */
	uint64_t *inuse;	      /* [nslots / 64], bit set: slot taken */
	struct dmab__pool_area *area; /* [tlb->nareas] */
};

/* A device-wide area: slot range k of every pool, behind one lock. */
struct dmab__area {
	pthread_mutex_t lock;
	_Atomic size_t used; /* slots taken in this area, all pools */
	size_t quota;	     /* share of the high-water mark; see swiotlb_area.c */
} __attribute__((aligned(DMAB__CACHELINE)));

struct dmab__tlb {
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
	_Atomic uint64_t full;		   /* mappings refused; the other counts are the device's */
	_Atomic int node;		   /* where the first pool's memory is; -1 unknown */
	_Atomic size_t page;		   /* its page size; 0 before the first pool */
	_Atomic bool grown;		   /* an extra pool was ever added (testing) */
	struct dmab__spill *_Atomic spill; /* kept for the next long list */
};

/* One bounced mapping (or part of one), as unmap and sync need it. */
struct dmab__bounce {
	struct dmab__pool *pool;
	size_t index;	 /* the slot holding @bus */
	void *orig;	 /* original CPU address of @bus */
	void *slot;	 /* CPU address of @bus in the pool */
	dmab_addr_t bus; /* first bus address */
	size_t len;
};

/* swiotlb_pool.c */
int dmab__pool_create(struct dmab__tlb *t, bool extra, struct dmab__pool **out);
void dmab__pool_destroy(struct dmab__pool *p);

static inline bool dmab__pool_has(const struct dmab__pool *p, dmab_addr_t bus)
{
	return bus - p->bus < (dmab_addr_t)p->nslots << DMAB__SLOT_SHIFT;
}

/*
 * A call that takes or gives back slots for many entries keeps the area
 * lock it last took until an entry needs another area, a slow path needs
 * every lock, or the call releases it: a list from one area costs one lock,
 * not one per entry. Nothing else is locked while a hold is kept.
 */
struct dmab__hold {
	struct dmab__tlb *t;
	int area; /* locked area, or -1 */
};

/* swiotlb_area.c */
void dmab__hold_init(struct dmab__hold *h, struct dmab__tlb *t);
void dmab__hold_release(struct dmab__hold *h);
int dmab__tlb_check(const struct dmab_device_config *cfg);
int dmab__tlb_init(struct dmab__tlb *t, struct dmab_device *dev,
		   const struct dmab_device_config *cfg);
void dmab__tlb_fini(struct dmab__tlb *t);
unsigned dmab__tlb_cpu_area(const struct dmab__tlb *t);
/* @h may be NULL: lock and unlock around this one operation. */
int dmab__tlb_alloc(struct dmab__tlb *t, struct dmab__hold *h, size_t n, uint64_t cmask,
		    uint64_t want, struct dmab__pool **pool, size_t *first);
void dmab__tlb_free(struct dmab__tlb *t, struct dmab__hold *h, struct dmab__pool *p, size_t first,
		    size_t n);
/* The extra pool holding @bus, or NULL; caller inside rcu_read_lock(). */
struct dmab__pool *dmab__tlb_extra_of(struct dmab__tlb *t, dmab_addr_t bus);
size_t dmab__tlb_used(const struct dmab__tlb *t);

/* swiotlb.c: what map.c and sync.c call. */
int dmab__bounce_setup(struct dmab_device *dev, const struct dmab_device_config *cfg);
void dmab__bounce_teardown(struct dmab_device *dev);
void dmab__bounce_stats(const struct dmab_device *dev, struct dmab_stats *out);
int dmab__bounce_peek_extra(struct dmab_device *dev, dmab_addr_t bus, size_t len,
			    struct dmab__bounce *out);

/* The record of the mapping around @bus in @p: 1, or -1 if it is free. */
static inline int dmab__bounce_read(struct dmab__pool *p, dmab_addr_t bus, size_t len,
				    struct dmab__bounce *out)
{
	size_t off = (size_t)(bus - p->bus), i = off >> DMAB__SLOT_SHIFT;
	size_t in = off & (DMAB__SLOT_SIZE - 1);
	struct dmab__slot *s = &p->slot[i];

	if (atomic_load_explicit(&s->left, memory_order_relaxed) <= in)
		return -1;
	out->pool = p;
	out->index = i;
	out->orig = (void *)(atomic_load_explicit(&s->orig, memory_order_relaxed) + in);
	out->slot = p->cpu + off;
	out->bus = bus;
	out->len = len;
	return 1;
}

/*
 * dmab__bounce_find() again, for a range the same call has checked with it
 * already: the same answer without the checks (1, 0 direct), or -1 if the
 * mapping went meanwhile (a list that names one mapping twice).
 */
static inline int dmab__bounce_peek(struct dmab_device *dev, dmab_addr_t bus, size_t len,
				    struct dmab__bounce *out)
{
	struct dmab__tlb *t = dev->tlb;
	struct dmab__pool *p = t ? atomic_load_explicit(&t->pools, memory_order_acquire) : NULL;

	if (!p)
		return 0;
	if (bus - p->bus < (dmab_addr_t)p->nslots << DMAB__SLOT_SHIFT)
		return dmab__bounce_read(p, bus, len, out);
	if (atomic_load_explicit(&t->npools, memory_order_relaxed) < 2)
		return 0;
	return dmab__bounce_peek_extra(dev, bus, len, out);
}
bool dmab__bounce_wanted(const struct dmab_device *dev, const void *cpu, size_t len,
			 enum dmab_dir dir);
int dmab__bounce_map(struct dmab_device *dev, struct dmab__hold *h, void *cpu, size_t len,
		     unsigned attrs, dmab_addr_t *bus, const char *what, int index);
int dmab__bounce_lookup(struct dmab__pool *p, dmab_addr_t bus, size_t len, bool whole,
			struct dmab__bounce *out, const char *what, const char *name);
int dmab__bounce_find_extra(struct dmab_device *dev, dmab_addr_t bus, size_t len, bool whole,
			    struct dmab__bounce *out, const char *what);

/*
 * Is @bus in a bounce mapping? 1 and *out filled; 0 if it is not in the
 * pool (a direct mapping); -EINVAL if it is in the pool but not in a live
 * mapping, or (@whole) not exactly one mapping's start and length, or
 * (!@whole) runs past its mapping's end. Inline, because every entry of
 * every call asks, and nearly always of the first pool.
 */
static inline int dmab__bounce_find(struct dmab_device *dev, dmab_addr_t bus, size_t len,
				    bool whole, struct dmab__bounce *out, const char *what)
{
	struct dmab__tlb *t = dev->tlb;
	struct dmab__pool *p = t ? atomic_load_explicit(&t->pools, memory_order_acquire) : NULL;

	if (!p)
		return 0;
	/* The first pool is never unlinked: no read-side section needed. */
	if (bus - p->bus < (dmab_addr_t)p->nslots << DMAB__SLOT_SHIFT)
		return dmab__bounce_lookup(p, bus, len, whole, out, what, dev->name);
	if (atomic_load_explicit(&t->npools, memory_order_relaxed) < 2)
		return 0;
	return dmab__bounce_find_extra(dev, bus, len, whole, out, what);
}
/*
 * What one call bounced, added to the device's counters (this thread's
 * block, counters.h) once at its end rather than once per entry.
 */
struct dmab__tally {
	uint64_t mappings, to_dev, from_dev;
};
/* Map's copy in, for the mapping at @bus made by this call: the original
 * into the slots. Returns the slots' CPU address, NULL if @bus is direct. */
void *dmab__bounce_start(struct dmab_device *dev, void *orig, dmab_addr_t bus, size_t len,
			 struct dmab__tally *n);
void dmab__bounce_in(struct dmab_device *dev, const struct dmab__bounce *bb, struct dmab__tally *n);
/* Unmap's and sync_for_cpu's copy back, which the batch makes after its
 * completion. */
static inline void dmab__bounce_out(struct dmab_batch *b, int part, const struct dmab__bounce *bb,
				    struct dmab__tally *n)
{
	dmab__batch_defer(b, part, bb->orig, bb->slot, bb->len);
	n->from_dev += bb->len;
}
void dmab__bounce_account(struct dmab_device *dev, const struct dmab__tally *n);
struct dmab__spill *dmab__bounce_spill_lend(struct dmab_device *dev, struct dmab_batch *b,
					    size_t copies);
void dmab__bounce_spill_put(struct dmab_device *dev, struct dmab__spill *s);
void dmab__bounce_release(struct dmab_device *dev, struct dmab__hold *h,
			  const struct dmab__bounce *bb);

#endif /* DMAB_SWIOTLB_H */
