/* SPDX-License-Identifier: MIT */
/*
 * The issue-then-complete engine (batch.c): its state, and the per-entry
 * steps, inline because an sg list takes them once per entry and a call
 * each would cost more than extending the run.
 *
 * A caller's struct dmab_batch (include/dmabatch.h) is opaque storage that
 * holds one struct dmab__batch; the library's own calls keep theirs on the
 * stack as the engine's type.
 */
#ifndef DMAB_BATCH_H
#define DMAB_BATCH_H

#include <string.h>

#include "internal.h"
#include "rules.h"

#define DMAB__BATCH_MAGIC 0xdaba7c4u

/* A deferred copy (bounce slot -> original), made after the completion. */
struct dmab__copy {
	void *dst;
	const void *src;
	size_t len;
	int part;
};

/* More room for deferred copies, lent by a call that must complete a long
 * list once (dmab__batch_lend). */
struct dmab__spill {
	size_t n, cap;
	struct dmab__copy v[];
};

struct dmab__batch {
	uint32_t magic;
	uint16_t nparts, ncopies;
	uint32_t hit; /* the entry being added issued something */
	struct {
		struct dmab_device *dev;
		uint32_t entries;  /* entries that issued lines since last completion */
		uint32_t pending;  /* lines issued since last completion */
		uint64_t lines[3]; /* clean, inval, clean+inval, not yet in stats */
	} part[DMAB_BATCH_PARTS];
	struct {
		int part, op;
		uintptr_t start, end;
	} run;
	struct dmab__copy copy[DMAB_BATCH_COPIES];
	struct dmab__spill *spill;
};

static inline struct dmab__batch *dmab__batch_of(struct dmab_batch *b)
{
	return (struct dmab__batch *)(void *)b;
}

void dmab__batch_init(struct dmab__batch *b);
int dmab__batch_enter_slow(struct dmab__batch *b, struct dmab_device *dev);
void dmab__batch_range_slow(struct dmab__batch *b, int part, enum dmab__op op, uintptr_t s,
			    uintptr_t e);
int dmab__batch_flush(struct dmab__batch *b);
/* Flush and forget the parts: the batch is empty again. */
int dmab__batch_finish(struct dmab__batch *b);
int dmab__batch_defer_copy(struct dmab__batch *b, int part, void *dst, const void *src, size_t len);

/* Begin an entry of @dev; returns the device's part index in @b. */
DMAB__HOT int dmab__batch_enter(struct dmab__batch *b, struct dmab_device *dev)
{
	b->hit = 0;
	if (b->nparts && b->part[0].dev == dev)
		return 0;
	return dmab__batch_enter_slow(b, dev);
}

/* Add [start, start+len), widened to whole lines, with @op. A range that
 * touches the open run with the same op extends it; see batch.c. */
DMAB__HOT void dmab__batch_range(struct dmab__batch *b, int part, enum dmab__op op, uintptr_t start,
				 size_t len)
{
	uintptr_t s, e;

	(void)dmab__line_span(start, len, b->part[part].dev->arch.line, &s, &e);
	b->part[part].pending = 1;
	b->hit = 1;
	if (b->run.op == (int)op && b->run.part == part && s <= b->run.end && e >= b->run.start) {
		if (s < b->run.start)
			b->run.start = s;
		if (e > b->run.end)
			b->run.end = e;
		return;
	}
	dmab__batch_range_slow(b, part, op, s, e);
}

/*
 * The invalidation after the device (rules.h): the range's whole lines
 * invalidated, a line at either end that it shares with other memory
 * cleaned and invalidated instead.
 */
DMAB__HOT void dmab__batch_inval(struct dmab__batch *b, int part, uintptr_t start, size_t len)
{
	size_t line = b->part[part].dev->arch.line;
	uintptr_t s, e;

	if (!dmab__line_span(start, len, line, &s, &e)) {
		dmab__batch_range(b, part, DMAB__INVAL, s, e - s);
		return;
	}
	bool head = s != start, tail = e != start + len;

	if (e - s == line) {
		dmab__batch_range(b, part, DMAB__CLEAN_INVAL, s, line);
		return;
	}
	if (head) {
		dmab__batch_range(b, part, DMAB__CLEAN_INVAL, s, line);
		s += line;
	}
	if (tail)
		e -= line;
	if (e > s)
		dmab__batch_range(b, part, DMAB__INVAL, s, e - s);
	if (tail)
		dmab__batch_range(b, part, DMAB__CLEAN_INVAL, e, line);
}

/* End the entry: per-entry devices complete it now. */
DMAB__HOT void dmab__batch_leave(struct dmab__batch *b, int part)
{
	if (!b->hit)
		return;
	b->part[part].entries++;
	if (b->part[part].dev->mode == DMAB_SYNC_PER_ENTRY)
		(void)dmab__batch_flush(b);
}

/* A copy made now (into a bounce slot, before its clean is added), told to
 * the backend like the deferred ones. Inline: one per bounced entry. */
static inline void dmab__copy_now(struct dmab_device *dev, void *dst, const void *src, size_t len)
{
	memcpy(dst, src, len);
	dmab__arch_copied(&dev->arch, dst, src, len);
}

/* Defer a copy until after the completion: into the lent spill while it has
 * room, else the batch's own array (dmab__batch_defer_copy(), which
 * completes early when that is full). */
static inline void dmab__batch_defer(struct dmab__batch *b, int part, void *dst, const void *src,
				     size_t len)
{
	struct dmab__spill *s = b->spill;

	if (s && s->n < s->cap)
		s->v[s->n++] =
		    (struct dmab__copy){.dst = dst, .src = src, .len = len, .part = part};
	else
		(void)dmab__batch_defer_copy(b, part, dst, src, len);
}

/*
 * Lend @b room for @copies deferred copies when one completion must cover
 * more than the batch holds (a per-entry device completes each entry
 * anyway). Without memory for it the batch completes early instead: more
 * barriers, still in the right order. Give it back with
 * dmab__batch_unlend() after dmab__batch_finish().
 */
void dmab__batch_lend(struct dmab__batch *b, struct dmab_device *dev, size_t copies);
void dmab__batch_unlend(struct dmab__batch *b, struct dmab_device *dev);

#endif /* DMAB_BATCH_H */
