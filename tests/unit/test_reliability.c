/* SPDX-License-Identifier: MIT */
/*
 * Regression tests for misuse that once corrupted a device or crashed the
 * process: duplicated and double unmaps, unmaps of addresses never mapped,
 * ranges at the top of the address space, dmab_strerror(INT_MIN), and what
 * a failed map_sg leaves behind.
 */
#include <errno.h>
#include <limits.h>

#include <dmabatch/sim.h>

#include "helpers.h"

static struct dmab_device *bounce_dev(unsigned flags)
{
	struct dmab_device_config cfg = {
	    .numa_node = -1, .backend = "trace", .bounce = flags, .pool_size = 256 << 10};
	struct dmab_device *dev = NULL;

	assert_int_equal(dmab_device_create(&cfg, &dev), 0);
	return dev;
}

/* unmap_sg naming one bounced mapping twice frees it once and counts it
 * once: the other mapping stays live, and destroy refuses. */
static void test_unmap_sg_duplicate_entry(void **state)
{
	(void)state;
	struct dmab_device *dev = bounce_dev(DMAB_BOUNCE_FORCE);
	static char a[64], b[64];
	struct dmab_sg sg[2] = {{a, 64, 0, 0}, {b, 64, 0, 0}};

	assert_int_equal(dmab_map_sg(dev, sg, 2, DMAB_BIDIRECTIONAL, 0), 2);
	struct dmab_sg keep = sg[1];

	sg[1] = sg[0];
	assert_int_equal(dmab_unmap_sg(dev, sg, 2, DMAB_BIDIRECTIONAL, 0), 0);
	struct dmab_stats s = stats_of(dev);

	assert_int_equal(s.live_mappings, 1);
	assert_true(s.bounce_slots_used > 0);
	assert_int_equal(dmab_device_destroy(dev), -EBUSY);
	assert_true(strstr(dmab_last_error(), "still mapped") != NULL);
	assert_int_equal(dmab_unmap_single(dev, keep.dma_addr, keep.dma_len, DMAB_BIDIRECTIONAL, 0),
			 0);
	s = stats_of(dev);
	assert_int_equal(s.live_mappings, 0);
	assert_int_equal(s.bounce_slots_used, 0);
	destroy(dev);
}

/* A second unmap of a direct mapping is refused while only a bounced one is
 * live: it cannot take the bounced mapping's count, and destroy still
 * refuses until the bounced one is unmapped. */
static void test_double_unmap_direct(void **state)
{
	(void)state;
	struct dmab_device *dev = bounce_dev(DMAB_BOUNCE_UNALIGNED);
	static char a[128] __attribute__((aligned(64))), b[128] __attribute__((aligned(64)));
	dmab_addr_t da, db;

	assert_int_equal(dmab_map_single(dev, a, 64, DMAB_FROM_DEVICE, 0, &da), 0);
	assert_int_equal(dmab_map_single(dev, b + 1, 10, DMAB_FROM_DEVICE, 0, &db), 0);
	assert_true(da == (dmab_addr_t)(uintptr_t)a);
	assert_true(db != (dmab_addr_t)(uintptr_t)(b + 1));
	assert_int_equal(dmab_unmap_single(dev, da, 64, DMAB_FROM_DEVICE, 0), 0);
	assert_int_equal(dmab_unmap_single(dev, da, 64, DMAB_FROM_DEVICE, 0), -EINVAL);
	assert_true(strstr(dmab_last_error(), "mapped") != NULL);
	assert_int_equal(stats_of(dev).live_mappings, 1);
	assert_int_equal(dmab_device_destroy(dev), -EBUSY);
	assert_int_equal(dmab_unmap_single(dev, db, 10, DMAB_FROM_DEVICE, 0), 0);
	destroy(dev);
}

/* Unmap of an address no direct mapping ever covered: -EINVAL, no
 * maintenance, the live mapping still counted. */
