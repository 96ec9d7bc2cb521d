/* SPDX-License-Identifier: MIT */
/*
 * Bounce slots and areas: a full pool exactly at its boundary, the warning,
 * unwinding a list that does not fit, the calling CPU's area first, and
 * where the pool's memory comes from.
 * The trace backend is the eyes; with identity translation a bus address
 * is also the slot's CPU address, so a test plays the device by writing
 * through it.
 */
#include <errno.h>
#include <numa.h>
#include <sched.h>
#include <unistd.h>

#include "bounce_helpers.h"
#include "seam.h"

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

/* The calling CPU's area first, the next one when it is full; a free goes
 * back to the slots' own area. */
static void test_areas(void **state)
{
	(void)state;
	struct dmab_device_config cfg = force_cfg();
	uint8_t *buf = page_buf(4096);
	dmab_addr_t a[257], base = UINT64_MAX;
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

	assert_int_equal(seam_bounce_areas(dev), 2);
	/* the calling CPU's area: its number modulo the areas */
	unsigned home = (unsigned)(cpu < 0 ? 0 : cpu) & 1;

	for (int i = 0; i < 256; i++) {
		assert_int_equal(dmab_map_single(dev, buf, 100, DMAB_TO_DEVICE, 0, &a[i]), 0);
		base = a[i] < base ? a[i] : base;
	}
	/* the pool is full: its lowest slot is its start, and an area is 128
	 * slots from there */
	unsigned used[2] = {0, 0};

	assert_int_equal(stats_of(dev).bounce_slots_used, 256);
	for (int i = 0; i < 256; i++) {
		unsigned area = (unsigned)((a[i] - base) / 2048 / 128);

		assert_true(area < 2);
		used[area]++;
		if (pinned)
			assert_int_equal(area, i < 128 ? home : home ^ 1);
	}
	assert_int_equal(used[0], 128);
	assert_int_equal(used[1], 128);
	assert_int_equal(dmab_map_single(dev, buf, 1, DMAB_TO_DEVICE, DMAB_ATTR_NO_WARN, &a[256]),
			 -ENOMEM);
	/* frees go to their own area, whichever CPU frees */
	dmab_addr_t freed = a[200];

	assert_int_equal(dmab_unmap_single(dev, a[200], 100, DMAB_TO_DEVICE, 0), 0);
	if (pinned)
		assert_int_equal((freed - base) / 2048 / 128, home ^ 1);
	/* and the one free slot is found from the home area: the same slot */
	assert_int_equal(dmab_map_single(dev, buf, 100, DMAB_TO_DEVICE, 0, &a[200]), 0);
	assert_int_equal(a[200], freed);
	for (int i = 0; i < 256; i++)
		assert_int_equal(dmab_unmap_single(dev, a[i], 100, DMAB_TO_DEVICE, 0), 0);
	assert_int_equal(stats_of(dev).bounce_slots_hwm, 256);
	destroy(dev);
	if (pinned)
		assert_int_equal(sched_setaffinity(0, sizeof(saved), &saved), 0);
	free(buf);
}

static bool pin_to(int cpu)
{
	cpu_set_t one;

	CPU_ZERO(&one);
	CPU_SET(cpu, &one);
	return sched_setaffinity(0, sizeof(one), &one) == 0;
}

/* A thread that moves to a CPU whose area has no quota gets a chunk of the
 * other area's unused quota at once (as much as it has, at least a
 * segment), not just the one entry's shortfall, so that its next entries
 * take the fast path; the mark does not move. */
static void test_quota_moves_in_chunks(void **state)
{
	(void)state;
	struct dmab_device_config cfg = force_cfg();
	uint8_t *buf = page_buf(4096);
	dmab_addr_t a[200];
	cpu_set_t saved;

	cfg.pool_size = 1024 * KiB; /* 512 slots, 256 an area */
	cfg.pool_areas = 2;
	assert_int_equal(sched_getaffinity(0, sizeof(saved), &saved), 0);
	if (sysconf(_SC_NPROCESSORS_ONLN) < 2 || !CPU_ISSET(0, &saved) || !CPU_ISSET(1, &saved)) {
		free(buf);
		skip();
	}
	assert_true(pin_to(0));
	struct dmab_device *dev = make(&cfg);

	for (int i = 0; i < 200; i++)
		assert_int_equal(dmab_map_single(dev, buf, 100, DMAB_TO_DEVICE, 0, &a[i]), 0);
	for (int i = 0; i < 200; i++)
		assert_int_equal(dmab_unmap_single(dev, a[i], 100, DMAB_TO_DEVICE, 0), 0);
	assert_int_equal(seam_bounce_quota(dev, 0), 200);
	assert_int_equal(seam_bounce_quota(dev, 1), 0);
	assert_true(pin_to(1));
	assert_int_equal(dmab_map_single(dev, buf, 100, DMAB_TO_DEVICE, 0, &a[0]), 0);
	/* one slot short, and a segment (128) more */
	assert_int_equal(seam_bounce_quota(dev, 1), 129);
	assert_int_equal(seam_bounce_quota(dev, 0), 71);
	for (int i = 1; i < 129; i++)
		assert_int_equal(dmab_map_single(dev, buf, 100, DMAB_TO_DEVICE, 0, &a[i]), 0);
	assert_int_equal(seam_bounce_quota(dev, 1), 129);
	struct dmab_stats s = stats_of(dev);

	assert_int_equal(s.bounce_slots_used, 129);
	assert_int_equal(s.bounce_slots_hwm, 200);
	for (int i = 0; i < 129; i++)
		assert_int_equal(dmab_unmap_single(dev, a[i], 100, DMAB_TO_DEVICE, 0), 0);
	assert_int_equal(stats_of(dev).bounce_slots_used, 0);
	destroy(dev);
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

		if (numa_available() >= 0)
			assert_int_equal(s.bounce_node, 0); /* node 0 is the only one here */
		else
			assert_int_equal(s.bounce_node, -1);
		assert_true(s.bounce_page_size == (size_t)sysconf(_SC_PAGESIZE) ||
			    s.bounce_page_size == 2 * 1024 * KiB);
		print_message("node %d: pool on node %d, %zu-byte pages\n", node, s.bounce_node,
			      s.bounce_page_size);
		assert_int_equal(dmab_unmap_single(dev, a, 64, DMAB_TO_DEVICE, 0), 0);
		/* the pool starts on a 2 MiB boundary: its lowest slot does */
		dmab_addr_t lo, hi;

		pool_span(dev, &lo, &hi);
		assert_int_equal(lo % (2 * 1024 * KiB), 0);
		destroy(dev);
	}
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_full_pool),
	    cmocka_unit_test(test_areas),
	    cmocka_unit_test(test_quota_moves_in_chunks),
	    cmocka_unit_test(test_pool_memory),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
