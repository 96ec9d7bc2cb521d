/* SPDX-License-Identifier: MIT */
/*
 * The VFIO type1 translator: each registered region is mapped once with
 * VFIO_IOMMU_MAP_DMA at an IOVA inside the ranges VFIO_IOMMU_GET_INFO
 * allows (they leave out MSI doorbells and reserved windows) and under the
 * device's DMA mask, and unmapped when its last registration goes (or the
 * device is destroyed). IOVAs are placed first-fit, page aligned, among the
 * regions already mapped.
 */
#include <errno.h>
#include <linux/vfio.h>
#include <stdlib.h>
#include <string.h>

#include "../internal.h"
#include "../os/fd.h"
#include "../os/os.h"
#include "backends.h"

#define MAX_RANGES 32
#define INFO_TRIES 4

struct vfio {
	int container;
	uint64_t page; /* the smallest IOMMU page, at least the CPU's */
	uint64_t mask;
	unsigned nr;
	bool has_avail; /* GET_INFO reports DMA_AVAIL (Linux 5.10 on) */
	struct dmab_iova_range range[MAX_RANGES];
	const char *dev_name;
	struct dmab__vfio_fds own; /* opened from a PCI address: closed at fini */
};

/* GET_INFO with the size the kernel asks for: the second call has the chain.
 * *@info is the caller's to free; @what names the call for messages. */
static int get_info(const struct vfio *v, struct vfio_iommu_type1_info **out, uint32_t *len,
		    const char *what)
{
	uint32_t argsz = sizeof(struct vfio_iommu_type1_info);
	struct vfio_iommu_type1_info *info = NULL;

	for (int tries = 0; tries < INFO_TRIES; tries++) {
		free(info);
		info = calloc(1, argsz);
		if (!info)
			return dmab__fail(-ENOMEM, "%s: out of memory", what);
		info->argsz = argsz;
		int err = dmab__os_ioctl(v->container, VFIO_IOMMU_GET_INFO, info);

		if (err < 0) {
			free(info);
			return dmab__fail(err,
					  "%s: %s: VFIO_IOMMU_GET_INFO failed (is the "
					  "container's IOMMU set with VFIO_SET_IOMMU?)",
					  what, v->dev_name);
		}
		if (info->argsz <= argsz)
			break;
		argsz = info->argsz;
	}
	*out = info;
	*len = argsz;
	return 0;
}

/* The container's DMA_AVAIL now: 1 with *@avail, 0 if not reported. */
static int dma_avail(const struct vfio *v, const struct vfio_iommu_type1_info *info, uint32_t len,
		     uint32_t *avail, const char *what)
{
	int r = dmab__vfio_parse_dma_avail(info, len, avail);

	return r >= 0 ? r
		      : dmab__fail(r,
				   "%s: %s: VFIO_IOMMU_GET_INFO's capability chain is "
				   "malformed",
				   what, v->dev_name);
}

static int read_info(struct vfio *v)
{
	struct vfio_iommu_type1_info *info;
	uint32_t argsz;
	int err = get_info(v, &info, &argsz, "device_create");

	if (err)
		return err;
	uint32_t avail;

	err = dma_avail(v, info, argsz, &avail, "device_create");
	if (err < 0) {
		free(info);
		return err;
	}
	v->has_avail = err > 0;
	uint64_t cpu = dmab__os_page_size(), pg = 0;

	if (info->flags & VFIO_IOMMU_INFO_PGSIZES)
		pg = info->iova_pgsizes & -info->iova_pgsizes;
	v->page = pg > cpu ? pg : cpu;
	int n = dmab_vfio_parse_iova_ranges(info, argsz, v->range, MAX_RANGES);

	free(info);
	if (n < 0)
		return dmab__fail(n,
				  "device_create: %s: VFIO_IOMMU_GET_INFO's capability chain "
				  "is malformed",
				  v->dev_name);
	if (n == 0) { /* before Linux 5.4: no ranges reported, all allowed */
		v->range[0].start = 0;
		v->range[0].end = UINT64_MAX;
		n = 1;
	}
	v->nr = (unsigned)n;
	return 0;
}

static uint64_t align_up(uint64_t x, uint64_t a)
{
	return (x + a - 1) & ~(a - 1);
}

/* The region of @now whose IOVA pages overlap [lo, lo + size), or NULL. */
static const struct dmab__region *clash(const struct dmab__snap *now, uint64_t lo, uint64_t size)
{
	for (size_t i = 0; now && i < now->nreg; i++) {
		const struct dmab__region *o = now->reg[i];

		if (o->xl_size && lo < o->xl_base + o->xl_size && o->xl_base < lo + size)
			return o;
	}
	return NULL;
}

/* The lowest IOVA for @size bytes in an allowed range, under the mask, clear
 * of every mapped region and of page 0. */
static int place(const struct vfio *v, const struct dmab__snap *now, uint64_t size, uint64_t *iova)
{
	uint64_t best = UINT64_MAX;

	for (unsigned i = 0; i < v->nr; i++) {
		uint64_t top = v->range[i].end < v->mask ? v->range[i].end : v->mask;
		uint64_t lo =
		    align_up(v->range[i].start > v->page ? v->range[i].start : v->page, v->page);
		const struct dmab__region *o;

		while (lo >= v->range[i].start && lo <= top && top - lo >= size - 1) {
			o = clash(now, lo, size);
			if (!o) {
				best = lo < best ? lo : best;
				break;
			}
			lo = align_up(o->xl_base + o->xl_size, v->page);
		}
	}
	if (best == UINT64_MAX)
		return -ENOSPC;
	*iova = best;
	return 0;
}

