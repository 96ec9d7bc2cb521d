/* SPDX-License-Identifier: MIT */
/*
 * Areas, slot allocation and free, the high-water mark, and the pool list.
 *
 * Areas. Every pool of a device is cut the same way into nareas ranges;
 * area k is range k of every pool, behind one lock. An allocation starts in
 * the calling CPU's area and moves on when that one has no room; a free
 * takes the lock of the area its slots are in. Threads on different CPUs
 * therefore share nothing on the fast path: no lock, no counter, no line.
 *
 * The pool list. The first pool is made at the first allocation and lives
 * until the device is destroyed. When nothing fits anywhere, an extra pool
 * may be appended (grow_lock serialises writers); one that empties is
 * unlinked under every area lock and freed after an RCU grace period
 * (liburcu's urcu-bp flavour, so callers register no threads). Allocation
 * walks the list under its area's lock, which a retirement also needs, so it
 * never meets a pool being unlinked; lookups by bus address walk it inside
 * an RCU read-side section. A pool with live mappings is never retired, so a
 * mapping's pool outlives every use its owner makes of it.
 *
 * The high-water mark without a shared counter. Each area has a quota; the
 * quotas add up to the mark, and an area may hold up to its quota with only
 * its own lock. An allocation that would pass its area's quota takes the
 * slow path: hwm_lock, then every area lock in order, so the true total is
 * known; it takes unused quota from other areas, or raises the mark by
 * exactly the shortfall. The mark is then the exact peak of slots held at
 * once, and in a steady state (each CPU below its own peak) nobody takes
 * the slow path.
 */
#include <errno.h>
#include <stdlib.h>

#include "../os/os.h"
#include "areas.h"
#include "bitmap.h"

#define MAX_POOLS_EXTRA 64
#define MAX_AREAS	1024
#define MAX_POOL_BYTES	((size_t)1 << 30)

static unsigned pow2_up(unsigned x)
{
	unsigned p = 1;

	while (p < x)
		p <<= 1;
	return p;
}

int dmab__bounce_pools_check(const struct dmab_device_config *cfg)
{
	size_t bytes = cfg->pool_size;
	unsigned areas = cfg->pool_areas;

	if (bytes > MAX_POOL_BYTES)
		return dmab__fail(-EINVAL, "device_create: pool_size %zu is more than 1 GiB",
				  bytes);
	if (areas > MAX_AREAS || (areas & (areas - 1)))
		return dmab__fail(-EINVAL,
				  "device_create: pool_areas %u is not a power of two up to %d",
				  areas, MAX_AREAS);
	if (cfg->pool_max_extra > MAX_POOLS_EXTRA)
		return dmab__fail(-EINVAL, "device_create: pool_max_extra %u is more than %d",
				  cfg->pool_max_extra, MAX_POOLS_EXTRA);
	return 0;
}

int dmab__bounce_pools_init(struct dmab__bounce_pools *bp, struct dmab_device *dev,
			    const struct dmab_device_config *cfg)
{
	size_t bytes = cfg->pool_size ? cfg->pool_size : DMAB_POOL_DEFAULT_SIZE;
	unsigned areas = cfg->pool_areas;

	bytes = (bytes + DMAB__SEG_BYTES - 1) / DMAB__SEG_BYTES * DMAB__SEG_BYTES;
	if (!areas) {
		unsigned cpus = dmab__os_cpu_count();

		areas = pow2_up(cpus <= MAX_AREAS ? cpus : 1);
	}
	bp->dev = dev;
	bp->pool_slots = bytes / DMAB_POOL_SLOT_SIZE;
	/* Every area must hold the longest mapping. */
	while (areas > 1 && bp->pool_slots / areas < DMAB__SEG_SLOTS)
		areas >>= 1;
	bp->nareas = areas;
	/* Whole bitmap words per area; the last area takes what is left. */
	bp->area_slots = bp->pool_slots / areas / 64 * 64;
	bp->max_pools = 1 + cfg->pool_max_extra;
	bp->min_align_mask = cfg->min_align_mask;
	bp->alloc_align_mask = cfg->alloc_align_mask;
	bp->page_size = dmab__os_page_size();
	bp->areas = aligned_alloc(DMAB__PAD, areas * sizeof(*bp->areas));
	if (!bp->areas)
		return dmab__fail(-ENOMEM, "device_create: out of memory");
	for (unsigned a = 0; a < areas; a++) {
		pthread_mutex_init(&bp->areas[a].lock, NULL);
		atomic_init(&bp->areas[a].used, 0);
		bp->areas[a].quota = 0;
	}
	pthread_mutex_init(&bp->grow_lock, NULL);
	pthread_mutex_init(&bp->hwm_lock, NULL);
	atomic_init(&bp->pools, NULL);
	atomic_init(&bp->node, -1);
	return 0;
}

