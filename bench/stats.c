/* SPDX-License-Identifier: MIT */
/*
 * Samples and what is said about them. Every measured sample is kept, so
 * the median and p90 are exact, not read off a histogram; the warm-up is
 * not measured at all (and its length is printed), nothing else is dropped.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

int samples_push(struct samples *s, uint64_t ns)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 1024;
		uint64_t *v = realloc(s->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		s->v = v;
		s->cap = cap;
	}
	s->v[s->n++] = ns;
	return 0;
}

void samples_free(struct samples *s)
{
	free(s->v);
	memset(s, 0, sizeof(*s));
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

void summarize(struct samples *s, struct summary *out)
{
	size_t n = s->n;

	memset(out, 0, sizeof(*out));
	out->n = n;
	if (!n)
		return;
	qsort(s->v, n, sizeof(*s->v), cmp_u64);
	/* Two passes: the mean first, then squares of deviations, which keeps
	 * precision where sum-of-squares minus square-of-sum would not. */
	double sum = 0, dev = 0;

	for (size_t i = 0; i < n; i++)
		sum += (double)s->v[i];
	out->mean = sum / (double)n;
	for (size_t i = 0; i < n; i++) {
		double d = (double)s->v[i] - out->mean;

		dev += d * d;
	}
	out->sd = n > 1 ? sqrt(dev / (double)(n - 1)) : 0;
	size_t cut = n / 100;
	double tsum = 0;

	for (size_t i = cut; i < n - cut; i++)
		tsum += (double)s->v[i];
	out->tmean = tsum / (double)(n - 2 * cut);
	out->median =
	    n % 2 ? (double)s->v[n / 2] : ((double)s->v[n / 2 - 1] + (double)s->v[n / 2]) / 2;
	size_t rank = (n * 9 + 9) / 10; /* ceil(0.9 n), 1-based */

	out->p90 = s->v[rank - 1];
	rank = (n + 9) / 10; /* ceil(0.1 n) */
	out->p10 = s->v[rank - 1];
	out->min = s->v[0];
	out->max = s->v[n - 1];
}

/*
 * The one sign convention of every output (console, JSON, CSV, plot): the
 * time batching saves, in % of the per-entry time, of medians. Positive
 * when batched takes less time than per-entry.
 */
double reduction_pct(const struct case_result *r, enum bench_op op)
{
	double b = r->s[VAR_BATCHED][op].median, p = r->s[VAR_PER_ENTRY][op].median;

	return p > 0 ? (p - b) / p * 100.0 : 0;
}

double lib_over_raw(const struct case_result *r, enum bench_op op)
{
	double b = r->s[VAR_BATCHED][op].median, raw = r->s[VAR_RAW][op].median;

	return raw > 0 ? b / raw : 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

int ratio_spread(const struct samples *a, const struct samples *b, double *p10, double *med,
		 double *p90)
{
	size_t n = a->n < b->n ? a->n : b->n, k = 0;
	double *v = malloc((n ? n : 1) * sizeof(*v));

	*p10 = *med = *p90 = 0;
	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		if (b->v[i])
			v[k++] = (double)a->v[i] / (double)b->v[i];
	if (k) {
		qsort(v, k, sizeof(*v), cmp_double);
		*p10 = v[(k + 9) / 10 - 1];
		*p90 = v[(k * 9 + 9) / 10 - 1];
		*med = k % 2 ? v[k / 2] : (v[k / 2 - 1] + v[k / 2]) / 2;
	}
	free(v);
	return 0;
}

double cal_spread(const struct case_result *r)
{
	return r->cal.p10 ? (double)r->cal.p90 / (double)r->cal.p10 : 0;
}

void ratio_str(char *buf, size_t len, const struct case_result *r, enum bench_op op)
{
	snprintf(buf, len, "%.3f (p10-p90 %.3f-%.3f)", lib_over_raw(r, op), r->ratio_p10[op],
		 r->ratio_p90[op]);
}
