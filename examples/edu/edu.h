/* SPDX-License-Identifier: MIT */
/*
 * edu: device access for QEMU's "edu" PCI device (1234:11e8) from user space,
 * through VFIO type1 or through uio_pci_generic.
 *
 * The device: BAR0 (1 MiB) holds the registers; a DMA engine copies between
 * bus addresses and a 4 KiB buffer inside the device at EDU_BUF_OFF. Its DMA
 * mask is 28 bits and QEMU masks addresses above it silently (they alias),
 * so every bus address handed to it must lie below EDU_DMA_LIMIT. QEMU up to
 * 9.0 aborts the whole VM on a transfer that touches the buffer's last byte,
 * so a transfer is at most EDU_MAX_XFER bytes.
 *
 * Two halves: edu.c opens the device, maps BAR0, enables bus mastering and
 * drives the DMA engine; edu_bus.c answers "where is this buffer on the
 * bus" (an IOVA mapped with VFIO_IOMMU_MAP_DMA, or a physical address from
 * /proc/self/pagemap) and is the one part a DMA-mapping library replaces.
 *
 * Every function returning int gives 0 on success or a negative errno, and
 * leaves a one-line reason in edu_error(e) (or in the message buffer given
 * to edu_open).
 */
#ifndef EDU_H
#define EDU_H

#include <stddef.h>
#include <stdint.h>

#define EDU_VENDOR 0x1234
#define EDU_DEVICE 0x11e8

#define EDU_REG_ID	  0x00
#define EDU_REG_LIVENESS  0x04
#define EDU_REG_DMA_SRC	  0x80
#define EDU_REG_DMA_DST	  0x88
#define EDU_REG_DMA_COUNT 0x90
#define EDU_REG_DMA_CMD	  0x98
#define EDU_CMD_START	  0x1	   /* set to start, reads 1 while busy */
#define EDU_CMD_TO_RAM	  0x2	   /* 1: edu buffer -> RAM, 0: RAM -> edu buffer */
#define EDU_BUF_OFF	  0x40000u /* the engine's view of its internal buffer */
#define EDU_BUF_SIZE	  4096u
#define EDU_MAX_XFER	  (EDU_BUF_SIZE - 1)
#define EDU_DMA_MASK	  ((1ull << 28) - 1)
#define EDU_DMA_LIMIT	  (EDU_DMA_MASK + 1)

enum edu_mode {
	EDU_MODE_VFIO, /* vfio-pci, VFIO type1 container: bus addresses are IOVAs */
	EDU_MODE_UIO,  /* uio_pci_generic, no IOMMU: bus addresses are physical */
};

/* One usable IOVA range from VFIO_IOMMU_GET_INFO, both ends inclusive. */
struct edu_iova_range {
	uint64_t start;
	uint64_t end;
};

#define EDU_MAX_IOVA_RANGES 16

struct edu {
	enum edu_mode mode;
	char bdf[32];
	int numa_node; /* from sysfs; -1 when the platform gives none */
	volatile uint8_t *bar0;
	size_t bar0_len;
	/* VFIO */
	int container, group, device, group_id; /* -1: not open (or not ours) */
	int owns_device;			/* edu_close closes @device */
	uint64_t cfg_off;			/* config region offset in the device fd */
	uint64_t iova_pgsizes;
	unsigned nr_iova;
	struct edu_iova_range iova[EDU_MAX_IOVA_RANGES];
	uint64_t iova_next; /* bump allocator for edu_bus_map */
	/* UIO */
	int cfg_fd;  /* /sys/bus/pci/devices/<bdf>/config */
	int uio_num; /* N of /dev/uioN */
	char err[256];
};

/*
 * edu_open() - open the edu device at PCI address @bdf ("0000:00:03.0") in
 * @mode, map BAR0, check the identity register and enable bus mastering.
 * On failure *@out is untouched and @msg (of @msglen bytes) says why.
 * Return: 0; -ENOENT no such device; -ENODEV not edu, or not bound to the
 * driver @mode needs (vfio-pci / uio_pci_generic), or no IOMMU group;
 * -EACCES/-EPERM not allowed (root is needed); -ENOMEM; other errnos from
 * the VFIO ioctls.
 */
int edu_open(const char *bdf, enum edu_mode mode, struct edu **out, char *msg, size_t msglen);
/*
 * edu_open_vfio_device() - the same on a VFIO device fd someone else opened
 * (libdmabatch's dmab_vfio_device_fd(), say), which stays theirs: config
 * space and BAR0 through it; no container or group of edu's own (e->container
 * is -1). Return: as edu_open().
 */
