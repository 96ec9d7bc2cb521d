/* SPDX-License-Identifier: MIT */
/*
 * Shared by the checker's tests: a checking trace device whose reports go
 * to @seen, and the expectation of one misuse (its errno, one report of its
 * class, no maintenance, counters unmoved but the class's).
 */
#ifndef DMAB_TEST_DEBUG_HELPERS_H
#define DMAB_TEST_DEBUG_HELPERS_H

#include <dmabatch/debug.h>

#include "helpers.h"

struct seen {
	int n;
	struct dmab_debug_report last;
	char text[320];
};

static inline void on_report(const struct dmab_debug_report *r, void *arg)
{
	struct seen *s = arg;

	s->n++;
	s->last = *r;
	snprintf(s->text, sizeof(s->text), "%s", r->text);
	s->last.text = s->text;
}

static struct seen seen;

/* A checking device named "chk" (trace backend unless @cfg names one),
 * made from @cfg, its reports into @seen. */
static inline struct dmab_device *check_dev_cfg(struct dmab_device_config cfg)
{
	struct dmab_device *dev = NULL;

	cfg.size = sizeof(cfg);
	cfg.name = "chk";
	cfg.numa_node = -1;
	cfg.debug |= DMAB_DEBUG_CHECK;
	if (!cfg.backend && !cfg.sim)
		cfg.backend = "trace";
	assert_int_equal(dmab_device_create(&cfg, &dev), 0);
	assert_true(dmab_debug_enabled(dev));
	memset(&seen, 0, sizeof(seen));
	assert_int_equal(dmab_debug_set_callback(dev, on_report, &seen), 0);
	return dev;
}

static inline struct dmab_device *check_dev(void)
{
	return check_dev_cfg((struct dmab_device_config){0});
}

/* The call returned @err, reported class @cls once, counted it, and left
 * the trace empty and the counters as @before (whose count of @cls it
 * moves on by one). */
static inline void expect_misuse(struct dmab_device *dev, int got, enum dmab_debug_class cls,
				 struct dmab_stats *before)
{
	assert_int_equal(got, dmab_debug_errno(cls));
	assert_int_equal(seen.n, 1);
	assert_int_equal(seen.last.cls, cls);
	assert_int_equal(seen.last.err, got);
	assert_string_equal(seen.last.device, "chk");
	assert_non_null(strstr(dmab_last_error(), "dmabatch: chk: "));
	expect_empty(dev);
	struct dmab_stats now = stats_of(dev);

	assert_stats_equal(&now, before);
	assert_int_equal(now.debug_reports[cls], ++before->debug_reports[cls]);
	seen.n = 0;
}

static inline void expect_quiet(void)
{
	assert_int_equal(seen.n, 0);
}

#endif /* DMAB_TEST_DEBUG_HELPERS_H */
