/* SPDX-License-Identifier: MIT */
/*
 * A device's translator, made from its config (device.c calls init and
 * fini), and memory registration, the public face of the region table.
 */
#include <errno.h>
#include <stdlib.h>

#include <dmabatch/xlate.h>

#include "../internal.h"
#include "backends.h"
#include "regions.h"

const struct dmab__xlate_ops dmab__xlate_pagemap = {
    .name = "pagemap",
    .map = dmab__regions_map,
    .unmap = dmab__regions_unmap,
    .to_cpu = dmab__regions_to_cpu,
};

const struct dmab__xlate_ops dmab__xlate_vfio = {
    .name = "vfio",
    .map = dmab__regions_map,
    .unmap = dmab__regions_unmap,
    .to_cpu = dmab__regions_to_cpu,
};

int dmab__xlate_check(const struct dmab_device_config *cfg)
{
	const struct dmab_xlate_config *x = cfg->xlate;

	if (x && x->kind != DMAB_XLATE_IDENTITY && cfg->iommu != DMAB_IOMMU_OFF)
		return dmab__fail(-EINVAL,
				  "device_create: %s: xlate (a %s translator) and iommu (the "
				  "emulated IOMMU) both make bus addresses: set one of them",
				  cfg->name ? cfg->name : "dmab",
				  x->kind == DMAB_XLATE_VFIO ? "vfio" : "pagemap");
	return 0;
}

int dmab__xlate_init(struct dmab_device *dev, const struct dmab_xlate_config *cfg)
{
	const struct dmab__xlate_backend *b = NULL;
	void *bctx = NULL;
	const struct dmab__xlate_ops *ops = &dmab__xlate_identity;
	enum dmab_xlate_kind kind = cfg ? cfg->kind : DMAB_XLATE_IDENTITY;
	int err = 0;

	switch (kind) {
	case DMAB_XLATE_IDENTITY:
		break;
	case DMAB_XLATE_PAGEMAP:
	case DMAB_XLATE_NOIOMMU:
		ops = &dmab__xlate_pagemap;
		err = dmab__pagemap_init(dev, cfg, &b, &bctx);
		break;
	case DMAB_XLATE_VFIO:
		ops = &dmab__xlate_vfio;
		err = dmab__vfio_init(dev, cfg, &b, &bctx);
		break;
	default:
		return dmab__fail(-EINVAL, "device_create: %s: unknown translator kind %d",
				  dev->name, (int)kind);
	}
	if (err)
		return err;
	struct dmab__regions *t = calloc(1, sizeof(*t));

	err = t ? dmab__regions_init(t, b, bctx, dev->name) : -ENOMEM;
	if (err) {
		free(t);
		if (b)
			b->fini(bctx);
		return dmab__fail(-ENOMEM, "device_create: out of memory");
	}
	dev->regions = t;
	dev->xlate = ops;
	dev->xlate_ctx = b ? t : NULL;
	return 0;
}

void dmab__xlate_fini(struct dmab_device *dev)
{
	if (!dev->regions)
		return;
	dmab__regions_fini(dev->regions);
	free(dev->regions);
	dev->regions = NULL;
	dev->xlate = &dmab__xlate_identity;
	dev->xlate_ctx = NULL;
}

int dmab__xlate_own(struct dmab_device *dev, void *cpu, size_t len)
{
	return dev->regions ? dmab__regions_add(dev->regions, cpu, len, true) : 0;
}

void dmab__xlate_disown(struct dmab_device *dev, void *cpu, size_t len)
{
	if (dev->regions)
		(void)dmab__regions_del(dev->regions, cpu, len, true);
}

static int check(struct dmab_device *dev, void *addr, size_t len, const char *what)
{
	if (!dev)
		return dmab__fail(-EINVAL, "%s: NULL device", what);
	if (!addr || !len || !dmab__range_ok((uintptr_t)addr, len))
		return dmab__fail(-EINVAL, "%s: %s: %s", what, dev->name,
				  !addr	 ? "NULL address"
				  : !len ? "zero length"
					 : "address + length overflows");
	return 0;
}

int dmab_mem_register(struct dmab_device *dev, void *addr, size_t len)
{
	int err = check(dev, addr, len, "mem_register");

	return err ? err : dmab__regions_add(dev->regions, addr, len, false);
}

int dmab_mem_unregister(struct dmab_device *dev, void *addr, size_t len)
{
	int err = check(dev, addr, len, "mem_unregister");

	return err ? err : dmab__regions_del(dev->regions, addr, len, false);
}

int dmab_vfio_device_fd(const struct dmab_device *dev)
{
	if (!dev || dev->xlate != &dmab__xlate_vfio || !dev->regions)
		return dmab__fail(-EINVAL, "vfio_device_fd: %s",
				  dev ? "the device's translator is not vfio" : "NULL device");
	int fd = dmab__vfio_device_fd(dev->regions->bctx);

	return fd >= 0 ? fd
		       : dmab__fail(-EINVAL,
				    "vfio_device_fd: %s: VFIO was given as a container fd: the "
				    "device fd is the caller's",
				    dev->name);
}
