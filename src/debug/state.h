/* SPDX-License-Identifier: MIT */
/*
 * The checker's state and its tracker of live mappings; private to
 * src/debug/.
 *
 * The tracker is two rculfhash tables (liburcu, urcu-bp flavour: callers
 * register no threads). @by_bus holds each record under the 64 KiB chunk its
 * bus address starts in, so a range lookup walks back chunk by chunk no
 * further than the longest mapping yet made, and takes the record that
 * contains the range (an exact start first). @by_line holds each record
 * under the CPU cache line of each of its two ends, where a buffer shares a
 * line with its neighbours: the overlap class looks there.
 *
 * A record is claimed (state LIVE -> CLAIMED, one compare-and-swap) by the
 * unmap that judges it, and removed only when that unmap succeeds; a
 * removed record is freed after a grace period (call_rcu).
 */
#ifndef DMAB_DEBUG_STATE_H
#define DMAB_DEBUG_STATE_H

#include <pthread.h>
#include <stdatomic.h>
#include <urcu-bp.h>

#include <urcu/rculfhash.h>

#include "debug.h"
#include "memory.h"

#define DMAB__DBG_CHUNK_SHIFT 16
#define DMAB__DBG_RECENT      64 /* unmapped records remembered, for "already unmapped" */

enum { DMAB__DBG_LIVE = 0, DMAB__DBG_CLAIMED = 1 };

struct dmab__dbg_node;

/* A record's entry in @by_line, under one of its end lines. */
struct dmab__dbg_lnode {
	struct cds_lfht_node hn;
	uintptr_t line;
	struct dmab__dbg_node *owner;
};

struct dmab__dbg_node {
	struct cds_lfht_node by_bus;
	struct dmab__dbg_lnode ln[2]; /* first and last line; [1] unused if they are one */
	struct rcu_head rcu;
	_Atomic int state;
	unsigned attrs;
	struct dmab_debug_mapping m;
};

struct dmab__dbg_pend {
	int n;
	struct dmab__dbg_node *v[];
};

struct dmab__debug {
	struct cds_lfht *by_bus;
	struct cds_lfht *by_line;
	_Atomic size_t longest; /* longest mapping ever recorded */
	_Atomic uint64_t reports[DMAB_DEBUG_NCLASS];
	size_t line_size;
	pthread_mutex_t lock; /* the callback, the rate limit, @recent */
	dmab_debug_fn fn;
	void *arg;
	uint64_t window_start_ns;
	unsigned window_lines;
	uint64_t held_back;
	struct dmab_debug_mapping recent[DMAB__DBG_RECENT];
	unsigned recent_next;
	struct dmab__dbg_region *regions; /* memory.c's snapshot, under @lock */
	size_t nregions;
};

/* track.c */
int dmab__dbg_track_init(struct dmab__debug *d);
void dmab__dbg_track_fini(struct dmab__debug *d);
struct dmab__dbg_node *dmab__dbg_node_new(const struct dmab__dbg_call *c, const struct dmab_sg *sg);
void dmab__dbg_insert(struct dmab__debug *d, struct dmab__dbg_node *n);
void dmab__dbg_remove(struct dmab__debug *d, struct dmab__dbg_node *n);
/*
 * Under the read lock: the live record best matching a start at @bus (an
 * exact start wins over one that only contains @bus; among exact starts,
 * the one agreeing with @want on size, direction and kind), or NULL. If
 * @gone is not NULL, it gets a record starting at @bus that an unmap has
 * claimed (is removing), or NULL.
 */
struct dmab__dbg_node *dmab__dbg_find(struct dmab__debug *d, dmab_addr_t bus,
				      const struct dmab_debug_mapping *want,
				      struct dmab__dbg_node **gone);
/* Under the read lock: a live record with an end line at @line sharing it
 * harmfully with a mapping of @dir, @attrs; NULL if none. */
struct dmab__dbg_node *dmab__dbg_line_user(struct dmab__debug *d, uintptr_t line, enum dmab_dir dir,
					   unsigned attrs);
/* Remember an unmapped record; find one remembered at @bus (copied out). */
void dmab__dbg_recent_add(struct dmab__debug *d, const struct dmab_debug_mapping *m);
bool dmab__dbg_recent_find(struct dmab__debug *d, dmab_addr_t bus, struct dmab_debug_mapping *out);

/* report.c: count, describe and deliver one misuse; returns its errno. */
int dmab__dbg_report(struct dmab_device *dev, enum dmab_debug_class cls,
		     const struct dmab__dbg_call *c, const struct dmab_sg *sg,
		     const struct dmab_debug_mapping *m);

#endif /* DMAB_DEBUG_STATE_H */
