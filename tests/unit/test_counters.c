/* SPDX-License-Identifier: MIT */
/*
 * The per-thread counters (src/counters.h): counts from many threads add up
 * exactly once they are joined, a new device never inherits a destroyed
 * one's counts through a thread's cache, a thread that drives more devices
 * than its cache holds keeps one block per device, and a thread that cannot
 * get a block still counts, in the shared one.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>

#include "helpers.h"
#include "seam.h"

#define THREADS	   4
#define ITERATIONS 300
#define PAGE	   4096
#define SG	   4

/* Per iteration: map_single + unmap_single of a page, BIDIRECTIONAL (a
 * clean, then an invalidate, one completion each), and map_sg + unmap_sg of
 * four separate pages, TO_DEVICE (cleans, one completion saving three; the
 * unmap issues nothing). 64-byte lines. */
#define LINES	       (PAGE / 64)
#define ITER_MAPS      2
#define ITER_CLEANED   (LINES + SG * LINES)
#define ITER_INVAL     LINES
#define ITER_COMPLETES 3
#define ITER_SAVED     (SG - 1)

struct worker {
	pthread_t th;
	struct dmab_device *dev;
	uint8_t *buf; /* 1 + SG pages, this thread's own */
	int iterations;
	/* If set: wait at @pause[0] half-way, go on after @pause[1]. */
	pthread_barrier_t *pause;
};

static void iterate(struct dmab_device *dev, uint8_t *buf)
{
	dmab_addr_t a;
	struct dmab_sg sg[SG];

	assert_int_equal(dmab_map_single(dev, buf, PAGE, DMAB_BIDIRECTIONAL, 0, &a), 0);
	assert_int_equal(dmab_unmap_single(dev, a, PAGE, DMAB_BIDIRECTIONAL, 0), 0);
	for (int i = 0; i < SG; i++)
		sg[i] = (struct dmab_sg){.addr = buf + (size_t)(i + 1) * PAGE, .len = PAGE};
	assert_int_equal(dmab_map_sg(dev, sg, SG, DMAB_TO_DEVICE, 0), SG);
	assert_int_equal(dmab_unmap_sg(dev, sg, SG, DMAB_TO_DEVICE, 0), 0);
}

static void *work(void *arg)
{
	struct worker *w = arg;

	for (int i = 0; i < w->iterations; i++) {
		if (w->pause && i == w->iterations / 2) {
			pthread_barrier_wait(&w->pause[0]);
			pthread_barrier_wait(&w->pause[1]);
		}
		iterate(w->dev, w->buf);
	}
	return NULL;
}

static void expect_iterations(struct dmab_device *dev, uint64_t n)
{
	struct dmab_stats s = stats_of(dev);

	assert_int_equal(s.maps, n * ITER_MAPS);
	assert_int_equal(s.unmaps, n * ITER_MAPS);
	assert_int_equal(s.lines_cleaned, n * ITER_CLEANED);
	assert_int_equal(s.lines_invalidated, n * ITER_INVAL);
	assert_int_equal(s.lines_clean_invalidated, 0);
	assert_int_equal(s.completions, n * ITER_COMPLETES);
	assert_int_equal(s.completions_saved, n * ITER_SAVED);
	assert_int_equal(s.live_mappings, 0);
}

static size_t blocks_of(struct dmab_device *dev)
{
	return seam_ctr_blocks(dev);
}

/* Run @threads workers of @iterations each on @dev and join them; with
 * @pause, each stops half-way at its two barriers. */
static void run_workers_paused(struct dmab_device *dev, int threads, int iterations,
			       pthread_barrier_t *pause)
{
	struct worker w[THREADS];

	assert_true(threads <= THREADS);
	for (int i = 0; i < threads; i++) {
		w[i] = (struct worker){.dev = dev,
				       .buf = page_buf((1 + SG) * PAGE),
				       .iterations = iterations,
				       .pause = pause};
		assert_int_equal(pthread_create(&w[i].th, NULL, work, &w[i]), 0);
	}
	for (int i = 0; i < threads; i++) {
		assert_int_equal(pthread_join(w[i].th, NULL), 0);
		free(w[i].buf);
	}
}

