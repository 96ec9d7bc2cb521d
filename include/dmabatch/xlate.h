/* SPDX-License-Identifier: MIT */
/*
 * Address translation for real devices: how a device's bus addresses are
 * made from CPU addresses. Point dmab_device_config.xlate at one of these.
 *
 * Which translator for which setup:
 * - identity (the default, xlate NULL): the device sees CPU virtual
 *   addresses; tests, the simulator, platforms that map user memory 1:1.
 * - vfio: the device is bound to vfio-pci behind an IOMMU (VFIO type1).
 *   Registered regions are mapped once with VFIO_IOMMU_MAP_DMA at IOVAs
 *   inside the ranges VFIO_IOMMU_GET_INFO allows and under the device's DMA
 *   mask. Needs root or ownership of /dev/vfio/<group>, and RLIMIT_MEMLOCK
 *   for what is registered (VFIO pins it). Any memory can be registered.
 * - pagemap (and noiommu, the same translator): no IOMMU between the device
 *   and memory (uio_pci_generic, vfio-pci in enable_unsafe_noiommu_mode):
 *   bus addresses are physical, read once per registered region from
 *   /proc/self/pagemap. Needs CAP_SYS_ADMIN (otherwise every PFN reads 0)
 *   and memory whose physical address is pinned: hugetlb pages. The
 *   device's bounce pool then needs hugepages too
 *   (echo N > /proc/sys/vm/nr_hugepages).
 *
 * On a translating device, dmab_map_* looks a buffer up in the device's
 * registered regions (dmab_mem_register); a buffer in none is bounced
 * through the device's pool, or fails with -EFAULT under DMAB_BOUNCE_NEVER.
 */
#ifndef DMABATCH_XLATE_H
#define DMABATCH_XLATE_H

#include <dmabatch.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** enum dmab_xlate_kind - which translator a device uses. */
enum dmab_xlate_kind {
	DMAB_XLATE_IDENTITY = 0, /* bus address = CPU virtual address */
	DMAB_XLATE_PAGEMAP = 1,	 /* physical addresses from pagemap */
	DMAB_XLATE_NOIOMMU = 2,	 /* the same as PAGEMAP, named for vfio-noiommu and UIO */
	DMAB_XLATE_VFIO = 3,	 /* VFIO type1 IOVAs */
};

/**
 * struct dmab_xlate_config - a device's translator.
 * @kind:            the translator.
 * @pagemap_path:    PAGEMAP/NOIOMMU: the pagemap file; NULL means
 *                   /proc/self/pagemap (another path is for tests).
 * @kpageflags_path: PAGEMAP/NOIOMMU: the page-flags file that tells
 *                   hugetlb pages (pinned) from others; NULL means
 *                   /proc/kpageflags.
 * @allow_unpinned:  PAGEMAP/NOIOMMU: accept memory that is not hugetlb (the
 *                   caller pins it by other means; mlock does not).
 * @vfio_pci_address: VFIO: open the device at this PCI address
 *                   ("0000:00:03.0"): its IOMMU group from sysfs, a new
 *                   container, the group attached, the type1 IOMMU set, the
 *                   device fd (dmab_vfio_device_fd()). All are closed by
 *                   dmab_device_destroy(). The device must be bound to
 *                   vfio-pci, with every device of its group.
 * @vfio_container_fd: VFIO, when @vfio_pci_address is NULL: an open
 *                   container (/dev/vfio/vfio) whose group is attached and
 *                   whose IOMMU type is set (VFIO_SET_IOMMU); the caller
 *                   keeps it open while the device lives and closes it after
 *                   dmab_device_destroy(). One libdmabatch device per
 *                   container: each places its own IOVAs.
 * @sysfs_root:      VFIO with @vfio_pci_address: where sysfs is; NULL
 *                   means "/sys" (another path is for tests).
 * @vfio_dev_dir:    likewise for the VFIO device nodes; NULL means
 *                   "/dev/vfio".
 */
struct dmab_xlate_config {
	enum dmab_xlate_kind kind;
	const char *pagemap_path;
	const char *kpageflags_path;
	bool allow_unpinned;
	const char *vfio_pci_address;
	int vfio_container_fd;
	const char *sysfs_root;
	const char *vfio_dev_dir;
};

/**
 * dmab_vfio_device_fd() - the VFIO device fd of a device whose translator
 * opened it from @vfio_pci_address: for the driver's own region-info
 * ioctls, BAR mappings and config-space access. It stays the library's:
 * valid until dmab_device_destroy(), not to be closed by the caller.
 * Return: the fd; -EINVAL for NULL or a device without one.
 */
DMAB_API int dmab_vfio_device_fd(const struct dmab_device *dev);

/** struct dmab_iova_range - an IOVA range VFIO allows, both ends inclusive. */
struct dmab_iova_range {
	uint64_t start;
	uint64_t end;
};

/**
 * dmab_vfio_parse_iova_ranges() - the IOVA ranges in the capability chain
 * of a struct vfio_iommu_type1_info of @len bytes at @info, as
 * VFIO_IOMMU_GET_INFO filled it (called with the argsz it asked for), for a
 * driver that places its own IOVAs; the vfio translator uses the same.
 * At most @max are copied to @out.
 * Return: the number of ranges (0 when the capability is absent: kernels
 * before 5.4 allow every IOVA); -EPROTO for a chain that points outside
 * @len, does not move forward, or is cut short.
 */
DMAB_API int dmab_vfio_parse_iova_ranges(const void *info, size_t len, struct dmab_iova_range *out,
					 unsigned max);

#ifdef __cplusplus
}
#endif

#endif /* DMABATCH_XLATE_H */
