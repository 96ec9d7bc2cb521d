/* SPDX-License-Identifier: MIT */
/*
 * Bounce mappings on slots: recording a mapping in its slots, finding it
 * again from a bus address, the copies in and out, and freeing it. When the
 * copies are made is ../rules.h's; where slots come from, areas.c's.
 */
#include <errno.h>
#include <stdio.h>

#include "bounce.h"
#include "policy.h"

static void record(struct dmab__pool *p, size_t first, size_t offset, uintptr_t orig, size_t len)
{
	size_t pad = offset >> DMAB__SLOT_SHIFT, in = offset & (DMAB_POOL_SLOT_SIZE - 1);
	uintptr_t o = orig - in;
	size_t left = in + len;

	for (size_t k = first + pad;; k++) {
		struct dmab__slot *s = &p->slot[k];

		atomic_store_explicit(&s->orig, o, memory_order_relaxed);
		atomic_store_explicit(&s->head, (uint16_t)(k == first + pad ? pad + 1 : 0),
				      memory_order_relaxed);
		atomic_store_explicit(&s->off, (uint16_t)(k == first + pad ? in : 0),
				      memory_order_relaxed);
		atomic_store_explicit(&s->left, (uint32_t)left, memory_order_relaxed);
		if (left <= DMAB_POOL_SLOT_SIZE)
			break;
		o += DMAB_POOL_SLOT_SIZE;
		left -= DMAB_POOL_SLOT_SIZE;
	}
}

static int pool_full(struct dmab_device *dev, unsigned attrs, size_t len, const char *what,
		     int index)
{
	struct dmab__bounce_pools *bp = dev->bounce_pools;
	uint64_t n = atomic_fetch_add(&bp->full, 1) + 1;

	dmab__fail(-ENOMEM,
		   "%s: %s: entry %d: bounce pool full: %u pool(s) of %zu KiB, %zu of %zu "
		   "slots in use, %zu bytes asked",
		   what, dev->name, index, atomic_load(&bp->npools),
		   bp->pool_slots * DMAB_POOL_SLOT_SIZE >> 10, dmab__slots_used(bp),
		   atomic_load(&bp->total_slots), len);
	/* Like the kernel's log line, but bounded: the 1st, 2nd, 4th... time. */
	if (!(attrs & DMAB_ATTR_NO_WARN) && (n & (n - 1)) == 0)
		fprintf(stderr, "libdmabatch: %s (full %llu times)\n", dmab_last_error(),
			(unsigned long long)n);
	return -ENOMEM;
}

int dmab__bounce_map(struct dmab_device *dev, struct dmab__hold *h, void *cpu, size_t len,
		     unsigned attrs, struct dmab__entry *e, const char *what, int index)
{
	struct dmab__bounce_pools *bp = dev->bounce_pools;
	size_t offset, first;
	uint64_t cmask, want;
	struct dmab__pool *p;

	dmab__bounce_placement(bp, (uintptr_t)cpu, len, &offset, &cmask, &want);
	/* The limit, not what this buffer's offset would allow: the two must
	 * agree with dmab_max_mapping_size() exactly (offset <= its padding). */
	if (len > dmab__bounce_limit(bp))
		return dmab__fail(-ERANGE,
				  "%s: %s: entry %d: %zu bytes must be bounced but the longest "
				  "bounce mapping is %zu (see dmab_max_mapping_size)",
				  what, dev->name, index, len, dmab__bounce_limit(bp));
	size_t n = (offset + len + DMAB_POOL_SLOT_SIZE - 1) >> DMAB__SLOT_SHIFT;
	int err = h && dmab__run_next(h, n, cmask, want, &p, &first)
		      ? 0
		      : dmab__run_alloc(bp, h, n, cmask, want, (uintptr_t)cpu, len, index,
					dev->bounce_flags & DMAB_BOUNCE_FORCE, &p, &first);

	if (err == -ENOSPC)
		return pool_full(dev, attrs, len, what, index);
	if (err)
		return err;
	record(p, first, offset, (uintptr_t)cpu, len);
	if (h)
		h->live++;
	else
		dmab__ctr_add(dmab__ctr_mine(&dev->c), DMAB__CTR_BOUNCE_LIVE, 1);
	e->bus = p->bus + ((dmab_addr_t)first << DMAB__SLOT_SHIFT) + offset;
	e->len = len;
	e->cpu = p->cpu + (e->bus - p->bus);
	e->pool = p;
	return 0;
}

/* The mapping around @bus in @p, checked as dmab__bounce_find() says. */
static inline __attribute__((always_inline)) int check(struct dmab_device *dev,
						       struct dmab__pool *p, dmab_addr_t bus,
						       size_t len, bool whole,
						       struct dmab__entry *e, const char *what)
{
	size_t off = (size_t)(bus - p->bus), i = off >> DMAB__SLOT_SHIFT;
	size_t in = off & (DMAB_POOL_SLOT_SIZE - 1);
	struct dmab__slot *s = &p->slot[i];
	size_t left = atomic_load_explicit(&s->left, memory_order_relaxed);

