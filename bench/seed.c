/* SPDX-License-Identifier: MIT */
/*
 * --seed-experiment: the kernel series' setup (seed 000/001): a 10 MiB
 * buffer in 4 KiB sg entries, 200 iterations, one thread pinned to one
 * CPU, map_sg and unmap_sg; here for each direction, with the three
 * variants interleaved. The Dimensity 9500 figures are the seed's words,
 * printed beside ours for comparison, never used in any computation.
 */
#include <stdio.h>

#include "bench.h"

#define SEED_BYTES (10u << 20)
#define SEED_ENTRY 4096u
#define SEED_ITERS 200
/* The seed's "-64.61 %" (reduced by), as time saved: positive = faster. */
#define SEED_MAP_PCT "64.61 %"
#define SEED_UNM_PCT "66.60 %"

/* The seed's figures are means: the "mean" column is the one to set beside them. */
static double mean_reduction(const struct case_result *r, int op)
{
	double b = r->s[VAR_BATCHED][op].mean, p = r->s[VAR_PER_ENTRY][op].mean;

	return p > 0 ? (p - b) / p * 100.0 : 0;
}

static void table(const struct bench_case *cases, const struct case_result *res, int n)
{
	printf("\nmedian ns per call; saved = time saved by batching, %% of per-entry time (of\n"
	       "medians, and of means; positive = batched faster);\n"
	       "lib/raw = batched / raw (medians)\n\n");
	printf("%-9s %-14s %-9s %10s %10s %10s %10s %9s %8s\n", "op", "dir", "cache", "batched",
	       "per-entry", "raw", "saved", "(mean)", "lib/raw");
	for (int op = 0; op < OP_COUNT; op++) {
		for (int i = 0; i < n; i++) {
			const struct case_result *r = &res[i];
			char ratio[48];

			if (r->lines[op])
				snprintf(ratio, sizeof(ratio), "%8.3f", lib_over_raw(r, op));
			else
				snprintf(ratio, sizeof(ratio), "   - (nothing to issue)");
			printf("%-9s %-14s %-9s %10.0f %10.0f %10.0f %8.2f %% %7.2f %% %s\n",
			       bench_op_name(MODE_SG, op), bench_dir_names[cases[i].dir],
			       bench_state_names[cases[i].state], r->s[VAR_BATCHED][op].median,
			       r->s[VAR_PER_ENTRY][op].median, r->s[VAR_RAW][op].median,
			       reduction_pct(r, op), mean_reduction(r, op), ratio);
		}
	}
	printf("\nseed (kernel, arm64, MediaTek Dimensity 9500, 10 MB in 4 KB entries, 200 "
	       "iterations, mean), time saved:\n  dma_map_sg %s, dma_unmap_sg %s\n",
	       SEED_MAP_PCT, SEED_UNM_PCT);
}

int seed_measure(struct bench_env *env, const struct bench_opts *o, struct bench_case cases[3],
		 struct case_result res[3])
{
	/* The kernel's numbering order. */
	static const enum dmab_dir dirs[3] = {DMAB_BIDIRECTIONAL, DMAB_TO_DEVICE, DMAB_FROM_DEVICE};
	static char labels[3][64];

	for (int i = 0; i < 3; i++) {
		snprintf(labels[i], sizeof(labels[i]), "seed experiment, %s (%d/3)",
			 bench_dir_names[dirs[i]], i + 1);
		cases[i] = (struct bench_case){
		    .mode = MODE_SG,
		    .dir = dirs[i],
		    .state = bench_state_for(o->state, dirs[i]),
		    .entries = SEED_BYTES / SEED_ENTRY,
		    .entry_size = SEED_ENTRY,
		    .iterations = o->iterations ? o->iterations : SEED_ITERS,
		    .warmup = o->warmup,
		    .xdelay_ns = o->xdelay_ns,
		    .threads = 1,
		    .max_samples = o->max_samples,
		    .drain = !o->no_drain,
		    .label = labels[i],
		};
		if (bench_run_case(env, &cases[i], &res[i]))
			return -1;
	}
	return 0;
}

bool seed_print(const struct bench_env *env, const struct bench_case cases[3],
		const struct case_result res[3])
{
	bool mismatch = false;

	printf("seed experiment: 10 MiB in %d x 4 KiB entries, %ld iterations (+%ld warm-up, not "
	       "measured) per direction, 1 thread\n",
	       cases[0].entries, cases[0].iterations, cases[0].warmup);
	report_header(env);
	table(cases, res, 3);
	for (int i = 0; i < 3; i++)
		mismatch |= res[i].mismatch;
	if (mismatch)
		printf("WARNING: the library's counters do not match the raw loop (see stderr)\n");
	return mismatch;
}

int bench_seed(struct bench_env *env, const struct bench_opts *o)
{
	struct bench_case cases[3];
	struct case_result res[3];

	if (seed_measure(env, o, cases, res))
		return 1;
	bool mismatch = seed_print(env, cases, res);

	if (o->json && report_json(o->json, env, o, "seed-experiment", cases, res, 3))
		return 1;
	return mismatch ? 3 : 0;
}
