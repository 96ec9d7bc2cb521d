/* SPDX-License-Identifier: MIT */
/*
 * The checker's reports: each class's errno, name and words; the callback
 * or the rate-limited line on stderr; the per-class counters; the dump of
 * live mappings; the public calls of include/dmabatch/debug.h.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>

#include "../os/os.h"
#include "state.h"

#define RATE_LINES     10
#define RATE_WINDOW_NS (UINT64_C(5) * 1000000000u)

static const struct {
	const char *name;
	int err;
} classes[DMAB_DEBUG_NCLASS] = {
    [DMAB_DEBUG_UNMAP_NOT_MAPPED] = {"unmap-not-mapped", -ENOENT},
    [DMAB_DEBUG_UNMAP_ALREADY] = {"unmap-already-unmapped", -EALREADY},
    [DMAB_DEBUG_UNMAP_SIZE] = {"unmap-size", -EMSGSIZE},
    [DMAB_DEBUG_UNMAP_DIR] = {"unmap-direction", -EBADRQC},
    [DMAB_DEBUG_UNMAP_NENTS] = {"unmap-nents", -EBADSLT},
    [DMAB_DEBUG_UNMAP_FUNCTION] = {"unmap-function", -EPROTOTYPE},
    [DMAB_DEBUG_SYNC_NOT_MAPPED] = {"sync-not-mapped", -ENOENT},
    [DMAB_DEBUG_SYNC_OUTSIDE] = {"sync-outside", -ERANGE},
    [DMAB_DEBUG_SYNC_DIR] = {"sync-direction", -EBADRQC},
    [DMAB_DEBUG_SYNC_WRONG_WAY] = {"sync-wrong-way", -EACCES},
    [DMAB_DEBUG_SYNC_NENTS] = {"sync-nents", -EBADSLT},
    [DMAB_DEBUG_MAP_STACK] = {"map-stack", -EFAULT},
    [DMAB_DEBUG_MAP_READONLY] = {"map-read-only", -EROFS},
    [DMAB_DEBUG_MAP_OVERLAP] = {"map-overlap", -EADDRINUSE},
    [DMAB_DEBUG_TEARDOWN_LIVE] = {"teardown-live", -EBUSY},
    [DMAB_DEBUG_MAP_SEG_SIZE] = {"map-segment-size", -EFBIG},
    [DMAB_DEBUG_MAP_SEG_BOUNDARY] = {"map-segment-boundary", -EXDEV},
};

int dmab_debug_errno(enum dmab_debug_class c)
{
	return (unsigned)c < DMAB_DEBUG_NCLASS ? classes[c].err : -EINVAL;
}

const char *dmab_debug_class_name(enum dmab_debug_class c)
{
	return (unsigned)c < DMAB_DEBUG_NCLASS ? classes[c].name : "?";
}

static const char *dir_name(enum dmab_dir d)
{
	static const char *const names[] = {"DMA_BIDIRECTIONAL", "DMA_TO_DEVICE",
					    "DMA_FROM_DEVICE"};

	return (unsigned)d <= DMAB_FROM_DEVICE ? names[d] : "DMA_NONE";
}

static const char *kind_name(enum dmab_debug_kind k)
{
	return k == DMAB_DEBUG_KIND_SINGLE ? "map_single"
	       : k == DMAB_DEBUG_KIND_SG   ? "map_sg"
					   : "an allocation";
}

/* The words after "dmabatch: <device>: <call> of 0x... (size N)". */
static void describe(char *s, size_t n, const struct dmab_debug_report *r)
{
	const struct dmab_debug_mapping *m = &r->mapping;

	switch (r->cls) {
	case DMAB_DEBUG_UNMAP_NOT_MAPPED:
		if (r->has_mapping)
			snprintf(s, n,
				 ", not the start of the mapping of 0x%" PRIx64 " with size %zu",
				 m->addr, m->len);
		else
			snprintf(s, n, ", never mapped");
		return;
	case DMAB_DEBUG_UNMAP_ALREADY:
		snprintf(s, n, ", already unmapped");
		return;
	case DMAB_DEBUG_UNMAP_SIZE:
		snprintf(s, n, ", mapped with size %zu", m->len);
		return;
	case DMAB_DEBUG_UNMAP_DIR:
	case DMAB_DEBUG_SYNC_DIR:
		snprintf(s, n, " with direction %s, mapped with direction %s", dir_name(r->dir),
			 dir_name(m->dir));
		return;
	case DMAB_DEBUG_UNMAP_NENTS:
	case DMAB_DEBUG_SYNC_NENTS:
		snprintf(s, n, " with nents %d, mapped with nents %d", r->nents, m->nents);
		return;
	case DMAB_DEBUG_UNMAP_FUNCTION:
		snprintf(s, n, ", mapped by %s", kind_name(m->kind));
		return;
	case DMAB_DEBUG_SYNC_NOT_MAPPED:
		snprintf(s, n, ", not mapped");
		return;
	case DMAB_DEBUG_SYNC_OUTSIDE:
		snprintf(s, n, ", outside the mapping of 0x%" PRIx64 " with size %zu", m->addr,
			 m->len);
		return;
	case DMAB_DEBUG_SYNC_WRONG_WAY:
		snprintf(s, n, " of memory mapped %s (the device only %s it)", dir_name(m->dir),
			 m->dir == DMAB_TO_DEVICE ? "reads" : "writes");
		return;
	case DMAB_DEBUG_MAP_STACK:
		snprintf(s, n, ": memory on the calling thread's stack");
		return;
	case DMAB_DEBUG_MAP_READONLY:
		snprintf(s, n, " with direction %s: read-only or code memory", dir_name(r->dir));
		return;
	case DMAB_DEBUG_MAP_OVERLAP:
		snprintf(s, n,
			 " with direction %s shares a cache line with the mapping of %p with "
			 "size %zu, direction %s",
			 dir_name(r->dir), m->cpu, m->len, dir_name(m->dir));
		return;
	case DMAB_DEBUG_TEARDOWN_LIVE:
		snprintf(s, n, ": the mapping of 0x%" PRIx64 " with size %zu (%s, %s) is live",
			 m->addr, m->len, kind_name(m->kind), dir_name(m->dir));
		return;
	case DMAB_DEBUG_MAP_SEG_SIZE:
		snprintf(s, n, ", longer than the device's max_seg_size %" PRIu64, r->limit);
		return;
	case DMAB_DEBUG_MAP_SEG_BOUNDARY:
		snprintf(s, n,
			 ", crossing the device's segment boundary (seg_boundary_mask 0x%" PRIx64
			 ")",
			 r->limit);
		return;
	case DMAB_DEBUG_NCLASS:
		break;
	}
	s[0] = '\0';
}

