/* SPDX-License-Identifier: MIT */
/*
 * edu_dmab: a user-space driver for QEMU's edu device on libdmabatch. The
 * device is opened by edu.c (VFIO type1 or uio_pci_generic); every bus
 * address comes from libdmabatch's map calls: VFIO IOVAs (translator "vfio"
 * on the driver's container) or physical addresses (translator "pagemap").
 *
 *   edu_dmab vfio|uio <pci address>...
 *
 * For each device, each sync mode (batched, per-entry) and each path
 * (direct: buffers in a registered region; bounced: unregistered buffers,
 * which the library bounces through its pool), one case per direction:
 * an sg list of two entries at unaligned addresses is mapped (with
 * dmab_map_sg_split: on UIO the direct second entry lies across two
 * physically discontiguous hugepages and becomes two DMA segments), the DMA
 * engine moves each segment, the list is unmapped, and the data is checked
 * (through the staging buffer, a dmab_alloc_noncoherent() allocation synced
 * around each transfer, where the device holds it). One line each:
 *
 *   vm <arch> <vfio|uio> <pci> <direction> <batched|per-entry> <direct|bounced>: ok, N bytes
 * verified vm <arch> <vfio|uio> <pci> <direction> <batched|per-entry> <direct|bounced>: FAIL,
 * <reason>
 *
 * A direct case fails if the library bounced and a bounced one if it did
 * not. Under VFIO the first device is opened by edu and given to the library
 * as its container fd, the second opened by the library from its PCI
 * address (edu then works through dmab_vfio_device_fd()). Lines starting with '#' are information.
 * Exit status 0 when all passed.
 */
#define _GNU_SOURCE

#include "edu.h"

#include <dmabatch.h>
#include <dmabatch/xlate.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#if defined(__x86_64__)
#define ARCH "x86_64"
#elif defined(__aarch64__)
#define ARCH "aarch64"
#else
#define ARCH "unknown"
#endif

#define TIMEOUT_MS 5000
#define AREA	   (64u * 1024) /* each buffer area */
#define NENT	   2
#define ROOM	   (NENT + 2) /* list arrays: room for split entries' segments */
#define GUARD	   0xc3

/* Entry k: at buf + ent_off[k], ent_len[k] bytes, edu offset ent_dev[k]. */
static const size_t ent_off[NENT] = {100, 2048 + 37};
static const uint32_t ent_len[NENT] = {700, 900};
static const uint32_t ent_dev[NENT] = {0, 1024};
#define SPAN	(1024 + 900) /* edu bytes [0, SPAN) hold both entries */
#define BI_BASE 2048	     /* bidirectional: where the device gets the entries' data */

struct ctx {
	struct edu *e;
	struct dmab_device *dev;
	uint8_t *buf;	       /* the entries' buffer */
	uint8_t *check;	       /* for seeding and reading back the device: the staging buffer */
	dmab_addr_t check_dma; /* its bus address */
	long verified;
	int split; /* DMA segments more than entries map_sg_split must give */
	char why[256];
};

static int failf(struct ctx *c, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->why, sizeof(c->why), fmt, ap);
	va_end(ap);
	return err;
}

static void fill(uint8_t *p, size_t n, uint32_t seed)
{
	uint32_t x = seed * 2654435761u + 7;

	for (size_t i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		p[i] = (uint8_t)x;
	}
}

static int dma(struct ctx *c, dmab_addr_t bus, uint32_t dev_off, uint32_t len, int to_ram)
{
	int err = edu_dma(c->e, bus, dev_off, len, to_ram, TIMEOUT_MS);

	return err ? failf(c, err, "%s", edu_error(c->e)) : 0;
}

/* One transfer per DMA segment of a mapped list: entry k's segments, in
 * order, to or from edu at dev_off[k] on. */
static int dma_list(struct ctx *c, const struct dmab_sg *sg, const uint32_t *dev_off, int to_ram)
{
	size_t done = 0;
	int err = 0;

	for (int j = 0, k = 0; k < NENT && !err; j++) {
		err = dma(c, sg[j].dma_addr, dev_off[k] + (uint32_t)done, (uint32_t)sg[j].dma_len,
			  to_ram);
		done += sg[j].dma_len;
		if (done >= sg[k].len) {
			k++;
			done = 0;
		}
	}
	return err;
}

