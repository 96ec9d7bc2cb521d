/* SPDX-License-Identifier: MIT */
/* Device handles: creation from a config, destruction, stats. */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bounce/bounce.h"
#include "debug/debug.h"
#include "internal.h"
#include "mem/mem.h"
#include "os/os.h"
#include "os/topology.h"
#include "xlate/iommu.h"

/* The smallest config size there is: the fields up to and including @sim. */
#define CONFIG_V1_SIZE (offsetof(struct dmab_device_config, sim) + sizeof(struct dmab_sim *))

/*
 * The caller's config, as this library's struct: the fields its @size
 * covers, the rest zero (their defaults). -EINVAL for a size it does not know.
 */
static int read_config(const struct dmab_device_config *cfg, struct dmab_device_config *out)
{
	size_t size = cfg ? cfg->size : 0;

	memset(out, 0, sizeof(*out));
	if (!cfg) {
		out->numa_node = -1;
		return 0;
	}
	/* 0: the caller was built against this header (see @size). */
	if (size == 0)
		size = sizeof(*out);
	if (size < CONFIG_V1_SIZE || size > sizeof(*out))
		return dmab__fail(-EINVAL,
				  "device_create: config size %zu is not one this library (%zu) "
				  "knows",
				  cfg->size, sizeof(*out));
	memcpy(out, cfg, size);
	return 0;
}

static int check_config(const struct dmab_device_config *cfg)
{
	if (cfg->dma_bits > 64)
		return dmab__fail(-EINVAL, "device_create: dma_bits %u is more than 64",
				  cfg->dma_bits);
	if (cfg->sync_mode != DMAB_SYNC_BATCHED && cfg->sync_mode != DMAB_SYNC_PER_ENTRY)
		return dmab__fail(-EINVAL, "device_create: unknown sync_mode %d",
				  (int)cfg->sync_mode);
	if (cfg->numa_node < -1 ||
	    (cfg->numa_node >= 0 && !dmab__os_numa_node_valid(cfg->numa_node)))
		return dmab__fail(-EINVAL, "device_create: NUMA node %d does not exist",
				  cfg->numa_node);
	return dmab__xlate_check(cfg);
}

/*
 * A device with a PCI address and no node of its own takes the node sysfs
 * gives it (which may be -1: none).
 */
static int resolve_node(struct dmab_device_config *cfg)
{
	int node, err;

	if (!cfg->pci_address || cfg->numa_node != -1)
		return 0;
	err = dmab__topo_pci_node(NULL, cfg->pci_address, &node);
	if (err == -EINVAL)
		return dmab__fail(err, "device_create: PCI address \"%s\" is not dddd:bb:dd.f",
				  cfg->pci_address);
	if (err)
		return dmab__fail(err, "device_create: no PCI device %s in sysfs (%s)",
				  cfg->pci_address,
				  err == -ENODEV ? "no numa_node file" : "bad file");
	if (node >= 0 && !dmab__os_numa_node_valid(node))
		return dmab__fail(-ENODEV,
				  "device_create: PCI device %s is on node %d, which is "
				  "not online",
				  cfg->pci_address, node);
	cfg->numa_node = node;
	return 0;
}

/*
 * Each module of a device is made by its own init and unmade by its fini,
 * in this order, and a failure unmakes what was made, in reverse: counters,
 * the cache backend, the spares, bouncing. A new module (a translator, an
 * IOMMU, the checker) takes its step here.
 */
