/* SPDX-License-Identifier: MIT */
/*
 * --scaling: two threads on one device against one thread. Four shapes,
 * each sample one map plus its unmap, BIDIRECTIONAL, each thread on a
 * buffer of its own (not re-dirtied between calls): map_single of 4 KiB and
 * map_sg of 16 x 256 bytes (4 KiB, packed), each with DMA_ATTR_SKIP_CPU_SYNC
 * and with maintenance.
 *
 * A round measures one thread, then two (the order alternates by round, so
 * drift hits both alike). The threads are pinned to the first two allowed
 * CPUs, start at a barrier, and each notes the time after every chunk of
 * calls. Only the window in which both run counts: from the later start to
 * the earlier stop; each thread's rate is its chunks wholly inside the
 * window over the time they span, and the phase's rate is the threads'
 * rates added up. A round's figure is the two-thread rate over the
 * one-thread rate; printed are the median and the spread (lowest, highest)
 * of the rounds'.
 *
 * Beside it, a figure a loaded machine moves less: each thread's calls per
 * second of its own CPU time (CLOCK_THREAD_CPUTIME_ID), two threads over
 * one. Time a thread spends preempted does not count, so this stays near 1
 * unless the threads slow each other down while they run (lines bouncing
 * between the cores), when it drops; other loads still move it through the
 * caches and the clock speed. On an idle machine it is about 2T/1T over 2.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

#define SC_ROUNDS   7
#define SC_PHASE_NS (150 * 1000 * 1000ull) /* each phase's run per thread */
#define SC_CHUNK    64			   /* calls between two time stamps */
#define SC_STAMPS   (1 << 16)
#define SC_LEN	    4096
#define SC_GOAL	    1.8

struct sc_shape {
	const char *key;
	enum bench_mode mode;
	int entries; /* of SC_LEN / entries bytes each */
	unsigned attrs;
};

static const struct sc_shape shapes[] = {
    {"single_4k_skip_sync", MODE_SINGLE, 1, DMAB_ATTR_SKIP_CPU_SYNC},
    {"single_4k_sync", MODE_SINGLE, 1, 0},
    {"sg_16x256_skip_sync", MODE_SG, 16, DMAB_ATTR_SKIP_CPU_SYNC},
    {"sg_16x256_sync", MODE_SG, 16, 0},
};
#define NSHAPES (sizeof(shapes) / sizeof(shapes[0]))

struct sc_thread {
	pthread_t th;
	struct dmab_device *dev;
	const struct sc_shape *sh;
	pthread_barrier_t *start;
	int cpu;
	void *buf;
	struct dmab_sg sg[16];
	uint64_t *stamp; /* stamp[0]: the start; stamp[k]: after chunk k */
	size_t nstamps;
	uint64_t cpu_ns; /* the thread's CPU time over its stamps */
	int err;
};

struct sc_result {
	double rate[2][SC_ROUNDS]; /* ops/s: one thread, two threads */
	double ratio[SC_ROUNDS];
	double rate_median[2], ratio_median, ratio_min, ratio_max;
	double cpu_rate[2][SC_ROUNDS]; /* ops per CPU second, per thread */
	double cpu_ratio[SC_ROUNDS], cpu_median, cpu_min, cpu_max;
};

static uint64_t cpu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int one(struct sc_thread *t)
{
	const struct sc_shape *sh = t->sh;
	dmab_addr_t a;
	int err;

	if (sh->mode == MODE_SG) {
		err = dmab_map_sg(t->dev, t->sg, sh->entries, DMAB_BIDIRECTIONAL, sh->attrs);
		return err < 0 ? err
			       : dmab_unmap_sg(t->dev, t->sg, sh->entries, DMAB_BIDIRECTIONAL,
					       sh->attrs);
	}
	err = dmab_map_single(t->dev, t->buf, SC_LEN, DMAB_BIDIRECTIONAL, sh->attrs, &a);
	return err ? err : dmab_unmap_single(t->dev, a, SC_LEN, DMAB_BIDIRECTIONAL, sh->attrs);
}

static void *run_thread(void *arg)
{
	struct sc_thread *t = arg;

	t->err = bench_pin(t->cpu);
	for (int i = 0; i < SC_CHUNK && !t->err; i++) /* warm: caches, blocks */
		t->err = one(t);
	pthread_barrier_wait(t->start);
	t->nstamps = 0;
	uint64_t c0 = cpu_now();

	t->stamp[t->nstamps++] = now_ns();
	while (!t->err && t->nstamps < SC_STAMPS) {
		for (int i = 0; i < SC_CHUNK && !t->err; i++)
			t->err = one(t);
		t->stamp[t->nstamps++] = now_ns();
		if (t->stamp[t->nstamps - 1] - t->stamp[0] >= SC_PHASE_NS)
			break;
	}
	t->cpu_ns = cpu_now() - c0;
	return NULL;
}