static int lib(struct ctx *c, int err, const char *call)
{
	if (err < 0)
		return failf(c, err, "%s: %s (%s)", call, dmab_strerror(err), dmab_last_error());
	return 0;
}

/*
 * Move the staging buffer's first @len bytes into edu at @dev_off. The
 * buffer is long-lived DMA memory (dmab_alloc_noncoherent), not a streaming
 * mapping: it is synced around each transfer instead.
 */
static int put_device(struct ctx *c, uint32_t dev_off, uint32_t len)
{
	int err = lib(c, dmab_sync_single_for_device(c->dev, c->check_dma, len, DMAB_TO_DEVICE),
		      "sync_single_for_device");

	return err ? err : dma(c, c->check_dma, dev_off, len, 0);
}

/* Read edu's [dev_off, dev_off+len) into the staging buffer. */
static int get_device(struct ctx *c, uint32_t dev_off, uint32_t len)
{
	memset(c->check, 0, len);
	int err = lib(c, dmab_sync_single_for_device(c->dev, c->check_dma, len, DMAB_FROM_DEVICE),
		      "sync_single_for_device");

	if (!err)
		err = dma(c, c->check_dma, dev_off, len, 1);
	return err ? err
		   : lib(c, dmab_sync_single_for_cpu(c->dev, c->check_dma, len, DMAB_FROM_DEVICE),
			 "sync_single_for_cpu");
}

static int compare(struct ctx *c, const uint8_t *got, const uint8_t *want, size_t n,
		   const char *what)
{
	for (size_t i = 0; i < n; i++)
		if (got[i] != want[i])
			return failf(c, -EIO, "%s: byte %zu of %zu reads 0x%02x, expected 0x%02x",
				     what, i, n, got[i], want[i]);
	c->verified += (long)n;
	return 0;
}

static void make_list(struct ctx *c, struct dmab_sg *sg)
{
	for (int k = 0; k < NENT; k++) {
		sg[k] = (struct dmab_sg){.addr = c->buf + ent_off[k], .len = ent_len[k]};
		c->buf[ent_off[k] - 1] = GUARD;
		c->buf[ent_off[k] + ent_len[k]] = GUARD;
	}
}

static int map_list(struct ctx *c, struct dmab_sg *sg, enum dmab_dir dir)
{
	int n = dmab_map_sg_split(c->dev, sg, NENT, ROOM, dir, 0);

	if (n < 0)
		return lib(c, n, "map_sg_split");
	if (n != NENT + c->split)
		return failf(c, -EIO, "map_sg_split gave %d segments for %d entries, not %d", n,
			     NENT, NENT + c->split);
	return 0;
}

static int guards_ok(struct ctx *c)
{
	for (int k = 0; k < NENT; k++)
		if (c->buf[ent_off[k] - 1] != GUARD || c->buf[ent_off[k] + ent_len[k]] != GUARD)
			return failf(c, -EIO, "bytes around entry %d changed", k);
	return 0;
}

/* RAM -> device: the entries go to edu; read edu back to check. */
static int case_to_device(struct ctx *c, uint32_t seed)
{
	struct dmab_sg sg[ROOM];
	uint8_t want[NENT][1024];
	int err;

	make_list(c, sg);
	for (int k = 0; k < NENT; k++) {
		fill(want[k], ent_len[k], seed + (uint32_t)k);
		memcpy(sg[k].addr, want[k], ent_len[k]);
	}
	err = map_list(c, sg, DMAB_TO_DEVICE);
	if (!err)
		err = dma_list(c, sg, ent_dev, 0);
	int u = lib(c, dmab_unmap_sg(c->dev, sg, NENT, DMAB_TO_DEVICE, 0), "unmap_sg");

	err = err ? err : u;
	if (!err)
		err = get_device(c, 0, SPAN);
	for (int k = 0; k < NENT && !err; k++)
		err = compare(c, c->check + ent_dev[k], want[k], ent_len[k], "edu buffer");
	return err ? err : guards_ok(c);
}

