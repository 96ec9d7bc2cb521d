/* SPDX-License-Identifier: MIT */
/*
 * Bounce buffering, swiotlb-style: what the rest of the library calls.
 * The folder's own structures are in pool.h; the rules (when each copy is
 * made) in ../rules.h.
 */
#ifndef DMAB_BOUNCE_H
#define DMAB_BOUNCE_H

#include "../batch.h"
#include "../entry.h"
#include "areas.h"

/* policy.c: the device's bounce module, made and unmade by device.c. */
int dmab__bounce_init(struct dmab_device *dev, const struct dmab_device_config *cfg);
void dmab__bounce_fini(struct dmab_device *dev);
void dmab__bounce_stats(const struct dmab_device *dev, struct dmab_stats *out);
/* policy.c: bounce mappings live now, and whether any slot is held: a
 * device with either cannot be destroyed. */
uint64_t dmab__bounce_live(const struct dmab_device *dev);

/* policy.c: must [cpu, cpu+len) bounce before it is even translated (forced,
 * or unaligned with DMAB_BOUNCE_UNALIGNED)? Pre: dev->bounce_pools. */
bool dmab__bounce_wanted(const struct dmab_device *dev, const void *cpu, size_t len,
			 enum dmab_dir dir);

/*
 * slots.c: bounce [cpu, cpu+len): take slots and record the mapping; *e
 * gets its facts. The copy in is the caller's (dmab__bounce_copy_in), in its
 * second phase. Return: 0; -ERANGE (too long); -ENOMEM (full: counted, and
 * warned of unless NO_WARN); another errno if the first pool cannot be made.
 */
int dmab__bounce_map(struct dmab_device *dev, struct dmab__hold *h, void *cpu, size_t len,
		     unsigned attrs, struct dmab__entry *e, const char *what, int index);

/*
 * slots.c: the one lookup by bus address. Is [bus, bus+len) in a bounce
 * pool? 1 with *e filled; 0 if it is in no pool (a direct mapping); -EINVAL
 * if it is in a pool but not in a live mapping, or (@whole) not exactly one
 * mapping's start and length, or (!@whole) runs past its mapping's end.
 * Pre: dev->bounce_pools.
 */
int dmab__bounce_find(struct dmab_device *dev, dmab_addr_t bus, size_t len, bool whole,
		      struct dmab__entry *e, const char *what);

/*
 * What one call bounced, added to the device's counters (this thread's
 * block, counters.h) once at its end rather than once per entry.
 */
struct dmab__tally {
	uint64_t mappings, to_dev, from_dev;
};

/* slots.c: original -> slots, now (before the slots' clean is added). */
void dmab__bounce_copy_in(struct dmab_device *dev, const struct dmab__entry *e,
			  struct dmab__tally *n);
/* slots.c: slots -> original, deferred by @b until after its completion. */
void dmab__bounce_copy_out(struct dmab__batch *b, int part, const struct dmab__entry *e,
			   struct dmab__tally *n);
void dmab__bounce_account(struct dmab_device *dev, const struct dmab__tally *n);
/*
 * slots.c: free a bounced entry's slots, unless the mapping is gone already
 * (a list that named it twice): true if this call freed them.
 */
bool dmab__bounce_release(struct dmab_device *dev, struct dmab__hold *h,
			  const struct dmab__entry *e);

#endif /* DMAB_BOUNCE_H */
