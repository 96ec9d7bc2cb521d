/* SPDX-License-Identifier: MIT */
/*
 * map and unmap, single and scatter-gather.
 *
 * Each call works in phases: first every entry is checked and translated,
 * or given bounce slots (a failure unwinds what was translated or allocated
 * and returns with no maintenance issued and no counter moved), and its
 * facts kept (entry.h); then the maintenance of all entries, as the call's
 * rule says (rules.h), goes into one batch that completes once; an unmap
 * then gives the bus addresses back. A bounced entry's maintenance is on its slots: at map, the
 * original is copied in before the slots' clean is added; at unmap, the copy back is deferred by
 * the batch until after the completion, and the slots are freed only after that.
 */
#include <errno.h>

#include "debug/debug.h"
#include "fast.h"
#include "steps.h"
#include "xlate/iommu.h"

#define DMAB__KNOWN_ATTRS (DMAB_ATTR_SKIP_CPU_SYNC | DMAB_ATTR_NO_WARN)

static int check_call(struct dmab_device *dev, enum dmab_dir dir, unsigned attrs, const char *what)
{
	if (!dev)
		return dmab__fail(-EINVAL, "%s: NULL device", what);
	if (!dmab__dir_ok(dir))
		return dmab__fail(-EINVAL, "%s: %s: direction %d is not 0, 1 or 2", what, dev->name,
				  (int)dir);
	if (attrs & ~DMAB__KNOWN_ATTRS)
		return dmab__fail(-EINVAL, "%s: %s: unknown attribute bits 0x%x", what, dev->name,
				  attrs & ~DMAB__KNOWN_ATTRS);
	return 0;
}

static int check_buffer(struct dmab_device *dev, const void *cpu, size_t len, const char *what,
			int index)
{
	if ((!cpu && len) || !dmab__lines_ok((uintptr_t)cpu, len, dev->arch.line))
		return dmab__fail(-EINVAL, "%s: %s: entry %d: %s", what, dev->name, index,
				  !cpu ? "NULL address"
				       : "address + length, rounded to whole lines, overflows");
	return 0;
}

/*
 * Phase one of a map, per entry: give one buffer a bus address, its own,
 * translated, if the device can use it in place, else bounce slots; *e gets
 * its facts. Forced and unaligned bouncing are decided before translating,
 * since the original then needs no bus address at all.
 */
static inline int map_entry(struct dmab_device *dev, struct dmab__hold *h, void *cpu, size_t len,
			    enum dmab_dir dir, unsigned attrs, struct dmab__entry *e,
			    const char *what, int index)
{
	/* bounce_pools first: a device that can never bounce pays no call. */
	if (dev->bounce_pools && dmab__bounce_wanted(dev, cpu, len, dir))
		return dmab__bounce_map(dev, h, cpu, len, attrs, e, what, index);

	int err = dmab__xlate_map(dev->xlate, dev->xlate_ctx, cpu, len, &e->bus);

	/* Unregistered (or discontiguous) memory goes through the pool, whose
	 * memory the library registered itself. */
	if (err && dev->bounce_pools)
		return dmab__bounce_map(dev, h, cpu, len, attrs, e, what, index);
	if (err)
		return dmab__fail(err, "%s: %s: entry %d: %s: %s (bouncing is off for this device)",
				  what, dev->name, index, dev->xlate->name, dmab__xlate_why(err));
	if (!dmab__dma_capable(dev->mask, e->bus, len)) {
		dmab__xlate_unmap(dev->xlate, dev->xlate_ctx, e->bus, len);
		if (dev->bounce_pools)
			return dmab__bounce_map(dev, h, cpu, len, attrs, e, what, index);
		return dmab__fail(-ERANGE,
				  "%s: %s: entry %d: bus range 0x%llx+%zu is beyond the DMA mask "
				  "0x%llx (bouncing is off for this device)",
				  what, dev->name, index, (unsigned long long)e->bus, len,
				  (unsigned long long)dev->mask);
	}
	e->cpu = cpu;
	e->len = len;
	e->pool = NULL;
	return 0;
}

/* Give an entry's bus address back: unmap's last phase, or the undoing of
 * map_entry() for an entry whose call fails later. */
