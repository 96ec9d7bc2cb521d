/* SPDX-License-Identifier: MIT */
/* map/unmap, single and sg: exact maintenance through the trace backend. */
#include <errno.h>
#include <sys/mman.h>

#include "helpers.h"

enum call { MAP_SINGLE, UNMAP_SINGLE, MAP_SG, UNMAP_SG, NCALLS };
static const char *const call_name[] = {"map_single", "unmap_single", "map_sg", "unmap_sg"};

/* Run @call on [buf+off, +len) as a single buffer or a one-entry list. The
 * unmap calls first map with SKIP_CPU_SYNC so that only the unmap shows. */
static void do_call(struct dmab_device *dev, enum call call, uint8_t *p, size_t len,
		    enum dmab_dir dir)
{
	dmab_addr_t a;
	struct dmab_sg sg = {.addr = p, .len = len};

	switch (call) {
	case MAP_SINGLE:
		assert_int_equal(dmab_map_single(dev, p, len, dir, 0, &a), 0);
		assert_int_equal(a, (uintptr_t)p);
		assert_int_equal(dmab_unmap_single(dev, a, len, dir, DMAB_ATTR_SKIP_CPU_SYNC), 0);
		break;
	case UNMAP_SINGLE:
		assert_int_equal(dmab_map_single(dev, p, len, dir, DMAB_ATTR_SKIP_CPU_SYNC, &a), 0);
		assert_int_equal(dmab_unmap_single(dev, a, len, dir, 0), 0);
		break;
	case MAP_SG:
		assert_int_equal(dmab_map_sg(dev, &sg, 1, dir, 0), 1);
		assert_int_equal(sg.dma_addr, (uintptr_t)p);
		assert_int_equal(sg.dma_len, len);
		assert_int_equal(dmab_unmap_sg(dev, &sg, 1, dir, DMAB_ATTR_SKIP_CPU_SYNC), 0);
		break;
	default:
		assert_int_equal(dmab_map_sg(dev, &sg, 1, dir, DMAB_ATTR_SKIP_CPU_SYNC), 1);
		assert_int_equal(dmab_unmap_sg(dev, &sg, 1, dir, 0), 0);
		break;
	}
}

/*
 * Every call x direction x coherence, on an aligned 3-line buffer and on an
 * unaligned one: map cleans in every direction; unmap invalidates unless
 * TO_DEVICE, partial lines clean+invalidate; coherent issues nothing.
 */
static void test_call_dir_coherence(void **state)
{
	(void)state;
	uint8_t *buf = page_buf(4096);

	for (int coherent = 0; coherent < 2; coherent++) {
		struct dmab_device *dev = trace_dev(coherent, DMAB_SYNC_BATCHED, 64);

		for (int call = 0; call < NCALLS; call++) {
			for (int dir = 0; dir < 3; dir++) {
				bool for_dev = call == MAP_SINGLE || call == MAP_SG;
				bool acts = !coherent && (for_dev || dir != DMAB_TO_DEVICE);
				struct dmab_stats s0 = stats_of(dev);

				print_message("%s dir %d coherent %d\n", call_name[call], dir,
					      coherent);
				/* aligned: lines 1..3 of the page */
				do_call(dev, (enum call)call, buf + 64, 192, (enum dmab_dir)dir);
				if (!acts)
					expect_empty(dev);
				else if (for_dev)
					EXPECT(dev, buf, {T_CLEAN, 64, 192}, {T_DONE, 0, 0});
				else
					EXPECT(dev, buf, {T_INVAL, 64, 192}, {T_DONE, 0, 0});

				/* unaligned: bytes 10..210 touch lines 0..3 */
				do_call(dev, (enum call)call, buf + 10, 200, (enum dmab_dir)dir);
				if (!acts)
					expect_empty(dev);
				else if (for_dev)
					EXPECT(dev, buf, {T_CLEAN, 0, 256}, {T_DONE, 0, 0});
				else
					EXPECT(dev, buf, {T_CIVAC, 0, 64}, {T_INVAL, 64, 128},
					       {T_CIVAC, 192, 64}, {T_DONE, 0, 0});

				struct dmab_stats s1 = stats_of(dev);

				assert_int_equal(s1.completions - s0.completions, acts ? 2 : 0);
				assert_int_equal(s1.lines_cleaned - s0.lines_cleaned,
						 acts && for_dev ? 3 + 4 : 0);
				assert_int_equal(s1.lines_invalidated - s0.lines_invalidated,
						 acts && !for_dev ? 3 + 2 : 0);
				assert_int_equal(s1.lines_clean_invalidated -
						     s0.lines_clean_invalidated,
						 acts && !for_dev ? 2 : 0);
				assert_int_equal(s1.maps - s0.maps, 2);
				assert_int_equal(s1.unmaps - s0.unmaps, 2);
				assert_int_equal(s1.live_mappings, 0);
			}
		}
		destroy(dev);
	}
	free(buf);
}

