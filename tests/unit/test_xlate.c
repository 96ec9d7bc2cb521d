/* SPDX-License-Identifier: MIT */
/*
 * Translators and memory registration: the region table's refcounts and
 * errors, the pagemap translator against pagemap and kpageflags files the
 * test writes (so physical addresses, PFN 0, absent and unpinned pages are
 * exact), the real /proc/self/pagemap where the process may read it, VFIO's
 * refusals without a container, and the map path on a translating device:
 * direct, bounced, or refused with bouncing off.
 */
#include <dmabatch/xlate.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/mman.h>
#include <unistd.h>

#include "helpers.h"

#define PG	  4096u
#define NPAGES	  4
#define PRESENT	  (UINT64_C(1) << 63)
#define KPF_HUGE  (UINT64_C(1) << 17)
#define PFN_LOW	  0x1000u  /* pages 0-1: 16 MiB physical, contiguous */
#define PFN_HIGH  0x20000u /* pages 2-3: 512 MiB, contiguous with each other only */
#define PFN_SMALL 0x3000u  /* a page that is not hugetlb */

struct fake {
	uint8_t *buf; /* NPAGES pages */
	char pm[64], kpf[64];
	struct dmab_xlate_config x;
};

static void put64(int fd, uint64_t off, uint64_t v)
{
	assert_int_equal(pwrite(fd, &v, sizeof(v), (off_t)off), (ssize_t)sizeof(v));
}

/* A pagemap for buf's pages with these entries, and page flags: every PFN
 * used is hugetlb except PFN_SMALL. */
static void fake_files(struct fake *f, const uint64_t ent[NPAGES])
{
	strcpy(f->pm, "/tmp/dmab_pm_XXXXXX");
	strcpy(f->kpf, "/tmp/dmab_kpf_XXXXXX");
	int pm = mkstemp(f->pm), kpf = mkstemp(f->kpf);

	assert_true(pm >= 0 && kpf >= 0);
	for (unsigned i = 0; i < NPAGES; i++)
		put64(pm, ((uintptr_t)f->buf / PG + i) * 8, ent[i]);
	for (uint64_t pfn = PFN_LOW; pfn < PFN_LOW + 2; pfn++)
		put64(kpf, pfn * 8, KPF_HUGE);
	for (uint64_t pfn = PFN_HIGH; pfn < PFN_HIGH + 2; pfn++)
		put64(kpf, pfn * 8, KPF_HUGE);
	put64(kpf, PFN_SMALL * 8, 0);
	close(pm);
	close(kpf);
	f->x = (struct dmab_xlate_config){
	    .kind = DMAB_XLATE_PAGEMAP, .pagemap_path = f->pm, .kpageflags_path = f->kpf};
}

static const uint64_t good[NPAGES] = {PRESENT | PFN_LOW, PRESENT | (PFN_LOW + 1),
				      PRESENT | PFN_HIGH, PRESENT | (PFN_HIGH + 1)};

static void fake_init(struct fake *f, const uint64_t ent[NPAGES])
{
	f->buf = page_buf(NPAGES * PG);
	fake_files(f, ent);
}

static void fake_fini(struct fake *f)
{
	unlink(f->pm);
	unlink(f->kpf);
	free(f->buf);
}

static struct dmab_device *xdev(const struct dmab_xlate_config *x, unsigned bits, unsigned bounce)
{
	struct dmab_device_config cfg = {.size = sizeof(cfg),
					 .name = "x",
					 .coherent = true,
					 .numa_node = -1,
					 .dma_bits = bits,
					 .bounce = bounce,
					 .pool_size = (size_t)2 << 20,
					 .xlate = x};
	struct dmab_device *dev = NULL;

	assert_int_equal(dmab_device_create(&cfg, &dev), 0);
	return dev;
}

static bool said(const char *what)
{
	return strstr(dmab_last_error(), what) != NULL;
}

