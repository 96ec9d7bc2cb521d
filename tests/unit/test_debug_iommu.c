/* SPDX-License-Identifier: MIT */
/*
 * The checker on a device behind the emulated IOMMU: records are the DMA
 * segments (bus address and length as map_sg returned them), so the unmap
 * and sync classes judge what the driver hands back; the overlap class
 * sees a merged segment's outer CPU ends; the segment limits are judged on
 * the entries before the table is touched; guard mode guards a segment
 * that is one CPU range.
 */
#include <errno.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "debug_helpers.h"

#define PG 4096u

static struct dmab_device *iommu_check_dev(size_t max_seg, uint64_t boundary, unsigned debug)
{
	return check_dev_cfg((struct dmab_device_config){.dma_bits = 32,
							 .iommu = DMAB_IOMMU_DEFERRED,
							 .max_seg_size = max_seg,
							 .seg_boundary_mask = boundary,
							 .debug = debug});
}

static uint8_t *pages(size_t n)
{
	void *p = NULL;

	assert_int_equal(posix_memalign(&p, 1 << 16, n * PG), 0);
	memset(p, 0x11, n * PG);
	return p;
}

/* expect_misuse(), and the IOMMU's own counters unmoved too. */
static void expect_misuse_iommu(struct dmab_device *dev, int got, enum dmab_debug_class cls,
				struct dmab_stats *before)
{
	expect_misuse(dev, got, cls, before);
	struct dmab_stats now = stats_of(dev);

	assert_int_equal(now.iommu_pte_lines, before->iommu_pte_lines);
	assert_int_equal(now.iommu_table_lines, before->iommu_table_lines);
	assert_int_equal(now.iommu_tlb_flushes, before->iommu_tlb_flushes);
	assert_int_equal(now.iommu_segments, before->iommu_segments);
	assert_int_equal(now.iommu_table_pages, before->iommu_table_pages);
}

static void test_unmap_single_classes(void **state)
{
	(void)state;
	struct dmab_device *dev = iommu_check_dev(0, 0, 0);
	uint8_t *buf = pages(4);
	dmab_addr_t a;

	assert_int_equal(dmab_map_single(dev, buf, 8192, DMAB_FROM_DEVICE, 0, &a), 0);
	assert_int_not_equal(a, (uintptr_t)buf); /* an IOVA */
	assert_int_equal(dmab_trace_clear(dev), 0);
	struct dmab_stats before = stats_of(dev);

	expect_misuse_iommu(dev, dmab_unmap_single(dev, a + 0x100000, 8192, DMAB_FROM_DEVICE, 0),
			    DMAB_DEBUG_UNMAP_NOT_MAPPED, &before);
	expect_misuse_iommu(dev, dmab_unmap_single(dev, a, 4096, DMAB_FROM_DEVICE, 0),
			    DMAB_DEBUG_UNMAP_SIZE, &before);
	assert_non_null(strstr(seen.text, "with size 4096, mapped with size 8192"));
	expect_misuse_iommu(dev, dmab_unmap_single(dev, a, 8192, DMAB_BIDIRECTIONAL, 0),
			    DMAB_DEBUG_UNMAP_DIR, &before);
	struct dmab_sg as_list[1] = {{.addr = buf, .len = 8192, .dma_addr = a, .dma_len = 8192}};

	expect_misuse_iommu(dev, dmab_unmap_sg(dev, as_list, 1, DMAB_FROM_DEVICE, 0),
			    DMAB_DEBUG_UNMAP_FUNCTION, &before);
	assert_int_equal(dmab_unmap_single(dev, a, 8192, DMAB_FROM_DEVICE, 0), 0);
	expect_quiet();
	assert_int_equal(dmab_trace_clear(dev), 0);
	before = stats_of(dev);
	expect_misuse_iommu(dev, dmab_unmap_single(dev, a, 8192, DMAB_FROM_DEVICE, 0),
			    DMAB_DEBUG_UNMAP_ALREADY, &before);
	assert_int_equal(stats_of(dev).live_mappings, 0);
	destroy(dev);
	free(buf);
}