static void pool_free_rcu(struct rcu_head *head)
{
	dmab__pool_destroy(caa_container_of(head, struct dmab__pool, rcu));
}

void dmab__bounce_pools_fini(struct dmab__bounce_pools *bp)
{
	/* Retired pools still waiting for their grace period go first: their
	 * destruction talks to the device. Only if there are any: liburcu
	 * allocates in rcu_barrier() and aborts when it cannot. */
	if (atomic_load(&bp->retired))
		rcu_barrier();
	struct dmab__pool *p = atomic_load_explicit(&bp->pools, memory_order_acquire);

	while (p) {
		struct dmab__pool *next = atomic_load_explicit(&p->next, memory_order_acquire);

		dmab__pool_destroy(p);
		p = next;
	}
	for (unsigned a = 0; a < bp->nareas; a++)
		pthread_mutex_destroy(&bp->areas[a].lock);
	pthread_mutex_destroy(&bp->grow_lock);
	pthread_mutex_destroy(&bp->hwm_lock);
	free(bp->areas);
}

unsigned dmab__bounce_cpu_area(const struct dmab__bounce_pools *bp)
{
	int cpu = dmab__os_current_cpu();

	return cpu < 0 ? 0 : (unsigned)cpu & (bp->nareas - 1);
}

static struct dmab__pool *first_pool(struct dmab__bounce_pools *bp)
{
	return atomic_load_explicit(&bp->pools, memory_order_acquire);
}

static struct dmab__pool *next_pool(struct dmab__pool *p)
{
	return atomic_load_explicit(&p->next, memory_order_acquire);
}

/* Unlock the held area: the rest of dmab__hold_release() (run.c). */
void dmab__hold_unlock(struct dmab__hold *h)
{
	if (h && h->area >= 0) {
		pthread_mutex_unlock(&h->bp->areas[h->area].lock);
		h->area = -1;
	}
}

/* Lock area @a, or keep it if @h holds it already. */
static void lock_area(struct dmab__bounce_pools *bp, struct dmab__hold *h, unsigned a)
{
	if (h && h->area == (int)a)
		return;
	dmab__hold_unlock(h);
	pthread_mutex_lock(&bp->areas[a].lock);
	if (h)
		h->area = (int)a;
}

static void unlock_area(struct dmab__bounce_pools *bp, struct dmab__hold *h, unsigned a)
{
	if (h)
		dmab__hold_unlock(h);
	else
		pthread_mutex_unlock(&bp->areas[a].lock);
}

/* Counters written under their area's lock, read without it: a plain
 * load and store, no locked instruction. */
static inline void add(atomic_size_t *c, size_t n)
{
	atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + n,
			      memory_order_relaxed);
}

static inline void sub(atomic_size_t *c, size_t n)
{
	atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) - n,
			      memory_order_relaxed);
}

