/* SPDX-License-Identifier: MIT */
/* The kernel's spellings: attribute values, the mask set after creation,
 * cache alignment, need_sync, the sg_table wrappers; and their errors. */
#include <errno.h>

#include "helpers.h"

#define MASK28 ((UINT64_C(1) << 28) - 1)

static struct dmab_device *make(bool coherent, unsigned bits, unsigned bounce)
{
	struct dmab_device_config cfg = {.name = "k",
					 .coherent = coherent,
					 .numa_node = -1,
					 .backend = "trace",
					 .dma_bits = bits,
					 .bounce = bounce};
	struct dmab_device *dev = NULL;

	assert_int_equal(dmab_device_create(&cfg, &dev), 0);
	return dev;
}

/* A heap buffer, above 256 MiB on every machine the tests run on. */
static uint8_t *high_buf(void)
{
	uint8_t *p = page_buf(8192);

	if ((uintptr_t)p <= MASK28)
		skip();
	return p;
}

static void test_attr_values(void **state)
{
	(void)state;
	struct dmab_device *dev = make(false, 0, 0);
	uint8_t *buf = page_buf(4096);
	dmab_addr_t a = 7;

	/* the kernel's DMA_ATTR_SKIP_CPU_SYNC and DMA_ATTR_NO_WARN */
	assert_int_equal(DMAB_ATTR_SKIP_CPU_SYNC, 32);
	assert_int_equal(DMAB_ATTR_NO_WARN, 256);
	/* the old bits 0 and 1 are unknown now: refused, nothing mapped */
	assert_int_equal(dmab_map_single(dev, buf, 64, DMAB_TO_DEVICE, 1u << 0, &a), -EINVAL);
	assert_true(strstr(dmab_last_error(), "unknown attribute bits 0x1") != NULL);
	assert_int_equal(dmab_map_single(dev, buf, 64, DMAB_TO_DEVICE, 1u << 1, &a), -EINVAL);
	assert_int_equal(a, 7); /* *out unchanged on failure */
	assert_int_equal(stats_of(dev).live_mappings, 0);
	/* skip: no lines cleaned */
	assert_int_equal(dmab_map_single(dev, buf, 64, DMAB_TO_DEVICE,
					 DMAB_ATTR_SKIP_CPU_SYNC | DMAB_ATTR_NO_WARN, &a),
			 0);
	assert_int_equal(stats_of(dev).lines_cleaned, 0);
	assert_int_equal(dmab_unmap_single(dev, a, 64, DMAB_TO_DEVICE, DMAB_ATTR_SKIP_CPU_SYNC), 0);
	destroy(dev);
	free(buf);
}

static void test_set_mask_narrows(void **state)
{
	(void)state;
	struct dmab_device *dev = make(false, 0, 0);
	uint8_t *buf = high_buf();
	dmab_addr_t a;

	assert_int_equal(dmab_get_mask(dev), UINT64_MAX);
	assert_int_equal(dmab_max_mapping_size(dev), SIZE_MAX);
	assert_int_equal(dmab_set_mask(dev, MASK28), 0);
	assert_int_equal(dmab_get_mask(dev), MASK28);
	assert_int_equal(dmab_max_mapping_size(dev), 256 * 1024);
	/* the device now bounces what is beyond 28 bits */
	assert_int_equal(dmab_map_single(dev, buf, 300, DMAB_TO_DEVICE, 0, &a), 0);
	assert_true(a + 300 - 1 <= MASK28);
	assert_int_equal(stats_of(dev).bounce_mappings, 1);
	/* after the first mapping: -EBUSY, mask unchanged, even once unmapped */
	assert_int_equal(dmab_set_mask(dev, UINT64_MAX), -EBUSY);
	assert_int_equal(dmab_unmap_single(dev, a, 300, DMAB_TO_DEVICE, 0), 0);
	assert_int_equal(dmab_set_mask_and_coherent(dev, UINT64_MAX), -EBUSY);
	assert_true(strstr(dmab_last_error(), "mapped already") != NULL);
	assert_int_equal(dmab_get_mask(dev), MASK28);
	destroy(dev);
	free(buf);
}