/* @t's calls per second over its chunks wholly inside [lo, hi]. */
static double rate_in(const struct sc_thread *t, uint64_t lo, uint64_t hi)
{
	size_t first = 0, last = 0;

	while (first < t->nstamps && t->stamp[first] < lo)
		first++;
	for (size_t k = first; k < t->nstamps && t->stamp[k] <= hi; k++)
		last = k;
	if (last <= first)
		return 0;
	return (double)((last - first) * SC_CHUNK) * 1e9 /
	       (double)(t->stamp[last] - t->stamp[first]);
}

/* One phase of @n threads (1 or 2): the rate of the window they all ran,
 * and the threads' mean calls per second of their own CPU time. */
static int phase(struct sc_thread *t, int n, double *rate, double *cpu_rate)
{
	pthread_barrier_t start;
	uint64_t lo = 0, hi = UINT64_MAX;
	int err = pthread_barrier_init(&start, NULL, (unsigned)n);

	if (err)
		return -err;
	for (int i = 0; i < n; i++) {
		t[i].start = &start;
		err = pthread_create(&t[i].th, NULL, run_thread, &t[i]);
		if (err) {
			/* The barrier would wait for ever: only the first can fail. */
			fprintf(stderr, "dmab-bench: --scaling: thread: %s\n", strerror(err));
			exit(1);
		}
	}
	for (int i = 0; i < n; i++) {
		pthread_join(t[i].th, NULL);
		err = err ? err : t[i].err;
	}
	pthread_barrier_destroy(&start);
	if (err)
		return err;
	for (int i = 0; i < n; i++) {
		lo = t[i].stamp[0] > lo ? t[i].stamp[0] : lo;
		hi = t[i].stamp[t[i].nstamps - 1] < hi ? t[i].stamp[t[i].nstamps - 1] : hi;
	}
	*rate = 0;
	*cpu_rate = 0;
	for (int i = 0; i < n; i++) {
		*rate += rate_in(&t[i], lo, hi);
		*cpu_rate += t[i].cpu_ns ? (double)((t[i].nstamps - 1) * SC_CHUNK) * 1e9 /
					       (double)t[i].cpu_ns / n
					 : 0;
	}
	return *rate > 0 ? 0 : -EAGAIN; /* no overlap: a thread never ran */
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median_of(const double *v)
{
	double s[SC_ROUNDS];

	memcpy(s, v, sizeof(s));
	qsort(s, SC_ROUNDS, sizeof(*s), cmp_double);
	return SC_ROUNDS % 2 ? s[SC_ROUNDS / 2] : (s[SC_ROUNDS / 2 - 1] + s[SC_ROUNDS / 2]) / 2;
}

static void spread(const double *v, double *median, double *lo, double *hi)
{
	*median = median_of(v);
	*lo = *hi = v[0];
	for (int i = 1; i < SC_ROUNDS; i++) {
		*lo = v[i] < *lo ? v[i] : *lo;
		*hi = v[i] > *hi ? v[i] : *hi;
	}
}

static int setup(const struct bench_env *env, struct sc_thread t[2], const struct sc_shape *sh)
{
	for (int i = 0; i < 2; i++) {
		t[i] =
		    (struct sc_thread){.dev = env->dev[VAR_BATCHED], .sh = sh, .cpu = env->cpus[i]};
		t[i].buf = bench_buf_alloc(env, SC_LEN);
		t[i].stamp = malloc(SC_STAMPS * sizeof(*t[i].stamp));
		if (!t[i].buf || !t[i].stamp)
			return -ENOMEM;
		memset(t[i].buf, 0x66, SC_LEN);
		size_t each = SC_LEN / (size_t)sh->entries;

		for (int k = 0; k < sh->entries; k++)
			t[i].sg[k] = (struct dmab_sg){.addr = (char *)t[i].buf + (size_t)k * each,
						      .len = each};
	}
	return 0;
}

static void teardown(struct sc_thread t[2])
{
	for (int i = 0; i < 2; i++) {
		if (t[i].buf)
			bench_buf_free(t[i].buf, SC_LEN);
		free(t[i].stamp);
	}
}

static int measure(const struct bench_env *env, const struct sc_shape *sh, struct sc_result *r,
		   bool quiet)
{
	struct sc_thread t[2];
	int err;

	memset(t, 0, sizeof(t));
	err = setup(env, t, sh);
	for (int round = 0; round < SC_ROUNDS && !err; round++) {
		for (int k = 0; k < 2 && !err; k++) {
			int n = (round + k) % 2 ? 2 : 1; /* alternate which goes first */

			err = phase(t, n, &r->rate[n - 1][round], &r->cpu_rate[n - 1][round]);
		}
		r->ratio[round] = r->rate[0][round] > 0 ? r->rate[1][round] / r->rate[0][round] : 0;
		r->cpu_ratio[round] =
		    r->cpu_rate[0][round] > 0 ? r->cpu_rate[1][round] / r->cpu_rate[0][round] : 0;
		if (!quiet)
			fprintf(stderr, "dmab-bench: --scaling %s: round %d/%d: %.3f\n", sh->key,
				round + 1, SC_ROUNDS, r->ratio[round]);
	}
	teardown(t);
	if (err) {
		fprintf(stderr, "dmab-bench: --scaling %s: %s (%s)\n", sh->key, dmab_strerror(err),
			dmab_last_error());
		return err;
	}
	r->rate_median[0] = median_of(r->rate[0]);
	r->rate_median[1] = median_of(r->rate[1]);
	spread(r->ratio, &r->ratio_median, &r->ratio_min, &r->ratio_max);
	spread(r->cpu_ratio, &r->cpu_median, &r->cpu_min, &r->cpu_max);
	return 0;
}

static int write_json(const char *path, const struct sc_result *res)
{
	FILE *f = fopen(path, "w");

	if (!f) {
		fprintf(stderr, "dmab-bench: cannot write %s: %s\n", path, strerror(errno));
		return -1;
	}
	fprintf(f, "{\n  \"kind\": \"scaling\",\n  \"rounds\": %d,\n  \"goal\": %.2f,\n", SC_ROUNDS,
		SC_GOAL);
	fprintf(f, "  \"scaling\": {\n");
	for (size_t i = 0; i < NSHAPES; i++) {
		const struct sc_result *r = &res[i];

		fprintf(f,
			"    \"%s\": {\"ops_per_s_1_thread\": %.0f, \"ops_per_s_2_threads\": %.0f, "
			"\"ratio_median\": %.4f, \"ratio_min\": %.4f, \"ratio_max\": %.4f, "
			"\"cpu_ratio_median\": %.4f, \"cpu_ratio_min\": %.4f, "
			"\"cpu_ratio_max\": %.4f, \"ratio_per_round\": [",
			shapes[i].key, r->rate_median[0], r->rate_median[1], r->ratio_median,
			r->ratio_min, r->ratio_max, r->cpu_median, r->cpu_min, r->cpu_max);
		for (int k = 0; k < SC_ROUNDS; k++)
			fprintf(f, "%s%.4f", k ? ", " : "", r->ratio[k]);
		fprintf(f, "], \"cpu_ratio_per_round\": [");
		for (int k = 0; k < SC_ROUNDS; k++)
			fprintf(f, "%s%.4f", k ? ", " : "", r->cpu_ratio[k]);
		fprintf(f, "]}%s\n", i + 1 < NSHAPES ? "," : "");
	}
	fprintf(f, "  }\n}\n");
	return fclose(f) ? -1 : 0;
}

int bench_scaling(struct bench_env *env, const struct bench_opts *o)
{
	struct sc_result res[NSHAPES];
	bool met = true;

	if (env->ncpus < 2) {
		fprintf(stderr, "dmab-bench: --scaling needs two CPUs; %d allowed\n", env->ncpus);
		return 1;
	}
	memset(res, 0, sizeof(res));
	for (size_t i = 0; i < NSHAPES; i++)
		if (measure(env, &shapes[i], &res[i], o->quiet))
			return 1;
	printf("two threads on one device vs one: map + unmap, BIDIRECTIONAL, backend %s, CPUs "
	       "%d and %d; %d rounds, 1 and 2 threads alternating\n\n",
	       dmab_device_backend(env->dev[VAR_BATCHED]), env->cpus[0], env->cpus[1], SC_ROUNDS);
	printf("%-22s %14s %14s %8s %14s %6s %9s %14s\n", "shape", "1 thread op/s",
	       "2 threads op/s", "2T/1T", "spread", "goal", "cpu 2T/1T", "spread");
	for (size_t i = 0; i < NSHAPES; i++) {
		const struct sc_result *r = &res[i];
		bool ok = r->ratio_median >= SC_GOAL;

		met = met && ok;
		printf("%-22s %14.0f %14.0f %8.3f %6.3f-%-7.3f %s %.1f %9.3f %6.3f-%-7.3f\n",
		       shapes[i].key, r->rate_median[0], r->rate_median[1], r->ratio_median,
		       r->ratio_min, r->ratio_max, ok ? ">=" : "< ", SC_GOAL, r->cpu_median,
		       r->cpu_min, r->cpu_max);
	}
	printf("\n(op/s: median over rounds, counted only while both threads ran; 2T/1T: "
	       "median of the rounds' ratios; spread: their lowest and highest; cpu 2T/1T: "
	       "each thread's calls per second of its own CPU time, two threads over one: "
	       "below 1 when the threads slow each other)\n");
	if (o->json && write_json(o->json, res))
		return 1;
	printf("goal %.1f: %s\n", SC_GOAL, met ? "met on every shape" : "missed");
	return 0;
}
