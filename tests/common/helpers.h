/* SPDX-License-Identifier: MIT */
/* Shared by the tests: trace devices, aligned memory, trace expectations. */
#ifndef DMAB_TEST_HELPERS_H
#define DMAB_TEST_HELPERS_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <dmabatch.h>
#include <dmabatch/trace.h>

#define T_CLEAN DMAB_TRACE_CLEAN
#define T_INVAL DMAB_TRACE_INVAL
#define T_CIVAC DMAB_TRACE_CLEAN_INVAL
#define T_DONE	DMAB_TRACE_COMPLETE
#define T_COPY	DMAB_TRACE_COPY

static inline struct dmab_device *trace_dev(bool coherent, enum dmab_sync_mode mode, size_t line)
{
	struct dmab_device_config cfg = {
	    .name = "t",
	    .coherent = coherent,
	    .numa_node = -1,
	    .sync_mode = mode,
	    .backend = "trace",
	    .line_size = line,
	};
	struct dmab_device *dev = NULL;

	assert_int_equal(dmab_device_create(&cfg, &dev), 0);
	assert_non_null(dev);
	return dev;
}

static inline void destroy(struct dmab_device *dev)
{
	assert_int_equal(dmab_device_destroy(dev), 0);
}

/* Memory aligned to 4 KiB, so line offsets in the tests are exact. */
static inline uint8_t *page_buf(size_t len)
{
	void *p = NULL;

	assert_int_equal(posix_memalign(&p, 4096, len), 0);
	memset(p, 0x5a, len);
	return p;
}

static inline struct dmab_stats stats_of(const struct dmab_device *dev)
{
	struct dmab_stats s;

	assert_int_equal(dmab_device_stats(dev, &s), 0);
	return s;
}

static inline void assert_stats_equal(const struct dmab_stats *a, const struct dmab_stats *b)
{
	assert_int_equal(a->lines_cleaned, b->lines_cleaned);
	assert_int_equal(a->lines_invalidated, b->lines_invalidated);
	assert_int_equal(a->lines_clean_invalidated, b->lines_clean_invalidated);
	assert_int_equal(a->completions, b->completions);
	assert_int_equal(a->completions_saved, b->completions_saved);
	assert_int_equal(a->maps, b->maps);
	assert_int_equal(a->unmaps, b->unmaps);
	assert_int_equal(a->live_mappings, b->live_mappings);
}

struct want {
	enum dmab_trace_op op;
	uintptr_t start; /* absolute, or an offset when base is given */
	size_t len;
};

/* The device's trace must be exactly @w (starts relative to @base), then
 * the trace is cleared. */
static inline void expect_trace(struct dmab_device *dev, const void *base, const struct want *w,
				size_t n)
{
	const struct dmab_trace_rec *r;
	size_t got;

	assert_int_equal(dmab_trace_get(dev, &r, &got), 0);
	if (got != n) {
		for (size_t i = 0; i < got; i++)
			print_message("  rec %zu: op %d start +%ld len %zu\n", i, r[i].op,
				      r[i].op == T_DONE ? 0L : (long)(r[i].start - (uintptr_t)base),
				      r[i].len);
	}
	assert_int_equal(got, n);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(r[i].op, w[i].op);
		if (w[i].op != T_DONE) {
			assert_int_equal(r[i].start, (uintptr_t)base + w[i].start);
			assert_int_equal(r[i].len, w[i].len);
		}
	}
	assert_int_equal(dmab_trace_clear(dev), 0);
}

#define EXPECT(dev, base, ...)                                                                     \
	do {                                                                                       \
		const struct want w_[] = {__VA_ARGS__};                                            \
		expect_trace(dev, base, w_, sizeof(w_) / sizeof(w_[0]));                           \
	} while (0)

/*
 * The device's trace must be @op over every @line-byte line of [base+start,
 * +len) exactly once, in ranges of any cut and order, then one completion;
 * then the trace is cleared. For lists whose lines the library may issue in
 * several steps: what matters is the lines, their operation and the
 * completions, not how many ranges they came in.
 */
static inline void expect_lines(struct dmab_device *dev, const void *base, enum dmab_trace_op op,
				uintptr_t start, size_t len, size_t line)
{
	const struct dmab_trace_rec *r;
	size_t got, nl = len / line;
	uint8_t *seen = calloc(nl ? nl : 1, 1);
	uintptr_t s0 = (uintptr_t)base + start;

	assert_non_null(seen);
	assert_int_equal(dmab_trace_get(dev, &r, &got), 0);
	assert_true(got >= 2);
	for (size_t i = 0; i + 1 < got; i++) {
		assert_int_equal(r[i].op, op);
		assert_true(r[i].start >= s0 && r[i].len && r[i].start + r[i].len <= s0 + len);
		for (size_t k = 0; k < r[i].len / line; k++) {
			size_t at = (r[i].start - s0) / line + k;

			assert_int_equal(seen[at], 0);
			seen[at] = 1;
		}
	}
	for (size_t k = 0; k < nl; k++)
		assert_int_equal(seen[k], 1);
	assert_int_equal(r[got - 1].op, T_DONE);
	free(seen);
	assert_int_equal(dmab_trace_clear(dev), 0);
}

static inline void expect_empty(struct dmab_device *dev)
{
	expect_trace(dev, NULL, NULL, 0);
}

#endif
