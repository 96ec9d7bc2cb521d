/* SPDX-License-Identifier: MIT */
/* The checker's tracker of live mappings (state.h says how it is keyed). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "state.h"

#define node_of(ptr, member)                                                                       \
	((struct dmab__dbg_node *)((char *)(ptr)-offsetof(struct dmab__dbg_node, member)))

static unsigned long mix(uint64_t k)
{
	k ^= k >> 33;
	k *= UINT64_C(0xff51afd7ed558ccd);
	k ^= k >> 33;
	return (unsigned long)k;
}

static uint64_t chunk_of(dmab_addr_t bus)
{
	return bus >> DMAB__DBG_CHUNK_SHIFT;
}

static int match_chunk(struct cds_lfht_node *ht_node, const void *key)
{
	struct dmab__dbg_node *n = node_of(ht_node, by_bus);

	/* Pairs with the release in dmab__dbg_insert(): the record's fields
	 * are read only after its state (liburcu 0.13's own publication is
	 * invisible to TSan). */
	(void)atomic_load_explicit(&n->state, memory_order_acquire);
	return chunk_of(n->m.addr) == *(const uint64_t *)key;
}

static int match_line(struct cds_lfht_node *ht_node, const void *key)
{
	const struct dmab__dbg_lnode *l =
	    (const struct dmab__dbg_lnode *)((const char *)ht_node -
					     offsetof(struct dmab__dbg_lnode, hn));

	(void)atomic_load_explicit(&l->owner->state, memory_order_acquire); /* see match_chunk */
	return l->line == *(const uintptr_t *)key;
}

int dmab__dbg_track_init(struct dmab__debug *d)
{
	if (pthread_mutex_init(&d->retire_lock, NULL))
		return -ENOMEM;
	d->by_bus =
	    cds_lfht_new_flavor(DMAB__DBG_BUCKETS, DMAB__DBG_BUCKETS, 0,
				CDS_LFHT_AUTO_RESIZE | CDS_LFHT_ACCOUNTING, &urcu_bp_flavor, NULL);
	if (!d->by_bus) {
		pthread_mutex_destroy(&d->retire_lock);
		return -ENOMEM;
	}
	d->by_line =
	    cds_lfht_new_flavor(DMAB__DBG_BUCKETS, DMAB__DBG_BUCKETS, 0,
				CDS_LFHT_AUTO_RESIZE | CDS_LFHT_ACCOUNTING, &urcu_bp_flavor, NULL);
	if (!d->by_line) {
		(void)cds_lfht_destroy(d->by_bus, NULL);
		pthread_mutex_destroy(&d->retire_lock);
		return -ENOMEM;
	}
	return 0;
}

static void free_blocks(struct dmab__dbg_block *b)
{
	while (b) {
		struct dmab__dbg_block *next = b->next;

		free(b);
		b = next;
	}
}

static void unfile(struct dmab__debug *d, struct dmab__dbg_node *n)
{
	(void)cds_lfht_del(d->by_bus, &n->by_bus);
	(void)cds_lfht_del(d->by_line, &n->ln[0].hn);
	if (n->ln[1].line != n->ln[0].line)
		(void)cds_lfht_del(d->by_line, &n->ln[1].hn);
}

/* The device is going: no other thread uses it, so records go at once. */
void dmab__dbg_track_fini(struct dmab__debug *d)
{
	struct cds_lfht_iter it;
	struct cds_lfht_node *hn;
	struct dmab__dbg_block *dead = d->retired;

	urcu_bp_read_lock();
	cds_lfht_for_each(d->by_bus, &it, hn)
	{
		struct dmab__dbg_node *n = node_of(hn, by_bus);

		unfile(d, n);
		if (atomic_fetch_sub(&n->blk->refs, 1) == 1) {
			n->blk->next = dead;
			dead = n->blk;
		}
	}
	dmab__dbg_read_unlock(d);
	dmab__dbg_synchronize(d);
	free_blocks(dead);
	d->retired = NULL;
	pthread_mutex_destroy(&d->retire_lock);
	(void)cds_lfht_destroy(d->by_line, NULL);
	(void)cds_lfht_destroy(d->by_bus, NULL);
}

struct dmab__dbg_block *dmab__dbg_block_new(int n)
{
	return calloc(1,
		      sizeof(struct dmab__dbg_block) + (size_t)n * sizeof(struct dmab__dbg_node));
}

void dmab__dbg_node_init(struct dmab__dbg_node *n, struct dmab__dbg_block *blk,
			 const struct dmab__dbg_call *c, const struct dmab_sg *sg)
{
	n->blk = blk;
	cds_lfht_node_init(&n->by_bus);
	for (int i = 0; i < 2; i++) {
		cds_lfht_node_init(&n->ln[i].hn);
		n->ln[i].owner = n;
	}
	n->attrs = c->attrs;
	n->gslot = -1;
	atomic_init(&n->gstate, DMAB__DBG_G_NONE);
	n->glifted = false;
	n->m = (struct dmab_debug_mapping){.addr = sg->dma_addr,
					   .len = sg->len,
					   .cpu = sg->addr,
					   .dir = c->dir,
					   .kind = c->kind,
					   .nents = c->nents,
					   .caller = c->caller};
	n->cpu_last = (uintptr_t)sg->addr + sg->len - 1;
}

