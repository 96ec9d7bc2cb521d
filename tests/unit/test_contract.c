/* SPDX-License-Identifier: MIT */
/*
 * Points where dmabatch.h and the code once disagreed; each test holds the
 * code to what the header now says.
 */
#include <errno.h>

#include "helpers.h"
#include "sim_helpers.h"

#define KiB ((size_t)1024)

/* Only NULL picks a backend: "" is not a name. */
static void test_empty_backend_name(void **state)
{
	(void)state;
	struct dmab_device_config cfg = {.numa_node = -1, .backend = ""};
	struct dmab_device *dev = NULL;

	assert_int_equal(dmab_device_create(&cfg, &dev), -EINVAL);
	assert_null(dev);
	assert_true(strstr(dmab_last_error(), "empty backend name") != NULL);
}

/* A per-entry device completes each batch add at once; commit has nothing
 * left for it. */
static void test_batch_on_per_entry_device(void **state)
{
	(void)state;
	uint8_t *buf = page_buf(4096);
	struct dmab_device *dev = trace_dev(false, DMAB_SYNC_PER_ENTRY, 64);
	struct dmab_batch b;

	dmab_batch_init(&b);
	assert_int_equal(dmab_batch_sync_for_device(&b, dev, (uintptr_t)buf, 64, DMAB_TO_DEVICE),
			 0);
	EXPECT(dev, buf, {T_CLEAN, 0, 64}, {T_DONE, 0, 0});
	assert_int_equal(
	    dmab_batch_sync_for_cpu(&b, dev, (uintptr_t)buf + 1024, 64, DMAB_FROM_DEVICE), 0);
	EXPECT(dev, buf, {T_INVAL, 1024, 64}, {T_DONE, 0, 0});
	assert_int_equal(dmab_batch_commit(&b), 0);
	expect_empty(dev);
	destroy(dev);
	free(buf);
}

/* sync_sg: one completion batched, one per entry in per-entry mode. */
static void test_sync_sg_completions(void **state)
{
	(void)state;
	uint8_t *buf = page_buf(4096);

	for (int mode = 0; mode < 2; mode++) {
		struct dmab_device *dev = trace_dev(false, (enum dmab_sync_mode)mode, 64);
		struct dmab_sg sg[3];

		for (int i = 0; i < 3; i++)
			sg[i] = (struct dmab_sg){.addr = buf + 1024 * i, .len = 64};
		assert_int_equal(dmab_map_sg(dev, sg, 3, DMAB_TO_DEVICE, 0), 3);
		uint64_t before = stats_of(dev).completions;

		assert_int_equal(dmab_sync_sg_for_device(dev, sg, 3, DMAB_TO_DEVICE), 0);
		assert_int_equal(stats_of(dev).completions - before,
				 mode == DMAB_SYNC_PER_ENTRY ? 3 : 1);
		assert_int_equal(dmab_unmap_sg(dev, sg, 3, DMAB_TO_DEVICE, 0), 0);
		destroy(dev);
	}
	free(buf);
}

/* DMAB_BOUNCE_UNALIGNED alone: SIZE_MAX, and a buffer longer than a bounce
 * mapping may be is maintained in place. */
static void test_unaligned_only_max_size(void **state)
{
	(void)state;
	struct dmab_device_config cfg = {.numa_node = -1,
					 .backend = "trace",
					 .bounce = DMAB_BOUNCE_UNALIGNED,
					 .pool_size = 256 * KiB};
	struct dmab_device *dev;
	uint8_t *buf = page_buf(400 * KiB);
	dmab_addr_t a;

	assert_int_equal(dmab_device_create(&cfg, &dev), 0);
	assert_true(dmab_max_mapping_size(dev) == SIZE_MAX);
	assert_int_equal(dmab_map_single(dev, buf + 1, 300 * KiB, DMAB_FROM_DEVICE, 0, &a), 0);
	assert_true(a == (dmab_addr_t)(uintptr_t)(buf + 1));
	assert_int_equal(stats_of(dev).bounce_mappings, 0);
	assert_int_equal(dmab_unmap_single(dev, a, 300 * KiB, DMAB_FROM_DEVICE, 0), 0);
	/* a short one is bounced */
	assert_int_equal(dmab_map_single(dev, buf + 1, 100, DMAB_FROM_DEVICE, 0, &a), 0);
	assert_true(a != (dmab_addr_t)(uintptr_t)(buf + 1));
	assert_int_equal(dmab_unmap_single(dev, a, 100, DMAB_FROM_DEVICE, 0), 0);
	destroy(dev);
	free(buf);
}

