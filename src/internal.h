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
	struct dmab__spare spill_spare; /* a long list's deferred copies (batch.c) */
	struct dmab__spare facts_spare; /* a long list's entry facts (entry.h) */
	struct dmab__mem_dev *mem;	/* placement counts, allocations (src/mem/) */
	struct dmab__counters c;	/* last: 128-byte aligned, see counters.h */
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

#endif /* DMAB_INTERNAL_H */
