/* SPDX-License-Identifier: MIT */
/* Shared by the bounce tests: trace devices that bounce, patterned memory,
 * and a look at a whole pool through its slots' bus addresses. */
#ifndef DMAB_TEST_BOUNCE_HELPERS_H
#define DMAB_TEST_BOUNCE_HELPERS_H

#include "helpers.h"

#define KiB ((size_t)1024)

/* A trace device that bounces everything; tests adjust the rest. */
static inline struct dmab_device_config force_cfg(void)
{
	return (struct dmab_device_config){
	    .name = "b",
	    .numa_node = -1,
	    .backend = "trace",
	    .bounce = DMAB_BOUNCE_FORCE,
	    .pool_areas = 1, /* slots in a predictable order */
	};
}

static inline struct dmab_device *make(const struct dmab_device_config *cfg)
{
	struct dmab_device *dev = NULL;

	assert_int_equal(dmab_device_create(cfg, &dev), 0);
	return dev;
}

static inline uint8_t *pattern_buf(size_t len, uint8_t seed)
{
	uint8_t *p = page_buf(len);

	for (size_t i = 0; i < len; i++)
		p[i] = (uint8_t)(seed + i * 7);
	return p;
}

static inline void *bus_ptr(dmab_addr_t a)
{
	return (void *)(uintptr_t)a;
}

/*
 * Every slot of a device's pools, seen from outside: with no mapping live,
 * map one slot TO_DEVICE until the pools are full (bounce_slots_used ==
 * bounce_slots_total), and give back the lowest and highest slot address.
 * Everything is unmapped again before it returns.
 */
static inline void pool_span(struct dmab_device *dev, dmab_addr_t *lo, dmab_addr_t *hi)
{
	struct dmab_stats s = stats_of(dev);
	uint8_t *buf = page_buf(DMAB_POOL_SLOT_SIZE);
	size_t n = s.bounce_slots_total;
	dmab_addr_t *a = calloc(n, sizeof(*a));

	assert_int_equal(s.bounce_slots_used, 0);
	assert_true(n > 0);
	*lo = UINT64_MAX;
	*hi = 0;
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(dmab_map_single(dev, buf, DMAB_POOL_SLOT_SIZE, DMAB_TO_DEVICE,
						 DMAB_ATTR_SKIP_CPU_SYNC, &a[i]),
				 0);
		*lo = a[i] < *lo ? a[i] : *lo;
		*hi = a[i] > *hi ? a[i] : *hi;
	}
	assert_int_equal(stats_of(dev).bounce_slots_used, n);
	assert_int_equal(stats_of(dev).bounce_slots_total, n);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(
		    dmab_unmap_single(dev, a[i], DMAB_POOL_SLOT_SIZE, DMAB_TO_DEVICE, 0), 0);
	free(a);
	free(buf);
}

#endif