int dmab_device_create(const struct dmab_device_config *user, struct dmab_device **out)
{
	struct dmab_device_config cfg;
	struct dmab_device *dev;
	int err;

	if (!out)
		return dmab__fail(-EINVAL, "device_create: NULL output");
	err = read_config(user, &cfg);
	if (!err)
		err = check_config(&cfg);
	if (!err)
		err = resolve_node(&cfg);
	if (err)
		return err;

	/* Aligned for the counters' own lines (counters.h); the size of an
	 * aligned struct is a multiple of its alignment, as aligned_alloc asks. */
	dev = aligned_alloc(_Alignof(struct dmab_device), sizeof(*dev));
	if (!dev)
		return dmab__fail(-ENOMEM, "device_create: out of memory");
	memset(dev, 0, sizeof(*dev));
	snprintf(dev->name, sizeof(dev->name), "%s", cfg.name ? cfg.name : "dmab");
	dev->coherent = cfg.coherent;
	unsigned bits = cfg.dma_bits ? cfg.dma_bits : 64;

	dev->mask = bits == 64 ? UINT64_MAX : (UINT64_C(1) << bits) - 1;
	dev->cfg = cfg;
	dev->cfg.name = dev->cfg.backend = NULL;
	dev->numa_node = cfg.numa_node;
	dev->mode = cfg.sync_mode;
	dev->xlate = &dmab__xlate_identity;
	dev->xlate_ctx = NULL;
	atomic_init(&dev->direct_lo, UINTPTR_MAX);
	atomic_init(&dev->direct_hi, 0);

	err = dmab__ctr_init(&dev->c);
	if (err) {
		err = dmab__fail(err, "device_create: counters: %s", strerror(-err));
		goto fail_counters;
	}
	err = dmab__arch_select(&dev->arch, &cfg);
	if (err)
		goto fail_arch;
	dmab__spare_init(&dev->spill_spare);
	dmab__spare_init(&dev->facts_spare);
	err = dmab__memdev_init(dev, &cfg);
	if (err)
		goto fail_mem;
	err = dmab__xlate_init(dev, cfg.xlate);
	if (err)
		goto fail_xlate;
	err = dmab__iommu_init(dev, &cfg);
	if (err)
		goto fail_iommu;
	err = dmab__bounce_init(dev, &cfg);
	if (err)
		goto fail_bounce;
	err = dmab__debug_init(dev, &cfg);
	if (err)
		goto fail_debug;
	*out = dev;
	return 0;

fail_debug:
	dmab__bounce_fini(dev);
fail_bounce:
	dmab__iommu_fini(dev);
fail_iommu:
	dmab__xlate_fini(dev);
fail_xlate:
	dmab__memdev_fini(dev);
fail_mem:
	dmab__spare_fini(&dev->facts_spare);
	dmab__spare_fini(&dev->spill_spare);
	dmab__arch_release(&dev->arch);
fail_arch:
	dmab__ctr_fini(&dev->c);
fail_counters:
	free(dev);
	return err;
}

int dmab_device_destroy(struct dmab_device *dev)
{
	if (!dev)
		return dmab__fail(-EINVAL, "device_destroy: NULL device");
	int err = dmab__debug_teardown(dev, __builtin_return_address(0));

	if (err)
		return err;
	/* Direct entries, and bounce mappings (counted by their slots' owner). */
	uint64_t live = dmab__live_sum(&dev->c) + dmab__bounce_live(dev);

	if (live)
		return dmab__fail(-EBUSY, "device_destroy: %s: %llu entries still mapped",
				  dev->name, (unsigned long long)live);
	err = dmab__memdev_busy(dev);

	if (err)
		return err;
	dmab__debug_fini(dev);
	dmab__bounce_fini(dev);
	dmab__iommu_fini(dev);
	dmab__xlate_fini(dev);
	dmab__memdev_fini(dev);
	dmab__spare_fini(&dev->facts_spare);
	dmab__spare_fini(&dev->spill_spare);
	dmab__arch_release(&dev->arch);
	dmab__ctr_fini(&dev->c);
	free(dev);
	return 0;
}

const char *dmab_device_backend(const struct dmab_device *dev)
{
	return dev ? dev->arch.ops->name : NULL;
}

size_t dmab_device_line_size(const struct dmab_device *dev)
{
	return dev ? dev->arch.line : 0;
}

int dmab_device_stats(const struct dmab_device *dev, struct dmab_stats *out)
{
	if (!dev || !out)
		return dmab__fail(-EINVAL, "device_stats: NULL %s", dev ? "output" : "device");
	/* Summing takes the list's lock: a const device still reads them. */
	struct dmab__counters *c = (struct dmab__counters *)&dev->c;
	uint64_t v[DMAB__NCTR];

	dmab__ctr_sum(c, v);
	memset(out, 0, sizeof(*out));
	out->lines_cleaned = v[DMAB__CTR_CLEAN];
	out->lines_invalidated = v[DMAB__CTR_INVAL];
	out->lines_clean_invalidated = v[DMAB__CTR_CLEAN_INVAL];
	out->completions = v[DMAB__CTR_COMPLETIONS];
	out->completions_saved = v[DMAB__CTR_COMPLETIONS_SAVED];
	out->maps = v[DMAB__CTR_MAPS];
	out->unmaps = v[DMAB__CTR_UNMAPS];
	out->live_mappings = dmab__live_sum(c);
	out->bounce_mappings = v[DMAB__CTR_BOUNCED];
	out->bounce_bytes_to_device = v[DMAB__CTR_BYTES_TO_DEV];
	out->bounce_bytes_from_device = v[DMAB__CTR_BYTES_FROM_DEV];
	dmab__bounce_stats(dev, out);
	dmab__memdev_stats(dev, out);
	dmab__iommu_stats(dev, out);
	dmab__debug_stats(dev, out);
	out->backend = dev->arch.ops->name;
	out->line_size = dev->arch.line;
	return 0;
}