static void take(struct dmab__bounce_pools *bp, unsigned a, struct dmab__pool *p, size_t first,
		 size_t n)
{
	size_t hi = a + 1 == bp->nareas ? p->nslots : ((size_t)a + 1) * bp->area_slots;

	dmab__pool_mark(p, first, n, true);
	p->area[a].cursor = first + n < hi ? first + n : (size_t)a * bp->area_slots;
	add(&p->area[a].used, n);
	add(&bp->areas[a].used, n);
}

/* A run in area @a of any pool; caller holds the area's lock. */
static struct dmab__pool *find_in_area(struct dmab__bounce_pools *bp, unsigned a, size_t n,
				       uint64_t cmask, uint64_t want, size_t *first)
{
	for (struct dmab__pool *p = first_pool(bp); p; p = next_pool(p))
		if (!p->retired && dmab__pool_find_run(p, a, n, cmask, want, first))
			return p;
	return NULL;
}

static void lock_all(struct dmab__bounce_pools *bp)
{
	for (unsigned a = 0; a < bp->nareas; a++)
		pthread_mutex_lock(&bp->areas[a].lock);
}

static void unlock_all(struct dmab__bounce_pools *bp)
{
	for (unsigned a = bp->nareas; a-- > 0;)
		pthread_mutex_unlock(&bp->areas[a].lock);
}

/* Make room for @n more slots in area @a's quota; every area lock held. */
static void grant(struct dmab__bounce_pools *bp, unsigned a, size_t n)
{
	struct dmab__area *ar = &bp->areas[a];
	size_t used = atomic_load_explicit(&ar->used, memory_order_relaxed);

	if (used + n <= ar->quota)
		return;
	size_t need = used + n - ar->quota;
	/* Unused quota moves in chunks (as much again as this area has, at
	 * least a segment): a thread that moved to this area's CPU would
	 * otherwise come back here for every entry. The mark rises only by
	 * what no area had spare. */
	size_t extra = ar->quota > DMAB__SEG_SLOTS ? ar->quota : DMAB__SEG_SLOTS;
	size_t ask = need + extra;

	for (unsigned j = 0; j < bp->nareas && ask; j++) {
		struct dmab__area *o = &bp->areas[j];
		size_t spare = o->quota - atomic_load_explicit(&o->used, memory_order_relaxed);
		size_t moved = j == a ? 0 : spare < ask ? spare : ask;

		o->quota -= moved;
		ar->quota += moved;
		ask -= moved;
		need -= moved < need ? moved : need;
	}
	if (need) {
		ar->quota += need;
		atomic_store_explicit(&bp->hwm, atomic_load(&bp->hwm) + need, memory_order_relaxed);
	}
}

/* The slow path: everything locked, so the quota moves and the mark rise
 * are exact. */
static struct dmab__pool *alloc_slow(struct dmab__bounce_pools *bp, unsigned start, size_t n,
				     uint64_t cmask, uint64_t want, size_t *first)
{
	struct dmab__pool *p = NULL;

	pthread_mutex_lock(&bp->hwm_lock);
	lock_all(bp);
	for (unsigned k = 0; k < bp->nareas && !p; k++) {
		unsigned a = (start + k) & (bp->nareas - 1);

		p = find_in_area(bp, a, n, cmask, want, first);
		if (p) {
			grant(bp, a, n);
			take(bp, a, p, *first, n);
		}
	}
	unlock_all(bp);
	pthread_mutex_unlock(&bp->hwm_lock);
	return p;
}

/* 1: taken (the area stays locked if @h holds it); 0: nothing here; -1: a
 * run is here but the quota is short. */
static int alloc_in_area(struct dmab__bounce_pools *bp, struct dmab__hold *h, unsigned a, size_t n,
			 uint64_t cmask, uint64_t want, struct dmab__pool **pool, size_t *first)
{
	struct dmab__area *ar = &bp->areas[a];

	lock_area(bp, h, a);
	struct dmab__pool *p = find_in_area(bp, a, n, cmask, want, first);

	if (p && atomic_load_explicit(&ar->used, memory_order_relaxed) + n <= ar->quota) {
		take(bp, a, p, *first, n);
		*pool = p;
		if (!h)
			pthread_mutex_unlock(&ar->lock);
		return 1;
	}
	unlock_area(bp, h, a);
	return p ? -1 : 0;
}