static inline void release_entry(struct dmab_device *dev, struct dmab__hold *h,
				 const struct dmab__entry *e)
{
	if (e->pool)
		(void)dmab__bounce_release(dev, h, e);
	else
		dmab__xlate_unmap(dev->xlate, dev->xlate_ctx, e->bus, e->len);
}

/* Take @n direct entries off the live count; refuse to go below zero. The
 * unmap's one locked operation, before anything is issued, as in add_live().
 * Bounce mappings are counted by their pool (dmab__bounce_live): they leave
 * the count only when their slots are really freed. */
static __attribute__((noinline, cold)) int drop_refused(struct dmab_device *dev, uint64_t n,
							uint64_t live, const char *what)
{
	return dmab__fail(-EINVAL, "%s: %s: %llu direct entries to unmap but only %llu are mapped",
			  what, dev->name, (unsigned long long)n, (unsigned long long)live);
}

static inline int drop_live(struct dmab_device *dev, uint64_t n, const char *what)
{
	uint64_t live = 0;

	if (__builtin_expect(dmab__live_drop(&dev->c, n, &live), 1))
		return 0;
	return drop_refused(dev, n, live, what);
}

/*
 * The one locked operation of a map: live must be exact across threads (see
 * counters.h). It comes before any maintenance is issued, so that it does
 * not wait for this call's own write-backs. @entries are direct ones, in
 * the bus span [lo, hi) (empty if lo >= hi).
 */
static void add_live(struct dmab_device *dev, uint64_t entries, uintptr_t lo, uintptr_t hi)
{
	if (lo < hi)
		dmab__direct_note(dev, lo, hi);
	if (entries)
		dmab__live_add(&dev->c, entries);
}

/*
 * The rest of a call's counts, in this thread's block with plain stores:
 * made at the end, where they overlap the write-backs still in flight
 * rather than come before their issue.
 */
DMAB__HOT void count_call(struct dmab_device *dev, enum dmab__ctr call, const struct dmab__tally *n)
{
	dmab__ctr_add(dmab__ctr_mine(&dev->c), call, 1);
	if (n->mappings || n->to_dev || n->from_dev)
		dmab__bounce_account(dev, n);
}

/* The checker's end of an IOMMU device's map (@map: @sg, @n entries, as
 * mapped) or unmap, by the result @r of the IOMMU's call. */
static int iommu_settle(struct dmab_device *dev, struct dmab__dbg_pend *dp, int r,
			const struct dmab_sg *sg, int n, bool map)
{
	if (r < 0)
		dmab__debug_abort(dev, dp);
	else if (map)
		dmab__debug_map_end(dev, dp, sg, n);
	else
		dmab__debug_unmap_end(dev, dp);
	return r;
}

static int map_single_general(struct dmab_device *dev, void *cpu, size_t len, enum dmab_dir dir,
			      unsigned attrs, dmab_addr_t *out, const char *what)
    __attribute__((noinline));

int dmab_map_single(struct dmab_device *dev, void *cpu, size_t len, enum dmab_dir dir,
		    unsigned attrs, dmab_addr_t *out)
{
	static const char what[] = "map_single";
	int err = check_call(dev, dir, attrs, what);

	if (err)
		return err;
	if (!out || !len)
		return dmab__fail(-EINVAL, "%s: %s: %s", what, dev->name,
				  !out ? "NULL output" : "zero length");
	err = check_buffer(dev, cpu, len, what, 0);
	if (err)
		return err;
	if (dmab__fast_ok(dev, attrs)) { /* the common device (fast.h) */
		*out = (uintptr_t)cpu;
		add_live(dev, 1, (uintptr_t)cpu, (uintptr_t)cpu + len);
		dmab__fast_map_one(dev, (uintptr_t)cpu, len);
		return 0;
	}
	return map_single_general(dev, cpu, len, dir, attrs, out, what);
}

