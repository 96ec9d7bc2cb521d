/* SPDX-License-Identifier: MIT */
/*
 * One bounce pool: memory the device can reach, cut into 2 KiB slots, with
 * a record per slot and a bitmap of taken slots. Which area a slot belongs
 * to, and the locking, are swiotlb_area.c's business; here a pool only
 * finds, marks and clears runs of slots inside one area's range.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "swiotlb.h"

/*
 * Where the simulator learns of memory the library owns and a device may
 * reach: it must give the pool a DRAM copy, or the device's accesses to it
 * would fault. Empty until the simulator lands; the lead wires these two to
 * its registration hook (dmab__sim_register_owned() and its inverse).
 */
static void pool_memory_registered(struct dmab_device *dev, void *base, size_t len)
{
	(void)dev;
	(void)base;
	(void)len;
}

static void pool_memory_unregistered(struct dmab_device *dev, void *base, size_t len)
{
	(void)dev;
	(void)base;
	(void)len;
}

static void free_records(struct dmab__pool *p)
{
	free(p->slot);
	free(p->inuse);
	free(p->area);
	free(p);
}

int dmab__pool_create(struct dmab__tlb *t, bool extra, struct dmab__pool **out)
{
	struct dmab_device *dev = t->dev;
	size_t bytes = t->pool_slots * DMAB__SLOT_SIZE;
	uintptr_t below = 0;
	dmab_addr_t bus;

	/*
	 * With identity translation the bus address is the virtual one, so a
	 * narrow mask is met by placing the pool low. Other translators give
	 * their own addresses, checked below.
	 */
	if (dev->xlate == &dmab__xlate_identity && dev->mask < UINTPTR_MAX) {
		below = (uintptr_t)dev->mask;
		if (below < bytes - 1 + DMAB__MEM_ALIGN)
			return dmab__fail(
			    -ERANGE, "%s: no %zu KiB bounce pool fits under the DMA mask 0x%llx",
			    dev->name, bytes >> 10, (unsigned long long)dev->mask);
	}
	struct dmab__pool *p = calloc(1, sizeof(*p));

	if (!p)
		return dmab__fail(-ENOMEM, "%s: out of memory for a bounce pool", dev->name);
	p->tlb = t;
	p->extra = extra;
	p->nslots = t->pool_slots;
	p->slot = calloc(p->nslots, sizeof(*p->slot));
	p->inuse = calloc(p->nslots / 64, sizeof(*p->inuse));
	p->area = aligned_alloc(DMAB__CACHELINE, t->nareas * sizeof(*p->area));
	if (!p->slot || !p->inuse || !p->area) {
		free_records(p);
		return dmab__fail(-ENOMEM, "%s: out of memory for a bounce pool", dev->name);
	}
	for (unsigned a = 0; a < t->nareas; a++) {
		p->area[a].cursor = (size_t)a * t->area_slots;
		atomic_init(&p->area[a].used, 0);
	}
	int err = dmab__mem_alloc(&p->mem, bytes, dev->numa_node, below);

	if (err) {
		free_records(p);
		if (below)
			return dmab__fail(-ERANGE,
					  "%s: no %zu KiB hole for a bounce pool under the DMA "
					  "mask 0x%llx",
					  dev->name, bytes >> 10, (unsigned long long)dev->mask);
		return dmab__fail(-ENOMEM, "%s: no memory for a %zu KiB bounce pool", dev->name,
				  bytes >> 10);
	}
	p->cpu = p->mem.base;
	err = dev->xlate->map(dev->xlate_ctx, p->cpu, bytes, &bus);
	if (!err && (bus > dev->mask || bytes - 1 > dev->mask - bus || bus % DMAB__SLOT_SIZE)) {
		dev->xlate->unmap(dev->xlate_ctx, bus, bytes);
		err = -ERANGE;
	}
	if (err) {
		dmab__mem_free(&p->mem);
		free_records(p);
		return dmab__fail(err,
				  "%s: the %s translator cannot give the bounce pool a "
				  "slot-aligned bus range under the DMA mask 0x%llx",
				  dev->name, dev->xlate->name, (unsigned long long)dev->mask);
	}
	p->bus = bus;
	pool_memory_registered(dev, p->cpu, bytes);
	*out = p;
	return 0;
}

