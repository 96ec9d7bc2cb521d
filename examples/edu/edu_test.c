/* SPDX-License-Identifier: MIT */
/*
 * The parts of the edu driver that need no device: the
 * VFIO_IOMMU_GET_INFO capability chain and /proc/self/pagemap entries, fed
 * crafted buffers and a fake pagemap file, and the DMA engine's programming
 * against a BAR that is plain memory (so the engine never finishes).
 */
#define _GNU_SOURCE /* pwrite */

#include "edu.h"

#include <errno.h>
#include <linux/vfio.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

/* An info block with the fixed part followed by up to a few capabilities. */
struct info_buf {
	union {
		struct vfio_iommu_type1_info fixed;
		uint8_t bytes[512];
	};
	size_t len;
};

static void info_init(struct info_buf *b)
{
	memset(b, 0, sizeof(*b));
	b->fixed.argsz = sizeof(b->fixed);
	b->fixed.flags = VFIO_IOMMU_INFO_PGSIZES;
	b->fixed.iova_pgsizes = 0x40201000;
	b->len = sizeof(b->fixed);
}

/* Append a capability header at the end, chained after @prev (0: first). */
static size_t info_add_cap(struct info_buf *b, size_t prev, uint16_t id, size_t size)
{
	size_t off = (b->len + 7) & ~(size_t)7;
	struct vfio_info_cap_header hdr = {.id = id, .version = 1, .next = 0};

	memcpy(b->bytes + off, &hdr, sizeof(hdr));
	if (prev)
		((struct vfio_info_cap_header *)(b->bytes + prev))->next = (uint32_t)off;
	else {
		b->fixed.flags |= VFIO_IOMMU_INFO_CAPS;
		b->fixed.cap_offset = (uint32_t)off;
	}
	b->len = off + size;
	b->fixed.argsz = (uint32_t)b->len;
	return off;
}

static size_t info_add_ranges(struct info_buf *b, size_t prev, uint32_t nr,
			      const struct vfio_iova_range *r)
{
	size_t off =
	    info_add_cap(b, prev, VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE,
			 sizeof(struct vfio_iommu_type1_info_cap_iova_range) + nr * sizeof(*r));
	struct vfio_iommu_type1_info_cap_iova_range *cap = (void *)(b->bytes + off);

	cap->nr_iovas = nr;
	memcpy(cap->iova_ranges, r, nr * sizeof(*r));
	return off;
}

static const struct vfio_iova_range two[] = {
    {.start = 0, .end = 0xfedfffff},
    {.start = 0xfef00000, .end = 0x7fffffffff},
};

static void no_caps_means_no_ranges(void **state)
{
	struct info_buf b;
	struct edu_iova_range out[4];

	(void)state;
	info_init(&b);
	assert_int_equal(edu_vfio_parse_iova_ranges(b.bytes, b.len, out, 4), 0);
}

static void ranges_after_another_cap(void **state)
{
	struct info_buf b;
	struct edu_iova_range out[4];
	size_t first;

	(void)state;
	info_init(&b);
	first = info_add_cap(&b, 0, 3 /* DMA_AVAIL */, sizeof(struct vfio_info_cap_header) + 8);
	info_add_ranges(&b, first, 2, two);
	assert_int_equal(edu_vfio_parse_iova_ranges(b.bytes, b.len, out, 4), 2);
	assert_true(out[0].start == 0 && out[0].end == 0xfedfffff);
	assert_true(out[1].start == 0xfef00000 && out[1].end == 0x7fffffffff);
	/* Only as many as the caller has room for. */
	memset(out, 0, sizeof(out));
	assert_int_equal(edu_vfio_parse_iova_ranges(b.bytes, b.len, out, 1), 1);
	assert_true(out[0].end == 0xfedfffff && out[1].end == 0);
}

static void chain_loop_is_refused(void **state)
{
	struct info_buf b;
	struct edu_iova_range out[4];
	size_t first, second;

	(void)state;
	info_init(&b);
	first = info_add_cap(&b, 0, 3, sizeof(struct vfio_info_cap_header) + 8);
	second = info_add_cap(&b, first, 4, sizeof(struct vfio_info_cap_header) + 8);
	((struct vfio_info_cap_header *)(b.bytes + second))->next = (uint32_t)first;
	assert_int_equal(edu_vfio_parse_iova_ranges(b.bytes, b.len, out, 4), -EPROTO);
}

