/* SPDX-License-Identifier: MIT */
/*
 * The fast path of map_sg and unmap_sg; fast.h says when it is taken.
 *
 * The general path (map.c) walks a list three times and goes through the
 * batch engine for every entry, whose state lives in memory because its
 * address escapes into out-of-line calls, and asks the device's situation
 * again for each entry. Here the device is read once, the list is checked
 * in one pass, and one more pass fills and issues with the open run in
 * locals. It issues the same lines with the same operation, each line of
 * a run once, and completes once, as the engine does (batch.c): only the
 * cut of the runs into issue() calls differs, since a run's lines are
 * issued as the run grows, in steps of at least FAST_STEP lines, rather
 * than all at its end; the bookkeeping of the following entries then runs
 * while those write-backs are in flight. An unmap whose entries have
 * partial lines (clean+invalidate at the ends, trimmed against the run) is
 * left to the engine.
 */
#include "fast.h"

#include "steps.h"

bool dmab__fast_off;

/* Issue a run's waiting lines once they are this many bytes (256 lines of
 * 64 bytes: few calls, and still a few entries' bookkeeping between them);
 * a constant, so that it takes no register. */
#define FAST_STEP 16384u

/* The open run, in the pass's locals (its address never escapes). */
struct fast_run {
	uintptr_t start, end; /* the open run's lines, [start, end) */
	uintptr_t done;	      /* [start, done) is issued */
	uintptr_t bytes;      /* issued */
};

/* Issue [s, e) of the run now. */
DMAB__HOT void fast_issue(struct dmab_device *dev, enum dmab__op op, struct fast_run *r,
			  uintptr_t s, uintptr_t e)
{
	dmab__arch_issue(&dev->arch, op, s, e - s);
	r->bytes += e - s;
}

/*
 * Add the whole lines [s, e) of one entry to the run, as dmab__batch_range()
 * would (touching the run: extend it; else issue it and open another), and
 * issue what is waiting once it is a step long. No run is open at first:
 * [UINTPTR_MAX, 0) touches no entry's lines.
 */
DMAB__HOT void fast_add(struct dmab_device *dev, enum dmab__op op, struct fast_run *r, uintptr_t s,
			uintptr_t e)
{
	if (s <= r->end && e >= r->start) {
		if (s < r->start) { /* a list going down: its new head now */
			fast_issue(dev, op, r, s, r->start);
			r->start = s;
		}
		if (e > r->end)
			r->end = e;
	} else {
		if (r->done != r->end)
			fast_issue(dev, op, r, r->done, r->end);
		r->start = r->done = s;
		r->end = e;
	}
	if (r->end - r->done >= FAST_STEP) {
		fast_issue(dev, op, r, r->done, r->end);
		r->done = r->end;
	}
}

/* Issue the rest, complete once, and count the call as the engine and
 * map.c's count_call() would; @entries had a length. */
DMAB__HOT void fast_finish(struct dmab_device *dev, enum dmab__op op, struct fast_run *r,
			   uint32_t entries, enum dmab__ctr call)
{
	if (r->done != r->end)
		fast_issue(dev, op, r, r->done, r->end);
	if (entries)
		dev->arch.ops->complete(&dev->arch);

	struct dmab__ctr_block *c = dmab__ctr_mine(&dev->c);

	if (entries) {
		dmab__ctr_add(c, (enum dmab__ctr)op, r->bytes >> __builtin_ctzl(dev->arch.line));
		dmab__ctr_add(c, DMAB__CTR_COMPLETIONS, 1);
		if (entries > 1)
			dmab__ctr_add(c, DMAB__CTR_COMPLETIONS_SAVED, entries - 1);
	}
	dmab__ctr_add(c, call, 1);
}

#define FAST_RUN ((struct fast_run){.start = UINTPTR_MAX})

bool dmab__fast_map_check(const struct dmab_device *dev, const struct dmab_sg *sg, int nents,
			  struct dmab__fast_list *l)
{
	/*
	 * check_buffer() (map.c) for every entry, and the bus span (identity:
	 * the addresses). An entry's lines do not wrap if its end does not (q
	 * >= p) and is at most the last line's start (q <= top: for all, the
	 * greatest end); NULL is a span from 0. A zero-length entry (mapped,
	 * never maintained) is left to the general path, so that the loops
	 * here need not tell.
	 */
	uintptr_t top = UINTPTR_MAX - (uintptr_t)(dev->arch.line - 1);
	uintptr_t lo = UINTPTR_MAX, hi = 0;
	unsigned bad = 0;

	for (int i = 0; i < nents; i++) {
		uintptr_t p = (uintptr_t)sg[i].addr;
		size_t len = sg[i].len;
		uintptr_t q = p + len;

		bad |= q <= p; /* wraps, or has no length */
		lo = p < lo ? p : lo;
		hi = q > hi ? q : hi;
	}
	*l = (struct dmab__fast_list){.lo = lo, .hi = hi};
	return !bad && hi <= top && lo;
}

void dmab__fast_map(struct dmab_device *dev, struct dmab_sg *sg, int nents)
{
	struct fast_run r = FAST_RUN;
	uintptr_t m = (uintptr_t)dev->arch.line - 1;

	for (int i = 0; i < nents; i++) {
		uintptr_t p = (uintptr_t)sg[i].addr;
		size_t len = sg[i].len;

		sg[i].dma_addr = p;
		sg[i].dma_len = len;
		fast_add(dev, DMAB__CLEAN, &r, p & ~m, (p + len + m) & ~m);
	}
	fast_finish(dev, DMAB__CLEAN, &r, (uint32_t)nents, DMAB__CTR_MAPS);
}

