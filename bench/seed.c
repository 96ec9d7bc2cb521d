/* SPDX-License-Identifier: MIT */
/*
 * --seed-experiment: the kernel series' setup (seed 000/001): a 10 MiB
 * buffer in 4 KiB sg entries, 200 iterations, one thread pinned to one
 * CPU, map_sg and unmap_sg; here for each direction, with the three
 * variants interleaved, plus an unmap that meets dirty lines (the buffer
 * written again after the map: otherwise an unmap meets what the map's
 * clean left), and the same 10 MiB in 1 KiB and 512-byte entries, where
 * the library's bookkeeping per entry weighs most. The Dimensity 9500
 * figures are the seed's words, printed beside ours for comparison, never
 * used in any computation.
 */
#include <stdio.h>
#include <string.h>

#include "bench.h"

#define SEED_BYTES (10u << 20)
#define SEED_ITERS 200
/* The seed's "-64.61 %" (reduced by), as time saved: positive = faster. */
#define SEED_MAP_PCT "64.61 %"
#define SEED_UNM_PCT "66.60 %"

static const size_t seed_entry[SEED_SETS] = {4096, 1024, 512};

/* The seed's figures are means: the "mean" column is the one to set beside them. */
static double mean_reduction(const struct case_result *r, int op)
{
	double b = r->s[VAR_BATCHED][op].mean, p = r->s[VAR_PER_ENTRY][op].mean;

	return p > 0 ? (p - b) / p * 100.0 : 0;
}

static void table(const struct seed_set *set)
{
	printf("\n10 MiB in %d x %zu B entries: median ns per call; saved = time saved by "
	       "batching,\n%% of per-entry time (of medians, and of means; positive = batched "
	       "faster);\nlib/raw = batched / raw (medians), and the p10-p90 of each iteration's "
	       "own ratio;\ncache = what the caches hold of the buffer when the call starts\n\n",
	       set->cases[0].entries, set->entry);
	printf("%-9s %-14s %-12s %10s %10s %10s %10s %9s  %s\n", "op", "dir", "cache", "batched",
	       "per-entry", "raw", "saved", "(mean)", "lib/raw (p10-p90)");
	for (int op = 0; op < OP_COUNT; op++) {
		for (int i = 0; i < set->n; i++) {
			const struct bench_case *c = &set->cases[i];
			const struct case_result *r = &set->res[i];
			char ratio[64];

			if (c->redirty && op == OP_MAP)
				continue; /* the first case's map again */
			if (r->lines[op])
				ratio_str(ratio, sizeof(ratio), r, (enum bench_op)op);
			else
				snprintf(ratio, sizeof(ratio), "- (nothing to issue)");
			printf("%-9s %-14s %-12s %10.0f %10.0f %10.0f %8.2f %% %7.2f %%  %s\n",
			       bench_op_name(MODE_SG, op), bench_dir_names[c->dir],
			       op == OP_UNMAP ? bench_unmap_state(c) : bench_state_names[c->state],
			       r->s[VAR_BATCHED][op].median, r->s[VAR_PER_ENTRY][op].median,
			       r->s[VAR_RAW][op].median, reduction_pct(r, op),
			       mean_reduction(r, op), ratio);
		}
	}
	for (int i = 0; i < set->n; i++)
		report_cal(set->cases[i].label, &set->res[i]);
}

int seed_measure(struct bench_env *env, const struct bench_opts *o, struct seed_set sets[SEED_SETS])
{
	/* The kernel's numbering order. */
	static const enum dmab_dir dirs[4] = {DMAB_BIDIRECTIONAL, DMAB_TO_DEVICE, DMAB_FROM_DEVICE,
					      DMAB_BIDIRECTIONAL};

	for (int k = 0; k < SEED_SETS; k++) {
		struct seed_set *set = &sets[k];

		set->entry = seed_entry[k];
		set->n = k == 0 ? 4 : 3; /* the dirty unmap: 4 KiB entries only */
		for (int i = 0; i < set->n; i++) {
			bool redirty = i == 3;

			snprintf(set->labels[i], sizeof(set->labels[i]),
				 "%zu B entries, %s%s (%d/%d)", set->entry,
				 bench_dir_names[dirs[i]], redirty ? ", unmap dirty" : "", i + 1,
				 set->n);
			set->cases[i] = (struct bench_case){
			    .mode = MODE_SG,
			    .dir = dirs[i],
			    .state = redirty ? STATE_DIRTY : bench_state_for(o->state, dirs[i]),
			    .entries = (int)(SEED_BYTES / set->entry),
			    .entry_size = set->entry,
			    .iterations = o->iterations ? o->iterations : SEED_ITERS,
			    .warmup = o->warmup,
			    .xdelay_ns = o->xdelay_ns,
			    .threads = 1,
			    .max_samples = o->max_samples,
			    .drain = !o->no_drain,
			    .label = set->labels[i],
			    .redirty = redirty,
			};
			if (bench_run_case(env, &set->cases[i], &set->res[i]))
				return -1;
		}
	}
	return 0;
}

bool seed_print(const struct bench_env *env, const struct seed_set sets[SEED_SETS])
{
	bool mismatch = false;

	printf("seed experiment: 10 MiB in %d x 4 KiB entries (and in 1 KiB and 512 B entries), "
	       "%ld iterations (+%ld warm-up, not measured) per case, 1 thread\n",
	       sets[0].cases[0].entries, sets[0].cases[0].iterations, sets[0].cases[0].warmup);
	report_header(env);
	for (int k = 0; k < SEED_SETS; k++) {
		table(&sets[k]);
		for (int i = 0; i < sets[k].n; i++)
			mismatch |= sets[k].res[i].mismatch;
	}
	printf("\nseed (kernel, arm64, MediaTek Dimensity 9500, 10 MB in 4 KB entries, 200 "
	       "iterations, mean), time saved:\n  dma_map_sg %s, dma_unmap_sg %s\n",
	       SEED_MAP_PCT, SEED_UNM_PCT);
	if (mismatch)
		printf("WARNING: the library's counters do not match the raw loop (see stderr)\n");
	return mismatch;
}

int bench_seed(struct bench_env *env, const struct bench_opts *o)
{
	static struct seed_set sets[SEED_SETS];
	static struct bench_case cases[SEED_SETS * SEED_MAX_CASES];
	static struct case_result res[SEED_SETS * SEED_MAX_CASES];
	int n[SEED_SETS], at = 0;

	if (seed_measure(env, o, sets))
		return 1;
	bool mismatch = seed_print(env, sets);

	for (int k = 0; k < SEED_SETS; k++) {
		n[k] = sets[k].n;
		memcpy(&cases[at], sets[k].cases, (size_t)n[k] * sizeof(cases[0]));
		memcpy(&res[at], sets[k].res, (size_t)n[k] * sizeof(res[0]));
		at += n[k];
	}
	if (o->json &&
	    report_json_sets(o->json, env, o, "seed-experiment", cases, res, n, SEED_SETS))
		return 1;
	return mismatch ? 3 : 0;
}