/*
 * Add a pool unless the list changed since @gen (someone else grew or
 * shrank it: look again) or it is at its limit (-ENOSPC). The first pool is
 * made here too, at the first allocation.
 */
static int grow(struct dmab__bounce_pools *bp, unsigned gen, struct dmab__pool **made)
{
	int err = 0;

	pthread_mutex_lock(&bp->grow_lock);
	if (atomic_load_explicit(&bp->gen, memory_order_relaxed) != gen)
		goto out;
	unsigned n = atomic_load_explicit(&bp->npools, memory_order_relaxed);

	if (n >= bp->max_pools) {
		err = -ENOSPC;
		goto out;
	}
	struct dmab__pool *p;

	err = dmab__pool_create(bp, n > 0, &p);
	if (err) {
		/* No memory for another pool is a full pool; the first one's
		 * failure keeps its own reason. */
		if (n > 0)
			err = -ENOSPC;
		goto out;
	}
	struct dmab__pool *_Atomic *link = &bp->pools;

	while (atomic_load_explicit(link, memory_order_relaxed))
		link = &atomic_load_explicit(link, memory_order_relaxed)->next;
	/* Counted before it is linked: another thread may take slots in it as
	 * soon as it is, and its lookups (dmab__bounce_find) skip the extra
	 * pools while npools says there are none. */
	atomic_fetch_add(&bp->npools, 1);
	atomic_fetch_add(&bp->total_slots, p->nslots);
	/* Release: a reader that sees the pointer sees the pool made. */
	atomic_store_explicit(link, p, memory_order_release);
	if (n == 0) {
		atomic_store(&bp->node, p->mem.node);
		atomic_store(&bp->page, p->mem.page);
	} else {
		atomic_fetch_add(&bp->grown, 1);
		*made = p;
	}
	atomic_fetch_add(&bp->gen, 1);
out:
	pthread_mutex_unlock(&bp->grow_lock);
	return err;
}

/*
 * Unlink an empty extra pool and free it after a grace period. @p may be
 * gone already (retired and freed by another thread): it is touched only
 * once found in the list, where a pool is never freed.
 */
static void retire(struct dmab__bounce_pools *bp, struct dmab__pool *p)
{
	pthread_mutex_lock(&bp->grow_lock);
	lock_all(bp);
	/* The first pool is never retired: the search starts after it. */
	struct dmab__pool *_Atomic *link =
	    &atomic_load_explicit(&bp->pools, memory_order_relaxed)->next;
	struct dmab__pool *q;

	while ((q = atomic_load_explicit(link, memory_order_relaxed)) && q != p)
		link = &q->next;
	bool empty = q == p;

	for (unsigned a = 0; a < bp->nareas && empty; a++)
		empty = atomic_load_explicit(&p->area[a].used, memory_order_relaxed) == 0;
	if (empty) {
		atomic_store_explicit(link, next_pool(p), memory_order_release);
		p->retired = true;
		atomic_fetch_sub(&bp->npools, 1);
		atomic_fetch_sub(&bp->total_slots, p->nslots);
		atomic_fetch_add(&bp->gen, 1);
	}
	unlock_all(bp);
	pthread_mutex_unlock(&bp->grow_lock);
	if (empty) {
		atomic_fetch_add(&bp->retired, 1);
		call_rcu(&p->rcu, pool_free_rcu);
	}
}

/*
 * An extra pool this call made but did not take slots from (another thread
 * freed room meanwhile) is retired now: retirement is otherwise reached
 * only from the free of a slot, which such a pool never sees. Others may
 * have used and retired it since; retire() copes.
 */
static int got(struct dmab__bounce_pools *bp, struct dmab__hold *h, struct dmab__pool *made,
	       struct dmab__pool *pool)
{
	if (made && made != pool) {
		dmab__hold_unlock(h); /* retire() takes every area lock */
		retire(bp, made);
	}
	return 0;
}

