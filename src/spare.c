/* SPDX-License-Identifier: MIT */
/* A per-device spare allocation; see spare.h. */
#include <stdlib.h>

#include "spare.h"

/* Each allocation starts with its size; the caller's room follows. */
struct room {
	size_t bytes;
	_Alignas(max_align_t) unsigned char mem[];
};

static struct room *room_of(void *mem)
{
	return (struct room *)((unsigned char *)mem - offsetof(struct room, mem));
}

void *dmab__spare_take(struct dmab__spare *s, size_t bytes)
{
	struct room *r = atomic_exchange_explicit(&s->p, NULL, memory_order_acquire);

	if (r && r->bytes >= bytes)
		return r->mem;
	free(r);
	r = malloc(sizeof(*r) + bytes);
	if (!r)
		return NULL;
	r->bytes = bytes;
	return r->mem;
}

void dmab__spare_put(struct dmab__spare *s, void *mem)
{
	if (mem)
		free(atomic_exchange_explicit(&s->p, room_of(mem), memory_order_acq_rel));
}

void dmab__spare_init(struct dmab__spare *s)
{
	atomic_init(&s->p, NULL);
}

void dmab__spare_fini(struct dmab__spare *s)
{
	free(atomic_load_explicit(&s->p, memory_order_acquire));
	atomic_store_explicit(&s->p, NULL, memory_order_relaxed);
}