static void truncated_chain_is_refused(void **state)
{
	struct info_buf b;
	struct edu_iova_range out[4];

	(void)state;
	info_init(&b);
	info_add_ranges(&b, 0, 2, two);
	/* The kernel's block cut short: the second range is missing. */
	assert_int_equal(edu_vfio_parse_iova_ranges(b.bytes, b.len - 1, out, 4), -EPROTO);
	/* A first capability beyond the block. */
	info_init(&b);
	info_add_ranges(&b, 0, 1, two);
	b.fixed.cap_offset = 400;
	assert_int_equal(edu_vfio_parse_iova_ranges(b.bytes, b.len, out, 4), -EPROTO);
	/* A capability inside the fixed part. */
	b.fixed.cap_offset = 8;
	assert_int_equal(edu_vfio_parse_iova_ranges(b.bytes, b.len, out, 4), -EPROTO);
	/* Less than the fixed part. */
	assert_int_equal(edu_vfio_parse_iova_ranges(b.bytes, 8, out, 4), -EPROTO);
}

static void inverted_range_is_refused(void **state)
{
	struct info_buf b;
	struct edu_iova_range out[4];
	const struct vfio_iova_range bad = {.start = 0x2000, .end = 0x1000};

	(void)state;
	info_init(&b);
	info_add_ranges(&b, 0, 1, &bad);
	assert_int_equal(edu_vfio_parse_iova_ranges(b.bytes, b.len, out, 4), -EPROTO);
}

static void pagemap_entries(void **state)
{
	long page = sysconf(_SC_PAGESIZE);
	char path[] = "/tmp/edu_pagemap_XXXXXX";
	const uint64_t ents[4] = {
	    (1ull << 63) | 0x1234,	       /* present, PFN 0x1234 */
	    0x1234,			       /* not present */
	    (1ull << 63) | (1ull << 55),       /* present, PFN reads 0, soft-dirty */
	    (1ull << 63) | (1ull << 62) | 0x7, /* present and flag bits above the PFN */
	};
	uint64_t pa = 0;
	int fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0);
	unlink(path);
	assert_int_equal(pwrite(fd, ents, sizeof(ents), 0), (ssize_t)sizeof(ents));
	assert_int_equal(edu_pagemap_phys(fd, (uintptr_t)(0 * page + 0x10), &pa), 0);
	assert_true(pa == 0x1234ull * (uint64_t)page + 0x10);
	assert_int_equal(edu_pagemap_phys(fd, (uintptr_t)(1 * page), &pa), -EFAULT);
	assert_int_equal(edu_pagemap_phys(fd, (uintptr_t)(2 * page), &pa), -EPERM);
	assert_int_equal(edu_pagemap_phys(fd, (uintptr_t)(3 * page + 1), &pa), 0);
	assert_true(pa == 7ull * (uint64_t)page + 1);
	assert_int_equal(edu_pagemap_phys(fd, (uintptr_t)(4 * page), &pa), -EIO);
	close(fd);
}

/* A struct edu whose BAR0 is ordinary memory. */
static struct edu *fake_edu(void)
{
	struct edu *e = calloc(1, sizeof(*e));

	assert_non_null(e);
	e->bar0_len = 1u << 20;
	e->bar0 = calloc(1, e->bar0_len);
	assert_non_null((void *)e->bar0);
	return e;
}

static void fake_free(struct edu *e)
{
	free((void *)e->bar0);
	free(e);
}

static uint64_t reg64(struct edu *e, uint32_t off)
{
	uint64_t v;

	memcpy(&v, (const void *)(e->bar0 + off), sizeof(v));
	return v;
}

static int bar_is_zero(struct edu *e)
{
	size_t i;

	for (i = 0; i < e->bar0_len; i++)
		if (e->bar0[i])
			return 0;
	return 1;
}

static void dma_refuses_what_edu_cannot_do(void **state)
{
	struct edu *e = fake_edu();

	(void)state;
	/* The whole buffer touches its last byte, which kills QEMU <= 9.0. */
	assert_int_equal(edu_dma(e, 0x100000, 0, EDU_BUF_SIZE, 0, 10), -EINVAL);
	assert_int_equal(edu_dma(e, 0x100000, 4000, 96, 1, 10), -EINVAL);
	assert_int_equal(edu_dma(e, 0x100000, 0, 0, 0, 10), -EINVAL);
	assert_int_equal(edu_dma(e, 0x100000, UINT32_MAX, 2, 0, 10), -EINVAL);
	/* At or across the 28-bit mask the address would alias. */
	assert_int_equal(edu_dma(e, EDU_DMA_LIMIT, 0, 16, 0, 10), -EINVAL);
	assert_int_equal(edu_dma(e, EDU_DMA_LIMIT - 8, 0, 16, 1, 10), -EINVAL);
	assert_int_equal(edu_dma(e, UINT64_MAX - 4, 0, 16, 1, 10), -EINVAL);
	assert_true(strstr(edu_error(e), "28-bit") != NULL);
	/* Nothing reached the device. */
	assert_true(bar_is_zero(e));
	/* A busy engine is not reprogrammed. */
	edu_write32(e, EDU_REG_DMA_CMD, EDU_CMD_START);
	assert_int_equal(edu_dma(e, 0x100000, 0, 16, 0, 10), -EBUSY);
	assert_true(reg64(e, EDU_REG_DMA_SRC) == 0 && reg64(e, EDU_REG_DMA_COUNT) == 0);
	fake_free(e);
}