void dmab__pool_destroy(struct dmab__pool *p)
{
	struct dmab_device *dev = p->tlb->dev;
	size_t bytes = p->nslots * DMAB__SLOT_SIZE;

	pool_memory_unregistered(dev, p->cpu, bytes);
	dev->xlate->unmap(dev->xlate_ctx, p->bus, bytes);
	dmab__mem_free(&p->mem);
	free_records(p);
}

bool dmab__pool_has(const struct dmab__pool *p, dmab_addr_t bus)
{
	return bus >= p->bus && (bus - p->bus) >> DMAB__SLOT_SHIFT < p->nslots;
}

/* Bits [s, e) of a word, 0 <= s < e <= 64. */
static inline uint64_t bits(unsigned s, unsigned e)
{
	uint64_t hi = e == 64 ? ~UINT64_C(0) : (UINT64_C(1) << e) - 1;

	return hi & ~((UINT64_C(1) << s) - 1);
}

/* The last taken slot in [from, to), or SIZE_MAX if all are free. Scanning
 * from the end lets a failed candidate skip past the obstacle at once. */
static size_t last_taken(const uint64_t *map, size_t from, size_t to)
{
	while (to > from) {
		size_t w = (to - 1) / 64, base = w * 64;
		size_t lo = from > base ? from : base;
		uint64_t m = map[w] & bits((unsigned)(lo - base), (unsigned)(to - base));

		if (m)
			return base + 63 - (size_t)__builtin_clzll(m);
		to = lo;
	}
	return SIZE_MAX;
}

/* The first free slot in [i, hi), or hi: a full stretch is crossed a word
 * at a time. */
static size_t next_free(const uint64_t *map, size_t i, size_t hi)
{
	while (i < hi) {
		size_t w = i / 64;
		uint64_t f = ~map[w] & (~UINT64_C(0) << (i % 64));

		if (f) {
			i = w * 64 + (size_t)__builtin_ctzll(f);
			break;
		}
		i = (w + 1) * 64;
	}
	return i < hi ? i : hi;
}

/* The first slot at or after @i whose bus slot number n satisfies
 * (n & cmask) == want. */
static inline size_t next_fit(const struct dmab__pool *p, size_t i, uint64_t cmask, uint64_t want)
{
	uint64_t n = (p->bus >> DMAB__SLOT_SHIFT) + i;

	return i + (size_t)((want - n) & cmask);
}

static bool scan(const struct dmab__pool *p, size_t from, size_t until, size_t hi, size_t n,
		 uint64_t cmask, uint64_t want, size_t *first)
{
	for (size_t i = next_fit(p, from, cmask, want); i < until && i + n <= hi;) {
		size_t t = last_taken(p->inuse, i, i + n);

		if (t == SIZE_MAX) {
			*first = i;
			return true;
		}
		i = next_fit(p, next_free(p->inuse, t + 1, hi), cmask, want);
	}
	return false;
}

/*
 * A run of @n free slots in area @area, starting where the last allocation
 * there ended (next fit, so that slots are reused evenly) and wrapping once.
 * Caller holds the area's lock.
 */
bool dmab__pool_find_run(struct dmab__pool *p, unsigned area, size_t n, uint64_t cmask,
			 uint64_t want, size_t *first)
{
	const struct dmab__tlb *t = p->tlb;
	size_t lo = (size_t)area * t->area_slots;
	size_t hi = area + 1 == t->nareas ? p->nslots : lo + t->area_slots;
	size_t cur = p->area[area].cursor;

	if (atomic_load_explicit(&p->area[area].used, memory_order_relaxed) + n > hi - lo)
		return false;
	return scan(p, cur, hi, hi, n, cmask, want, first) ||
	       scan(p, lo, cur, hi, n, cmask, want, first);
}

/* Take or give back slots [first, first + n); caller holds the area's lock. */
void dmab__pool_mark(struct dmab__pool *p, size_t first, size_t n, bool used)
{
	size_t end = first + n;

	while (first < end) {
		size_t w = first / 64, base = w * 64;
		size_t stop = end < base + 64 ? end : base + 64;
		uint64_t m = bits((unsigned)(first - base), (unsigned)(stop - base));

		if (used)
			p->inuse[w] |= m;
		else
			p->inuse[w] &= ~m;
		first = stop;
	}
}
