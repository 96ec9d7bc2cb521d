/* SPDX-License-Identifier: MIT */
/*
 * The DMA-API checker, class by class: each test makes one mistake and sees
 * its errno, its report (class, text, counter) and a device left as it was
 * (no maintenance issued, counters unmoved), then does the right thing,
 * which passes and reports nothing.
 */
#include <errno.h>
#include <pthread.h>
#include <unistd.h>

#include <dmabatch/debug.h>

#include "debug_helpers.h"

static void test_errnos_distinct(void **state)
{
	(void)state;
	/* The same mistake in unmap and in sync shares an errno; no other two do. */
	for (int a = 0; a < DMAB_DEBUG_NCLASS; a++) {
		assert_true(dmab_debug_errno((enum dmab_debug_class)a) < 0);
		assert_string_not_equal(dmab_debug_class_name((enum dmab_debug_class)a), "?");
		for (int b = a + 1; b < DMAB_DEBUG_NCLASS; b++) {
			bool same = dmab_debug_errno((enum dmab_debug_class)a) ==
				    dmab_debug_errno((enum dmab_debug_class)b);
			bool pair =
			    (a == DMAB_DEBUG_UNMAP_NOT_MAPPED && b == DMAB_DEBUG_SYNC_NOT_MAPPED) ||
			    (a == DMAB_DEBUG_UNMAP_DIR && b == DMAB_DEBUG_SYNC_DIR) ||
			    (a == DMAB_DEBUG_UNMAP_NENTS && b == DMAB_DEBUG_SYNC_NENTS);

			assert_int_equal(same, pair);
		}
	}
	assert_int_equal(dmab_debug_errno(DMAB_DEBUG_NCLASS), -EINVAL);
}

static void test_off_by_default(void **state)
{
	(void)state;
	struct dmab_device *dev = trace_dev(false, DMAB_SYNC_BATCHED, 64);

	assert_false(dmab_debug_enabled(dev));
	assert_int_equal(dmab_debug_set_callback(dev, on_report, NULL), -EOPNOTSUPP);
	assert_int_equal(dmab_debug_dump(dev, NULL), -EOPNOTSUPP);
	assert_int_equal(dmab_debug_dump(NULL, NULL), -EINVAL);
	assert_false(dmab_debug_enabled(NULL));
	destroy(dev);

	struct dmab_device_config bad = {.size = sizeof(bad), .backend = "trace", .debug = 4};
	struct dmab_device *d = NULL;

	assert_int_equal(dmab_device_create(&bad, &d), -EINVAL);
}

static void test_environment_turns_it_on(void **state)
{
	(void)state;
	assert_int_equal(setenv("DMAB_DEBUG", "1", 1), 0);
	struct dmab_device *dev = trace_dev(false, DMAB_SYNC_BATCHED, 64);

	assert_int_equal(unsetenv("DMAB_DEBUG"), 0);
	assert_true(dmab_debug_enabled(dev));
	/* a never-mapped unmap is now its own errno, not the plain -EINVAL */
	memset(&seen, 0, sizeof(seen));
	assert_int_equal(dmab_debug_set_callback(dev, on_report, &seen), 0);
	assert_int_equal(dmab_unmap_single(dev, 0x10000, 64, DMAB_TO_DEVICE, 0), -ENOENT);
	assert_int_equal(seen.n, 1);
	destroy(dev);
}

