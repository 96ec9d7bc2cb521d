/* SPDX-License-Identifier: MIT */
/* The registering translators: constructors (pagemap.c, vfio.c), VFIO info. */
#ifndef DMAB_XLATE_BACKENDS_H
#define DMAB_XLATE_BACKENDS_H

#include <dmabatch/xlate.h>

#include "regions.h"

struct dmab_device;

int dmab__pagemap_init(struct dmab_device *dev, const struct dmab_xlate_config *cfg,
		       const struct dmab__xlate_backend **b, void **bctx);
int dmab__vfio_init(struct dmab_device *dev, const struct dmab_xlate_config *cfg,
		    const struct dmab__xlate_backend **b, void **bctx);

/* One usable IOVA range, both ends inclusive. */
struct dmab__iova_range {
	uint64_t start, end;
};

/*
 * vfio_ranges.c: the IOVA ranges of a vfio_iommu_type1_info of @len bytes
 * (its capability chain), at most @max. Return: how many (0: the capability
 * is absent), or -EPROTO for a chain that leaves @len, loops or is cut.
 */
int dmab__vfio_parse_ranges(const void *info, size_t len, struct dmab__iova_range *out,
			    unsigned max);

#endif /* DMAB_XLATE_BACKENDS_H */