static void test_set_mask_widens(void **state)
{
	(void)state;
	struct dmab_device *dev = make(false, 28, 0);
	uint8_t *buf = high_buf();
	dmab_addr_t a;

	assert_int_equal(dmab_set_mask_and_coherent(dev, UINT64_MAX), 0);
	assert_int_equal(dmab_max_mapping_size(dev), SIZE_MAX);
	assert_int_equal(dmab_map_single(dev, buf, 300, DMAB_TO_DEVICE, 0, &a), 0);
	assert_int_equal(a, (uintptr_t)buf); /* in place, no bounce */
	assert_int_equal(stats_of(dev).bounce_mappings, 0);
	assert_int_equal(stats_of(dev).bounce_pools, 0);
	assert_int_equal(dmab_unmap_single(dev, a, 300, DMAB_TO_DEVICE, 0), 0);
	destroy(dev);

	/* bouncing off: the narrowed device refuses what is beyond */
	dev = make(false, 0, DMAB_BOUNCE_NEVER);
	assert_int_equal(dmab_set_mask(dev, MASK28), 0);
	assert_int_equal(dmab_map_single(dev, buf, 64, DMAB_TO_DEVICE, 0, &a), -ERANGE);
	destroy(dev);
	free(buf);
}

/* The device's NUMA area was placed at creation: a narrower mask it does not
 * fit is refused, the mask kept. */
static void test_set_mask_area(void **state)
{
	(void)state;
	struct dmab_device_config cfg = {
	    .numa_node = -1, .backend = "trace", .numa_area_size = 64 * 1024};
	struct dmab_device *dev = NULL;

	assert_int_equal(dmab_device_create(&cfg, &dev), 0);
	assert_int_equal(dmab_set_mask(dev, MASK28), -ERANGE);
	assert_true(strstr(dmab_last_error(), "NUMA area") != NULL);
	assert_int_equal(dmab_get_mask(dev), UINT64_MAX);
	assert_int_equal(dmab_set_mask(dev, UINT64_MAX), 0); /* the same mask: nothing to redo */
	destroy(dev);
}

static void test_set_mask_errors(void **state)
{
	(void)state;
	struct dmab_device *dev = make(false, 32, 0);
	const uint64_t bad[] = {0, 0x1234, UINT64_C(0xffff0000), UINT64_C(1) << 63};

	assert_int_equal(dmab_set_mask(NULL, MASK28), -EINVAL);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(dmab_set_mask(dev, bad[i]), -EINVAL);
		assert_true(strstr(dmab_last_error(), "not 2^n - 1") != NULL);
		assert_int_equal(dmab_get_mask(dev), UINT64_C(0xffffffff));
	}
	assert_int_equal(dmab_get_mask(NULL), 0);
	/* DMA memory was placed under the old mask: busy while it is held */
	void *cpu = NULL;
	dmab_addr_t dma = 0;

	assert_int_equal(dmab_alloc_noncoherent(dev, 4096, DMAB_TO_DEVICE, &cpu, &dma), 0);
	assert_int_equal(dmab_set_mask(dev, MASK28), -EBUSY);
	assert_true(strstr(dmab_last_error(), "holds DMA memory") != NULL);
	assert_int_equal(dmab_free_noncoherent(dev, 4096, cpu, dma, DMAB_TO_DEVICE), 0);
	assert_int_equal(dmab_set_mask(dev, 1), 0); /* DMA_BIT_MASK(1) */
	assert_int_equal(dmab_get_mask(dev), 1);
	destroy(dev);
}

static void test_cache_alignment(void **state)
{
	(void)state;
	struct dmab_device_config cfg = {.numa_node = -1, .backend = "trace", .line_size = 128};
	struct dmab_device *dev = NULL;

	assert_int_equal(dmab_device_create(&cfg, &dev), 0);
	assert_int_equal(dmab_get_cache_alignment(dev), 128);
	assert_int_equal(dmab_get_cache_alignment(dev), dmab_device_line_size(dev));
	assert_int_equal(dmab_get_cache_alignment(NULL), 0);
	destroy(dev);
}

