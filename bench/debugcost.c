/* SPDX-License-Identifier: MIT */
/*
 * --debug-cost: what the DMA-API checker costs. Two devices alike but for
 * dmab_device_config.debug (off, and DMAB_DEBUG_CHECK), batched, on the
 * CPU's backend; two shapes: map_single of 4 KiB and map_sg of 2560 x 4 KiB
 * (10 MiB), each sample one map plus its unmap, BIDIRECTIONAL, the buffer
 * dirtied before each map. Within a run the two devices alternate, the
 * first one changing every iteration; a run's figure is each device's
 * median, and on/off their ratio. Seven runs (at least five): the median
 * ratio and its spread (lowest, highest) across runs.
 *
 * Each sample is timed twice: by the wall clock, and by the thread's CPU
 * clock, which leaves out the time the thread was preempted. On a shared
 * machine a call that takes milliseconds (the 2560-entry list with the
 * checker on) is preempted in most samples, so its wall median measures
 * the neighbours; the CPU clock's figure is the one to compare there. Its
 * read is a system call (a few hundred ns), which both devices pay.
 */
#include <time.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dmabatch/debug.h>

#include "bench.h"

#define DC_RUNS 7

struct dc_shape {
	const char *key;
	enum bench_mode mode;
	int entries;
	long iterations; /* per run, per device */
};

static const struct dc_shape shapes[] = {
    {"map_single_4k", MODE_SINGLE, 1, 4000},
    {"map_sg_2560x4k", MODE_SG, 2560, 60},
};
#define NSHAPES (sizeof(shapes) / sizeof(shapes[0]))

/* One clock's figures. */
struct dc_clock {
	double off[DC_RUNS], on[DC_RUNS], ratio[DC_RUNS]; /* per run: medians, on/off */
	double ratio_median, ratio_min, ratio_max, off_median, on_median;
};

struct dc_result {
	struct dc_clock c[2]; /* wall, thread CPU */
	uint64_t reports;     /* the checker's: must stay 0 */
};

static uint64_t cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int make(struct dmab_device **out, unsigned debug)
{
	struct dmab_device_config cfg = {.size = sizeof(cfg),
					 .name = debug ? "bench-check" : "bench",
					 .numa_node = -1,
					 .debug = debug};
	int err = dmab_device_create(&cfg, out);

	if (err)
		fprintf(stderr, "dmab-bench: device: %s\n", dmab_last_error());
	return err;
}

static int one(struct dmab_device *dev, const struct dc_shape *sh, void *buf, size_t len,
	       struct dmab_sg *sg, uint64_t ns[2])
{
	dmab_addr_t a = 0;
	int err;
	uint64_t c0 = cpu_ns(), t0 = now_ns();