/* One range: issue, complete, count, as fast_finish() for one entry.
 * (Lines are powers of two, checked by every backend: a shift counts them.) */
static void fast_one(struct dmab_device *dev, enum dmab__op op, uintptr_t s, uintptr_t e,
		     enum dmab__ctr call)
{
	struct dmab_arch *a = &dev->arch;

	dmab__arch_issue(a, op, s, e - s);
	a->ops->complete(a);

	struct dmab__ctr_block *c = dmab__ctr_mine(&dev->c);

	dmab__ctr_add(c, (enum dmab__ctr)op, (e - s) >> __builtin_ctzl(a->line));
	dmab__ctr_add(c, DMAB__CTR_COMPLETIONS, 1);
	dmab__ctr_add(c, call, 1);
}

void dmab__fast_map_one(struct dmab_device *dev, uintptr_t p, size_t len)
{
	uintptr_t m = (uintptr_t)dev->arch.line - 1;

	fast_one(dev, DMAB__CLEAN, p & ~m, (p + len + m) & ~m, DMAB__CTR_MAPS);
}

bool dmab__fast_unmap_check(const struct dmab_device *dev, const struct dmab_sg *sg, int nents,
			    struct dmab__fast_list *l)
{
	/*
	 * dmab__find_sg() (steps.h) for every entry: whole lines, inside the
	 * span of the direct mappings (dmab__direct_seen), not bus address 0
	 * (identity). With every entry inside [lo, hi), lo > 0 and hi at most
	 * the last line's start, the other two hold. Zero-length entries (not
	 * looked at there) go to the general path, as at map.
	 */
	uintptr_t lo = atomic_load_explicit(&dev->direct_lo, memory_order_relaxed);
	uintptr_t hi = atomic_load_explicit(&dev->direct_hi, memory_order_relaxed);
	uintptr_t m = (uintptr_t)dev->arch.line - 1;
	dmab_addr_t pmin = UINTPTR_MAX, qmax = 0, ends = 0;
	unsigned bad = 0;

	for (int i = 0; i < nents; i++) {
		dmab_addr_t p = sg[i].dma_addr;
		size_t len = sg[i].dma_len;
		dmab_addr_t q = p + len;

		bad |= q <= p; /* wraps, or has no length */
		pmin = p < pmin ? p : pmin;
		qmax = q > qmax ? q : qmax;
		ends |= p | q;
	}
	*l = (struct dmab__fast_list){.partial = (ends & m) != 0};
	return !bad && lo && hi <= UINTPTR_MAX - m && pmin >= lo && qmax <= hi;
}

/* An unmap with partial lines: the engine, as the general path runs it on a
 * plain device (an entry's CPU side is its bus address). */
static void unmap_partial(struct dmab_device *dev, struct dmab_sg *sg, int nents,
			  struct dmab__rule r)
{
	struct dmab__batch b;
	struct dmab__tally n = {0};

	dmab__batch_init(&b);
	for (int i = 0; i < nents; i++) {
		struct dmab__entry e = {.cpu = (void *)(uintptr_t)sg[i].dma_addr,
					.bus = sg[i].dma_addr,
					.len = sg[i].dma_len};

		dmab__entry_for_cpu(&b, dev, &e, r, &n);
	}
	(void)dmab__batch_finish(&b);
	dmab__ctr_add(dmab__ctr_mine(&dev->c), DMAB__CTR_UNMAPS, 1);
}

void dmab__fast_unmap_one(struct dmab_device *dev, dmab_addr_t p, size_t len, enum dmab_dir dir)
{
	uintptr_t m = (uintptr_t)dev->arch.line - 1;
	struct dmab_sg one = {.dma_addr = p, .dma_len = len};

	if (!dmab__rule(DMAB__CALL_UNMAP, dir, 0, false).inval)
		dmab__ctr_add(dmab__ctr_mine(&dev->c), DMAB__CTR_UNMAPS, 1);
	else if ((p | (p + len)) & m)
		unmap_partial(dev, &one, 1, dmab__rule(DMAB__CALL_UNMAP, dir, 0, false));
	else
		fast_one(dev, DMAB__INVAL, (uintptr_t)p, (uintptr_t)(p + len), DMAB__CTR_UNMAPS);
}

void dmab__fast_unmap(struct dmab_device *dev, struct dmab_sg *sg, int nents, enum dmab_dir dir,
		      const struct dmab__fast_list *l)
{
	struct dmab__rule rule = dmab__rule(DMAB__CALL_UNMAP, dir, 0, false);

	if (!rule.inval) { /* TO_DEVICE: the device wrote nothing */
		dmab__ctr_add(dmab__ctr_mine(&dev->c), DMAB__CTR_UNMAPS, 1);
		return;
	}
	if (l->partial) {
		unmap_partial(dev, sg, nents, rule);
		return;
	}
	struct fast_run r = FAST_RUN;

	for (int i = 0; i < nents; i++) {
		uintptr_t p = (uintptr_t)sg[i].dma_addr;

		/* whole lines: the check found no partial one */
		fast_add(dev, DMAB__INVAL, &r, p, p + sg[i].dma_len);
	}
	fast_finish(dev, DMAB__INVAL, &r, (uint32_t)nents, DMAB__CTR_UNMAPS);
}