/* The table itself, on an identity device: refcounts, overlaps, parts. */
static void test_register_table(void **state)
{
	(void)state;
	struct dmab_device *dev = trace_dev(false, DMAB_SYNC_BATCHED, 64);
	uint8_t *b = page_buf(4 * PG);

	assert_int_equal(dmab_mem_register(NULL, b, PG), -EINVAL);
	assert_int_equal(dmab_mem_register(dev, NULL, PG), -EINVAL);
	assert_int_equal(dmab_mem_register(dev, b, 0), -EINVAL);
	assert_int_equal(dmab_mem_register(dev, (void *)UINTPTR_MAX, 2), -EINVAL);

	assert_int_equal(dmab_mem_register(dev, b + PG, PG), 0);
	assert_int_equal(dmab_mem_register(dev, b + PG, PG), 0); /* a second reference */
	assert_int_equal(dmab_mem_register(dev, b, PG + 1), -EEXIST);
	assert_true(said("overlaps"));
	assert_int_equal(dmab_mem_register(dev, b + 2 * PG - 1, 2), -EEXIST);
	assert_int_equal(dmab_mem_register(dev, b, PG), 0); /* neighbours do not overlap */
	assert_int_equal(dmab_mem_register(dev, b + 2 * PG, PG), 0);

	assert_int_equal(dmab_mem_unregister(dev, b + PG, PG / 2), -EINVAL);
	assert_true(said("not a whole region"));
	assert_int_equal(dmab_mem_unregister(dev, b + 3 * PG, PG), -EINVAL);
	assert_true(said("not registered"));
	assert_int_equal(dmab_mem_unregister(dev, b + PG, PG), 0);
	assert_int_equal(dmab_mem_unregister(dev, b + PG, PG), 0);
	assert_int_equal(dmab_mem_unregister(dev, b + PG, PG), -EINVAL);
	assert_int_equal(dmab_mem_unregister(dev, b, PG), 0);
	/* left registered: destroy undoes it */
	destroy(dev);
	free(b);
}

/* Physical addresses come from pagemap, one segment per contiguous run. */
static void test_pagemap_direct(void **state)
{
	(void)state;
	struct fake f;

	fake_init(&f, good);
	struct dmab_device *dev = xdev(&f.x, 0, DMAB_BOUNCE_NEVER);
	dmab_addr_t bus;

	assert_int_equal(dmab_mem_register(dev, f.buf, NPAGES * PG), 0);
	assert_int_equal(dmab_map_single(dev, f.buf + 100, PG, DMAB_TO_DEVICE, 0, &bus), 0);
	assert_int_equal(bus, (uint64_t)PFN_LOW * PG + 100);
	assert_int_equal(dmab_mem_unregister(dev, f.buf, NPAGES * PG), -EBUSY);
	assert_true(said("live mappings"));
	/* sync finds the CPU side of a translated address, and only inside it */
	assert_int_equal(dmab_sync_single_for_cpu(dev, bus + 8, 64, DMAB_TO_DEVICE), 0);
	assert_int_equal(dmab_sync_single_for_device(dev, bus, PG, DMAB_TO_DEVICE), 0);
	assert_int_equal(dmab_sync_single_for_device(dev, bus + PG, 2 * PG, DMAB_TO_DEVICE),
			 -EINVAL);
	assert_int_equal(dmab_unmap_single(dev, bus, PG, DMAB_TO_DEVICE, 0), 0);

	/* pages 1 and 2 are not adjacent: one buffer cannot cross them */
	assert_int_equal(dmab_map_single(dev, f.buf + 2 * PG - 8, 16, DMAB_TO_DEVICE, 0, &bus),
			 -EXDEV);
	assert_true(said("not physically contiguous"));

	struct dmab_sg sg[2] = {{.addr = f.buf + 2 * PG - 8, .len = 8},
				{.addr = f.buf + 2 * PG + 5, .len = PG}};

	assert_int_equal(dmab_map_sg(dev, sg, 2, DMAB_FROM_DEVICE, 0), 2);
	assert_int_equal(sg[0].dma_addr, (uint64_t)(PFN_LOW + 1) * PG + PG - 8);
	assert_int_equal(sg[1].dma_addr, (uint64_t)PFN_HIGH * PG + 5);
	assert_int_equal(sg[1].dma_len, PG);
	assert_int_equal(dmab_unmap_sg(dev, sg, 2, DMAB_FROM_DEVICE, 0), 0);
	/* an address the table never gave out */
	assert_int_equal(dmab_unmap_single(dev, 0x1234000, 8, DMAB_TO_DEVICE, 0), -EINVAL);

	/* not registered, bouncing off */
	uint8_t *other = page_buf(PG);

	assert_int_equal(dmab_map_single(dev, other, 64, DMAB_TO_DEVICE, 0, &bus), -EFAULT);
	assert_true(said("no registered region"));
	assert_int_equal(dmab_mem_unregister(dev, f.buf, NPAGES * PG), 0);
	assert_int_equal(dmab_map_single(dev, f.buf, 64, DMAB_TO_DEVICE, 0, &bus), -EFAULT);
	struct dmab_stats st;

	assert_int_equal(dmab_device_stats(dev, &st), 0);
	assert_int_equal(st.live_mappings, 0);
	destroy(dev);
	free(other);
	fake_fini(&f);
}

