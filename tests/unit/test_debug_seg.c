/* SPDX-License-Identifier: MIT */
/*
 * The checker's segment-limit classes of dmab_map_sg(): a segment longer
 * than the device's max_seg_size (-EFBIG), one crossing a multiple of its
 * seg_boundary_mask + 1 (-EXDEV). Exactly at a limit passes, one byte over
 * fails, and a refused list leaves nothing mapped, issued or counted.
 */
#include <errno.h>

#include "debug_helpers.h"

#define WINDOW 65536u /* seg_boundary_mask 0xffff */

/* 256 KiB aligned to 64 KiB: windows start at buf, buf + 64 KiB, ... */
static uint8_t *window_buf(void)
{
	void *p = NULL;

	assert_int_equal(posix_memalign(&p, WINDOW, 4 * WINDOW), 0);
	memset(p, 0x5a, 4 * WINDOW);
	return p;
}

static struct dmab_device *limited_dev(unsigned bounce)
{
	return check_dev_cfg((struct dmab_device_config){
	    .max_seg_size = 8192, .seg_boundary_mask = WINDOW - 1, .bounce = bounce});
}

static void map_unmap_ok(struct dmab_device *dev, struct dmab_sg *sg, int n)
{
	assert_int_equal(dmab_map_sg(dev, sg, n, DMAB_TO_DEVICE, 0), n);
	assert_int_equal(dmab_unmap_sg(dev, sg, n, DMAB_TO_DEVICE, 0), 0);
	expect_quiet();
	assert_int_equal(dmab_trace_clear(dev), 0);
}

static void test_segment_size(void **state)
{
	(void)state;
	struct dmab_device *dev = limited_dev(0);
	uint8_t *buf = window_buf();

	/* exactly max_seg_size passes */
	struct dmab_sg ok[2] = {{.addr = buf + 2 * WINDOW, .len = 4096},
				{.addr = buf + 2 * WINDOW + 8192, .len = 8192}};

	map_unmap_ok(dev, ok, 2);
	struct dmab_sg sg[2] = {{.addr = buf, .len = 4096}, {.addr = buf + 8192, .len = 8192}};

	/* one byte over fails, nothing mapped, issued or counted */
	struct dmab_stats before = stats_of(dev);

	sg[1].len = 8193;
	expect_misuse(dev, dmab_map_sg(dev, sg, 2, DMAB_TO_DEVICE, 0), DMAB_DEBUG_MAP_SEG_SIZE,
		      &before);
	assert_int_equal(seen.last.limit, 8192);
	assert_int_equal(seen.last.len, 8193);
	assert_int_equal(seen.last.addr, (uintptr_t)(buf + 8192));
	assert_non_null(strstr(seen.text, "map_sg of 0x"));
	assert_non_null(strstr(seen.text, "with size 8193, longer than the device's "
					  "max_seg_size 8192"));
	assert_int_equal(dmab_debug_dump(dev, NULL), 0);
	assert_int_equal(stats_of(dev).live_mappings, 0);
	/* the first entry was unwound: unmapping the list is "never mapped" */
	sg[1].len = 8192;
	expect_misuse(dev, dmab_unmap_sg(dev, sg, 2, DMAB_TO_DEVICE, 0),
		      DMAB_DEBUG_UNMAP_NOT_MAPPED, &before);
	/* map_single takes no segment limits (as the kernel's dma-debug) */
	dmab_addr_t a;

	assert_int_equal(dmab_map_single(dev, buf, 3 * 8192, DMAB_TO_DEVICE, 0, &a), 0);
	assert_int_equal(dmab_unmap_single(dev, a, 3 * 8192, DMAB_TO_DEVICE, 0), 0);
	expect_quiet();
	destroy(dev);
	free(buf);
}