static void test_unmap_never_mapped(void **state)
{
	(void)state;
	static char buf[4096] __attribute__((aligned(64)));
	struct dmab_device *dev = trace_dev(false, DMAB_SYNC_BATCHED, 64);
	dmab_addr_t a;

	assert_int_equal(dmab_map_single(dev, buf, 64, DMAB_FROM_DEVICE, 0, &a), 0);
	assert_int_equal(dmab_trace_clear(dev), 0);
	struct dmab_stats before = stats_of(dev);

	assert_int_equal(dmab_unmap_single(dev, 0x1000, 64, DMAB_FROM_DEVICE, 0), -EINVAL);
	assert_true(strstr(dmab_last_error(), "not mapped") != NULL);
	struct dmab_sg sg = {(void *)0x1000, 64, 0x1000, 64};

	assert_int_equal(dmab_unmap_sg(dev, &sg, 1, DMAB_FROM_DEVICE, 0), -EINVAL);
	/* one past the end of the span is outside it too */
	assert_int_equal(dmab_unmap_single(dev, a + 64, 64, DMAB_FROM_DEVICE, 0), -EINVAL);
	struct dmab_stats after = stats_of(dev);

	assert_memory_equal(&before, &after, sizeof(before));
	expect_empty(dev);
	assert_int_equal(dmab_device_destroy(dev), -EBUSY);
	assert_int_equal(dmab_unmap_single(dev, a, 64, DMAB_FROM_DEVICE, 0), 0);
	destroy(dev);
}

/* The same on the CPU's real backend, where maintenance of 0x1000 faults. */
static void test_unmap_never_mapped_native(void **state)
{
	(void)state;
	static char buf[4096] __attribute__((aligned(64)));
	struct dmab_device_config cfg = {.numa_node = -1};
	struct dmab_device *dev;
	dmab_addr_t a;

	if (dmab_device_create(&cfg, &dev) != 0)
		skip(); /* "generic" forced: no non-coherent device */
	assert_int_equal(dmab_map_single(dev, buf, 64, DMAB_FROM_DEVICE, 0, &a), 0);
	assert_int_equal(dmab_unmap_single(dev, 0x1000, 64, DMAB_FROM_DEVICE, 0), -EINVAL);
	assert_int_equal(stats_of(dev).live_mappings, 1);
	assert_int_equal(dmab_unmap_single(dev, a, 64, DMAB_FROM_DEVICE, 0), 0);
	destroy(dev);
}

/* Ranges whose line-rounded end wraps past 0 are refused everywhere, and
 * nothing moves. */
static void test_top_of_address_space(void **state)
{
	(void)state;
	struct dmab_device *plain = trace_dev(false, DMAB_SYNC_BATCHED, 64);
	struct dmab_device *forced = bounce_dev(DMAB_BOUNCE_FORCE);
	struct dmab_device *devs[2] = {plain, forced};
	const uintptr_t tops[3] = {UINTPTR_MAX - 100, UINTPTR_MAX - 63, UINTPTR_MAX};

	for (int d = 0; d < 2; d++) {
		struct dmab_device *dev = devs[d];
		struct dmab_stats before = stats_of(dev);
		dmab_addr_t a;

		for (int t = 0; t < 3; t++) {
			void *p = (void *)tops[t];
			struct dmab_sg sg = {p, 64, tops[t], 64};

			assert_int_equal(dmab_map_single(dev, p, 64, DMAB_TO_DEVICE, 0, &a),
					 -EINVAL);
			assert_true(strstr(dmab_last_error(), "overflows") != NULL);
			assert_int_equal(dmab_map_sg(dev, &sg, 1, DMAB_TO_DEVICE, 0), -EINVAL);
			assert_int_equal(dmab_unmap_single(dev, tops[t], 64, DMAB_TO_DEVICE, 0),
					 -EINVAL);
			assert_int_equal(
			    dmab_sync_single_for_cpu(dev, tops[t], 64, DMAB_FROM_DEVICE), -EINVAL);
			assert_int_equal(dmab_sync_sg_for_device(dev, &sg, 1, DMAB_TO_DEVICE),
					 -EINVAL);
		}
		if (d == 0)
			expect_empty(dev);
		struct dmab_stats after = stats_of(dev);

		assert_memory_equal(&before, &after, sizeof(before));
	}
	/* The last whole line below the top still maps, on a backend that only
	 * records (nothing is touched there). */
	void *last = (void *)(UINTPTR_MAX - 127);
	dmab_addr_t a;

	assert_int_equal(dmab_map_single(plain, last, 64, DMAB_TO_DEVICE, 0, &a), 0);
	assert_int_equal(dmab_unmap_single(plain, a, 64, DMAB_TO_DEVICE, 0), 0);
	destroy(plain);
	destroy(forced);
}

