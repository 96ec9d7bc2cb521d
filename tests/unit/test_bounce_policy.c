/* SPDX-License-Identifier: MIT */
/*
 * Bounce policy and placement: what bounces (forced, beyond the mask,
 * unaligned), what never does, where the slots go under the alignment
 * masks, the longest mapping, and the config checks.
 * The trace backend is the eyes; with identity translation a bus address
 * is also the slot's CPU address, so a test plays the device by writing
 * through it.
 */
#include <errno.h>
#include <sys/mman.h>

#include "bounce_helpers.h"
#include "seam.h"

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

	/* a device that may bounce: limited to what a bounce mapping holds */
	assert_int_equal(dmab_max_mapping_size(dev), 256 * KiB);
	if ((uintptr_t)high + 4096 <= UINT64_C(0xffffffff))
		print_message("heap below 4 GiB here; the high buffer is not high\n");
	else {
		assert_int_equal(dmab_map_single(dev, high, 300, DMAB_TO_DEVICE, 0, &a), 0);
		assert_true(a != (uintptr_t)high); /* a slot, counted below */
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
	assert_int_equal(dmab_unmap_single(dev, a, 4096, DMAB_FROM_DEVICE, 0), 0);
	/* every slot of the pool, the last byte of the last one included */
	dmab_addr_t lo, hi;

	pool_span(dev, &lo, &hi);
	assert_int_equal(hi + DMAB_POOL_SLOT_SIZE - lo, DMAB_POOL_DEFAULT_SIZE);
	assert_true(hi + DMAB_POOL_SLOT_SIZE - 1 <= UINT64_C(0x0fffffff));
	destroy(dev);

	/* bouncing off: beyond the mask is refused, as before bouncing */
	cfg.bounce = DMAB_BOUNCE_NEVER;
	dev = make(&cfg);
	assert_int_equal(dmab_max_mapping_size(dev), SIZE_MAX); /* no bounce limit */
	if ((uintptr_t)high > UINT64_C(0x0fffffff)) {
		assert_int_equal(dmab_map_single(dev, high, 64, DMAB_TO_DEVICE, 0, &a), -ERANGE);
		assert_true(strstr(dmab_last_error(), "bouncing is off") != NULL);
	}
	assert_int_equal(stats_of(dev).bounce_pools, 0);
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

	uint64_t bounced = 0;

	assert_int_equal(dmab_max_mapping_size(dev), SIZE_MAX);
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		uint8_t *p = buf + c[i].off;

		assert_int_equal(dmab_map_single(dev, p, c[i].len, c[i].dir, 0, &a), 0);
		assert_int_equal(a != (uintptr_t)p, c[i].bounce);
		bounced += c[i].bounce;
		/* mapped through the pool exactly when it bounced */
		assert_int_equal(stats_of(dev).bounce_mappings, bounced);
		assert_int_equal(dmab_unmap_single(dev, a, c[i].len, c[i].dir, 0), 0);
	}
	destroy(dev);

	/* a coherent device has no lines to share: nothing bounces, no pool */
	cfg.coherent = true;
	dev = make(&cfg);
	assert_int_equal(dmab_map_single(dev, buf + 64, 256, DMAB_FROM_DEVICE, 0, &a), 0);
	assert_int_equal(a, (uintptr_t)buf + 64);
	assert_int_equal(stats_of(dev).bounce_pools, 0);
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

	assert_int_equal(dmab_max_mapping_size(dev), SIZE_MAX);
	assert_int_equal(dmab_map_single(dev, buf, 100, DMAB_BIDIRECTIONAL, 0, &a), 0);
	assert_int_equal(a, (uintptr_t)buf);
	assert_int_equal(stats_of(dev).bounce_pools, 0); /* no pool, even with a mapping */
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
 * dmab_max_mapping_size() is exact: that much always bounces, whatever the
 * offset min_align_mask keeps, and one byte more is -ERANGE whatever the
 * offset (even one where it would fit in 128 slots).
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
		/* offset 0: max + 1 would fit in 128 slots, but is past the limit */
		assert_int_equal(dmab_map_single(dev, buf, max + 1, DMAB_TO_DEVICE, 0, &a),
				 -ERANGE);
		assert_true(strstr(dmab_last_error(), "longest bounce mapping") != NULL);
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
	uint8_t *buf = page_buf(4096);
	dmab_addr_t a;

	/* the pool (made at the first mapping) has 128 slots, in one area */
	assert_int_equal(dmab_map_single(dev, buf, 1, DMAB_TO_DEVICE, 0, &a), 0);
	assert_int_equal(stats_of(dev).bounce_slots_total, 128);
	assert_int_equal(seam_bounce_areas(dev), 1);
	assert_int_equal(dmab_unmap_single(dev, a, 1, DMAB_TO_DEVICE, 0), 0);
	destroy(dev);
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_mask_trigger),	 cmocka_unit_test(test_unaligned_trigger),
	    cmocka_unit_test(test_no_pool_without_need), cmocka_unit_test(test_masks),
	    cmocka_unit_test(test_max_mapping_size),	 cmocka_unit_test(test_bad_config),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
