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
 * it a larger array (a spill) sized for the list.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static inline uintptr_t line_down(uintptr_t x, size_t line)
{
	return x & ~(uintptr_t)(line - 1);
}

void dmab_batch_init(struct dmab_batch *b)
{
	if (!b)
		return;
	b->magic = DMAB__BATCH_MAGIC;
	b->nparts = 0;
	b->ncopies = 0;
	b->run.op = DMAB__NOP;
	b->spill = NULL;
}

struct dmab__spill *dmab__spill_new(size_t cap)
{
	struct dmab__spill *s = malloc(sizeof(*s) + cap * sizeof(s->v[0]));

	if (s) {
		s->n = 0;
		s->cap = cap;
	}
	return s;
}

void dmab__batch_spill(struct dmab_batch *b, struct dmab__spill *s)
{
	b->spill = s;
}

static void issue_run(struct dmab_batch *b)
{
	if (b->run.op == DMAB__NOP)
		return;
	struct dmab_arch *a = &b->part[b->run.part].dev->arch;
	size_t len = b->run.end - b->run.start;

	switch (b->run.op) {
	case DMAB__CLEAN:
		a->ops->clean(a, b->run.start, len);
		break;
	case DMAB__INVAL:
		a->ops->inval(a, b->run.start, len);
		break;
	default:
		a->ops->clean_inval(a, b->run.start, len);
		break;
	}
	b->part[b->run.part].lines[b->run.op] += len / a->line;
	b->run.op = DMAB__NOP;
}

static bool same_domain(const struct dmab_arch *x, const struct dmab_arch *y)
{
	return x->ops == y->ops && x->priv == y->priv;
}

/* Issue, complete, account, copy. Parts stay so that indices held by a
 * caller in the middle of an entry remain valid. */
static int flush(struct dmab_batch *b)
{
	int barriers = 0;

	issue_run(b);
	for (unsigned i = 0; i < b->nparts; i++) {
		if (!b->part[i].pending)
			continue;
		struct dmab_arch *a = &b->part[i].dev->arch;
		bool done = false;

		for (unsigned j = 0; j < i && !done; j++)
			done = b->part[j].pending && same_domain(&b->part[j].dev->arch, a);
		if (!done) {
			a->ops->complete(a);
			barriers++;
		}
	}
	for (unsigned i = 0; i < b->nparts; i++) {
		struct dmab__counters *c = &b->part[i].dev->c;
		uint32_t entries = b->part[i].entries;

		for (int op = 0; op < 3; op++) {
			if (b->part[i].lines[op])
				atomic_fetch_add_explicit(&c->lines[op], b->part[i].lines[op],
							  memory_order_relaxed);
			b->part[i].lines[op] = 0;
		}
		if (b->part[i].pending) {
			atomic_fetch_add_explicit(&c->completions, 1, memory_order_relaxed);
			if (entries > 1)
				atomic_fetch_add_explicit(&c->completions_saved, entries - 1,
							  memory_order_relaxed);
		}
		b->part[i].pending = 0;
		b->part[i].entries = 0;
	}
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

int dmab__batch_finish(struct dmab_batch *b)
{
	int barriers = flush(b);

	b->nparts = 0;
	return barriers;
}

int dmab__batch_enter(struct dmab_batch *b, struct dmab_device *dev)
{
	b->hit = 0;
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
static bool trim_against_run(struct dmab_batch *b, enum dmab__op op, uintptr_t *s, uintptr_t *e)
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

void dmab__batch_range(struct dmab_batch *b, int part, enum dmab__op op, uintptr_t start,
		       size_t len)
{
	size_t line = b->part[part].dev->arch.line;
	uintptr_t s = line_down(start, line);
	uintptr_t e = line_down(start + len + line - 1, line);

	b->part[part].pending = 1;
	b->hit = 1;
	if (b->run.op != DMAB__NOP && b->run.part == part) {
		if (b->run.op == op && s <= b->run.end && e >= b->run.start) {
			if (s < b->run.start)
				b->run.start = s;
			if (e > b->run.end)
				b->run.end = e;
			return;
		}
		if (!trim_against_run(b, op, &s, &e))
			return;
	}
	issue_run(b);
	b->run.part = part;
	b->run.op = op;
	b->run.start = s;
	b->run.end = e;
}

void dmab__batch_leave(struct dmab_batch *b, int part)
{
	if (!b->hit)
		return;
	b->part[part].entries++;
	if (b->part[part].dev->mode == DMAB_SYNC_PER_ENTRY)
		(void)flush(b);
}

int dmab__batch_defer_copy(struct dmab_batch *b, int part, void *dst, const void *src, size_t len)
{
	int barriers = 0;
	struct dmab__spill *s = b->spill;

	if (s && s->n < s->cap) {
		s->v[s->n++] =
		    (struct dmab__copy){.dst = dst, .src = src, .len = len, .part = part};
		return 0;
	}
	if (b->ncopies == DMAB_BATCH_COPIES)
		barriers = flush(b);
	b->copy[b->ncopies].dst = dst;
	b->copy[b->ncopies].src = src;
	b->copy[b->ncopies].len = len;
	b->copy[b->ncopies].part = part;
	b->ncopies++;
	return barriers;
}

int dmab_batch_commit(struct dmab_batch *b)
{
	if (!b || b->magic != DMAB__BATCH_MAGIC)
		return dmab__fail(-EINVAL, "batch commit: batch not initialised");
	return dmab__batch_finish(b);
}
