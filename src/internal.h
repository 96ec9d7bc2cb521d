/* SPDX-License-Identifier: MIT */
/* The device, and declarations every file of the library shares; not installed. */
#ifndef DMAB_INTERNAL_H
#define DMAB_INTERNAL_H

#include <dmabatch.h>
#include <stdatomic.h>

#include "../arch/arch.h"
#include "counters.h"
#include "spare.h"
#include "xlate/xlate.h"

#define DMAB_NAME_MAX 32

/* A per-entry step of the hot path: inlined wherever it is used, even where
 * the compiler would rather not (a call per entry costs more than the step). */
#define DMAB__HOT static inline __attribute__((always_inline))

struct dmab__bounce_pools;
struct dmab__regions;
struct dmab__mem_dev;
struct dmab__iommu;
struct dmab__debug;

/* The batch's "no open run", beside enum dmab__op (arch/arch.h). */
#define DMAB__NOP (-1)

/*
 * One device. Each module keeps its part here and has an init and a fini
 * that device.c calls in order (one goto ladder): counters, arch, bounce;
 * the two spares belong to the batch engine and the entry facts.
 */
struct dmab_device {
	char name[DMAB_NAME_MAX];
	bool coherent;
	uint64_t mask; /* highest bus address the device can reach */
	int numa_node;
	enum dmab_sync_mode mode;
	struct dmab_arch arch;
	const struct dmab__xlate_ops *xlate;
	void *xlate_ctx;
	struct dmab__regions *regions; /* registered memory (src/xlate/regions.h) */
	unsigned bounce_flags;	       /* DMAB_BOUNCE_* */
	/* NULL if the device never bounces (src/bounce/bounce.h) */
	struct dmab__bounce_pools *bounce_pools;
	struct dmab__debug *debug;	/* the checker's state, or NULL: off (src/debug/debug.h) */
	struct dmab__spare spill_spare; /* a long list's deferred copies (batch.c) */
	struct dmab__spare facts_spare; /* a long list's entry facts (entry.h) */
	/* Bus span of every direct (unbounced) mapping ever made: normal mode's
	 * cheap check that an unmap or sync is of something that was mapped. */
	_Atomic uintptr_t direct_lo, direct_hi;
	/* the config as created: dmab_set_mask() (mask.c) remakes the bounce
	 * pools from its bounce fields; its pointers are not to be followed */
	struct dmab_device_config cfg;
	struct dmab__mem_dev *mem; /* placement counts, allocations (src/mem/) */
	/* The emulated IOMMU (src/xlate/iommu.h), or NULL: identity. */
	struct dmab__iommu *iommu;
	size_t max_seg_size; /* segment limits, the config's or the defaults */
	uint64_t seg_boundary_mask;
	struct dmab__counters c; /* last: 128-byte aligned, see counters.h */
};

/* dmab__fail() (error.c) is declared in arch/arch.h: backends use it too. */

/* backend.c: pick and probe a backend for a device. */
int dmab__arch_select(struct dmab_arch *a, const struct dmab_device_config *cfg);
void dmab__arch_release(struct dmab_arch *a);

/* Argument checks shared by map.c and sync.c. */
static inline bool dmab__dir_ok(enum dmab_dir dir)
{
	return (unsigned)dir <= DMAB_FROM_DEVICE;
}

static inline bool dmab__range_ok(uintptr_t start, size_t len)
{
	return start + len >= start;
}

/*
 * Can [start, start + len) be maintained in whole lines of @line bytes (a
 * power of two) without the line-rounded end wrapping past 0?
 */
static inline bool dmab__lines_ok(uintptr_t start, size_t len, size_t line)
{
	uintptr_t top = UINTPTR_MAX - ((uintptr_t)line - 1); /* last line start + 1 */

	return start <= top && len <= top - start;
}

/* Record [bus, end) as directly mapped (map.c), and is [bus, bus + len)
 * inside what ever was (steps.h)? */
static inline void dmab__direct_note(struct dmab_device *dev, uintptr_t bus, uintptr_t end)
{
	uintptr_t lo = atomic_load_explicit(&dev->direct_lo, memory_order_relaxed);
	uintptr_t hi = atomic_load_explicit(&dev->direct_hi, memory_order_relaxed);

	while (bus < lo &&
	       !atomic_compare_exchange_weak_explicit(&dev->direct_lo, &lo, bus,
						      memory_order_relaxed, memory_order_relaxed))
		;
	while (end > hi &&
	       !atomic_compare_exchange_weak_explicit(&dev->direct_hi, &hi, end,
						      memory_order_relaxed, memory_order_relaxed))
		;
}

static inline bool dmab__direct_seen(const struct dmab_device *dev, uintptr_t bus, size_t len)
{
	uintptr_t hi = atomic_load_explicit(&dev->direct_hi, memory_order_relaxed);

	return bus >= atomic_load_explicit(&dev->direct_lo, memory_order_relaxed) && bus < hi &&
	       len <= hi - bus;
}

#endif /* DMAB_INTERNAL_H */