static void run_workers(struct dmab_device *dev, int threads, int iterations)
{
	run_workers_paused(dev, threads, iterations, NULL);
}

/* What each thread counted, summed exactly once they are joined; each
 * thread (and the main one) has one block. */
static void test_threads_sum_exactly(void **state)
{
	(void)state;
	struct dmab_device *dev = trace_dev(false, DMAB_SYNC_BATCHED, 64);
	uint8_t *buf = page_buf((1 + SG) * PAGE);

	iterate(dev, buf);
	expect_iterations(dev, 1);
	run_workers(dev, THREADS, ITERATIONS);
	expect_iterations(dev, 1 + THREADS * ITERATIONS);
	assert_int_equal(blocks_of(dev), 1 + THREADS);
	/* The exited threads' blocks still count; the main thread's grows. */
	iterate(dev, buf);
	expect_iterations(dev, 2 + THREADS * ITERATIONS);
	assert_int_equal(blocks_of(dev), 1 + THREADS);
	free(buf);
	destroy(dev);
}

/*
 * Stats read while the workers count: every counter only grows. The reader
 * reads all along; so that some reads surely fall while counting goes on,
 * whatever the scheduler does, the workers also stop half-way at a barrier
 * with the reader: there it reads exactly half the counts, then lets them
 * go on, and keeps reading until they are joined.
 */
struct reader {
	struct dmab_device *dev;
	pthread_barrier_t *pause;
	atomic_bool stop;
	int reads, halfway_reads;
};

static void read_once(struct reader *r, struct dmab_stats *prev)
{
	struct dmab_stats s;

	assert_int_equal(dmab_device_stats(r->dev, &s), 0);
	assert_true(s.maps >= prev->maps);
	assert_true(s.unmaps >= prev->unmaps);
	assert_true(s.lines_cleaned >= prev->lines_cleaned);
	assert_true(s.completions >= prev->completions);
	*prev = s;
	r->reads++;
}

static void *read_stats(void *arg)
{
	struct reader *r = arg;
	struct dmab_stats prev = {0};

	read_once(r, &prev);
	pthread_barrier_wait(&r->pause[0]);
	/* every worker is parked half-way: the counts are exactly that */
	for (int i = 0; i < 3; i++) {
		read_once(r, &prev);
		assert_int_equal(prev.maps, (uint64_t)THREADS * (ITERATIONS / 2) * ITER_MAPS);
		assert_int_equal(prev.completions,
				 (uint64_t)THREADS * (ITERATIONS / 2) * ITER_COMPLETES);
		r->halfway_reads++;
	}
	pthread_barrier_wait(&r->pause[1]);
	while (!atomic_load(&r->stop))
		read_once(r, &prev);
	return NULL;
}

static void test_stats_while_counting(void **state)
{
	(void)state;
	struct dmab_device *dev = trace_dev(false, DMAB_SYNC_BATCHED, 64);
	pthread_barrier_t pause[2];
	struct reader r = {.dev = dev, .pause = pause};
	pthread_t th;

	for (int i = 0; i < 2; i++)
		assert_int_equal(pthread_barrier_init(&pause[i], NULL, THREADS + 1), 0);
	atomic_init(&r.stop, false);
	assert_int_equal(pthread_create(&th, NULL, read_stats, &r), 0);
	run_workers_paused(dev, THREADS, ITERATIONS, pause);
	atomic_store(&r.stop, true);
	assert_int_equal(pthread_join(th, NULL), 0);
	assert_true(r.reads > 0);
	assert_int_equal(r.halfway_reads, 3);
	expect_iterations(dev, THREADS * ITERATIONS);
	for (int i = 0; i < 2; i++)
		assert_int_equal(pthread_barrier_destroy(&pause[i]), 0);
	destroy(dev);
}

/*
 * A device destroyed and another made from the same thread: the new one
 * starts from zero and counts exactly, though the thread's cache still holds
 * the old device's (freed) block.
 */