static void test_unmap_sg_classes(void **state)
{
	(void)state;
	struct dmab_device *dev = iommu_check_dev(0, 0, 0);
	uint8_t *buf = pages(16);
	struct dmab_sg sg[8];

	for (int i = 0; i < 8; i++)
		sg[i] = (struct dmab_sg){.addr = buf + (size_t)i * 2 * PG, .len = PG};
	assert_int_equal(dmab_map_sg(dev, sg, 8, DMAB_TO_DEVICE, 0), 1);
	/* one record, the segment */
	assert_int_equal(dmab_debug_dump(dev, NULL), 1);
	assert_int_equal(dmab_trace_clear(dev), 0);
	struct dmab_stats before = stats_of(dev);

	expect_misuse_iommu(dev, dmab_unmap_sg(dev, sg, 7, DMAB_TO_DEVICE, 0),
			    DMAB_DEBUG_UNMAP_NENTS, &before);
	assert_non_null(strstr(seen.text, "with nents 7, mapped with nents 8"));
	expect_misuse_iommu(dev, dmab_unmap_sg(dev, sg, 8, DMAB_FROM_DEVICE, 0),
			    DMAB_DEBUG_UNMAP_DIR, &before);
	expect_misuse_iommu(dev, dmab_unmap_single(dev, sg[0].dma_addr, 8 * PG, DMAB_TO_DEVICE, 0),
			    DMAB_DEBUG_UNMAP_FUNCTION, &before);
	/* the segment given back shorter */
	sg[0].dma_len -= PG;
	expect_misuse_iommu(dev, dmab_unmap_sg(dev, sg, 8, DMAB_TO_DEVICE, 0),
			    DMAB_DEBUG_UNMAP_SIZE, &before);
	sg[0].dma_len += PG;
	assert_int_equal(dmab_unmap_sg(dev, sg, 8, DMAB_TO_DEVICE, 0), 0);
	expect_quiet();
	assert_int_equal(dmab_trace_clear(dev), 0);
	before = stats_of(dev);
	expect_misuse_iommu(dev, dmab_unmap_sg(dev, sg, 8, DMAB_TO_DEVICE, 0),
			    DMAB_DEBUG_UNMAP_ALREADY, &before);
	assert_int_equal(dmab_debug_dump(dev, NULL), 0);
	destroy(dev);
	free(buf);
}

static void test_sync_classes(void **state)
{
	(void)state;
	struct dmab_device *dev = iommu_check_dev(0, 0, 0);
	uint8_t *buf = pages(8);
	struct dmab_sg sg[2] = {{.addr = buf, .len = PG}, {.addr = buf + 2 * PG, .len = PG}};

	assert_int_equal(dmab_map_sg(dev, sg, 2, DMAB_FROM_DEVICE, 0), 1);
	dmab_addr_t seg = sg[0].dma_addr;

	/* within the segment, any part */
	assert_int_equal(dmab_sync_single_for_cpu(dev, seg + PG + 8, 64, DMAB_FROM_DEVICE), 0);
	assert_int_equal(dmab_sync_sg_for_cpu(dev, sg, 2, DMAB_FROM_DEVICE), 0);
	assert_int_equal(dmab_sync_sg_for_device(dev, sg, 2, DMAB_FROM_DEVICE), 0);
	expect_quiet();
	assert_int_equal(dmab_trace_clear(dev), 0);
	struct dmab_stats before = stats_of(dev);

	expect_misuse_iommu(dev, dmab_sync_single_for_cpu(dev, seg + PG, 2 * PG, DMAB_FROM_DEVICE),
			    DMAB_DEBUG_SYNC_OUTSIDE, &before);
	expect_misuse_iommu(dev,
			    dmab_sync_single_for_cpu(dev, seg + 0x100000, 64, DMAB_FROM_DEVICE),
			    DMAB_DEBUG_SYNC_NOT_MAPPED, &before);
	expect_misuse_iommu(dev, dmab_sync_sg_for_device(dev, sg, 2, DMAB_TO_DEVICE),
			    DMAB_DEBUG_SYNC_WRONG_WAY, &before);
	expect_misuse_iommu(dev, dmab_sync_sg_for_cpu(dev, sg, 1, DMAB_FROM_DEVICE),
			    DMAB_DEBUG_SYNC_NENTS, &before);
	assert_int_equal(dmab_unmap_sg(dev, sg, 2, DMAB_FROM_DEVICE, 0), 0);
	assert_int_equal(dmab_trace_clear(dev), 0);
	before = stats_of(dev);
	expect_misuse_iommu(dev, dmab_sync_sg_for_cpu(dev, sg, 2, DMAB_FROM_DEVICE),
			    DMAB_DEBUG_SYNC_NOT_MAPPED, &before);
	destroy(dev);
	free(buf);
}

