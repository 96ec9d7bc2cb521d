/* SPDX-License-Identifier: MIT */
/*
 * The issue-then-complete engine.
 *
 * Maintenance is collected as one open "run": a range of whole lines with
 * one operation for one device. A new range that touches the run with the
 * same operation extends it, so the line two neighbouring sg entries share
 * is issued once and a contiguous list becomes a single range. Anything else
 * issues the run and opens a new one. Nothing waits until the batch is
 * flushed; then every backend that issued something completes once, and only
 * after that are the deferred copies (bounce slot -> original) made: a copy
 * out of memory that is still being invalidated could read stale lines.
 *
 * Copies into a bounce slot go the other way: they are made at once, before
 * the slot's clean is even added, so the clean writes back what was copied.
 * A batch holds DMAB_BATCH_COPIES deferred copies and completes early when
 * that fills; map.c and sync.c, which must complete a whole list once, lend
 * it a larger array (a spill) sized for the list, from the device's spare
 * (spare.h) so that a stream of long lists does not allocate each time.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "batch.h"

_Static_assert(sizeof(struct dmab__batch) <= sizeof(struct dmab_batch),
	       "struct dmab_batch (dmabatch.h) is too small for the engine's state");
_Static_assert(_Alignof(struct dmab__batch) <= _Alignof(struct dmab_batch),
	       "struct dmab_batch (dmabatch.h) is not aligned enough for the engine's state");

void dmab__batch_init(struct dmab__batch *b)
{
	b->magic = DMAB__BATCH_MAGIC;
	b->nparts = 0;
	b->ncopies = 0;
	b->run.op = DMAB__NOP;
	b->spill = NULL;
}

void dmab_batch_init(struct dmab_batch *b)
{
	if (b)
		dmab__batch_init(dmab__batch_of(b));
}

void dmab__batch_lend(struct dmab__batch *b, struct dmab_device *dev, size_t copies)
{
	if (copies <= DMAB_BATCH_COPIES || dev->mode != DMAB_SYNC_BATCHED)
		return;
	struct dmab__spill *s =
	    dmab__spare_take(&dev->spill_spare, sizeof(*s) + copies * sizeof(s->v[0]));

	if (s) {
		s->n = 0;
		s->cap = copies;
	}
	b->spill = s;
}

void dmab__batch_unlend(struct dmab__batch *b, struct dmab_device *dev)
{
	dmab__spare_put(&dev->spill_spare, b->spill);
	b->spill = NULL;
}

/* Count the open run's lines, then (separately) issue it. */
static void count_run(struct dmab__batch *b)
{
	if (b->run.op == DMAB__NOP)
		return;
	size_t line = b->part[b->run.part].dev->arch.line;

	b->part[b->run.part].lines[b->run.op] += (b->run.end - b->run.start) / line;
}

static void issue_run(struct dmab__batch *b)
{
	if (b->run.op == DMAB__NOP)
		return;
	struct dmab_arch *a = &b->part[b->run.part].dev->arch;

	dmab__arch_issue(a, (enum dmab__op)b->run.op, b->run.start, b->run.end - b->run.start);
	b->run.op = DMAB__NOP;
}

static bool same_domain(const struct dmab_arch *x, const struct dmab_arch *y)
{
	return x->ops == y->ops && x->priv == y->priv;
}

/*
 * Add part @i's counts to this thread's block (counters.h) and clear them.
 * A part with nothing to count (another device's, in per-entry mode) does
 * not even look its block up.
 */
static void count_part(struct dmab__batch *b, unsigned i, bool completed)
{
	uint64_t *lines = b->part[i].lines;
	uint32_t entries = b->part[i].entries;

	if (completed || lines[0] || lines[1] || lines[2]) {
		struct dmab__ctr_block *c = dmab__ctr_mine(&b->part[i].dev->c);

		for (int op = 0; op < 3; op++)
			if (lines[op])
				dmab__ctr_add(c, (enum dmab__ctr)op, lines[op]);
		if (completed) {
			dmab__ctr_add(c, DMAB__CTR_COMPLETIONS, 1);
			if (entries > 1)
				dmab__ctr_add(c, DMAB__CTR_COMPLETIONS_SAVED, entries - 1);
		}
	}
	memset(lines, 0, sizeof(b->part[i].lines));
	b->part[i].pending = 0;
	b->part[i].entries = 0;
}

/*
 * Issue, complete, account, copy. The counts are plain stores, which do not
 * wait for the write-backs in flight (a locked add would), so they are made
 * after the completion is issued: the work done there overlaps the
 * write-backs instead of delaying their start. Parts stay so that indices
 * held by a caller in the middle of an entry remain valid.
 */
