/* SPDX-License-Identifier: MIT */
/*
 * The pagemap translator (also "noiommu"): bus addresses are physical, for
 * a device with no IOMMU in front of it (uio_pci_generic, vfio-noiommu).
 * A region's pages are read from pagemap once, at registration: one u64 per
 * page, bit 63 present, bits 0-54 the PFN (0 without CAP_SYS_ADMIN). Only
 * hugetlb pages keep their physical address (compaction moves others, mlock
 * or not), which /proc/kpageflags tells (bit 17, HUGE). Physically adjacent
 * pages make one segment.
 */
#include <errno.h>
#include <stdlib.h>

#include "../internal.h"
#include "../os/fd.h"
#include "../os/os.h"
#include "backends.h"

#define PM_PRESENT  (UINT64_C(1) << 63)
#define PM_PFN_MASK ((UINT64_C(1) << 55) - 1)
#define KPF_HUGE    (UINT64_C(1) << 17)

struct pagemap {
	int pm_fd, kpf_fd; /* kpf_fd -1: unpinned memory allowed */
	size_t page;
	const char *dev_name;
};

static int check_page(struct pagemap *pm, uintptr_t va, uint64_t ent, uint64_t *phys)
{
	if (!(ent & PM_PRESENT))
		return dmab__fail(-EFAULT,
				  "mem_register: %s: page at %p is not present (touch it, or map "
				  "it with MAP_POPULATE, before registering)",
				  pm->dev_name, (void *)va);
	uint64_t pfn = ent & PM_PFN_MASK;

	if (!pfn)
		return dmab__fail(-EPERM,
				  "mem_register: %s: pagemap reads PFN 0 at %p: physical "
				  "addresses need CAP_SYS_ADMIN (run as root)",
				  pm->dev_name, (void *)va);
	if (pm->kpf_fd >= 0) {
		uint64_t flags;
		int err = dmab__os_pread_all(pm->kpf_fd, &flags, sizeof(flags), pfn * 8);

		if (err)
			return dmab__fail(err == -EIO ? -EIO : err,
					  "mem_register: %s: cannot read the page flags of PFN "
					  "0x%llx",
					  pm->dev_name, (unsigned long long)pfn);
		if (!(flags & KPF_HUGE))
			return dmab__fail(-EOPNOTSUPP,
					  "mem_register: %s: page at %p is not a hugetlb page: "
					  "its physical address may move (use hugepages, or set "
					  "allow_unpinned if it is pinned otherwise)",
					  pm->dev_name, (void *)va);
	}
	*phys = pfn * pm->page;
	return 0;
}

static int pagemap_add(void *bctx, const struct dmab__snap *now, struct dmab__region *r)
{
	struct pagemap *pm = bctx;
	uintptr_t first = r->cpu & ~(uintptr_t)(pm->page - 1), end = r->cpu + r->len;
	size_t npages = (end - first + pm->page - 1) / pm->page;
	uint64_t *ent = malloc(npages * sizeof(*ent));
	struct dmab__seg *seg = calloc(npages, sizeof(*seg));
	int err = 0;

	(void)now;
	if (!ent || !seg) {
		err = dmab__fail(-ENOMEM, "mem_register: %s: out of memory", pm->dev_name);
		goto out;
	}
	err = dmab__os_pread_all(pm->pm_fd, ent, npages * sizeof(*ent), first / pm->page * 8);
	if (err) {
		err = dmab__fail(-EIO, "mem_register: %s: pagemap read at %p failed", pm->dev_name,
				 (void *)first);
		goto out;
	}
	size_t n = 0;
	uint64_t prev = 0;

	for (size_t i = 0; i < npages; i++) {
		uintptr_t va = first + i * pm->page, lo = va > r->cpu ? va : r->cpu;
		uintptr_t hi = va + pm->page < end ? va + pm->page : end;
		uint64_t phys = 0; /* set by check_page() on success */

		err = check_page(pm, va, ent[i], &phys);
		if (err)
			goto out;
		if (n && phys == prev + pm->page) {
			seg[n - 1].len += hi - lo;
		} else {
			seg[n].cpu = lo;
			seg[n].bus = phys + (lo - va);
			seg[n].len = hi - lo;
			seg[n].r = r;
			n++;
		}
		prev = phys;
	}
	r->seg = seg;
	r->nseg = n;
	seg = NULL;
out:
	free(ent);
	free(seg);
	return err;
}

static void pagemap_del(void *bctx, struct dmab__region *r)
{
	(void)bctx;
	(void)r;
}

static void pagemap_fini(void *bctx)
{
	struct pagemap *pm = bctx;

	dmab__os_close(pm->pm_fd);
	dmab__os_close(pm->kpf_fd);
	free(pm);
}

static const struct dmab__xlate_backend pagemap_backend = {
    .add = pagemap_add,
    .del = pagemap_del,
    .fini = pagemap_fini,
};

int dmab__pagemap_init(struct dmab_device *dev, const struct dmab_xlate_config *cfg,
		       const struct dmab__xlate_backend **b, void **bctx)
{
	const char *pm_path = cfg->pagemap_path ? cfg->pagemap_path : "/proc/self/pagemap";
	const char *kpf_path = cfg->kpageflags_path ? cfg->kpageflags_path : "/proc/kpageflags";
	struct pagemap *pm = calloc(1, sizeof(*pm));

	if (!pm)
		return dmab__fail(-ENOMEM, "device_create: out of memory");
	pm->page = dmab__os_page_size();
	pm->dev_name = dev->name;
	pm->kpf_fd = -1;
	pm->pm_fd = dmab__os_open_read(pm_path);
	if (pm->pm_fd < 0) {
		int err = pm->pm_fd;

		free(pm);
		return dmab__fail(err, "device_create: %s: cannot open %s", dev->name, pm_path);
	}
	if (!cfg->allow_unpinned) {
		pm->kpf_fd = dmab__os_open_read(kpf_path);
		if (pm->kpf_fd < 0) {
			int err = pm->kpf_fd;

			dmab__os_close(pm->pm_fd);
			free(pm);
			return dmab__fail(err,
					  "device_create: %s: cannot open %s to check that "
					  "memory is pinned (root is needed)",
					  dev->name, kpf_path);
		}
	}
	*b = &pagemap_backend;
	*bctx = pm;
	return 0;
}