/* Device -> RAM: edu is seeded, the entries are written by the device. */
static int case_from_device(struct ctx *c, uint32_t seed)
{
	struct dmab_sg sg[ROOM];
	uint8_t seedbuf[SPAN];
	int err;

	fill(seedbuf, SPAN, seed);
	memcpy(c->check, seedbuf, SPAN);
	err = put_device(c, 0, SPAN);
	if (err)
		return err;
	make_list(c, sg);
	for (int k = 0; k < NENT; k++)
		for (uint32_t i = 0; i < ent_len[k]; i++)
			((uint8_t *)sg[k].addr)[i] = (uint8_t)~seedbuf[ent_dev[k] + i];
	err = map_list(c, sg, DMAB_FROM_DEVICE);
	if (!err)
		err = dma_list(c, sg, ent_dev, 1);
	int u = lib(c, dmab_unmap_sg(c->dev, sg, NENT, DMAB_FROM_DEVICE, 0), "unmap_sg");

	err = err ? err : u;
	for (int k = 0; k < NENT && !err; k++)
		err = compare(c, sg[k].addr, seedbuf + ent_dev[k], ent_len[k], "entry");
	return err ? err : guards_ok(c);
}

/* Both ways: each entry goes to edu at BI_BASE, then edu's seed comes back
 * into it; the entries end with the seed, edu with the entries' data. */
static int case_bidirectional(struct ctx *c, uint32_t seed)
{
	struct dmab_sg sg[ROOM];
	uint8_t seedbuf[SPAN], mine[NENT][1024];
	uint32_t at[NENT] = {BI_BASE, BI_BASE + ent_len[0]};
	int err;

	fill(seedbuf, SPAN, seed);
	memcpy(c->check, seedbuf, SPAN);
	err = put_device(c, 0, SPAN);
	if (err)
		return err;
	make_list(c, sg);
	for (int k = 0; k < NENT; k++) {
		fill(mine[k], ent_len[k], seed * 3 + (uint32_t)k);
		memcpy(sg[k].addr, mine[k], ent_len[k]);
	}
	/* every entry out to edu, then edu's seed back in (the two edu
	 * ranges do not overlap) */
	err = map_list(c, sg, DMAB_BIDIRECTIONAL);
	if (!err)
		err = dma_list(c, sg, at, 0);
	if (!err)
		err = dma_list(c, sg, ent_dev, 1);
	int u = lib(c, dmab_unmap_sg(c->dev, sg, NENT, DMAB_BIDIRECTIONAL, 0), "unmap_sg");

	err = err ? err : u;
	for (int k = 0; k < NENT && !err; k++)
		err = compare(c, sg[k].addr, seedbuf + ent_dev[k], ent_len[k], "entry");
	if (!err)
		err = get_device(c, BI_BASE, ent_len[0] + ent_len[1]);
	for (int k = 0; k < NENT && !err; k++)
		err = compare(c, c->check + (at[k] - BI_BASE), mine[k], ent_len[k], "edu buffer");
	return err ? err : guards_ok(c);
}

static const struct {
	const char *name;
	int (*run)(struct ctx *c, uint32_t seed);
} cases[] = {
    {"to-device", case_to_device},
    {"from-device", case_from_device},
    {"bidirectional", case_bidirectional},
};

static uint64_t bounced(struct dmab_device *dev)
{
	struct dmab_stats st;

	return dmab_device_stats(dev, &st) == 0 ? st.bounce_mappings : 0;
}

/*
 * The registered area: any memory for VFIO (it pins); for UIO two low
 * hugepages side by side that are not physically adjacent, so that the
 * direct cases' second entry, across the two, is split into two DMA
 * segments.
 */
static int area_alloc(enum edu_mode mode, void **p, size_t *len, char *why, size_t whylen)
{
	if (mode == EDU_MODE_UIO)
		return edu_huge_split(p, len, why, whylen);
	*len = AREA;
	*p = mmap(NULL, AREA, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE,
		  -1, 0);
	if (*p == MAP_FAILED) {
		snprintf(why, whylen, "out of memory");
		return -ENOMEM;
	}
	return 0;
}