static void test_unmap_classes(void **state)
{
	(void)state;
	struct dmab_device *dev = check_dev();
	uint8_t *buf = page_buf(16384);
	dmab_addr_t a;

	assert_int_equal(dmab_map_single(dev, buf, 8192, DMAB_FROM_DEVICE, 0, &a), 0);
	assert_int_equal(dmab_trace_clear(dev), 0);
	struct dmab_stats before = stats_of(dev);

	/* never mapped */
	expect_misuse(dev, dmab_unmap_single(dev, a + 8192, 64, DMAB_FROM_DEVICE, 0),
		      DMAB_DEBUG_UNMAP_NOT_MAPPED, &before);
	/* inside a mapping but not its start: also never mapped */
	expect_misuse(dev, dmab_unmap_single(dev, a + 64, 64, DMAB_FROM_DEVICE, 0),
		      DMAB_DEBUG_UNMAP_NOT_MAPPED, &before);
	assert_true(seen.last.has_mapping);
	assert_int_equal(seen.last.mapping.addr, a);
	/* other size, in the kernel's words */
	expect_misuse(dev, dmab_unmap_single(dev, a, 4096, DMAB_FROM_DEVICE, 0),
		      DMAB_DEBUG_UNMAP_SIZE, &before);
	assert_non_null(strstr(seen.text, "with size 4096, mapped with size 8192"));
	assert_true(seen.last.has_mapping);
	assert_int_equal(seen.last.mapping.len, 8192);
	assert_ptr_equal(seen.last.mapping.cpu, buf);
	assert_non_null(seen.last.mapping.caller);
	/* other direction */
	expect_misuse(dev, dmab_unmap_single(dev, a, 8192, DMAB_TO_DEVICE, 0), DMAB_DEBUG_UNMAP_DIR,
		      &before);
	assert_non_null(strstr(seen.text, "mapped with direction DMA_FROM_DEVICE"));
	/* other function: a single mapping given back as a list */
	struct dmab_sg as_sg = {.addr = buf, .len = 8192, .dma_addr = a, .dma_len = 8192};

	expect_misuse(dev, dmab_unmap_sg(dev, &as_sg, 1, DMAB_FROM_DEVICE, 0),
		      DMAB_DEBUG_UNMAP_FUNCTION, &before);
	assert_non_null(strstr(seen.text, "mapped by map_single"));

	/* the right unmap passes, and the same one again is "already unmapped" */
	assert_int_equal(dmab_unmap_single(dev, a, 8192, DMAB_FROM_DEVICE, 0), 0);
	expect_quiet();
	assert_int_equal(dmab_trace_clear(dev), 0);
	before = stats_of(dev);
	expect_misuse(dev, dmab_unmap_single(dev, a, 8192, DMAB_FROM_DEVICE, 0),
		      DMAB_DEBUG_UNMAP_ALREADY, &before);
	assert_non_null(strstr(seen.text, "already unmapped"));
	destroy(dev);
	free(buf);
}

static void test_unmap_sg_classes(void **state)
{
	(void)state;
	struct dmab_device *dev = check_dev();
	uint8_t *buf = page_buf(16384);
	struct dmab_sg sg[3] = {{.addr = buf, .len = 4096},
				{.addr = buf + 4096, .len = 0},
				{.addr = buf + 8192, .len = 4096}};

	assert_int_equal(dmab_map_sg(dev, sg, 3, DMAB_TO_DEVICE, 0), 3);
	assert_int_equal(dmab_trace_clear(dev), 0);
	struct dmab_stats before = stats_of(dev);

	expect_misuse(dev, dmab_unmap_sg(dev, sg, 2, DMAB_TO_DEVICE, 0), DMAB_DEBUG_UNMAP_NENTS,
		      &before);
	assert_non_null(strstr(seen.text, "with nents 2, mapped with nents 3"));
	expect_misuse(dev, dmab_unmap_sg(dev, sg, 3, DMAB_BIDIRECTIONAL, 0), DMAB_DEBUG_UNMAP_DIR,
		      &before);
	/* a list entry given back as a single mapping */
	expect_misuse(dev, dmab_unmap_single(dev, sg[2].dma_addr, 4096, DMAB_TO_DEVICE, 0),
		      DMAB_DEBUG_UNMAP_FUNCTION, &before);
	/* a list never mapped */
	struct dmab_sg other[1] = {
	    {.addr = buf + 12288, .len = 64, .dma_addr = (uintptr_t)buf + 12288, .dma_len = 64}};

	expect_misuse(dev, dmab_unmap_sg(dev, other, 1, DMAB_TO_DEVICE, 0),
		      DMAB_DEBUG_UNMAP_NOT_MAPPED, &before);
	/* a failed unmap_sg left every entry's record: the right one passes */
	assert_int_equal(dmab_unmap_sg(dev, sg, 3, DMAB_TO_DEVICE, 0), 0);
	expect_quiet();
	assert_int_equal(stats_of(dev).live_mappings, 0);
	destroy(dev);
	free(buf);
}

