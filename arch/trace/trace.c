/* SPDX-License-Identifier: MIT */
/*
 * trace: does no maintenance, records it. One record list per device, under
 * a mutex since a device may be used from several threads. The line size is
 * the config's (default 64), so tests can model any line.
 */
#include <dmabatch/trace.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "../arch.h"

/* A record's op is the library's op, so issue() needs no mapping. */
_Static_assert(DMAB_TRACE_CLEAN == (int)DMAB__CLEAN && DMAB_TRACE_INVAL == (int)DMAB__INVAL &&
		   DMAB_TRACE_CLEAN_INVAL == (int)DMAB__CLEAN_INVAL,
	       "enum dmab_trace_op starts with enum dmab__op");

struct trace {
	pthread_mutex_t lock;
	struct dmab_trace_rec *recs;
	size_t n, cap;
	bool lost; /* a record could not be stored */
};

static int trace_probe(struct dmab_arch *a, const struct dmab_device_config *cfg, char *why,
		       size_t whylen)
{
	size_t line = cfg->line_size ? cfg->line_size : 64;
	struct trace *t;

	if (line < 16 || line > 2048 || (line & (line - 1))) {
		snprintf(why, whylen, "line_size %zu is not a power of two from 16 to 2048", line);
		return -EINVAL;
	}
	t = calloc(1, sizeof(*t));
	if (!t) {
		snprintf(why, whylen, "out of memory");
		return -ENOMEM;
	}
	pthread_mutex_init(&t->lock, NULL);
	a->line = line;
	a->priv = t;
	return 0;
}

static void trace_release(struct dmab_arch *a)
{
	struct trace *t = a->priv;

	pthread_mutex_destroy(&t->lock);
	free(t->recs);
	free(t);
}

static void record(struct dmab_arch *a, enum dmab_trace_op op, uintptr_t start, size_t len)
{
	struct trace *t = a->priv;

	pthread_mutex_lock(&t->lock);
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 64;
		struct dmab_trace_rec *r = realloc(t->recs, cap * sizeof(*r));

		if (!r) {
			t->lost = true;
			pthread_mutex_unlock(&t->lock);
			return;
		}
		t->recs = r;
		t->cap = cap;
	}
	t->recs[t->n++] = (struct dmab_trace_rec){.op = op, .start = start, .len = len};
	pthread_mutex_unlock(&t->lock);
}

static void trace_issue(struct dmab_arch *a, enum dmab__op op, uintptr_t start, size_t len)
{
	record(a, (enum dmab_trace_op)op, start, len);
}

static void trace_complete(struct dmab_arch *a)
{
	record(a, DMAB_TRACE_COMPLETE, 0, 0);
}

static void trace_copied(struct dmab_arch *a, void *dst, const void *src, size_t len)
{
	(void)src;
	record(a, DMAB_TRACE_COPY, (uintptr_t)dst, len);
}

const struct dmab_arch_ops dmab__arch_trace = {
    .name = "trace",
    .flags = DMAB__ARCH_MAINTAINS,
    .probe = trace_probe,
    .release = trace_release,
    .issue = trace_issue,
    .complete = trace_complete,
    .copied = trace_copied,
};

static struct trace *trace_of(const struct dmab_device *dev)
{
	const struct dmab_arch *a = dmab__device_arch(dev);

	return a && a->ops == &dmab__arch_trace ? a->priv : NULL;
}

int dmab_trace_get(const struct dmab_device *dev, const struct dmab_trace_rec **recs, size_t *n)
{
	struct trace *t = trace_of(dev);

	if (!t || !recs || !n)
		return dmab__fail(-EINVAL, "trace_get: %s",
				  !t ? "device is not on the trace backend" : "NULL output");
	if (t->lost)
		return dmab__fail(-ENOMEM, "trace_get: records were lost for lack of memory");
	*recs = t->recs;
	*n = t->n;
	return 0;
}

int dmab_trace_clear(struct dmab_device *dev)
{
	struct trace *t = trace_of(dev);

	if (!t)
		return dmab__fail(-EINVAL, "trace_clear: device is not on the trace backend");
	pthread_mutex_lock(&t->lock);
	t->n = 0;
	t->lost = false;
	pthread_mutex_unlock(&t->lock);
	return 0;
}
