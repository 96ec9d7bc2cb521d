/* SPDX-License-Identifier: MIT */
/*
 * Translators: CPU address -> bus address. The identity translator lives
 * here now; physical (pagemap), VFIO and the emulated IOMMU plug in behind
 * the same ops.
 */
#ifndef DMAB_XLATE_H
#define DMAB_XLATE_H

#include <dmabatch.h>

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

#endif /* DMAB_XLATE_H */
