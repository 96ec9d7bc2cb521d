/* SPDX-License-Identifier: MIT */
/*
 * The checker's judgements: each hook of debug.h, and the device's part
 * (init, fini). Every judgement runs before the call changes anything, so
 * that a misuse returns with the device as it was.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../os/os.h"
#include "memory.h"
#include "state.h"

int dmab__debug_init(struct dmab_device *dev, const struct dmab_device_config *cfg)
{
	const char *env = dmab__os_getenv("DMAB_DEBUG");
	bool guard = (cfg->debug & DMAB_DEBUG_GUARD) || (env && strcmp(env, "guard") == 0);
	bool on = guard || (cfg->debug & DMAB_DEBUG_CHECK) || (env && strcmp(env, "1") == 0);

#ifdef DMAB_NO_DEBUG
	on = false; /* built without the hooks: nothing would be judged */
#endif
	dev->debug = NULL;
	if (cfg->debug & ~(DMAB_DEBUG_CHECK | DMAB_DEBUG_GUARD))
		return dmab__fail(-EINVAL, "device_create: unknown debug bits 0x%x",
				  cfg->debug & ~(DMAB_DEBUG_CHECK | DMAB_DEBUG_GUARD));
	if (!on)
		return 0;
	struct dmab__debug *d = calloc(1, sizeof(*d));

	if (!d)
		return dmab__fail(-ENOMEM, "device_create: checker: out of memory");
	d->line_size = dev->arch.line ? dev->arch.line : 64;
	d->guard = guard;
	d->page = dmab__os_page_size();
	if (pthread_mutex_init(&d->lock, NULL)) {
		free(d);
		return dmab__fail(-ENOMEM, "device_create: checker: no lock");
	}
	if (dmab__dbg_track_init(d)) {
		pthread_mutex_destroy(&d->lock);
		free(d);
		return dmab__fail(-ENOMEM, "device_create: checker: no hash table");
	}
	dev->debug = d;
	return 0;
}

void dmab__debug_fini(struct dmab_device *dev)
{
	struct dmab__debug *d = dev->debug;

	if (!d)
		return;
	dmab__dbg_track_fini(d);
	dmab__dbg_mem_fini(d);
	pthread_mutex_destroy(&d->lock);
	free(d);
	dev->debug = NULL;
}

static struct dmab__dbg_pend *pend_new(int n)
{
	struct dmab__dbg_pend *p = calloc(1, sizeof(*p) + (size_t)n * sizeof(p->v[0]));

	if (p)
		p->n = 0;
	return p;
}

/* The map-time classes of one entry, against memory and the live records. */
static int judge_map_entry(struct dmab_device *dev, const struct dmab__dbg_call *c,
			   const struct dmab_sg *sg)
{
	struct dmab__debug *d = dev->debug;
	enum dmab_debug_class cls;

	if (dmab__dbg_mem_class(d, sg->addr, sg->len, c->dir, &cls))
		return dmab__dbg_report(dev, cls, c, sg, NULL);

	uintptr_t lmask = ~(uintptr_t)(d->line_size - 1);
	uintptr_t ends[2] = {(uintptr_t)sg->addr & lmask,
			     ((uintptr_t)sg->addr + sg->len - 1) & lmask};
	struct dmab__dbg_node *hit = NULL;

	urcu_bp_read_lock();
	for (int i = 0; i < 2 && !hit; i++)
		hit = dmab__dbg_line_user(d, ends[i], c->dir, c->attrs);
	struct dmab_debug_mapping m = hit ? hit->m : (struct dmab_debug_mapping){0};

	dmab__dbg_read_unlock(d);
	if (hit)
		return dmab__dbg_report(dev, DMAB_DEBUG_MAP_OVERLAP, c, sg, &m);
	return 0;
}

int dmab__debug_map_begin_(struct dmab_device *dev, const struct dmab__dbg_call *c,
			   const struct dmab_sg *sg, int n, struct dmab__dbg_pend **out)
{
	struct dmab__dbg_pend *p = pend_new(n);

	*out = NULL;
	if (p && !(p->blk = dmab__dbg_block_new(n))) {
		free(p);
		p = NULL;
	}
	if (!p)
		return dmab__fail(-ENOMEM, "%s: %s: checker: out of memory", c->what, dev->name);
	for (int i = 0; i < n; i++) {
		if (!sg[i].len)
			continue;
		int err = judge_map_entry(dev, c, &sg[i]);

		if (!err && dev->iommu && c->kind == DMAB_DEBUG_KIND_SG)
			err = dmab__dbg_iommu_limits(dev, c, &sg[i]);

		if (err) {
			dmab__debug_abort_(dev, p);
			return err;
		}
		p->v[p->n] = &p->blk->v[p->n];
		dmab__dbg_node_init(p->v[p->n], p->blk, c, &sg[i]);
		p->n++;
	}
	atomic_init(&p->blk->refs, p->n);
	*out = p;
	return 0;
}

