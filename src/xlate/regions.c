/* SPDX-License-Identifier: MIT */
/* The table of registered regions and its lock-free lookups; see regions.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <urcu-bp.h>

#include "../internal.h"
#include "regions.h"

int dmab__regions_init(struct dmab__regions *t, const struct dmab__xlate_backend *b, void *bctx,
		       const char *dev_name)
{
	int err = pthread_mutex_init(&t->lock, NULL);

	if (err)
		return -err;
	atomic_init(&t->snap, NULL);
	atomic_init(&t->queued, false);
	t->b = b;
	t->bctx = bctx;
	t->dev_name = dev_name;
	return 0;
}

static void region_free(struct dmab__regions *t, struct dmab__region *r, bool undo)
{
	if (undo && t->b)
		t->b->del(t->bctx, r);
	free(r->seg);
	free(r);
}

static void region_free_rcu(struct rcu_head *head)
{
	struct dmab__region *r = caa_container_of(head, struct dmab__region, rcu);

	free(r->seg);
	free(r);
}

static void snap_free_rcu(struct rcu_head *head)
{
	free(caa_container_of(head, struct dmab__snap, rcu));
}

void dmab__regions_fini(struct dmab__regions *t)
{
	struct dmab__snap *s = atomic_load(&t->snap);

	if (s) {
		for (size_t i = 0; i < s->nreg; i++)
			region_free(t, s->reg[i], true);
		free(s);
	}
	if (t->b && t->b->fini)
		t->b->fini(t->bctx);
	/* What call_rcu still holds is freed before the device goes. */
	if (atomic_load(&t->queued))
		rcu_barrier();
	pthread_mutex_destroy(&t->lock);
}

/*
 * The snapshot, for a reader inside rcu_read_lock(): an acquire load (the
 * C11 form of rcu_dereference, which the thread sanitizer understands);
 * the read-side section is what keeps it from being freed.
 */
static inline const struct dmab__snap *snap_read(struct dmab__regions *t)
{
	return atomic_load_explicit(&t->snap, memory_order_acquire);
}

/* The region with the highest start <= @cpu, or NULL. */
static struct dmab__region *find_reg(const struct dmab__snap *s, uintptr_t cpu)
{
	size_t lo = 0, hi = s ? s->nreg : 0;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (s->reg[mid]->cpu <= cpu)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo ? s->reg[lo - 1] : NULL;
}

/* The segment of @r with the highest start <= @cpu (r has one at its start). */
static const struct dmab__seg *find_seg_cpu(const struct dmab__region *r, uintptr_t cpu)
{
	size_t lo = 0, hi = r->nseg;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (r->seg[mid].cpu <= cpu)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo ? &r->seg[lo - 1] : NULL;
}

/* The segment holding all of [bus, bus+len), or NULL. */
static const struct dmab__seg *find_seg_bus(const struct dmab__snap *s, dmab_addr_t bus, size_t len)
{
	size_t lo = 0, hi = s ? s->nseg : 0;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (s->seg[mid]->bus <= bus)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo)
		return NULL;
	const struct dmab__seg *g = s->seg[lo - 1];

	return bus - g->bus < g->len && len <= g->len - (bus - g->bus) ? g : NULL;
}

static bool contains(uintptr_t start, size_t size, uintptr_t cpu, size_t len)
{
	return cpu >= start && cpu - start < size && len <= size - (cpu - start);
}

int dmab__regions_map(void *ctx, void *cpu, size_t len, dmab_addr_t *bus)
{
	struct dmab__regions *t = ctx;
	uintptr_t a = (uintptr_t)cpu;
	int err = -EFAULT;

	if (!len) {
		*bus = 0;
		return 0;
	}
	rcu_read_lock();
	struct dmab__region *r = find_reg(snap_read(t), a);

	if (r && contains(r->cpu, r->len, a, len)) {
		const struct dmab__seg *g = find_seg_cpu(r, a);

		err = -EXDEV;
		if (g && contains(g->cpu, g->len, a, len)) {
			*bus = g->bus + (a - g->cpu);
			atomic_fetch_add_explicit(&r->maps, 1, memory_order_relaxed);
			err = 0;
		}
	}
	rcu_read_unlock();
	return err;
}

