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

enum dmab__op {
	DMAB__CLEAN = 0,
	DMAB__INVAL = 1,
	DMAB__CLEAN_INVAL = 2,
	DMAB__NOP = -1,
};

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
	struct dmab_sim *sim;	       /* the simulator it is on, or NULL (src/simhook.h) */
	unsigned bounce_flags;	       /* DMAB_BOUNCE_* */
	/* NULL if the device never bounces (src/bounce/bounce.h) */
	struct dmab__bounce_pools *bounce_pools;
	struct dmab__spare spill_spare; /* a long list's deferred copies (batch.c) */
	struct dmab__spare facts_spare; /* a long list's entry facts (entry.h) */
	struct dmab__counters c;	/* last: 128-byte aligned, see counters.h */
};

/* error.c: record this thread's detailed message; returns @err. */
int dmab__fail(int err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* arch.c: pick and probe a backend for a device. */
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
