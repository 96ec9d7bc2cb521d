/* SPDX-License-Identifier: MIT */
/*
 * Bounce slots under churn: random-order frees and refills leak nothing;
 * threads mapping and unmapping at once on one device never lose or share a
 * slot, with and without extra pools coming and going. Each run is bounded
 * by an iteration count and, as a backstop for slow hosts (TSan, qemu), by a
 * few seconds; nothing asserts on time.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <time.h>
#include <unistd.h>

#include "helpers.h"
#include "seam.h"

#define KiB	   ((size_t)1024)
#define TIME_LIMIT 3.0 /* seconds per stress run, at most */

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

static struct dmab_device *make(size_t pool, unsigned areas, unsigned extra, bool trace)
{
	struct dmab_device_config cfg = {
	    .name = "stress",
	    .numa_node = -1,
	    .coherent = true, /* the copies and slots are under test, not caches */
	    .backend = trace ? "trace" : NULL,
	    .bounce = DMAB_BOUNCE_FORCE,
	    .pool_size = pool,
	    .pool_areas = areas,
	    .pool_max_extra = extra,
	};
	struct dmab_device *dev = NULL;

	assert_int_equal(dmab_device_create(&cfg, &dev), 0);
	return dev;
}

/* No slot leaked: every one of them can be taken again, one by one, and
 * not one more (when the device may add no pool, @max_extra 0). */
static void assert_all_free(struct dmab_device *dev, unsigned max_extra)
{
	struct dmab_stats s = stats_of(dev);
	size_t n = s.bounce_slots_total;
	uint8_t *buf = page_buf(4096);
	dmab_addr_t *a = calloc(n, sizeof(*a)), extra;

	assert_int_equal(s.bounce_slots_used, 0);
	assert_int_equal(s.live_mappings, 0);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(dmab_map_single(dev, buf, 2048, DMAB_TO_DEVICE, 0, &a[i]), 0);
	assert_int_equal(stats_of(dev).bounce_slots_used, n);
	if (max_extra == 0)
		assert_int_equal(
		    dmab_map_single(dev, buf, 1, DMAB_TO_DEVICE, DMAB_ATTR_NO_WARN, &extra),
		    -ENOMEM);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(dmab_unmap_single(dev, a[i], 2048, DMAB_TO_DEVICE, 0), 0);
	assert_int_equal(stats_of(dev).bounce_slots_used, 0);
	free(a);
	free(buf);
}

struct live {
	dmab_addr_t a;
	uint8_t *orig;
	size_t len;
	uint8_t tag;
};

/* Random sizes, random order of frees, refills into the holes. */
static void test_random_frees_and_refills(void **state)
{
	(void)state;
	enum { SLOTS = 40, ROUNDS = 20000 };
	struct dmab_device *dev = make(512 * KiB, 2, 0, true);
	uint8_t *buf = page_buf(SLOTS * 64 * KiB);
	struct live l[SLOTS] = {0};
	uint64_t rnd = 0x9e3779b97f4a7c15u;
	size_t full = 0;

	for (int r = 0; r < ROUNDS; r++) {
		struct live *x = &l[next_rand(&rnd) % SLOTS];

		if (x->len) {
			/* the slot still holds what the "device" wrote */
			for (size_t i = 0; i < x->len; i += 97)
				assert_int_equal(((uint8_t *)(uintptr_t)x->a)[i], x->tag);
			assert_int_equal(dmab_unmap_single(dev, x->a, x->len, DMAB_FROM_DEVICE, 0),
					 0);
			for (size_t i = 0; i < x->len; i += 97)
				assert_int_equal(x->orig[i], x->tag);
			x->len = 0;
			continue;
		}
		size_t idx = (size_t)(x - l);

		x->len = 1 + next_rand(&rnd) % (next_rand(&rnd) % 4 ? 3000 : 64 * KiB - 64);
		x->orig = buf + idx * 64 * KiB + next_rand(&rnd) % 64;
		x->tag = (uint8_t)r;
		int err = dmab_map_single(dev, x->orig, x->len, DMAB_FROM_DEVICE, DMAB_ATTR_NO_WARN,
					  &x->a);

		if (err == -ENOMEM) {
			full++;
			x->len = 0;
			continue;
		}
		assert_int_equal(err, 0);
		memset((void *)(uintptr_t)x->a, x->tag, x->len);
		if (r % 1000 == 0)
			assert_int_equal(dmab_trace_clear(dev), 0);
	}
	for (int i = 0; i < SLOTS; i++)
		if (l[i].len)
			assert_int_equal(
			    dmab_unmap_single(dev, l[i].a, l[i].len, DMAB_FROM_DEVICE, 0), 0);
	print_message("%d rounds, %zu refused for a full pool\n", ROUNDS, full);
	assert_true(full > 0); /* the pool was really pushed to its end */
	assert_int_equal(stats_of(dev).bounce_full, full);
	assert_int_equal(dmab_trace_clear(dev), 0);
	assert_all_free(dev, 0);
	destroy(dev);
	free(buf);
}

struct worker {
	pthread_t th;
	struct dmab_device *dev;
	int id;
	int iters;
	double deadline;
	uint8_t *buf; /* this thread's originals */
	size_t done, full, failures;
	bool watch;	    /* read the device's pool count while a list is mapped */
	unsigned max_pools; /* the most pools seen so */
};

/* Map, play the device (write a tag), look again later, unmap, check. A
 * slot shared with another thread shows as a foreign tag. */
