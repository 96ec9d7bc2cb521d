/* SPDX-License-Identifier: MIT */
/*
 * The classic DMA-discipline bugs, each caught by the simulator: every test
 * runs the buggy sequence and the correct one on every line size, chaos off
 * and on, and requires the oracle to see corruption in the first and none in
 * the second. Bugs of the library itself (invalidating at map time, copying
 * before completion) are played through its internal batch engine.
 */
#include <errno.h>

#include "test_sim_helpers.h"
#include "../src/internal.h"
#include "../src/rules.h"

#define ARENA 32768
#define LINES 32 /* buffer size in lines: chaos cannot hide a bug on them all */
#define SEEDS 8

struct env {
	struct dmab_sim *sim;
	struct dmab_device *dev;
	uint8_t *a;
	size_t line;
};

static struct env setup(size_t line, uint64_t seed)
{
	struct env e = {.line = line};

	e.sim = new_sim(line, seed, seed ? 0.1 : 0.0);
	e.dev = sim_dev(e.sim, DMAB_SYNC_BATCHED);
	e.a = sim_arena(e.sim, ARENA, 0);
	fill_pat(e.a, ARENA, 200);
	return e;
}

static void teardown(struct env *e)
{
	sim_arena_free(e->sim, e->a, ARENA);
	assert_int_equal(dmab_device_destroy(e->dev), 0);
	dmab_sim_destroy(e->sim);
}

static size_t count_bad(const uint8_t *p, size_t len, unsigned tag)
{
	size_t bad = 0;

	for (size_t i = 0; i < len; i++)
		bad += p[i] != pat(tag, i);
	return bad;
}

/* What the device reads of [p, p+len), compared with pattern @tag. */
static size_t device_sees_bad(struct env *e, const uint8_t *p, size_t len, unsigned tag)
{
	static uint8_t got[LINES * 256 + 256];

	assert_int_equal(dmab_sim_dev_read(e->sim, bus(p), got, len), 0);
	return count_bad(got, len, tag);
}

static void device_writes(struct env *e, uint8_t *p, size_t len, unsigned tag)
{
	static uint8_t data[LINES * 256 + 256];

	fill_pat(data, len, tag);
	assert_int_equal(dmab_sim_dev_write(e->sim, bus(p), data, len), 0);
}

typedef size_t (*scenario_fn)(size_t line, uint64_t seed, bool buggy);

/* Every line size, chaos off and SEEDS chaos seeds: buggy is caught,
 * correct is clean. */
static void check_bug(scenario_fn fn, const char *name)
{
	for (size_t li = 0; li < NSIM_LINES; li++) {
		for (uint64_t seed = 0; seed <= SEEDS; seed++) {
			size_t bad = fn(sim_lines[li], seed, true);

			if (!bad)
				print_message(
				    "%s: buggy sequence not caught (line %zu, seed %llu)\n", name,
				    sim_lines[li], (unsigned long long)seed);
			assert_true(bad > 0);
			bad = fn(sim_lines[li], seed, false);
			if (bad)
				print_message("%s: correct sequence corrupted %zu bytes (line %zu, "
					      "seed %llu)\n",
					      name, bad, sim_lines[li], (unsigned long long)seed);
			assert_int_equal(bad, 0);
		}
	}
}

/* A TO_DEVICE buffer reused for new data without sync_for_device: the
 * device reads the old data. */
static size_t missing_sync_for_device(size_t line, uint64_t seed, bool buggy)
{
	struct env e = setup(line, seed);
	uint8_t *p = e.a + line;
	size_t len = LINES * line, bad;
	dmab_addr_t d;

	fill_pat(p, len, 1);
	assert_int_equal(dmab_map_single(e.dev, p, len, DMAB_TO_DEVICE, 0, &d), 0);
	bad = device_sees_bad(&e, p, len, 1);
	assert_int_equal(dmab_sync_single_for_cpu(e.dev, d, len, DMAB_TO_DEVICE), 0);
	fill_pat(p, len, 2);
	if (!buggy)
		assert_int_equal(dmab_sync_single_for_device(e.dev, d, len, DMAB_TO_DEVICE), 0);
	assert_int_equal(dmab_sim_tick(e.sim), 0);
	bad += device_sees_bad(&e, p, len, 2);
	assert_int_equal(dmab_unmap_single(e.dev, d, len, DMAB_TO_DEVICE, 0), 0);
	teardown(&e);
	return bad;
}

