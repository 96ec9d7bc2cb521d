/* SPDX-License-Identifier: MIT */
/*
 * Entry facts: what phase one of a map, unmap or sync learns about each
 * entry, kept for the later phases so that nothing is looked up twice.
 *
 * A call keeps its facts on the stack for a short list and in the device's
 * spare (spare.h) for a long one. With no memory for a long list's facts the
 * call still works, a window of DMAB__FACTS_LOCAL entries at a time: phase
 * one checks the whole list, and each later phase finds each entry's facts
 * again (the same lookup) before using them. dmab__facts_use() tells which.
 *
 * A device that cannot bounce and translates by identity keeps no facts at
 * all: there an entry's facts are its sg fields (the CPU side is the bus
 * address, nothing is in a pool), so phase one only checks and the later
 * phases read the list itself. That is the hot path of a plain device.
 */
#ifndef DMAB_ENTRY_H
#define DMAB_ENTRY_H

#include <dmabatch.h>
#include <stdbool.h>

struct dmab__pool;
struct dmab_device;

struct dmab__entry {
	void *cpu;	 /* the CPU side the cache operations cover: the buffer, or its slots */
	dmab_addr_t bus; /* what the device uses */
	size_t len;
	struct dmab__pool *pool; /* the bounce pool holding @bus, or NULL: used in place */
};

#define DMAB__FACTS_LOCAL 16

struct dmab__facts {
	struct dmab__entry *v; /* [cap] */
	int cap;	       /* the whole list, or 0: found again in each phase */
	bool spare;	       /* @v is the device's spare: give it back */
	bool plain;	       /* no pool, identity: the list itself holds the facts */
	struct dmab__entry local[DMAB__FACTS_LOCAL];
};

/* Room for the facts of @n entries of a call on @dev (entry.c). */
void dmab__facts_get(struct dmab__facts *f, struct dmab_device *dev, int n);
void dmab__facts_put(struct dmab__facts *f, struct dmab_device *dev);

/*
 * What a call's loops read of @f, in registers: the kept facts (NULL if
 * none are kept: a plain device, or no room) and whether the device is
 * plain.
 */
struct dmab__facts_use {
	struct dmab__entry *keep;
	bool plain;
};

static inline struct dmab__facts_use dmab__facts_use(const struct dmab__facts *f, int n)
{
	return (struct dmab__facts_use){.keep = !f->plain && n <= f->cap ? f->v : NULL,
					.plain = f->plain};
}

/* Where phase one puts entry @i's facts: kept, or in *@tmp for the moment. */
static inline struct dmab__entry *dmab__facts_at(struct dmab__facts_use u, int i,
						 struct dmab__entry *tmp)
{
	return u.keep ? &u.keep[i] : tmp;
}

#endif /* DMAB_ENTRY_H */