static void *churn(void *arg)
{
	struct worker *w = arg;
	uint64_t rnd = 0x2545f4914f6cdd1du * (uint64_t)(w->id + 1);

	for (int it = 0; it < w->iters && now() < w->deadline; it++) {
		enum { N = 4 };
		struct dmab_sg sg[N];
		int n = 1 + (int)(next_rand(&rnd) % N);
		uint8_t tag = (uint8_t)(w->id * 61 + it), untag = (uint8_t)~tag;

		for (int i = 0; i < n; i++) {
			size_t len = 1 + next_rand(&rnd) % (next_rand(&rnd) % 4 ? 4000 : 60 * KiB);

			sg[i] = (struct dmab_sg){.addr = w->buf + i * 64 * KiB, .len = len};
			w->buf[i * 64 * KiB] = untag;
		}
		int r = dmab_map_sg(w->dev, sg, n, DMAB_BIDIRECTIONAL, DMAB_ATTR_NO_WARN);

		if (r == -ENOMEM) {
			w->full++;
			sched_yield();
			continue;
		}
		if (r != n) {
			w->failures++;
			break;
		}
		if (w->watch) {
			struct dmab_stats st;

			w->failures += dmab_device_stats(w->dev, &st) != 0;
			if (st.bounce_pools > w->max_pools)
				w->max_pools = st.bounce_pools;
		}
		for (int i = 0; i < n; i++) {
			uint8_t *slot = (uint8_t *)(uintptr_t)sg[i].dma_addr;

			w->failures += slot[0] != untag; /* copied in */
			memset(slot, tag, sg[i].dma_len);
		}
		if (it % 8 == 0)
			sched_yield();
		for (int i = 0; i < n; i++) {
			uint8_t *slot = (uint8_t *)(uintptr_t)sg[i].dma_addr;

			for (size_t k = 0; k < sg[i].dma_len; k += 61)
				w->failures += slot[k] != tag;
			w->failures += slot[sg[i].dma_len - 1] != tag;
		}
		/* half the time, look at the first entry early through a sync */
		if (it & 1) {
			size_t l = sg[0].dma_len;

			w->failures += dmab_sync_single_for_cpu(w->dev, sg[0].dma_addr + l / 2,
								l - l / 2, DMAB_FROM_DEVICE) != 0;
			w->failures += w->buf[l - 1] != tag;
		}
		w->failures += dmab_unmap_sg(w->dev, sg, n, DMAB_BIDIRECTIONAL, 0) != 0;
		for (int i = 0; i < n; i++)
			w->failures += w->buf[i * 64 * KiB] != tag ||
				       w->buf[i * 64 * KiB + sg[i].len - 1] != tag;
		w->done++;
	}
	return NULL;
}

/* Run the churn on a device made with @pool bytes of pool and @extra extra
 * pools allowed. Return: the most pools a worker saw while it had a list
 * mapped (0 unless @extra). */
static unsigned run_threads(struct dmab_device *dev, size_t pool, unsigned extra, int nthreads,
			    int iters)
{
	unsigned max_pools = 0;

	struct worker w[8];
	size_t done = 0, full = 0;

	assert_true(nthreads <= 8);
	for (int i = 0; i < nthreads; i++) {
		w[i] = (struct worker){.dev = dev,
				       .id = i,
				       .iters = iters,
				       .deadline = now() + TIME_LIMIT,
				       .buf = page_buf(4 * 64 * KiB),
				       .watch = extra > 0};
		assert_int_equal(pthread_create(&w[i].th, NULL, churn, &w[i]), 0);
	}
	for (int i = 0; i < nthreads; i++) {
		assert_int_equal(pthread_join(w[i].th, NULL), 0);
		assert_int_equal(w[i].failures, 0);
		done += w[i].done;
		max_pools = w[i].max_pools > max_pools ? w[i].max_pools : max_pools;
		full += w[i].full;
		free(w[i].buf);
	}
	struct dmab_stats s = stats_of(dev);

	print_message("%d threads: %zu lists mapped and unmapped, %zu refused (full), %u "
		      "pools at the end, hwm %llu of %llu slots\n",
		      nthreads, done, full, s.bounce_pools, (unsigned long long)s.bounce_slots_hwm,
		      (unsigned long long)s.bounce_slots_total);
	assert_true(done > 0);
	assert_int_equal(s.bounce_full, full);
	assert_true(s.bounce_slots_hwm >= 1);
	assert_true(s.bounce_slots_hwm <= pool / DMAB_POOL_SLOT_SIZE * (1 + extra));
	assert_all_free(dev, extra);
	return max_pools;
}

/* Threads on one pool, an area per CPU, the pool often full. */
static void test_threads_one_pool(void **state)
{
	(void)state;
	struct dmab_device *dev = make(512 * KiB, 0, 0, false);

	assert_int_equal(seam_bounce_areas(dev), sysconf(_SC_NPROCESSORS_CONF) > 1 ? 2 : 1);
	run_threads(dev, 512 * KiB, 0, 4, 20000);
	destroy(dev);
}

/* Threads all in one area: the lock is shared, nothing else changes. */
static void test_threads_one_area(void **state)
{
	(void)state;
	struct dmab_device *dev = make(256 * KiB, 1, 0, false);

	run_threads(dev, 256 * KiB, 0, 4, 10000);
	destroy(dev);
}

/* Extra pools added and retired while other threads map, unmap and sync
 * in them. */
static void test_threads_growth(void **state)
{
	(void)state;
	struct dmab_device *dev = make(256 * KiB, 0, 3, false);

	/* a worker saw an extra pool while its list was mapped in it or the
	 * first one */
	assert_true(run_threads(dev, 256 * KiB, 3, 4, 5000) > 1);
	destroy(dev);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_random_frees_and_refills),
	    cmocka_unit_test(test_threads_one_pool),
	    cmocka_unit_test(test_threads_one_area),
	    cmocka_unit_test(test_threads_growth),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