/* Empty entries: no maintenance, but entries all the same. */
static void test_empty_entries(void **state)
{
	(void)state;
	static char x;
	struct dmab_device *dev = trace_dev(false, DMAB_SYNC_BATCHED, 64);
	struct dmab_sg sg[2] = {{&x, 0, 0, 0}, {NULL, 0, 0, 0}};

	assert_int_equal(dmab_map_sg(dev, sg, 2, DMAB_BIDIRECTIONAL, 0), 2);
	assert_int_equal(sg[0].dma_len, 0);
	assert_int_equal(sg[1].dma_len, 0);
	struct dmab_stats s = stats_of(dev);

	assert_int_equal(s.live_mappings, 2);
	assert_int_equal(s.lines_cleaned, 0);
	expect_empty(dev);
	assert_int_equal(dmab_sync_sg_for_cpu(dev, sg, 2, DMAB_BIDIRECTIONAL), 0);
	assert_int_equal(dmab_unmap_sg(dev, sg, 2, DMAB_BIDIRECTIONAL, 0), 0);
	assert_int_equal(stats_of(dev).live_mappings, 0);
	expect_empty(dev);
	destroy(dev);
}

/* A zero-length sync is -EINVAL, single and batched. */
static void test_zero_length_sync(void **state)
{
	(void)state;
	uint8_t *buf = page_buf(4096);
	struct dmab_device *dev = trace_dev(false, DMAB_SYNC_BATCHED, 64);
	struct dmab_batch b;
	dmab_addr_t a;

	assert_int_equal(dmab_map_single(dev, buf, 64, DMAB_BIDIRECTIONAL, 0, &a), 0);
	assert_int_equal(dmab_sync_single_for_cpu(dev, a, 0, DMAB_BIDIRECTIONAL), -EINVAL);
	assert_true(strstr(dmab_last_error(), "zero length") != NULL);
	assert_int_equal(dmab_sync_single_for_device(dev, a, 0, DMAB_BIDIRECTIONAL), -EINVAL);
	dmab_batch_init(&b);
	assert_int_equal(dmab_batch_sync_for_cpu(&b, dev, a, 0, DMAB_BIDIRECTIONAL), -EINVAL);
	assert_int_equal(dmab_batch_commit(&b), 0);
	assert_int_equal(dmab_unmap_single(dev, a, 64, DMAB_BIDIRECTIONAL, 0), 0);
	destroy(dev);
	free(buf);
}

/* Each simulator is a completion domain of its own; devices on one share. */
static void test_commit_two_simulators(void **state)
{
	(void)state;
	struct dmab_sim *s1 = new_sim(64, 1, 0), *s2 = new_sim(64, 2, 0);
	struct dmab_device *d1 = sim_dev(s1, DMAB_SYNC_BATCHED), *d1b = sim_dev(s1, 0);
	struct dmab_device *d2 = sim_dev(s2, DMAB_SYNC_BATCHED);
	uint8_t *m1 = sim_arena(s1, 4096, 0), *m2 = sim_arena(s2, 4096, 0);
	dmab_addr_t a1, a1b, a2;
	struct dmab_batch b;

	assert_int_equal(dmab_map_single(d1, m1, 64, DMAB_TO_DEVICE, 0, &a1), 0);
	assert_int_equal(dmab_map_single(d1b, m1 + 1024, 64, DMAB_TO_DEVICE, 0, &a1b), 0);
	assert_int_equal(dmab_map_single(d2, m2, 64, DMAB_TO_DEVICE, 0, &a2), 0);
	dmab_batch_init(&b);
	assert_int_equal(dmab_batch_sync_for_device(&b, d1, a1, 64, DMAB_TO_DEVICE), 0);
	assert_int_equal(dmab_batch_sync_for_device(&b, d1b, a1b, 64, DMAB_TO_DEVICE), 0);
	assert_int_equal(dmab_batch_commit(&b), 1);
	assert_int_equal(dmab_batch_sync_for_device(&b, d1, a1, 64, DMAB_TO_DEVICE), 0);
	assert_int_equal(dmab_batch_sync_for_device(&b, d2, a2, 64, DMAB_TO_DEVICE), 0);
	assert_int_equal(dmab_batch_commit(&b), 2);
	assert_int_equal(dmab_unmap_single(d1, a1, 64, DMAB_TO_DEVICE, 0), 0);
	assert_int_equal(dmab_unmap_single(d1b, a1b, 64, DMAB_TO_DEVICE, 0), 0);
	assert_int_equal(dmab_unmap_single(d2, a2, 64, DMAB_TO_DEVICE, 0), 0);
	destroy(d1);
	destroy(d1b);
	destroy(d2);
	sim_arena_free(s1, m1, 4096);
	sim_arena_free(s2, m2, 4096);
	dmab_sim_destroy(s1);
	dmab_sim_destroy(s2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_empty_backend_name),
	    cmocka_unit_test(test_batch_on_per_entry_device),
	    cmocka_unit_test(test_sync_sg_completions),
	    cmocka_unit_test(test_unaligned_only_max_size),
	    cmocka_unit_test(test_empty_entries),
	    cmocka_unit_test(test_zero_length_sync),
	    cmocka_unit_test(test_commit_two_simulators),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