/*
 * The staging buffer's size: a page under VFIO (the IOMMU maps any memory);
 * under UIO a 2 MiB hugepage, since the pagemap translator takes only memory
 * whose physical address stays put.
 */
static size_t stage_len(enum edu_mode mode)
{
	return mode == EDU_MODE_UIO ? (size_t)2 << 20 : EDU_BUF_SIZE;
}

/* The staging buffer: DMA memory of the device, on its node, under its mask. */
static int stage_alloc(struct ctx *c, enum edu_mode mode, char *why, size_t whylen)
{
	void *cpu = NULL;
	int err = dmab_alloc_noncoherent(c->dev, stage_len(mode), DMAB_BIDIRECTIONAL, &cpu,
					 &c->check_dma);

	if (err)
		snprintf(why, whylen, "alloc_noncoherent: %s (%s)", dmab_strerror(err),
			 dmab_last_error());
	else
		c->check = cpu;
	return err;
}

static int sysfs_numa_node(const char *bdf)
{
	char path[128];
	int node = -1;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/numa_node", bdf);
	FILE *f = fopen(path, "r");

	if (f) {
		if (fscanf(f, "%d", &node) != 1)
			node = -1;
		fclose(f);
	}
	return node;
}

/*
 * The libdmabatch device for edu at @bdf: VFIO on @container (edu's own),
 * or, with @container -1, VFIO opened by the library from the PCI address;
 * for UIO the pagemap translator.
 */
static int open_dev(const char *bdf, enum edu_mode mode, int container, enum dmab_sync_mode sync,
		    struct dmab_device **out, char *why, size_t whylen)
{
	struct dmab_xlate_config x = {0};
	struct dmab_device_config cfg = {.size = sizeof(cfg)};

	if (mode == EDU_MODE_VFIO) {
		x.kind = DMAB_XLATE_VFIO;
		x.vfio_container_fd = container;
		x.vfio_pci_address = container < 0 ? bdf : NULL;
		cfg.numa_node = sysfs_numa_node(bdf);
	} else {
		x.kind = DMAB_XLATE_PAGEMAP;
		/* No IOMMU: the pool must lie physically under 256 MiB, which on
		 * these guests is node 0's memory only; one hugepage keeps it
		 * physically contiguous. */
		cfg.numa_node = -1;
	}
	cfg.pool_size = (size_t)2 << 20;
	cfg.name = bdf;
	cfg.dma_bits = 28;
	cfg.sync_mode = sync;
	cfg.xlate = &x;
	int err = dmab_device_create(&cfg, out);

	if (err)
		snprintf(why, whylen, "device_create: %s (%s)", dmab_strerror(err),
			 dmab_last_error());
	return err;
}

/* edu and its libdmabatch device, opened in the order @lib_opens needs. */
static int open_both(const char *bdf, enum edu_mode mode, bool lib_opens, enum dmab_sync_mode sync,
		     struct edu **e, struct dmab_device **dev, char *why, size_t whylen)
{
	int err;

	if (lib_opens) {
		err = open_dev(bdf, mode, -1, sync, dev, why, whylen);
		if (err)
			return err;
		int fd = dmab_vfio_device_fd(*dev);

		if (fd < 0) {
			snprintf(why, whylen, "vfio_device_fd: %s", dmab_last_error());
			return fd;
		}
		return edu_open_vfio_device(bdf, fd, e, why, whylen);
	}
	err = edu_open(bdf, mode, e, why, whylen);
	if (!err)
		err = open_dev(bdf, mode, (*e)->container, sync, dev, why, whylen);
	return err;
}

/* The reverse: VFIO mappings go before the container that holds them. */
static void close_both(bool lib_opens, struct edu *e, struct dmab_device *dev, int *failed)
{
	if (lib_opens)
		edu_close(e);
	if (dev && dmab_device_destroy(dev) < 0) {
		printf("# device_destroy: %s\n", dmab_last_error());
		*failed = 1;
	}
	if (!lib_opens)
		edu_close(e);
}