/* The rest of map_single, out of line: its frame is not the fast path's. */
static int map_single_general(struct dmab_device *dev, void *cpu, size_t len, enum dmab_dir dir,
			      unsigned attrs, dmab_addr_t *out, const char *what)
{
	int err;

	struct dmab__entry e;
	struct dmab__dbg_pend *dp = NULL;
	struct dmab_sg chk = dmab__dbg_one(cpu, 0, len);

	err = DMAB__DEBUG_MAP(dev, what, DMAB_DEBUG_KIND_SINGLE, dir, attrs, 1, &chk, 1, &dp);
	if (err)
		return err;
	if (dev->iommu) {
		struct dmab_sg one = {.addr = cpu, .len = len};

		err = iommu_settle(dev, dp, dmab__iommu_map_sg(dev, &one, 1, dir, attrs, what),
				   &one, 1, true);
		*out = one.dma_addr;
		return err < 0 ? err : 0;
	}
	err = map_entry(dev, NULL, cpu, len, dir, attrs, &e, what, 0);
	if (err) {
		dmab__debug_abort(dev, dp);
		return err;
	}
	*out = e.bus;
	chk.dma_addr = e.bus;

	struct dmab__batch b;
	struct dmab__tally n = {.mappings = e.pool != NULL};

	/* Nothing fails from here on. */
	if (!e.pool)
		add_live(dev, 1, (uintptr_t)e.bus, (uintptr_t)e.bus + len);
	dmab__batch_init(&b);
	dmab__entry_for_device(&b, dev, &e, dmab__rule(DMAB__CALL_MAP, dir, attrs, dev->coherent),
			       &n);
	(void)dmab__batch_finish(&b);
	count_call(dev, DMAB__CTR_MAPS, &n);
	/* After the maintenance: guard mode takes the CPU's access away here. */
	dmab__debug_map_end(dev, dp, &chk, 1);
	return 0;
}

static int unmap_single_general(struct dmab_device *dev, dmab_addr_t addr, size_t len,
				enum dmab_dir dir, unsigned attrs, const char *what)
    __attribute__((noinline));

int dmab_unmap_single(struct dmab_device *dev, dmab_addr_t addr, size_t len, enum dmab_dir dir,
		      unsigned attrs)
{
	static const char what[] = "unmap_single";
	int err = check_call(dev, dir, attrs, what);

	if (err)
		return err;
	if (!len)
		return dmab__fail(-EINVAL, "%s: %s: zero length", what, dev->name);

	/* The common device (fast.h); bad input goes on, to be named. */
	if (dmab__fast_ok(dev, attrs) && dmab__fast_unmap_one_ok(dev, addr, len)) {
		err = drop_live(dev, 1, what);
		if (!err)
			dmab__fast_unmap_one(dev, addr, len, dir);
		return err;
	}
	return unmap_single_general(dev, addr, len, dir, attrs, what);
}

/* The rest of unmap_single, out of line: its frame is not the fast path's. */
static int unmap_single_general(struct dmab_device *dev, dmab_addr_t addr, size_t len,
				enum dmab_dir dir, unsigned attrs, const char *what)
{
	int err;
	struct dmab__entry e;
	struct dmab__dbg_pend *dp = NULL;
	struct dmab_sg chk = dmab__dbg_one(NULL, addr, len);

	err = DMAB__DEBUG_UNMAP(dev, what, DMAB_DEBUG_KIND_SINGLE, dir, attrs, 1, &chk, 1, &dp);
	if (err)
		return err;
	int bounced = dmab__find(dev, addr, len, true, &e, what, 0);

	if (bounced < 0) {
		dmab__debug_abort(dev, dp);
		return bounced;
	}
	if (dev->iommu) {
		struct dmab_sg one = {.addr = e.cpu, .len = len, .dma_addr = addr, .dma_len = len};

		return iommu_settle(dev, dp, dmab__iommu_unmap_sg(dev, &one, 1, dir, attrs, what),
				    NULL, 0, false);
	}
	err = bounced ? 0 : drop_live(dev, 1, what);
	if (err) {
		dmab__debug_abort(dev, dp);
		return err;
	}

	struct dmab__batch b;
	struct dmab__tally n = {0};

	dmab__batch_init(&b);
	dmab__entry_for_cpu(&b, dev, &e, dmab__rule(DMAB__CALL_UNMAP, dir, attrs, dev->coherent),
			    &n);
	(void)dmab__batch_finish(&b);
	release_entry(dev, NULL, &e);
	count_call(dev, DMAB__CTR_UNMAPS, &n);
	dmab__debug_unmap_end(dev, dp);
	return 0;
}

