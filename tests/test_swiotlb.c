/* SPDX-License-Identifier: MIT */
/*
 * Bounce buffering: the triggers, the masks, the copies and their order
 * against completions, a full pool, growth. The trace backend is the eyes;
 * with identity translation a bus address is also the slot's CPU address,
 * so a test plays the device by writing through it.
 */
#include <errno.h>
#include <sched.h>
#include <sys/mman.h>
#include <unistd.h>

#include "helpers.h"
#include "../src/bounce/areas.h"
#include "../src/os/os.h"

#define KiB ((size_t)1024)

/* A trace device that bounces everything; tests adjust the rest. */
static struct dmab_device_config force_cfg(void)
{
	return (struct dmab_device_config){
	    .name = "b",
	    .numa_node = -1,
	    .backend = "trace",
	    .bounce = DMAB_BOUNCE_FORCE,
	    .pool_areas = 1, /* slots in a predictable order */
	};
}

static struct dmab_device *make(const struct dmab_device_config *cfg)
{
	struct dmab_device *dev = NULL;

	assert_int_equal(dmab_device_create(cfg, &dev), 0);
	return dev;
}

static uint8_t *pattern_buf(size_t len, uint8_t seed)
{
	uint8_t *p = page_buf(len);

	for (size_t i = 0; i < len; i++)
		p[i] = (uint8_t)(seed + i * 7);
	return p;
}

static void *bus_ptr(dmab_addr_t a)
{
	return (void *)(uintptr_t)a;
}

static bool in_pool(const struct dmab_device *dev, dmab_addr_t a)
{
	struct dmab__pool *p = atomic_load(&dev->bounce_pools->pools);

	for (; p; p = atomic_load(&p->next))
		if (dmab__pool_has(p, a))
			return true;
	return false;
}

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
	assert_true(in_pool(dev, a));
	assert_int_equal(a % 4096, 0); /* a page or more: page aligned */
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

/* The mask trigger: only what the device cannot reach bounces, and the pool
 * itself lies under the mask. */
