/* SPDX-License-Identifier: MIT */
/*
 * Bounce copies: into the slot at map, back at unmap and sync_for_cpu,
 * their order against the slots' maintenance and completions, partial
 * device writes, SKIP_CPU_SYNC, sub-range syncs, misuse.
 * The trace backend is the eyes; with identity translation a bus address
 * is also the slot's CPU address, so a test plays the device by writing
 * through it.
 */
#include <errno.h>

#include "bounce_helpers.h"

/* Map copies in, then cleans the slot; unmap invalidates the slot, completes,
 * then copies back; the slot is free again afterwards. */
static void test_force_roundtrip(void **state)
{
	(void)state;
	struct dmab_device_config cfg = force_cfg();
	struct dmab_device *dev = make(&cfg);
	uint8_t *buf = pattern_buf(8192, 1);
	uint8_t *want = malloc(8192);
	dmab_addr_t a;

	assert_int_equal(stats_of(dev).bounce_slots_total, 0); /* no pool yet */
	assert_int_equal(dmab_map_single(dev, buf + 10, 5000, DMAB_BIDIRECTIONAL, 0, &a), 0);
	assert_true(a != (uintptr_t)buf + 10); /* a slot: the copy below goes there */
	assert_int_equal(a % 4096, 0);	       /* a page or more: page aligned */
	assert_memory_equal(bus_ptr(a), buf + 10, 5000);
	EXPECT(dev, bus_ptr(a), {T_COPY, 0, 5000}, {T_CLEAN, 0, 5056}, {T_DONE, 0, 0});

	struct dmab_stats s = stats_of(dev);

	assert_int_equal(s.bounce_mappings, 1);
	assert_int_equal(s.bounce_bytes_to_device, 5000);
	assert_int_equal(s.bounce_slots_used, 3);
	assert_int_equal(s.bounce_slots_hwm, 3);
	assert_int_equal(s.bounce_slots_total, DMAB_POOL_DEFAULT_SIZE / DMAB_POOL_SLOT_SIZE);
	assert_int_equal(s.bounce_pools, 1);
	assert_int_equal(s.live_mappings, 1);

	/* the device writes the whole buffer */
	memcpy(want, buf, 8192);
	for (size_t i = 0; i < 5000; i++)
		((uint8_t *)bus_ptr(a))[i] = want[10 + i] = (uint8_t)(i ^ 0x33);
	assert_int_equal(dmab_unmap_single(dev, a, 5000, DMAB_BIDIRECTIONAL, 0), 0);
	assert_memory_equal(buf, want, 8192);
	EXPECT(dev, NULL, {T_INVAL, (uintptr_t)a, 4992}, {T_CIVAC, (uintptr_t)a + 4992, 64},
	       {T_DONE, 0, 0}, {T_COPY, (uintptr_t)buf + 10, 5000});
	s = stats_of(dev);
	assert_int_equal(s.bounce_bytes_from_device, 5000);
	assert_int_equal(s.bounce_slots_used, 0);
	assert_int_equal(s.bounce_slots_hwm, 3);
	assert_int_equal(s.live_mappings, 0);
	assert_int_equal(s.completions, 2);
	destroy(dev);
	free(want);
	free(buf);
}

/* The device writes only part of a FROM_DEVICE buffer: the rest comes back
 * as it was, not as whatever the pool held. */
