/* SPDX-License-Identifier: MIT */
/* The batch: merging, completions per backend, deferred copies, misuse. */
#include <errno.h>

#include "helpers.h"
#include "seam.h"

/* Buffers of one device in one batch: one completion at commit, none before. */
static void test_one_completion_at_commit(void **state)
{
	(void)state;
	uint8_t *buf = page_buf(4096);
	struct dmab_device *dev = trace_dev(false, DMAB_SYNC_BATCHED, 64);
	struct dmab_batch b;

	dmab_batch_init(&b);
	assert_int_equal(dmab_batch_sync_for_device(&b, dev, (uintptr_t)buf, 64, 1), 0);
	assert_int_equal(dmab_batch_sync_for_device(&b, dev, (uintptr_t)buf + 1024, 64, 1), 0);
	assert_int_equal(dmab_batch_sync_for_cpu(&b, dev, (uintptr_t)buf + 2048, 128, 2), 0);
	assert_int_equal(dmab_batch_sync_for_cpu(&b, dev, (uintptr_t)buf + 3072, 128, 1), 0);
	/* the last range is still open, nothing has completed */
	EXPECT(dev, buf, {T_CLEAN, 0, 64}, {T_CLEAN, 1024, 64});
	assert_int_equal(dmab_batch_commit(&b), 1);
	EXPECT(dev, buf, {T_INVAL, 2048, 128}, {T_DONE, 0, 0});
	struct dmab_stats s = stats_of(dev);

	assert_int_equal(s.completions, 1);
	assert_int_equal(s.completions_saved, 2);
	/* the batch is empty and reusable */
	assert_int_equal(dmab_batch_commit(&b), 0);
	expect_empty(dev);
	destroy(dev);
	free(buf);
}

/* Two trace devices are two completion domains; a device twice is one. */
static void test_two_devices(void **state)
{
	(void)state;
	uint8_t *buf = page_buf(4096);
	struct dmab_device *d1 = trace_dev(false, DMAB_SYNC_BATCHED, 64);
	struct dmab_device *d2 = trace_dev(false, DMAB_SYNC_BATCHED, 128);
	struct dmab_device *coh = trace_dev(true, DMAB_SYNC_BATCHED, 64);
	struct dmab_batch b;

	dmab_batch_init(&b);
	assert_int_equal(dmab_batch_sync_for_device(&b, d1, (uintptr_t)buf, 64, 0), 0);
	assert_int_equal(dmab_batch_sync_for_device(&b, d2, (uintptr_t)buf + 512, 64, 0), 0);
	assert_int_equal(dmab_batch_sync_for_device(&b, d1, (uintptr_t)buf + 64, 64, 0), 0);
	assert_int_equal(dmab_batch_sync_for_device(&b, coh, (uintptr_t)buf, 64, 0), 0);
	assert_int_equal(dmab_batch_commit(&b), 2);
	/* d1's two ranges were split by d2's, so they are not merged */
	EXPECT(d1, buf, {T_CLEAN, 0, 64}, {T_CLEAN, 64, 64}, {T_DONE, 0, 0});
	EXPECT(d2, buf, {T_CLEAN, 512, 128}, {T_DONE, 0, 0});
	expect_empty(coh);
	assert_int_equal(stats_of(coh).completions, 0);
	destroy(d1);
	destroy(d2);
	destroy(coh);
	free(buf);
}

/* Devices sharing one backend domain share one barrier. */
static void test_shared_domain(void **state)
{
	(void)state;
	const char *forced = getenv("DMAB_ARCH");
	struct dmab_device_config cfg = {.numa_node = -1};
	struct dmab_device *d1, *d2;
	uint8_t *buf = page_buf(4096);
	struct dmab_batch b;

	if (forced && strcmp(forced, "generic") == 0)
		cfg.coherent = true;
	assert_int_equal(dmab_device_create(&cfg, &d1), 0);
	assert_int_equal(dmab_device_create(&cfg, &d2), 0);
	dmab_batch_init(&b);
	assert_int_equal(dmab_batch_sync_for_device(&b, d1, (uintptr_t)buf, 64, 0), 0);
	assert_int_equal(dmab_batch_sync_for_device(&b, d2, (uintptr_t)buf + 64, 64, 0), 0);
	assert_int_equal(dmab_batch_commit(&b), cfg.coherent ? 0 : 1);
	assert_int_equal(stats_of(d1).completions, cfg.coherent ? 0 : 1);
	assert_int_equal(stats_of(d2).completions, cfg.coherent ? 0 : 1);
	destroy(d1);
	destroy(d2);
	free(buf);
}

