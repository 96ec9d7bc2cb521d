/* SPDX-License-Identifier: MIT */
/*
 * Translators: CPU address -> bus address. The identity translator lives
 * here now; physical (pagemap), VFIO and the emulated IOMMU plug in behind
 * the same ops.
 */
#ifndef DMAB_XLATE_H
#define DMAB_XLATE_H

#include <dmabatch.h>
#include <errno.h>

struct dmab__xlate_ops {
	const char *name;
	/* Give [cpu, cpu+len) a bus address. Return 0 or a negative errno. */
	int (*map)(void *ctx, void *cpu, size_t len, dmab_addr_t *bus);
	/* Undo map(); [bus, bus+len) is exactly what map() returned. */
	void (*unmap)(void *ctx, dmab_addr_t bus, size_t len);
	/* The CPU address of a mapped bus range, or -EINVAL if none. */
	int (*to_cpu)(void *ctx, dmab_addr_t bus, size_t len, void **cpu);
};

extern const struct dmab__xlate_ops dmab__xlate_identity;
/* Registering translators (xlate.c): lookups in the device's regions. */
extern const struct dmab__xlate_ops dmab__xlate_pagemap;
extern const struct dmab__xlate_ops dmab__xlate_vfio;

struct dmab_device;
struct dmab_xlate_config;

/* xlate.c: refuse a config whose translator cannot go with its other fields
 * (a real translator and the emulated IOMMU both make bus addresses). */
int dmab__xlate_check(const struct dmab_device_config *cfg);
/* xlate.c: the device's translator and region table, from its config (NULL:
 * identity); made before the bounce module, unmade after it. */
int dmab__xlate_init(struct dmab_device *dev, const struct dmab_xlate_config *cfg);
void dmab__xlate_fini(struct dmab_device *dev);
/* Register the library's own memory (a bounce pool) with the translator. */
int dmab__xlate_own(struct dmab_device *dev, void *cpu, size_t len);
void dmab__xlate_disown(struct dmab_device *dev, void *cpu, size_t len);

/* split.c: the number of DMA segments of @sg's @nents entries as
 * dmab_map_sg_split() mapped them (@nents if none was split; always, on a
 * device that cannot split), or -EINVAL if the list is not as mapped. */
int dmab__split_span(struct dmab_device *dev, const struct dmab_sg *sg, int nents,
		     const char *what);

/* Words for a translation failure of the map path. */
static inline const char *dmab__xlate_why(int err)
{
	switch (err) {
	case -EFAULT:
		return "the buffer is in no registered region (dmab_mem_register it)";
	case -EXDEV:
		return "the buffer is not physically contiguous (map it with "
		       "dmab_map_sg_split(), or as one entry per contiguous part)";
	default:
		return "translation failed";
	}
}

/*
 * Identity translation, inline: an sg list pays per entry for every call
 * here, and an indirect call that does nothing costs more than the work.
 * identity.c's ops are these same functions.
 */
static inline int dmab__identity_to_cpu(dmab_addr_t bus, size_t len, void **cpu)
{
	/* A bus address wider than a pointer cannot have come from map(). */
	if (bus != (dmab_addr_t)(uintptr_t)bus || bus + len < bus || bus == 0)
		return -EINVAL;
	*cpu = (void *)(uintptr_t)bus;
	return 0;
}

/* The device's translator, by its ops and context. */
static inline int dmab__xlate_map(const struct dmab__xlate_ops *x, void *ctx, void *cpu, size_t len,
				  dmab_addr_t *bus)
{
	if (x == &dmab__xlate_identity) {
		*bus = (dmab_addr_t)(uintptr_t)cpu;
		return 0;
	}
	return x->map(ctx, cpu, len, bus);
}

static inline void dmab__xlate_unmap(const struct dmab__xlate_ops *x, void *ctx, dmab_addr_t bus,
				     size_t len)
{
	if (x != &dmab__xlate_identity)
		x->unmap(ctx, bus, len);
}

static inline int dmab__xlate_to_cpu(const struct dmab__xlate_ops *x, void *ctx, dmab_addr_t bus,
				     size_t len, void **cpu)
{
	if (x == &dmab__xlate_identity)
		return dmab__identity_to_cpu(bus, len, cpu);
	return x->to_cpu(ctx, bus, len, cpu);
}

#endif /* DMAB_XLATE_H */