/* The bus addresses are known: file the records (entries skipped at begin
 * are the empty ones, in the same order). */
void dmab__debug_map_end_(struct dmab_device *dev, struct dmab__dbg_pend *p,
			  const struct dmab_sg *sg, int n)
{
	int k = 0;

	if (dev->iommu && p->n) {
		dmab__dbg_file_segments(dev, p, sg, n);
		return;
	}
	for (int i = 0; i < n; i++) {
		if (!sg[i].len)
			continue;
		p->v[k]->m.addr = sg[i].dma_addr;
		dmab__dbg_insert(dev->debug, p->v[k]);
		dmab__dbg_guard_map(dev, p->v[k++]);
	}
	if (!p->n)
		free(p->blk); /* a list of empty entries: nothing filed */
	free(p);
}

/* The class of an unmap of @sg judged against @m, the record found for it;
 * DMAB_DEBUG_NCLASS if they agree. */
static enum dmab_debug_class judge_unmap(const struct dmab__dbg_call *c, const struct dmab_sg *sg,
					 const struct dmab_debug_mapping *m)
{
	if (m->addr != sg->dma_addr)
		return DMAB_DEBUG_UNMAP_NOT_MAPPED;
	if (m->kind != c->kind)
		return DMAB_DEBUG_UNMAP_FUNCTION;
	if (m->len != sg->dma_len)
		return DMAB_DEBUG_UNMAP_SIZE;
	if (m->nents != c->nents)
		return DMAB_DEBUG_UNMAP_NENTS;
	if (m->dir != c->dir)
		return DMAB_DEBUG_UNMAP_DIR;
	return DMAB_DEBUG_NCLASS;
}

/* What an unmap of @sg should find, for picking among records at one address. */
static struct dmab_debug_mapping wanted(const struct dmab__dbg_call *c, const struct dmab_sg *sg)
{
	return (struct dmab_debug_mapping){.addr = sg->dma_addr,
					   .len = sg->dma_len,
					   .dir = c->dir,
					   .kind = c->kind,
					   .nents = c->nents};
}

static int unmap_entry(struct dmab_device *dev, const struct dmab__dbg_call *c,
		       const struct dmab_sg *sg, struct dmab__dbg_node **claimed)
{
	struct dmab__debug *d = dev->debug;
	struct dmab_debug_mapping want = wanted(c, sg), m;
	enum dmab_debug_class cls = DMAB_DEBUG_NCLASS;

	struct dmab__dbg_node *n, *gone;
	bool lost;

	urcu_bp_read_lock();
	do {
		int live = DMAB__DBG_LIVE;

		lost = false;
		n = dmab__dbg_find(d, sg->dma_addr, &want, &gone);
		if (!n)
			break;
		m = n->m;
		cls = judge_unmap(c, sg, &m);
		/* Lost to a racing unmap of the same record: look again, for
		 * another mapping of the same buffer may still be live. */
		if (cls == DMAB_DEBUG_NCLASS)
			lost = !atomic_compare_exchange_strong(&n->state, &live, DMAB__DBG_CLAIMED);
	} while (lost);
	if (n && cls == DMAB_DEBUG_NCLASS)
		*claimed = n;
	/* Being unmapped by another thread right now. */
	if (!n && gone)
		m = gone->m;
	dmab__dbg_read_unlock(d);
	if (!n && gone)
		return dmab__dbg_report(dev, DMAB_DEBUG_UNMAP_ALREADY, c, sg, &m);
	if (n && cls == DMAB_DEBUG_NCLASS)
		return 0;
	/* An address inside a live mapping, or none: maybe one just unmapped. */
	if ((!n || cls == DMAB_DEBUG_UNMAP_NOT_MAPPED) &&
	    dmab__dbg_recent_find(d, sg->dma_addr, &m))
		return dmab__dbg_report(dev, DMAB_DEBUG_UNMAP_ALREADY, c, sg, &m);
	if (!n)
		return dmab__dbg_report(dev, DMAB_DEBUG_UNMAP_NOT_MAPPED, c, sg, NULL);
	return dmab__dbg_report(dev, cls, c, sg, &m);
}