int dmab__batch_flush(struct dmab__batch *b)
{
	int barriers = 0;
	uint8_t complete[DMAB_BATCH_PARTS];

	count_run(b);
	for (unsigned i = 0; i < b->nparts; i++)
		complete[i] = b->part[i].pending;
	issue_run(b);
	for (unsigned i = 0; i < b->nparts; i++) {
		if (!complete[i])
			continue;
		struct dmab_arch *a = &b->part[i].dev->arch;
		bool done = false;

		for (unsigned j = 0; j < i && !done; j++)
			done = complete[j] && same_domain(&b->part[j].dev->arch, a);
		if (!done) {
			a->ops->complete(a);
			barriers++;
		}
	}
	for (unsigned i = 0; i < b->nparts; i++)
		count_part(b, i, complete[i]);
	for (unsigned i = 0; i < b->ncopies; i++)
		dmab__copy_now(b->part[b->copy[i].part].dev, b->copy[i].dst, b->copy[i].src,
			       b->copy[i].len);
	b->ncopies = 0;
	struct dmab__spill *s = b->spill;

	for (size_t i = 0; s && i < s->n; i++)
		dmab__copy_now(b->part[s->v[i].part].dev, s->v[i].dst, s->v[i].src, s->v[i].len);
	if (s)
		s->n = 0;
	return barriers;
}

int dmab__batch_finish(struct dmab__batch *b)
{
	int barriers = dmab__batch_flush(b);

	b->nparts = 0;
	return barriers;
}

int dmab__batch_enter_slow(struct dmab__batch *b, struct dmab_device *dev)
{
	for (unsigned i = 0; i < b->nparts; i++)
		if (b->part[i].dev == dev)
			return (int)i;
	/* More devices than the batch can track: complete what we have. */
	if (b->nparts == DMAB_BATCH_PARTS)
		(void)dmab__batch_finish(b);
	unsigned i = b->nparts++;

	b->part[i].dev = dev;
	b->part[i].entries = 0;
	b->part[i].pending = 0;
	memset(b->part[i].lines, 0, sizeof(b->part[i].lines));
	return (int)i;
}

/*
 * A clean+invalidate covers a clean or an invalidate of the same line, so
 * where one meets the run, the overlap is issued once, as clean+invalidate.
 * Returns false if nothing of [*s, *e) is left to issue.
 */
static bool trim_against_run(struct dmab__batch *b, enum dmab__op op, uintptr_t *s, uintptr_t *e)
{
	uintptr_t rs = b->run.start, re = b->run.end;

	if (*s >= re || *e <= rs)
		return true;
	if (op == DMAB__CLEAN_INVAL) {
		if (*s <= rs && *e >= re)
			b->run.op = DMAB__NOP;
		else if (*s > rs && *e >= re)
			b->run.end = *s;
		else if (*s <= rs)
			b->run.start = *e;
		return true;
	}
	if (b->run.op == DMAB__CLEAN_INVAL) {
		if (*s >= rs && *e <= re)
			return false;
		if (*s >= rs)
			*s = re;
		else if (*e <= re)
			*e = rs;
	}
	return true;
}

/* The part of dmab__batch_range() that does not just extend the run. */
void dmab__batch_range_slow(struct dmab__batch *b, int part, enum dmab__op op, uintptr_t s,
			    uintptr_t e)
{
	if (b->run.op != DMAB__NOP && b->run.part == part && !trim_against_run(b, op, &s, &e))
		return;
	count_run(b);
	issue_run(b);
	b->run.part = part;
	b->run.op = op;
	b->run.start = s;
	b->run.end = e;
}

int dmab__batch_defer_copy(struct dmab__batch *b, int part, void *dst, const void *src, size_t len)
{
	int barriers = 0;

	if (b->ncopies == DMAB_BATCH_COPIES)
		barriers = dmab__batch_flush(b);
	b->copy[b->ncopies].dst = dst;
	b->copy[b->ncopies].src = src;
	b->copy[b->ncopies].len = len;
	b->copy[b->ncopies].part = part;
	b->ncopies++;
	return barriers;
}

int dmab_batch_commit(struct dmab_batch *batch)
{
	struct dmab__batch *b = batch ? dmab__batch_of(batch) : NULL;

	if (!b || b->magic != DMAB__BATCH_MAGIC)
		return dmab__fail(-EINVAL, "batch commit: batch not initialised");
	return dmab__batch_finish(b);
}