static void test_new_device_starts_at_zero(void **state)
{
	(void)state;
	uint8_t *buf = page_buf((1 + SG) * PAGE);
	struct dmab_device *old = trace_dev(false, DMAB_SYNC_BATCHED, 64);
	uintptr_t old_addr = (uintptr_t)old;
	uint64_t old_id = seam_ctr_id(old);

	for (int i = 0; i < 3; i++)
		iterate(old, buf);
	expect_iterations(old, 3);
	destroy(old);

	struct dmab_device *dev = trace_dev(false, DMAB_SYNC_BATCHED, 64);

	/* glibc's aligned_alloc rarely hands the same address back at once;
	 * the key is the id either way, and under ASan any use of the old,
	 * freed block through the thread's cache would be reported. */
	print_message("new device %s the old one's address\n",
		      (uintptr_t)dev == old_addr ? "at" : "not at");
	assert_true(seam_ctr_id(dev) != old_id);
	expect_iterations(dev, 0);
	iterate(dev, buf);
	expect_iterations(dev, 1);
	assert_int_equal(blocks_of(dev), 1);
	free(buf);
	destroy(dev);
}

/*
 * One thread, more devices than its cache holds, used in turn: each device
 * ends up with one block (found again in its list, not made twice) and its
 * own exact counts.
 */
static void test_more_devices_than_cache(void **state)
{
	(void)state;
	enum { ROUNDS = 4 };
	const size_t n = seam_ctr_cache_size() + 3;
	struct dmab_device **dev = calloc(n, sizeof(*dev));
	uint8_t *buf = page_buf((1 + SG) * PAGE);

	for (int i = 0; i < (int)n; i++)
		dev[i] = trace_dev(false, DMAB_SYNC_BATCHED, 64);
	for (int r = 0; r < ROUNDS; r++)
		for (int i = 0; i < (int)n; i++)
			for (int k = 0; k <= i; k++)
				iterate(dev[i], buf);
	for (int i = 0; i < (int)n; i++) {
		expect_iterations(dev[i], (uint64_t)ROUNDS * (i + 1));
		assert_int_equal(blocks_of(dev[i]), 1);
		destroy(dev[i]);
	}
	free(dev);
	free(buf);
}

/* One batch over several devices counts each on its own. */
static void test_batch_of_devices(void **state)
{
	(void)state;
	struct dmab_device *a = trace_dev(false, DMAB_SYNC_BATCHED, 64);
	struct dmab_device *b = trace_dev(false, DMAB_SYNC_BATCHED, 64);
	uint8_t *buf = page_buf(2 * PAGE);
	dmab_addr_t x, y;
	struct dmab_batch batch;

	assert_int_equal(dmab_map_single(a, buf, PAGE, DMAB_TO_DEVICE, DMAB_ATTR_SKIP_CPU_SYNC, &x),
			 0);
	assert_int_equal(
	    dmab_map_single(b, buf + PAGE, PAGE, DMAB_TO_DEVICE, DMAB_ATTR_SKIP_CPU_SYNC, &y), 0);
	dmab_batch_init(&batch);
	assert_int_equal(dmab_batch_sync_for_device(&batch, a, x, PAGE, DMAB_TO_DEVICE), 0);
	assert_int_equal(dmab_batch_sync_for_cpu(&batch, b, y, PAGE, DMAB_FROM_DEVICE), 0);
	assert_int_equal(dmab_batch_sync_for_device(&batch, a, x, 64, DMAB_TO_DEVICE), 0);
	/* The trace backends of two devices are two completion domains. */
	assert_int_equal(dmab_batch_commit(&batch), 2);

	struct dmab_stats sa = stats_of(a), sb = stats_of(b);

	assert_int_equal(sa.lines_cleaned, LINES + 1);
	assert_int_equal(sa.lines_invalidated, 0);
	assert_int_equal(sa.completions, 1);
	assert_int_equal(sa.completions_saved, 1);
	assert_int_equal(sb.lines_cleaned, 0);
	assert_int_equal(sb.lines_invalidated, LINES);
	assert_int_equal(sb.completions, 1);
	assert_int_equal(sb.completions_saved, 0);
	assert_int_equal(dmab_unmap_single(a, x, PAGE, DMAB_TO_DEVICE, 0), 0);
	assert_int_equal(dmab_unmap_single(b, y, PAGE, DMAB_TO_DEVICE, 0), 0);
	free(buf);
	destroy(a);
	destroy(b);
}