int dmab__debug_unmap_begin_(struct dmab_device *dev, const struct dmab__dbg_call *c,
			     const struct dmab_sg *sg, int n, struct dmab__dbg_pend **out)
{
	struct dmab__dbg_pend *p = pend_new(n);

	*out = NULL;
	if (!p)
		return dmab__fail(-ENOMEM, "%s: %s: checker: out of memory", c->what, dev->name);
	for (int i = 0; i < n; i++) {
		if (!sg[i].dma_len)
			continue;
		int err = unmap_entry(dev, c, &sg[i], &p->v[p->n]);

		if (err) {
			dmab__debug_abort_(dev, p);
			return err;
		}
		p->n++;
	}
	/* The guards go before the call's maintenance and copies. */
	for (int i = 0; i < p->n; i++) {
		int err = dmab__dbg_guard_lift(dev->debug, p->v[i], &p->v[i]->glifted);

		if (err) {
			unsigned long long at = p->v[i]->m.addr;

			dmab__debug_abort_(dev, p);
			return dmab__fail(err, "%s: %s: the guard of 0x%llx cannot be lifted",
					  c->what, dev->name, at);
		}
	}
	*out = p;
	return 0;
}

void dmab__debug_unmap_end_(struct dmab_device *dev, struct dmab__dbg_pend *p)
{
	dmab__dbg_recent_add(dev->debug, p->v, p->n);
	for (int i = 0; i < p->n; i++) {
		dmab__dbg_guard_release(dev->debug, p->v[i]);
		dmab__dbg_remove(dev->debug, p->v[i]);
	}
	free(p);
}

void dmab__debug_abort_(struct dmab_device *dev, struct dmab__dbg_pend *p)
{
	/* A map's records were never filed, never seen by another thread; an
	 * unmap's claimed records go back to live. */
	if (p->blk)
		free(p->blk);
	else
		for (int i = 0; i < p->n; i++) {
			if (p->v[i]->glifted)
				dmab__dbg_guard_put(dev->debug, p->v[i]);
			p->v[i]->glifted = false;
			atomic_store(&p->v[i]->state, DMAB__DBG_LIVE);
		}
	free(p);
}

static int judge_sync(struct dmab_device *dev, const struct dmab__dbg_call *c,
		      const struct dmab_sg *sg)
{
	struct dmab_debug_mapping want = wanted(c, sg), m;

	urcu_bp_read_lock();
	struct dmab__dbg_node *n = dmab__dbg_find(dev->debug, sg->dma_addr, &want, NULL);

	if (n)
		m = n->m;
	dmab__dbg_read_unlock(dev->debug);

	enum dmab_debug_class cls = DMAB_DEBUG_NCLASS;

	if (!n)
		cls = DMAB_DEBUG_SYNC_NOT_MAPPED;
	else if (sg->dma_len > m.len - (size_t)(sg->dma_addr - m.addr))
		cls = DMAB_DEBUG_SYNC_OUTSIDE;
	/* As the kernel: a BIDIRECTIONAL mapping takes any direction; a
	 * direction that differs is the more specific class when it hands the
	 * CPU a buffer the device only reads, or the device one it only writes
	 * (a sync in the mapping's own direction is always right). */
	else if (m.dir != c->dir && m.dir != DMAB_BIDIRECTIONAL)
		cls = (c->for_cpu && m.dir == DMAB_TO_DEVICE) ||
			      (!c->for_cpu && m.dir == DMAB_FROM_DEVICE)
			  ? DMAB_DEBUG_SYNC_WRONG_WAY
			  : DMAB_DEBUG_SYNC_DIR;
	else if (c->kind == DMAB_DEBUG_KIND_SG && m.nents != c->nents)
		cls = DMAB_DEBUG_SYNC_NENTS;
	return cls == DMAB_DEBUG_NCLASS ? 0 : dmab__dbg_report(dev, cls, c, sg, n ? &m : NULL);
}

/* Guard mode, each entry's mapping (found again: judged live just now):
 * @lift its guard before a sync's maintenance, or put it back after a sync
 * for the device of the whole mapping. */
