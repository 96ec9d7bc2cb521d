/* SPDX-License-Identifier: MIT */
/*
 * Bounce buffering: when to bounce, where in the pool, and the copies.
 *
 * Pools are per device, not shared by devices on one node with compatible
 * masks. A user-space driver process drives few devices; a per-device pool
 * means one device's burst cannot starve another (the kernel, too, lets a
 * device have a pool of its own: restricted-dma-pool), the pool sits on its
 * device's node and under its mask by construction, its counters are the
 * device's own, it dies with the device, and the simulator registers memory
 * per device.
 * The cost, a pool per device that bounces, is bounded: the pool is made
 * only at the first mapping that actually bounces.
 *
 * The rules (SEMANTICS §5) and where they are kept:
 * - map always copies original -> slot, whatever the direction, so that a
 *   device writing only part of a FROM_DEVICE buffer returns the rest as it
 *   was rather than stale pool bytes; the copy is made before the slot's
 *   clean is added to the batch (dmab__bounce_start);
 * - unmap and sync_for_cpu copy slot -> original for FROM_DEVICE and
 *   BIDIRECTIONAL, deferred by the batch until after its completion, so the
 *   copy never reads lines still being invalidated (dmab__bounce_out);
 * - sync_for_device copies original -> slot for TO_DEVICE and BIDIRECTIONAL
 *   (dmab__bounce_in), then cleans the slot.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "swiotlb.h"

#define KNOWN_BOUNCE (DMAB_BOUNCE_FORCE | DMAB_BOUNCE_UNALIGNED | DMAB_BOUNCE_NEVER)

static bool mask_ok(uint64_t m, uint64_t limit)
{
	return m < limit && (m & (m + 1)) == 0;
}

int dmab__bounce_setup(struct dmab_device *dev, const struct dmab_device_config *cfg)
{
	unsigned f = cfg->bounce;

	if (f & ~KNOWN_BOUNCE)
		return dmab__fail(-EINVAL, "device_create: unknown bounce flags 0x%x",
				  f & ~KNOWN_BOUNCE);
	if ((f & DMAB_BOUNCE_NEVER) && (f & ~DMAB_BOUNCE_NEVER))
		return dmab__fail(-EINVAL,
				  "device_create: DMAB_BOUNCE_NEVER with FORCE or UNALIGNED");
	if (!mask_ok(cfg->min_align_mask, (uint64_t)128 << 10))
		return dmab__fail(
		    -EINVAL, "device_create: min_align_mask 0x%llx is not 2^k - 1 below 128 KiB",
		    (unsigned long long)cfg->min_align_mask);
	if (!mask_ok(cfg->alloc_align_mask, DMAB__MEM_ALIGN))
		return dmab__fail(
		    -EINVAL, "device_create: alloc_align_mask 0x%llx is not 2^k - 1 below 2 MiB",
		    (unsigned long long)cfg->alloc_align_mask);
	int err = dmab__tlb_check(cfg);

	if (err)
		return err;
	dev->bounce = f;
	/* Nothing can be beyond a 64-bit mask: such a device needs no pool
	 * unless it is told to bounce. */
	if ((f & DMAB_BOUNCE_NEVER) || (!(f & DMAB_BOUNCE_FORCE) && dev->mask == UINT64_MAX &&
					!((f & DMAB_BOUNCE_UNALIGNED) && !dev->coherent)))
		return 0;
	struct dmab__tlb *t = calloc(1, sizeof(*t));

	if (!t)
		return dmab__fail(-ENOMEM, "device_create: out of memory");
	err = dmab__tlb_init(t, dev, cfg);
	if (err) {
		free(t);
		return err;
	}
	dev->tlb = t;
	return 0;
}

void dmab__bounce_teardown(struct dmab_device *dev)
{
	if (!dev->tlb)
		return;
	dmab__tlb_fini(dev->tlb);
	free(dev->tlb);
	dev->tlb = NULL;
}

/* The longest buffer the pool can take, once the min_align_mask offset is
 * allowed for (the kernel's swiotlb_max_mapping_size). */