int dmab__regions_pieces(void *ctx, const void *cpu, size_t len, struct dmab_sg *out, int max,
			 const struct dmab_sg *match)
{
	struct dmab__regions *t = ctx;
	uintptr_t a = (uintptr_t)cpu;
	int n = -EFAULT;

	rcu_read_lock();
	struct dmab__region *r = find_reg(snap_read(t), a);

	if (r && len && contains(r->cpu, r->len, a, len)) {
		/* The region's segments follow each other in CPU order. */
		const struct dmab__seg *g = find_seg_cpu(r, a);

		for (n = 0; len; n++, g++) {
			size_t off = a - g->cpu, take = g->len - off < len ? g->len - off : len;
			dmab_addr_t bus = g->bus + off;

			if (match && n < max &&
			    (match[n].dma_addr != bus || match[n].dma_len != take)) {
				n = -EINVAL;
				break;
			}
			if (out && n < max)
				out[n] = (struct dmab_sg){.addr = (void *)a,
							  .len = take,
							  .dma_addr = bus,
							  .dma_len = take};
			a += take;
			len -= take;
		}
	}
	rcu_read_unlock();
	return n;
}

void dmab__regions_unmap(void *ctx, dmab_addr_t bus, size_t len)
{
	struct dmab__regions *t = ctx;

	if (!len)
		return;
	rcu_read_lock();
	const struct dmab__seg *g = find_seg_bus(snap_read(t), bus, len);

	if (g)
		atomic_fetch_sub_explicit(&g->r->maps, 1, memory_order_relaxed);
	rcu_read_unlock();
}

int dmab__regions_to_cpu(void *ctx, dmab_addr_t bus, size_t len, void **cpu)
{
	struct dmab__regions *t = ctx;
	int err = -EINVAL;

	rcu_read_lock();
	const struct dmab__seg *g = find_seg_bus(snap_read(t), bus, len ? len : 1);

	if (g) {
		*cpu = (void *)(g->cpu + (uintptr_t)(bus - g->bus));
		err = 0;
	}
	rcu_read_unlock();
	return err;
}

static int by_bus(const void *a, const void *b)
{
	const struct dmab__seg *x = *(const struct dmab__seg *const *)a;
	const struct dmab__seg *y = *(const struct dmab__seg *const *)b;

	return x->bus < y->bus ? -1 : x->bus > y->bus;
}

/*
 * A new snapshot: @old's regions, less @drop, plus @add (either may be
 * NULL), in one block. NULL if out of memory; *@out NULL if it is empty.
 */
static int build(const struct dmab__snap *old, struct dmab__region *add,
		 const struct dmab__region *drop, struct dmab__snap **out)
{
	size_t nreg = 0, nseg = 0, oldn = old ? old->nreg : 0;

	for (size_t i = 0; i < oldn; i++)
		if (old->reg[i] != drop) {
			nreg++;
			nseg += old->reg[i]->nseg;
		}
	if (add) {
		nreg++;
		nseg += add->nseg;
	}
	*out = NULL;
	if (!nreg)
		return 0;
	struct dmab__snap *s = malloc(sizeof(*s) + nreg * sizeof(*s->reg) + nseg * sizeof(*s->seg));

	if (!s)
		return -ENOMEM;
	s->reg = (struct dmab__region **)(s + 1);
	s->seg = (struct dmab__seg **)(s->reg + nreg);
	s->nreg = s->nseg = 0;
	for (size_t i = 0; i <= oldn; i++) {
		struct dmab__region *r = i < oldn ? old->reg[i] : NULL;

		/* @add goes in before the first region above it. */
		if (add && (!r || r->cpu > add->cpu)) {
			s->reg[s->nreg++] = add;
			add = NULL;
		}
		if (r && r != drop)
			s->reg[s->nreg++] = r;
	}
	for (size_t i = 0; i < s->nreg; i++)
		for (size_t k = 0; k < s->reg[i]->nseg; k++)
			s->seg[s->nseg++] = &s->reg[i]->seg[k];
	qsort(s->seg, s->nseg, sizeof(*s->seg), by_bus);
	*out = s;
	return 0;
}

/* Publish @s in place of the current snapshot (lock held, released here);
 * the old one is freed once no reader can see it. */