static void test_strerror_int_min(void **state)
{
	(void)state;
	assert_string_equal(dmab_strerror(INT_MIN), "not an error code");
	assert_string_equal(dmab_strerror(-ENOMEM), "out of memory, or the bounce pool is full");
}

/* A failed map_sg unmaps what it mapped; the first pool, made on the way,
 * stays (dmabatch.h says so): it is the device's, made once. */
static void test_failed_map_sg_keeps_first_pool(void **state)
{
	(void)state;
	struct dmab_device *dev = bounce_dev(DMAB_BOUNCE_FORCE);
	static char a[64];
	struct dmab_sg sg[2] = {{a, 64, 0, 0}, {NULL, 0, 0, 0}};

	/* the second entry is too long to bounce: -ERANGE after the first got slots */
	sg[1].addr = a;
	sg[1].len = (size_t)1 << 20;
	assert_int_equal(dmab_map_sg(dev, sg, 2, DMAB_TO_DEVICE, 0), -ERANGE);
	struct dmab_stats s = stats_of(dev);

	assert_int_equal(s.live_mappings, 0);
	assert_int_equal(s.bounce_slots_used, 0);
	assert_int_equal(s.maps, 0);
	assert_int_equal(s.bounce_pools, 1);
	assert_int_equal(s.bounce_slots_total, 128);
	destroy(dev);
}

/* A 1 TiB map on a simulator with 4 KiB registered models the 4 KiB and
 * counts the rest, rather than walking every line (it took minutes). */
static void test_sim_huge_range(void **state)
{
	(void)state;
	static uint8_t buf[4096] __attribute__((aligned(4096)));
	struct dmab_sim *sim;
	struct dmab_device *dev;
	struct dmab_sim_stats st;
	dmab_addr_t a;
	const size_t huge = (size_t)1 << 40;

	assert_int_equal(dmab_sim_create(NULL, &sim), 0);
	struct dmab_device_config cfg = {.numa_node = -1, .sim = sim};

	assert_int_equal(dmab_device_create(&cfg, &dev), 0);
	assert_int_equal(dmab_sim_register(sim, buf, sizeof(buf)), 0);
	size_t line = dmab_device_line_size(dev);

	buf[0] = 1; /* dirty: the clean writes it back */
	assert_int_equal(dmab_map_single(dev, buf, huge, DMAB_TO_DEVICE, 0, &a), 0);
	assert_int_equal(dmab_sim_get_stats(sim, &st), 0);
	assert_int_equal(st.unmodelled_lines, (huge - sizeof(buf)) / line);
	assert_int_equal(st.lines_written_back, 1);
	assert_int_equal(stats_of(dev).lines_cleaned, huge / line);
	assert_int_equal(dmab_unmap_single(dev, a, huge, DMAB_TO_DEVICE, 0), 0);
	destroy(dev);
	assert_int_equal(dmab_sim_unregister(sim, buf, sizeof(buf)), 0);
	dmab_sim_destroy(sim);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_unmap_sg_duplicate_entry),
	    cmocka_unit_test(test_double_unmap_direct),
	    cmocka_unit_test(test_unmap_never_mapped),
	    cmocka_unit_test(test_unmap_never_mapped_native),
	    cmocka_unit_test(test_top_of_address_space),
	    cmocka_unit_test(test_strerror_int_min),
	    cmocka_unit_test(test_failed_map_sg_keeps_first_pool),
	    cmocka_unit_test(test_sim_huge_range),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