/* A merged segment's last line is its last entry's, not its first's + length. */
static void test_overlap_and_teardown(void **state)
{
	(void)state;
	struct dmab_device *dev = iommu_check_dev(0, 0, 0);
	uint8_t *buf = pages(8);
	struct dmab_sg sg[2] = {{.addr = buf, .len = PG}, {.addr = buf + 2 * PG, .len = PG - 100}};
	dmab_addr_t a;

	assert_int_equal(dmab_map_sg(dev, sg, 2, DMAB_FROM_DEVICE, 0), 1);
	assert_int_equal(sg[0].dma_len, 2 * PG - 100);
	assert_int_equal(dmab_trace_clear(dev), 0);
	struct dmab_stats before = stats_of(dev);

	expect_misuse_iommu(dev,
			    dmab_map_single(dev, buf + 3 * PG - 100, 64, DMAB_TO_DEVICE, 0, &a),
			    DMAB_DEBUG_MAP_OVERLAP, &before);
	assert_ptr_equal(seen.last.mapping.cpu, buf);
	/* the line after the segment's last is free */
	assert_int_equal(dmab_map_single(dev, buf + 3 * PG - 64, 64, DMAB_TO_DEVICE, 0, &a), 0);
	expect_quiet();
	assert_int_equal(dmab_device_destroy(dev), -EBUSY);
	assert_int_equal(seen.n, 2);
	assert_int_equal(seen.last.cls, DMAB_DEBUG_TEARDOWN_LIVE);
	seen.n = 0;
	assert_int_equal(dmab_unmap_single(dev, a, 64, DMAB_TO_DEVICE, 0), 0);
	assert_int_equal(dmab_unmap_sg(dev, sg, 2, DMAB_FROM_DEVICE, 0), 0);
	expect_quiet();
	destroy(dev);
	free(buf);
}

