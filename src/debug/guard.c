/* SPDX-License-Identifier: MIT */
/*
 * Guard mode (include/dmabatch/debug.h): the CPU's access to a mapped
 * buffer the device writes is taken away (through src/os/) while the
 * device owns it.
 *
 * Guarded ranges are also kept in one table for the whole process, which a
 * signal handler may search (dmab_debug_guard_lookup()): a fixed array of
 * slots of lock-free atomics, each slot's fields written under its own
 * sequence count, so a reader never takes a lock and never sees a slot half
 * written (it retries a few times, then gives up: a handler that
 * interrupted the slot's writer in its own thread must not spin).
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "../os/os.h"
#include "state.h"

#if ATOMIC_LLONG_LOCK_FREE != 2 || ATOMIC_INT_LOCK_FREE != 2 || ATOMIC_BOOL_LOCK_FREE != 2
#error "guard mode needs lock-free atomics (its lookup is async-signal-safe)"
#endif

struct slot {
	_Atomic unsigned seq; /* odd while the fields below are written */
	_Atomic int taken;    /* owned by a mapping */
	_Atomic bool active;  /* its range is protected now */
	_Atomic uint64_t cpu, len, bus, caller, device;
	_Atomic int dir, kind, nents;
};

static struct slot slots[DMAB_DEBUG_GUARD_MAX];
static _Atomic unsigned next_slot;

#define RLX memory_order_relaxed

static void slot_write(struct slot *s, const struct dmab_debug_mapping *m, const char *device)
{
	unsigned q = atomic_load_explicit(&s->seq, RLX);

	atomic_store_explicit(&s->seq, q + 1, RLX);
	atomic_thread_fence(memory_order_release);
	atomic_store_explicit(&s->cpu, (uint64_t)(uintptr_t)m->cpu, RLX);
	atomic_store_explicit(&s->len, m->len, RLX);
	atomic_store_explicit(&s->bus, m->addr, RLX);
	atomic_store_explicit(&s->caller, (uint64_t)(uintptr_t)m->caller, RLX);
	atomic_store_explicit(&s->device, (uint64_t)(uintptr_t)device, RLX);
	atomic_store_explicit(&s->dir, (int)m->dir, RLX);
	atomic_store_explicit(&s->kind, (int)m->kind, RLX);
	atomic_store_explicit(&s->nents, m->nents, RLX);
	atomic_store_explicit(&s->seq, q + 2, memory_order_release);
}

/* A free slot for @n's mapping, or -1 if all are taken. */
static int slot_take(const struct dmab__dbg_node *n, const char *device)
{
	unsigned start = atomic_fetch_add_explicit(&next_slot, 1, RLX);

	for (unsigned k = 0; k < DMAB_DEBUG_GUARD_MAX; k++) {
		unsigned i = (start + k) % DMAB_DEBUG_GUARD_MAX;
		int free_ = 0;

		if (atomic_load_explicit(&slots[i].taken, RLX) ||
		    !atomic_compare_exchange_strong(&slots[i].taken, &free_, 1))
			continue;
		slot_write(&slots[i], &n->m, device);
		return (int)i;
	}
	return -1;
}

static void slot_free(int i)
{
	static const struct dmab_debug_mapping none;

	atomic_store(&slots[i].active, false);
	slot_write(&slots[i], &none, NULL);
	atomic_store(&slots[i].taken, 0);
}

