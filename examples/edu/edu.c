/* SPDX-License-Identifier: MIT */
/*
 * edu device access: open through VFIO type1 or uio_pci_generic, BAR0,
 * config space (bus mastering), the DMA engine.
 */
#define _GNU_SOURCE /* readlink, pread, usleep */

#include "edu.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/vfio.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define PCI_COMMAND	   0x04
#define PCI_COMMAND_MEMORY 0x2
#define PCI_COMMAND_MASTER 0x4

static int fail(struct edu *e, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(e->err, sizeof(e->err), fmt, ap);
	va_end(ap);
	return err;
}

const char *edu_error(const struct edu *e)
{
	return e->err;
}

/* Read a small sysfs attribute of the device into @buf, newline stripped. */
static int sysfs_read(const char *bdf, const char *attr, char *buf, size_t len)
{
	char path[256];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/%s", bdf, attr);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -EIO;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

/* The last path component of the symlink /sys/bus/pci/devices/<bdf>/<link>. */
static int sysfs_link_name(const char *bdf, const char *link, char *buf, size_t len)
{
	char path[256], target[256];
	ssize_t n;
	const char *slash;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/%s", bdf, link);
	n = readlink(path, target, sizeof(target) - 1);
	if (n < 0)
		return -errno;
	target[n] = '\0';
	slash = strrchr(target, '/');
	const char *name = slash ? slash + 1 : target;
	size_t n_len = strlen(name);

	/* A name that does not fit is an error, not a truncated name. */
	if (n_len >= len)
		return -ENAMETOOLONG;
	memcpy(buf, name, n_len + 1);
	return 0;
}

static int cfg_fd(const struct edu *e)
{
	return e->mode == EDU_MODE_VFIO ? e->device : e->cfg_fd;
}

static int enable_bus_master(struct edu *e)
{
	uint16_t cmd, want;

	if (pread(cfg_fd(e), &cmd, sizeof(cmd), (off_t)(e->cfg_off + PCI_COMMAND)) != sizeof(cmd))
		return fail(e, -EIO, "read of the PCI command register failed: %s",
			    strerror(errno));
	want = cmd | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER;
	if (want != cmd && pwrite(cfg_fd(e), &want, sizeof(want),
				  (off_t)(e->cfg_off + PCI_COMMAND)) != sizeof(want))
		return fail(e, -errno, "write of the PCI command register failed: %s",
			    strerror(errno));
	if (pread(cfg_fd(e), &cmd, sizeof(cmd), (off_t)(e->cfg_off + PCI_COMMAND)) != sizeof(cmd) ||
	    !(cmd & PCI_COMMAND_MASTER))
		return fail(e, -EIO, "bus mastering did not stick (command 0x%x)", cmd);
	return 0;
}

/*
 * VFIO_IOMMU_GET_INFO returns a fixed part and, after it, a capability
 * chain: ask with the fixed size, then again with the argsz the kernel
 * asked for.
 */
static int vfio_iommu_info(struct edu *e)
{
	struct vfio_iommu_type1_info *info;
	uint32_t argsz = sizeof(*info);
	int tries, n;

	for (tries = 0; tries < 4; tries++) {
		info = calloc(1, argsz);
		if (!info)
			return fail(e, -ENOMEM, "out of memory");
		info->argsz = argsz;
		if (ioctl(e->container, VFIO_IOMMU_GET_INFO, info) < 0) {
			int err = -errno;

			free(info);
			return fail(e, err, "VFIO_IOMMU_GET_INFO: %s", strerror(-err));
		}
		if (info->argsz <= argsz)
			break;
		argsz = info->argsz;
		free(info);
		info = NULL;
	}
	if (!info)
		return fail(e, -EPROTO, "VFIO_IOMMU_GET_INFO keeps growing its argsz");
	e->iova_pgsizes = (info->flags & VFIO_IOMMU_INFO_PGSIZES) ? info->iova_pgsizes : 4096;
	n = edu_vfio_parse_iova_ranges(info, argsz, e->iova, EDU_MAX_IOVA_RANGES);
	free(info);
	if (n < 0)
		return fail(e, n, "VFIO_IOMMU_GET_INFO: malformed capability chain");
	if (n == 0) {
		/* Kernels before 5.4 report no ranges: everything is allowed. */
		e->iova[0].start = 0;
		e->iova[0].end = UINT64_MAX;
		n = 1;
	}
	e->nr_iova = (unsigned)n;
	return 0;
}

static int vfio_device_setup(struct edu *e);

static int open_vfio(struct edu *e)
{
	struct vfio_group_status status = {.argsz = sizeof(status)};
	char name[64], path[64];
	int type, err;

	if (sysfs_link_name(e->bdf, "iommu_group", name, sizeof(name)) < 0)
		return fail(e, -ENODEV,
			    "%s has no IOMMU group (no IOMMU, or not bound to vfio-pci yet)",
			    e->bdf);
	e->group_id = atoi(name);
	e->container = open("/dev/vfio/vfio", O_RDWR | O_CLOEXEC);
	if (e->container < 0)
		return fail(e, -errno, "open /dev/vfio/vfio: %s", strerror(errno));
	if (ioctl(e->container, VFIO_GET_API_VERSION) != VFIO_API_VERSION)
		return fail(e, -ENOTSUP, "VFIO API version mismatch");
	if (ioctl(e->container, VFIO_CHECK_EXTENSION, VFIO_TYPE1v2_IOMMU) > 0)
		type = VFIO_TYPE1v2_IOMMU;
	else if (ioctl(e->container, VFIO_CHECK_EXTENSION, VFIO_TYPE1_IOMMU) > 0)
		type = VFIO_TYPE1_IOMMU;
	else
		return fail(e, -ENOTSUP, "no VFIO type1 IOMMU (is vfio_iommu_type1 loaded?)");
	snprintf(path, sizeof(path), "/dev/vfio/%d", e->group_id);
	e->group = open(path, O_RDWR | O_CLOEXEC);
	if (e->group < 0)
		return fail(e, -errno, "open %s: %s", path, strerror(errno));
	if (ioctl(e->group, VFIO_GROUP_GET_STATUS, &status) < 0)
		return fail(e, -errno, "VFIO_GROUP_GET_STATUS: %s", strerror(errno));
	if (!(status.flags & VFIO_GROUP_FLAGS_VIABLE))
		return fail(e, -EBUSY,
			    "IOMMU group %d is not viable: bind all its devices to vfio-pci",
			    e->group_id);
	if (ioctl(e->group, VFIO_GROUP_SET_CONTAINER, &e->container) < 0)
		return fail(e, -errno, "VFIO_GROUP_SET_CONTAINER: %s", strerror(errno));
	if (ioctl(e->container, VFIO_SET_IOMMU, type) < 0)
		return fail(e, -errno, "VFIO_SET_IOMMU: %s%s", strerror(errno),
			    errno == EPERM ? " (unsafe interrupts? vfio_iommu_type1 "
					     "allow_unsafe_interrupts=1)"
					   : "");
	err = vfio_iommu_info(e);
	if (err)
		return err;
	e->device = ioctl(e->group, VFIO_GROUP_GET_DEVICE_FD, e->bdf);
	if (e->device < 0)
		return fail(e, -errno, "VFIO_GROUP_GET_DEVICE_FD: %s", strerror(errno));
	e->owns_device = 1;
	return vfio_device_setup(e);
}

/* Config space and BAR0 through the VFIO device fd. */
static int vfio_device_setup(struct edu *e)
{
	struct vfio_region_info bar = {.argsz = sizeof(bar), .index = VFIO_PCI_BAR0_REGION_INDEX};
	struct vfio_region_info cfg = {.argsz = sizeof(cfg), .index = VFIO_PCI_CONFIG_REGION_INDEX};

	if (ioctl(e->device, VFIO_DEVICE_GET_REGION_INFO, &cfg) < 0 ||
	    ioctl(e->device, VFIO_DEVICE_GET_REGION_INFO, &bar) < 0)
		return fail(e, -errno, "VFIO_DEVICE_GET_REGION_INFO: %s", strerror(errno));
	if (!(bar.flags & VFIO_REGION_INFO_FLAG_MMAP) || bar.size < EDU_REG_DMA_CMD + 8)
		return fail(e, -ENODEV, "BAR0 cannot be mapped (flags 0x%x, size %llu)", bar.flags,
			    (unsigned long long)bar.size);
	e->cfg_off = cfg.offset;
	e->bar0_len = bar.size;
	e->bar0 =
	    mmap(NULL, bar.size, PROT_READ | PROT_WRITE, MAP_SHARED, e->device, (off_t)bar.offset);
	if (e->bar0 == MAP_FAILED) {
		e->bar0 = NULL;
		return fail(e, -errno, "mmap BAR0: %s", strerror(errno));
	}
	/* Bus addresses start above the first MiB: IOVA 0 is a bug's favourite. */
	e->iova_next = 1u << 20;
	return 0;
}

static int open_uio(struct edu *e)
{
	char path[256];
	struct stat st;
	int fd, i;

	/* uio_pci_generic registers uio<N> under the device. */
	e->uio_num = -1;
	for (i = 0; i < 256 && e->uio_num < 0; i++) {
		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/uio/uio%d", e->bdf, i);
		if (access(path, F_OK) == 0)
			e->uio_num = i;
	}
	if (e->uio_num < 0)
		return fail(e, -ENODEV, "%s has no uio device", e->bdf);
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/config", e->bdf);
	e->cfg_fd = open(path, O_RDWR | O_CLOEXEC);
	if (e->cfg_fd < 0)
		return fail(e, -errno, "open %s: %s", path, strerror(errno));
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/resource0", e->bdf);
	fd = open(path, O_RDWR | O_SYNC | O_CLOEXEC);
	if (fd < 0)
		return fail(e, -errno, "open %s: %s", path, strerror(errno));
	if (fstat(fd, &st) < 0 || st.st_size < EDU_REG_DMA_CMD + 8) {
		close(fd);
		return fail(e, -ENODEV, "%s: BAR0 too small", path);
	}
	e->bar0_len = (size_t)st.st_size;
	e->bar0 = mmap(NULL, e->bar0_len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (e->bar0 == MAP_FAILED) {
		e->bar0 = NULL;
		return fail(e, -errno, "mmap %s: %s", path, strerror(errno));
	}
	return 0;
}

static int check_identity(struct edu *e)
{
	uint32_t id = edu_read32(e, EDU_REG_ID), probe = 0x5a3c96e1u, back;

	if ((id & 0xff) != 0xed)
		return fail(e, -ENODEV, "identity register reads 0x%08x, not edu", id);
	edu_write32(e, EDU_REG_LIVENESS, probe);
	back = edu_read32(e, EDU_REG_LIVENESS);
	if (back != ~probe)
		return fail(e, -EIO, "liveness register gave 0x%08x for 0x%08x", back, probe);
	return 0;
}

static int open_any(const char *bdf, enum edu_mode mode, int device_fd, struct edu **out, char *msg,
		    size_t msglen)
{
	const char *want = mode == EDU_MODE_VFIO ? "vfio-pci" : "uio_pci_generic";
	char buf[64];
	struct edu *e;
	int err;

	e = calloc(1, sizeof(*e));
	if (!e) {
		snprintf(msg, msglen, "out of memory");
		return -ENOMEM;
	}
	e->mode = mode;
	e->container = e->group = e->device = e->cfg_fd = -1;
	snprintf(e->bdf, sizeof(e->bdf), "%s", bdf);
	if (sysfs_read(bdf, "vendor", buf, sizeof(buf)) < 0) {
		err = fail(e, -ENOENT, "no PCI device %s", bdf);
		goto out;
	}
	if (strtoul(buf, NULL, 16) != EDU_VENDOR ||
	    sysfs_read(bdf, "device", buf, sizeof(buf)) < 0 ||
	    strtoul(buf, NULL, 16) != EDU_DEVICE) {
		err = fail(e, -ENODEV, "%s is not an edu device", bdf);
		goto out;
	}
	e->numa_node = sysfs_read(bdf, "numa_node", buf, sizeof(buf)) == 0 ? atoi(buf) : -1;
	if (sysfs_link_name(bdf, "driver", buf, sizeof(buf)) < 0 || strcmp(buf, want) != 0) {
		err = fail(e, -ENODEV, "%s is not bound to %s", bdf, want);
		goto out;
	}
	if (device_fd >= 0) {
		e->device = device_fd;
		err = vfio_device_setup(e);
	} else {
		err = mode == EDU_MODE_VFIO ? open_vfio(e) : open_uio(e);
	}
	if (!err)
		err = enable_bus_master(e);
	if (!err)
		err = check_identity(e);
out:
	if (err) {
		snprintf(msg, msglen, "%s", e->err);
		edu_close(e);
		return err;
	}
	*out = e;
	return 0;
}

int edu_open(const char *bdf, enum edu_mode mode, struct edu **out, char *msg, size_t msglen)
{
	return open_any(bdf, mode, -1, out, msg, msglen);
}

int edu_open_vfio_device(const char *bdf, int device_fd, struct edu **out, char *msg, size_t msglen)
{
	return open_any(bdf, EDU_MODE_VFIO, device_fd, out, msg, msglen);
}

void edu_close(struct edu *e)
{
	if (!e)
		return;
	if (e->bar0)
		munmap((void *)e->bar0, e->bar0_len);
	if (e->device >= 0 && e->owns_device)
		close(e->device);
	if (e->group >= 0)
		close(e->group);
	if (e->container >= 0)
		close(e->container);
	if (e->cfg_fd >= 0)
		close(e->cfg_fd);
	free(e);
}

uint32_t edu_read32(struct edu *e, uint32_t off)
{
	return *(volatile uint32_t *)(e->bar0 + off);
}

void edu_write32(struct edu *e, uint32_t off, uint32_t val)
{
	*(volatile uint32_t *)(e->bar0 + off) = val;
}

void edu_write64(struct edu *e, uint32_t off, uint64_t val)
{
	*(volatile uint64_t *)(e->bar0 + off) = val;
}

/*
 * CPU stores to the buffer must reach memory before the doorbell, and reads
 * of it must not start before the engine reports idle. x86 orders an
 * uncached MMIO store after earlier write-back stores; arm64 needs the
 * barriers writel/readl carry in the kernel.
 */
static inline void before_doorbell(void)
{
#if defined(__aarch64__)
	__asm__ volatile("dsb st" ::: "memory");
#else
	__asm__ volatile("" ::: "memory");
#endif
}

static inline void after_idle(void)
{
#if defined(__aarch64__)
	__asm__ volatile("dsb ld" ::: "memory");
#else
	__asm__ volatile("" ::: "memory");
#endif
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int edu_dma(struct edu *e, uint64_t bus, uint32_t dev_off, uint32_t len, int to_ram, int timeout_ms)
{
	int64_t deadline;

	if (len == 0 || len > EDU_MAX_XFER || dev_off > EDU_MAX_XFER - len)
		return fail(e, -EINVAL,
			    "transfer of %u bytes at buffer offset %u is outside "
			    "the first %u bytes of edu's buffer",
			    len, dev_off, EDU_MAX_XFER);
	if (bus >= EDU_DMA_LIMIT || len > EDU_DMA_LIMIT - bus)
		return fail(e, -EINVAL, "bus address 0x%llx + %u is above edu's 28-bit mask",
			    (unsigned long long)bus, len);
	if (edu_read32(e, EDU_REG_DMA_CMD) & EDU_CMD_START)
		return fail(e, -EBUSY, "DMA engine busy");
	edu_write64(e, EDU_REG_DMA_SRC, to_ram ? EDU_BUF_OFF + dev_off : bus);
	edu_write64(e, EDU_REG_DMA_DST, to_ram ? bus : EDU_BUF_OFF + dev_off);
	edu_write64(e, EDU_REG_DMA_COUNT, len);
	before_doorbell();
	edu_write32(e, EDU_REG_DMA_CMD, EDU_CMD_START | (to_ram ? EDU_CMD_TO_RAM : 0));
	deadline = now_ms() + timeout_ms;
	while (edu_read32(e, EDU_REG_DMA_CMD) & EDU_CMD_START) {
		if (now_ms() > deadline)
			return fail(e, -ETIMEDOUT, "DMA did not complete within %d ms", timeout_ms);
		usleep(500);
	}
	after_idle();
	return 0;
}