/* The CPU reads a FROM_DEVICE buffer without sync_for_cpu: it sees what it
 * had before the transfer, not what the device wrote. */
static size_t missing_sync_for_cpu(size_t line, uint64_t seed, bool buggy)
{
	struct env e = setup(line, seed);
	uint8_t *p = e.a + line + 10;
	size_t len = LINES * line, bad;
	dmab_addr_t d;

	fill_pat(p, len, 1);
	assert_int_equal(dmab_map_single(e.dev, p, len, DMAB_FROM_DEVICE, 0, &d), 0);
	device_writes(&e, p, len, 2);
	assert_int_equal(dmab_sim_tick(e.sim), 0);
	if (!buggy)
		assert_int_equal(dmab_sync_single_for_cpu(e.dev, d, len, DMAB_FROM_DEVICE), 0);
	bad = count_bad(p, len, 2);
	assert_int_equal(dmab_unmap_single(e.dev, d, len, DMAB_FROM_DEVICE, 0), 0);
	teardown(&e);
	return bad;
}

/* SKIP_CPU_SYNC at map and unmap without the syncs that must replace it:
 * the device reads stale data, then the CPU does. */
static size_t skip_without_syncs(size_t line, uint64_t seed, bool buggy)
{
	struct env e = setup(line, seed);
	uint8_t *p = e.a + 2 * line, *q = e.a + (LINES + 4) * line + 3;
	size_t len = LINES * line, bad;
	const unsigned skip = DMAB_ATTR_SKIP_CPU_SYNC;
	dmab_addr_t d;

	fill_pat(p, len, 1);
	assert_int_equal(dmab_map_single(e.dev, p, len, DMAB_TO_DEVICE, skip, &d), 0);
	if (!buggy)
		assert_int_equal(dmab_sync_single_for_device(e.dev, d, len, DMAB_TO_DEVICE), 0);
	bad = device_sees_bad(&e, p, len, 1);
	assert_int_equal(dmab_unmap_single(e.dev, d, len, DMAB_TO_DEVICE, skip), 0);

	fill_pat(q, len, 3);
	assert_int_equal(dmab_map_single(e.dev, q, len, DMAB_FROM_DEVICE, 0, &d), 0);
	device_writes(&e, q, len, 4);
	if (!buggy)
		assert_int_equal(dmab_sync_single_for_cpu(e.dev, d, len, DMAB_FROM_DEVICE), 0);
	assert_int_equal(dmab_unmap_single(e.dev, d, len, DMAB_FROM_DEVICE, skip), 0);
	bad += count_bad(q, len, 4);
	teardown(&e);
	return bad;
}

/*
 * The CPU writes bytes that share the first and last lines of a FROM_DEVICE
 * buffer while the device owns it: the dirty lines are written back over the
 * device's data. Correct: write them after unmap, or keep the buffer on
 * lines of its own (@aligned).
 */
static size_t neighbour_write(size_t line, uint64_t seed, bool buggy, bool aligned)
{
	struct env e = setup(line, seed);
	uint8_t *p = e.a + 2 * line + (aligned ? 0 : 10);
	size_t len = LINES * line - (aligned ? 0 : 20), bad;
	uint8_t *before = aligned ? p - 1 : e.a + 2 * line, *after = p + len;
	dmab_addr_t d;

	fill_pat(p, len, 1);
	assert_int_equal(dmab_map_single(e.dev, p, len, DMAB_FROM_DEVICE, 0, &d), 0);
	device_writes(&e, p, len, 2);
	if (buggy || aligned) {
		*before = 0xa5;
		*after = 0x5a;
	}
	assert_int_equal(dmab_sim_tick(e.sim), 0);
	assert_int_equal(dmab_unmap_single(e.dev, d, len, DMAB_FROM_DEVICE, 0), 0);
	if (!buggy && !aligned) {
		*before = 0xa5;
		*after = 0x5a;
	}
	bad = count_bad(p, len, 2) + (*before != 0xa5) + (*after != 0x5a);
	teardown(&e);
	return bad;
}

static size_t neighbour_shared(size_t line, uint64_t seed, bool buggy)
{
	return neighbour_write(line, seed, buggy, false);
}