static void publish(struct dmab__regions *t, struct dmab__snap *s)
{
	struct dmab__snap *old = atomic_load(&t->snap);

	/* Release: a reader that sees @s sees it whole. */
	atomic_store_explicit(&t->snap, s, memory_order_release);
	pthread_mutex_unlock(&t->lock);
	atomic_store(&t->queued, true);
	if (old)
		call_rcu(&old->rcu, snap_free_rcu);
}

int dmab__regions_add(struct dmab__regions *t, void *cpu, size_t len, bool owned)
{
	uintptr_t a = (uintptr_t)cpu;

	pthread_mutex_lock(&t->lock);
	struct dmab__snap *s = atomic_load(&t->snap);
	struct dmab__region *o = find_reg(s, a + len - 1);

	if (o && o->cpu + o->len > a) {
		int err = 0;

		if (o->cpu == a && o->len == len && !owned && !o->owned)
			o->refs++;
		else
			err = dmab__fail(-EEXIST,
					 "mem_register: %s: [%p, +%zu) overlaps the registered "
					 "region [%p, +%zu)%s",
					 t->dev_name, cpu, len, (void *)o->cpu, o->len,
					 o->owned ? " (the library's bounce pool)" : "");
		pthread_mutex_unlock(&t->lock);
		return err;
	}
	struct dmab__region *r = calloc(1, sizeof(*r));
	int err = r ? 0 : -ENOMEM;

	if (r) {
		r->cpu = a;
		r->len = len;
		r->refs = 1;
		r->owned = owned;
		atomic_init(&r->maps, 0);
		err = t->b ? t->b->add(t->bctx, s, r) : 0;
		if (err) {
			free(r->seg);
			free(r);
			pthread_mutex_unlock(&t->lock);
			return err;
		}
	}
	struct dmab__snap *n = NULL;

	if (!err)
		err = build(s, r, NULL, &n);
	if (err) {
		if (r)
			region_free(t, r, true);
		pthread_mutex_unlock(&t->lock);
		return dmab__fail(-ENOMEM, "mem_register: %s: out of memory", t->dev_name);
	}
	publish(t, n);
	return 0;
}

int dmab__regions_del(struct dmab__regions *t, void *cpu, size_t len, bool owned)
{
	uintptr_t a = (uintptr_t)cpu;
	int err = 0;

	pthread_mutex_lock(&t->lock);
	struct dmab__snap *s = atomic_load(&t->snap);
	struct dmab__region *r = find_reg(s, a);

	if (!r || r->cpu != a || r->len != len || r->owned != owned) {
		struct dmab__region *o = find_reg(s, a + len - 1);

		if (r && r->cpu + r->len <= a)
			r = NULL;
		if (!r)
			r = o && o->cpu + o->len > a ? o : NULL;
		if (r && r->owned != owned)
			err = dmab__fail(-EINVAL,
					 "mem_unregister: %s: [%p, +%zu) is the library's bounce "
					 "pool",
					 t->dev_name, cpu, len);
		else if (r)
			err = dmab__fail(-EINVAL,
					 "mem_unregister: %s: [%p, +%zu) is not a whole region: "
					 "the registered region is [%p, +%zu)",
					 t->dev_name, cpu, len, (void *)r->cpu, r->len);
		else
			err =
			    dmab__fail(-EINVAL, "mem_unregister: %s: [%p, +%zu) is not registered",
				       t->dev_name, cpu, len);
		pthread_mutex_unlock(&t->lock);
		return err;
	}
	if (r->refs > 1) {
		r->refs--;
		pthread_mutex_unlock(&t->lock);
		return 0;
	}
	uint64_t maps = atomic_load_explicit(&r->maps, memory_order_relaxed);

	if (maps) {
		pthread_mutex_unlock(&t->lock);
		return dmab__fail(-EBUSY,
				  "mem_unregister: %s: [%p, +%zu) still has %llu live mappings",
				  t->dev_name, cpu, len, (unsigned long long)maps);
	}
	struct dmab__snap *n;

	if (build(s, NULL, r, &n)) {
		pthread_mutex_unlock(&t->lock);
		return dmab__fail(-ENOMEM, "mem_unregister: %s: out of memory", t->dev_name);
	}
	publish(t, n);
	/* Undone once no map can still be looking it up; its memory goes when
	 * no reader can still hold it. */
	synchronize_rcu();
	if (t->b)
		t->b->del(t->bctx, r);
	call_rcu(&r->rcu, region_free_rcu);
	return 0;
}