/* A buffer inside one line, partial at both ends: one clean+invalidate. */
static void test_within_one_line(void **state)
{
	(void)state;
	uint8_t *buf = page_buf(4096);
	struct dmab_device *dev = trace_dev(false, DMAB_SYNC_BATCHED, 64);

	do_call(dev, UNMAP_SINGLE, buf + 70, 20, DMAB_FROM_DEVICE);
	EXPECT(dev, buf, {T_CIVAC, 64, 64}, {T_DONE, 0, 0});
	/* exactly one aligned line: a plain invalidate */
	do_call(dev, UNMAP_SINGLE, buf + 128, 64, DMAB_BIDIRECTIONAL);
	EXPECT(dev, buf, {T_INVAL, 128, 64}, {T_DONE, 0, 0});
	/* aligned start, partial end in the same line */
	do_call(dev, UNMAP_SINGLE, buf + 256, 8, DMAB_FROM_DEVICE);
	EXPECT(dev, buf, {T_CIVAC, 256, 64}, {T_DONE, 0, 0});
	destroy(dev);
	free(buf);
}

/* Neighbours sharing a line: the shared line is issued once, and the whole
 * list completes once. */
static void test_shared_lines_merged(void **state)
{
	(void)state;
	uint8_t *buf = page_buf(4096);
	struct dmab_device *dev = trace_dev(false, DMAB_SYNC_BATCHED, 64);
	struct dmab_sg sg[3] = {
	    {.addr = buf + 0, .len = 100},
	    {.addr = buf + 100, .len = 200},
	    {.addr = buf + 300, .len = 20},
	};

	assert_int_equal(dmab_map_sg(dev, sg, 3, DMAB_FROM_DEVICE, 0), 3);
	EXPECT(dev, buf, {T_CLEAN, 0, 320}, {T_DONE, 0, 0});
	assert_int_equal(dmab_unmap_sg(dev, sg, 3, DMAB_FROM_DEVICE, 0), 0);
	/* [0,100): line 0 inval, line 1 partial; [100,300): line 1 partial,
	 * lines 2-3 inval, line 4 partial; [300,320): line 4 partial. */
	EXPECT(dev, buf, {T_INVAL, 0, 64}, {T_CIVAC, 64, 64}, {T_INVAL, 128, 128},
	       {T_CIVAC, 256, 64}, {T_DONE, 0, 0});
	struct dmab_stats s = stats_of(dev);

	assert_int_equal(s.lines_cleaned, 5);
	assert_int_equal(s.lines_invalidated, 3);
	assert_int_equal(s.lines_clean_invalidated, 2);
	assert_int_equal(s.completions, 2);
	assert_int_equal(s.completions_saved, 4);
	destroy(dev);
	free(buf);
}

