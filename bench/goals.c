/* SPDX-License-Identifier: MIT */
/*
 * --goals: the project's performance goals (issue 5), each measured here
 * and now, and a verdict. The thresholds are the goals' own words; no
 * figure is carried over from an earlier run.
 *
 * Two goals sit below this kind of machine's clock step (a VM's TSC may
 * tick by 10 ns): 2 % of a ~300 ns call, and 15 ns. A median of such
 * samples moves in whole steps. A plain mean resolves finer, but one
 * preemption of 2 ms moves the mean of 200000 samples by 10 ns. So those
 * two goals are judged on the median and on the 1 % trimmed mean (the
 * mean of the samples from p1 to p99; the plain mean is printed beside);
 * where the two disagree the verdict says so instead of picking one.
 */
#include <stdio.h>

#include "bench.h"

#define GOAL_MAP_PCT   45.0 /* dirty TO_DEVICE map_sg, batched vs per-entry */
#define GOAL_UNMAP_PCT 55.0 /* clean FROM_DEVICE unmap_sg */
#define GOAL_LIB_RAW   1.03 /* library batched / raw loop */
#define GOAL_ONE_PCT   2.0  /* one-entry list: batched over per-entry */
#define GOAL_SINGLE_NS 15.0 /* map_single 4 KiB: library minus raw */
#define SMALL_ITERS    200000
#define SMALL_WARMUP   1000

static const char *verdict(bool median_ok, bool mean_ok)
{
	if (median_ok && mean_ok)
		return "met";
	if (!median_ok && !mean_ok)
		return "MISSED";
	return median_ok ? "unclear (median met, trimmed mean missed)"
			 : "unclear (trimmed mean met, median missed)";
}

static int small_case(struct bench_env *env, const struct bench_opts *o, enum bench_mode mode,
		      enum dmab_dir dir, const char *label, struct bench_case *c,
		      struct case_result *r)
{
	*c = (struct bench_case){
	    .mode = mode,
	    .dir = dir,
	    .state = STATE_DIRTY,
	    .entries = 1,
	    .entry_size = 4096,
	    .iterations = SMALL_ITERS,
	    .warmup = o->warmup_given ? o->warmup : SMALL_WARMUP,
	    .xdelay_ns = o->xdelay_ns,
	    .threads = 1,
	    .max_samples = SMALL_ITERS,
	    .drain = !o->no_drain,
	    .label = label,
	};
	return bench_run_case(env, c, r);
}

static const struct case_result *seed_row(const struct bench_case *cases,
					  const struct case_result *res, enum dmab_dir dir)
{
	for (int i = 0; i < 3; i++)
		if (cases[i].dir == dir)
			return &res[i];
	return &res[0];
}

int bench_goals(struct bench_env *env, const struct bench_opts *o)
{
	struct bench_case cases[3], one, single;
	struct case_result res[3], r1, rs;
	int missed = 0;

	if (seed_measure(env, o, cases, res) ||
	    small_case(env, o, MODE_SG, DMAB_BIDIRECTIONAL, "one-entry list", &one, &r1) ||
	    small_case(env, o, MODE_SINGLE, DMAB_TO_DEVICE, "map_single 4 KiB", &single, &rs))
		return 1;
	bool mismatch = seed_print(env, cases, res) | r1.mismatch | rs.mismatch;

	printf("\ngoals (issue 5), measured now:\n\n");
	const struct case_result *to = seed_row(cases, res, DMAB_TO_DEVICE);
	const struct case_result *from = seed_row(cases, res, DMAB_FROM_DEVICE);
	double red = reduction_pct(to, OP_MAP);
	const char *v = red >= GOAL_MAP_PCT ? "met" : "MISSED";

	missed += red < GOAL_MAP_PCT;
	printf("%-56s %8.2f %%  target >= %.0f %%  %s\n",
	       "dirty TO_DEVICE map_sg, 10 MiB/4 KiB, batched less time", red, GOAL_MAP_PCT, v);
	red = reduction_pct(from, OP_UNMAP);
	v = red >= GOAL_UNMAP_PCT ? "met" : "MISSED";
	missed += red < GOAL_UNMAP_PCT;
	printf("%-56s %8.2f %%  target >= %.0f %%  %s\n",
	       "clean FROM_DEVICE unmap_sg, 10 MiB/4 KiB, batched less", red, GOAL_UNMAP_PCT, v);

	for (int op = 0; op < OP_COUNT; op++) {
		for (int i = 0; i < 3; i++) {
			char what[80];
			double ratio = lib_over_raw(&res[i], op);

			if (!res[i].lines[op])
				continue; /* nothing issued: no floor to compare with */
			snprintf(what, sizeof(what), "library/raw, %s %s %s",
				 bench_op_name(MODE_SG, op), bench_dir_names[cases[i].dir],
				 bench_state_names[cases[i].state]);
			missed += ratio > GOAL_LIB_RAW;
			printf("%-56s %10.3f  target <= %.2f   %s\n", what, ratio, GOAL_LIB_RAW,
			       ratio <= GOAL_LIB_RAW ? "met" : "MISSED");
		}
	}

	for (int op = 0; op < OP_COUNT; op++) {
		const struct summary *b = &r1.s[VAR_BATCHED][op], *p = &r1.s[VAR_PER_ENTRY][op];
		double med = (b->median / p->median - 1) * 100;
		double tm = (b->tmean / p->tmean - 1) * 100, mean = (b->mean / p->mean - 1) * 100;
		char what[80];

		snprintf(what, sizeof(what), "one-entry %s 4 KiB BIDIR dirty, batched/per-entry",
			 bench_op_name(MODE_SG, op));
		v = verdict(med <= GOAL_ONE_PCT, tm <= GOAL_ONE_PCT);
		missed += med > GOAL_ONE_PCT || tm > GOAL_ONE_PCT;
		printf("%-56s %+7.2f %% median, %+.2f %% trimmed mean (%+.2f %% mean)  target <= "
		       "+%.0f "
		       "%%  %s\n",
		       what, med, tm, mean, GOAL_ONE_PCT, v);
	}
	{
		const struct summary *b = &rs.s[VAR_BATCHED][OP_MAP], *raw = &rs.s[VAR_RAW][OP_MAP];
		double med = b->median - raw->median, tm = b->tmean - raw->tmean;
		double mean = b->mean - raw->mean;

		v = verdict(med <= GOAL_SINGLE_NS, tm <= GOAL_SINGLE_NS);
		missed += med > GOAL_SINGLE_NS || tm > GOAL_SINGLE_NS;
		printf("%-56s %+7.1f ns median, %+.1f ns trimmed mean (%+.1f ns mean)  target <= "
		       "+%.0f "
		       "ns  %s\n",
		       "map_single 4 KiB TO_DEVICE dirty, library over raw", med, tm, mean,
		       GOAL_SINGLE_NS, v);
		printf("  (map_single medians: library %.0f ns, raw %.0f ns; clock step %llu ns; "
		       "%zu samples each)\n",
		       b->median, raw->median, (unsigned long long)env->clock_step_ns, b->n);
	}
	printf("\n%d goal line(s) missed or unclear%s\n", missed,
	       mismatch ? "; WARNING: library and raw loop counters differ" : "");
	return mismatch ? 3 : 0;
}
