/* SPDX-License-Identifier: MIT */
/*
 * The live-mapping count kept in per-thread shares (src/counters.h) stays
 * exact across threads: a mapping made on one thread unmaps on another,
 * also while other threads map and unmap (no legitimate unmap is refused),
 * one unmap too many is refused and moves nothing, a refused list gives
 * back what it took, and destroy refuses while another thread's mapping is
 * live.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <string.h>

#include "helpers.h"

#define PAGE	  4096
#define HANDOVERS 3000
#define RING	  64

static struct dmab_device *dev_new(void)
{
	return trace_dev(false, DMAB_SYNC_BATCHED, 64);
}

static void map_page(struct dmab_device *dev, uint8_t *buf, dmab_addr_t *a)
{
	assert_int_equal(dmab_map_single(dev, buf, PAGE, DMAB_TO_DEVICE, 0, a), 0);
}

/* A thread that maps @n pages of @buf as one list (@n > 1) or singles, and
 * with @hold, waits there twice and then unmaps its single itself. */
struct holder {
	struct dmab_device *dev;
	uint8_t *buf;
	int n;
	bool list;
	struct dmab_sg sg[4];
	dmab_addr_t a;
	pthread_barrier_t *hold;
};

static void *hold_maps(void *arg)
{
	struct holder *h = arg;

	if (h->list) {
		for (int i = 0; i < h->n; i++)
			h->sg[i] = (struct dmab_sg){.addr = h->buf + (size_t)i * PAGE, .len = PAGE};
		assert_int_equal(dmab_map_sg(h->dev, h->sg, h->n, DMAB_TO_DEVICE, 0), h->n);
	} else {
		map_page(h->dev, h->buf, &h->a);
	}
	if (h->hold) {
		pthread_barrier_wait(h->hold); /* mapped */
		pthread_barrier_wait(h->hold); /* the main thread tried destroy */
		assert_int_equal(dmab_unmap_single(h->dev, h->a, PAGE, DMAB_TO_DEVICE, 0), 0);
	}
	return NULL;
}

static void run_holder(struct holder *h)
{
	pthread_t th;

	assert_int_equal(pthread_create(&th, NULL, hold_maps, h), 0);
	assert_int_equal(pthread_join(th, NULL), 0);
}

/* A list unmapped by the main thread needs its own share (two singles) and
 * part of another thread's; the singles then come from that share alone. */
static void test_list_across_shares(void **state)
{
	(void)state;
	struct dmab_device *dev = dev_new();
	uint8_t *buf = page_buf(5 * PAGE);
	struct holder h = {.dev = dev, .buf = buf, .n = 3, .list = true};
	dmab_addr_t a[2];

	map_page(dev, buf + 3 * PAGE, &a[0]);
	map_page(dev, buf + 4 * PAGE, &a[1]);
	run_holder(&h);
	assert_int_equal(stats_of(dev).live_mappings, 5);
	assert_int_equal(dmab_unmap_sg(dev, h.sg, 3, DMAB_TO_DEVICE, 0), 0);
	assert_int_equal(stats_of(dev).live_mappings, 2);
	for (int i = 0; i < 2; i++)
		assert_int_equal(dmab_unmap_single(dev, a[i], PAGE, DMAB_TO_DEVICE, 0), 0);
	assert_int_equal(stats_of(dev).live_mappings, 0);
	/* One too many, from either thread's side: refused, nothing moved. */
	assert_int_equal(dmab_unmap_single(dev, a[0], PAGE, DMAB_TO_DEVICE, 0), -EINVAL);
	assert_int_equal(stats_of(dev).unmaps, 3);
	assert_int_equal(stats_of(dev).live_mappings, 0);
	free(buf);
	destroy(dev);
}

/* A list of two when only one entry is mapped (on another thread): refused
 * with the count found, and the one unit taken goes back. */
static void test_refusal_gives_back(void **state)
{
	(void)state;
	struct dmab_device *dev = dev_new();
	uint8_t *buf = page_buf(PAGE);
	struct holder h = {.dev = dev, .buf = buf, .n = 1};
	/* The one mapped page twice: inside what was ever mapped, so only
	 * the count can refuse it. */
	struct dmab_sg one = {.addr = buf, .len = PAGE, .dma_len = PAGE};
	struct dmab_sg sg[2];

	run_holder(&h);
	one.dma_addr = h.a;
	sg[0] = sg[1] = one;
	assert_int_equal(dmab_unmap_sg(dev, sg, 2, DMAB_TO_DEVICE, 0), -EINVAL);
	assert_non_null(strstr(dmab_last_error(), "only 1 are mapped"));
	assert_int_equal(stats_of(dev).live_mappings, 1);
	assert_int_equal(stats_of(dev).unmaps, 0);
	assert_int_equal(dmab_device_destroy(dev), -EBUSY);
	assert_int_equal(dmab_unmap_single(dev, h.a, PAGE, DMAB_TO_DEVICE, 0), 0);
	assert_int_equal(stats_of(dev).live_mappings, 0);
	free(buf);
	destroy(dev);
}

