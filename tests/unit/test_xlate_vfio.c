/* SPDX-License-Identifier: MIT */
/*
 * The VFIO type1 translator against a fake container: this program defines
 * ioctl() itself (the static library's calls bind to it), answers the VFIO
 * ioctls on one fd it owns as a kernel would (GET_INFO's two-call chain
 * with the IOVA ranges and DMA_AVAIL, MAP_DMA and UNMAP_DMA counting
 * against the limit), and passes every other ioctl to the kernel.
 */
#include <dmabatch/xlate.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/vfio.h>
#include <stdarg.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "helpers.h"

#define PG	  4096u
#define IOVA_END  0xfedfffffu /* the range the fake reports: [0, IOVA_END] */
#define CHAIN_LEN (sizeof(struct vfio_iommu_type1_info) + 8 + 16 + 16 + 16)

static struct {
	int fd;
	bool has_avail, bad_chain;
	uint32_t avail;
	unsigned maps, unmaps, infos;
} fake = {.fd = -1};

static void put_chain(unsigned char *base)
{
	struct vfio_iommu_type1_info *info = (void *)base;
	size_t at = (sizeof(*info) + 7) & ~(size_t)7, next = at + 16 + 16;

	/* cut short: only the header fits */
	if (fake.bad_chain)
		next = CHAIN_LEN - sizeof(struct vfio_info_cap_header);
	struct vfio_iommu_type1_info_cap_iova_range rc = {
	    .header = {.id = VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE,
		       .version = 1,
		       .next = fake.has_avail ? (uint32_t)next : 0},
	    .nr_iovas = 1};
	struct vfio_iova_range one = {.start = 0, .end = IOVA_END};
	struct vfio_iommu_type1_info_dma_avail da = {
	    .header = {.id = VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL, .version = 1, .next = 0},
	    .avail = fake.avail};

	info->cap_offset = (uint32_t)at;
	memcpy(base + at, &rc, sizeof(rc));
	memcpy(base + at + sizeof(rc), &one, sizeof(one));
	if (fake.has_avail)
		memcpy(base + next, &da, fake.bad_chain ? sizeof(da.header) : sizeof(da));
}

static int fake_ioctl(unsigned long req, void *arg)
{
	switch (req) {
	case VFIO_IOMMU_GET_INFO: {
		struct vfio_iommu_type1_info *info = arg;
		uint32_t room = info->argsz;

		fake.infos++;
		info->flags = VFIO_IOMMU_INFO_PGSIZES | VFIO_IOMMU_INFO_CAPS;
		info->iova_pgsizes = 0x40201000;
		info->argsz = CHAIN_LEN;
		info->cap_offset = 0;
		if (room >= CHAIN_LEN)
			put_chain(arg);
		return 0;
	}
	case VFIO_IOMMU_MAP_DMA:
		if (fake.has_avail && !fake.avail) {
			errno = ENOSPC;
			return -1;
		}
		fake.avail -= fake.has_avail;
		fake.maps++;
		return 0;
	case VFIO_IOMMU_UNMAP_DMA:
		fake.avail += fake.has_avail;
		fake.unmaps++;
		return 0;
	default:
		errno = ENOTTY;
		return -1;
	}
}

int ioctl(int fd, unsigned long req, ...)
{
	va_list ap;

	va_start(ap, req);
	void *arg = va_arg(ap, void *);

	va_end(ap);
	if (fake.fd >= 0 && fd == fake.fd)
		return fake_ioctl(req, arg);
	return (int)syscall(SYS_ioctl, fd, req, arg);
}

static bool said(const char *what)
{
	return strstr(dmab_last_error(), what) != NULL;
}

static int make(struct dmab_device **dev)
{
	struct dmab_xlate_config x = {.kind = DMAB_XLATE_VFIO, .vfio_container_fd = fake.fd};
	struct dmab_device_config cfg = {.size = sizeof(cfg),
					 .name = "v",
					 .coherent = true,
					 .numa_node = -1,
					 .dma_bits = 28,
					 .bounce = DMAB_BOUNCE_NEVER,
					 .xlate = &x};

	return dmab_device_create(&cfg, dev);
}

static void fake_open(bool has_avail, uint32_t avail)
{
	fake.fd = open("/dev/null", O_RDONLY);
	assert_true(fake.fd > 0);
	fake.has_avail = has_avail;
	fake.bad_chain = false;
	fake.avail = avail;
	fake.maps = fake.unmaps = fake.infos = 0;
}

static void fake_close(void)
{
	close(fake.fd);
	fake.fd = -1;
}

/* Registration asks DMA_AVAIL each time and refuses at 0, mapping nothing. */
static void test_dma_avail(void **state)
{
	(void)state;
	struct dmab_device *dev = NULL;
	uint8_t *b = page_buf(3 * PG);
	dmab_addr_t bus;

	fake_open(true, 2);
	assert_int_equal(make(&dev), 0);
	assert_int_equal(dmab_mem_register(dev, b, PG), 0);
	assert_int_equal(dmab_mem_register(dev, b + PG, PG), 0);
	assert_int_equal(fake.avail, 0);
	unsigned infos = fake.infos;

	assert_int_equal(dmab_mem_register(dev, b + 2 * PG, PG), -ENOSPC);
	assert_true(said("DMA_AVAIL is 0"));
	assert_true(said("dma_entry_limit"));
	assert_true(fake.infos > infos); /* asked again, not remembered */
	assert_int_equal(fake.maps, 2);
	assert_int_equal(dmab_map_single(dev, b + 2 * PG, 64, DMAB_TO_DEVICE, 0, &bus), -EFAULT);

	/* the registered ones map to IOVAs under the mask */
	assert_int_equal(dmab_map_single(dev, b + PG + 8, 64, DMAB_TO_DEVICE, 0, &bus), 0);
	assert_true(bus < (1u << 28) && bus != (uintptr_t)(b + PG + 8));
	assert_int_equal(bus % PG, 8);
	assert_int_equal(dmab_unmap_single(dev, bus, 64, DMAB_TO_DEVICE, 0), 0);

	/* one given back makes room again */
	assert_int_equal(dmab_mem_unregister(dev, b, PG), 0);
	assert_int_equal(fake.unmaps, 1);
	assert_int_equal(dmab_mem_register(dev, b + 2 * PG, PG), 0);
	destroy(dev);
	assert_int_equal(fake.unmaps, 3);
	assert_int_equal(fake.avail, 2);
	fake_close();

	/* a kernel before 5.10 reports no DMA_AVAIL: nothing refused early */
	fake_open(false, 0);
	assert_int_equal(make(&dev), 0);
	for (int i = 0; i < 3; i++)
		assert_int_equal(dmab_mem_register(dev, b + i * PG, PG), 0);
	assert_int_equal(fake.maps, 3);
	destroy(dev);
	fake_close();
	free(b);
}

/* A chain whose DMA_AVAIL runs past the end: refused at create. */
static void test_bad_chain(void **state)
{
	(void)state;
	struct dmab_device *dev = NULL;

	fake_open(true, 5);
	fake.bad_chain = true;
	assert_int_equal(make(&dev), -EPROTO);
	assert_true(said("malformed"));
	assert_int_equal(fake.maps, 0);
	fake_close();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_dma_avail),
	    cmocka_unit_test(test_bad_chain),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
