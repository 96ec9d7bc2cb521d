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

#endif /* DMAB_XLATE_BACKENDS_H */