/* Slot @s's mapping if it is active and holds @a; async-signal-safe. */
static bool slot_read(struct slot *s, uintptr_t a, struct dmab_debug_guard_hit *out)
{
	for (int tries = 0; tries < 4; tries++) {
		unsigned q = atomic_load_explicit(&s->seq, memory_order_acquire);

		if (q & 1)
			continue;
		if (!atomic_load_explicit(&s->active, memory_order_acquire))
			return false;
		struct dmab_debug_guard_hit h = {
		    .device = (const char *)(uintptr_t)atomic_load_explicit(&s->device, RLX),
		    .mapping = {
			.addr = atomic_load_explicit(&s->bus, RLX),
			.len = (size_t)atomic_load_explicit(&s->len, RLX),
			.cpu = (const void *)(uintptr_t)atomic_load_explicit(&s->cpu, RLX),
			.dir = (enum dmab_dir)atomic_load_explicit(&s->dir, RLX),
			.kind = (enum dmab_debug_kind)atomic_load_explicit(&s->kind, RLX),
			.nents = atomic_load_explicit(&s->nents, RLX),
			.caller = (const void *)(uintptr_t)atomic_load_explicit(&s->caller, RLX)}};

		atomic_thread_fence(memory_order_acquire);
		if (atomic_load_explicit(&s->seq, RLX) != q)
			continue;
		uintptr_t lo = (uintptr_t)h.mapping.cpu;

		if (!h.device || a < lo || a - lo >= h.mapping.len)
			return false;
		if (out)
			*out = h;
		return true;
	}
	return false;
}

bool dmab_debug_guard_lookup(const void *addr, struct dmab_debug_guard_hit *out)
{
	for (unsigned i = 0; i < DMAB_DEBUG_GUARD_MAX; i++)
		if (atomic_load_explicit(&slots[i].taken, RLX) &&
		    slot_read(&slots[i], (uintptr_t)addr, out))
			return true;
	return false;
}

/* Appending to a bounded line without the stdio (not async-signal-safe). */
struct line {
	char *s;
	size_t n, at;
};

static void put_str(struct line *l, const char *t)
{
	for (; *t; t++)
		if (l->at + 1 < l->n)
			l->s[l->at++] = *t;
}

static void put_num(struct line *l, uint64_t v, unsigned base)
{
	char d[24];
	int k = 0;

	do {
		d[k++] = "0123456789abcdef"[v % base];
		v /= base;
	} while (v);
	if (base == 16)
		put_str(l, "0x");
	while (k)
		put_str(l, (char[2]){d[--k], 0});
}

size_t dmab_debug_guard_describe(const void *addr, char *buf, size_t len)
{
	static const char *const dirs[] = {"DMA_BIDIRECTIONAL", "DMA_TO_DEVICE", "DMA_FROM_DEVICE"};
	struct dmab_debug_guard_hit h;
	struct line l = {buf, len, 0};

	if (!buf || !len || !dmab_debug_guard_lookup(addr, &h))
		return 0;
	put_str(&l, "dmabatch: ");
	put_str(&l, h.device);
	put_str(&l, ": CPU access to ");
	put_num(&l, (uintptr_t)addr, 16);
	put_str(&l, " inside the guarded mapping of ");
	put_num(&l, h.mapping.addr, 16);
	put_str(&l, " with size ");
	put_num(&l, h.mapping.len, 10);
	put_str(&l, " (cpu ");
	put_num(&l, (uintptr_t)h.mapping.cpu, 16);
	put_str(&l, ", ");
	put_str(&l, (unsigned)h.mapping.dir <= DMAB_FROM_DEVICE ? dirs[h.mapping.dir] : "?");
	put_str(&l, h.mapping.kind == DMAB_DEBUG_KIND_SG ? ", map_sg" : ", map_single");
	put_str(&l, "), mapped at ");
	put_num(&l, (uintptr_t)h.mapping.caller, 16);
	buf[l.at] = '\0';
	return l.at;
}