/* Entries apart from each other are separate ranges, one completion. */
static void test_disjoint_entries(void **state)
{
	(void)state;
	uint8_t *buf = page_buf(4096);
	struct dmab_device *dev = trace_dev(false, DMAB_SYNC_BATCHED, 64);
	struct dmab_sg sg[2] = {{.addr = buf + 1024, .len = 64}, {.addr = buf, .len = 128}};

	assert_int_equal(dmab_map_sg(dev, sg, 2, DMAB_TO_DEVICE, 0), 2);
	EXPECT(dev, buf, {T_CLEAN, 1024, 64}, {T_CLEAN, 0, 128}, {T_DONE, 0, 0});
	assert_int_equal(dmab_unmap_sg(dev, sg, 2, DMAB_TO_DEVICE, 0), 0);
	expect_empty(dev);
	destroy(dev);
	free(buf);
}

/* Per-entry mode: one completion after every entry, no merging. */
static void test_per_entry(void **state)
{
	(void)state;
	uint8_t *buf = page_buf(4096);
	struct dmab_device *dev = trace_dev(false, DMAB_SYNC_PER_ENTRY, 64);
	struct dmab_sg sg[2] = {{.addr = buf, .len = 100}, {.addr = buf + 100, .len = 100}};

	assert_int_equal(dmab_map_sg(dev, sg, 2, DMAB_BIDIRECTIONAL, 0), 2);
	EXPECT(dev, buf, {T_CLEAN, 0, 128}, {T_DONE, 0, 0}, {T_CLEAN, 64, 192}, {T_DONE, 0, 0});
	assert_int_equal(dmab_unmap_sg(dev, sg, 2, DMAB_BIDIRECTIONAL, 0), 0);
	EXPECT(dev, buf, {T_INVAL, 0, 64}, {T_CIVAC, 64, 64}, {T_DONE, 0, 0}, {T_CIVAC, 64, 64},
	       {T_INVAL, 128, 64}, {T_CIVAC, 192, 64}, {T_DONE, 0, 0});
	struct dmab_stats s = stats_of(dev);

	assert_int_equal(s.completions, 4);
	assert_int_equal(s.completions_saved, 0);
	destroy(dev);
	free(buf);
}

/* The seed's shape: 2560 entries of 4 KiB. */
static void test_2560_entries(void **state)
{
	(void)state;
	const int n = 2560;
	uint8_t *buf = page_buf((size_t)n * 4096);
	struct dmab_sg *sg = calloc((size_t)n, sizeof(*sg));

	for (int mode = 0; mode < 2; mode++) {
		struct dmab_device *dev = trace_dev(false, (enum dmab_sync_mode)mode, 64);

		for (int i = 0; i < n; i++)
			sg[i] = (struct dmab_sg){.addr = buf + (size_t)i * 4096, .len = 4096};
		assert_int_equal(dmab_map_sg(dev, sg, n, DMAB_TO_DEVICE, 0), n);
		struct dmab_stats s = stats_of(dev);

		assert_int_equal(s.lines_cleaned, 163840);
		assert_int_equal(s.completions, mode == DMAB_SYNC_BATCHED ? 1 : 2560);
		assert_int_equal(s.completions_saved, mode == DMAB_SYNC_BATCHED ? 2559 : 0);
		assert_int_equal(s.live_mappings, 2560);
		if (mode == DMAB_SYNC_BATCHED)
			expect_lines(dev, buf, T_CLEAN, 0, (size_t)n * 4096, 64);
		else
			assert_int_equal(dmab_trace_clear(dev), 0);
		assert_int_equal(dmab_unmap_sg(dev, sg, n, DMAB_FROM_DEVICE, 0), 0);
		s = stats_of(dev);
		assert_int_equal(s.lines_invalidated, 163840);
		assert_int_equal(s.lines_clean_invalidated, 0);
		assert_int_equal(s.completions, mode == DMAB_SYNC_BATCHED ? 2 : 5120);
		assert_int_equal(s.live_mappings, 0);
		destroy(dev);
	}
	free(sg);
	free(buf);
}