/*
 * Threads that cannot get a block count in the device's shared block, with
 * locked adds, and lose nothing: the calls still succeed and the sums are
 * exact, alongside threads that did get one.
 */
static void test_no_memory_for_a_block(void **state)
{
	(void)state;
	struct dmab_device *dev = trace_dev(false, DMAB_SYNC_BATCHED, 64);
	uint8_t *buf = page_buf((1 + SG) * PAGE);

	/* This thread gets a block first ... */
	iterate(dev, buf);
	assert_int_equal(blocks_of(dev), 1);
	/* ... the workers cannot: set before they start, restored after they
	 * are joined, so no thread reads it while it changes. */
	seam_ctr_fail_alloc(true);
	run_workers(dev, THREADS, ITERATIONS);
	seam_ctr_fail_alloc(false);
	assert_int_equal(blocks_of(dev), 1);
	assert_int_equal(seam_ctr_shared_maps(dev), (uint64_t)THREADS * ITERATIONS * ITER_MAPS);
	expect_iterations(dev, 1 + THREADS * ITERATIONS);

	/* A new device from a thread whose allocation fails: it keeps using
	 * the shared block while that stays in its cache. */
	struct dmab_device *other = trace_dev(false, DMAB_SYNC_BATCHED, 64);

	seam_ctr_fail_alloc(true);
	iterate(other, buf);
	iterate(other, buf);
	seam_ctr_fail_alloc(false);
	expect_iterations(other, 2);
	assert_int_equal(blocks_of(other), 0);
	free(buf);
	destroy(other);
	destroy(dev);
}

/* A thread that maps one page and leaves it mapped. */
struct mapper {
	struct dmab_device *dev;
	uint8_t *buf;
	dmab_addr_t addr;
	int err;
};

static void *map_one(void *arg)
{
	struct mapper *m = arg;

	m->err = dmab_map_single(m->dev, m->buf, PAGE, DMAB_TO_DEVICE, 0, &m->addr);
	return NULL;
}

/* live stays one count for the device: destroy refuses while another
 * thread's mapping is live, and another thread may unmap it, once. */
static void test_live_across_threads(void **state)
{
	(void)state;
	struct dmab_device *dev = trace_dev(false, DMAB_SYNC_BATCHED, 64);
	struct mapper m = {.dev = dev, .buf = page_buf(PAGE)};
	pthread_t th;

	assert_int_equal(pthread_create(&th, NULL, map_one, &m), 0);
	assert_int_equal(pthread_join(th, NULL), 0);
	assert_int_equal(m.err, 0);
	assert_int_equal(dmab_device_destroy(dev), -EBUSY);
	assert_int_equal(stats_of(dev).live_mappings, 1);
	assert_int_equal(dmab_unmap_single(dev, m.addr, PAGE, DMAB_TO_DEVICE, 0), 0);
	/* One too many: refused, and not counted. */
	assert_int_equal(dmab_unmap_single(dev, m.addr, PAGE, DMAB_TO_DEVICE, 0), -EINVAL);

	struct dmab_stats s = stats_of(dev);

	assert_int_equal(s.maps, 1);
	assert_int_equal(s.unmaps, 1);
	assert_int_equal(s.live_mappings, 0);
	assert_int_equal(blocks_of(dev), 2);
	free(m.buf);
	destroy(dev);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_threads_sum_exactly),
	    cmocka_unit_test(test_stats_while_counting),
	    cmocka_unit_test(test_new_device_starts_at_zero),
	    cmocka_unit_test(test_more_devices_than_cache),
	    cmocka_unit_test(test_batch_of_devices),
	    cmocka_unit_test(test_no_memory_for_a_block),
	    cmocka_unit_test(test_live_across_threads),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
