/* SPDX-License-Identifier: MIT */
/*
 * The rules, in one place: what each call does for each direction (the
 * arm64 mainline behaviour, SEMANTICS §3 and §5), which lines a range
 * covers, and whether a device reaches a bus range. map.c, sync.c, the
 * bounce code and the benchmark's raw loop ask here and restate nothing.
 * A leaf: no other header of the library is needed to use it.
 *
 * Before the device (map, sync_for_device): clean, whatever the direction.
 *   Cleaning a FROM_DEVICE buffer (rather than invalidating it) keeps the
 *   bytes the device does not write and stops dirty lines being evicted
 *   over the device's data later.
 * After the device (unmap, sync_for_cpu): nothing for TO_DEVICE (the device
 *   did not write); otherwise invalidate, after the transfer, because the
 *   CPU may have fetched lines speculatively while the device owned them. A
 *   line the buffer only partly covers also holds someone else's bytes, so
 *   it is cleaned as well as invalidated (dmab__line_span() tells).
 * Bounce copies: map copies original -> slot whatever the direction, so a
 *   device writing only part of a FROM_DEVICE buffer returns the rest as it
 *   was rather than stale pool bytes, and the copy comes before the slot's
 *   clean; sync_for_device copies in for TO_DEVICE and BIDIRECTIONAL; unmap
 *   and sync_for_cpu copy slot -> original for FROM_DEVICE and
 *   BIDIRECTIONAL, deferred until after the completion, so the copy never
 *   reads lines still being invalidated.
 * Modifiers: a coherent device needs no cache operation at all (copies
 *   still happen); DMAB_ATTR_SKIP_CPU_SYNC drops the cache operations and the
 *   copy back, but not map's copy in.
 */
#ifndef DMAB_RULES_H
#define DMAB_RULES_H

#include <dmabatch.h>
#include <stdbool.h>
#include <stdint.h>

enum dmab__call {
	DMAB__CALL_MAP,
	DMAB__CALL_UNMAP,
	DMAB__CALL_SYNC_FOR_DEVICE,
	DMAB__CALL_SYNC_FOR_CPU,
	DMAB__NCALLS
};

/* What one call does to each of its entries. */
struct dmab__rule {
	bool clean;    /* before the device: clean the lines */
	bool inval;    /* after it: invalidate them (partial lines clean+invalidate) */
	bool copy_in;  /* a bounced entry: original -> slot, before any clean */
	bool copy_out; /* a bounced entry: slot -> original, after the completion */
};

/* [call][dir] for a non-coherent device without attributes; directions in
 * the kernel's order: BIDIRECTIONAL, TO_DEVICE, FROM_DEVICE. */
static const struct dmab__rule dmab__rules[DMAB__NCALLS][3] = {
    [DMAB__CALL_MAP] = {{true, false, true, false},
			{true, false, true, false},
			{true, false, true, false}},
    [DMAB__CALL_UNMAP] = {{false, true, false, true},
			  {false, false, false, false},
			  {false, true, false, true}},
    [DMAB__CALL_SYNC_FOR_DEVICE] = {{true, false, true, false},
				    {true, false, true, false},
				    {true, false, false, false}},
    [DMAB__CALL_SYNC_FOR_CPU] = {{false, true, false, true},
				 {false, false, false, false},
				 {false, true, false, true}},
};

/* The rule for one call; @dir must be valid (dmab__dir_ok). */
static inline struct dmab__rule dmab__rule(enum dmab__call call, enum dmab_dir dir, unsigned attrs,
					   bool coherent)
{
	struct dmab__rule r = dmab__rules[call][dir];
	bool skip = (attrs & DMAB_ATTR_SKIP_CPU_SYNC) != 0, none = coherent | skip;

	/* Branch-free: every map and unmap asks once. */
	r.clean &= !none;
	r.inval &= !none;
	r.copy_out &= !skip;
	return r;
}

/* Does the call do anything to an entry at all (given whether it bounced)? */
static inline bool dmab__rule_work(struct dmab__rule r, bool bounced)
{
	return r.clean || r.inval || (bounced && (r.copy_in || r.copy_out));
}

/*
 * The whole lines [*s, *e) that [start, start + len) touches, @line a power
 * of two; true if a line at either end is shared with other memory (the
 * range does not start or end on a line boundary).
 */
static inline bool dmab__line_span(uintptr_t start, size_t len, size_t line, uintptr_t *s,
				   uintptr_t *e)
{
	uintptr_t m = (uintptr_t)line - 1, end = start + len;

	*s = start & ~m;
	*e = (end + m) & ~m;
	return ((start | end) & m) != 0;
}

/* Can a device with DMA mask @mask reach all of [bus, bus + len)? (The
 * kernel's dma_capable.) An empty range is reachable. */
static inline bool dmab__dma_capable(uint64_t mask, dmab_addr_t bus, size_t len)
{
	return len == 0 || (bus <= mask && len - 1 <= mask - bus);
}

#endif /* DMAB_RULES_H */
