/* SPDX-License-Identifier: MIT */
/* Device handles: creation from a config, destruction, stats. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "numa.h"
#include "swiotlb.h"

int dmab_device_create(const struct dmab_device_config *cfg, struct dmab_device **out)
{
	static const struct dmab_device_config defaults = {.numa_node = -1};
	struct dmab_device *dev;
	int err;

	if (!out)
		return dmab__fail(-EINVAL, "device_create: NULL output");
	if (!cfg)
		cfg = &defaults;
	if (cfg->dma_bits > 64)
		return dmab__fail(-EINVAL, "device_create: dma_bits %u is more than 64",
				  cfg->dma_bits);
	if (cfg->sync_mode != DMAB_SYNC_BATCHED && cfg->sync_mode != DMAB_SYNC_PER_ENTRY)
		return dmab__fail(-EINVAL, "device_create: unknown sync_mode %d",
				  (int)cfg->sync_mode);
	if (cfg->numa_node < -1 || (cfg->numa_node >= 0 && !dmab__numa_node_valid(cfg->numa_node)))
		return dmab__fail(-EINVAL, "device_create: NUMA node %d does not exist",
				  cfg->numa_node);

	/* Aligned for the counters' own lines (counters.h); the size of an
	 * aligned struct is a multiple of its alignment, as aligned_alloc asks. */
	dev = aligned_alloc(_Alignof(struct dmab_device), sizeof(*dev));
	if (!dev)
		return dmab__fail(-ENOMEM, "device_create: out of memory");
	memset(dev, 0, sizeof(*dev));
	err = dmab__ctr_init(&dev->c);
	if (err) {
		free(dev);
		return dmab__fail(err, "device_create: counters: %s", strerror(-err));
	}
	err = dmab__arch_select(&dev->arch, cfg);
	if (err) {
		dmab__ctr_fini(&dev->c);
		free(dev);
		return err;
	}
	snprintf(dev->name, sizeof(dev->name), "%s", cfg->name ? cfg->name : "dmab");
	dev->coherent = cfg->coherent;
	unsigned bits = cfg->dma_bits ? cfg->dma_bits : 64;

	dev->mask = bits == 64 ? UINT64_MAX : (UINT64_C(1) << bits) - 1;
	dev->numa_node = cfg->numa_node;
	dev->mode = cfg->sync_mode;
	dev->xlate = &dmab__xlate_identity;
	dev->xlate_ctx = NULL;
	err = dmab__bounce_setup(dev, cfg);
	if (err) {
		dmab__arch_release(&dev->arch);
		dmab__ctr_fini(&dev->c);
		free(dev);
		return err;
	}
	*out = dev;
	return 0;
}

int dmab_device_destroy(struct dmab_device *dev)
{
	if (!dev)
		return dmab__fail(-EINVAL, "device_destroy: NULL device");
	uint64_t live = atomic_load(&dev->c.live);

	if (live)
		return dmab__fail(-EBUSY, "device_destroy: %s: %llu entries still mapped",
				  dev->name, (unsigned long long)live);
	dmab__bounce_teardown(dev);
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
	out->live_mappings = atomic_load(&c->live);
	out->bounce_mappings = v[DMAB__CTR_BOUNCED];
	out->bounce_bytes_to_device = v[DMAB__CTR_BYTES_TO_DEV];
	out->bounce_bytes_from_device = v[DMAB__CTR_BYTES_FROM_DEV];
	dmab__bounce_stats(dev, out);
	out->backend = dev->arch.ops->name;
	out->line_size = dev->arch.line;
	return 0;
}