/* The same write, but the correct layout: nothing shared. */
static size_t neighbour_own_lines(size_t line, uint64_t seed, bool buggy)
{
	return buggy ? neighbour_write(line, seed, true, false)
		     : neighbour_write(line, seed, false, true);
}

/*
 * A library that invalidates instead of cleaning at map time (arm64 before
 * 2022): the CPU's bytes of a FROM_DEVICE buffer that the device does not
 * write come back as stale DRAM. The buggy map is the library's own unmap
 * maintenance issued at map time, through its batch engine.
 */
static size_t inval_at_map(size_t line, uint64_t seed, bool buggy)
{
	struct env e = setup(line, seed);
	uint8_t *p = e.a + line + 10;
	size_t len = LINES * line, bad;
	dmab_addr_t d;

	fill_pat(p, len, 1);
	if (buggy) {
		struct dmab_batch b;

		assert_int_equal(
		    dmab_map_single(e.dev, p, len, DMAB_FROM_DEVICE, DMAB_ATTR_SKIP_CPU_SYNC, &d),
		    0);
		dmab_batch_init(&b);
		int part = dmab__batch_enter(&b, e.dev);

		dmab__sync_add(&b, part, p, len, false, DMAB_FROM_DEVICE);
		dmab__batch_leave(&b, part);
		(void)dmab__batch_finish(&b);
	} else {
		assert_int_equal(dmab_map_single(e.dev, p, len, DMAB_FROM_DEVICE, 0, &d), 0);
	}
	/* the device writes the first half only */
	device_writes(&e, p, len / 2, 2);
	assert_int_equal(dmab_unmap_single(e.dev, d, len, DMAB_FROM_DEVICE, 0), 0);
	bad = count_bad(p, len / 2, 2);
	for (size_t i = len / 2; i < len; i++)
		bad += p[i] != pat(1, i);
	teardown(&e);
	return bad;
}

/*
 * The ordering rule batching must keep: a copy out of a buffer (a bounce
 * slot's copy-back) reads it only after the invalidate is complete. Copying
 * between issue and completion reads the stale lines.
 */
static size_t copy_before_complete(size_t line, uint64_t seed, bool buggy)
{
	struct env e = setup(line, seed);
	uint8_t *slot = e.a + line, *orig = e.a + (LINES + 4) * line;
	size_t len = LINES * line, bad;
	struct dmab_arch *arch = &e.dev->arch;

	fill_pat(slot, len, 1);
	assert_int_equal(dmab_sync_single_for_device(e.dev, bus(slot), len, DMAB_FROM_DEVICE), 0);
	device_writes(&e, slot, len, 2);
	arch->ops->issue(arch, DMAB__INVAL, (uintptr_t)slot, len);
	if (buggy)
		memcpy(orig, slot, len);
	arch->ops->complete(arch);
	if (!buggy)
		memcpy(orig, slot, len);
	bad = count_bad(orig, len, 2);
	teardown(&e);
	return bad;
}

static void test_missing_sync_for_device(void **state)
{
	(void)state;
	check_bug(missing_sync_for_device, "missing sync_for_device");
}

static void test_missing_sync_for_cpu(void **state)
{
	(void)state;
	check_bug(missing_sync_for_cpu, "missing sync_for_cpu");
}

static void test_skip_cpu_sync_without_syncs(void **state)
{
	(void)state;
	check_bug(skip_without_syncs, "SKIP_CPU_SYNC without syncs");
}

static void test_neighbour_on_shared_line(void **state)
{
	(void)state;
	check_bug(neighbour_shared, "neighbour written during FROM_DEVICE");
	check_bug(neighbour_own_lines, "neighbour on its own lines");
}

static void test_invalidate_at_map(void **state)
{
	(void)state;
	check_bug(inval_at_map, "invalidate instead of clean at map");
}

static void test_copy_before_completion(void **state)
{
	(void)state;
	check_bug(copy_before_complete, "copy before completion");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_missing_sync_for_device),
	    cmocka_unit_test(test_missing_sync_for_cpu),
	    cmocka_unit_test(test_skip_cpu_sync_without_syncs),
	    cmocka_unit_test(test_neighbour_on_shared_line),
	    cmocka_unit_test(test_invalidate_at_map),
	    cmocka_unit_test(test_copy_before_completion),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
