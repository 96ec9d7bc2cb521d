/* SPDX-License-Identifier: MIT */
/*
 * Where a buffer is on edu's bus: an IOVA the driver maps through VFIO
 * type1, or the physical address /proc/self/pagemap reports (UIO, no IOMMU).
 * This file is the step a DMA-mapping library takes over; the rest of the
 * driver only ever sees the bus address it returns.
 */
#define _GNU_SOURCE /* pread */

#include "edu.h"

#include <dmabatch/xlate.h>

#include <errno.h>
#include <fcntl.h>
#include <linux/vfio.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#define PM_PFN_MASK ((1ull << 55) - 1)
#define PM_PRESENT  (1ull << 63)

int edu_vfio_parse_iova_ranges(const void *info, size_t len, struct edu_iova_range *out,
			       unsigned max)
{
	struct dmab_iova_range r[EDU_MAX_IOVA_RANGES];
	int n = dmab_vfio_parse_iova_ranges(info, len, r,
					    max < EDU_MAX_IOVA_RANGES ? max : EDU_MAX_IOVA_RANGES);

	for (int i = 0; i < n; i++) {
		out[i].start = r[i].start;
		out[i].end = r[i].end;
	}
	return n;
}

int edu_pagemap_phys(int fd, uintptr_t va, uint64_t *pa)
{
	long page = sysconf(_SC_PAGESIZE);
	uint64_t ent;

	if (pread(fd, &ent, sizeof(ent), (off_t)(va / (uintptr_t)page * sizeof(ent))) !=
	    sizeof(ent))
		return -EIO;
	if (!(ent & PM_PRESENT))
		return -EFAULT;
	if ((ent & PM_PFN_MASK) == 0)
		return -EPERM;
	*pa = (ent & PM_PFN_MASK) * (uint64_t)page + va % (uintptr_t)page;
	return 0;
}

static uint64_t align_up(uint64_t x, uint64_t a)
{
	return (x + a - 1) & ~(a - 1);
}

/* The smallest IOVA page the IOMMU supports, never below the CPU's page. */
static uint64_t iova_page(const struct edu *e)
{
	uint64_t pg = e->iova_pgsizes & -e->iova_pgsizes;
	uint64_t cpu = (uint64_t)sysconf(_SC_PAGESIZE);

	return pg > cpu ? pg : cpu;
}

int edu_iova_alloc(const struct edu *e, uint64_t size, uint64_t *iova)
{
	uint64_t pg = iova_page(e), best = UINT64_MAX;
	unsigned i;

	for (i = 0; i < e->nr_iova; i++) {
		uint64_t lo =
		    align_up(e->iova[i].start > e->iova_next ? e->iova[i].start : e->iova_next, pg);

		if (size == 0 || lo < e->iova[i].start || lo > e->iova[i].end ||
		    e->iova[i].end - lo < size - 1)
			continue;
		if (lo >= EDU_DMA_LIMIT || size > EDU_DMA_LIMIT - lo)
			continue;
		if (lo < best)
			best = lo;
	}
	if (best == UINT64_MAX)
		return -ENOSPC;
	*iova = best;
	return 0;
}

static int map_vfio(struct edu *e, void *cpu, size_t len, uint64_t *bus)
{
	uint64_t pg = iova_page(e), size = align_up(len, pg), iova;
	struct vfio_iommu_type1_dma_map map = {.argsz = sizeof(map)};
	int err;

	if ((uintptr_t)cpu % pg)
		return -EINVAL;
	err = edu_iova_alloc(e, size, &iova);
	if (err) {
		snprintf(e->err, sizeof(e->err), "no IOVA for %zu bytes below edu's 28-bit mask",
			 len);
		return err;
	}
	map.flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE;
	map.vaddr = (uintptr_t)cpu;
	map.iova = iova;
	map.size = size;
	if (ioctl(e->container, VFIO_IOMMU_MAP_DMA, &map) < 0) {
		err = -errno;
		snprintf(e->err, sizeof(e->err), "VFIO_IOMMU_MAP_DMA at 0x%llx: %s",
			 (unsigned long long)iova, strerror(errno));
		return err;
	}
	e->iova_next = iova + size;
	*bus = iova;
	return 0;
}

static int map_phys(struct edu *e, void *cpu, size_t len, uint64_t *bus)
{
	long page = sysconf(_SC_PAGESIZE);
	uintptr_t va = (uintptr_t)cpu, end = va + len, at;
	uint64_t first, pa;
	int fd, err = 0;

	fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		snprintf(e->err, sizeof(e->err), "open /proc/self/pagemap: %s", strerror(errno));
		return err;
	}
	err = edu_pagemap_phys(fd, va, &first);
	/* Each further page must follow the first one physically. */
	for (at = (va | (uintptr_t)(page - 1)) + 1; !err && at < end; at += (uintptr_t)page) {
		err = edu_pagemap_phys(fd, at, &pa);
		if (!err && pa != first + (at - va))
			err = -ENOTSUP;
	}
	close(fd);
	if (err == -EPERM)
		snprintf(e->err, sizeof(e->err), "pagemap reads PFN 0: CAP_SYS_ADMIN is needed");
	else if (err == -EFAULT)
		snprintf(e->err, sizeof(e->err), "page at %p not present", cpu);
	else if (err == -ENOTSUP)
		snprintf(e->err, sizeof(e->err), "buffer at %p is physically discontiguous", cpu);
	else if (err)
		snprintf(e->err, sizeof(e->err), "pagemap read failed");
	else if (first >= EDU_DMA_LIMIT || len > EDU_DMA_LIMIT - first) {
		snprintf(e->err, sizeof(e->err),
			 "physical address 0x%llx is above edu's 28-bit mask",
			 (unsigned long long)first);
		err = -ERANGE;
	}
	if (!err)
		*bus = first;
	return err;
}

int edu_bus_map(struct edu *e, void *cpu, size_t len, uint64_t *bus)
{
	if (len == 0) {
		snprintf(e->err, sizeof(e->err), "empty buffer");
		return -EINVAL;
	}
	return e->mode == EDU_MODE_VFIO ? map_vfio(e, cpu, len, bus) : map_phys(e, cpu, len, bus);
}

int edu_bus_unmap(struct edu *e, void *cpu, size_t len, uint64_t bus)
{
	struct vfio_iommu_type1_dma_unmap unmap = {.argsz = sizeof(unmap)};

	(void)cpu;
	if (e->mode != EDU_MODE_VFIO)
		return 0;
	unmap.iova = bus;
	unmap.size = align_up(len, iova_page(e));
	if (ioctl(e->container, VFIO_IOMMU_UNMAP_DMA, &unmap) < 0) {
		int err = -errno;

		snprintf(e->err, sizeof(e->err), "VFIO_IOMMU_UNMAP_DMA at 0x%llx: %s",
			 (unsigned long long)bus, strerror(errno));
		return err;
	}
	return 0;
}
