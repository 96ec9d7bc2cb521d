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
 * The one exception is the live-mapping count: unmap refuses to go below
 * zero and destroy refuses while it is not zero, both across threads, so it
 * stays one atomic per device, one locked operation per map or unmap call.
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
	DMAB__NCTR
};

struct dmab__ctr_block {
	_Atomic uint64_t v[DMAB__NCTR];
	bool shared;		      /* written by any thread: locked adds */
	uint64_t owner;		      /* the writing thread's id; 0 if shared */
	struct dmab__ctr_block *next; /* the device's list, under its lock */
} __attribute__((aligned(DMAB__PAD)));

struct dmab__counters {
	uint64_t id;			/* never reused; 0 is no device */
	pthread_mutex_t lock;		/* adding to @blocks, and walking it */
	struct dmab__ctr_block *blocks; /* one per thread that counted */
	struct dmab__ctr_block shared;	/* for threads without a block */
	/* On lines of its own (the struct's alignment pads after it): every
	 * thread writes it, and the device's fields around it are read on
	 * every call. */
	_Alignas(DMAB__PAD) _Atomic uint64_t live; /* mapped entries */
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