/* Destroy while a thread that is still running holds one mapping. */
static void test_destroy_busy_while_held(void **state)
{
	(void)state;
	struct dmab_device *dev = dev_new();
	uint8_t *buf = page_buf(PAGE);
	pthread_barrier_t hold;
	struct holder h = {.dev = dev, .buf = buf, .n = 1, .hold = &hold};
	pthread_t th;

	assert_int_equal(pthread_barrier_init(&hold, NULL, 2), 0);
	assert_int_equal(pthread_create(&th, NULL, hold_maps, &h), 0);
	pthread_barrier_wait(&hold);
	assert_int_equal(dmab_device_destroy(dev), -EBUSY);
	assert_int_equal(stats_of(dev).live_mappings, 1);
	pthread_barrier_wait(&hold);
	assert_int_equal(pthread_join(th, NULL), 0);
	pthread_barrier_destroy(&hold);
	assert_int_equal(stats_of(dev).live_mappings, 0);
	free(buf);
	assert_int_equal(dmab_device_destroy(dev), 0);
}

/*
 * A producer maps and hands each address to a consumer through a ring; the
 * consumer's own share is always empty, so each of its unmaps walks the
 * shares while the producer goes on mapping and a third thread maps and
 * unmaps its own. Not one handed-over unmap may be refused.
 */
struct ring {
	_Atomic uint64_t head, tail; /* produced, consumed */
	dmab_addr_t a[RING];
	struct dmab_device *dev;
	uint8_t *buf;
	_Atomic int refused;
	_Atomic bool stop;
};

static void *produce(void *arg)
{
	struct ring *r = arg;

	for (uint64_t i = 0; i < HANDOVERS; i++) {
		while (i - atomic_load(&r->tail) >= RING)
			sched_yield();
		map_page(r->dev, r->buf, &r->a[i % RING]);
		atomic_store(&r->head, i + 1);
	}
	return NULL;
}

static void *consume(void *arg)
{
	struct ring *r = arg;

	for (uint64_t i = 0; i < HANDOVERS; i++) {
		while (atomic_load(&r->head) == i)
			sched_yield();
		if (dmab_unmap_single(r->dev, r->a[i % RING], PAGE, DMAB_TO_DEVICE, 0))
			atomic_fetch_add(&r->refused, 1);
		atomic_store(&r->tail, i + 1);
	}
	return NULL;
}

static void *churn(void *arg)
{
	struct ring *r = arg;
	uint8_t *buf = page_buf(PAGE);
	dmab_addr_t a;

	while (!atomic_load(&r->stop)) {
		if (dmab_map_single(r->dev, buf, PAGE, DMAB_TO_DEVICE, DMAB_ATTR_SKIP_CPU_SYNC,
				    &a) ||
		    dmab_unmap_single(r->dev, a, PAGE, DMAB_TO_DEVICE, DMAB_ATTR_SKIP_CPU_SYNC))
			atomic_fetch_add(&r->refused, 1);
	}
	free(buf);
	return NULL;
}

static void test_handed_over_while_others_run(void **state)
{
	(void)state;
	struct ring *r = calloc(1, sizeof(*r));
	pthread_t p, c, x;

	assert_non_null(r);
	r->dev = dev_new();
	r->buf = page_buf(PAGE);
	assert_int_equal(pthread_create(&x, NULL, churn, r), 0);
	assert_int_equal(pthread_create(&p, NULL, produce, r), 0);
	assert_int_equal(pthread_create(&c, NULL, consume, r), 0);
	assert_int_equal(pthread_join(p, NULL), 0);
	assert_int_equal(pthread_join(c, NULL), 0);
	atomic_store(&r->stop, true);
	assert_int_equal(pthread_join(x, NULL), 0);
	assert_int_equal(atomic_load(&r->refused), 0);

	struct dmab_stats s = stats_of(r->dev);

	assert_int_equal(s.live_mappings, 0);
	assert_int_equal(s.maps, s.unmaps);
	assert_true(s.maps >= HANDOVERS);
	/* The last handed-over address once more: nothing is mapped. */
	assert_int_equal(
	    dmab_unmap_single(r->dev, r->a[(HANDOVERS - 1) % RING], PAGE, DMAB_TO_DEVICE, 0),
	    -EINVAL);
	assert_int_equal(stats_of(r->dev).unmaps, s.unmaps);
	free(r->buf);
	assert_int_equal(dmab_device_destroy(r->dev), 0);
	free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_list_across_shares),
	    cmocka_unit_test(test_refusal_gives_back),
	    cmocka_unit_test(test_destroy_busy_while_held),
	    cmocka_unit_test(test_handed_over_while_others_run),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
