/* SPDX-License-Identifier: MIT */
/*
 * Bounce pool growth and retirement: extra pools when every pool is full,
 * up to the bound, mappings found in them, given back when empty, and a
 * list that crosses areas and pools.
 * The trace backend is the eyes; with identity translation a bus address
 * is also the slot's CPU address, so a test plays the device by writing
 * through it.
 */
#include <errno.h>

#include "bounce_helpers.h"

static int by_addr(const void *a, const void *b)
{
	dmab_addr_t x = *(const dmab_addr_t *)a, y = *(const dmab_addr_t *)b;

	return x < y ? -1 : x > y;
}

/* Growth: extra pools when full, up to the bound; unmap and sync find
 * mappings in them; they are given back when empty. */
static void test_growth(void **state)
{
	(void)state;
	struct dmab_device_config cfg = force_cfg();
	uint8_t *buf = pattern_buf(4096, 31);
	dmab_addr_t a[3 * 128];

	cfg.pool_size = 256 * KiB;
	cfg.pool_max_extra = 2;
	struct dmab_device *dev = make(&cfg);

	for (int i = 0; i < 3 * 128; i++) {
		assert_int_equal(dmab_map_single(dev, buf + i % 2, 2000, DMAB_BIDIRECTIONAL,
						 DMAB_ATTR_NO_WARN, &a[i]),
				 0);
		assert_int_equal(stats_of(dev).bounce_pools, 1 + i / 128);
	}
	assert_int_equal(dmab_map_single(dev, buf, 1, DMAB_TO_DEVICE, DMAB_ATTR_NO_WARN, &a[0]),
			 -ENOMEM);
	struct dmab_stats s = stats_of(dev);

	assert_int_equal(s.bounce_slots_total, 3 * 128);
	assert_int_equal(s.bounce_slots_used, 3 * 128);
	assert_int_equal(s.bounce_slots_hwm, 3 * 128);
	assert_int_equal(s.bounce_full, 1);
	assert_int_equal(s.bounce_pools, 3); /* two extra pools were added */

	/* a mapping in the last pool: device write, sync, unmap */
	dmab_addr_t last = a[3 * 128 - 1];

	memset(bus_ptr(last), 0x5c, 2000);
	assert_int_equal(dmab_sync_single_for_cpu(dev, last + 10, 20, DMAB_BIDIRECTIONAL), 0);
	assert_int_equal(buf[1 + 10], 0x5c);
	assert_int_equal(buf[1 + 30], (uint8_t)(31 + 31 * 7));
	assert_int_equal(buf[1 + 9], (uint8_t)(31 + 10 * 7));

	/* empty the third pool: it goes, the others stay */
	for (int i = 2 * 128; i < 3 * 128; i++)
		assert_int_equal(
		    dmab_unmap_single(dev, a[i], 2000, DMAB_BIDIRECTIONAL, DMAB_ATTR_SKIP_CPU_SYNC),
		    0);
	s = stats_of(dev);
	assert_int_equal(s.bounce_pools, 2);
	assert_int_equal(s.bounce_slots_total, 2 * 128);
	assert_int_equal(s.bounce_slots_hwm, 3 * 128);
	/* and the room can be had again */
	assert_int_equal(dmab_map_single(dev, buf, 100, DMAB_TO_DEVICE, 0, &a[2 * 128]), 0);
	assert_int_equal(stats_of(dev).bounce_pools, 3);
	assert_int_equal(dmab_unmap_single(dev, a[2 * 128], 100, DMAB_TO_DEVICE, 0), 0);
	for (int i = 0; i < 2 * 128; i++)
		assert_int_equal(
		    dmab_unmap_single(dev, a[i], 2000, DMAB_BIDIRECTIONAL, DMAB_ATTR_SKIP_CPU_SYNC),
		    0);
	s = stats_of(dev);
	assert_int_equal(s.bounce_pools, 1); /* the first pool stays */
	assert_int_equal(s.bounce_slots_total, 128);
	assert_int_equal(s.bounce_slots_used, 0);
	destroy(dev); /* waits for the retired pools' grace periods */
	free(buf);
}

/* A list whose entries fill one area, the next, then an extra pool: the
 * area lock a list keeps moves with it; failing at the end unwinds all. */
static void test_list_across_areas_and_pools(void **state)
{
	(void)state;
	enum { N = 2 * 256 + 1 };
	struct dmab_device_config cfg = force_cfg();
	uint8_t *buf = pattern_buf(N * 64, 37);
	struct dmab_sg *sg = calloc(N, sizeof(*sg));

	cfg.pool_size = 512 * KiB; /* 256 slots, two areas */
	cfg.pool_areas = 2;
	cfg.pool_max_extra = 1;
	struct dmab_device *dev = make(&cfg);

	for (int i = 0; i < N; i++)
		sg[i] = (struct dmab_sg){.addr = buf + i * 64, .len = 64};
	assert_int_equal(dmab_map_sg(dev, sg, 300, DMAB_BIDIRECTIONAL, 0), 300);
	struct dmab_stats s = stats_of(dev);

	assert_int_equal(s.bounce_pools, 2);
	assert_int_equal(s.bounce_slots_used, 300);
	/* 300 entries of 64 bytes hold 300 different slots */
	dmab_addr_t *slot = calloc(300, sizeof(*slot));

	for (int i = 0; i < 300; i++)
		slot[i] = sg[i].dma_addr / DMAB_POOL_SLOT_SIZE;
	qsort(slot, 300, sizeof(*slot), by_addr);
	for (int i = 1; i < 300; i++)
		assert_true(slot[i] > slot[i - 1]);
	free(slot);
	for (int i = 0; i < 300; i++) {
		assert_memory_equal(bus_ptr(sg[i].dma_addr), buf + i * 64, 64);
		memset(bus_ptr(sg[i].dma_addr), i, 64);
	}
	assert_int_equal(dmab_unmap_sg(dev, sg, 300, DMAB_BIDIRECTIONAL, 0), 0);
	for (int i = 0; i < 300; i++)
		assert_int_equal(buf[i * 64 + 63], (uint8_t)i);
	s = stats_of(dev);
	assert_int_equal(s.bounce_slots_used, 0);
	assert_int_equal(s.bounce_pools, 1);

	/* two pools hold 512 entries; the 513th fails and all are undone */
	struct dmab_stats s0 = stats_of(dev);

	assert_int_equal(dmab_map_sg(dev, sg, N, DMAB_TO_DEVICE, DMAB_ATTR_NO_WARN), -ENOMEM);
	assert_true(strstr(dmab_last_error(), "entry 512") != NULL);
	s = stats_of(dev);
	assert_stats_equal(&s0, &s);
	assert_int_equal(s.bounce_slots_used, 0);
	assert_int_equal(s.bounce_pools, 1);
	assert_int_equal(s.bounce_slots_hwm, 512);
	assert_int_equal(s.bounce_full, 1);
	assert_int_equal(dmab_map_sg(dev, sg, N - 1, DMAB_TO_DEVICE, 0), N - 1);
	assert_int_equal(dmab_unmap_sg(dev, sg, N - 1, DMAB_TO_DEVICE, 0), 0);
	destroy(dev);
	free(sg);
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_growth),
	    cmocka_unit_test(test_list_across_areas_and_pools),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