/* Zero-length entries map (and count) but issue nothing. */
static void test_zero_length_entries(void **state)
{
	(void)state;
	uint8_t *buf = page_buf(4096);
	struct dmab_device *dev = trace_dev(false, DMAB_SYNC_BATCHED, 64);
	struct dmab_sg sg[3] = {
	    {.addr = buf, .len = 0}, {.addr = buf + 512, .len = 64}, {.addr = NULL, .len = 0}};

	assert_int_equal(dmab_map_sg(dev, sg, 3, DMAB_FROM_DEVICE, 0), 3);
	assert_int_equal(sg[0].dma_len, 0);
	EXPECT(dev, buf, {T_CLEAN, 512, 64}, {T_DONE, 0, 0});
	assert_int_equal(stats_of(dev).live_mappings, 3);
	assert_int_equal(dmab_unmap_sg(dev, sg, 3, DMAB_FROM_DEVICE, 0), 0);
	EXPECT(dev, buf, {T_INVAL, 512, 64}, {T_DONE, 0, 0});

	/* only zero-length entries: no completion at all */
	assert_int_equal(dmab_map_sg(dev, sg, 1, DMAB_TO_DEVICE, 0), 1);
	assert_int_equal(dmab_unmap_sg(dev, sg, 1, DMAB_TO_DEVICE, 0), 0);
	expect_empty(dev);
	assert_int_equal(stats_of(dev).completions, 2);
	destroy(dev);
	free(buf);
}

/* SKIP_CPU_SYNC: the mapping happens, the caches are not touched. */
static void test_skip_cpu_sync(void **state)
{
	(void)state;
	uint8_t *buf = page_buf(4096);
	struct dmab_device *dev = trace_dev(false, DMAB_SYNC_BATCHED, 64);
	struct dmab_sg sg = {.addr = buf, .len = 4096};
	dmab_addr_t a;

	assert_int_equal(dmab_map_sg(dev, &sg, 1, DMAB_FROM_DEVICE, DMAB_ATTR_SKIP_CPU_SYNC), 1);
	assert_int_equal(dmab_unmap_sg(dev, &sg, 1, DMAB_FROM_DEVICE, DMAB_ATTR_SKIP_CPU_SYNC), 0);
	assert_int_equal(
	    dmab_map_single(dev, buf, 4096, DMAB_BIDIRECTIONAL, DMAB_ATTR_SKIP_CPU_SYNC, &a), 0);
	assert_int_equal(
	    dmab_unmap_single(dev, a, 4096, DMAB_BIDIRECTIONAL, DMAB_ATTR_SKIP_CPU_SYNC), 0);
	expect_empty(dev);
	struct dmab_stats s = stats_of(dev);

	assert_int_equal(s.completions + s.lines_cleaned + s.lines_invalidated, 0);
	assert_int_equal(s.maps, 2);
	destroy(dev);
	free(buf);
}

/* Other line sizes: the rules follow the backend's line, never 64. */
static void test_line_sizes(void **state)
{
	(void)state;
	uint8_t *buf = page_buf(4096);
	static const size_t lines[] = {32, 128, 256};

	for (size_t i = 0; i < 3; i++) {
		size_t l = lines[i];
		struct dmab_device *dev = trace_dev(false, DMAB_SYNC_BATCHED, l);

		assert_int_equal(dmab_device_line_size(dev), l);
		do_call(dev, UNMAP_SINGLE, buf + l / 2, 2 * l, DMAB_FROM_DEVICE);
		EXPECT(dev, buf, {T_CIVAC, 0, l}, {T_INVAL, l, l}, {T_CIVAC, 2 * l, l},
		       {T_DONE, 0, 0});
		do_call(dev, MAP_SINGLE, buf + 1, l, DMAB_TO_DEVICE);
		EXPECT(dev, buf, {T_CLEAN, 0, 2 * l}, {T_DONE, 0, 0});
		destroy(dev);
	}
	free(buf);
}