static bool is_map_class(enum dmab_debug_class c)
{
	return c == DMAB_DEBUG_MAP_STACK || c == DMAB_DEBUG_MAP_READONLY ||
	       c == DMAB_DEBUG_MAP_OVERLAP;
}

/* Whether the default sink may print a line now; under d->lock. */
static bool rate_ok(struct dmab__debug *d, const char *device)
{
	uint64_t now = dmab__os_monotonic_ns();

	if (now - d->window_start_ns >= RATE_WINDOW_NS || d->window_start_ns == 0) {
		if (d->held_back)
			fprintf(stderr, "dmabatch: %s: %" PRIu64 " checker reports held back\n",
				device, d->held_back);
		d->window_start_ns = now ? now : 1;
		d->window_lines = 0;
		d->held_back = 0;
	}
	if (d->window_lines < RATE_LINES) {
		d->window_lines++;
		return true;
	}
	d->held_back++;
	return false;
}

int dmab__dbg_report(struct dmab_device *dev, enum dmab_debug_class cls,
		     const struct dmab__dbg_call *c, const struct dmab_sg *sg,
		     const struct dmab_debug_mapping *m)
{
	struct dmab__debug *d = dev->debug;
	struct dmab_debug_report r = {
	    .cls = cls,
	    .err = classes[cls].err,
	    .device = dev->name,
	    .call = c->what,
	    .addr = is_map_class(cls) ? (dmab_addr_t)(uintptr_t)sg->addr : sg->dma_addr,
	    .len = is_map_class(cls) ? sg->len : sg->dma_len,
	    .dir = c->dir,
	    .nents = c->nents,
	    .has_mapping = m != NULL,
	    .caller = c->caller,
	    .limit = cls == DMAB_DEBUG_MAP_SEG_SIZE	  ? (uint64_t)dev->max_seg_size
		     : cls == DMAB_DEBUG_MAP_SEG_BOUNDARY ? dev->seg_boundary_mask
							  : 0,
	};
	char rest[192], text[320];

	if (m)
		r.mapping = *m;
	describe(rest, sizeof(rest), &r);
	if (cls == DMAB_DEBUG_TEARDOWN_LIVE)
		snprintf(text, sizeof(text), "dmabatch: %s: %s%s, mapped at %p", dev->name, c->what,
			 rest, m->caller);
	else if (m)
		snprintf(text, sizeof(text),
			 "dmabatch: %s: %s of 0x%" PRIx64 " with size %zu%s (called from %p; "
			 "mapped at %p)",
			 dev->name, c->what, r.addr, r.len, rest, c->caller, m->caller);
	else
		snprintf(text, sizeof(text),
			 "dmabatch: %s: %s of 0x%" PRIx64 " with size %zu%s (called from %p)",
			 dev->name, c->what, r.addr, r.len, rest, c->caller);
	r.text = text;
	atomic_fetch_add_explicit(&d->reports[cls], 1, memory_order_relaxed);

	pthread_mutex_lock(&d->lock);
	dmab_debug_fn fn = d->fn;
	void *arg = d->arg;
	bool print = !fn && rate_ok(d, dev->name);

	pthread_mutex_unlock(&d->lock);
	if (fn)
		fn(&r, arg);
	else if (print)
		fprintf(stderr, "%s\n", text);
	return dmab__fail(r.err, "%s", text);
}

