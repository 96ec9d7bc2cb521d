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

#endif /* DMAB_XLATE_BACKENDS_H */
