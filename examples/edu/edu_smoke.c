/* SPDX-License-Identifier: MIT */
/*
 * edu_smoke: move data through edu's DMA engine both ways and check it.
 *
 *   edu_smoke vfio|uio <pci address>...
 *
 * For each device: a buffer (anonymous memory for VFIO, a hugetlb page below
 * 256 MiB physical for UIO) is put on the bus with edu_bus_map(); then
 * RAM -> edu -> RAM round trips at several device offsets and unaligned bus
 * addresses, each checked byte for byte, with guard bytes around every
 * destination. One line per device:
 *
 *   vm <arch> smoke <vfio|uio> <pci address>: ok, N bytes verified
 *   vm <arch> smoke <vfio|uio> <pci address>: FAIL, <reason>
 *
 * Lines starting with '#' are information. Exit status 0 when every device
 * passed.
 */
#define _GNU_SOURCE /* MAP_HUGETLB */

#include "edu.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#if defined(__x86_64__)
#define ARCH "x86_64"
#elif defined(__aarch64__)
#define ARCH "aarch64"
#else
#define ARCH "unknown"
#endif

#define BUF_LEN	   (16u * 1024)
#define GUARD	   64
#define TIMEOUT_MS 5000

/* How many transfers ran and how long they took, for the information line. */
static unsigned xfers;
static double xfer_ms;

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int timed_dma(struct edu *e, uint64_t bus, uint32_t dev_off, uint32_t len, int to_ram)
{
	double t = now_ms();
	int err = edu_dma(e, bus, dev_off, len, to_ram, TIMEOUT_MS);

	xfers++;
	xfer_ms += now_ms() - t;
	return err;
}

struct buf {
	uint8_t *cpu;
	size_t len;
	uint64_t bus;
};

static void fill(uint8_t *p, size_t n, uint32_t seed)
{
	uint32_t x = seed * 2654435761u + 1;
	size_t i;

	for (i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		p[i] = (uint8_t)x;
	}
}

/* Round trip @len bytes: RAM at @src -> edu at @dev_off -> RAM at @dst. */
static int round_trip(struct edu *e, struct buf *b, size_t src, size_t dst, uint32_t dev_off,
		      uint32_t len, uint32_t seed, char *why, size_t whylen)
{
	uint8_t *s = b->cpu + src, *d = b->cpu + dst;
	size_t i;
	int err;

	fill(s, len, seed);
	/* Each destination byte starts different from what the device must write. */
	for (i = 0; i < len; i++)
		d[i] = (uint8_t)~s[i];
	memset(d - GUARD, 0xa5, GUARD);
	memset(d + len, 0x5a, GUARD);
	err = timed_dma(e, b->bus + src, dev_off, len, 0);
	if (!err)
		err = timed_dma(e, b->bus + dst, dev_off, len, 1);
	if (err) {
		snprintf(why, whylen, "%s", edu_error(e));
		return err;
	}
	for (i = 0; i < len; i++)
		if (d[i] != s[i]) {
			snprintf(why, whylen,
				 "byte %zu of %u (edu offset %u) reads 0x%02x, wrote 0x%02x", i,
				 len, dev_off, d[i], s[i]);
			return -EIO;
		}
	for (i = 0; i < GUARD; i++)
		if (d[-1 - (long)i] != 0xa5 || d[len + i] != 0x5a) {
			snprintf(why, whylen, "DMA wrote outside its %u bytes", len);
			return -EIO;
		}
	return 0;
}

/*
 * Data already in the device survives a transfer elsewhere in its buffer:
 * read back @len bytes at @dev_off and compare with @seed's pattern.
 */
static int read_back(struct edu *e, struct buf *b, size_t dst, uint32_t dev_off, uint32_t len,
		     uint32_t seed, size_t seed_len, char *why, size_t whylen)
{
	uint8_t *want = malloc(seed_len), *d = b->cpu + dst;
	int err;

	if (!want) {
		snprintf(why, whylen, "out of memory");
		return -ENOMEM;
	}
	fill(want, seed_len, seed);
	memset(d, 0, len);
	err = timed_dma(e, b->bus + dst, dev_off, len, 1);
	if (err)
		snprintf(why, whylen, "%s", edu_error(e));
	else if (memcmp(d, want + dev_off, len) != 0) {
		snprintf(why, whylen, "edu buffer [%u, %u) changed by a later transfer", dev_off,
			 dev_off + len);
		err = -EIO;
	}
	free(want);
	return err;
}