/*
 * Does the container allow one more mapping? Asked at each registration,
 * for the count is the container's (the driver's own mappings, and other
 * devices', use it too). -ENOSPC, with the limit named, if not.
 */
static int room_left(const struct vfio *v)
{
	if (!v->has_avail)
		return 0;
	struct vfio_iommu_type1_info *info;
	uint32_t argsz, avail = 0;
	int err = get_info(v, &info, &argsz, "mem_register");

	if (err)
		return err;
	err = dma_avail(v, info, argsz, &avail, "mem_register");
	free(info);
	if (err < 0)
		return err;
	if (err > 0 && avail == 0)
		return dmab__fail(-ENOSPC,
				  "mem_register: %s: the VFIO container allows no more DMA "
				  "mappings (DMA_AVAIL is 0: vfio_iommu_type1's dma_entry_limit "
				  "is reached; unregister a region, or raise the limit)",
				  v->dev_name);
	return 0;
}

static int vfio_add(void *bctx, const struct dmab__snap *now, struct dmab__region *r)
{
	struct vfio *v = bctx;
	uint64_t start = r->cpu & ~(v->page - 1);
	uint64_t size = align_up(r->cpu + r->len, v->page) - start, iova;
	int err = room_left(v);

	if (err)
		return err;
	struct dmab__seg *seg = calloc(1, sizeof(*seg));

	if (!seg)
		return dmab__fail(-ENOMEM, "mem_register: %s: out of memory", v->dev_name);
	if (place(v, now, size, &iova)) {
		free(seg);
		return dmab__fail(-ENOSPC,
				  "mem_register: %s: no IOVA range has %llu bytes free under the "
				  "DMA mask 0x%llx",
				  v->dev_name, (unsigned long long)size,
				  (unsigned long long)v->mask);
	}
	struct vfio_iommu_type1_dma_map map = {
	    .argsz = sizeof(map),
	    .flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE,
	    .vaddr = start,
	    .iova = iova,
	    .size = size,
	};
	err = dmab__os_ioctl(v->container, VFIO_IOMMU_MAP_DMA, &map);
	if (err < 0) {
		free(seg);
		return dmab__fail(
		    err,
		    "mem_register: %s: VFIO_IOMMU_MAP_DMA of %llu bytes at IOVA "
		    "0x%llx failed: %s%s",
		    v->dev_name, (unsigned long long)size, (unsigned long long)iova, strerror(-err),
		    err == -ENOMEM ? " (RLIMIT_MEMLOCK, or VFIO's mapping limit)" : "");
	}
	r->xl_base = iova;
	r->xl_size = size;
	seg->cpu = r->cpu;
	seg->bus = iova + (r->cpu - start);
	seg->len = r->len;
	seg->r = r;
	r->seg = seg;
	r->nseg = 1;
	return 0;
}

static void vfio_del(void *bctx, struct dmab__region *r)
{
	struct vfio *v = bctx;
	struct vfio_iommu_type1_dma_unmap unmap = {
	    .argsz = sizeof(unmap), .iova = r->xl_base, .size = r->xl_size};

	(void)dmab__os_ioctl(v->container, VFIO_IOMMU_UNMAP_DMA, &unmap);
}

static void vfio_fini(void *bctx)
{
	struct vfio *v = bctx;

	dmab__vfio_close(&v->own);
	free(v);
}

int dmab__vfio_device_fd(const void *bctx)
{
	return ((const struct vfio *)bctx)->own.device;
}

static const struct dmab__xlate_backend vfio_backend = {
    .add = vfio_add,
    .del = vfio_del,
    .fini = vfio_fini,
};

int dmab__vfio_init(struct dmab_device *dev, const struct dmab_xlate_config *cfg,
		    const struct dmab__xlate_backend **b, void **bctx)
{
	if (!cfg->vfio_pci_address && cfg->vfio_container_fd <= 0)
		return dmab__fail(-EINVAL,
				  "device_create: %s: VFIO needs vfio_pci_address or "
				  "vfio_container_fd (> 0)",
				  dev->name);
	struct vfio *v = calloc(1, sizeof(*v));

	if (!v)
		return dmab__fail(-ENOMEM, "device_create: out of memory");
	v->own.container = v->own.group = v->own.device = -1;
	if (cfg->vfio_pci_address) {
		int err = dmab__vfio_open(
		    cfg->vfio_pci_address, cfg->sysfs_root ? cfg->sysfs_root : "/sys",
		    cfg->vfio_dev_dir ? cfg->vfio_dev_dir : "/dev/vfio", dev->name, &v->own);

		if (err) {
			free(v);
			return err;
		}
		v->container = v->own.container;
	} else {
		v->container = cfg->vfio_container_fd;
	}
	v->mask = dev->mask;
	v->dev_name = dev->name;
	int err = read_info(v);

	if (err) {
		vfio_fini(v);
		return err;
	}
	*b = &vfio_backend;
	*bctx = v;
	return 0;
}