void dmab__dbg_guard_map(struct dmab_device *dev, struct dmab__dbg_node *n)
{
	struct dmab__debug *d = dev->debug;

	n->gslot = -1;
	atomic_store_explicit(&n->gstate, DMAB__DBG_G_NONE, RLX);
	if (!d->guard || n->m.kind == DMAB_DEBUG_KIND_ALLOC || n->m.dir == DMAB_TO_DEVICE)
		return;
	if (((uintptr_t)n->m.cpu | n->m.len) & (d->page - 1)) {
		atomic_store_explicit(&n->gstate, DMAB__DBG_G_UNALIGNED, RLX);
		atomic_fetch_add_explicit(&d->g_unaligned, 1, RLX);
		return;
	}
	/* Behind the IOMMU, a segment of entries apart in CPU memory: its
	 * bus range is not one CPU range. */
	bool one_range = n->cpu_last + 1 - (uintptr_t)n->m.cpu == n->m.len;
	int s = one_range ? slot_take(n, dev->name) : -1;

	if (s >= 0 && dmab__os_protect((void *)(uintptr_t)n->m.cpu, n->m.len, 0)) {
		slot_free(s);
		s = -1;
	}
	if (s < 0) {
		atomic_store_explicit(&n->gstate, DMAB__DBG_G_REFUSED, RLX);
		atomic_fetch_add_explicit(&d->g_refused, 1, RLX);
		return;
	}
	atomic_store(&slots[s].active, true);
	n->gslot = s;
	atomic_store_explicit(&n->gstate, DMAB__DBG_G_UP, RLX);
	atomic_fetch_add_explicit(&d->g_total, 1, RLX);
	atomic_fetch_add_explicit(&d->g_now, 1, RLX);
}

int dmab__dbg_guard_lift(struct dmab__debug *d, struct dmab__dbg_node *n, bool *lifted)
{
	(void)d;
	*lifted = false;
	if (atomic_load_explicit(&n->gstate, RLX) != DMAB__DBG_G_UP)
		return 0;
	atomic_store(&slots[n->gslot].active, false);
	int err = dmab__os_protect((void *)(uintptr_t)n->m.cpu, n->m.len,
				   DMAB__OS_PROT_READ | DMAB__OS_PROT_WRITE);

	if (err) {
		atomic_store(&slots[n->gslot].active, true);
		return err;
	}
	atomic_store_explicit(&n->gstate, DMAB__DBG_G_LIFTED, RLX);
	*lifted = true;
	return 0;
}

void dmab__dbg_guard_put(struct dmab__debug *d, struct dmab__dbg_node *n)
{
	(void)d;
	if (atomic_load_explicit(&n->gstate, RLX) != DMAB__DBG_G_LIFTED)
		return;
	/* A refusal leaves the buffer accessible: a missed fault, never a
	 * false one. */
	if (dmab__os_protect((void *)(uintptr_t)n->m.cpu, n->m.len, 0))
		return;
	atomic_store(&slots[n->gslot].active, true);
	atomic_store_explicit(&n->gstate, DMAB__DBG_G_UP, RLX);
}

void dmab__dbg_guard_release(struct dmab__debug *d, struct dmab__dbg_node *n)
{
	if (n->gslot < 0)
		return;
	slot_free(n->gslot);
	n->gslot = -1;
	atomic_store_explicit(&n->gstate, DMAB__DBG_G_NONE, RLX);
	atomic_fetch_sub_explicit(&d->g_now, 1, RLX);
}

const char *dmab__dbg_guard_word(const struct dmab__dbg_node *n)
{
	switch (atomic_load_explicit(&n->gstate, RLX)) {
	case DMAB__DBG_G_UP:
		return " guarded";
	case DMAB__DBG_G_LIFTED:
		return " guard lifted (synced for the CPU)";
	case DMAB__DBG_G_UNALIGNED:
		return " not guarded (not page-aligned)";
	case DMAB__DBG_G_REFUSED:
		return " not guarded (refused)";
	default:
		return "";
	}
}

int dmab_debug_guard_stats(const struct dmab_device *dev, struct dmab_debug_guard_counts *out)
{
	if (!dev || !out)
		return dmab__fail(-EINVAL, "debug_guard_stats: NULL %s",
				  !dev ? "device" : "output");
	const struct dmab__debug *d = dev->debug;

	if (!d || !d->guard)
		return dmab__fail(-EOPNOTSUPP, "debug_guard_stats: %s: guard mode is off",
				  dev->name);
	*out = (struct dmab_debug_guard_counts){
	    .guarded_now = atomic_load_explicit(&d->g_now, RLX),
	    .guarded = atomic_load_explicit(&d->g_total, RLX),
	    .unaligned = atomic_load_explicit(&d->g_unaligned, RLX),
	    .refused = atomic_load_explicit(&d->g_refused, RLX),
	};
	return 0;
}