static int sync_guards(struct dmab_device *dev, const struct dmab_sg *sg, int n, bool lift)
{
	struct dmab__debug *d = dev->debug;
	int err = 0;

	urcu_bp_read_lock();
	for (int i = 0; i < n && !err; i++) {
		struct dmab_debug_mapping want = {.addr = sg[i].dma_addr, .len = sg[i].dma_len};
		struct dmab__dbg_node *r =
		    sg[i].dma_len ? dmab__dbg_find(d, sg[i].dma_addr, &want, NULL) : NULL;
		bool lifted;

		if (r && lift)
			err = dmab__dbg_guard_lift(d, r, &lifted);
		else if (r && r->m.addr == sg[i].dma_addr && sg[i].dma_len >= r->m.len)
			dmab__dbg_guard_put(d, r);
	}
	dmab__dbg_read_unlock(d);
	if (err)
		return dmab__fail(err, "sync: %s: a guard cannot be lifted", dev->name);
	return 0;
}

int dmab__debug_sync_(struct dmab_device *dev, const struct dmab__dbg_call *c,
		      const struct dmab_sg *sg, int n)
{
	for (int i = 0; i < n; i++) {
		if (!sg[i].dma_len)
			continue;
		int err = judge_sync(dev, c, &sg[i]);

		if (err)
			return err;
	}
	return dev->debug->guard ? sync_guards(dev, sg, n, true) : 0;
}

void dmab__debug_synced_(struct dmab_device *dev, const struct dmab_sg *sg, int n)
{
	if (dev->debug->guard)
		(void)sync_guards(dev, sg, n, false);
}

int dmab__debug_teardown_(struct dmab_device *dev, const void *caller)
{
	struct dmab__debug *d = dev->debug;
	struct cds_lfht_iter it;
	struct cds_lfht_node *hn;
	int live = 0;
	struct dmab__dbg_call c = {.what = "device_destroy", .caller = caller};

	urcu_bp_read_lock();
	cds_lfht_for_each(d->by_bus, &it, hn)
	{
		struct dmab__dbg_node *n =
		    (struct dmab__dbg_node *)((char *)hn - offsetof(struct dmab__dbg_node, by_bus));
		struct dmab_sg sg = dmab__dbg_one((void *)n->m.cpu, n->m.addr, n->m.len);

		c.dir = n->m.dir;
		c.kind = n->m.kind;
		c.nents = n->m.nents;
		(void)dmab__dbg_report(dev, DMAB_DEBUG_TEARDOWN_LIVE, &c, &sg, &n->m);
		live++;
	}
	dmab__dbg_read_unlock(d);
	if (!live)
		return 0;
	return dmab__fail(-EBUSY, "device_destroy: %s: %d mappings still live", dev->name, live);
}

int dmab__debug_alloc_begin_(struct dmab_device *dev, struct dmab__dbg_pend **out)
{
	struct dmab__dbg_pend *p = pend_new(1);

	*out = NULL;
	if (p && !(p->blk = dmab__dbg_block_new(1))) {
		free(p);
		p = NULL;
	}
	if (!p)
		return dmab__fail(-ENOMEM, "%s: checker: out of memory", dev->name);
	*out = p;
	return 0;
}

void dmab__debug_alloc_end_(struct dmab_device *dev, struct dmab__dbg_pend *p,
			    const struct dmab__dbg_call *c, void *cpu, dmab_addr_t dma, size_t len)
{
	struct dmab_sg one = dmab__dbg_one(cpu, dma, len);

	p->v[0] = &p->blk->v[0];
	dmab__dbg_node_init(p->v[0], p->blk, c, &one);
	p->n = 1;
	atomic_init(&p->blk->refs, 1);
	dmab__debug_map_end_(dev, p, &one, 1);
}

/* The allocation's own free has checked its arguments: only its record goes. */
void dmab__debug_free_(struct dmab_device *dev, dmab_addr_t dma)
{
	struct dmab__debug *d = dev->debug;
	struct dmab_debug_mapping want = {.addr = dma, .kind = DMAB_DEBUG_KIND_ALLOC, .nents = 1};
	struct dmab__dbg_node *n, *claimed = NULL;

	urcu_bp_read_lock();
	n = dmab__dbg_find(d, dma, &want, NULL);
	if (n && n->m.addr == dma && n->m.kind == DMAB_DEBUG_KIND_ALLOC) {
		int live = DMAB__DBG_LIVE;

		if (atomic_compare_exchange_strong(&n->state, &live, DMAB__DBG_CLAIMED))
			claimed = n;
	}
	dmab__dbg_read_unlock(d);
	if (claimed)
		dmab__dbg_remove(d, claimed);
}