/* A clean+invalidate meeting an open clean or invalidate of the same line
 * takes the line over, so each line is issued once. */
static void test_clean_invalidate_takes_over(void **state)
{
	(void)state;
	uint8_t *buf = page_buf(4096);
	struct dmab_device *dev = trace_dev(false, DMAB_SYNC_BATCHED, 64);
	struct dmab_batch b;

	dmab_batch_init(&b);
	int p = seam_batch_enter(&b, dev);

	seam_batch_range(&b, p, T_CLEAN, (uintptr_t)buf, 256);
	seam_batch_range(&b, p, T_CIVAC, (uintptr_t)buf + 192, 128);
	seam_batch_range(&b, p, T_INVAL, (uintptr_t)buf + 256, 256);
	seam_batch_range(&b, p, T_CIVAC, (uintptr_t)buf + 448, 64);
	seam_batch_leave(&b, p);
	assert_int_equal(dmab_batch_commit(&b), 1);
	EXPECT(dev, buf, {T_CLEAN, 0, 192}, {T_CIVAC, 192, 128}, {T_INVAL, 320, 128},
	       {T_CIVAC, 448, 64}, {T_DONE, 0, 0});
	/* an invalidate wholly inside an open clean+invalidate adds nothing */
	dmab_batch_init(&b);
	p = seam_batch_enter(&b, dev);
	seam_batch_range(&b, p, T_CIVAC, (uintptr_t)buf, 256);
	seam_batch_range(&b, p, T_INVAL, (uintptr_t)buf + 64, 64);
	seam_batch_leave(&b, p);
	assert_int_equal(dmab_batch_commit(&b), 1);
	EXPECT(dev, buf, {T_CIVAC, 0, 256}, {T_DONE, 0, 0});
	destroy(dev);
	free(buf);
}

/* Deferred copies run after the completion, in order, even when the copy
 * list fills and the batch has to complete early. */
static void test_copies_after_completion(void **state)
{
	(void)state;
	uint8_t *buf = page_buf(8192);
	uint8_t *dst = page_buf(4096);
	struct dmab_device *dev = trace_dev(false, DMAB_SYNC_BATCHED, 64);
	struct dmab_batch b;
	const int n = DMAB_BATCH_COPIES + 1;

	for (int i = 0; i < n; i++)
		buf[i * 64] = (uint8_t)i;
	dmab_batch_init(&b);
	for (int i = 0; i < n; i++) {
		int p = seam_batch_enter(&b, dev);

		seam_batch_range(&b, p, T_INVAL, (uintptr_t)buf + (size_t)i * 128, 64);
		seam_batch_defer_copy(&b, p, dst + i, buf + (size_t)i * 64, 1);
		seam_batch_leave(&b, p);
		/* nothing is copied before a completion */
		assert_int_equal(dst[i], 0x5a);
	}
	/* the early completion covered every range; commit has only the
	 * last copy left to make */
	assert_int_equal(dmab_batch_commit(&b), 0);
	for (int i = 0; i < n; i++)
		assert_int_equal(dst[i], i);

	const struct dmab_trace_rec *r;
	size_t got, done = 0, copies = 0;

	assert_int_equal(dmab_trace_get(dev, &r, &got), 0);
	for (size_t i = 0; i < got; i++) {
		if (r[i].op == T_DONE)
			done++;
		if (r[i].op == T_COPY) {
			copies++;
			/* copy k needs the completion after range k */
			assert_true(done >= 1);
		}
		if (r[i].op == T_INVAL)
			/* every range of copy k is issued before copy k runs */
			assert_true(copies <= (r[i].start - (uintptr_t)buf) / 128);
	}
	assert_int_equal(done, 1);
	assert_int_equal(copies, n);
	destroy(dev);
	free(dst);
	free(buf);
}

/* More devices than a batch tracks: it completes early and stays right. */
static void test_many_devices(void **state)
{
	(void)state;
	uint8_t *buf = page_buf(4096);
	struct dmab_device *dev[DMAB_BATCH_PARTS + 1];
	struct dmab_batch b;

	dmab_batch_init(&b);
	for (int i = 0; i <= DMAB_BATCH_PARTS; i++) {
		dev[i] = trace_dev(false, DMAB_SYNC_BATCHED, 64);
		assert_int_equal(
		    dmab_batch_sync_for_device(&b, dev[i], (uintptr_t)buf + 64 * i, 64, 0), 0);
	}
	assert_int_equal(dmab_batch_commit(&b), 1);
	for (int i = 0; i <= DMAB_BATCH_PARTS; i++) {
		EXPECT(dev[i], buf, {T_CLEAN, 64 * (uintptr_t)i, 64}, {T_DONE, 0, 0});
		destroy(dev[i]);
	}
	free(buf);
}