/* Undo phase one of a map_sg for its first @n entries. */
static void unmap_first(struct dmab_device *dev, struct dmab__facts_use fu, struct dmab_sg *sg,
			int n, struct dmab__hold *h, const char *what)
{
	struct dmab__entry tmp;

	while (n-- > 0) {
		struct dmab__entry *e = dmab__fact(fu, dev, sg, n, true, &tmp, what);

		if (e)
			release_entry(dev, h, e);
	}
}

static int check_list(struct dmab_device *dev, struct dmab_sg *sg, int nents, enum dmab_dir dir,
		      unsigned attrs, const char *what)
{
	int err = check_call(dev, dir, attrs, what);

	if (err)
		return err;
	if (!sg || nents <= 0)
		return dmab__fail(-EINVAL, "%s: %s: %s", what, dev->name,
				  !sg ? "NULL list" : "nents must be at least 1");
	return 0;
}

int dmab_map_sg(struct dmab_device *dev, struct dmab_sg *sg, int nents, enum dmab_dir dir,
		unsigned attrs)
{
	static const char what[] = "map_sg";
	int err = check_list(dev, sg, nents, dir, attrs, what);

	if (err)
		return err;
	/* The common device's list (fast.h); bad input goes on, to be named. */
	struct dmab__fast_list fl;

	if (dmab__fast_ok(dev, attrs) && dmab__fast_map_check(dev, sg, nents, &fl)) {
		add_live(dev, (uint64_t)nents, fl.lo, fl.hi);
		dmab__fast_map(dev, sg, nents);
		return nents;
	}
	for (int i = 0; i < nents; i++) {
		err = check_buffer(dev, sg[i].addr, sg[i].len, what, i);
		if (err)
			return err;
	}
	struct dmab__dbg_pend *dp = NULL;

	err = DMAB__DEBUG_MAP(dev, what, DMAB_DEBUG_KIND_SG, dir, attrs, nents, sg, nents, &dp);
	if (err)
		return err;
	if (dev->iommu) {
		int nseg = dmab__iommu_map_sg(dev, sg, nents, dir, attrs, what);

		return iommu_settle(dev, dp, nseg, sg, nents, true);
	}
	struct dmab__facts f;
	struct dmab__hold h;
	struct dmab__entry tmp;
	struct dmab__tally n = {0};
	uint64_t bounced = 0;
	uintptr_t lo = UINTPTR_MAX, hi = 0;

	dmab__facts_get(&f, dev, nents);
	struct dmab__facts_use fu = dmab__facts_use(&f, nents);

	dmab__hold_init(&h, dev->bounce_pools);
	dmab__hold_list(&h, sg, nents);
	for (int i = 0; i < nents; i++) {
		struct dmab__entry *e = dmab__facts_at(fu, i, &tmp);

		err = map_entry(dev, &h, sg[i].addr, sg[i].len, dir, attrs, e, what, i);
		if (err) {
			unmap_first(dev, fu, sg, i, &h, what);
			dmab__hold_release(&h);
			dmab__facts_put(&f, dev);
			dmab__debug_abort(dev, dp);
			return err;
		}
		sg[i].dma_addr = e->bus;
		sg[i].dma_len = sg[i].len;
		bounced += e->pool != NULL;
		if (!e->pool && e->len) {
			lo = e->bus < lo ? (uintptr_t)e->bus : lo;
			hi = e->bus + e->len > hi ? (uintptr_t)(e->bus + e->len) : hi;
		}
	}
	/* The segment limits need the bus addresses: judged before anything is issued. */
	err = DMAB__DEBUG_SEGMENTS(dev, what, dir, attrs, nents, sg, nents);
	if (err)
		unmap_first(dev, fu, sg, nents, &h, what);
	dmab__hold_release(&h);
	if (err) {
		dmab__facts_put(&f, dev);
		dmab__debug_abort(dev, dp);
		return err;
	}
	n.mappings = bounced;

	struct dmab__batch b;
	struct dmab__rule r = dmab__rule(DMAB__CALL_MAP, dir, attrs, dev->coherent);

	add_live(dev, (uint64_t)nents - bounced, lo, hi);
	dmab__batch_init(&b);
	bool work = dmab__rule_work(r, n.mappings > 0);

	for (int i = 0; i < nents && work; i++) {
		struct dmab__entry *e = dmab__fact(fu, dev, sg, i, true, &tmp, what);

		if (e)
			dmab__entry_for_device(&b, dev, e, r, &n);
	}
	(void)dmab__batch_finish(&b);
	dmab__facts_put(&f, dev);
	count_call(dev, DMAB__CTR_MAPS, &n);
	dmab__debug_map_end(dev, dp, sg, nents);
	return nents;
}