static void test_segment_limits(void **state)
{
	(void)state;
	struct dmab_device *dev = iommu_check_dev(8192, 0, 0);
	uint8_t *buf = pages(32);
	struct dmab_sg sg[4];

	/* merged up to the limit: two segments of 8 KiB, quietly */
	for (int i = 0; i < 4; i++)
		sg[i] = (struct dmab_sg){.addr = buf + (size_t)i * 2 * PG, .len = PG};
	assert_int_equal(dmab_map_sg(dev, sg, 4, DMAB_TO_DEVICE, 0), 2);
	assert_int_equal(dmab_unmap_sg(dev, sg, 4, DMAB_TO_DEVICE, 0), 0);
	/* one entry of exactly max_seg_size passes, one byte more fails */
	struct dmab_sg one[1] = {{.addr = buf + 16 * PG, .len = 8192}};

	assert_int_equal(dmab_map_sg(dev, one, 1, DMAB_TO_DEVICE, 0), 1);
	assert_int_equal(dmab_unmap_sg(dev, one, 1, DMAB_TO_DEVICE, 0), 0);
	expect_quiet();
	assert_int_equal(dmab_trace_clear(dev), 0);
	struct dmab_stats before = stats_of(dev);

	one[0].len++;
	expect_misuse_iommu(dev, dmab_map_sg(dev, one, 1, DMAB_TO_DEVICE, 0),
			    DMAB_DEBUG_MAP_SEG_SIZE, &before);
	assert_int_equal(seen.last.addr, (uintptr_t)(buf + 16 * PG));
	destroy(dev);

	/* a 64 KiB boundary with longer segments allowed: an entry at page
	 * offset 0x800 fits in one window up to 64 KiB - 0x800 bytes */
	dev = iommu_check_dev(1 << 20, 0xffff, 0);
	one[0] = (struct dmab_sg){.addr = buf + 0x800, .len = 0x10000 - 0x800};
	assert_int_equal(dmab_map_sg(dev, one, 1, DMAB_TO_DEVICE, 0), 1);
	assert_int_equal(one[0].dma_addr >> 16, (one[0].dma_addr + one[0].dma_len - 1) >> 16);
	assert_int_equal(dmab_unmap_sg(dev, one, 1, DMAB_TO_DEVICE, 0), 0);
	expect_quiet();
	assert_int_equal(dmab_trace_clear(dev), 0);
	before = stats_of(dev);
	one[0].len++;
	expect_misuse_iommu(dev, dmab_map_sg(dev, one, 1, DMAB_TO_DEVICE, 0),
			    DMAB_DEBUG_MAP_SEG_BOUNDARY, &before);
	destroy(dev);
	free(buf);
}

static int touch_in_child(volatile uint8_t *p)
{
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		signal(SIGSEGV, SIG_DFL);
		*p = 1;
		_exit(0);
	}
	int st;

	assert_int_equal(waitpid(pid, &st, 0), pid);
	return WIFSIGNALED(st) ? WTERMSIG(st) : 0;
}

static void test_guard(void **state)
{
	(void)state;
	if (sysconf(_SC_PAGESIZE) != PG)
		skip();
	struct dmab_device *dev = iommu_check_dev(0, 0, DMAB_DEBUG_GUARD);
	uint8_t *buf = pages(8);
	/* two pages in a row merge into one segment that is one CPU range */
	struct dmab_sg row[2] = {{.addr = buf, .len = PG}, {.addr = buf + PG, .len = PG}};
	/* two pages apart merge into one segment that is not */
	struct dmab_sg apart[2] = {{.addr = buf + 3 * PG, .len = PG},
				   {.addr = buf + 5 * PG, .len = PG}};
	struct dmab_debug_guard_counts c;

	assert_int_equal(dmab_map_sg(dev, row, 2, DMAB_FROM_DEVICE, 0), 1);
	assert_int_equal(dmab_map_sg(dev, apart, 2, DMAB_FROM_DEVICE, 0), 1);
	assert_int_equal(touch_in_child(buf + PG + 5), SIGSEGV);
	assert_int_equal(touch_in_child(buf + 3 * PG), 0);
	assert_int_equal(dmab_debug_guard_stats(dev, &c), 0);
	assert_int_equal(c.guarded, 1);
	assert_int_equal(c.refused, 1);
	struct dmab_debug_guard_hit hit;

	assert_true(dmab_debug_guard_lookup(buf + PG, &hit));
	assert_int_equal(hit.mapping.addr, row[0].dma_addr);
	assert_int_equal(hit.mapping.len, 2 * PG);
	assert_int_equal(dmab_unmap_sg(dev, row, 2, DMAB_FROM_DEVICE, 0), 0);
	assert_int_equal(dmab_unmap_sg(dev, apart, 2, DMAB_FROM_DEVICE, 0), 0);
	assert_int_equal(touch_in_child(buf + PG), 0);
	expect_quiet();
	destroy(dev);
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_unmap_single_classes),
	    cmocka_unit_test(test_unmap_sg_classes),
	    cmocka_unit_test(test_sync_classes),
	    cmocka_unit_test(test_overlap_and_teardown),
	    cmocka_unit_test(test_segment_limits),
	    cmocka_unit_test(test_guard),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
