/* SPDX-License-Identifier: MIT */
/*
 * A per-device spare: one scratch allocation kept for the next call that
 * needs more room than its stack gives (a long list's entry facts, its
 * deferred copies), so that a stream of long lists does not allocate, and
 * fault in, fresh memory for each. A call takes it, or makes one when
 * another thread has it or it is too small, and puts it back when done;
 * whichever is put back last is kept.
 */
#ifndef DMAB_SPARE_H
#define DMAB_SPARE_H

#include <stdatomic.h>
#include <stddef.h>

struct dmab__spare {
	void *_Atomic p; /* the kept allocation, or NULL */
};

/* Room for @bytes, or NULL with no memory. */
void *dmab__spare_take(struct dmab__spare *s, size_t bytes);
/* Give back what dmab__spare_take() returned (NULL is allowed). */
void dmab__spare_put(struct dmab__spare *s, void *mem);
void dmab__spare_init(struct dmab__spare *s);
void dmab__spare_fini(struct dmab__spare *s);

#endif /* DMAB_SPARE_H */