static void test_batch_misuse(void **state)
{
	(void)state;
	uint8_t *buf = page_buf(4096);
	struct dmab_device *dev = trace_dev(false, DMAB_SYNC_BATCHED, 64);
	struct dmab_batch b;

	memset(&b, 0, sizeof(b));
	assert_int_equal(dmab_batch_sync_for_device(&b, dev, (uintptr_t)buf, 64, 0), -EINVAL);
	assert_int_equal(dmab_batch_commit(&b), -EINVAL);
	assert_int_equal(dmab_batch_commit(NULL), -EINVAL);
	dmab_batch_init(&b);
	assert_int_equal(dmab_batch_sync_for_device(NULL, dev, (uintptr_t)buf, 64, 0), -EINVAL);
	assert_int_equal(dmab_batch_sync_for_device(&b, NULL, (uintptr_t)buf, 64, 0), -EINVAL);
	assert_int_equal(dmab_batch_sync_for_device(&b, dev, (uintptr_t)buf, 0, 0), -EINVAL);
	assert_int_equal(dmab_batch_sync_for_cpu(&b, dev, (uintptr_t)buf, 64, (enum dmab_dir)3),
			 -EINVAL);
	assert_int_equal(dmab_batch_sync_for_cpu(&b, dev, 0, 64, 0), -EINVAL);
	assert_int_equal(dmab_batch_commit(&b), 0);
	expect_empty(dev);
	assert_int_equal(stats_of(dev).completions, 0);
	destroy(dev);
	free(buf);
}

/* cmo_passes = 2 (erratum 4311569): every run issued twice back to back,
 * still one completion, each line counted once; above 2 is refused. */
static void test_double_cmo(void **state)
{
	(void)state;
	uint8_t *buf = page_buf(4096);
	struct dmab_device_config cfg = {
	    .name = "t2",
	    .numa_node = -1,
	    .backend = "trace",
	    .line_size = 64,
	    .cmo_passes = 2,
	};
	struct dmab_device *dev = NULL, *bad = NULL;
	struct dmab_sg sg[3] = {{buf, 64, 0, 0}, {buf + 1024, 64, 0, 0}, {buf + 2048, 128, 0, 0}};

	assert_int_equal(dmab_device_create(&cfg, &dev), 0);
	assert_int_equal(dmab_map_sg(dev, sg, 3, DMAB_TO_DEVICE, 0), 3);
	EXPECT(dev, buf, {T_CLEAN, 0, 64}, {T_CLEAN, 0, 64}, {T_CLEAN, 1024, 64},
	       {T_CLEAN, 1024, 64}, {T_CLEAN, 2048, 128}, {T_CLEAN, 2048, 128}, {T_DONE, 0, 0});
	struct dmab_stats s = stats_of(dev);

	assert_int_equal(s.lines_cleaned, 4);
	assert_int_equal(s.completions, 1);
	assert_int_equal(dmab_unmap_sg(dev, sg, 3, DMAB_TO_DEVICE, 0), 0);
	expect_empty(dev);

	/* FROM_DEVICE: the after-DMA invalidate is doubled too */
	assert_int_equal(dmab_map_sg(dev, sg, 1, DMAB_FROM_DEVICE, DMAB_ATTR_SKIP_CPU_SYNC), 1);
	assert_int_equal(dmab_unmap_sg(dev, sg, 1, DMAB_FROM_DEVICE, 0), 0);
	EXPECT(dev, buf, {T_INVAL, 0, 64}, {T_INVAL, 0, 64}, {T_DONE, 0, 0});
	destroy(dev);

	cfg.cmo_passes = 3;
	assert_int_equal(dmab_device_create(&cfg, &bad), -EINVAL);
	assert_null(bad);
	assert_non_null(strstr(dmab_last_error(), "cmo_passes"));
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_one_completion_at_commit),
	    cmocka_unit_test(test_two_devices),
	    cmocka_unit_test(test_shared_domain),
	    cmocka_unit_test(test_clean_invalidate_takes_over),
	    cmocka_unit_test(test_copies_after_completion),
	    cmocka_unit_test(test_many_devices),
	    cmocka_unit_test(test_batch_misuse),
	    cmocka_unit_test(test_double_cmo),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
