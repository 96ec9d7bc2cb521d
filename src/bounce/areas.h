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
};

void dmab__hold_init(struct dmab__hold *h, struct dmab__bounce_pools *bp);
void dmab__hold_release(struct dmab__hold *h);

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
/* Slots held now, all areas. */
size_t dmab__slots_used(const struct dmab__bounce_pools *bp);

/* The extra pool holding @bus, or NULL; caller inside rcu_read_lock(). */
struct dmab__pool *dmab__bounce_extra_of(struct dmab__bounce_pools *bp, dmab_addr_t bus);

#endif /* DMAB_BOUNCE_AREAS_H */