static void test_sync_classes(void **state)
{
	(void)state;
	struct dmab_device *dev = check_dev();
	uint8_t *buf = page_buf(3 * 4096);
	dmab_addr_t to, from, bidi;

	assert_int_equal(dmab_map_single(dev, buf, 4096, DMAB_TO_DEVICE, 0, &to), 0);
	assert_int_equal(dmab_map_single(dev, buf + 4096, 4096, DMAB_FROM_DEVICE, 0, &from), 0);
	assert_int_equal(dmab_map_single(dev, buf + 8192, 4096, DMAB_BIDIRECTIONAL, 0, &bidi), 0);
	assert_int_equal(dmab_trace_clear(dev), 0);
	struct dmab_stats before = stats_of(dev);

	/* a sub-range finds its mapping: these are right and pass */
	assert_int_equal(dmab_sync_single_for_cpu(dev, from + 1000, 100, DMAB_FROM_DEVICE), 0);
	assert_int_equal(dmab_sync_single_for_device(dev, to + 4000, 96, DMAB_TO_DEVICE), 0);
	assert_int_equal(dmab_sync_single_for_cpu(dev, to, 4096, DMAB_TO_DEVICE), 0);
	for (int d = 0; d < 3; d++)
		assert_int_equal(dmab_sync_single_for_cpu(dev, bidi + 64, 64, (enum dmab_dir)d), 0);
	expect_quiet();
	assert_int_equal(dmab_trace_clear(dev), 0);
	before = stats_of(dev);

	expect_misuse(
	    dev, dmab_sync_single_for_cpu(dev, (uintptr_t)buf + 3 * 4096, 64, DMAB_FROM_DEVICE),
	    DMAB_DEBUG_SYNC_NOT_MAPPED, &before);
	expect_misuse(dev, dmab_sync_single_for_cpu(dev, from + 4000, 200, DMAB_FROM_DEVICE),
		      DMAB_DEBUG_SYNC_OUTSIDE, &before);
	assert_non_null(strstr(seen.text, "outside the mapping"));
	expect_misuse(dev, dmab_sync_single_for_device(dev, to, 64, DMAB_BIDIRECTIONAL),
		      DMAB_DEBUG_SYNC_DIR, &before);
	expect_misuse(dev, dmab_sync_single_for_cpu(dev, to, 64, DMAB_FROM_DEVICE),
		      DMAB_DEBUG_SYNC_WRONG_WAY, &before);
	expect_misuse(dev, dmab_sync_single_for_device(dev, from, 64, DMAB_TO_DEVICE),
		      DMAB_DEBUG_SYNC_WRONG_WAY, &before);
	/* the batched syncs are judged as well */
	struct dmab_batch b;

	dmab_batch_init(&b);
	expect_misuse(dev, dmab_batch_sync_for_cpu(&b, dev, to, 64, DMAB_FROM_DEVICE),
		      DMAB_DEBUG_SYNC_WRONG_WAY, &before);
	assert_int_equal(dmab_batch_commit(&b), 0);

	assert_int_equal(dmab_unmap_single(dev, to, 4096, DMAB_TO_DEVICE, 0), 0);
	assert_int_equal(dmab_unmap_single(dev, from, 4096, DMAB_FROM_DEVICE, 0), 0);
	assert_int_equal(dmab_unmap_single(dev, bidi, 4096, DMAB_BIDIRECTIONAL, 0), 0);
	expect_quiet();
	destroy(dev);
	free(buf);
}

