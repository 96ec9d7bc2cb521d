/* SPDX-License-Identifier: MIT */
/* Areas, slot allocation and free, and the pool list (areas.c). */
#ifndef DMAB_BOUNCE_AREAS_H
#define DMAB_BOUNCE_AREAS_H

#include "pool.h"

/*
 * A call that takes or gives back slots for many entries keeps the area
 * lock it last took until an entry needs another area, a slow path needs
 * every lock, or the call releases it: a list from one area costs one lock,
 * not one per entry. Nothing else is locked while a hold is kept.
 */
struct dmab__hold {
	struct dmab__bounce_pools *bp;
	int area; /* locked area, or -1 */
	/* run.c: the list being mapped (dmab__hold_list), for taking the
	 * slots of its next entries of the same shape in one search ... */
	const struct dmab_sg *sg;
	int nents;
	int no_run; /* the area where no run was found, or -1 */
	/* ... and the slots so taken but not yet mapped, [run_next, run_end)
	 * of run_pool (NULL: none) ... */
	struct dmab__pool *run_pool;
	size_t run_next, run_end;
	/* ... and, at unmap, adjacent frees merged into one: [free_first,
	 * free_end) of free_pool (NULL: none), still marked taken. */
	struct dmab__pool *free_pool;
	size_t free_first, free_end, free_lim; /* lim: the end of their area */
	/* Bounce mappings made less those freed under this hold: added to the
	 * device's count once, at the release (slots.c). */
	int64_t live;
};

/* run.c. A hold starts empty; dmab__hold_list() gives it the list a map_sg
 * maps (entry i is bounced as argument index == i); dmab__hold_release()
 * gives back a run's unused slots, makes the merged free and unlocks. */
void dmab__hold_init(struct dmab__hold *h, struct dmab__bounce_pools *bp);
void dmab__hold_list(struct dmab__hold *h, const struct dmab_sg *sg, int nents);
void dmab__hold_release(struct dmab__hold *h);
/* areas.c: only unlock the held area (what the allocator itself uses). */
void dmab__hold_unlock(struct dmab__hold *h);

/*
 * run.c: dmab__slots_alloc() for entry @index of the hold's list, [orig,
 * orig + len), once dmab__run_next() found no slots taken ahead for it: if
 * it and the entries after it are alike (same length and placement) and
 * @ahead (they all bounce), one run for up to DMAB__RUN_SLOTS of them at
 * once.
 */
#define DMAB__RUN_SLOTS 512
int dmab__run_alloc(struct dmab__bounce_pools *bp, struct dmab__hold *h, size_t n, uint64_t cmask,
		    uint64_t want, uintptr_t orig, size_t len, int index, bool ahead,
		    struct dmab__pool **pool, size_t *first);
/* run.c: dmab__slots_free(), merged with the hold's pending free when the
 * slots follow it (the free is made at the latest by dmab__hold_release). */
void dmab__run_free(struct dmab__bounce_pools *bp, struct dmab__hold *h, struct dmab__pool *p,
		    size_t first, size_t n);

/* The first pool's slot number @i satisfies (bus slot & cmask) == want. */
static inline bool dmab__slot_fits(const struct dmab__pool *p, size_t i, uint64_t cmask,
				   uint64_t want)
{
	return (((p->bus >> DMAB__SLOT_SHIFT) + i - want) & cmask) == 0;
}

/* The fast paths of dmab__run_alloc() and dmab__run_free(), inline: the
 * next @n slots of the hold's run, if they fit; @n slots at @first added
 * to the pending free, if they follow it. */
static inline bool dmab__run_next(struct dmab__hold *h, size_t n, uint64_t cmask, uint64_t want,
				  struct dmab__pool **pool, size_t *first)
{
	size_t i = h->run_next;

	if (!h->run_pool || i + n > h->run_end || !dmab__slot_fits(h->run_pool, i, cmask, want))
		return false;
	*pool = h->run_pool;
	*first = i;
	h->run_next = i + n;
	if (h->run_next == h->run_end)
		h->run_pool = NULL;
	return true;
}

static inline bool dmab__run_merge(struct dmab__hold *h, const struct dmab__pool *p, size_t first,
				   size_t n)
{
	if (h->free_pool != p || first != h->free_end || first + n > h->free_lim)
		return false;
	h->free_end = first + n;
	return true;
}

/* The pool settings of @cfg: 0 or -EINVAL (with dmab_last_error()). */
int dmab__bounce_pools_check(const struct dmab_device_config *cfg);
int dmab__bounce_pools_init(struct dmab__bounce_pools *bp, struct dmab_device *dev,
			    const struct dmab_device_config *cfg);
void dmab__bounce_pools_fini(struct dmab__bounce_pools *bp);
/* The area an allocation from the calling CPU starts in. */
unsigned dmab__bounce_cpu_area(const struct dmab__bounce_pools *bp);

/*
 * Take @n contiguous slots whose first bus slot number k has
 * (k & cmask) == want, growing the pool list if allowed. @h may be NULL:
 * lock and unlock around this one operation. Return: 0 (*pool, *first
 * set); -ENOSPC when nothing fits and no pool may be added; another
 * negative errno when the first pool cannot be made.
 */
int dmab__slots_alloc(struct dmab__bounce_pools *bp, struct dmab__hold *h, size_t n, uint64_t cmask,
		      uint64_t want, struct dmab__pool **pool, size_t *first);
void dmab__slots_free(struct dmab__bounce_pools *bp, struct dmab__hold *h, struct dmab__pool *p,
		      size_t first, size_t n);
/* Take @n slots from area @a within its quota (kept locked if @h holds
 * it), or -ENOSPC with nothing taken and nothing held: no other area, no
 * slow path, no growth. */
int dmab__slots_try(struct dmab__bounce_pools *bp, struct dmab__hold *h, unsigned a, size_t n,
		    uint64_t cmask, uint64_t want, struct dmab__pool **pool, size_t *first);

/* The area of a slot; the held one is checked first, to spare a divide
 * per entry of a list. */
static inline unsigned dmab__area_of(const struct dmab__bounce_pools *bp,
				     const struct dmab__hold *h, size_t slot)
{
	if (h && h->area >= 0) {
		size_t lo = (size_t)h->area * bp->area_slots;
		bool last = h->area + 1 == (int)bp->nareas;

		if (slot >= lo && (last || slot - lo < bp->area_slots))
			return (unsigned)h->area;
	}
	size_t a = slot / bp->area_slots;

	return a < bp->nareas ? (unsigned)a : bp->nareas - 1;
}
/* Slots held now, all areas. */
size_t dmab__slots_used(const struct dmab__bounce_pools *bp);

/* The extra pool holding @bus, or NULL; caller inside rcu_read_lock(). */
struct dmab__pool *dmab__bounce_extra_of(struct dmab__bounce_pools *bp, dmab_addr_t bus);

#endif /* DMAB_BOUNCE_AREAS_H */