static void test_partial_device_write(void **state)
{
	(void)state;
	struct dmab_device_config cfg = force_cfg();
	uint8_t *big = page_buf(256 * KiB);
	uint8_t *buf = pattern_buf(6000, 5);
	uint8_t *want = malloc(6000);
	dmab_addr_t a;

	cfg.pool_size = 256 * KiB;
	struct dmab_device *dev = make(&cfg);

	/* dirty the whole pool with device data nobody copies back */
	assert_int_equal(dmab_map_single(dev, big, 256 * KiB, DMAB_FROM_DEVICE, 0, &a), 0);
	memset(bus_ptr(a), 0xee, 256 * KiB);
	assert_int_equal(
	    dmab_unmap_single(dev, a, 256 * KiB, DMAB_FROM_DEVICE, DMAB_ATTR_SKIP_CPU_SYNC), 0);

	memcpy(want, buf, 6000);
	assert_int_equal(dmab_map_single(dev, buf, 6000, DMAB_FROM_DEVICE, 0, &a), 0);
	memset((uint8_t *)bus_ptr(a) + 1000, 0x42, 3000);
	memset(want + 1000, 0x42, 3000);
	assert_int_equal(dmab_unmap_single(dev, a, 6000, DMAB_FROM_DEVICE, 0), 0);
	assert_memory_equal(buf, want, 6000);
	destroy(dev);
	free(want);
	free(buf);
	free(big);
}

/* SKIP_CPU_SYNC: map still copies in (no stale data for the device), no
 * maintenance; unmap neither maintains nor copies back. TO_DEVICE never
 * copies back. */
static void test_skip_and_to_device(void **state)
{
	(void)state;
	struct dmab_device_config cfg = force_cfg();
	struct dmab_device *dev = make(&cfg);
	uint8_t *buf = pattern_buf(4096, 7);
	uint8_t *keep = malloc(4096);
	dmab_addr_t a;

	memcpy(keep, buf, 4096);
	assert_int_equal(
	    dmab_map_single(dev, buf, 3000, DMAB_BIDIRECTIONAL, DMAB_ATTR_SKIP_CPU_SYNC, &a), 0);
	EXPECT(dev, bus_ptr(a), {T_COPY, 0, 3000});
	assert_memory_equal(bus_ptr(a), buf, 3000);
	memset(bus_ptr(a), 0x11, 3000);
	assert_int_equal(
	    dmab_unmap_single(dev, a, 3000, DMAB_BIDIRECTIONAL, DMAB_ATTR_SKIP_CPU_SYNC), 0);
	expect_empty(dev);
	assert_memory_equal(buf, keep, 4096);

	assert_int_equal(dmab_map_single(dev, buf, 3000, DMAB_TO_DEVICE, 0, &a), 0);
	assert_int_equal(dmab_trace_clear(dev), 0);
	memset(bus_ptr(a), 0x22, 3000);
	assert_int_equal(dmab_unmap_single(dev, a, 3000, DMAB_TO_DEVICE, 0), 0);
	expect_empty(dev);
	assert_memory_equal(buf, keep, 4096);
	assert_int_equal(stats_of(dev).bounce_bytes_from_device, 0);
	destroy(dev);
	free(keep);
	free(buf);
}

