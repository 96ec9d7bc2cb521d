/* SPDX-License-Identifier: MIT */
/*
 * A pool's bitmap of taken slots: finding a run that fits, taking it,
 * giving it back. Inline, for areas.c alone: they run once per
 * mapping and unmapping, under an area lock, and are small.
 */
#ifndef DMAB_BOUNCE_BITMAP_H
#define DMAB_BOUNCE_BITMAP_H

#include "pool.h"

/* Bits [s, e) of a word, 0 <= s < e <= 64. */
static inline uint64_t bits(unsigned s, unsigned e)
{
	uint64_t hi = e == 64 ? ~UINT64_C(0) : (UINT64_C(1) << e) - 1;

	return hi & ~((UINT64_C(1) << s) - 1);
}

/* The last taken slot in [from, to), or SIZE_MAX if all are free. Scanning
 * from the end lets a failed candidate skip past the obstacle at once. */
static inline size_t last_taken(const uint64_t *map, size_t from, size_t to)
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
static inline size_t next_free(const uint64_t *map, size_t i, size_t hi)
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

static inline bool scan(const struct dmab__pool *p, size_t from, size_t until, size_t hi, size_t n,
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
static inline bool dmab__pool_find_run(struct dmab__pool *p, unsigned area, size_t n,
				       uint64_t cmask, uint64_t want, size_t *first)
{
	const struct dmab__bounce_pools *bp = p->owner;
	size_t lo = (size_t)area * bp->area_slots;
	size_t hi = area + 1 == bp->nareas ? p->nslots : lo + bp->area_slots;
	size_t cur = p->area[area].cursor;

	if (atomic_load_explicit(&p->area[area].used, memory_order_relaxed) + n > hi - lo)
		return false;
	return scan(p, cur, hi, hi, n, cmask, want, first) ||
	       scan(p, lo, cur, hi, n, cmask, want, first);
}

/* Take or give back slots [first, first + n); caller holds the area's lock. */
static inline void dmab__pool_mark(struct dmab__pool *p, size_t first, size_t n, bool used)
{
	size_t end = first + n;

	if (first / 64 == (end - 1) / 64) { /* most mappings: one word */
		uint64_t m = bits((unsigned)(first % 64), (unsigned)((end - 1) % 64 + 1));

		if (used)
			p->inuse[first / 64] |= m;
		else
			p->inuse[first / 64] &= ~m;
		return;
	}
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

#endif /* DMAB_BOUNCE_BITMAP_H */