static void test_segment_boundary(void **state)
{
	(void)state;
	struct dmab_device *dev = limited_dev(0);
	uint8_t *buf = window_buf();
	uint8_t *edge = buf + WINDOW; /* a multiple of the boundary */

	/* ending on the boundary's last byte, and starting on the boundary, pass */
	struct dmab_sg sg[2] = {{.addr = edge - 4096, .len = 4096}, {.addr = edge, .len = 4096}};

	map_unmap_ok(dev, sg, 2);

	/* crossing it by one byte fails */
	struct dmab_stats before = stats_of(dev);
	struct dmab_sg cross[2] = {{.addr = buf, .len = 64}, {.addr = edge - 4096, .len = 4097}};

	expect_misuse(dev, dmab_map_sg(dev, cross, 2, DMAB_FROM_DEVICE, 0),
		      DMAB_DEBUG_MAP_SEG_BOUNDARY, &before);
	assert_int_equal(seen.last.limit, WINDOW - 1);
	assert_int_equal(seen.last.addr, (uintptr_t)(edge - 4096));
	assert_non_null(strstr(seen.text, "crossing the device's segment boundary "
					  "(seg_boundary_mask 0xffff)"));
	assert_int_equal(dmab_debug_dump(dev, NULL), 0);
	/* one byte short of crossing, from the other side */
	cross[1].addr = edge - 1;
	cross[1].len = 1;
	assert_int_equal(dmab_map_sg(dev, cross, 2, DMAB_FROM_DEVICE, 0), 2);
	assert_int_equal(dmab_unmap_sg(dev, cross, 2, DMAB_FROM_DEVICE, 0), 0);
	cross[1].len = 2;
	assert_int_equal(dmab_trace_clear(dev), 0);
	before = stats_of(dev);
	expect_misuse(dev, dmab_map_sg(dev, cross, 2, DMAB_FROM_DEVICE, 0),
		      DMAB_DEBUG_MAP_SEG_BOUNDARY, &before);
	destroy(dev);
	free(buf);
}

/* The kernel's defaults when the config says 0: 64 KiB and 4 GiB - 1. */
static void test_default_limits(void **state)
{
	(void)state;
	struct dmab_device *dev = check_dev();
	uint8_t *buf = window_buf();
	struct dmab_sg sg[1] = {{.addr = buf, .len = DMAB_MAX_SEG_SIZE_DEFAULT}};

	map_unmap_ok(dev, sg, 1);
	struct dmab_stats before = stats_of(dev);

	sg[0].len++;
	expect_misuse(dev, dmab_map_sg(dev, sg, 1, DMAB_TO_DEVICE, 0), DMAB_DEBUG_MAP_SEG_SIZE,
		      &before);
	assert_int_equal(seen.last.limit, DMAB_MAX_SEG_SIZE_DEFAULT);
	destroy(dev);
	free(buf);
}

/* Checking off: entries are mapped as given, whatever their length. */
static void test_not_checked_when_off(void **state)
{
	(void)state;
	struct dmab_device_config cfg = {.size = sizeof(cfg),
					 .numa_node = -1,
					 .backend = "trace",
					 .max_seg_size = 8192,
					 .seg_boundary_mask = WINDOW - 1};
	struct dmab_device *dev = NULL;
	uint8_t *buf = window_buf();

	assert_int_equal(dmab_device_create(&cfg, &dev), 0);
	assert_false(dmab_debug_enabled(dev));
	struct dmab_sg sg[1] = {{.addr = buf + WINDOW - 4096, .len = 3 * 8192}};

	assert_int_equal(dmab_map_sg(dev, sg, 1, DMAB_TO_DEVICE, 0), 1);
	assert_int_equal(dmab_unmap_sg(dev, sg, 1, DMAB_TO_DEVICE, 0), 0);
	destroy(dev);
	free(buf);
}

/* Bounced entries are judged on their slots' bus addresses, and a refused
 * list gives its slots back. */
static void test_bounced_unwound(void **state)
{
	(void)state;
	struct dmab_device *dev = limited_dev(DMAB_BOUNCE_FORCE);
	uint8_t *buf = window_buf();
	dmab_addr_t a;

	/* the pool, and a high-water mark above what the list below takes */
	assert_int_equal(dmab_map_single(dev, buf, 65536, DMAB_TO_DEVICE, 0, &a), 0);
	assert_int_equal(dmab_unmap_single(dev, a, 65536, DMAB_TO_DEVICE, 0), 0);
	assert_int_equal(dmab_trace_clear(dev), 0);
	struct dmab_stats before = stats_of(dev);
	struct dmab_sg sg[2] = {{.addr = buf, .len = 4096}, {.addr = buf + 8192, .len = 8193}};

	expect_misuse(dev, dmab_map_sg(dev, sg, 2, DMAB_TO_DEVICE, 0), DMAB_DEBUG_MAP_SEG_SIZE,
		      &before);
	assert_int_not_equal(seen.last.addr, (uintptr_t)(buf + 8192)); /* the slot's */
	struct dmab_stats now = stats_of(dev);

	assert_int_equal(now.bounce_slots_used, 0);
	assert_int_equal(now.bounce_slots_hwm, before.bounce_slots_hwm);
	assert_int_equal(now.bounce_mappings, before.bounce_mappings);
	assert_int_equal(now.bounce_bytes_to_device, before.bounce_bytes_to_device);
	sg[1].len = 8192;
	map_unmap_ok(dev, sg, 2);
	destroy(dev);
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_segment_size),    cmocka_unit_test(test_segment_boundary),
	    cmocka_unit_test(test_default_limits),  cmocka_unit_test(test_not_checked_when_off),
	    cmocka_unit_test(test_bounced_unwound),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
