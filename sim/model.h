/* SPDX-License-Identifier: MIT */
/*
 * The simulator's model, shared by its files and its cache backend:
 *   sim/memory.c          the public face: create, regions, device DMA, stats;
 *   sim/cache.c           the line model: maintenance, its pending queue, chaos;
 *   arch/sim/backend.c    the "sim" cache backend (glue: it calls the below).
 * The model knows the library only through arch/arch.h (the op enum,
 * dmab__fail()). Every dmab__sim_* function here is called with sim->lock
 * held.
 */
#ifndef DMAB_SIM_MODEL_H
#define DMAB_SIM_MODEL_H

#include <dmabatch/sim.h>
#include <pthread.h>

#include "../arch/arch.h"

struct sim_region {
	uintptr_t base;
	size_t len;
	uint8_t *dram; /* the device's view; NULL for uncached memory */
	uint8_t *snap; /* the CPU content at each line's last sync point */
	unsigned refs; /* registrations: the library may share one region */
};

/* One maintenance range issued but not yet completed. */
struct sim_pending {
	enum dmab__op op;
	uintptr_t start;
	size_t len;
};

struct dmab_sim {
	pthread_mutex_t lock;
	size_t line;
	uint64_t rng;
	uint64_t chaos_gap;	    /* mean distance between lines chaos acts on; 0 = off */
	uint64_t chaos_threshold;   /* a draw below it acts on a pending range */
	struct sim_region *regions; /* in registration order: chaos is reproducible */
	size_t nregions, capregions;
	struct sim_pending *pending;
	size_t npending, cappending;
	size_t users;  /* devices on this simulator */
	uint64_t ttbr; /* the root table the device's DMA walks; 0: bus = CPU address */
	bool faulted;  /* @fault holds the last translation fault */
	struct dmab_sim_fault fault;
	struct dmab_sim_stats st;
};

/* memory.c: the region holding @addr, or NULL. */
struct sim_region *dmab__sim_find(struct dmab_sim *sim, uintptr_t addr);
/*
 * memory.c: add or remove a region. @owned: by the library, which may
 * register the same memory once per device; each registration is counted and
 * the region leaves with the last removal.
 */
int dmab__sim_add(struct dmab_sim *sim, void *base, size_t len, bool cached, bool owned,
		  const char *what);
int dmab__sim_remove(struct dmab_sim *sim, void *base, size_t len, const char *what);

/*
 * memory.c: is [addr, addr+len) all registered memory (-EFAULT if not)?
 * Copy @src into its device view, or the view into @dst; checked first.
 */
int dmab__sim_phys_check(struct dmab_sim *sim, dmab_addr_t addr, size_t len, const char *what);
void dmab__sim_phys_copy(struct dmab_sim *sim, uintptr_t a, void *dst, const void *src, size_t len);
/* walk.c: the device's DMA of IOVAs through the table at sim->ttbr. A
 * translation fault is recorded in sim->fault and is -EFAULT. */
int dmab__sim_walk_dma(struct dmab_sim *sim, dmab_addr_t iova, void *dst, const void *src,
		       size_t len, const char *what);
/* walk.c: the backend's iommu hook. */
int dmab__sim_attach(struct dmab_sim *sim, uint64_t root);

/* cache.c: set up chaos from the config. */
void dmab__sim_chaos_init(struct dmab_sim *sim, uint64_t seed, double rate);
/* cache.c: queue maintenance until completion (or apply it if the queue
 * cannot grow). */
void dmab__sim_issue(struct dmab_sim *sim, enum dmab__op op, uintptr_t start, size_t len);
/* cache.c: apply every pending range, in issue order. */
void dmab__sim_complete(struct dmab_sim *sim);
/* cache.c: a chaos point. */
void dmab__sim_chaos(struct dmab_sim *sim);

#endif /* DMAB_SIM_MODEL_H */