static int smoke(struct edu *e, struct buf *b, long *verified, char *why, size_t whylen)
{
	int err;

	/*
	 * What edu cannot do is refused before it reaches the device: the
	 * buffer's last byte (QEMU would abort the VM) and the 28-bit mask.
	 */
	if (edu_dma(e, b->bus, 0, EDU_BUF_SIZE, 1, TIMEOUT_MS) != -EINVAL ||
	    edu_dma(e, EDU_DMA_LIMIT - 8, 0, 16, 1, TIMEOUT_MS) != -EINVAL) {
		snprintf(why, whylen, "edu_dma accepted a transfer edu cannot do");
		return -EIO;
	}

	/* The whole usable buffer, page-aligned both ends of the bus. */
	err = round_trip(e, b, 0, 8192, 0, EDU_MAX_XFER, 1, why, whylen);
	if (err)
		return err;
	*verified += EDU_MAX_XFER;
	/* A slice at an offset, from and to odd bus addresses. */
	err = round_trip(e, b, 1, 12288 + 3, 3000, 1000, 2, why, whylen);
	if (err)
		return err;
	*verified += 1000;
	/* The first 3000 bytes still hold the first pattern. */
	err = read_back(e, b, 4096 + 7, 0, 3000, 1, EDU_MAX_XFER, why, whylen);
	if (err)
		return err;
	*verified += 3000;
	return 0;
}

static int run(const char *mode_name, enum edu_mode mode, const char *bdf)
{
	char why[256] = "";
	struct buf b = {0};
	struct edu *e = NULL;
	long verified = 0;
	int err, mapped = 0;

	err = edu_open(bdf, mode, &e, why, sizeof(why));
	if (err)
		goto out;
	if (mode == EDU_MODE_UIO) {
		err = edu_huge_low((void **)&b.cpu, &b.len, why, sizeof(why));
	} else {
		b.len = BUF_LEN;
		b.cpu =
		    mmap(NULL, b.len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (b.cpu == MAP_FAILED) {
			b.cpu = NULL;
			err = -ENOMEM;
			snprintf(why, sizeof(why), "out of memory");
		}
	}
	if (err)
		goto out;
	err = edu_bus_map(e, b.cpu, b.len, &b.bus);
	if (err) {
		snprintf(why, sizeof(why), "%s", edu_error(e));
		goto out;
	}
	mapped = 1;
	if (mode == EDU_MODE_VFIO) {
		unsigned i;

		printf("# %s iova_pgsizes 0x%llx, %u IOVA ranges:", bdf,
		       (unsigned long long)e->iova_pgsizes, e->nr_iova);
		for (i = 0; i < e->nr_iova; i++)
			printf(" [0x%llx, 0x%llx]", (unsigned long long)e->iova[i].start,
			       (unsigned long long)e->iova[i].end);
		printf("\n");
	}
	printf("# %s numa_node %d iommu_group %d bus 0x%llx for %zu bytes at %p\n", bdf,
	       e->numa_node, mode == EDU_MODE_VFIO ? e->group_id : -1, (unsigned long long)b.bus,
	       b.len, (void *)b.cpu);
	xfers = 0;
	xfer_ms = 0;
	err = smoke(e, &b, &verified, why, sizeof(why));
	if (xfers)
		printf("# %s: %u transfers, %.1f ms each\n", bdf, xfers, xfer_ms / xfers);
out:
	if (mapped && edu_bus_unmap(e, b.cpu, b.len, b.bus) < 0 && !err) {
		err = -EIO;
		snprintf(why, sizeof(why), "%s", edu_error(e));
	}
	if (b.cpu)
		munmap(b.cpu, b.len);
	edu_close(e);
	if (err)
		printf("vm %s smoke %s %s: FAIL, %s\n", ARCH, mode_name, bdf, why);
	else
		printf("vm %s smoke %s %s: ok, %ld bytes verified\n", ARCH, mode_name, bdf,
		       verified);
	fflush(stdout);
	return err ? 1 : 0;
}

int main(int argc, char **argv)
{
	enum edu_mode mode;
	int i, failed = 0;

	if (argc < 3 || (strcmp(argv[1], "vfio") != 0 && strcmp(argv[1], "uio") != 0)) {
		fprintf(stderr, "usage: %s vfio|uio <pci address>...\n", argv[0]);
		return 2;
	}
	mode = strcmp(argv[1], "vfio") == 0 ? EDU_MODE_VFIO : EDU_MODE_UIO;
	for (i = 2; i < argc; i++)
		failed |= run(argv[1], mode, argv[i]);
	return failed;
}