	if (sh->mode == MODE_SG) {
		err = dmab_map_sg(dev, sg, sh->entries, DMAB_BIDIRECTIONAL, 0);
		err = err < 0 ? err : dmab_unmap_sg(dev, sg, sh->entries, DMAB_BIDIRECTIONAL, 0);
	} else {
		err = dmab_map_single(dev, buf, len, DMAB_BIDIRECTIONAL, 0, &a);
		err = err ? err : dmab_unmap_single(dev, a, len, DMAB_BIDIRECTIONAL, 0);
	}
	ns[0] = now_ns() - t0;
	ns[1] = cpu_ns() - c0;
	return err;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median_of(const double *v, int n)
{
	double t[DC_RUNS];

	memcpy(t, v, (size_t)n * sizeof(*t));
	qsort(t, (size_t)n, sizeof(*t), cmp_double);
	return n % 2 ? t[n / 2] : (t[n / 2 - 1] + t[n / 2]) / 2;
}

static int measure(const struct bench_env *env, struct dmab_device *dev[2],
		   const struct dc_shape *sh, struct dc_result *r)
{
	size_t len = (size_t)sh->entries * 4096;
	void *buf = bench_buf_alloc(env, len);
	struct dmab_sg *sg = calloc((size_t)sh->entries, sizeof(*sg));
	struct samples s[2][2] = {{{0}, {0}}, {{0}, {0}}}; /* [clock][device] */
	int err = buf && sg ? 0 : -ENOMEM;

	for (int i = 0; sg && i < sh->entries; i++)
		sg[i] = (struct dmab_sg){.addr = (char *)buf + (size_t)i * 4096, .len = 4096};
	for (int run = 0; run < DC_RUNS && !err; run++) {
		for (long it = -2; it < sh->iterations && !err; it++) {
			for (int k = 0; k < 2 && !err; k++) {
				int d = (int)((it + k + 2) & 1);
				uint64_t ns[2];

				bench_prepare(env, buf, len, STATE_DIRTY);
				err = one(dev[d], sh, buf, len, sg, ns);
				for (int c = 0; c < 2 && !err && it >= 0; c++) /* two warm-ups */
					err = samples_push(&s[c][d], ns[c]);
			}
		}
		for (int c = 0; c < 2 && !err; c++) {
			struct dc_clock *k = &r->c[c];

			for (int d = 0; d < 2; d++) {
				struct summary sum;

				summarize(&s[c][d], &sum);
				(d ? k->on : k->off)[run] = sum.median;
				s[c][d].n = 0;
			}
			k->ratio[run] = k->off[run] > 0 ? k->on[run] / k->off[run] : 0;
		}
	}
	if (err)
		fprintf(stderr, "dmab-bench: --debug-cost %s: %s\n", sh->key, dmab_strerror(err));
	for (int c = 0; c < 4; c++)
		samples_free(&s[c / 2][c % 2]);
	free(sg);
	if (buf)
		bench_buf_free(buf, len);
	if (err)
		return err;
	for (int c = 0; c < 2; c++) {
		struct dc_clock *k = &r->c[c];

		k->ratio_median = median_of(k->ratio, DC_RUNS);
		k->off_median = median_of(k->off, DC_RUNS);
		k->on_median = median_of(k->on, DC_RUNS);
		k->ratio_min = k->ratio_max = k->ratio[0];
		for (int i = 1; i < DC_RUNS; i++) {
			k->ratio_min = k->ratio[i] < k->ratio_min ? k->ratio[i] : k->ratio_min;
			k->ratio_max = k->ratio[i] > k->ratio_max ? k->ratio[i] : k->ratio_max;
		}
	}
	struct dmab_stats st;

	if (dmab_device_stats(dev[1], &st) == 0)
		for (int c = 0; c < DMAB_DEBUG_NCLASS; c++)
			r->reports += st.debug_reports[c];
	return 0;
}

static void json_clock(FILE *f, const char *name, const struct dc_clock *k, bool last)
{
	fprintf(f,
		"      \"%s\": {\"off_ns_median\": %.1f, \"on_ns_median\": %.1f, "
		"\"ratio_median\": %.4f, \"ratio_min\": %.4f, \"ratio_max\": %.4f, "
		"\"ratio_per_run\": [",
		name, k->off_median, k->on_median, k->ratio_median, k->ratio_min, k->ratio_max);
	for (int i = 0; i < DC_RUNS; i++)
		fprintf(f, "%s%.4f", i ? ", " : "", k->ratio[i]);
	fprintf(f, "]}%s\n", last ? "" : ",");
}

static int write_json(const char *path, const struct dc_result *res)
{
	FILE *f = fopen(path, "w");

	if (!f) {
		fprintf(stderr, "dmab-bench: cannot write %s: %s\n", path, strerror(errno));
		return -1;
	}
	fprintf(f, "{\n  \"kind\": \"debug_cost\",\n  \"runs\": %d,\n  \"debug_cost\": {\n",
		DC_RUNS);
	for (size_t i = 0; i < NSHAPES; i++) {
		fprintf(f, "    \"%s\": {\n      \"iterations_per_run\": %ld,\n", shapes[i].key,
			shapes[i].iterations);
		json_clock(f, "wall", &res[i].c[0], false);
		json_clock(f, "cpu", &res[i].c[1], true);
		fprintf(f, "    }%s\n", i + 1 < NSHAPES ? "," : "");
	}
	fprintf(f, "  }\n}\n");
	return fclose(f) ? -1 : 0;
}

int bench_debug_cost(struct bench_env *env, const struct bench_opts *o)
{
	struct dmab_device *dev[2] = {NULL, NULL};
	struct dc_result res[NSHAPES];
	int err = make(&dev[0], 0);

	if (!err)
		err = make(&dev[1], DMAB_DEBUG_CHECK);
	memset(res, 0, sizeof(res));
	for (size_t i = 0; i < NSHAPES && !err; i++)
		err = measure(env, dev, &shapes[i], &res[i]);
	for (int d = 0; d < 2; d++)
		if (dev[d] && dmab_device_destroy(dev[d]))
			fprintf(stderr, "dmab-bench: %s\n", dmab_last_error());
	if (err)
		return 1;
	printf("checker cost: map + unmap, BIDIRECTIONAL, dirty, backend %s; %d runs, devices "
	       "interleaved\n\n",
	       dmab_device_backend(env->dev[VAR_BATCHED]), DC_RUNS);
	printf("%-16s %-5s %12s %12s %10s %16s\n", "shape", "clock", "off ns", "on ns", "on/off",
	       "spread");
	for (size_t i = 0; i < NSHAPES; i++)
		for (int c = 0; c < 2; c++) {
			const struct dc_clock *k = &res[i].c[c];

			printf("%-16s %-5s %12.0f %12.0f %10.3f %7.3f-%-8.3f\n", shapes[i].key,
			       c ? "cpu" : "wall", k->off_median, k->on_median, k->ratio_median,
			       k->ratio_min, k->ratio_max);
		}
	printf("\n(ns: median over runs of each run's median; on/off: median of the runs' "
	       "ratios; spread: their lowest and highest)\n");
	for (size_t i = 0; i < NSHAPES; i++)
		if (res[i].reports) {
			fprintf(stderr, "dmab-bench: the checker reported %llu misuses\n",
				(unsigned long long)res[i].reports);
			return 1;
		}
	if (o->json && write_json(o->json, res))
		return 1;
	return 0;
}