static void test_mask_trigger(void **state)
{
	(void)state;
	struct dmab_device_config cfg = force_cfg();
	uint8_t *low = mmap((void *)(uintptr_t)0x30000000, 4096, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uint8_t *high = pattern_buf(4096, 9);
	dmab_addr_t a;

	cfg.bounce = 0;
	cfg.dma_bits = 32;
	struct dmab_device *dev = make(&cfg);

	assert_non_null(dev->bounce_pools);
	if ((uintptr_t)high + 4096 <= UINT64_C(0xffffffff))
		print_message("heap below 4 GiB here; the high buffer is not high\n");
	else {
		assert_int_equal(dmab_map_single(dev, high, 300, DMAB_TO_DEVICE, 0, &a), 0);
		assert_true(in_pool(dev, a));
		assert_true(a + 300 - 1 <= UINT64_C(0xffffffff));
		assert_memory_equal(bus_ptr(a), high, 300);
		assert_int_equal(dmab_unmap_single(dev, a, 300, DMAB_TO_DEVICE, 0), 0);
		assert_int_equal(stats_of(dev).bounce_mappings, 1);
	}
	if (low != MAP_FAILED && (uintptr_t)low + 4096 <= UINT64_C(0xffffffff)) {
		assert_int_equal(dmab_map_single(dev, low, 300, DMAB_TO_DEVICE, 0, &a), 0);
		assert_int_equal(a, (uintptr_t)low);
		assert_int_equal(dmab_unmap_single(dev, a, 300, DMAB_TO_DEVICE, 0), 0);
	}
	destroy(dev);

	/* QEMU's edu device has a 28-bit mask: the pool goes under 256 MiB. */
	cfg.dma_bits = 28;
	dev = make(&cfg);
	assert_int_equal(dmab_map_single(dev, high, 4096, DMAB_FROM_DEVICE, 0, &a), 0);
	assert_true(a + 4096 - 1 <= UINT64_C(0x0fffffff));
	struct dmab__pool *p = atomic_load(&dev->bounce_pools->pools);

	assert_true((uintptr_t)p->cpu + DMAB_POOL_DEFAULT_SIZE - 1 <= UINT64_C(0x0fffffff));
	assert_int_equal(dmab_unmap_single(dev, a, 4096, DMAB_FROM_DEVICE, 0), 0);
	destroy(dev);

	/* bouncing off: beyond the mask is refused, as before bouncing */
	cfg.bounce = DMAB_BOUNCE_NEVER;
	dev = make(&cfg);
	assert_null(dev->bounce_pools);
	if ((uintptr_t)high > UINT64_C(0x0fffffff)) {
		assert_int_equal(dmab_map_single(dev, high, 64, DMAB_TO_DEVICE, 0, &a), -ERANGE);
		assert_true(strstr(dmab_last_error(), "bouncing is off") != NULL);
	}
	destroy(dev);
	if (low != MAP_FAILED)
		munmap(low, 4096);
	free(high);
}

/* The unaligned trigger: non-coherent, device writes, line shared. */
static void test_unaligned_trigger(void **state)
{
	(void)state;
	struct dmab_device_config cfg = force_cfg();
	uint8_t *buf = pattern_buf(512 * KiB, 3);
	dmab_addr_t a;

	cfg.bounce = DMAB_BOUNCE_UNALIGNED;
	cfg.line_size = 128;
	struct dmab_device *dev = make(&cfg);
	static const struct {
		size_t off, len;
		enum dmab_dir dir;
		bool bounce;
	} c[] = {
	    {0, 256, DMAB_FROM_DEVICE, false},		 /* whole lines */
	    {64, 256, DMAB_FROM_DEVICE, true},		 /* shares its first line */
	    {128, 100, DMAB_BIDIRECTIONAL, true},	 /* shares its last line */
	    {64, 256, DMAB_TO_DEVICE, false},		 /* the device only reads */
	    {8, 256 * KiB - 8, DMAB_FROM_DEVICE, true},	 /* fits a mapping */
	    {8, 256 * KiB + 8, DMAB_FROM_DEVICE, false}, /* too long: in place */
	};

	assert_int_equal(dmab_max_mapping_size(dev), SIZE_MAX);
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		uint8_t *p = buf + c[i].off;

		assert_int_equal(dmab_map_single(dev, p, c[i].len, c[i].dir, 0, &a), 0);
		assert_int_equal(a != (uintptr_t)p, c[i].bounce);
		assert_int_equal(in_pool(dev, a), c[i].bounce);
		assert_int_equal(dmab_unmap_single(dev, a, c[i].len, c[i].dir, 0), 0);
	}
	destroy(dev);

	/* a coherent device has no lines to share: nothing bounces, no pool */
	cfg.coherent = true;
	dev = make(&cfg);
	assert_null(dev->bounce_pools);
	assert_int_equal(dmab_map_single(dev, buf + 64, 256, DMAB_FROM_DEVICE, 0, &a), 0);
	assert_int_equal(a, (uintptr_t)buf + 64);
	assert_int_equal(dmab_unmap_single(dev, a, 256, DMAB_FROM_DEVICE, 0), 0);
	destroy(dev);
	free(buf);
}

/* A device that cannot bounce has no pool and no limit. */
static void test_no_pool_without_need(void **state)
{
	(void)state;
	struct dmab_device_config cfg = force_cfg();
	uint8_t *buf = page_buf(4096);
	dmab_addr_t a;

	cfg.bounce = 0;
	struct dmab_device *dev = make(&cfg);

	assert_null(dev->bounce_pools);
	assert_int_equal(dmab_max_mapping_size(dev), SIZE_MAX);
	assert_int_equal(dmab_map_single(dev, buf, 100, DMAB_BIDIRECTIONAL, 0, &a), 0);
	assert_int_equal(a, (uintptr_t)buf);
	assert_int_equal(dmab_unmap_single(dev, a, 100, DMAB_BIDIRECTIONAL, 0), 0);
	struct dmab_stats s = stats_of(dev);

	assert_int_equal(s.bounce_slots_total + s.bounce_pools + s.bounce_mappings, 0);
	assert_int_equal(s.bounce_node, -1);
	destroy(dev);
	assert_int_equal(dmab_max_mapping_size(NULL), 0);
	free(buf);
}

/* min_align_mask keeps the original's low bits; alloc_align_mask aligns the
 * run; with neither, a page or more is page aligned and less is not. */