static size_t bounce_limit(const struct dmab__tlb *t)
{
	uint64_t m = t->min_align_mask;
	size_t pad = m ? (size_t)((m + DMAB__SLOT_SIZE - 1) & ~(uint64_t)(DMAB__SLOT_SIZE - 1)) : 0;

	return DMAB__SEG_BYTES - pad;
}

size_t dmab_max_mapping_size(const struct dmab_device *dev)
{
	if (!dev)
		return 0;
	if (!dev->tlb || (!(dev->bounce & DMAB_BOUNCE_FORCE) && dev->mask == UINT64_MAX))
		return SIZE_MAX;
	return bounce_limit(dev->tlb);
}

bool dmab__bounce_wanted(const struct dmab_device *dev, const void *cpu, size_t len,
			 enum dmab_dir dir)
{
	if (!dev->tlb || len == 0)
		return false;
	if (dev->bounce & DMAB_BOUNCE_FORCE)
		return true;
	if (!(dev->bounce & DMAB_BOUNCE_UNALIGNED) || dev->coherent || dir == DMAB_TO_DEVICE)
		return false;
	/* Only the device's writes are at risk; a buffer too long for a
	 * mapping is maintained in place, as without the flag. */
	uintptr_t s = (uintptr_t)cpu, e = s + len, line = dev->arch.line;

	return ((s | e) & (line - 1)) && len <= bounce_limit(dev->tlb);
}

/*
 * Where a mapping of @orig may start (the kernel's rules, in our words):
 * - offset: the bounce address keeps the original's bits under
 *   min_align_mask, up to the slot size or alloc_align_mask; whole slots of
 *   it become padding in front of the data;
 * - the run of slots starts on an alloc_align_mask boundary, or a page
 *   boundary for a mapping of a page or more when neither mask asks for
 *   anything above the slot size;
 * - min_align_mask bits above that are matched by choosing the run.
 * In bus slot numbers n, the run start must satisfy (n & cmask) == want.
 */
static void placement(const struct dmab__tlb *t, uintptr_t orig, size_t len, size_t *offset,
		      uint64_t *cmask, uint64_t *want)
{
	const uint64_t slot = DMAB__SLOT_SIZE - 1;
	uint64_t align = t->alloc_align_mask;
	uint64_t above = t->min_align_mask & ~slot;

	*offset = (size_t)(orig & t->min_align_mask & (t->alloc_align_mask | slot));
	if (!align && !above && len + *offset >= t->page_size)
		align = t->page_size - 1;
	align |= slot;
	above &= ~align;
	*cmask = (align | above) >> DMAB__SLOT_SHIFT;
	*want = (orig & above) >> DMAB__SLOT_SHIFT;
}

static void record(struct dmab__pool *p, size_t first, size_t offset, uintptr_t orig, size_t len)
{
	size_t pad = offset >> DMAB__SLOT_SHIFT, in = offset & (DMAB__SLOT_SIZE - 1);
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
		if (left <= DMAB__SLOT_SIZE)
			break;
		o += DMAB__SLOT_SIZE;
		left -= DMAB__SLOT_SIZE;
	}
}

static int pool_full(struct dmab_device *dev, unsigned attrs, size_t len, const char *what,
		     int index)
{
	struct dmab__tlb *t = dev->tlb;
	uint64_t n = atomic_fetch_add(&t->full, 1) + 1;

	dmab__fail(-ENOMEM,
		   "%s: %s: entry %d: bounce pool full: %u pool(s) of %zu KiB, %zu of %zu "
		   "slots in use, %zu bytes asked",
		   what, dev->name, index, atomic_load(&t->npools),
		   t->pool_slots * DMAB__SLOT_SIZE >> 10, dmab__tlb_used(t),
		   atomic_load(&t->total_slots), len);
	/* Like the kernel's log line, but bounded: the 1st, 2nd, 4th... time. */
	if (!(attrs & DMAB_ATTR_NO_WARN) && (n & (n - 1)) == 0)
		fprintf(stderr, "libdmabatch: %s (full %llu times)\n", dmab_last_error(),
			(unsigned long long)n);
	return -ENOMEM;
}

