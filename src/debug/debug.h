/* SPDX-License-Identifier: MIT */
/*
 * The checker's hooks, in the shape of the kernel's dma-debug.h: each hook
 * is an inline that costs one predictable branch on a device that does not
 * check (dev->debug is NULL), and calls the checker out of line otherwise.
 * With DMAB_NO_DEBUG defined at build time every hook is a constant.
 *
 * The protocol of a call:
 * - map: dmab__debug_map_begin() before anything is mapped (the map-time
 *   classes; room for the records); for a list, dmab__debug_segments_()
 *   once its bus addresses are known and before any maintenance (the
 *   segment limits; the call unwinds on its errno); then _end(), or
 *   _abort() if it fails;
 * - unmap: dmab__debug_unmap_begin() before anything is done: it judges
 *   every entry and claims its record, so that a second unmap racing this
 *   one is told "already unmapped"; then _end() (the records go) or
 *   _abort() (the claims are given back) as the call succeeds or fails;
 * - sync: dmab__debug_sync(), a judgement (and, in guard mode, the
 *   guards lifted before the maintenance); for the device, once it is
 *   complete, DMAB__DEBUG_SYNCED() (the guards put back);
 * - destroy: dmab__debug_teardown(), -EBUSY with a report per live mapping.
 * Every judgement that finds misuse reports it and returns its errno.
 */
#ifndef DMAB_DEBUG_DEBUG_H
#define DMAB_DEBUG_DEBUG_H

#include <dmabatch.h>
#include <dmabatch/debug.h>

#include "../internal.h"

struct dmab__debug;
struct dmab__dbg_pend;

/* What a hooked call was given. */
struct dmab__dbg_call {
	const char *what;
	enum dmab_debug_kind kind;
	enum dmab_dir dir;
	unsigned attrs;
	int nents;
	bool for_cpu; /* a sync: for the CPU, else for the device */
	const void *caller;
};

#define DMAB__DBG_CALL(w, k, d, a, n, fc)                                                          \
	((struct dmab__dbg_call){.what = (w),                                                      \
				 .kind = (k),                                                      \
				 .dir = (d),                                                       \
				 .attrs = (a),                                                     \
				 .nents = (n),                                                     \
				 .for_cpu = (fc),                                                  \
				 .caller = __builtin_return_address(0)})

int dmab__debug_init(struct dmab_device *dev, const struct dmab_device_config *cfg);
void dmab__debug_fini(struct dmab_device *dev);
void dmab__debug_stats(const struct dmab_device *dev, struct dmab_stats *out);

int dmab__debug_map_begin_(struct dmab_device *dev, const struct dmab__dbg_call *c,
			   const struct dmab_sg *sg, int n, struct dmab__dbg_pend **p);
void dmab__debug_map_end_(struct dmab_device *dev, struct dmab__dbg_pend *p,
			  const struct dmab_sg *sg, int n);
int dmab__debug_unmap_begin_(struct dmab_device *dev, const struct dmab__dbg_call *c,
			     const struct dmab_sg *sg, int n, struct dmab__dbg_pend **p);
void dmab__debug_unmap_end_(struct dmab_device *dev, struct dmab__dbg_pend *p);
/* Either call's failure: a map's records are freed, an unmap's claims given back. */
void dmab__debug_abort_(struct dmab_device *dev, struct dmab__dbg_pend *p);
/* A map_sg's segments (each non-empty entry's dma_addr, dma_len) against
 * the device's max_seg_size and seg_boundary_mask, once they are known. */
int dmab__debug_segments_(struct dmab_device *dev, const struct dmab__dbg_call *c,
			  const struct dmab_sg *sg, int n);
int dmab__debug_sync_(struct dmab_device *dev, const struct dmab__dbg_call *c,
		      const struct dmab_sg *sg, int n);