static void test_masks(void **state)
{
	(void)state;
	uint8_t *buf = page_buf(64 * KiB);
	static const struct {
		uint64_t min, alloc;
	} m[] = {{0, 0}, {0xfff, 0}, {0, 0xffff}, {0xfff, 0xffff}, {0x7ff, 0}, {0x3fff, 0x1fff}};
	static const size_t offs[] = {0, 0x123, 0x923, 0x1a23, 0x2fff};
	static const size_t lens[] = {1, 100, 2048, 4096, 9000};

	for (size_t k = 0; k < sizeof(m) / sizeof(m[0]); k++) {
		struct dmab_device_config cfg = force_cfg();

		cfg.min_align_mask = m[k].min;
		cfg.alloc_align_mask = m[k].alloc;
		struct dmab_device *dev = make(&cfg);
		size_t pad = m[k].min ? (m[k].min + 2048) & ~(size_t)2047 : 0;

		assert_int_equal(dmab_max_mapping_size(dev), 256 * KiB - pad);
		for (size_t o = 0; o < sizeof(offs) / sizeof(offs[0]); o++) {
			for (size_t l = 0; l < sizeof(lens) / sizeof(lens[0]); l++) {
				uintptr_t orig = (uintptr_t)buf + offs[o];
				size_t len = lens[l];
				uint64_t off = orig & m[k].min & (m[k].alloc | 2047);
				dmab_addr_t a;

				assert_int_equal(
				    dmab_map_single(dev, (void *)orig, len, DMAB_TO_DEVICE, 0, &a),
				    0);
				/* the original's bits under min_align_mask */
				assert_int_equal(a & m[k].min, orig & m[k].min);
				/* the run starts aligned */
				uint64_t run = a - off;

				assert_int_equal(run & m[k].alloc, 0);
				assert_int_equal(run % 2048, 0);
				if (!m[k].alloc && !(m[k].min & ~(uint64_t)2047) &&
				    len + off >= 4096)
					assert_int_equal(run % 4096, 0);
				assert_memory_equal(bus_ptr(a), (void *)orig, len);
				assert_int_equal(dmab_unmap_single(dev, a, len, DMAB_TO_DEVICE, 0),
						 0);
			}
		}
		assert_int_equal(stats_of(dev).bounce_slots_used, 0);
		destroy(dev);
	}

	/* without a mask, small mappings take consecutive slots */
	struct dmab_device_config cfg = force_cfg();
	struct dmab_device *dev = make(&cfg);
	dmab_addr_t a[3];

	for (int i = 0; i < 3; i++)
		assert_int_equal(dmab_map_single(dev, buf, 100, DMAB_TO_DEVICE, 0, &a[i]), 0);
	assert_int_equal(a[1] - a[0], 2048);
	assert_int_equal(a[2] - a[1], 2048);
	for (int i = 0; i < 3; i++)
		assert_int_equal(dmab_unmap_single(dev, a[i], 100, DMAB_TO_DEVICE, 0), 0);
	destroy(dev);
	free(buf);
}

/*
 * dmab_max_mapping_size() is a promise: that much always bounces, whatever
 * the offset min_align_mask keeps. What fits depends on the real offset:
 * 128 slots, one byte more does not.
 */