int dmab__bounce_map(struct dmab_device *dev, struct dmab__hold *h, void *cpu, size_t len,
		     unsigned attrs, dmab_addr_t *bus, const char *what, int index)
{
	struct dmab__tlb *t = dev->tlb;
	size_t offset, first;
	uint64_t cmask, want;
	struct dmab__pool *p;

	placement(t, (uintptr_t)cpu, len, &offset, &cmask, &want);
	if (offset + len > DMAB__SEG_BYTES)
		return dmab__fail(-ERANGE,
				  "%s: %s: entry %d: %zu bytes must be bounced but the longest "
				  "bounce mapping is %zu (see dmab_max_mapping_size)",
				  what, dev->name, index, len, bounce_limit(t));
	size_t n = (offset + len + DMAB__SLOT_SIZE - 1) >> DMAB__SLOT_SHIFT;
	int err = dmab__tlb_alloc(t, h, n, cmask, want, &p, &first);

	if (err == -ENOSPC)
		return pool_full(dev, attrs, len, what, index);
	if (err)
		return err;
	record(p, first, offset, (uintptr_t)cpu, len);
	*bus = p->bus + ((dmab_addr_t)first << DMAB__SLOT_SHIFT) + offset;
	return 0;
}

int dmab__bounce_lookup(struct dmab__pool *p, dmab_addr_t bus, size_t len, bool whole,
			struct dmab__bounce *out, const char *what, const char *name)
{
	size_t off = (size_t)(bus - p->bus), i = off >> DMAB__SLOT_SHIFT;
	size_t in = off & (DMAB__SLOT_SIZE - 1);
	struct dmab__slot *s = &p->slot[i];
	size_t left = atomic_load_explicit(&s->left, memory_order_relaxed);

	if (left <= in)
		return dmab__fail(-EINVAL,
				  "%s: %s: bus address 0x%llx is in the bounce pool but in no "
				  "live mapping",
				  what, name, (unsigned long long)bus);
	if (whole &&
	    (!atomic_load_explicit(&s->head, memory_order_relaxed) ||
	     atomic_load_explicit(&s->off, memory_order_relaxed) != in || len != left - in))
		return dmab__fail(-EINVAL,
				  "%s: %s: 0x%llx+%zu is not a bounce mapping's start and length",
				  what, name, (unsigned long long)bus, len);
	if (len > left - in)
		return dmab__fail(-EINVAL,
				  "%s: %s: 0x%llx+%zu runs %zu bytes past its bounce mapping's end",
				  what, name, (unsigned long long)bus, len, len - (left - in));
	return dmab__bounce_read(p, bus, len, out);
}

/* Extra pools may be retired: look there inside a read-side section. */
int dmab__bounce_find_extra(struct dmab_device *dev, dmab_addr_t bus, size_t len, bool whole,
			    struct dmab__bounce *out, const char *what)
{
	rcu_read_lock();
	struct dmab__pool *p = dmab__tlb_extra_of(dev->tlb, bus);
	int r = p ? dmab__bounce_lookup(p, bus, len, whole, out, what, dev->name) : 0;

	rcu_read_unlock();
	return r;
}

int dmab__bounce_peek_extra(struct dmab_device *dev, dmab_addr_t bus, size_t len,
			    struct dmab__bounce *out)
{
	rcu_read_lock();
	struct dmab__pool *p = dmab__tlb_extra_of(dev->tlb, bus);
	int r = p ? dmab__bounce_read(p, bus, len, out) : 0;

	rcu_read_unlock();
	return r;
}

void *dmab__bounce_start(struct dmab_device *dev, void *orig, dmab_addr_t bus, size_t len,
			 struct dmab__tally *n)
{
	struct dmab__tlb *t = dev->tlb;
	struct dmab__pool *p = t ? atomic_load_explicit(&t->pools, memory_order_acquire) : NULL;
	void *slot = NULL;