/* sync on a sub-range of a bounced mapping moves just that range. */
static void test_sync_subrange(void **state)
{
	(void)state;
	struct dmab_device_config cfg = force_cfg();
	struct dmab_device *dev = make(&cfg);
	uint8_t *buf = pattern_buf(8192, 11);
	uint8_t *want = malloc(8192);
	dmab_addr_t a;

	assert_int_equal(dmab_map_single(dev, buf, 8192, DMAB_BIDIRECTIONAL, 0, &a), 0);
	assert_int_equal(dmab_trace_clear(dev), 0);
	uint8_t *slot = bus_ptr(a);

	memcpy(want, buf, 8192);
	memset(slot, 0x77, 8192);
	memset(want + 1000, 0x77, 500);
	/* for the CPU: [1000, 1500) only, invalidated, completed, copied */
	assert_int_equal(dmab_sync_single_for_cpu(dev, a + 1000, 500, DMAB_BIDIRECTIONAL), 0);
	assert_memory_equal(buf, want, 8192);
	EXPECT(dev, NULL, {T_CIVAC, (uintptr_t)a + 960, 64}, {T_INVAL, (uintptr_t)a + 1024, 448},
	       {T_CIVAC, (uintptr_t)a + 1472, 64}, {T_DONE, 0, 0},
	       {T_COPY, (uintptr_t)buf + 1000, 500});

	/* for the device: the CPU's change to [2000, 2100) goes in first */
	memset(buf + 2000, 0x99, 100);
	assert_int_equal(dmab_sync_single_for_device(dev, a + 2000, 100, DMAB_TO_DEVICE), 0);
	EXPECT(dev, NULL, {T_COPY, (uintptr_t)a + 2000, 100}, {T_CLEAN, (uintptr_t)a + 1984, 128},
	       {T_DONE, 0, 0});
	assert_memory_equal(slot + 2000, buf + 2000, 100);
	assert_int_equal(slot[1999], 0x77);
	/* FROM_DEVICE for the device copies nothing: the device will write */
	assert_int_equal(dmab_sync_single_for_device(dev, a + 2000, 100, DMAB_FROM_DEVICE), 0);
	EXPECT(dev, NULL, {T_CLEAN, (uintptr_t)a + 1984, 128}, {T_DONE, 0, 0});
	/* TO_DEVICE for the CPU: no invalidate, no copy */
	assert_int_equal(dmab_sync_single_for_cpu(dev, a + 2000, 100, DMAB_TO_DEVICE), 0);
	expect_empty(dev);

	/* past the mapping's end, or in no mapping: refused, nothing done */
	struct dmab_stats s0 = stats_of(dev);

	assert_int_equal(dmab_sync_single_for_cpu(dev, a + 8000, 193, DMAB_FROM_DEVICE), -EINVAL);
	assert_true(strstr(dmab_last_error(), "past its bounce mapping") != NULL);
	assert_int_equal(dmab_sync_single_for_cpu(dev, a + 8192, 1, DMAB_FROM_DEVICE), -EINVAL);
	assert_int_equal(dmab_sync_single_for_device(dev, a + 8192 + 4096, 1, DMAB_TO_DEVICE),
			 -EINVAL);
	expect_empty(dev);
	struct dmab_stats s1 = stats_of(dev);

	assert_stats_equal(&s0, &s1);
	assert_int_equal(s0.bounce_bytes_from_device, s1.bounce_bytes_from_device);
	assert_int_equal(dmab_unmap_single(dev, a, 8192, DMAB_BIDIRECTIONAL, 0), 0);
	destroy(dev);
	free(want);
	free(buf);
}

/* Unmap must name a bounce mapping exactly; misuse changes nothing. */
static void test_unmap_misuse(void **state)
{
	(void)state;
	struct dmab_device_config cfg = force_cfg();
	struct dmab_device *dev = make(&cfg);
	uint8_t *buf = pattern_buf(4096, 13);
	dmab_addr_t a;

	assert_int_equal(dmab_map_single(dev, buf + 100, 3000, DMAB_FROM_DEVICE, 0, &a), 0);
	assert_int_equal(dmab_trace_clear(dev), 0);
	struct dmab_stats s0 = stats_of(dev);

	assert_int_equal(dmab_unmap_single(dev, a, 2999, DMAB_FROM_DEVICE, 0), -EINVAL);
	assert_int_equal(dmab_unmap_single(dev, a + 1, 2999, DMAB_FROM_DEVICE, 0), -EINVAL);
	assert_int_equal(dmab_unmap_single(dev, a + 2048, 952, DMAB_FROM_DEVICE, 0), -EINVAL);
	assert_int_equal(dmab_unmap_single(dev, a + 4096, 100, DMAB_FROM_DEVICE, 0), -EINVAL);
	struct dmab_sg sg = {.addr = buf, .len = 3000, .dma_addr = a, .dma_len = 2000};

	assert_int_equal(dmab_unmap_sg(dev, &sg, 1, DMAB_FROM_DEVICE, 0), -EINVAL);
	expect_empty(dev);
	struct dmab_stats s1 = stats_of(dev);

	assert_stats_equal(&s0, &s1);
	assert_int_equal(s1.bounce_slots_used, s0.bounce_slots_used);
	assert_int_equal(dmab_device_destroy(dev), -EBUSY);
	assert_int_equal(dmab_unmap_single(dev, a, 3000, DMAB_FROM_DEVICE, 0), 0);
	assert_int_equal(dmab_unmap_single(dev, a, 3000, DMAB_FROM_DEVICE, 0), -EINVAL);
	destroy(dev);
	free(buf);
}