static void test_sync_sg_classes(void **state)
{
	(void)state;
	struct dmab_device *dev = check_dev();
	uint8_t *buf = page_buf(8192);
	struct dmab_sg sg[2] = {{.addr = buf, .len = 4096}, {.addr = buf + 4096, .len = 4096}};

	assert_int_equal(dmab_map_sg(dev, sg, 2, DMAB_FROM_DEVICE, 0), 2);
	assert_int_equal(dmab_sync_sg_for_cpu(dev, sg, 2, DMAB_FROM_DEVICE), 0);
	expect_quiet();
	assert_int_equal(dmab_trace_clear(dev), 0);
	struct dmab_stats before = stats_of(dev);

	expect_misuse(dev, dmab_sync_sg_for_cpu(dev, sg, 1, DMAB_FROM_DEVICE),
		      DMAB_DEBUG_SYNC_NENTS, &before);
	expect_misuse(dev, dmab_sync_sg_for_cpu(dev, sg, 2, DMAB_BIDIRECTIONAL),
		      DMAB_DEBUG_SYNC_DIR, &before);
	assert_int_equal(dmab_unmap_sg(dev, sg, 2, DMAB_FROM_DEVICE, 0), 0);
	expect_quiet();
	destroy(dev);
	free(buf);
}

static void test_map_memory_classes(void **state)
{
	(void)state;
	struct dmab_device *dev = check_dev();
	struct dmab_stats before = stats_of(dev);
	uint8_t on_stack[256];
	static const char rodata[4096] = "constant";
	dmab_addr_t a;

	memset(on_stack, 1, sizeof(on_stack));
	expect_misuse(dev, dmab_map_single(dev, on_stack, sizeof(on_stack), DMAB_TO_DEVICE, 0, &a),
		      DMAB_DEBUG_MAP_STACK, &before);
	assert_non_null(strstr(seen.text, "stack"));
	/* read-only memory the device would write */
	expect_misuse(dev, dmab_map_single(dev, (void *)rodata, 64, DMAB_FROM_DEVICE, 0, &a),
		      DMAB_DEBUG_MAP_READONLY, &before);
	/* code the device would write */
	void *code = (void *)(uintptr_t)test_map_memory_classes;

	expect_misuse(dev, dmab_map_single(dev, code, 64, DMAB_BIDIRECTIONAL, 0, &a),
		      DMAB_DEBUG_MAP_READONLY, &before);
	/* the device only reading constant data, or code, is fine */
	assert_int_equal(dmab_map_single(dev, (void *)rodata, 64, DMAB_TO_DEVICE, 0, &a), 0);
	assert_int_equal(dmab_unmap_single(dev, a, 64, DMAB_TO_DEVICE, 0), 0);
	assert_int_equal(dmab_map_single(dev, code, 64, DMAB_TO_DEVICE, 0, &a), 0);
	assert_int_equal(dmab_unmap_single(dev, a, 64, DMAB_TO_DEVICE, 0), 0);
	expect_quiet();
	/* a failed map_sg records nothing: its good entry is not live */
	uint8_t *heap = page_buf(4096);
	struct dmab_sg sg[2] = {{.addr = heap, .len = 64}, {.addr = on_stack, .len = 64}};

	assert_int_equal(dmab_trace_clear(dev), 0);
	before = stats_of(dev);
	expect_misuse(dev, dmab_map_sg(dev, sg, 2, DMAB_TO_DEVICE, 0), DMAB_DEBUG_MAP_STACK,
		      &before);
	assert_int_equal(dmab_debug_dump(dev, NULL), 0);
	expect_quiet();
	destroy(dev);
	free(heap);
}

