/* SPDX-License-Identifier: MIT */
/*
 * Registered memory (dmab_mem_register): a device's table of regions, each
 * translated once by the device's translator into segments (a CPU range and
 * the bus range it has), and the lookups the map path makes in it.
 *
 * Registration is rare and mapping hot: the table is an immutable snapshot
 * (regions sorted by CPU address, segments sorted by bus address) read under
 * liburcu-bp's RCU with no lock; a change builds a new snapshot under the
 * table's mutex, publishes it and frees the old one after a grace period
 * (call_rcu: liburcu's callback thread frees, as for retired bounce pools).
 * Each region counts its live mappings (one atomic add per map), so that
 * its last unregistration can refuse while the device may still use it.
 */
#ifndef DMAB_XLATE_REGIONS_H
#define DMAB_XLATE_REGIONS_H

#include <dmabatch.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <urcu-bp.h>

struct dmab__region;

/* A physically (or IOVA-) contiguous part of a region. */
struct dmab__seg {
	uintptr_t cpu;
	dmab_addr_t bus;
	size_t len;
	struct dmab__region *r;
};

struct dmab__region {
	uintptr_t cpu;
	size_t len;
	unsigned refs; /* registrations, under the table's lock */
	bool owned;    /* the library's own memory (a bounce pool) */
	_Atomic uint64_t maps;
	uint64_t xl_base, xl_size; /* the translator's footprint (VFIO: the IOVA pages) */
	size_t nseg;
	struct dmab__seg *seg; /* [nseg], by CPU address; set by the backend */
	struct rcu_head rcu;   /* freed after readers are done with it */
};

struct dmab__snap {
	size_t nreg, nseg;
	struct dmab__region **reg; /* by CPU address */
	struct dmab__seg **seg;	   /* by bus address */
	struct rcu_head rcu;
};

/*
 * A translator that registers: add fills r->seg (calloc'd; the table frees
 * it) and may set r->xl_*; @now is the table as it is (the other regions).
 * It records its error with dmab__fail. del undoes add; fini its context.
 */
struct dmab__xlate_backend {
	int (*add)(void *bctx, const struct dmab__snap *now, struct dmab__region *r);
	void (*del)(void *bctx, struct dmab__region *r);
	void (*fini)(void *bctx);
};

struct dmab__regions {
	pthread_mutex_t lock;
	struct dmab__snap *_Atomic snap;     /* NULL: empty */
	const struct dmab__xlate_backend *b; /* NULL: record only (identity) */
	void *bctx;
	const char *dev_name;
	_Atomic bool queued; /* something was given to call_rcu */
};

int dmab__regions_init(struct dmab__regions *t, const struct dmab__xlate_backend *b, void *bctx,
		       const char *dev_name);
/* Undo every region (the backend's del), then the backend's fini. */
void dmab__regions_fini(struct dmab__regions *t);

/* Register or unregister [cpu, cpu+len); @owned for the library's memory. */
int dmab__regions_add(struct dmab__regions *t, void *cpu, size_t len, bool owned);
int dmab__regions_del(struct dmab__regions *t, void *cpu, size_t len, bool owned);

/*
 * The translator ops of a registering translator (xlate.h), @ctx the table:
 * map -EFAULT outside every region, -EXDEV across two segments.
 */
int dmab__regions_map(void *ctx, void *cpu, size_t len, dmab_addr_t *bus);
void dmab__regions_unmap(void *ctx, dmab_addr_t bus, size_t len);
int dmab__regions_to_cpu(void *ctx, dmab_addr_t bus, size_t len, void **cpu);

/*
 * The physically (or IOVA-) contiguous pieces of [cpu, cpu+len), which lies
 * in one region: their number (1 if contiguous), with the first @max of them
 * written to @out (if not NULL: addr, len, and the bus range in dma_addr and
 * dma_len) or, with @match, compared with match[]'s dma_addr and dma_len
 * (-EINVAL if one differs); -EFAULT if the range is in no region or empty.
 */
int dmab__regions_pieces(void *ctx, const void *cpu, size_t len, struct dmab_sg *out, int max,
			 const struct dmab_sg *match);

#endif /* DMAB_XLATE_REGIONS_H */
