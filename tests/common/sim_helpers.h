/* SPDX-License-Identifier: MIT */
/* Shared by the simulator's tests: simulators, devices on them, arenas. */
#ifndef DMAB_TEST_SIM_HELPERS_H
#define DMAB_TEST_SIM_HELPERS_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <dmabatch.h>
#include <dmabatch/sim.h>

static const size_t sim_lines[] = {32, 64, 128, 256};
#define NSIM_LINES (sizeof(sim_lines) / sizeof(sim_lines[0]))

static inline struct dmab_sim *new_sim(size_t line, uint64_t seed, double rate)
{
	struct dmab_sim_config cfg = {.line_size = line, .chaos_seed = seed, .chaos_rate = rate};
	struct dmab_sim *sim = NULL;

	assert_int_equal(dmab_sim_create(&cfg, &sim), 0);
	assert_non_null(sim);
	return sim;
}

static inline struct dmab_device *sim_dev(struct dmab_sim *sim, enum dmab_sync_mode mode)
{
	struct dmab_device_config cfg = {
	    .name = "simdev", .numa_node = -1, .sync_mode = mode, .sim = sim};
	struct dmab_device *dev = NULL;

	assert_int_equal(dmab_device_create(&cfg, &dev), 0);
	assert_non_null(dev);
	return dev;
}

/* Page-aligned memory filled with @fill, then registered: DRAM = @fill. */
static inline uint8_t *sim_arena(struct dmab_sim *sim, size_t len, uint8_t fill)
{
	void *p = NULL;

	assert_int_equal(posix_memalign(&p, 4096, len), 0);
	memset(p, fill, len);
	assert_int_equal(dmab_sim_register(sim, p, len), 0);
	return p;
}

static inline void sim_arena_free(struct dmab_sim *sim, uint8_t *p, size_t len)
{
	assert_int_equal(dmab_sim_unregister(sim, p, len), 0);
	free(p);
}

static inline struct dmab_sim_stats sim_stats_of(const struct dmab_sim *sim)
{
	struct dmab_sim_stats s;

	assert_int_equal(dmab_sim_get_stats(sim, &s), 0);
	return s;
}

static inline dmab_addr_t bus(const void *p)
{
	return (dmab_addr_t)(uintptr_t)p;
}

/* A byte pattern that differs per buffer (@tag) and per position. */
static inline uint8_t pat(unsigned tag, size_t i)
{
	return (uint8_t)(tag * 61u + i * 7u + (i >> 8) + 1u);
}

static inline void fill_pat(uint8_t *p, size_t len, unsigned tag)
{
	for (size_t i = 0; i < len; i++)
		p[i] = pat(tag, i);
}

/* Index of the first byte of @p that is not pat(tag, i), or -1. */
static inline long pat_mismatch(const uint8_t *p, size_t len, unsigned tag)
{
	for (size_t i = 0; i < len; i++)
		if (p[i] != pat(tag, i))
			return (long)i;
	return -1;
}

/* How a scenario hands its maintenance to the library. */
enum how { HOW_BATCHED, HOW_PER_ENTRY, HOW_BATCH_API, NHOW };

/* Sync a mapped list (@list) or its first entry as a single mapping, for
 * the device or for the CPU, through the sg calls or the batch API. */
static inline void sim_sync_all(struct dmab_device *dev, struct dmab_sg *sg, int n,
				enum dmab_dir dir, enum how how, bool list, bool for_device)
{
	if (how == HOW_BATCH_API) {
		struct dmab_batch b;

		dmab_batch_init(&b);
		for (int i = 0; i < n; i++) {
			dmab_addr_t d = sg[i].dma_addr;
			size_t len = sg[i].dma_len;

			if (for_device)
				assert_int_equal(dmab_batch_sync_for_device(&b, dev, d, len, dir),
						 0);
			else
				assert_int_equal(dmab_batch_sync_for_cpu(&b, dev, d, len, dir), 0);
		}
		assert_true(dmab_batch_commit(&b) >= 0);
	} else if (!list) {
		if (for_device)
			assert_int_equal(
			    dmab_sync_single_for_device(dev, sg[0].dma_addr, sg[0].len, dir), 0);
		else
			assert_int_equal(
			    dmab_sync_single_for_cpu(dev, sg[0].dma_addr, sg[0].len, dir), 0);
	} else if (for_device) {
		assert_int_equal(dmab_sync_sg_for_device(dev, sg, n, dir), 0);
	} else {
		assert_int_equal(dmab_sync_sg_for_cpu(dev, sg, n, dir), 0);
	}
}

#endif
