/* SPDX-License-Identifier: MIT */
/*
 * A device's statistics counters, kept off the lock prefix.
 *
 * On x86 a locked read-modify-write is a full barrier and also waits for
 * the CLWB/CLFLUSHOPT write-backs in flight, so a counter bumped with one on
 * every map and unmap costs more than the bump. Each thread that touches a
 * device therefore counts in a block of its own: only that thread writes it,
 * with a relaxed load and a relaxed store (a plain mov on x86, and no data
 * race for TSan), and dmab_device_stats() sums the blocks. The sum is exact
 * for the calling thread's own calls, and for every thread once they are
 * quiescent (joined, or ordered by the caller's own synchronisation).
 *
 * The live-mapping count is sharded the same way, but it must stay exact
 * across threads: unmap refuses to go below zero and destroy refuses while
 * it is not zero, and a mapping may be unmapped on another thread than the
 * one that made it. Each block's share is an atomic that its thread moves
 * with one locked operation on its own line (uncontended, so two threads
 * do not serialise on it). An unmap takes from its own share; only when
 * that would go below zero does it walk the device's blocks, under the
 * list's lock, taking from each what it still needs (see counters.c for why
 * that is exact). Destroy and the statistics add the shares up.
 *
 * A thread finds its block through a small thread-local cache keyed by the
 * device's id, which comes from a global counter at creation and is never
 * reused: a device made at a destroyed device's address never matches a
 * cached entry of the old one, whose block is freed. Blocks live in the
 * device's list until it is destroyed; a thread that exits leaves its block
 * there (its counts still count). A thread that cannot get a block (no
 * memory) counts in the device's shared block instead, with locked adds.
 */
#ifndef DMAB_COUNTERS_H
#define DMAB_COUNTERS_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pad.h"

/* The first three are indexed by enum dmab__op (arch/arch.h). */
enum dmab__ctr {
	DMAB__CTR_CLEAN = 0,
	DMAB__CTR_INVAL = 1,
	DMAB__CTR_CLEAN_INVAL = 2,
	DMAB__CTR_COMPLETIONS,
	DMAB__CTR_COMPLETIONS_SAVED,
	DMAB__CTR_MAPS,
	DMAB__CTR_UNMAPS,
	DMAB__CTR_BOUNCED,	  /* entries mapped through the bounce pool */
	DMAB__CTR_BYTES_TO_DEV,	  /* bounce copies original -> slot */
	DMAB__CTR_BYTES_FROM_DEV, /* bounce copies slot -> original */
	/* Bounce mappings holding slots: +1 at map, -1 (mod 2^64) at the free,
	 * on whichever thread; only the sum of the blocks means anything. */
	DMAB__CTR_BOUNCE_LIVE,
	DMAB__NCTR
};

struct dmab__ctr_block {
	_Atomic uint64_t v[DMAB__NCTR];
	/* This block's share of the live mappings: moved by its thread and,
	 * under the list's lock, taken from by an unmap that needs more than
	 * its own share. */
	_Atomic uint64_t live;
	bool shared;		      /* written by any thread: locked adds */
	uint64_t owner;		      /* the writing thread's id; 0 if shared */
	struct dmab__ctr_block *next; /* the device's list, under its lock */
} __attribute__((aligned(DMAB__PAD)));

struct dmab__counters {
	uint64_t id;			/* never reused; 0 is no device */
	pthread_mutex_t lock;		/* adding to @blocks, and walking it */
	struct dmab__ctr_block *blocks; /* one per thread that counted */
	struct dmab__ctr_block shared;	/* for threads without a block */
	/* Set while an unmap walks the blocks for live shares (under @lock):
	 * a map that sees it waits for the walk. Read by every map, written
	 * only by the walk: on lines of its own. */
	_Alignas(DMAB__PAD) _Atomic int walking;
};

/* A thread's map from device id to block, most recently used first. */
#define DMAB__CTR_CACHE 8
struct dmab__ctr_cache {
	struct {
		uint64_t dev;
		struct dmab__ctr_block *b;
	} e[DMAB__CTR_CACHE];
	uint64_t tid; /* this thread's id; 0 until it first needs one */
};
/* initial-exec: a load and an %fs-relative access, where the default model
 * for a shared library calls __tls_get_addr on every map and unmap. */
extern _Thread_local struct dmab__ctr_cache dmab__ctr_tls
    __attribute__((tls_model("initial-exec")));

/* Test seam: how a thread's block is allocated (aligned_alloc). A test sets
 * it to fail before starting threads, to reach the shared block. */
extern void *(*dmab__ctr_alloc)(size_t align, size_t size);

int dmab__ctr_init(struct dmab__counters *c);
void dmab__ctr_fini(struct dmab__counters *c);
struct dmab__ctr_block *dmab__ctr_find(struct dmab__counters *c);
/* Every block's counts added up, into @out[DMAB__NCTR]. */
void dmab__ctr_sum(struct dmab__counters *c, uint64_t *out);

/* This thread's block for @c. */
static inline struct dmab__ctr_block *dmab__ctr_mine(struct dmab__counters *c)
{
	struct dmab__ctr_cache *t = &dmab__ctr_tls;

	if (__builtin_expect(t->e[0].dev == c->id, 1))
		return t->e[0].b;
	return dmab__ctr_find(c);
}

/* The slow halves of dmab__live_add() and dmab__live_drop(). */
void dmab__live_wait(struct dmab__counters *c);
bool dmab__live_steal(struct dmab__counters *c, struct dmab__ctr_block *mine, uint64_t n,
		      uint64_t *had);
/* Every block's live share added up: exact once the threads that map and
 * unmap are quiescent (destroy, the statistics). */
uint64_t dmab__live_sum(struct dmab__counters *c);

/*
 * @n more live mappings, in this thread's share. seq_cst on both: the add
 * must be ordered before the load of @walking (a store-load pair, the one
 * that needs the full barrier a locked add already is on x86), so that a
 * walk either sees this add or this map waits for the walk to end.
 */
static inline void dmab__live_add(struct dmab__counters *c, uint64_t n)
{
	atomic_fetch_add_explicit(&dmab__ctr_mine(c)->live, n, memory_order_seq_cst);
	if (__builtin_expect(atomic_load_explicit(&c->walking, memory_order_seq_cst), 0))
		dmab__live_wait(c);
}

/* @n fewer live mappings, or false (and *@had the count found) if fewer
 * than @n are mapped. */
static inline bool dmab__live_drop(struct dmab__counters *c, uint64_t n, uint64_t *had)
{
	struct dmab__ctr_block *b = dmab__ctr_mine(c);
	uint64_t v = atomic_load_explicit(&b->live, memory_order_relaxed);

	while (v >= n)
		if (atomic_compare_exchange_weak_explicit(&b->live, &v, v - n, memory_order_seq_cst,
							  memory_order_relaxed))
			return true;
	return dmab__live_steal(c, b, n, had);
}

static inline void dmab__ctr_add(struct dmab__ctr_block *b, enum dmab__ctr i, uint64_t n)
{
	_Atomic uint64_t *v = &b->v[i];

	if (__builtin_expect(b->shared, 0))
		atomic_fetch_add_explicit(v, n, memory_order_relaxed);
	else /* the only writer: no read-modify-write needed */
		atomic_store_explicit(v, atomic_load_explicit(v, memory_order_relaxed) + n,
				      memory_order_relaxed);
}

#endif /* DMAB_COUNTERS_H */