/* A registered buffer above the mask, with bouncing off: -ERANGE. */
static void test_pagemap_above_mask(void **state)
{
	(void)state;
	struct fake f;

	fake_init(&f, good);
	struct dmab_device *dev = xdev(&f.x, 28, DMAB_BOUNCE_NEVER);
	dmab_addr_t bus;

	assert_int_equal(dmab_mem_register(dev, f.buf, NPAGES * PG), 0);
	assert_int_equal(dmab_map_single(dev, f.buf + 10, 100, DMAB_TO_DEVICE, 0, &bus), 0);
	assert_true(bus < (1u << 28));
	assert_int_equal(dmab_unmap_single(dev, bus, 100, DMAB_TO_DEVICE, 0), 0);
	assert_int_equal(dmab_map_single(dev, f.buf + 2 * PG, 100, DMAB_TO_DEVICE, 0, &bus),
			 -ERANGE);
	assert_true(said("beyond the DMA mask"));
	destroy(dev);
	fake_fini(&f);
}

/* Each bad page gives its own error; nothing stays registered. */
static void test_pagemap_bad_pages(void **state)
{
	(void)state;
	static const struct {
		uint64_t ent;
		int err;
		const char *said;
	} bad[] = {
	    {PRESENT | 0, -EPERM, "CAP_SYS_ADMIN"},
	    {PFN_LOW + 1, -EFAULT, "not present"},
	    {PRESENT | PFN_SMALL, -EOPNOTSUPP, "not a hugetlb page"},
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct fake f;
		uint64_t ent[NPAGES] = {good[0], bad[i].ent, good[2], good[3]};

		fake_init(&f, ent);
		struct dmab_device *dev = xdev(&f.x, 0, DMAB_BOUNCE_NEVER);

		assert_int_equal(dmab_mem_register(dev, f.buf, NPAGES * PG), bad[i].err);
		assert_true(said(bad[i].said));
		/* the good page alone registers */
		assert_int_equal(dmab_mem_register(dev, f.buf, PG), 0);
		assert_int_equal(dmab_mem_unregister(dev, f.buf, PG), 0);
		destroy(dev);
		if (bad[i].err == -EOPNOTSUPP) {
			/* memory pinned otherwise is the caller's word */
			f.x.allow_unpinned = true;
			dev = xdev(&f.x, 0, DMAB_BOUNCE_NEVER);
			assert_int_equal(dmab_mem_register(dev, f.buf, NPAGES * PG), 0);
			destroy(dev);
		}
		fake_fini(&f);
	}

	/* a pagemap that cannot be opened, and a short one */
	struct dmab_xlate_config x = {.kind = DMAB_XLATE_NOIOMMU,
				      .pagemap_path = "/nonexistent/pagemap"};
	struct dmab_device_config cfg = {.size = sizeof(cfg), .coherent = true, .xlate = &x};
	struct dmab_device *dev = NULL;

	assert_int_equal(dmab_device_create(&cfg, &dev), -ENOENT);
	assert_true(said("/nonexistent/pagemap"));
	x.pagemap_path = "/dev/null";
	x.allow_unpinned = true;
	assert_int_equal(dmab_device_create(&cfg, &dev), 0);
	uint8_t *b = page_buf(PG);

	assert_int_equal(dmab_mem_register(dev, b, PG), -EIO);
	destroy(dev);
	free(b);
}

static bool hugepages_reserved(void)
{
	char buf[32] = "";
	int fd = open("/proc/sys/vm/nr_hugepages", O_RDONLY);

	if (fd >= 0) {
		ssize_t n = read(fd, buf, sizeof(buf) - 1);

		buf[n > 0 ? n : 0] = '\0';
		close(fd);
	}
	return atoi(buf) > 0;
}

/*
 * Does MADV_POPULATE_WRITE fault pages in here, as the library's pools
 * expect? qemu-user accepts the advice and does nothing, so pagemap shows
 * the pool's pages absent there (a real kernel either populates or refuses,
 * and the library touches the pages itself on a refusal).
 */