/* Bad input: -EINVAL, nothing issued, every counter as it was. */
static void test_bad_input(void **state)
{
	(void)state;
	uint8_t *buf = page_buf(4096);
	struct dmab_device *dev = trace_dev(false, DMAB_SYNC_BATCHED, 64);
	struct dmab_sg sg[2] = {{.addr = buf, .len = 64}, {.addr = buf + 64, .len = 64}};
	struct dmab_sg bad[2] = {{.addr = buf, .len = 64},
				 {.addr = (void *)(UINTPTR_MAX - 10), .len = 100}};
	struct dmab_sg nul[2] = {{.addr = buf, .len = 64}, {.addr = NULL, .len = 64}};
	dmab_addr_t a;
	struct dmab_stats s0;

	assert_int_equal(dmab_map_sg(dev, sg, 2, DMAB_TO_DEVICE, DMAB_ATTR_SKIP_CPU_SYNC), 2);
	s0 = stats_of(dev);

	assert_int_equal(dmab_map_single(NULL, buf, 64, DMAB_TO_DEVICE, 0, &a), -EINVAL);
	assert_int_equal(dmab_map_single(dev, NULL, 64, DMAB_TO_DEVICE, 0, &a), -EINVAL);
	assert_int_equal(dmab_map_single(dev, buf, 0, DMAB_TO_DEVICE, 0, &a), -EINVAL);
	assert_int_equal(dmab_map_single(dev, buf, 64, DMAB_TO_DEVICE, 0, NULL), -EINVAL);
	assert_int_equal(dmab_map_single(dev, buf, 64, (enum dmab_dir)3, 0, &a), -EINVAL);
	assert_int_equal(dmab_map_single(dev, buf, 64, (enum dmab_dir) - 1, 0, &a), -EINVAL);
	assert_int_equal(dmab_map_single(dev, buf, 64, DMAB_TO_DEVICE, 1u << 7, &a), -EINVAL);
	assert_int_equal(
	    dmab_map_single(dev, (void *)(UINTPTR_MAX - 10), 100, DMAB_TO_DEVICE, 0, &a), -EINVAL);
	assert_int_equal(dmab_map_sg(NULL, sg, 2, DMAB_TO_DEVICE, 0), -EINVAL);
	assert_int_equal(dmab_map_sg(dev, NULL, 2, DMAB_TO_DEVICE, 0), -EINVAL);
	assert_int_equal(dmab_map_sg(dev, sg, 0, DMAB_TO_DEVICE, 0), -EINVAL);
	assert_int_equal(dmab_map_sg(dev, sg, -1, DMAB_TO_DEVICE, 0), -EINVAL);
	assert_int_equal(dmab_map_sg(dev, sg, 2, (enum dmab_dir)3, 0), -EINVAL);
	assert_int_equal(dmab_map_sg(dev, bad, 2, DMAB_TO_DEVICE, 0), -EINVAL);
	assert_int_equal(dmab_map_sg(dev, nul, 2, DMAB_TO_DEVICE, 0), -EINVAL);
	assert_true(strstr(dmab_last_error(), "entry 1") != NULL);
	assert_int_equal(dmab_unmap_sg(dev, sg, 2, (enum dmab_dir)3, 0), -EINVAL);
	assert_int_equal(dmab_unmap_sg(dev, sg, 0, DMAB_TO_DEVICE, 0), -EINVAL);
	/* more entries than are mapped */
	assert_int_equal(dmab_unmap_single(dev, (uintptr_t)buf, 64, DMAB_TO_DEVICE, 0), 0);
	s0 = stats_of(dev);
	assert_int_equal(dmab_unmap_sg(dev, sg, 2, DMAB_TO_DEVICE, 0), -EINVAL);
	assert_int_equal(dmab_unmap_single(dev, 0, 64, DMAB_TO_DEVICE, 0), -EINVAL);
	assert_int_equal(dmab_unmap_single(dev, (uintptr_t)buf, 0, DMAB_TO_DEVICE, 0), -EINVAL);
	assert_int_equal(dmab_unmap_single(dev, UINT64_MAX - 8, 64, DMAB_TO_DEVICE, 0), -EINVAL);

	expect_empty(dev);
	struct dmab_stats s1 = stats_of(dev);

	assert_stats_equal(&s0, &s1);
	assert_int_equal(dmab_unmap_single(dev, (uintptr_t)buf, 64, DMAB_TO_DEVICE, 0), 0);
	/* nothing mapped any more: an unmap is misuse */
	assert_int_equal(dmab_unmap_single(dev, (uintptr_t)buf, 64, DMAB_TO_DEVICE, 0), -EINVAL);
	destroy(dev);
	free(buf);
}

