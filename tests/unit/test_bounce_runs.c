/* SPDX-License-Identifier: MIT */
/*
 * A bounced list's slots taken as runs for alike entries and freed merged
 * (src/bounce/run.c): each entry still gets the slots it would get alone
 * (contiguous, aligned, the same ones every time the area drains), the
 * copies go to and from the right places, the high-water mark and the
 * counts are exact, and a list that runs out of room half-way leaves every
 * slot as it was.
 */
#include <errno.h>
#include <string.h>

#include "bounce_helpers.h"

#define PAGE 4096
#define N    64

static struct dmab_device *dev_of(size_t pool)
{
	struct dmab_device_config cfg = force_cfg();

	cfg.pool_size = pool;
	return make(&cfg);
}

static void list_of(struct dmab_sg *sg, uint8_t *buf, int n, size_t len, size_t stride)
{
	for (int i = 0; i < n; i++)
		sg[i] = (struct dmab_sg){.addr = buf + (size_t)i * stride, .len = len};
}

/* 64 pages, three times: contiguous page-aligned slots, the same ones each
 * time; the data goes in at map and comes back at unmap. */
static void test_alike_entries(void **state)
{
	(void)state;
	struct dmab_device *dev = dev_of(1 << 20); /* 512 slots */
	uint8_t *buf = page_buf(N * PAGE);
	struct dmab_sg sg[N];
	dmab_addr_t first = 0;

	for (int round = 0; round < 3; round++) {
		for (size_t i = 0; i < N * PAGE; i++)
			buf[i] = (uint8_t)(i * 7 + (size_t)round);
		list_of(sg, buf, N, PAGE, PAGE);
		assert_int_equal(dmab_map_sg(dev, sg, N, DMAB_BIDIRECTIONAL, 0), N);
		if (!round)
			first = sg[0].dma_addr;
		assert_int_equal(sg[0].dma_addr, first);
		for (int i = 0; i < N; i++) {
			uint8_t *slot = (uint8_t *)(uintptr_t)sg[i].dma_addr;

			assert_int_equal(sg[i].dma_addr, first + (dmab_addr_t)i * PAGE);
			assert_int_equal(sg[i].dma_addr % PAGE, 0);
			assert_memory_equal(slot, buf + (size_t)i * PAGE, PAGE);
			memset(slot, 0xc0 + i % 16, PAGE); /* the device writes */
		}
		assert_int_equal(stats_of(dev).bounce_slots_used, 2 * N);
		assert_int_equal(dmab_unmap_sg(dev, sg, N, DMAB_BIDIRECTIONAL, 0), 0);
		for (int i = 0; i < N; i++)
			assert_int_equal(buf[(size_t)i * PAGE + 100], 0xc0 + i % 16);
		struct dmab_stats s = stats_of(dev);

		assert_int_equal(s.bounce_slots_used, 0);
		assert_int_equal(s.bounce_slots_hwm, 2 * N);
		assert_int_equal(s.live_mappings, 0);
		assert_int_equal(s.bounce_mappings, (uint64_t)(round + 1) * N);
	}
	destroy(dev);
	free(buf);
}

/* Runs broken by entries of other shapes: every entry still lands where its
 * own placement says, and each copy is its own. */
static void test_mixed_entries(void **state)
{
	(void)state;
	struct dmab_device *dev = dev_of(1 << 20);
	uint8_t *buf = page_buf(8 * PAGE);
	static const size_t off[] = {0,	       PAGE,	 2 * PAGE + 64, 3 * PAGE,
				     4 * PAGE, 5 * PAGE, 6 * PAGE};
	static const size_t len[] = {PAGE, PAGE, 2048, PAGE, PAGE, 100, PAGE};
	enum { M = sizeof(off) / sizeof(off[0]) };
	struct dmab_sg sg[M];

	for (int round = 0; round < 2; round++) {
		for (size_t i = 0; i < 8 * PAGE; i++)
			buf[i] = (uint8_t)(i * 13 + (size_t)round);
		for (int i = 0; i < M; i++)
			sg[i] = (struct dmab_sg){.addr = buf + off[i], .len = len[i]};
		assert_int_equal(dmab_map_sg(dev, sg, M, DMAB_TO_DEVICE, 0), M);
		for (int i = 0; i < M; i++) {
			assert_memory_equal((void *)(uintptr_t)sg[i].dma_addr, buf + off[i],
					    len[i]);
			if (len[i] >= PAGE)
				assert_int_equal(sg[i].dma_addr % PAGE, 0);
			for (int j = 0; j < i; j++) /* no two share a slot */
				assert_true(sg[j].dma_addr + len[j] <= sg[i].dma_addr ||
					    sg[i].dma_addr + len[i] <= sg[j].dma_addr);
		}
		assert_int_equal(dmab_unmap_sg(dev, sg, M, DMAB_TO_DEVICE, 0), 0);
		assert_int_equal(stats_of(dev).bounce_slots_used, 0);
	}
	destroy(dev);
	free(buf);
}

/* Room for 56 of 64 pages: refused at entry 56, and every slot the list
 * took (in runs or one by one) is back; then 56 fit. */
static void test_runs_out_half_way(void **state)
{
	(void)state;
	struct dmab_device *dev = dev_of(1 << 20); /* 512 slots */
	uint8_t *buf = page_buf(N * PAGE), *one = page_buf(PAGE);
	struct dmab_sg sg[N];
	dmab_addr_t held[200];

	/* Once, so the area's quota is there and the list takes runs. */
	list_of(sg, buf, N, PAGE, PAGE);
	assert_int_equal(dmab_map_sg(dev, sg, N, DMAB_TO_DEVICE, 0), N);
	assert_int_equal(dmab_unmap_sg(dev, sg, N, DMAB_TO_DEVICE, 0), 0);
	for (int i = 0; i < 200; i++)
		assert_int_equal(dmab_map_single(dev, one, PAGE, DMAB_TO_DEVICE, 0, &held[i]), 0);
	struct dmab_stats s0 = stats_of(dev);

	assert_int_equal(s0.bounce_slots_used, 400);
	list_of(sg, buf, N, PAGE, PAGE);
	assert_int_equal(dmab_map_sg(dev, sg, N, DMAB_TO_DEVICE, DMAB_ATTR_NO_WARN), -ENOMEM);
	assert_non_null(strstr(dmab_last_error(), "entry 56"));
	struct dmab_stats s1 = stats_of(dev);

	assert_int_equal(s1.bounce_slots_used, 400);
	assert_int_equal(s1.bounce_mappings, s0.bounce_mappings);
	assert_int_equal(s1.live_mappings, s0.live_mappings);
	assert_int_equal(dmab_map_sg(dev, sg, 56, DMAB_TO_DEVICE, 0), 56);
	assert_int_equal(stats_of(dev).bounce_slots_used, 512);
	assert_int_equal(dmab_unmap_sg(dev, sg, 56, DMAB_TO_DEVICE, 0), 0);
	for (int i = 0; i < 200; i++)
		assert_int_equal(dmab_unmap_single(dev, held[i], PAGE, DMAB_TO_DEVICE, 0), 0);
	s1 = stats_of(dev);
	assert_int_equal(s1.bounce_slots_used, 0);
	assert_int_equal(s1.bounce_slots_hwm, 512);
	destroy(dev);
	free(one);
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_alike_entries),
	    cmocka_unit_test(test_mixed_entries),
	    cmocka_unit_test(test_runs_out_half_way),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