static bool populate_works(void)
{
	uint8_t *p = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uint64_t ent = 0;

	assert_true(p != MAP_FAILED);
	bool works = madvise(p, PG, 23 /* MADV_POPULATE_WRITE */) != 0;

	if (!works) {
		int fd = open("/proc/self/pagemap", O_RDONLY);

		works = fd >= 0 && pread(fd, &ent, 8, (off_t)((uintptr_t)p / PG * 8)) == 8 &&
			(ent & PRESENT);
		if (fd >= 0)
			close(fd);
	}
	munmap(p, PG);
	return works;
}

/*
 * The real pagemap: without CAP_SYS_ADMIN every PFN reads 0 (-EPERM); with
 * it, an unregistered buffer bounces through a pool the library registered
 * (pinned: hugepages), or the pool is refused for want of hugepages.
 */
static void test_pagemap_real(void **state)
{
	(void)state;
	struct dmab_xlate_config x = {.kind = DMAB_XLATE_PAGEMAP, .allow_unpinned = true};
	struct dmab_device *dev = xdev(&x, 0, 0);
	uint8_t *b = page_buf(PG);
	dmab_addr_t bus;

	memset(b, 1, PG);
	int err = dmab_mem_register(dev, b, PG);

	if (geteuid() != 0) {
		assert_int_equal(err, -EPERM);
		assert_true(said("CAP_SYS_ADMIN"));
		destroy(dev);
		free(b);
		return;
	}
	assert_int_equal(err, 0);
	assert_int_equal(dmab_map_single(dev, b, 64, DMAB_TO_DEVICE, 0, &bus), 0);
	assert_true(bus != (uintptr_t)b);
	assert_int_equal(dmab_unmap_single(dev, bus, 64, DMAB_TO_DEVICE, 0), 0);
	assert_int_equal(dmab_mem_unregister(dev, b, PG), 0);
	destroy(dev);

	/*
	 * Unregistered: bounced through a pool the library registered. Pinned
	 * memory required: the pool needs hugepages. Any memory allowed: it
	 * needs physically contiguous memory, which transparent hugepages may
	 * or may not have given it.
	 */
	for (int pinned = 0; pinned < 2; pinned++) {
		x.allow_unpinned = !pinned;
		dev = xdev(&x, 0, 0);
		err = dmab_map_single(dev, b, 64, DMAB_TO_DEVICE, 0, &bus);
		if (err == 0) {
			struct dmab_stats st;

			assert_true(hugepages_reserved() || !pinned);
			assert_int_equal(dmab_device_stats(dev, &st), 0);
			assert_int_equal(st.bounce_mappings, 1);
			assert_int_equal(dmab_unmap_single(dev, bus, 64, DMAB_TO_DEVICE, 0), 0);
		} else if (err == -EFAULT && !populate_works()) {
			/* the pool's pages were never faulted in: an emulator */
			assert_true(said("not present"));
		} else {
			assert_int_equal(err, pinned ? -EOPNOTSUPP : -EXDEV);
			assert_true(said("nr_hugepages"));
		}
		destroy(dev);
	}
	free(b);
}