static void test_map_overlap(void **state)
{
	(void)state;
	struct dmab_device *dev = check_dev();
	uint8_t *buf = page_buf(4096);
	dmab_addr_t a, b, c;

	/* [0, 100) and [100, 200) share the line [64, 128) */
	assert_int_equal(dmab_map_single(dev, buf, 100, DMAB_FROM_DEVICE, 0, &a), 0);
	assert_int_equal(dmab_trace_clear(dev), 0);
	struct dmab_stats before = stats_of(dev);

	expect_misuse(dev, dmab_map_single(dev, buf + 100, 100, DMAB_TO_DEVICE, 0, &b),
		      DMAB_DEBUG_MAP_OVERLAP, &before);
	assert_non_null(strstr(seen.text, "shares a cache line"));
	assert_ptr_equal(seen.last.mapping.cpu, buf);
	/* SKIP_CPU_SYNC: the caller keeps the lines in order itself */
	assert_int_equal(
	    dmab_map_single(dev, buf + 100, 100, DMAB_TO_DEVICE, DMAB_ATTR_SKIP_CPU_SYNC, &b), 0);
	assert_int_equal(dmab_unmap_single(dev, b, 100, DMAB_TO_DEVICE, DMAB_ATTR_SKIP_CPU_SYNC),
			 0);
	/* on a line of its own: fine */
	assert_int_equal(dmab_map_single(dev, buf + 128, 64, DMAB_FROM_DEVICE, 0, &b), 0);
	assert_int_equal(dmab_unmap_single(dev, a, 100, DMAB_FROM_DEVICE, 0), 0);
	/* two readers may share */
	assert_int_equal(dmab_map_single(dev, buf + 1024, 100, DMAB_TO_DEVICE, 0, &a), 0);
	assert_int_equal(dmab_map_single(dev, buf + 1124, 100, DMAB_TO_DEVICE, 0, &c), 0);
	expect_quiet();
	assert_int_equal(dmab_unmap_single(dev, a, 100, DMAB_TO_DEVICE, 0), 0);
	assert_int_equal(dmab_unmap_single(dev, b, 64, DMAB_FROM_DEVICE, 0), 0);
	assert_int_equal(dmab_unmap_single(dev, c, 100, DMAB_TO_DEVICE, 0), 0);
	destroy(dev);
	free(buf);
}

static void test_teardown(void **state)
{
	(void)state;
	struct dmab_device *dev = check_dev();
	uint8_t *buf = page_buf(8192);
	struct dmab_sg sg[2] = {{.addr = buf, .len = 64}, {.addr = buf + 4096, .len = 64}};
	dmab_addr_t a;

	assert_int_equal(dmab_map_single(dev, buf + 1024, 64, DMAB_TO_DEVICE, 0, &a), 0);
	assert_int_equal(dmab_map_sg(dev, sg, 2, DMAB_BIDIRECTIONAL, 0), 2);
	FILE *f = tmpfile();

	assert_non_null(f);
	assert_int_equal(dmab_debug_dump(dev, f), 3);
	rewind(f);
	char line[256];
	int lines = 0;

	while (fgets(line, sizeof(line), f))
		lines += strstr(line, "dmabatch: chk: 0x") && strstr(line, "mapped at 0x");
	fclose(f);
	assert_int_equal(lines, 3);

	assert_int_equal(dmab_device_destroy(dev), -EBUSY);
	assert_int_equal(seen.n, 3);
	assert_int_equal(seen.last.cls, DMAB_DEBUG_TEARDOWN_LIVE);
	assert_non_null(seen.last.mapping.caller);
	assert_non_null(strstr(seen.text, "mapped at 0x"));
	assert_int_equal(stats_of(dev).debug_reports[DMAB_DEBUG_TEARDOWN_LIVE], 3);
	seen.n = 0;
	/* the device is intact: unmapping everything lets it go */
	assert_int_equal(dmab_unmap_single(dev, a, 64, DMAB_TO_DEVICE, 0), 0);
	assert_int_equal(dmab_unmap_sg(dev, sg, 2, DMAB_BIDIRECTIONAL, 0), 0);
	expect_quiet();
	destroy(dev);
	free(buf);
}

/* An allocation is a record of its own kind: synced as a mapping, refused
 * by the unmap calls ("other function"), live at teardown until freed. */