static int run_device(const char *mode_name, enum edu_mode mode, const char *bdf, bool lib_opens)
{
	static const char *sync_name[] = {"batched", "per-entry"};
	char why[256] = "";
	int failed = 0;
	uint32_t seed = 1;

	if (mode == EDU_MODE_VFIO)
		printf("# %s: VFIO opened by %s\n", bdf,
		       lib_opens ? "libdmabatch from the PCI address" : "edu, container fd given");
	for (int s = 0; s < 2; s++) {
		struct edu *e = NULL;
		struct ctx c = {0};
		void *area = NULL, *loose = NULL;
		size_t area_len = 0;
		int reg = 0;
		int err =
		    open_both(bdf, mode, lib_opens, s ? DMAB_SYNC_PER_ENTRY : DMAB_SYNC_BATCHED, &e,
			      &c.dev, why, sizeof(why));

		c.e = e;
		if (!err)
			err = area_alloc(mode, &area, &area_len, why, sizeof(why));
		if (!err) {
			err = dmab_mem_register(c.dev, area, area_len);
			reg = err == 0;
			if (err)
				snprintf(why, sizeof(why), "mem_register: %s (%s)",
					 dmab_strerror(err), dmab_last_error());
		}
		if (!err && !(loose = aligned_alloc(4096, 2 * AREA)))
			err = -ENOMEM;
		if (!err)
			err = stage_alloc(&c, mode, why, sizeof(why));
		if (!err && mode == EDU_MODE_UIO && s == 0)
			printf("# %s: direct entry 1 lies across two physically discontiguous "
			       "hugepages: map_sg_split makes it two DMA segments\n",
			       bdf);
		for (int path = 0; path < 2; path++)
			for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
				const char *pname = path ? "bounced" : "direct";

				if (!err) {
					uint8_t *base = path ? loose : area;
					uint64_t before = bounced(c.dev);

					/* UIO direct: entry 1 across the hugepages */
					c.split = mode == EDU_MODE_UIO && !path;
					if (c.split)
						base += area_len / 2 - ent_off[1] - ent_len[1] / 2;
					c.buf = base;
					c.verified = 0;
					int r = cases[k].run(&c, seed++);
					uint64_t n = bounced(c.dev) - before;

					if (!r && path == 0 && n)
						r = failf(&c, -EIO, "%llu mappings bounced",
							  (unsigned long long)n);
					if (!r && path == 1 && !n)
						r = failf(&c, -EIO, "nothing bounced");
					if (r)
						failed = 1;
					printf("vm %s %s %s %s %s %s: ", ARCH, mode_name, bdf,
					       cases[k].name, sync_name[s], pname);
					if (r)
						printf("FAIL, %s\n", c.why);
					else
						printf("ok, %ld bytes verified\n", c.verified);
				} else {
					failed = 1;
					printf("vm %s %s %s %s %s %s: FAIL, %s\n", ARCH, mode_name,
					       bdf, cases[k].name, sync_name[s], pname, why);
				}
				fflush(stdout);
			}
		if (reg && dmab_mem_unregister(c.dev, area, area_len) < 0) {
			printf("# %s: mem_unregister: %s\n", bdf, dmab_last_error());
			failed = 1;
		}
		if (c.check && dmab_free_noncoherent(c.dev, stage_len(mode), c.check, c.check_dma,
						     DMAB_BIDIRECTIONAL) < 0) {
			printf("# %s: free_noncoherent: %s\n", bdf, dmab_last_error());
			failed = 1;
		}
		close_both(lib_opens, e, c.dev, &failed);
		free(loose);
		if (area)
			munmap(area, area_len);
	}
	return failed;
}

int main(int argc, char **argv)
{
	int failed = 0;

	if (argc < 3 || (strcmp(argv[1], "vfio") != 0 && strcmp(argv[1], "uio") != 0)) {
		fprintf(stderr, "usage: %s vfio|uio <pci address>...\n", argv[0]);
		return 2;
	}
	enum edu_mode mode = strcmp(argv[1], "vfio") == 0 ? EDU_MODE_VFIO : EDU_MODE_UIO;

	for (int i = 2; i < argc; i++)
		failed |= run_device(argv[1], mode, argv[i], mode == EDU_MODE_VFIO && i % 2 == 1);
	return failed;
}