static void test_vfio_refusals(void **state)
{
	(void)state;
	struct dmab_xlate_config x = {.kind = DMAB_XLATE_VFIO};
	struct dmab_device_config cfg = {.size = sizeof(cfg), .coherent = true, .xlate = &x};
	struct dmab_device *dev = NULL;

	assert_int_equal(dmab_device_create(&cfg, &dev), -EINVAL);
	assert_true(said("vfio_container_fd"));
	/* not a VFIO container */
	x.vfio_container_fd = open("/dev/null", O_RDONLY);
	assert_true(x.vfio_container_fd > 0);
	int err = dmab_device_create(&cfg, &dev);

	/* qemu-user answers an ioctl it does not know with ENOSYS */
	assert_true(err == -ENOTTY || err == -ENOSYS);
	assert_true(said("VFIO_IOMMU_GET_INFO"));
	close(x.vfio_container_fd);

	/* from a PCI address, against a sysfs the test makes */
	char root[] = "/tmp/dmab_sysfs_XXXXXX", path[256], cmd[600];

	assert_non_null(mkdtemp(root));
	x.vfio_container_fd = 0;
	x.vfio_pci_address = "0000:00:03.0";
	x.sysfs_root = root;
	x.vfio_dev_dir = root; /* holds no "vfio" node */
	assert_int_equal(dmab_device_create(&cfg, &dev), -ENOENT);
	assert_true(said("no PCI device 0000:00:03.0"));
	snprintf(path, sizeof(path), "%s/bus/pci/devices/0000:00:03.0", root);
	snprintf(cmd, sizeof(cmd), "mkdir -p %s && echo 0x1234 > %s/vendor", path, path);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(dmab_device_create(&cfg, &dev), -ENODEV);
	assert_true(said("has no IOMMU group"));
	snprintf(cmd, sizeof(cmd), "ln -s ../../../kernel/iommu_groups/7 %s/iommu_group", path);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(dmab_device_create(&cfg, &dev), -ENOENT);
	assert_true(said("/vfio"));
	snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
	assert_int_equal(system(cmd), 0);

	/* no VFIO device fd on a device that did not open one */
	dev = trace_dev(false, DMAB_SYNC_BATCHED, 64);
	assert_int_equal(dmab_vfio_device_fd(dev), -EINVAL);
	assert_int_equal(dmab_vfio_device_fd(NULL), -EINVAL);
	destroy(dev);
	x.kind = (enum dmab_xlate_kind)99;
	assert_int_equal(dmab_device_create(&cfg, &dev), -EINVAL);
	assert_true(said("unknown translator"));
}

/* Pages 0..3 at PFNs LOW, HIGH, LOW+1, HIGH+1: no two neighbours adjacent. */
static const uint64_t scattered[NPAGES] = {PRESENT | PFN_LOW, PRESENT | PFN_HIGH,
					   PRESENT | (PFN_LOW + 1), PRESENT | (PFN_HIGH + 1)};

static uint64_t live(struct dmab_device *dev)
{
	struct dmab_stats st;

	assert_int_equal(dmab_device_stats(dev, &st), 0);
	return st.live_mappings;
}

/* An entry across physically discontiguous pages: one DMA segment per
 * part, written in list order, taken back with the list as given. */