/* With bouncing off, a buffer beyond the DMA mask is refused, and a list
 * with one such entry maps nothing (test_bounce_policy.c covers bouncing it). */
static void test_dma_mask(void **state)
{
	(void)state;
	struct dmab_device_config cfg = {.backend = "trace",
					 .dma_bits = 32,
					 .numa_node = -1,
					 .name = "narrow",
					 .bounce = DMAB_BOUNCE_NEVER};
	struct dmab_device *dev;
	/* A low mapping the 32-bit device can reach, if the address space
	 * lets us have one; a heap buffer for "out of reach" on 64-bit hosts. */
	uint8_t *low = mmap((void *)(uintptr_t)0x20000000, 4096, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uint8_t *high = page_buf(4096);
	dmab_addr_t a;

	assert_int_equal(dmab_device_create(&cfg, &dev), 0);
	if ((uintptr_t)high + 4096 <= UINT64_C(0xffffffff)) {
		print_message("heap below 4 GiB here; mask test reduced\n");
	} else {
		assert_int_equal(dmab_map_single(dev, high, 64, DMAB_TO_DEVICE, 0, &a), -ERANGE);
		assert_true(strstr(dmab_last_error(), "DMA mask") != NULL);
		if (low != MAP_FAILED && (uintptr_t)low + 4096 <= UINT64_C(0xffffffff)) {
			struct dmab_sg sg[2] = {{.addr = low, .len = 64},
						{.addr = high, .len = 64}};

			assert_int_equal(dmab_map_sg(dev, sg, 2, DMAB_TO_DEVICE, 0), -ERANGE);
			assert_int_equal(dmab_map_sg(dev, sg, 1, DMAB_TO_DEVICE, 0), 1);
			assert_int_equal(dmab_unmap_sg(dev, sg, 1, DMAB_TO_DEVICE, 0), 0);
		}
	}
	struct dmab_stats s = stats_of(dev);

	assert_int_equal(s.live_mappings, 0);
	assert_int_equal(s.lines_cleaned, (uintptr_t)high + 4096 > UINT64_C(0xffffffff) &&
						  low != MAP_FAILED &&
						  (uintptr_t)low + 4096 <= UINT64_C(0xffffffff)
					      ? 1
					      : 0);
	destroy(dev);
	if (low != MAP_FAILED)
		munmap(low, 4096);
	free(high);
}

/* Live mappings keep the device alive. */
static void test_destroy_busy(void **state)
{
	(void)state;
	uint8_t *buf = page_buf(4096);
	struct dmab_device *dev = trace_dev(true, DMAB_SYNC_BATCHED, 64);
	dmab_addr_t a;

	assert_int_equal(dmab_map_single(dev, buf, 100, DMAB_TO_DEVICE, 0, &a), 0);
	assert_int_equal(dmab_device_destroy(dev), -EBUSY);
	assert_int_equal(stats_of(dev).live_mappings, 1);
	assert_int_equal(dmab_unmap_single(dev, a, 100, DMAB_TO_DEVICE, 0), 0);
	destroy(dev);
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_call_dir_coherence),
	    cmocka_unit_test(test_within_one_line),
	    cmocka_unit_test(test_shared_lines_merged),
	    cmocka_unit_test(test_disjoint_entries),
	    cmocka_unit_test(test_per_entry),
	    cmocka_unit_test(test_2560_entries),
	    cmocka_unit_test(test_zero_length_entries),
	    cmocka_unit_test(test_skip_cpu_sync),
	    cmocka_unit_test(test_line_sizes),
	    cmocka_unit_test(test_bad_input),
	    cmocka_unit_test(test_dma_mask),
	    cmocka_unit_test(test_destroy_busy),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