/*
 * map_sg with bounced and direct entries: copies into slots come before the
 * cleans of those slots, one completion; unmap_sg: every invalidate, one
 * completion, then every copy back, even past the batch's own copy room.
 */
static void test_sg_order(void **state)
{
	(void)state;
	enum { N = 40 };
	struct dmab_device_config cfg = force_cfg();
	uint8_t *buf = pattern_buf(N * 256, 17);
	struct dmab_sg sg[N];

	cfg.bounce = DMAB_BOUNCE_UNALIGNED;
	struct dmab_device *dev = make(&cfg);

	for (int i = 0; i < N; i++) /* odd entries are unaligned */
		sg[i] =
		    (struct dmab_sg){.addr = buf + i * 256 + (i & 1) * 4, .len = i & 1 ? 200 : 192};
	assert_int_equal(dmab_map_sg(dev, sg, N, DMAB_BIDIRECTIONAL, 0), N);
	for (int i = 0; i < N; i++)
		assert_int_equal(sg[i].dma_addr != (uintptr_t)sg[i].addr, i & 1);

	const struct dmab_trace_rec *r;
	size_t n, done = 0;

	assert_int_equal(dmab_trace_get(dev, &r, &n), 0);
	for (size_t k = 0; k < n; k++) {
		if (r[k].op == T_DONE)
			done++;
		if (r[k].op != T_CLEAN)
			continue;
		/* each slot's copy is recorded before a clean covers it */
		for (int i = 1; i < N; i += 2) {
			uintptr_t s = (uintptr_t)sg[i].dma_addr;

			assert_int_equal(sg[i].dma_len, 200);

			if (s < r[k].start || s >= r[k].start + r[k].len)
				continue;
			bool copied = false;

			for (size_t j = 0; j < k; j++)
				copied |= r[j].op == T_COPY && r[j].start == s;
			assert_true(copied);
		}
	}
	assert_int_equal(done, 1);
	assert_int_equal(r[n - 1].op, T_DONE);
	assert_int_equal(dmab_trace_clear(dev), 0);

	for (int i = 1; i < N; i += 2)
		memset(bus_ptr(sg[i].dma_addr), 0x60 + i, 200);
	assert_int_equal(dmab_unmap_sg(dev, sg, N, DMAB_BIDIRECTIONAL, 0), 0);
	assert_int_equal(dmab_trace_get(dev, &r, &n), 0);
	done = 0;
	size_t copies = 0;

	for (size_t k = 0; k < n; k++) {
		if (r[k].op == T_DONE)
			done++;
		else if (r[k].op == T_COPY) {
			assert_int_equal(done, 1);
			copies++;
		} else
			assert_int_equal(done, 0);
	}
	assert_int_equal(done, 1);
	assert_int_equal(copies, N / 2);
	for (int i = 1; i < N; i += 2)
		for (int j = 0; j < 200; j++)
			assert_int_equal(buf[i * 256 + 4 + j], 0x60 + i);
	struct dmab_stats s = stats_of(dev);

	assert_int_equal(s.completions, 2);
	assert_int_equal(s.bounce_slots_used, 0);
	assert_int_equal(s.bounce_mappings, N / 2);
	destroy(dev);
	free(buf);
}

/* Per-entry mode: each entry completes, then is copied back, before the
 * next one starts. */
