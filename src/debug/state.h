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
 * removed record is freed after a grace period: the blocks of removed
 * records wait on a list, and the unmap that makes it DMAB__DBG_RETIRE long
 * waits for one grace period and frees them all (a call_rcu per unmap wakes
 * liburcu's worker thread, which shares the caller's CPU, on every call).
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
#define DMAB__DBG_RECENT      64
/* Buckets a table starts with and never shrinks below: a list of a few
 * thousand entries mapped and unmapped in a loop would otherwise grow and
 * shrink the tables on every call (64 KiB per table). */
#define DMAB__DBG_BUCKETS 4096
#define DMAB__DBG_RETIRE  64 /* unmapped records remembered, for "already unmapped" */

enum { DMAB__DBG_LIVE = 0, DMAB__DBG_CLAIMED = 1 };

/* A record's guard (guard.c): none (TO_DEVICE, an allocation, guard mode
 * off); protected; given back to the CPU by a sync or an unmap under way;
 * not guarded, for its alignment or by refusal. */
enum {
	DMAB__DBG_G_NONE = 0,
	DMAB__DBG_G_UP,
	DMAB__DBG_G_LIFTED,
	DMAB__DBG_G_UNALIGNED,
	DMAB__DBG_G_REFUSED,
};

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
	struct dmab__dbg_block *blk;  /* the map call's records */
	_Atomic int state;
	unsigned attrs;
	struct dmab_debug_mapping m;
	uintptr_t cpu_last; /* the last CPU byte (behind an IOMMU, of the segment's last entry) */
	int gslot;	    /* guard.c's slot, -1 if none */
	_Atomic int gstate; /* DMAB__DBG_G_* */
	bool glifted;	    /* lifted by the unmap that claimed it (its abort puts it back) */
};

/* The records of one map call, in one allocation, freed (after a grace
 * period) when the last of them is removed. */
struct dmab__dbg_block {
	_Atomic int refs;
	struct dmab__dbg_block *next; /* on the retired list */
	struct dmab__dbg_node v[];
};

/* A call's records between its begin and end hooks. */
struct dmab__dbg_pend {
	struct dmab__dbg_block *blk; /* a map's records, not yet filed; NULL for an unmap */
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
	pthread_mutex_t retire_lock; /* @retired */
	struct dmab__dbg_block *retired;
	unsigned nretired;
	_Atomic uint64_t readers_done; /* dmab__dbg_read_unlock(), under TSan only */
	bool guard;		       /* guard mode */
	size_t page;		       /* the base page size */
	_Atomic uint64_t g_now, g_total, g_unaligned, g_refused;
};

/*
 * The end of a read-side section, and a grace period. liburcu 0.13 is not
 * instrumented for ThreadSanitizer, which therefore cannot see that a grace
 * period orders every earlier read before the free that follows it; under
 * TSan each reader also releases, and the freer acquires, one counter (a
 * real, if redundant, ordering). Elsewhere they are liburcu's calls alone.
 */
#if defined(__SANITIZE_THREAD__)
#define DMAB__DBG_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define DMAB__DBG_TSAN 1
#endif
#endif

static inline void dmab__dbg_read_unlock(struct dmab__debug *d)
{
#ifdef DMAB__DBG_TSAN
	atomic_fetch_add_explicit(&d->readers_done, 1, memory_order_release);
#else
	(void)d;
#endif
	urcu_bp_read_unlock();
}

static inline void dmab__dbg_synchronize(struct dmab__debug *d)
{
	urcu_bp_synchronize_rcu();
#ifdef DMAB__DBG_TSAN
	(void)atomic_load_explicit(&d->readers_done, memory_order_acquire);
#else
	(void)d;
#endif
}

/* track.c */
int dmab__dbg_track_init(struct dmab__debug *d);
void dmab__dbg_track_fini(struct dmab__debug *d);
struct dmab__dbg_block *dmab__dbg_block_new(int n);
void dmab__dbg_node_init(struct dmab__dbg_node *n, struct dmab__dbg_block *blk,
			 const struct dmab__dbg_call *c, const struct dmab_sg *sg);
void dmab__dbg_insert(struct dmab__debug *d, struct dmab__dbg_node *n);
/* Not under the read lock: it may wait for a grace period. */
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
/* Remember @n unmapped records; find one remembered at @bus (copied out). */
void dmab__dbg_recent_add(struct dmab__debug *d, struct dmab__dbg_node *const *v, int n);
bool dmab__dbg_recent_find(struct dmab__debug *d, dmab_addr_t bus, struct dmab_debug_mapping *out);

/* guard.c: after a map's maintenance, guard @n if it qualifies; before a
 * call's maintenance, lift its guard (*@lifted: it was up; a negative
 * errno if the kernel will not give access back); after a whole-mapping
 * sync for the device, put it back; at unmap, give its slot back. */
void dmab__dbg_guard_map(struct dmab_device *dev, struct dmab__dbg_node *n);
int dmab__dbg_guard_lift(struct dmab__debug *d, struct dmab__dbg_node *n, bool *lifted);
void dmab__dbg_guard_put(struct dmab__debug *d, struct dmab__dbg_node *n);
void dmab__dbg_guard_release(struct dmab__debug *d, struct dmab__dbg_node *n);
/* The dump's word for @n's guard ("" if none). */
const char *dmab__dbg_guard_word(const struct dmab__dbg_node *n);

/* segments.c: behind the IOMMU, an entry's segment limits, judged before
 * it is mapped; the records of a list, one per segment (frees @p). */
int dmab__dbg_iommu_limits(struct dmab_device *dev, const struct dmab__dbg_call *c,
			   const struct dmab_sg *sg);
void dmab__dbg_file_segments(struct dmab_device *dev, struct dmab__dbg_pend *p,
			     const struct dmab_sg *sg, int n);

/* report.c: count, describe and deliver one misuse; returns its errno. */
int dmab__dbg_report(struct dmab_device *dev, enum dmab_debug_class cls,
		     const struct dmab__dbg_call *c, const struct dmab_sg *sg,
		     const struct dmab_debug_mapping *m);

#endif /* DMAB_DEBUG_STATE_H */
