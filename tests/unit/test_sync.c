/* SPDX-License-Identifier: MIT */
/* sync_single and sync_sg, for the CPU and for the device. */
#include <errno.h>

#include "helpers.h"

/* for_device cleans in every direction; for_cpu invalidates unless
 * TO_DEVICE; a coherent device gets nothing; one completion per call. */
static void test_sync_single_rules(void **state)
{
	(void)state;
	uint8_t *buf = page_buf(4096);

	for (int coherent = 0; coherent < 2; coherent++) {
		struct dmab_device *dev = trace_dev(coherent, DMAB_SYNC_BATCHED, 64);
		dmab_addr_t a;

		assert_int_equal(dmab_map_single(dev, buf, 1024, DMAB_BIDIRECTIONAL,
						 DMAB_ATTR_SKIP_CPU_SYNC, &a),
				 0);
		for (int dir = 0; dir < 3; dir++) {
			/* a sub-range of the mapping, unaligned at both ends */
			assert_int_equal(
			    dmab_sync_single_for_device(dev, a + 100, 300, (enum dmab_dir)dir), 0);
			if (coherent)
				expect_empty(dev);
			else
				EXPECT(dev, buf, {T_CLEAN, 64, 384}, {T_DONE, 0, 0});
			assert_int_equal(
			    dmab_sync_single_for_cpu(dev, a + 100, 300, (enum dmab_dir)dir), 0);
			if (coherent || dir == DMAB_TO_DEVICE)
				expect_empty(dev);
			else
				EXPECT(dev, buf, {T_CIVAC, 64, 64}, {T_INVAL, 128, 256},
				       {T_CIVAC, 384, 64}, {T_DONE, 0, 0});
		}
		assert_int_equal(
		    dmab_unmap_single(dev, a, 1024, DMAB_BIDIRECTIONAL, DMAB_ATTR_SKIP_CPU_SYNC),
		    0);
		destroy(dev);
	}
	free(buf);
}

static void test_sync_sg(void **state)
{
	(void)state;
	uint8_t *buf = page_buf(8192);
	struct dmab_device *dev = trace_dev(false, DMAB_SYNC_BATCHED, 64);
	struct dmab_sg sg[3] = {{.addr = buf, .len = 4096},
				{.addr = buf + 4096, .len = 0},
				{.addr = buf + 4096 + 32, .len = 64}};

	assert_int_equal(dmab_map_sg(dev, sg, 3, DMAB_FROM_DEVICE, DMAB_ATTR_SKIP_CPU_SYNC), 3);
	assert_int_equal(dmab_sync_sg_for_cpu(dev, sg, 3, DMAB_FROM_DEVICE), 0);
	EXPECT(dev, buf, {T_INVAL, 0, 4096}, {T_CIVAC, 4096, 128}, {T_DONE, 0, 0});
	assert_int_equal(dmab_sync_sg_for_device(dev, sg, 3, DMAB_FROM_DEVICE), 0);
	EXPECT(dev, buf, {T_CLEAN, 0, 4096 + 128}, {T_DONE, 0, 0});
	assert_int_equal(dmab_sync_sg_for_cpu(dev, sg, 3, DMAB_TO_DEVICE), 0);
	expect_empty(dev);
	struct dmab_stats s = stats_of(dev);

	assert_int_equal(s.completions, 2);
	assert_int_equal(s.completions_saved, 2);
	assert_int_equal(dmab_unmap_sg(dev, sg, 3, DMAB_FROM_DEVICE, DMAB_ATTR_SKIP_CPU_SYNC), 0);
	destroy(dev);
	free(buf);
}

static void test_sync_sg_per_entry(void **state)
{
	(void)state;
	uint8_t *buf = page_buf(4096);
	struct dmab_device *dev = trace_dev(false, DMAB_SYNC_PER_ENTRY, 64);
	struct dmab_sg sg[2] = {{.addr = buf, .len = 64}, {.addr = buf + 64, .len = 64}};

	assert_int_equal(dmab_map_sg(dev, sg, 2, DMAB_TO_DEVICE, DMAB_ATTR_SKIP_CPU_SYNC), 2);
	assert_int_equal(dmab_sync_sg_for_device(dev, sg, 2, DMAB_TO_DEVICE), 0);
	EXPECT(dev, buf, {T_CLEAN, 0, 64}, {T_DONE, 0, 0}, {T_CLEAN, 64, 64}, {T_DONE, 0, 0});
	assert_int_equal(dmab_unmap_sg(dev, sg, 2, DMAB_TO_DEVICE, 0), 0);
	destroy(dev);
	free(buf);
}

static void test_sync_bad_input(void **state)
{
	(void)state;
	uint8_t *buf = page_buf(4096);
	struct dmab_device *dev = trace_dev(false, DMAB_SYNC_BATCHED, 64);
	struct dmab_sg sg[2] = {{.addr = buf, .len = 64}, {.addr = buf + 64, .len = 64}};

	assert_int_equal(dmab_map_sg(dev, sg, 2, DMAB_TO_DEVICE, DMAB_ATTR_SKIP_CPU_SYNC), 2);
	struct dmab_stats s0 = stats_of(dev);
	struct dmab_sg unmapped[2] = {sg[0],
				      {.addr = buf, .len = 64, .dma_addr = 0, .dma_len = 64}};

	assert_int_equal(dmab_sync_single_for_cpu(NULL, (uintptr_t)buf, 64, 0), -EINVAL);
	assert_int_equal(dmab_sync_single_for_cpu(dev, (uintptr_t)buf, 0, 0), -EINVAL);
	assert_int_equal(dmab_sync_single_for_cpu(dev, (uintptr_t)buf, 64, (enum dmab_dir)3),
			 -EINVAL);
	assert_int_equal(dmab_sync_single_for_device(dev, UINT64_MAX - 4, 64, 0), -EINVAL);
	assert_int_equal(dmab_sync_sg_for_cpu(dev, sg, 0, 0), -EINVAL);
	assert_int_equal(dmab_sync_sg_for_cpu(dev, NULL, 2, 0), -EINVAL);
	assert_int_equal(dmab_sync_sg_for_device(dev, sg, 2, (enum dmab_dir)7), -EINVAL);
	/* the second entry is bad: the first must not have been synced */
	assert_int_equal(dmab_sync_sg_for_device(dev, unmapped, 2, 0), -EINVAL);
	expect_empty(dev);
	struct dmab_stats s1 = stats_of(dev);

	assert_stats_equal(&s0, &s1);
	assert_int_equal(dmab_unmap_sg(dev, sg, 2, DMAB_TO_DEVICE, 0), 0);
	destroy(dev);
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_sync_single_rules),
	    cmocka_unit_test(test_sync_sg),
	    cmocka_unit_test(test_sync_sg_per_entry),
	    cmocka_unit_test(test_sync_bad_input),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
