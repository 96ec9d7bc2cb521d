/* SPDX-License-Identifier: MIT */
/* The checker's judgement of the memory a map is given (memory.h). */
#include <stdlib.h>

#include "../os/os.h"
#include "memory.h"
#include "state.h"

/* The calling thread's stack, found once per thread: 1 known, -1 unknown. */
static __thread int stack_known;
static __thread uintptr_t stack_lo, stack_hi;

static bool on_stack(uintptr_t a, size_t len)
{
	if (!stack_known)
		stack_known = dmab__os_thread_stack(&stack_lo, &stack_hi) == 0 ? 1 : -1;
	return stack_known > 0 && a < stack_hi && a + len > stack_lo;
}

struct grow {
	struct dmab__dbg_region *v;
	size_t n, cap;
	bool nomem;
};

static int add_region(void *arg, uintptr_t lo, uintptr_t hi, unsigned prot)
{
	struct grow *g = arg;

	if (g->n == g->cap) {
		size_t cap = g->cap ? 2 * g->cap : 256;
		struct dmab__dbg_region *v = realloc(g->v, cap * sizeof(*v));

		if (!v) {
			g->nomem = true;
			return 1;
		}
		g->v = v;
		g->cap = cap;
	}
	g->v[g->n++] = (struct dmab__dbg_region){lo, hi, prot};
	return 0;
}

/* Under d->lock. */
static void snapshot(struct dmab__debug *d)
{
	struct grow g = {0};

	if (dmab__os_each_mapping(add_region, &g) || g.nomem) {
		free(g.v);
		return; /* keep the old snapshot */
	}
	free(d->regions);
	d->regions = g.v;
	d->nregions = g.n;
}

static const struct dmab__dbg_region *region_of(const struct dmab__debug *d, uintptr_t a)
{
	size_t lo = 0, hi = d->nregions;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (a < d->regions[mid].lo)
			hi = mid;
		else if (a >= d->regions[mid].hi)
			lo = mid + 1;
		else
			return &d->regions[mid];
	}
	return NULL;
}

/* The protection bits of the regions holding both ends (writable only if
 * both are); 0 if unknown. */
static unsigned judge_prot(struct dmab__debug *d, uintptr_t a, size_t len, bool *known)
{
	const struct dmab__dbg_region *r0 = region_of(d, a), *r1 = region_of(d, a + len - 1);

	*known = r0 && r1;
	if (!*known)
		return 0;
	/* code at either end counts; writable only if both ends are */
	return ((r0->prot | r1->prot) & DMAB__OS_PROT_EXEC) |
	       (r0->prot & r1->prot & DMAB__OS_PROT_WRITE);
}

bool dmab__dbg_mem_class(struct dmab__debug *d, const void *cpu, size_t len, enum dmab_dir dir,
			 enum dmab_debug_class *cls)
{
	uintptr_t a = (uintptr_t)cpu;

	if (on_stack(a, len)) {
		*cls = DMAB_DEBUG_MAP_STACK;
		return true;
	}
	bool known;

	pthread_mutex_lock(&d->lock);
	unsigned prot = judge_prot(d, a, len, &known);

	if (!known) {
		snapshot(d);
		prot = judge_prot(d, a, len, &known);
	}
	pthread_mutex_unlock(&d->lock);
	if (!known)
		return false;
	/* Code counts as read-only: the device must not write it. Reading it
	 * is allowed, since constant data often shares the code's segment
	 * (aarch64 links .rodata into the executable one). */
	if (dir != DMAB_TO_DEVICE && !(prot & DMAB__OS_PROT_WRITE)) {
		*cls = DMAB_DEBUG_MAP_READONLY;
		return true;
	}
	return false;
}

void dmab__dbg_mem_fini(struct dmab__debug *d)
{
	free(d->regions);
	d->regions = NULL;
	d->nregions = 0;
}