static void dma_programs_the_engine(void **state)
{
	struct edu *e = fake_edu();

	(void)state;
	/* RAM -> edu: source is the bus address, destination inside edu. */
	assert_int_equal(edu_dma(e, 0x123000, 100, EDU_MAX_XFER - 100, 0, 5), -ETIMEDOUT);
	assert_true(reg64(e, EDU_REG_DMA_SRC) == 0x123000);
	assert_true(reg64(e, EDU_REG_DMA_DST) == EDU_BUF_OFF + 100);
	assert_true(reg64(e, EDU_REG_DMA_COUNT) == EDU_MAX_XFER - 100);
	assert_int_equal(edu_read32(e, EDU_REG_DMA_CMD), EDU_CMD_START);
	/* edu -> RAM: the other way round, with the direction bit. */
	edu_write32(e, EDU_REG_DMA_CMD, 0);
	assert_int_equal(edu_dma(e, EDU_DMA_LIMIT - 16, 7, 16, 1, 5), -ETIMEDOUT);
	assert_true(reg64(e, EDU_REG_DMA_SRC) == EDU_BUF_OFF + 7);
	assert_true(reg64(e, EDU_REG_DMA_DST) == EDU_DMA_LIMIT - 16);
	assert_true(reg64(e, EDU_REG_DMA_COUNT) == 16);
	assert_int_equal(edu_read32(e, EDU_REG_DMA_CMD), EDU_CMD_START | EDU_CMD_TO_RAM);
	fake_free(e);
}

static void iova_skips_holes_and_keeps_below_the_mask(void **state)
{
	struct edu *e = fake_edu();
	uint64_t iova = 0;

	(void)state;
	/* What VFIO reported on QEMU's aarch64 virt: the MSI window is left out. */
	e->iova_pgsizes = 0x40201000;
	e->nr_iova = 2;
	e->iova[0] = (struct edu_iova_range){0, 0x7ffffff};
	e->iova[1] = (struct edu_iova_range){0x8100000, 0xffffffffffff};
	e->iova_next = 0x100000;
	assert_int_equal(edu_iova_alloc(e, 0x4000, &iova), 0);
	assert_true(iova == 0x100000);
	/* Would cross into the window: goes past it instead. */
	e->iova_next = 0x7ffe000;
	assert_int_equal(edu_iova_alloc(e, 0x4000, &iova), 0);
	assert_true(iova == 0x8100000);
	/* Exactly up to the window's start still fits. */
	assert_int_equal(edu_iova_alloc(e, 0x2000, &iova), 0);
	assert_true(iova == 0x7ffe000);
	/* Unaligned next: rounded up to the IOMMU's 4 KiB page. */
	e->iova_next = 0x100001;
	assert_int_equal(edu_iova_alloc(e, 0x1000, &iova), 0);
	assert_true(iova == 0x101000);
	/* The rest of the second range lies above edu's 28 bits. */
	e->iova_next = EDU_DMA_LIMIT - 0x1000;
	assert_int_equal(edu_iova_alloc(e, 0x1000, &iova), 0);
	assert_true(iova == EDU_DMA_LIMIT - 0x1000);
	assert_int_equal(edu_iova_alloc(e, 0x2000, &iova), -ENOSPC);
	e->iova_next = EDU_DMA_LIMIT;
	assert_int_equal(edu_iova_alloc(e, 0x1000, &iova), -ENOSPC);
	assert_int_equal(edu_iova_alloc(e, 0, &iova), -ENOSPC);
	fake_free(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(no_caps_means_no_ranges),
	    cmocka_unit_test(ranges_after_another_cap),
	    cmocka_unit_test(chain_loop_is_refused),
	    cmocka_unit_test(truncated_chain_is_refused),
	    cmocka_unit_test(inverted_range_is_refused),
	    cmocka_unit_test(pagemap_entries),
	    cmocka_unit_test(dma_refuses_what_edu_cannot_do),
	    cmocka_unit_test(dma_programs_the_engine),
	    cmocka_unit_test(iova_skips_holes_and_keeps_below_the_mask),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