static void test_max_mapping_size(void **state)
{
	(void)state;
	uint8_t *buf = page_buf(300 * KiB);
	dmab_addr_t a;

	for (int min = 0; min < 2; min++) {
		struct dmab_device_config cfg = force_cfg();

		cfg.min_align_mask = min ? 0xfff : 0;
		struct dmab_device *dev = make(&cfg);
		size_t max = dmab_max_mapping_size(dev);
		size_t off = min ? 0x7ff : 0; /* the largest offset kept within a slot */
		uint8_t *p = buf + off;

		assert_int_equal(max, min ? 252 * KiB : 256 * KiB);
		assert_int_equal(dmab_map_single(dev, p, max, DMAB_TO_DEVICE, 0, &a), 0);
		assert_int_equal(dmab_unmap_single(dev, a, max, DMAB_TO_DEVICE, 0), 0);
		assert_int_equal(dmab_map_single(dev, p, 256 * KiB - off, DMAB_TO_DEVICE, 0, &a),
				 0);
		assert_int_equal(stats_of(dev).bounce_slots_used, 128);
		assert_int_equal(dmab_unmap_single(dev, a, 256 * KiB - off, DMAB_TO_DEVICE, 0), 0);
		assert_int_equal(
		    dmab_map_single(dev, p, 256 * KiB - off + 1, DMAB_TO_DEVICE, 0, &a), -ERANGE);
		assert_true(strstr(dmab_last_error(), "longest bounce mapping") != NULL);
		assert_int_equal(stats_of(dev).bounce_slots_used, 0);
		destroy(dev);
	}
	/* a narrow mask limits too; a wide one does not */
	struct dmab_device_config cfg = force_cfg();

	cfg.bounce = 0;
	cfg.dma_bits = 40;
	struct dmab_device *dev = make(&cfg);

	assert_int_equal(dmab_max_mapping_size(dev), 256 * KiB);
	destroy(dev);
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
		assert_int_equal(in_pool(dev, sg[i].dma_addr), i & 1);

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

static char *capture_stderr_begin(int *saved, FILE **tmp)
{
	fflush(stderr);
	*tmp = tmpfile();
	assert_non_null(*tmp);
	*saved = dup(2);
	assert_true(dup2(fileno(*tmp), 2) >= 0);
	return NULL;
}

static size_t capture_stderr_end(int saved, FILE *tmp, char *out, size_t len)
{
	fflush(stderr);
	assert_true(dup2(saved, 2) >= 0);
	close(saved);
	rewind(tmp);
	size_t n = fread(out, 1, len - 1, tmp);

	out[n] = '\0';
	fclose(tmp);
	return n;
}

/* Exhaustion exactly at the boundary, then one more; a list that fails
 * half-way unmaps what it mapped. */
static void test_full_pool(void **state)
{
	(void)state;
	struct dmab_device_config cfg = force_cfg();
	uint8_t *buf = pattern_buf(512 * KiB, 29);
	dmab_addr_t a[129];

	cfg.pool_size = 256 * KiB; /* 128 slots */
	struct dmab_device *dev = make(&cfg);

	for (int i = 0; i < 128; i++)
		assert_int_equal(
		    dmab_map_single(dev, buf + i * 2048, 2048, DMAB_TO_DEVICE, 0, &a[i]), 0);
	struct dmab_stats s0 = stats_of(dev);

	assert_int_equal(s0.bounce_slots_total, 128);
	assert_int_equal(s0.bounce_slots_used, 128);
	assert_int_equal(s0.bounce_slots_hwm, 128);
	assert_int_equal(s0.bounce_full, 0);
	assert_int_equal(dmab_trace_clear(dev), 0);

	int saved;
	FILE *tmp;
	char out[512];

	capture_stderr_begin(&saved, &tmp);
	assert_int_equal(dmab_map_single(dev, buf, 1, DMAB_TO_DEVICE, DMAB_ATTR_NO_WARN, &a[128]),
			 -ENOMEM);
	assert_int_equal(capture_stderr_end(saved, tmp, out, sizeof(out)), 0);
	assert_true(strstr(dmab_last_error(), "bounce pool full") != NULL);
	assert_true(strstr(dmab_last_error(), "256 KiB") != NULL);
	assert_true(strstr(dmab_last_error(), "128 of 128") != NULL);
	capture_stderr_begin(&saved, &tmp);
	assert_int_equal(dmab_map_single(dev, buf, 1, DMAB_TO_DEVICE, 0, &a[128]), -ENOMEM);
	assert_true(capture_stderr_end(saved, tmp, out, sizeof(out)) > 0);
	assert_true(strstr(out, "bounce pool full") != NULL);
	expect_empty(dev);
	struct dmab_stats s1 = stats_of(dev);

	assert_stats_equal(&s0, &s1);
	assert_int_equal(s1.bounce_slots_used, 128);
	assert_int_equal(s1.bounce_full, 2);

	/* one slot back: exactly one more fits */
	assert_int_equal(dmab_unmap_single(dev, a[77], 2048, DMAB_TO_DEVICE, 0), 0);
	assert_int_equal(dmab_map_single(dev, buf, 2048, DMAB_TO_DEVICE, 0, &a[77]), 0);
	assert_int_equal(dmab_map_single(dev, buf, 1, DMAB_TO_DEVICE, DMAB_ATTR_NO_WARN, &a[128]),
			 -ENOMEM);

	/* half the pool back, then a list that needs more than that */
	for (int i = 0; i < 64; i++)
		assert_int_equal(dmab_unmap_single(dev, a[i], 2048, DMAB_TO_DEVICE, 0), 0);
	struct dmab_sg sg[65];

	for (int i = 0; i < 65; i++)
		sg[i] = (struct dmab_sg){.addr = buf + i * 4096, .len = 1000};
	assert_int_equal(dmab_trace_clear(dev), 0);
	s0 = stats_of(dev);
	assert_int_equal(dmab_map_sg(dev, sg, 65, DMAB_BIDIRECTIONAL, DMAB_ATTR_NO_WARN), -ENOMEM);
	assert_true(strstr(dmab_last_error(), "entry 64") != NULL);
	expect_empty(dev);
	s1 = stats_of(dev);
	assert_stats_equal(&s0, &s1);
	assert_int_equal(s1.bounce_slots_used, 64);
	assert_int_equal(s1.bounce_bytes_to_device, s0.bounce_bytes_to_device);
	assert_int_equal(s1.bounce_mappings, s0.bounce_mappings);
	/* 64 fit exactly */
	assert_int_equal(dmab_map_sg(dev, sg, 64, DMAB_BIDIRECTIONAL, 0), 64);
	assert_int_equal(stats_of(dev).bounce_slots_used, 128);
	assert_int_equal(dmab_unmap_sg(dev, sg, 64, DMAB_BIDIRECTIONAL, 0), 0);
	for (int i = 64; i < 128; i++)
		assert_int_equal(dmab_unmap_single(dev, a[i], 2048, DMAB_TO_DEVICE, 0), 0);
	assert_int_equal(stats_of(dev).bounce_slots_used, 0);
	destroy(dev);
	free(buf);
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
	assert_true(stats_of(dev).bounce_pools_grown > 0);

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
	assert_int_equal(atomic_load(&dev->bounce_pools->areas[0].used) +
			     atomic_load(&dev->bounce_pools->areas[1].used),
			 300);
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

/* The calling CPU's area first, the next one when it is full; a free goes
 * back to the slots' own area. */
static void test_areas(void **state)
{
	(void)state;
	struct dmab_device_config cfg = force_cfg();
	uint8_t *buf = page_buf(4096);
	dmab_addr_t a[257];
	cpu_set_t one, saved;
	int cpu = sched_getcpu();

	cfg.pool_size = 512 * KiB; /* 256 slots */
	cfg.pool_areas = 2;
	/* stay on one CPU, so "the calling CPU's area" stays one area */
	assert_int_equal(sched_getaffinity(0, sizeof(saved), &saved), 0);
	CPU_ZERO(&one);
	CPU_SET(cpu < 0 ? 0 : cpu, &one);
	bool pinned = sched_setaffinity(0, sizeof(one), &one) == 0;
	struct dmab_device *dev = make(&cfg);
	struct dmab__bounce_pools *t = dev->bounce_pools;

	assert_int_equal(t->nareas, 2);
	unsigned home = dmab__bounce_cpu_area(t);

	for (int i = 0; i < 256; i++) {
		assert_int_equal(dmab_map_single(dev, buf, 100, DMAB_TO_DEVICE, 0, &a[i]), 0);
		struct dmab__pool *p = atomic_load(&t->pools);
		unsigned area = (unsigned)((a[i] - p->bus) / 2048 / 128);

		if (pinned)
			assert_int_equal(area, i < 128 ? home : home ^ 1);
	}
	assert_int_equal(atomic_load(&t->areas[0].used), 128);
	assert_int_equal(atomic_load(&t->areas[1].used), 128);
	assert_int_equal(dmab_map_single(dev, buf, 1, DMAB_TO_DEVICE, DMAB_ATTR_NO_WARN, &a[256]),
			 -ENOMEM);
	/* frees go to their own area, whichever CPU frees */
	assert_int_equal(dmab_unmap_single(dev, a[200], 100, DMAB_TO_DEVICE, 0), 0);
	if (pinned) {
		assert_int_equal(atomic_load(&t->areas[home].used), 128);
		assert_int_equal(atomic_load(&t->areas[home ^ 1].used), 127);
	}
	/* and the one free slot is found from the home area */
	assert_int_equal(dmab_map_single(dev, buf, 100, DMAB_TO_DEVICE, 0, &a[200]), 0);
	for (int i = 0; i < 256; i++)
		assert_int_equal(dmab_unmap_single(dev, a[i], 100, DMAB_TO_DEVICE, 0), 0);
	assert_int_equal(stats_of(dev).bounce_slots_hwm, 256);
	destroy(dev);
	if (pinned)
		assert_int_equal(sched_setaffinity(0, sizeof(saved), &saved), 0);
	free(buf);
}

/* Pool memory: on the device's node when NUMA is there, else anywhere;
 * hugepages or base pages. */
static void test_pool_memory(void **state)
{
	(void)state;
	struct dmab_device_config cfg = force_cfg();
	uint8_t *buf = page_buf(4096);
	dmab_addr_t a;

	for (int node = -1; node <= 0; node++) {
		cfg.numa_node = node;
		struct dmab_device *dev = make(&cfg);

		assert_int_equal(dmab_map_single(dev, buf, 64, DMAB_TO_DEVICE, 0, &a), 0);
		struct dmab_stats s = stats_of(dev);

		if (dmab__os_numa_available())
			assert_int_equal(s.bounce_node, 0); /* node 0 is the only one here */
		else
			assert_int_equal(s.bounce_node, -1);
		assert_true(s.bounce_page_size == (size_t)sysconf(_SC_PAGESIZE) ||
			    s.bounce_page_size == 2 * 1024 * KiB);
		struct dmab__pool *p = atomic_load(&dev->bounce_pools->pools);

		assert_int_equal((uintptr_t)p->cpu % (2 * 1024 * KiB), 0);
		print_message("node %d: pool on node %d, %zu-byte pages\n", node, s.bounce_node,
			      s.bounce_page_size);
		assert_int_equal(dmab_unmap_single(dev, a, 64, DMAB_TO_DEVICE, 0), 0);
		destroy(dev);
	}
	free(buf);
}

static void test_bad_config(void **state)
{
	(void)state;
	struct dmab_device *dev = NULL;
	struct dmab_device_config cfg = force_cfg();
	struct dmab_device_config bad[9];

	for (int i = 0; i < 9; i++)
		bad[i] = cfg;
	bad[0].bounce = 1u << 5;
	bad[1].bounce = DMAB_BOUNCE_NEVER | DMAB_BOUNCE_FORCE;
	bad[2].min_align_mask = 0x1000;
	bad[3].min_align_mask = 0x3ffff;
	bad[4].alloc_align_mask = 0x3fffff;
	bad[5].pool_areas = 3;
	bad[6].pool_max_extra = 65;
	bad[7].pool_size = (size_t)2 << 30;
	bad[8].bounce = DMAB_BOUNCE_NEVER | DMAB_BOUNCE_UNALIGNED;
	for (int i = 0; i < 9; i++) {
		assert_int_equal(dmab_device_create(&bad[i], &dev), -EINVAL);
		assert_null(dev);
	}
	/* the edges that are fine */
	cfg.min_align_mask = 0x1ffff;
	cfg.alloc_align_mask = 0x1fffff;
	cfg.pool_areas = 1024;
	cfg.pool_max_extra = 64;
	cfg.pool_size = 1; /* rounded up to 256 KiB */
	dev = make(&cfg);
	assert_int_equal(dev->bounce_pools->pool_slots, 128);
	assert_int_equal(dev->bounce_pools->nareas, 1);
	destroy(dev);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_force_roundtrip),
	    cmocka_unit_test(test_mask_trigger),
	    cmocka_unit_test(test_unaligned_trigger),
	    cmocka_unit_test(test_no_pool_without_need),
	    cmocka_unit_test(test_masks),
	    cmocka_unit_test(test_max_mapping_size),
	    cmocka_unit_test(test_partial_device_write),
	    cmocka_unit_test(test_skip_and_to_device),
	    cmocka_unit_test(test_sync_subrange),
	    cmocka_unit_test(test_unmap_misuse),
	    cmocka_unit_test(test_sg_order),
	    cmocka_unit_test(test_per_entry_order),
	    cmocka_unit_test(test_sync_sg),
	    cmocka_unit_test(test_full_pool),
	    cmocka_unit_test(test_growth),
	    cmocka_unit_test(test_list_across_areas_and_pools),
	    cmocka_unit_test(test_areas),
	    cmocka_unit_test(test_pool_memory),
	    cmocka_unit_test(test_bad_config),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