static void test_allocations(void **state)
{
	(void)state;
	struct dmab_device *dev = check_dev();
	void *cpu;
	dmab_addr_t dma;

	assert_int_equal(dmab_alloc_noncoherent(dev, 8192, DMAB_FROM_DEVICE, &cpu, &dma), 0);
	/* the way the allocation is used: handed over and back, in its direction */
	assert_int_equal(dmab_sync_single_for_device(dev, dma, 8192, DMAB_FROM_DEVICE), 0);
	assert_int_equal(dmab_sync_single_for_cpu(dev, dma + 4096, 100, DMAB_FROM_DEVICE), 0);
	expect_quiet();
	assert_int_equal(dmab_trace_clear(dev), 0);
	struct dmab_stats before = stats_of(dev);

	expect_misuse(dev, dmab_unmap_single(dev, dma, 8192, DMAB_FROM_DEVICE, 0),
		      DMAB_DEBUG_UNMAP_FUNCTION, &before);
	assert_non_null(strstr(seen.text, "mapped by an allocation"));
	assert_int_equal(dmab_device_destroy(dev), -EBUSY);
	assert_int_equal(seen.last.cls, DMAB_DEBUG_TEARDOWN_LIVE);
	assert_int_equal(seen.last.mapping.kind, DMAB_DEBUG_KIND_ALLOC);
	seen.n = 0;
	assert_int_equal(dmab_free_noncoherent(dev, 8192, cpu, dma, DMAB_FROM_DEVICE), 0);
	/* freed: its record is gone */
	assert_int_equal(dmab_sync_single_for_cpu(dev, dma, 64, DMAB_FROM_DEVICE), -ENOENT);
	seen.n = 0;
	assert_int_equal(dmab_debug_dump(dev, NULL), 0);
	destroy(dev);
}

/* The default sink: one line per report on stderr, at most 10 per window. */
static void test_default_sink_rate_limited(void **state)
{
	(void)state;
	struct dmab_device *dev = check_dev();

	assert_int_equal(dmab_debug_set_callback(dev, NULL, NULL), 0);
	fflush(stderr);
	int saved = dup(2);
	FILE *f = tmpfile();

	assert_non_null(f);
	assert_true(dup2(fileno(f), 2) >= 0);
	for (int i = 0; i < 25; i++)
		assert_int_equal(
		    dmab_unmap_single(dev, 0x100000 + 4096u * (unsigned)i, 4096, DMAB_TO_DEVICE, 0),
		    -ENOENT);
	fflush(stderr);
	assert_true(dup2(saved, 2) >= 0);
	close(saved);
	rewind(f);
	char line[256];
	int lines = 0;

	while (fgets(line, sizeof(line), f)) {
		assert_non_null(strstr(line, "dmabatch: chk: unmap_single of 0x"));
		assert_non_null(strstr(line, "never mapped"));
		lines++;
	}
	fclose(f);
	assert_int_equal(lines, 10);
	assert_int_equal(stats_of(dev).debug_reports[DMAB_DEBUG_UNMAP_NOT_MAPPED], 25);
	destroy(dev);
}

/* Several threads map, sync and unmap on one checking device at once: every
 * right call passes and nothing is reported (run under TSan too). */
#define THREADS	   4
#define ITERATIONS 2000

struct worker {
	struct dmab_device *dev;
	uint8_t *buf; /* a page of its own */
	int bad;
};

static void *churn(void *arg)
{
	struct worker *w = arg;

	for (int i = 0; i < ITERATIONS; i++) {
		dmab_addr_t a;
		struct dmab_sg sg[2] = {{.addr = w->buf, .len = 1024},
					{.addr = w->buf + 2048, .len = 1024}};

		w->bad +=
		    dmab_map_single(w->dev, w->buf + 1024, 1024, DMAB_FROM_DEVICE, 0, &a) != 0;
		w->bad += dmab_map_sg(w->dev, sg, 2, DMAB_TO_DEVICE, 0) != 2;
		w->bad += dmab_sync_single_for_cpu(w->dev, a + 512, 512, DMAB_FROM_DEVICE) != 0;
		w->bad += dmab_unmap_single(w->dev, a, 1024, DMAB_FROM_DEVICE, 0) != 0;
		w->bad += dmab_unmap_sg(w->dev, sg, 2, DMAB_TO_DEVICE, 0) != 0;
	}
	return NULL;
}