int edu_open_vfio_device(const char *bdf, int device_fd, struct edu **out, char *msg,
			 size_t msglen);
void edu_close(struct edu *e);
const char *edu_error(const struct edu *e);

uint32_t edu_read32(struct edu *e, uint32_t off);
void edu_write32(struct edu *e, uint32_t off, uint32_t val);
void edu_write64(struct edu *e, uint32_t off, uint64_t val);

/*
 * edu_dma() - run one transfer of @len bytes between bus address @bus and
 * the device buffer at @dev_off (0-based within it), @to_ram choosing the
 * direction, and poll until the engine is idle or @timeout_ms has passed.
 * Return: 0; -EINVAL @len 0 or above EDU_MAX_XFER, the range outside the
 * buffer, or @bus + @len above the 28-bit mask; -EBUSY engine already busy;
 * -ETIMEDOUT.
 */
int edu_dma(struct edu *e, uint64_t bus, uint32_t dev_off, uint32_t len, int to_ram,
	    int timeout_ms);

/*
 * edu_bus_map() - make [@cpu, @cpu + @len) reachable by the device and give
 * its bus address in *@bus, below EDU_DMA_LIMIT. VFIO: maps the pages with
 * VFIO_IOMMU_MAP_DMA at the next free IOVA inside the ranges the IOMMU
 * allows (@cpu page-aligned). UIO: reads the physical address from
 * /proc/self/pagemap; the memory must stay where it is (hugetlb pages) and
 * be physically contiguous.
 * Return: 0; -EINVAL unaligned or empty; -ENOSPC no IOVA below the mask;
 * -ERANGE physical address above the mask; -EPERM pagemap gives PFN 0 (no
 * CAP_SYS_ADMIN); -EFAULT page not present; -ENOTSUP physically
 * discontiguous; errnos of the MAP_DMA ioctl.
 */
int edu_bus_map(struct edu *e, void *cpu, size_t len, uint64_t *bus);
/* edu_bus_unmap() - undo edu_bus_map(). Return: 0 or the ioctl's errno. */
int edu_bus_unmap(struct edu *e, void *cpu, size_t len, uint64_t bus);

/*
 * edu_iova_alloc() - the lowest IOVA at or above e->iova_next, aligned to
 * the IOMMU's smallest page, where @size bytes fit inside one of the ranges
 * VFIO allows (which leave out windows such as the MSI doorbells) and below
 * EDU_DMA_LIMIT. Does not reserve it: edu_bus_map() moves iova_next.
 * Return: 0 and *@iova; -ENOSPC nowhere fits.
 */
int edu_iova_alloc(const struct edu *e, uint64_t size, uint64_t *iova);

/*
 * edu_vfio_parse_iova_ranges() - libdmabatch's dmab_vfio_parse_iova_ranges(),
 * in edu's types: walk the capability chain of a
 * vfio_iommu_type1_info of @len bytes at @info and copy its IOVA ranges
 * (at most @max) to @out. A chain pointing outside @len, going backwards or
 * a truncated capability is -EPROTO.
 * Return: the number of ranges (0 when the capability is absent) or -EPROTO.
 */
int edu_vfio_parse_iova_ranges(const void *info, size_t len, struct edu_iova_range *out,
			       unsigned max);

/*
 * edu_pagemap_phys() - the physical address of @va read from the pagemap
 * file @fd (of the calling process: /proc/self/pagemap).
 * Return: 0 and *@pa; -EFAULT not present; -EPERM PFN reads as 0; -EIO.
 */
int edu_pagemap_phys(int fd, uintptr_t va, uint64_t *pa);

/*
 * edu_huge_low() - a 2 MiB hugetlb page whose physical address lies below
 * EDU_DMA_LIMIT (UIO: no IOMMU, the bus address is physical): hugepages are
 * taken until one is low enough, the others given back. munmap it after use.
 * Return: 0 with *@cpu, *@len; -ENOMEM (@why says: no hugepages, or none low).
 */
int edu_huge_low(void **cpu, size_t *len, char *why, size_t whylen);

/**
 * edu_huge_split() - 4 MiB of virtually contiguous memory made of two 2 MiB
 * hugetlb pages that both lie below EDU_DMA_LIMIT and are not physically
 * adjacent (a hugetlbfs memfd's pages mapped side by side, in whichever
 * order makes them discontiguous): a buffer across the middle is two DMA
 * segments. Give it back with munmap(*@cpu, *@len).
 * Return: 0 with *@cpu, *@len; -ENOMEM (@why says why).
 */
int edu_huge_split(void **cpu, size_t *len, char *why, size_t whylen);

#endif