static void test_split(void **state)
{
	(void)state;
	struct fake f;

	fake_init(&f, scattered);
	struct dmab_device *dev = xdev(&f.x, 0, DMAB_BOUNCE_NEVER);
	struct dmab_sg sg[5] = {{.addr = f.buf + 100, .len = 3 * PG - 200},
				{.addr = f.buf + 3 * PG + 200, .len = 64},
				{.dma_addr = 7, .dma_len = 7},
				{.dma_addr = 7, .dma_len = 7},
				{.dma_addr = 7, .dma_len = 7}};

	assert_int_equal(dmab_mem_register(dev, f.buf, NPAGES * PG), 0);
	/* the plain call still refuses it, and names the splitting one */
	assert_int_equal(dmab_map_sg(dev, sg, 2, DMAB_FROM_DEVICE, 0), -EXDEV);
	assert_true(said("dmab_map_sg_split"));

	assert_int_equal(dmab_map_sg_split(dev, sg, 2, 1, DMAB_FROM_DEVICE, 0), -EINVAL);
	assert_true(said("room must be at least nents"));
	assert_int_equal(dmab_map_sg_split(dev, sg, 2, 3, DMAB_FROM_DEVICE, 0), -ENOSPC);
	assert_true(said("need 4 DMA segments, and room is 3"));
	assert_int_equal(sg[0].dma_addr, 0);
	assert_int_equal(sg[2].dma_addr, 7);
	assert_int_equal(live(dev), 0);

	assert_int_equal(dmab_map_sg_split(dev, sg, 2, 5, DMAB_FROM_DEVICE, 0), 4);
	const struct {
		uint64_t bus;
		size_t len;
	} want[4] = {{(uint64_t)PFN_LOW * PG + 100, PG - 100},
		     {(uint64_t)PFN_HIGH * PG, PG},
		     {(uint64_t)(PFN_LOW + 1) * PG, PG - 100},
		     {(uint64_t)(PFN_HIGH + 1) * PG + 200, 64}};

	for (int j = 0; j < 4; j++) {
		assert_int_equal(sg[j].dma_addr, want[j].bus);
		assert_int_equal(sg[j].dma_len, want[j].len);
	}
	/* room past the segments, and the entries' own fields, untouched */
	assert_int_equal(sg[4].dma_addr, 7);
	assert_ptr_equal(sg[1].addr, f.buf + 3 * PG + 200);
	assert_int_equal(sg[1].len, 64);
	assert_int_equal(live(dev), 4);
	assert_int_equal(dmab_mem_unregister(dev, f.buf, NPAGES * PG), -EBUSY);
	assert_int_equal(dmab_sync_sg_for_cpu(dev, sg, 2, DMAB_FROM_DEVICE), 0);
	assert_int_equal(dmab_sync_sg_for_device(dev, sg, 2, DMAB_FROM_DEVICE), 0);

	/* a list that is not as mapped is refused, and nothing moves */
	sg[0].dma_len = 64;
	assert_int_equal(dmab_unmap_sg(dev, sg, 2, DMAB_FROM_DEVICE, 0), -EINVAL);
	assert_true(said("not the list as mapped"));
	sg[0].dma_len = PG - 100;
	sg[1].dma_addr += PG;
	assert_int_equal(dmab_sync_sg_for_cpu(dev, sg, 2, DMAB_FROM_DEVICE), -EINVAL);
	sg[1].dma_addr -= PG;
	assert_int_equal(live(dev), 4);
	assert_int_equal(dmab_unmap_sg(dev, sg, 2, DMAB_FROM_DEVICE, 0), 0);
	assert_int_equal(live(dev), 0);

	/* a contiguous list is dmab_map_sg()'s, room or not */
	struct dmab_sg one[2] = {{.addr = f.buf + 8, .len = 64}, {.addr = f.buf + PG, .len = 64}};

	assert_int_equal(dmab_map_sg_split(dev, one, 2, 2, DMAB_TO_DEVICE, 0), 2);
	assert_int_equal(one[1].dma_addr, (uint64_t)PFN_HIGH * PG);
	assert_int_equal(dmab_unmap_sg(dev, one, 2, DMAB_TO_DEVICE, 0), 0);
	/* unregistered memory is not split: refused as dmab_map_sg() refuses it */
	uint8_t *other = page_buf(2 * PG);

	one[0] = (struct dmab_sg){.addr = other, .len = 2 * PG};
	assert_int_equal(dmab_map_sg_split(dev, one, 1, 2, DMAB_TO_DEVICE, 0), -EFAULT);
	assert_int_equal(dmab_mem_unregister(dev, f.buf, NPAGES * PG), 0);
	destroy(dev);

	/* a part beyond the mask, bouncing off: -ERANGE, nothing stays mapped */
	dev = xdev(&f.x, 28, DMAB_BOUNCE_NEVER);
	assert_int_equal(dmab_mem_register(dev, f.buf, NPAGES * PG), 0);
	sg[0] = (struct dmab_sg){.addr = f.buf + 100, .len = PG};
	assert_int_equal(dmab_map_sg_split(dev, sg, 1, 5, DMAB_TO_DEVICE, 0), -ERANGE);
	assert_true(said("beyond the DMA mask"));
	assert_int_equal(live(dev), 0);
	destroy(dev);

	/* on an identity device it is dmab_map_sg() */
	dev = trace_dev(false, DMAB_SYNC_BATCHED, 64);
	one[0] = (struct dmab_sg){.addr = other, .len = 2 * PG};
	assert_int_equal(dmab_map_sg_split(dev, one, 1, 2, DMAB_TO_DEVICE, 0), 1);
	assert_int_equal(one[0].dma_len, 2 * PG);
	assert_int_equal(dmab_unmap_sg(dev, one, 1, DMAB_TO_DEVICE, 0), 0);
	assert_int_equal(dmab_map_sg_split(NULL, one, 1, 2, DMAB_TO_DEVICE, 0), -EINVAL);
	destroy(dev);
	free(other);
	fake_fini(&f);
}

/* The checker sees a split list as its segments, and still matches the
 * unmap and syncs of the list as given. */