void dmab__dbg_insert(struct dmab__debug *d, struct dmab__dbg_node *n)
{
	uint64_t ch = chunk_of(n->m.addr);
	uintptr_t lmask = ~(uintptr_t)(d->line_size - 1);
	size_t longest = atomic_load_explicit(&d->longest, memory_order_relaxed);

	while (n->m.len > longest &&
	       !atomic_compare_exchange_weak_explicit(&d->longest, &longest, n->m.len,
						      memory_order_relaxed, memory_order_relaxed))
		;
	n->ln[0].line = (uintptr_t)n->m.cpu & lmask;
	n->ln[1].line = n->cpu_last & lmask;
	atomic_store_explicit(&n->state, DMAB__DBG_LIVE, memory_order_release);
	urcu_bp_read_lock();
	cds_lfht_add(d->by_bus, mix(ch), &n->by_bus);
	cds_lfht_add(d->by_line, mix(n->ln[0].line), &n->ln[0].hn);
	if (n->ln[1].line != n->ln[0].line)
		cds_lfht_add(d->by_line, mix(n->ln[1].line), &n->ln[1].hn);
	dmab__dbg_read_unlock(d);
}

/* Only the claimer of @n removes it: each del succeeds once. */
void dmab__dbg_remove(struct dmab__debug *d, struct dmab__dbg_node *n)
{
	struct dmab__dbg_block *b = n->blk, *dead = NULL;

	urcu_bp_read_lock();
	unfile(d, n);
	dmab__dbg_read_unlock(d);
	if (atomic_fetch_sub_explicit(&b->refs, 1, memory_order_acq_rel) != 1)
		return;
	pthread_mutex_lock(&d->retire_lock);
	b->next = d->retired;
	d->retired = b;
	if (++d->nretired >= DMAB__DBG_RETIRE) {
		dead = d->retired;
		d->retired = NULL;
		d->nretired = 0;
	}
	pthread_mutex_unlock(&d->retire_lock);
	if (dead) {
		dmab__dbg_synchronize(d);
		free_blocks(dead);
	}
}

static int agreement(const struct dmab__dbg_node *n, const struct dmab_debug_mapping *w)
{
	return (n->m.len == w->len) + (n->m.dir == w->dir) + (n->m.kind == w->kind) +
	       (n->m.nents == w->nents);
}

struct dmab__dbg_node *dmab__dbg_find(struct dmab__debug *d, dmab_addr_t bus,
				      const struct dmab_debug_mapping *want,
				      struct dmab__dbg_node **gone)
{
	size_t longest = atomic_load_explicit(&d->longest, memory_order_relaxed);
	uint64_t first = chunk_of(bus);
	uint64_t back = ((uint64_t)longest >> DMAB__DBG_CHUNK_SHIFT) + 1;
	uint64_t last = first > back ? first - back : 0;
	struct dmab__dbg_node *best = NULL, *inside = NULL;
	int best_score = -1;

	if (gone)
		*gone = NULL;

	for (uint64_t ch = first;; ch--) {
		struct cds_lfht_iter it;
		struct cds_lfht_node *hn;

		cds_lfht_for_each_duplicate(d->by_bus, mix(ch), match_chunk, &ch, &it, hn)
		{
			struct dmab__dbg_node *n = node_of(hn, by_bus);

			if (atomic_load_explicit(&n->state, memory_order_acquire) !=
			    DMAB__DBG_LIVE) {
				if (gone && n->m.addr == bus)
					*gone = n;
				continue;
			}
			if (n->m.addr == bus) {
				int s = agreement(n, want);

				if (s > best_score) {
					best = n;
					best_score = s;
				}
			} else if (!inside && n->m.addr < bus && bus - n->m.addr < n->m.len) {
				inside = n;
			}
		}
		if (best || ch == last)
			break;
	}
	return best ? best : inside;
}

struct dmab__dbg_node *dmab__dbg_line_user(struct dmab__debug *d, uintptr_t line, enum dmab_dir dir,
					   unsigned attrs)
{
	struct cds_lfht_iter it;
	struct cds_lfht_node *hn;

	if (attrs & DMAB_ATTR_SKIP_CPU_SYNC)
		return NULL;
	cds_lfht_for_each_duplicate(d->by_line, mix(line), match_line, &line, &it, hn)
	{
		struct dmab__dbg_node *n =
		    ((struct dmab__dbg_lnode *)((char *)hn - offsetof(struct dmab__dbg_lnode, hn)))
			->owner;

		if (atomic_load_explicit(&n->state, memory_order_acquire) != DMAB__DBG_LIVE)
			continue;
		if (n->attrs & DMAB_ATTR_SKIP_CPU_SYNC)
			continue;
		if (n->m.dir != DMAB_TO_DEVICE || dir != DMAB_TO_DEVICE)
			return n;
	}
	return NULL;
}

void dmab__dbg_recent_add(struct dmab__debug *d, struct dmab__dbg_node *const *v, int n)
{
	int from = n > DMAB__DBG_RECENT ? n - DMAB__DBG_RECENT : 0;

	pthread_mutex_lock(&d->lock);
	for (int i = from; i < n; i++)
		d->recent[d->recent_next++ % DMAB__DBG_RECENT] = v[i]->m;
	pthread_mutex_unlock(&d->lock);
}

bool dmab__dbg_recent_find(struct dmab__debug *d, dmab_addr_t bus, struct dmab_debug_mapping *out)
{
	bool found = false;

	pthread_mutex_lock(&d->lock);
	unsigned have = d->recent_next < DMAB__DBG_RECENT ? d->recent_next : DMAB__DBG_RECENT;

	for (unsigned i = 0; i < have && !found; i++) {
		const struct dmab_debug_mapping *m =
		    &d->recent[(d->recent_next - 1 - i) % DMAB__DBG_RECENT];

		if (m->addr == bus) {
			*out = *m;
			found = true;
		}
	}
	pthread_mutex_unlock(&d->lock);
	return found;
}