static void test_concurrent_mappers(void **state)
{
	(void)state;
	/* Coherent: the checker is the subject, and any backend (DMAB_ARCH=generic
	 * too) takes a coherent device. */
	struct dmab_device_config cfg = {.size = sizeof(cfg),
					 .name = "chk",
					 .coherent = true,
					 .numa_node = -1,
					 .debug = DMAB_DEBUG_CHECK};
	struct dmab_device *dev = NULL;

	assert_int_equal(dmab_device_create(&cfg, &dev), 0);
	memset(&seen, 0, sizeof(seen));
	assert_int_equal(dmab_debug_set_callback(dev, on_report, &seen), 0);
	uint8_t *buf = page_buf(THREADS * 4096);
	struct worker w[THREADS];
	pthread_t th[THREADS];

	for (int i = 0; i < THREADS; i++) {
		w[i] = (struct worker){.dev = dev, .buf = buf + 4096 * i};
		assert_int_equal(pthread_create(&th[i], NULL, churn, &w[i]), 0);
	}
	for (int i = 0; i < THREADS; i++) {
		assert_int_equal(pthread_join(th[i], NULL), 0);
		assert_int_equal(w[i].bad, 0);
	}
	expect_quiet();
	struct dmab_stats s = stats_of(dev);

	assert_int_equal(s.live_mappings, 0);
	for (int c = 0; c < DMAB_DEBUG_NCLASS; c++)
		assert_int_equal(s.debug_reports[c], 0);
	assert_int_equal(dmab_debug_dump(dev, NULL), 0);
	destroy(dev);
	free(buf);
}

/* Two threads unmap the same mapping at once: one wins, the other is told
 * "already unmapped" (or "never mapped", if it looks after the record is
 * gone and the recent list has moved on: here it has not). */
struct racer {
	struct dmab_device *dev;
	dmab_addr_t a;
	pthread_barrier_t *go;
	int err;
};

static void *unmap_once(void *arg)
{
	struct racer *r = arg;

	pthread_barrier_wait(r->go);
	r->err = dmab_unmap_single(r->dev, r->a, 4096, DMAB_TO_DEVICE, 0);
	return NULL;
}

static void test_racing_double_unmap(void **state)
{
	(void)state;
	struct dmab_device *dev = check_dev();
	uint8_t *buf = page_buf(4096);

	for (int round = 0; round < 50; round++) {
		pthread_barrier_t go;
		struct racer r[2];
		pthread_t th[2];
		dmab_addr_t a;

		assert_int_equal(dmab_map_single(dev, buf, 4096, DMAB_TO_DEVICE, 0, &a), 0);
		assert_int_equal(pthread_barrier_init(&go, NULL, 2), 0);
		for (int i = 0; i < 2; i++) {
			r[i] = (struct racer){.dev = dev, .a = a, .go = &go};
			assert_int_equal(pthread_create(&th[i], NULL, unmap_once, &r[i]), 0);
		}
		for (int i = 0; i < 2; i++)
			assert_int_equal(pthread_join(th[i], NULL), 0);
		pthread_barrier_destroy(&go);
		assert_true((r[0].err == 0) != (r[1].err == 0));
		assert_int_equal(r[0].err + r[1].err, -EALREADY);
		assert_int_equal(stats_of(dev).live_mappings, 0);
	}
	assert_int_equal(dmab_trace_clear(dev), 0);
	destroy(dev);
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_errnos_distinct),
	    cmocka_unit_test(test_off_by_default),
	    cmocka_unit_test(test_environment_turns_it_on),
	    cmocka_unit_test(test_unmap_classes),
	    cmocka_unit_test(test_unmap_sg_classes),
	    cmocka_unit_test(test_sync_classes),
	    cmocka_unit_test(test_sync_sg_classes),
	    cmocka_unit_test(test_map_memory_classes),
	    cmocka_unit_test(test_map_overlap),
	    cmocka_unit_test(test_teardown),
	    cmocka_unit_test(test_allocations),
	    cmocka_unit_test(test_default_sink_rate_limited),
	    cmocka_unit_test(test_concurrent_mappers),
	    cmocka_unit_test(test_racing_double_unmap),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