int dmab_unmap_sg(struct dmab_device *dev, struct dmab_sg *sg, int nents, enum dmab_dir dir,
		  unsigned attrs)
{
	static const char what[] = "unmap_sg";
	int err = check_list(dev, sg, nents, dir, attrs, what);

	if (err)
		return err;
	/* A list dmab_map_sg_split() split: its segments. */
	if (dev->xlate_ctx && (nents = dmab__split_span(dev, sg, nents, what)) < 0)
		return nents;
	struct dmab__fast_list fl;

	/* The common device's list (fast.h); bad input goes on, to be named. */
	if (dmab__fast_ok(dev, attrs) && dmab__fast_unmap_check(dev, sg, nents, &fl)) {
		err = drop_live(dev, (uint64_t)nents, what);
		if (!err)
			dmab__fast_unmap(dev, sg, nents, dir, &fl);
		return err;
	}
	struct dmab__dbg_pend *dp = NULL;

	err = DMAB__DEBUG_UNMAP(dev, what, DMAB_DEBUG_KIND_SG, dir, attrs, nents, sg, nents, &dp);
	if (err)
		return err;
	if (dev->iommu)
		return iommu_settle(dev, dp, dmab__iommu_unmap_sg(dev, sg, nents, dir, attrs, what),
				    NULL, 0, false);
	struct dmab__facts f;
	struct dmab__entry tmp;
	size_t copies = 0;

	dmab__facts_get(&f, dev, nents);
	struct dmab__facts_use fu = dmab__facts_use(&f, nents);

	for (int i = 0; i < nents; i++) {
		struct dmab__entry one;

		err = dmab__find_sg(dev, &sg[i], true, dmab__facts_at(fu, i, &one), what, i);
		if (err < 0) {
			dmab__facts_put(&f, dev);
			dmab__debug_abort(dev, dp);
			return err;
		}
		copies += (size_t)err;
	}
	err = copies < (size_t)nents ? drop_live(dev, (uint64_t)nents - copies, what) : 0;
	if (err) {
		dmab__facts_put(&f, dev);
		dmab__debug_abort(dev, dp);
		return err;
	}

	/* One completion for the list, so the batch must hold every copy back
	 * until then (dmab__batch_lend). */
	struct dmab__batch b;
	struct dmab__tally n = {0};
	struct dmab__rule r = dmab__rule(DMAB__CALL_UNMAP, dir, attrs, dev->coherent);

	dmab__batch_init(&b);
	if (r.copy_out)
		dmab__batch_lend(&b, dev, copies);
	/* A TO_DEVICE unmap has nothing to do here: the device wrote nothing. */
	bool work = dmab__rule_work(r, copies > 0);

	for (int i = 0; i < nents && work; i++) {
		struct dmab__entry *e = dmab__fact(fu, dev, sg, i, true, &tmp, what);

		if (e)
			dmab__entry_for_cpu(&b, dev, e, r, &n);
	}
	(void)dmab__batch_finish(&b);
	dmab__batch_unlend(&b, dev);

	/* Identity translation of unbounced entries has nothing to give back. */
	if (copies || dev->xlate != &dmab__xlate_identity) {
		struct dmab__hold h;

		dmab__hold_init(&h, dev->bounce_pools);
		for (int i = 0; i < nents; i++) {
			struct dmab__entry *e = dmab__fact(fu, dev, sg, i, true, &tmp, what);

			if (e)
				release_entry(dev, &h, e);
		}
		dmab__hold_release(&h);
	}
	dmab__facts_put(&f, dev);
	count_call(dev, DMAB__CTR_UNMAPS, &n);
	dmab__debug_unmap_end(dev, dp);
	return 0;
}
