/* SPDX-License-Identifier: MIT */
/* Per-thread counter blocks: finding, adding, summing, freeing. See counters.h. */
#include <stdlib.h>
#include <string.h>

#include "counters.h"

_Thread_local struct dmab__ctr_cache dmab__ctr_tls __attribute__((tls_model("initial-exec")));

void *(*dmab__ctr_alloc)(size_t align, size_t size) = aligned_alloc;

/* Both start at 1, so that a zeroed cache entry or block owner matches nothing. */
static atomic_uint_fast64_t next_dev_id = 1, next_tid = 1;

int dmab__ctr_init(struct dmab__counters *c)
{
	int err = pthread_mutex_init(&c->lock, NULL);

	if (err)
		return -err;
	c->id = atomic_fetch_add_explicit(&next_dev_id, 1, memory_order_relaxed);
	c->blocks = NULL;
	memset(&c->shared, 0, sizeof(c->shared));
	c->shared.shared = true;
	atomic_init(&c->walking, 0);
	return 0;
}

void dmab__ctr_fini(struct dmab__counters *c)
{
	struct dmab__ctr_block *b = c->blocks;

	while (b) {
		struct dmab__ctr_block *next = b->next;

		free(b);
		b = next;
	}
	c->blocks = NULL;
	pthread_mutex_destroy(&c->lock);
}

/*
 * This thread's block in @c's list, made if there is none; the shared block
 * if one cannot be made. The list is searched, not just added to, because
 * the cache forgets: a thread that drove more devices than the cache holds
 * comes back here and must find the block it had.
 */
static struct dmab__ctr_block *find_or_add(struct dmab__counters *c, uint64_t tid)
{
	struct dmab__ctr_block *b;

	pthread_mutex_lock(&c->lock);
	for (b = c->blocks; b; b = b->next)
		if (b->owner == tid)
			break;
	if (!b) {
		b = dmab__ctr_alloc(_Alignof(struct dmab__ctr_block), sizeof(*b));
		if (b) {
			memset(b, 0, sizeof(*b));
			b->owner = tid;
			b->next = c->blocks;
			c->blocks = b;
		} else {
			b = &c->shared;
		}
	}
	pthread_mutex_unlock(&c->lock);
	return b;
}

/* dmab__ctr_mine() when @c is not the first cache entry: look further, or
 * in the device's list; either way @c moves to the front. */
struct dmab__ctr_block *dmab__ctr_find(struct dmab__counters *c)
{
	struct dmab__ctr_cache *t = &dmab__ctr_tls;
	struct dmab__ctr_block *b = NULL;
	int k;

	for (k = 1; k < DMAB__CTR_CACHE; k++) {
		if (t->e[k].dev == c->id) {
			b = t->e[k].b;
			break;
		}
	}
	if (!b) {
		if (!t->tid)
			t->tid = atomic_fetch_add_explicit(&next_tid, 1, memory_order_relaxed);
		b = find_or_add(c, t->tid);
		k = DMAB__CTR_CACHE - 1; /* the least recently used goes */
	}
	memmove(&t->e[1], &t->e[0], (size_t)k * sizeof(t->e[0]));
	t->e[0].dev = c->id;
	t->e[0].b = b;
	return b;
}

static void add_block(const struct dmab__ctr_block *b, uint64_t *out)
{
	for (int i = 0; i < DMAB__NCTR; i++)
		out[i] += atomic_load_explicit(&b->v[i], memory_order_relaxed);
}

void dmab__ctr_sum(struct dmab__counters *c, uint64_t *out)
{
	memset(out, 0, DMAB__NCTR * sizeof(*out));
	add_block(&c->shared, out);
	pthread_mutex_lock(&c->lock);
	for (const struct dmab__ctr_block *b = c->blocks; b; b = b->next)
		add_block(b, out);
	pthread_mutex_unlock(&c->lock);
}

/* A map saw a walk under way: wait for it (the walk holds the lock from
 * before it sets @walking until after it clears it). */
void dmab__live_wait(struct dmab__counters *c)
{
	pthread_mutex_lock(&c->lock);
	pthread_mutex_unlock(&c->lock);
}

/* Take up to @want from @b's share; what was taken. */
static uint64_t take_share(struct dmab__ctr_block *b, uint64_t want)
{
	uint64_t v = atomic_load_explicit(&b->live, memory_order_seq_cst);
	uint64_t t;

	do
		t = v < want ? v : want;
	while (t && !atomic_compare_exchange_weak_explicit(
			&b->live, &v, v - t, memory_order_seq_cst, memory_order_seq_cst));
	return t;
}

/*
 * An unmap of @n whose own share @mine holds fewer: take the rest from the
 * other blocks. Why a refusal here is exact, although the other threads go
 * on mapping and unmapping while the walk reads their shares one by one:
 * a share's units never move to another block except by a walk, and walks
 * are serialised by the lock. A map whose add the walk might miss (made in
 * a block already visited) sees @walking and waits (dmab__live_add), so
 * the mapping it made cannot be handed on and unmapped during the walk. So
 * during the walk the units only shrink, each by an unmap of a distinct
 * mapping made before the walk began; if the caller's mapping is live, its
 * unit is still in some block when the walk reaches it, and the walk takes
 * every unit it visits (up to @n). Finding fewer than @n therefore means
 * fewer than @n of the mappings the caller names were live: give back what
 * was taken and refuse.
 */
bool dmab__live_steal(struct dmab__counters *c, struct dmab__ctr_block *mine, uint64_t n,
		      uint64_t *had)
{
	uint64_t got;

	pthread_mutex_lock(&c->lock);
	atomic_store_explicit(&c->walking, 1, memory_order_seq_cst);
	got = take_share(mine, n);
	if (got < n && mine != &c->shared)
		got += take_share(&c->shared, n - got);
	for (struct dmab__ctr_block *b = c->blocks; b && got < n; b = b->next)
		if (b != mine)
			got += take_share(b, n - got);
	if (got < n && got)
		atomic_fetch_add_explicit(&mine->live, got, memory_order_seq_cst);
	atomic_store_explicit(&c->walking, 0, memory_order_seq_cst);
	pthread_mutex_unlock(&c->lock);
	if (got < n && had)
		*had = got;
	return got == n;
}

uint64_t dmab__live_sum(struct dmab__counters *c)
{
	uint64_t sum = atomic_load_explicit(&c->shared.live, memory_order_seq_cst);

	pthread_mutex_lock(&c->lock);
	for (const struct dmab__ctr_block *b = c->blocks; b; b = b->next)
		sum += atomic_load_explicit(&b->live, memory_order_seq_cst);
	pthread_mutex_unlock(&c->lock);
	return sum;
}