static void test_need_sync(void **state)
{
	(void)state;
	struct dmab_device *nc = make(false, 0, 0), *co = make(true, 0, 0);
	struct dmab_device *cob = make(true, 28, 0);
	uint8_t *buf = high_buf();
	dmab_addr_t a, b;

	assert_int_equal(dmab_need_sync(NULL, 0), -EINVAL);
	assert_int_equal(dmab_map_single(nc, buf, 64, DMAB_TO_DEVICE, 0, &a), 0);
	assert_int_equal(dmab_need_sync(nc, a), 1);
	assert_int_equal(dmab_unmap_single(nc, a, 64, DMAB_TO_DEVICE, 0), 0);
	assert_int_equal(dmab_map_single(co, buf, 64, DMAB_TO_DEVICE, 0, &a), 0);
	assert_int_equal(dmab_need_sync(co, a), 0);
	assert_int_equal(dmab_unmap_single(co, a, 64, DMAB_TO_DEVICE, 0), 0);
	/* a coherent device's bounced mapping: the syncs copy */
	assert_int_equal(dmab_map_single(cob, buf, 64, DMAB_BIDIRECTIONAL, 0, &b), 0);
	assert_int_equal(dmab_need_sync(cob, b), 1);
	assert_int_equal(dmab_need_sync(cob, b + 64), 0); /* not a live mapping */
	assert_int_equal(dmab_unmap_single(cob, b, 64, DMAB_BIDIRECTIONAL, 0), 0);
	assert_int_equal(dmab_need_sync(cob, b), 0);
	destroy(nc);
	destroy(co);
	destroy(cob);
	free(buf);
}

static void test_sgtable(void **state)
{
	(void)state;
	struct dmab_device *dev = make(false, 0, 0);
	uint8_t *buf = page_buf(3 * 4096);
	struct dmab_sg sg[3];
	struct dmab_sg_table t = {.sgl = sg, .orig_nents = 3, .nents = -5};

	for (int i = 0; i < 3; i++)
		sg[i] = (struct dmab_sg){.addr = buf + i * 4096 + 8, .len = 100};
	/* errors: nothing mapped, the table as it was */
	assert_int_equal(dmab_map_sgtable(dev, NULL, DMAB_TO_DEVICE, 0), -EINVAL);
	assert_int_equal(dmab_map_sgtable(dev, &t, (enum dmab_dir)7, 0), -EINVAL);
	t.orig_nents = 0;
	assert_int_equal(dmab_map_sgtable(dev, &t, DMAB_TO_DEVICE, 0), -EINVAL);
	assert_true(strstr(dmab_last_error(), "orig_nents") != NULL);
	t.orig_nents = 3;
	t.sgl = NULL;
	assert_int_equal(dmab_map_sgtable(dev, &t, DMAB_TO_DEVICE, 0), -EINVAL);
	t.sgl = sg;
	assert_int_equal(t.nents, -5);
	assert_int_equal(stats_of(dev).live_mappings, 0);

	assert_int_equal(dmab_map_sgtable(dev, &t, DMAB_BIDIRECTIONAL, 0), 0);
	assert_int_equal(t.nents, 3);
	assert_int_equal(stats_of(dev).live_mappings, 3);
	assert_int_equal(dmab_sync_sgtable_for_cpu(dev, &t, DMAB_BIDIRECTIONAL), 0);
	assert_int_equal(dmab_sync_sgtable_for_device(dev, &t, DMAB_BIDIRECTIONAL), 0);
	assert_int_equal(dmab_sync_sgtable_for_cpu(dev, NULL, DMAB_BIDIRECTIONAL), -EINVAL);
	assert_int_equal(dmab_sync_sgtable_for_device(dev, NULL, DMAB_BIDIRECTIONAL), -EINVAL);
	assert_int_equal(dmab_unmap_sgtable(dev, NULL, DMAB_BIDIRECTIONAL, 0), -EINVAL);
	assert_int_equal(dmab_unmap_sgtable(dev, &t, DMAB_BIDIRECTIONAL, 0), 0);
	assert_int_equal(stats_of(dev).live_mappings, 0);
	destroy(dev);
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_attr_values),	    cmocka_unit_test(test_set_mask_narrows),
	    cmocka_unit_test(test_set_mask_widens), cmocka_unit_test(test_set_mask_errors),
	    cmocka_unit_test(test_set_mask_area),   cmocka_unit_test(test_cache_alignment),
	    cmocka_unit_test(test_need_sync),	    cmocka_unit_test(test_sgtable),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