	/* Made by this call, so live: its pool, extra or not, stays. */
	if (p && !dmab__pool_has(p, bus)) {
		rcu_read_lock();
		p = dmab__tlb_extra_of(t, bus);
		rcu_read_unlock();
	}
	if (!p)
		return NULL;
	slot = p->cpu + (bus - p->bus);
	dmab__copy_now(dev, slot, orig, len);
	n->mappings++;
	n->to_dev += len;
	return slot;
}

void dmab__bounce_in(struct dmab_device *dev, const struct dmab__bounce *bb, struct dmab__tally *n)
{
	dmab__copy_now(dev, bb->slot, bb->orig, bb->len);
	n->to_dev += bb->len;
}

void dmab__bounce_account(struct dmab_device *dev, const struct dmab__tally *n)
{
	struct dmab__ctr_block *b = dmab__ctr_mine(&dev->c);

	dmab__ctr_add(b, DMAB__CTR_BOUNCED, n->mappings);
	dmab__ctr_add(b, DMAB__CTR_BYTES_TO_DEV, n->to_dev);
	dmab__ctr_add(b, DMAB__CTR_BYTES_FROM_DEV, n->from_dev);
}

/*
 * The copy room an unmap_sg or sync_sg_for_cpu lends its batch. One is kept
 * per device, so that a stream of lists does not allocate, and fault in, a
 * fresh array for each; a thread that finds none (another has it) makes one.
 */
static struct dmab__spill *spill_get(struct dmab_device *dev, size_t cap)
{
	struct dmab__spill *s =
	    atomic_exchange_explicit(&dev->tlb->spill, NULL, memory_order_acquire);

	if (s && s->cap >= cap) {
		s->n = 0;
		return s;
	}
	free(s);
	return dmab__spill_new(cap);
}

/*
 * Lend @b room for @copies copies back when one completion must cover more
 * than the batch holds (a per-entry device completes each entry anyway).
 * Returns what to give back with dmab__bounce_spill_put(), or NULL.
 */
struct dmab__spill *dmab__bounce_spill_lend(struct dmab_device *dev, struct dmab_batch *b,
					    size_t copies)
{
	if (copies <= DMAB_BATCH_COPIES || dev->mode != DMAB_SYNC_BATCHED)
		return NULL;
	struct dmab__spill *s = spill_get(dev, copies);

	dmab__batch_spill(b, s);
	return s;
}

void dmab__bounce_spill_put(struct dmab_device *dev, struct dmab__spill *s)
{
	if (s)
		free(atomic_exchange_explicit(&dev->tlb->spill, s, memory_order_acq_rel));
}

void dmab__bounce_release(struct dmab_device *dev, struct dmab__hold *h,
			  const struct dmab__bounce *bb)
{
	struct dmab__pool *p = bb->pool;
	struct dmab__slot *s = &p->slot[bb->index];
	size_t pad = atomic_load_explicit(&s->head, memory_order_relaxed) - 1u;
	size_t left = atomic_load_explicit(&s->left, memory_order_relaxed);
	size_t data = (left + DMAB__SLOT_SIZE - 1) >> DMAB__SLOT_SHIFT;

	for (size_t k = 0; k < data; k++) {
		atomic_store_explicit(&s[k].left, 0, memory_order_relaxed);
		atomic_store_explicit(&s[k].head, 0, memory_order_relaxed);
	}
	dmab__tlb_free(dev->tlb, h, p, bb->index - pad, pad + data);
}

void dmab__bounce_stats(const struct dmab_device *dev, struct dmab_stats *out)
{
	struct dmab__tlb *t = dev->tlb;

	out->bounce_node = -1;
	if (!t)
		return;
	out->bounce_slots_total = atomic_load(&t->total_slots);
	out->bounce_slots_used = dmab__tlb_used(t);
	out->bounce_slots_hwm = atomic_load(&t->hwm);
	out->bounce_full = atomic_load(&t->full);
	out->bounce_pools = atomic_load(&t->npools);
	out->bounce_node = atomic_load(&t->node);
	out->bounce_page_size = atomic_load(&t->page);
}
