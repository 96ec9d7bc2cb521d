/* SPDX-License-Identifier: MIT */
/* Declarations shared between the library's own files; not installed. */
#ifndef DMAB_INTERNAL_H
#define DMAB_INTERNAL_H

#include <dmabatch.h>
#include <stdatomic.h>
#include <string.h>

#include "../arch/arch.h"
#include "counters.h"
#include "xlate/xlate.h"

#define DMAB_NAME_MAX 32

struct dmab__tlb;

/* The batch's "no open run", beside enum dmab__op (arch/arch.h). */
#define DMAB__NOP (-1)

struct dmab_device {
	char name[DMAB_NAME_MAX];
	bool coherent;
	uint64_t mask; /* highest bus address the device can reach */
	int numa_node;
	enum dmab_sync_mode mode;
	struct dmab_arch arch;
	const struct dmab__xlate_ops *xlate;
	void *xlate_ctx;
	unsigned bounce;	 /* DMAB_BOUNCE_* */
	struct dmab__tlb *tlb;	 /* bounce pools; NULL if the device never bounces */
	struct dmab__counters c; /* last: 128-byte aligned, see counters.h */
};

/* error.c: record this thread's detailed message; returns @err. */
int dmab__fail(int err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* arch.c: pick and probe a backend for a device. */
int dmab__arch_select(struct dmab_arch *a, const struct dmab_device_config *cfg);
void dmab__arch_release(struct dmab_arch *a);

/* batch.c: the issue-then-complete engine. */
#define DMAB__BATCH_MAGIC 0xdaba7c4u
int dmab__batch_enter_slow(struct dmab_batch *b, struct dmab_device *dev);
void dmab__batch_range_slow(struct dmab_batch *b, int part, enum dmab__op op, uintptr_t s,
			    uintptr_t e);
int dmab__batch_flush(struct dmab_batch *b);

/*
 * The per-entry steps of the engine, inline because an sg list takes them
 * once per entry: a call each would cost more than extending the run.
 */

/* Begin an entry of @dev; returns the device's part index in @b. */
static inline int dmab__batch_enter(struct dmab_batch *b, struct dmab_device *dev)
{
	b->hit = 0;
	if (b->nparts && b->part[0].dev == dev)
		return 0;
	return dmab__batch_enter_slow(b, dev);
}

/* Add [start, start+len), widened to whole lines, with @op. A range that
 * touches the open run with the same op extends it; see batch.c. */
static inline void dmab__batch_range(struct dmab_batch *b, int part, enum dmab__op op,
				     uintptr_t start, size_t len)
{
	size_t line = b->part[part].dev->arch.line;
	uintptr_t s = start & ~(uintptr_t)(line - 1);
	uintptr_t e = (start + len + line - 1) & ~(uintptr_t)(line - 1);

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

/* End the entry: per-entry devices complete it now. */
static inline void dmab__batch_leave(struct dmab_batch *b, int part)
{
	if (!b->hit)
		return;
	b->part[part].entries++;
	if (b->part[part].dev->mode == DMAB_SYNC_PER_ENTRY)
		(void)dmab__batch_flush(b);
}
int dmab__batch_defer_copy(struct dmab_batch *b, int part, void *dst, const void *src, size_t len);
int dmab__batch_finish(struct dmab_batch *b);
/* A copy made now (into a bounce slot, before its clean is added), told to
 * the backend like the deferred ones. Inline: one per bounced entry. */
static inline void dmab__copy_now(struct dmab_device *dev, void *dst, const void *src, size_t len)
{
	struct dmab_arch *a = &dev->arch;

	memcpy(dst, src, len);
	if (a->ops->copied)
		a->ops->copied(a, dst, src, len);
}
/* Room for @cap deferred copies beyond the batch's own, so that a long list
 * still completes once; the caller takes it back after dmab__batch_finish(). */
struct dmab__copy {
	void *dst;
	const void *src;
	size_t len;
	int part;
};
struct dmab__spill {
	size_t n, cap;
	struct dmab__copy v[];
};
struct dmab__spill *dmab__spill_new(size_t cap);
void dmab__batch_spill(struct dmab_batch *b, struct dmab__spill *s);

/* Defer a copy until after the completion: into the lent spill while it has
 * room, else the batch's own array (dmab__batch_defer_copy(), which
 * completes early when that is full). */
static inline void dmab__batch_defer(struct dmab_batch *b, int part, void *dst, const void *src,
				     size_t len)
{
	struct dmab__spill *s = b->spill;

	if (s && s->n < s->cap)
		s->v[s->n++] =
		    (struct dmab__copy){.dst = dst, .src = src, .len = len, .part = part};
	else
		(void)dmab__batch_defer_copy(b, part, dst, src, len);
}

/* Argument checks shared by map.c and sync.c. */
static inline bool dmab__dir_ok(enum dmab_dir dir)
{
	return (unsigned)dir <= DMAB_FROM_DEVICE;
}

static inline bool dmab__range_ok(uintptr_t start, size_t len)
{
	return start + len >= start;
}

#endif /* DMAB_INTERNAL_H */