	if (left <= in)
		return dmab__fail(-EINVAL,
				  "%s: %s: bus address 0x%llx is in the bounce pool but in no "
				  "live mapping",
				  what, dev->name, (unsigned long long)bus);
	if (whole &&
	    (!atomic_load_explicit(&s->head, memory_order_relaxed) ||
	     atomic_load_explicit(&s->off, memory_order_relaxed) != in || len != left - in))
		return dmab__fail(-EINVAL,
				  "%s: %s: 0x%llx+%zu is not a bounce mapping's start and length",
				  what, dev->name, (unsigned long long)bus, len);
	if (len > left - in)
		return dmab__fail(-EINVAL,
				  "%s: %s: 0x%llx+%zu runs %zu bytes past its bounce mapping's end",
				  what, dev->name, (unsigned long long)bus, len, len - (left - in));
	e->cpu = p->cpu + off;
	e->bus = bus;
	e->len = len;
	e->pool = p;
	return 1;
}

int dmab__bounce_find(struct dmab_device *dev, dmab_addr_t bus, size_t len, bool whole,
		      struct dmab__entry *e, const char *what)
{
	struct dmab__bounce_pools *bp = dev->bounce_pools;
	struct dmab__pool *p = atomic_load_explicit(&bp->pools, memory_order_acquire);

	if (!p)
		return 0;
	/* The first pool is never unlinked: no read-side section needed. */
	if (dmab__pool_has(p, bus))
		return check(dev, p, bus, len, whole, e, what);
	if (atomic_load_explicit(&bp->npools, memory_order_relaxed) < 2)
		return 0;
	/* Extra pools may be retired: look there inside a read-side section.
	 * One that holds a live mapping is not retired, so *e stays good. */
	rcu_read_lock();
	p = dmab__bounce_extra_of(bp, bus);
	int r = p ? check(dev, p, bus, len, whole, e, what) : 0;

	rcu_read_unlock();
	return r;
}

/* The original's address at @e->bus, from the slot records. */
static void *orig_of(const struct dmab__entry *e)
{
	const struct dmab__pool *p = e->pool;
	size_t off = (size_t)(e->bus - p->bus);
	const struct dmab__slot *s = &p->slot[off >> DMAB__SLOT_SHIFT];

	return (void *)(atomic_load_explicit(&s->orig, memory_order_relaxed) +
			(off & (DMAB_POOL_SLOT_SIZE - 1)));
}

void dmab__bounce_copy_in(struct dmab_device *dev, const struct dmab__entry *e,
			  struct dmab__tally *n)
{
	dmab__copy_now(dev, e->cpu, orig_of(e), e->len);
	n->to_dev += e->len;
}

void dmab__bounce_copy_out(struct dmab__batch *b, int part, const struct dmab__entry *e,
			   struct dmab__tally *n)
{
	dmab__batch_defer(b, part, orig_of(e), e->cpu, e->len);
	n->from_dev += e->len;
}

void dmab__bounce_account(struct dmab_device *dev, const struct dmab__tally *n)
{
	struct dmab__ctr_block *b = dmab__ctr_mine(&dev->c);

	dmab__ctr_add(b, DMAB__CTR_BOUNCED, n->mappings);
	dmab__ctr_add(b, DMAB__CTR_BYTES_TO_DEV, n->to_dev);
	dmab__ctr_add(b, DMAB__CTR_BYTES_FROM_DEV, n->from_dev);
}

bool dmab__bounce_release(struct dmab_device *dev, struct dmab__hold *h,
			  const struct dmab__entry *e)
{
	struct dmab__pool *p = e->pool;
	size_t off = (size_t)(e->bus - p->bus), index = off >> DMAB__SLOT_SHIFT;
	struct dmab__slot *s = &p->slot[index];
	size_t left = atomic_load_explicit(&s->left, memory_order_relaxed);

	/* Freed already by an earlier entry of the same list. */
	if (left <= (off & (DMAB_POOL_SLOT_SIZE - 1)))
		return false;
	size_t pad = atomic_load_explicit(&s->head, memory_order_relaxed) - 1u;
	size_t data = (left + DMAB_POOL_SLOT_SIZE - 1) >> DMAB__SLOT_SHIFT;

	for (size_t k = 0; k < data; k++) {
		atomic_store_explicit(&s[k].left, 0, memory_order_relaxed);
		atomic_store_explicit(&s[k].head, 0, memory_order_relaxed);
	}
	if (!h || p->extra || !dmab__run_merge(h, p, index - pad, pad + data))
		dmab__run_free(dev->bounce_pools, h, p, index - pad, pad + data);
	if (h)
		h->live--;
	else
		dmab__ctr_add(dmab__ctr_mine(&dev->c), DMAB__CTR_BOUNCE_LIVE, UINT64_MAX); /* -1 */
	return true;
}
