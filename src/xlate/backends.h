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

/* vfio_open.c: a device's VFIO fds, opened from its PCI address @bdf
 * (@sysfs normally "/sys", @devdir "/dev/vfio"). */
struct dmab__vfio_fds {
	int container, group, device;
};

int dmab__vfio_open(const char *bdf, const char *sysfs, const char *devdir, const char *dev_name,
		    struct dmab__vfio_fds *out);
void dmab__vfio_close(struct dmab__vfio_fds *f);
/* vfio.c: the device fd the translator opened, or -1. */
int dmab__vfio_device_fd(const void *bctx);

/* vfio_ranges.c: VFIO_IOMMU_GET_INFO's DMA_AVAIL capability in the @len
 * bytes at @info: 1 with *@avail set, 0 if absent (before Linux 5.10),
 * -EPROTO for a malformed chain. */
int dmab__vfio_parse_dma_avail(const void *info, size_t len, uint32_t *avail);

#endif /* DMAB_XLATE_BACKENDS_H */