static void test_per_entry_order(void **state)
{
	(void)state;
	struct dmab_device_config cfg = force_cfg();
	uint8_t *buf = pattern_buf(4096, 19);
	struct dmab_sg sg[3];

	cfg.sync_mode = DMAB_SYNC_PER_ENTRY;
	struct dmab_device *dev = make(&cfg);

	for (int i = 0; i < 3; i++)
		sg[i] = (struct dmab_sg){.addr = buf + i * 1024, .len = 128};
	assert_int_equal(dmab_map_sg(dev, sg, 3, DMAB_FROM_DEVICE, 0), 3);
	EXPECT(dev, NULL, {T_COPY, (uintptr_t)sg[0].dma_addr, 128},
	       {T_CLEAN, (uintptr_t)sg[0].dma_addr, 128}, {T_DONE, 0, 0},
	       {T_COPY, (uintptr_t)sg[1].dma_addr, 128}, {T_CLEAN, (uintptr_t)sg[1].dma_addr, 128},
	       {T_DONE, 0, 0}, {T_COPY, (uintptr_t)sg[2].dma_addr, 128},
	       {T_CLEAN, (uintptr_t)sg[2].dma_addr, 128}, {T_DONE, 0, 0});
	assert_int_equal(dmab_unmap_sg(dev, sg, 3, DMAB_FROM_DEVICE, 0), 0);
	EXPECT(dev, NULL, {T_INVAL, (uintptr_t)sg[0].dma_addr, 128}, {T_DONE, 0, 0},
	       {T_COPY, (uintptr_t)buf, 128}, {T_INVAL, (uintptr_t)sg[1].dma_addr, 128},
	       {T_DONE, 0, 0}, {T_COPY, (uintptr_t)buf + 1024, 128},
	       {T_INVAL, (uintptr_t)sg[2].dma_addr, 128}, {T_DONE, 0, 0},
	       {T_COPY, (uintptr_t)buf + 2048, 128});
	destroy(dev);
	free(buf);
}

/* sync_sg_for_cpu on a bounced list: one completion, then the copies. */
static void test_sync_sg(void **state)
{
	(void)state;
	enum { N = 20 };
	struct dmab_device_config cfg = force_cfg();
	struct dmab_device *dev = make(&cfg);
	uint8_t *buf = pattern_buf(N * 512, 23);
	struct dmab_sg sg[N];

	for (int i = 0; i < N; i++)
		sg[i] = (struct dmab_sg){.addr = buf + i * 512, .len = 300};
	assert_int_equal(dmab_map_sg(dev, sg, N, DMAB_FROM_DEVICE, 0), N);
	for (int i = 0; i < N; i++)
		memset(bus_ptr(sg[i].dma_addr), i + 1, 300);
	assert_int_equal(dmab_trace_clear(dev), 0);
	assert_int_equal(dmab_sync_sg_for_cpu(dev, sg, N, DMAB_FROM_DEVICE), 0);

	const struct dmab_trace_rec *r;
	size_t n, done = 0, copies = 0;

	assert_int_equal(dmab_trace_get(dev, &r, &n), 0);
	for (size_t k = 0; k < n; k++) {
		done += r[k].op == T_DONE;
		if (r[k].op == T_COPY) {
			assert_int_equal(done, 1);
			copies++;
		}
	}
	assert_int_equal(done, 1);
	assert_int_equal(copies, N);
	for (int i = 0; i < N; i++)
		assert_int_equal(buf[i * 512 + 299], i + 1);
	assert_int_equal(dmab_unmap_sg(dev, sg, N, DMAB_FROM_DEVICE, DMAB_ATTR_SKIP_CPU_SYNC), 0);
	destroy(dev);
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_force_roundtrip),    cmocka_unit_test(test_partial_device_write),
	    cmocka_unit_test(test_skip_and_to_device), cmocka_unit_test(test_sync_subrange),
	    cmocka_unit_test(test_unmap_misuse),       cmocka_unit_test(test_sg_order),
	    cmocka_unit_test(test_per_entry_order),    cmocka_unit_test(test_sync_sg),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