/* After a sync for the device is complete: guard mode's guards go back. */
void dmab__debug_synced_(struct dmab_device *dev, const struct dmab_sg *sg, int n);
int dmab__debug_teardown_(struct dmab_device *dev, const void *caller);
/* An allocation (src/mem/): room for its record before it is made, the
 * record once it is (or dmab__debug_abort()); its removal once freed. */
int dmab__debug_alloc_begin_(struct dmab_device *dev, struct dmab__dbg_pend **p);
void dmab__debug_alloc_end_(struct dmab_device *dev, struct dmab__dbg_pend *p,
			    const struct dmab__dbg_call *c, void *cpu, dmab_addr_t dma, size_t len);
void dmab__debug_free_(struct dmab_device *dev, dmab_addr_t dma);

#ifdef DMAB_NO_DEBUG
#define dmab__debug_on(dev) ((void)(dev), false)
#else
#define dmab__debug_on(dev) __builtin_expect((dev)->debug != NULL, 0)
#endif

/*
 * The judging hooks, for the public calls' own bodies (the call's return
 * address is the caller's). Each is 0 with checking off, without building
 * its arguments.
 */
#define DMAB__DEBUG_MAP(dev, what, kind, dir, attrs, nents, sg, n, pp)                             \
	(dmab__debug_on(dev)                                                                       \
	     ? dmab__debug_map_begin_(dev, &DMAB__DBG_CALL(what, kind, dir, attrs, nents, false),  \
				      sg, n, pp)                                                   \
	     : 0)
#define DMAB__DEBUG_UNMAP(dev, what, kind, dir, attrs, nents, sg, n, pp)                           \
	(dmab__debug_on(dev)                                                                       \
	     ? dmab__debug_unmap_begin_(                                                           \
		   dev, &DMAB__DBG_CALL(what, kind, dir, attrs, nents, false), sg, n, pp)          \
	     : 0)
#define DMAB__DEBUG_SEGMENTS(dev, what, dir, attrs, nents, sg, n)                                  \
	(dmab__debug_on(dev)                                                                       \
	     ? dmab__debug_segments_(                                                              \
		   dev, &DMAB__DBG_CALL(what, DMAB_DEBUG_KIND_SG, dir, attrs, nents, false), sg,   \
		   n)                                                                              \
	     : 0)
#define DMAB__DEBUG_SYNC(dev, what, kind, dir, nents, for_cpu, sg, n)                              \
	(dmab__debug_on(dev)                                                                       \
	     ? dmab__debug_sync_(dev, &DMAB__DBG_CALL(what, kind, dir, 0, nents, for_cpu), sg, n)  \
	     : 0)

#define DMAB__DEBUG_SYNCED(dev, for_device, sg, n)                                                 \
	do {                                                                                       \
		if (dmab__debug_on(dev) && (for_device))                                           \
			dmab__debug_synced_(dev, sg, n);                                           \
	} while (0)

/* A single range as a one-entry list, for the hooks. */
static inline struct dmab_sg dmab__dbg_one(void *cpu, dmab_addr_t bus, size_t len)
{
	return (struct dmab_sg){.addr = cpu, .len = len, .dma_addr = bus, .dma_len = len};
}

static inline void dmab__debug_map_end(struct dmab_device *dev, struct dmab__dbg_pend *p,
				       const struct dmab_sg *sg, int n)
{
	if (p)
		dmab__debug_map_end_(dev, p, sg, n);
}

static inline void dmab__debug_unmap_end(struct dmab_device *dev, struct dmab__dbg_pend *p)
{
	if (p)
		dmab__debug_unmap_end_(dev, p);
}

static inline void dmab__debug_abort(struct dmab_device *dev, struct dmab__dbg_pend *p)
{
	if (p)
		dmab__debug_abort_(dev, p);
}

static inline int dmab__debug_teardown(struct dmab_device *dev, const void *caller)
{
	return dmab__debug_on(dev) ? dmab__debug_teardown_(dev, caller) : 0;
}

#endif /* DMAB_DEBUG_DEBUG_H */
