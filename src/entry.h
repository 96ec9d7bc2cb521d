/* SPDX-License-Identifier: MIT */
/*
 * Entry facts: what phase one of a map, unmap or sync learns about each
 * entry, kept for the later phases so that nothing is looked up twice.
 *
 * A call keeps its facts on the stack for a short list and in the device's
 * spare (spare.h) for a long one. With no memory for a long list's facts the
 * call still works, a window of DMAB__FACTS_LOCAL entries at a time: phase
 * one checks the whole list, and each later phase finds the window's facts
 * again (the same lookup) before using them. dmab__facts_whole() tells which.
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
	int cap;	       /* the whole list, or DMAB__FACTS_LOCAL (a window) */
	bool spare;	       /* @v is the device's spare: give it back */
	struct dmab__entry local[DMAB__FACTS_LOCAL];
};

/* Room for the facts of @n entries of a call on @dev (entry.c). */
void dmab__facts_get(struct dmab__facts *f, struct dmab_device *dev, int n);
void dmab__facts_put(struct dmab__facts *f, struct dmab_device *dev);

/* Does @f hold every entry of an @n-entry list, or one window at a time? */
static inline bool dmab__facts_whole(const struct dmab__facts *f, int n)
{
	return n <= f->cap;
}

#endif /* DMAB_ENTRY_H */