void dmab__debug_stats(const struct dmab_device *dev, struct dmab_stats *out)
{
	const struct dmab__debug *d = dev->debug;

	if (!d)
		return;
	for (int i = 0; i < DMAB_DEBUG_NCLASS; i++)
		out->debug_reports[i] = atomic_load_explicit(&d->reports[i], memory_order_relaxed);
}

bool dmab_debug_enabled(const struct dmab_device *dev)
{
	return dev && dev->debug;
}

int dmab_debug_set_callback(struct dmab_device *dev, dmab_debug_fn fn, void *arg)
{
	if (!dev)
		return dmab__fail(-EINVAL, "debug_set_callback: NULL device");
	struct dmab__debug *d = dev->debug;

	if (!d)
		return dmab__fail(-EOPNOTSUPP, "debug_set_callback: %s: checking is off",
				  dev->name);
	pthread_mutex_lock(&d->lock);
	d->fn = fn;
	d->arg = fn ? arg : NULL;
	pthread_mutex_unlock(&d->lock);
	return 0;
}

int dmab_debug_dump(const struct dmab_device *dev, FILE *out)
{
	if (!dev)
		return dmab__fail(-EINVAL, "debug_dump: NULL device");
	struct dmab__debug *d = dev->debug;

	if (!d)
		return dmab__fail(-EOPNOTSUPP, "debug_dump: %s: checking is off", dev->name);
	struct cds_lfht_iter it;
	struct cds_lfht_node *hn;
	int count = 0;

	if (!out)
		out = stderr;
	urcu_bp_read_lock();
	cds_lfht_for_each(d->by_bus, &it, hn)
	{
		const struct dmab__dbg_node *n =
		    (const struct dmab__dbg_node *)((const char *)hn -
						    offsetof(struct dmab__dbg_node, by_bus));
		const struct dmab_debug_mapping *m = &n->m;

		if (atomic_load_explicit(&n->state, memory_order_acquire) != DMAB__DBG_LIVE)
			continue;
		fprintf(out,
			"dmabatch: %s: 0x%" PRIx64
			" size %zu cpu %p %s %s nents %d mapped at %p%s\n",
			dev->name, m->addr, m->len, m->cpu, kind_name(m->kind), dir_name(m->dir),
			m->nents, m->caller, dmab__dbg_guard_word(n));
		count++;
	}
	dmab__dbg_read_unlock(d);
	return count;
}