int dmab__slots_alloc(struct dmab__bounce_pools *bp, struct dmab__hold *h, size_t n, uint64_t cmask,
		      uint64_t want, struct dmab__pool **pool, size_t *first)
{
	/* A list goes on where its previous entry went (its area is still
	 * locked); a new call starts in the calling CPU's area. */
	unsigned start = h && h->area >= 0 ? (unsigned)h->area : dmab__bounce_cpu_area(bp);
	struct dmab__pool *made = NULL;

	for (;;) {
		unsigned gen = atomic_load_explicit(&bp->gen, memory_order_acquire);

		for (unsigned k = 0; k < bp->nareas; k++) {
			int r = alloc_in_area(bp, h, (start + k) & (bp->nareas - 1), n, cmask, want,
					      pool, first);

			if (r > 0)
				return got(bp, h, made, *pool);
			if (r < 0) {
				/* alloc_in_area left nothing held */
				*pool = alloc_slow(bp, start, n, cmask, want, first);
				if (*pool)
					return got(bp, h, made, *pool);
				break;
			}
		}
		struct dmab__pool *now = NULL;
		int err = grow(bp, gen, &now);

		if (now) {
			if (made) /* ours, never used, and the list changed again */
				retire(bp, made);
			made = now;
		}
		if (err) {
			if (made)
				retire(bp, made);
			return err;
		}
	}
}

int dmab__slots_try(struct dmab__bounce_pools *bp, struct dmab__hold *h, unsigned a, size_t n,
		    uint64_t cmask, uint64_t want, struct dmab__pool **pool, size_t *first)
{
	return alloc_in_area(bp, h, a, n, cmask, want, pool, first) > 0 ? 0 : -ENOSPC;
}

void dmab__slots_free(struct dmab__bounce_pools *bp, struct dmab__hold *h, struct dmab__pool *p,
		      size_t first, size_t n)
{
	unsigned a = dmab__area_of(bp, p->extra ? NULL : h, first);
	struct dmab__area *ar = &bp->areas[a];
	bool idle = false;

	/* An extra pool may be retired by another thread as soon as these slots
	 * are back; the read-side section keeps it here until we are done. Its
	 * retirement needs every area lock: no hold is kept for it. */
	if (p->extra) {
		dmab__hold_unlock(h);
		h = NULL;
		rcu_read_lock();
	}
	lock_area(bp, h, a);
	dmab__pool_mark(p, first, n, false);
	sub(&p->area[a].used, n);
	sub(&ar->used, n);
	/* Next fit spreads use over the area; once it drains, start again at
	 * its beginning, so a pool that empties between bursts reuses the same,
	 * cache-warm slots. */
	if (!atomic_load_explicit(&p->area[a].used, memory_order_relaxed))
		p->area[a].cursor = (size_t)a * bp->area_slots;
	if (p->extra) {
		idle = true;
		for (unsigned k = 0; k < bp->nareas && idle; k++)
			idle = atomic_load_explicit(&p->area[k].used, memory_order_relaxed) == 0;
	}
	if (!h)
		pthread_mutex_unlock(&ar->lock);
	if (idle)
		retire(bp, p);
	if (p->extra)
		rcu_read_unlock();
}

struct dmab__pool *dmab__bounce_extra_of(struct dmab__bounce_pools *bp, dmab_addr_t bus)
{
	struct dmab__pool *p = first_pool(bp);

	for (p = p ? next_pool(p) : NULL; p && !dmab__pool_has(p, bus); p = next_pool(p))
		;
	return p;
}

size_t dmab__slots_used(const struct dmab__bounce_pools *bp)
{
	size_t used = 0;

	for (unsigned a = 0; a < bp->nareas; a++)
		used += atomic_load_explicit(&bp->areas[a].used, memory_order_relaxed);
	return used;
}