static void test_split_checked(void **state)
{
	(void)state;
	struct fake f;

	fake_init(&f, scattered);
	struct dmab_device_config cfg = {.size = sizeof(cfg),
					 .name = "x",
					 .coherent = true,
					 .numa_node = -1,
					 .bounce = DMAB_BOUNCE_NEVER,
					 .debug = DMAB_DEBUG_CHECK,
					 .xlate = &f.x};
	struct dmab_device *dev = NULL;
	struct dmab_sg sg[4] = {{.addr = f.buf + 64, .len = 2 * PG},
				{.addr = f.buf + 3 * PG, .len = 128}};

	assert_int_equal(dmab_device_create(&cfg, &dev), 0);
	assert_int_equal(dmab_mem_register(dev, f.buf, NPAGES * PG), 0);
	assert_int_equal(dmab_map_sg_split(dev, sg, 2, 4, DMAB_BIDIRECTIONAL, 0), 4);
	assert_int_equal(dmab_sync_sg_for_cpu(dev, sg, 2, DMAB_BIDIRECTIONAL), 0);
	/* the first entry alone is a list of another length */
	assert_int_equal(dmab_unmap_sg(dev, sg, 1, DMAB_BIDIRECTIONAL, 0), -EBADSLT);
	assert_int_equal(dmab_unmap_sg(dev, sg, 2, DMAB_TO_DEVICE, 0), -EBADRQC);
	assert_int_equal(dmab_unmap_sg(dev, sg, 2, DMAB_BIDIRECTIONAL, 0), 0);
	assert_int_equal(dmab_unmap_sg(dev, sg, 2, DMAB_BIDIRECTIONAL, 0), -EALREADY);
	assert_int_equal(live(dev), 0);
	destroy(dev);
	fake_fini(&f);
}

/* A translator and the emulated IOMMU both make bus addresses: refused
 * before anything is made (the pagemap named is never opened). */
static void test_xlate_with_iommu(void **state)
{
	(void)state;
	struct dmab_xlate_config x = {.kind = DMAB_XLATE_PAGEMAP,
				      .pagemap_path = "/nonexistent/pagemap"};
	struct dmab_device_config cfg = {
	    .size = sizeof(cfg), .coherent = true, .iommu = DMAB_IOMMU_COHERENT, .xlate = &x};
	struct dmab_device *dev = NULL;

	assert_int_equal(dmab_device_create(&cfg, &dev), -EINVAL);
	assert_null(dev);
	assert_true(said("both make bus addresses"));
	assert_true(said("pagemap"));
	x.kind = DMAB_XLATE_VFIO;
	assert_int_equal(dmab_device_create(&cfg, &dev), -EINVAL);
	assert_true(said("a vfio translator"));
	/* identity with the IOMMU is the IOMMU alone */
	x.kind = DMAB_XLATE_IDENTITY;
	assert_int_equal(dmab_device_create(&cfg, &dev), 0);
	destroy(dev);
}

/* Maps and unmaps in one thread while another registers and unregisters
 * other regions: the lookups see whole snapshots. */
struct race {
	struct dmab_device *dev;
	uint8_t *buf;
	_Atomic int stop;
};

static void *churn(void *arg)
{
	struct race *r = arg;

	for (int i = 0; i < 200; i++) {
		uint8_t *p = r->buf + PG * (1 + i % 3);

		assert_int_equal(dmab_mem_register(r->dev, p, PG), 0);
		assert_int_equal(dmab_mem_unregister(r->dev, p, PG), 0);
	}
	atomic_store(&r->stop, 1);
	return NULL;
}

static void test_lookup_race(void **state)
{
	(void)state;
	struct fake f;

	fake_init(&f, good);
	f.x.allow_unpinned = true;
	struct race r = {.dev = xdev(&f.x, 0, DMAB_BOUNCE_NEVER), .buf = f.buf};
	pthread_t t;

	assert_int_equal(dmab_mem_register(r.dev, f.buf, 64), 0);
	assert_int_equal(pthread_create(&t, NULL, churn, &r), 0);
	while (!atomic_load(&r.stop)) {
		dmab_addr_t bus;

		assert_int_equal(dmab_map_single(r.dev, f.buf + 8, 32, DMAB_TO_DEVICE, 0, &bus), 0);
		assert_int_equal(bus, (uint64_t)PFN_LOW * PG + 8);
		assert_int_equal(dmab_unmap_single(r.dev, bus, 32, DMAB_TO_DEVICE, 0), 0);
	}
	pthread_join(t, NULL);
	destroy(r.dev);
	fake_fini(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_register_table),
	    cmocka_unit_test(test_pagemap_direct),
	    cmocka_unit_test(test_pagemap_above_mask),
	    cmocka_unit_test(test_pagemap_bad_pages),
	    cmocka_unit_test(test_pagemap_real),
	    cmocka_unit_test(test_vfio_refusals),
	    cmocka_unit_test(test_lookup_race),
	    cmocka_unit_test(test_xlate_with_iommu),
	    cmocka_unit_test(test_split),
	    cmocka_unit_test(test_split_checked),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
