/* SPDX-License-Identifier: MIT */
/*
 * The long run: eight threads on a forced-bounce device with a 256 KiB pool
 * that may grow by one, mapping lists of 1 or 3 entries of 1-60 KiB
 * (refusals for a full pool skipped), checking the slots' content, syncing
 * and unmapping; two more threads map directly on a plain device meanwhile.
 * After the join nothing may be live, no slot held, no grown pool left, and
 * every original must hold what the "device" wrote.
 *
 * Each test runs DMAB_STRESS_SECONDS (default 1; scripts/test --stress gives 30),
 * bounded by that time, never asserting on it.
 */
#include <errno.h>
#include <pthread.h>
#include <time.h>

#include "helpers.h"

#define KiB	 ((size_t)1024)
#define BOUNCERS 8
#define DIRECTS	 2
#define ENT_MAX	 (60 * KiB)

struct worker {
	struct dmab_device *dev;
	double until;
	uint64_t seed;
	uint8_t *mem; /* 3 * ENT_MAX of this thread's own */
	uint64_t rounds, full, bad;
};

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static uint64_t next_rand(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void *bouncer(void *arg)
{
	struct worker *w = arg;

	/* At least one round: a thread that starts late (qemu-user) still maps,
	 * so the device has made its pool. */
	for (bool first = true; first || now() < w->until; first = false) {
		struct dmab_sg sg[3];
		int n = next_rand(&w->seed) % 2 ? 3 : 1;
		bool bidi = next_rand(&w->seed) % 2;
		enum dmab_dir dir = bidi ? DMAB_BIDIRECTIONAL : DMAB_TO_DEVICE;
		uint8_t tag = (uint8_t)(w->rounds * 7 + 1);

		for (int i = 0; i < n; i++) {
			size_t len = 1 + next_rand(&w->seed) % ENT_MAX;

			sg[i] = (struct dmab_sg){.addr = w->mem + (size_t)i * ENT_MAX, .len = len};
			memset(sg[i].addr, tag, len);
		}
		int r = dmab_map_sg(w->dev, sg, n, dir, DMAB_ATTR_NO_WARN);

		if (r == -ENOMEM) {
			w->full++;
			continue;
		}
		if (r != n) {
			w->bad++;
			break;
		}
		for (int i = 0; i < n; i++) {
			uint8_t *slot = (uint8_t *)(uintptr_t)sg[i].dma_addr;

			if (slot == sg[i].addr || slot[0] != tag || slot[sg[i].len - 1] != tag)
				w->bad++;
			if (bidi) /* the "device" writes the slot */
				memset(slot, (uint8_t)(tag + 1), sg[i].len);
		}
		if (dmab_sync_sg_for_cpu(w->dev, sg, n, dir) ||
		    dmab_unmap_sg(w->dev, sg, n, dir, 0)) {
			w->bad++;
			break;
		}
		for (int i = 0; i < n && bidi; i++) {
			uint8_t *o = sg[i].addr;

			if (o[0] != (uint8_t)(tag + 1) || o[sg[i].len - 1] != (uint8_t)(tag + 1))
				w->bad++;
		}
		w->rounds++;
	}
	return NULL;
}

/* The shape that once left an empty grown pool linked: TO_DEVICE lists of 1
 * or 3 entries, map and unmap only, as fast as they go. */
static void *churner(void *arg)
{
	struct worker *w = arg;

	/* At least one round: a thread that starts late (qemu-user) still maps,
	 * so the device has made its pool. */
	for (bool first = true; first || now() < w->until; first = false) {
		struct dmab_sg sg[3];
		int n = next_rand(&w->seed) % 2 ? 3 : 1;

		for (int i = 0; i < n; i++)
			sg[i] = (struct dmab_sg){.addr = w->mem + (size_t)i * ENT_MAX,
						 .len = 1 + next_rand(&w->seed) % ENT_MAX};
		int r = dmab_map_sg(w->dev, sg, n, DMAB_TO_DEVICE, DMAB_ATTR_NO_WARN);

		if (r == -ENOMEM) {
			w->full++;
			continue;
		}
		if (r != n || dmab_unmap_sg(w->dev, sg, n, DMAB_TO_DEVICE, 0)) {
			w->bad++;
			break;
		}
		w->rounds++;
	}
	return NULL;
}

static void *direct(void *arg)
{
	struct worker *w = arg;

	while (now() < w->until) {
		dmab_addr_t a;
		size_t len = 1 + next_rand(&w->seed) % ENT_MAX;

		if (dmab_map_single(w->dev, w->mem, len, DMAB_FROM_DEVICE, 0, &a) ||
		    a != (dmab_addr_t)(uintptr_t)w->mem ||
		    dmab_sync_single_for_device(w->dev, a, len, DMAB_FROM_DEVICE) ||
		    dmab_unmap_single(w->dev, a, len, DMAB_FROM_DEVICE, 0)) {
			w->bad++;
			break;
		}
		w->rounds++;
	}
	return NULL;
}

static double stress_seconds(void)
{
	const char *env = getenv("DMAB_STRESS_SECONDS");
	double secs = env ? atof(env) : 1.0;

	return secs > 0 && secs <= 600 ? secs : 1.0;
}

static void test_long_stress(void **state)
{
	(void)state;
	double secs = stress_seconds();
	struct dmab_device_config cfg = {.name = "long",
					 .numa_node = -1,
					 .backend = "trace",
					 .coherent =
					     true, /* the trace log would grow without end */
					 .bounce = DMAB_BOUNCE_FORCE,
					 .pool_size = 256 * KiB,
					 .pool_max_extra = 1};
	struct dmab_device *bdev, *pdev;
	struct worker w[BOUNCERS + DIRECTS];
	pthread_t t[BOUNCERS + DIRECTS];

	assert_int_equal(dmab_device_create(&cfg, &bdev), 0);
	cfg.bounce = 0;
	cfg.pool_max_extra = 0;
	assert_int_equal(dmab_device_create(&cfg, &pdev), 0);
	double until = now() + secs;

	for (int i = 0; i < BOUNCERS + DIRECTS; i++) {
		w[i] = (struct worker){.dev = i < BOUNCERS ? bdev : pdev,
				       .until = until,
				       .seed = 0x9e3779b97f4a7c15u + (uint64_t)i * 7919,
				       .mem = page_buf(3 * ENT_MAX)};
		assert_int_equal(
		    pthread_create(&t[i], NULL, i < BOUNCERS ? bouncer : direct, &w[i]), 0);
	}
	uint64_t rounds = 0, full = 0;

	for (int i = 0; i < BOUNCERS + DIRECTS; i++) {
		assert_int_equal(pthread_join(t[i], NULL), 0);
		assert_int_equal(w[i].bad, 0);
		rounds += w[i].rounds;
		full += w[i].full;
		free(w[i].mem);
	}
	struct dmab_stats s = stats_of(bdev);

	print_message("%.0f s: %llu rounds, %llu refused for a full pool, %llu pools grown\n", secs,
		      (unsigned long long)rounds, (unsigned long long)full,
		      (unsigned long long)s.bounce_pools_grown);
	assert_int_equal(s.live_mappings, 0);
	assert_int_equal(s.bounce_slots_used, 0);
	assert_int_equal(s.bounce_pools, 1); /* every grown pool given back */
	assert_int_equal(s.bounce_slots_total, 128);
	assert_int_equal(s.bounce_full, full);
	assert_int_equal(stats_of(pdev).live_mappings, 0);
	destroy(bdev);
	destroy(pdev);
}

/* Runs of a fraction of a second each: the end state is checked often. */
static void test_grown_pools_given_back(void **state)
{
	(void)state;
	struct dmab_device_config cfg = {.numa_node = -1,
					 .backend = "trace",
					 .bounce = DMAB_BOUNCE_FORCE,
					 .pool_size = 256 * KiB,
					 .pool_max_extra = 1};
	double end = now() + stress_seconds();
	int runs = 0;

	do {
		struct dmab_device *dev;
		struct worker w[BOUNCERS];
		pthread_t t[BOUNCERS];

		assert_int_equal(dmab_device_create(&cfg, &dev), 0);
		for (int i = 0; i < BOUNCERS; i++) {
			w[i] =
			    (struct worker){.dev = dev,
					    .until = now() + 0.02,
					    .seed = 0x2545f4914f6cdd1du + (uint64_t)(runs * 8 + i),
					    .mem = page_buf(3 * ENT_MAX)};
			assert_int_equal(pthread_create(&t[i], NULL, churner, &w[i]), 0);
		}
		for (int i = 0; i < BOUNCERS; i++) {
			assert_int_equal(pthread_join(t[i], NULL), 0);
			assert_int_equal(w[i].bad, 0);
			free(w[i].mem);
		}
		struct dmab_stats s = stats_of(dev);

		assert_int_equal(s.live_mappings, 0);
		assert_int_equal(s.bounce_slots_used, 0);
		assert_int_equal(s.bounce_pools, 1);
		assert_int_equal(s.bounce_slots_total, 128);
		destroy(dev);
		runs++;
	} while (now() < end);
	print_message("%d runs, every grown pool given back\n", runs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_grown_pools_given_back),
	    cmocka_unit_test(test_long_stress),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
