/* SPDX-License-Identifier: MIT */
/*
 * dmab-bench: the kernel's dma_map_benchmark for libdmabatch, with the
 * library batched, the library per-entry and a raw loop measured in the same
 * run. See bench/README.md.
 */
#include <stdio.h>

#include "bench.h"

static int run(struct bench_env *env, const struct bench_opts *o)
{
	struct bench_case c = {
	    .mode = o->mode,
	    .dir = (enum dmab_dir)o->dir,
	    .state = bench_state_for(o->state, (enum dmab_dir)o->dir),
	    .entries = o->granule,
	    .entry_size = o->entry_size,
	    .iterations = o->iterations,
	    .seconds = o->seconds,
	    .warmup = o->warmup,
	    .xdelay_ns = o->xdelay_ns,
	    .threads = o->threads,
	    .max_samples = o->max_samples,
	    .drain = !o->no_drain,
	    .label = "measuring",
	    .stride = o->mode == MODE_SG && o->layout == LAYOUT_PAGES
			  ? bench_pages_stride(o->entry_size)
			  : 0,
	};
	struct case_result r;
	int err;

	if (bench_span(&c) > ((size_t)1 << 34)) {
		fprintf(stderr, "dmab-bench: %d x %zu bytes is more than 16 GiB per thread\n",
			o->granule, o->entry_size);
		return 2;
	}
	if (o->threads > env->ncpus)
		fprintf(stderr, "dmab-bench: note: %d threads on %d CPUs: some share a CPU\n",
			o->threads, env->ncpus);
	err = bench_run_case(env, &c, &r);
	if (err)
		return 1;
	report_robust(&c, &r);
	report_kernel(o, &c, &r);
	report_extended(env, &c, &r);
	if (o->json && report_json(o->json, env, o, "run", &c, &r, 1))
		return 1;
	return r.mismatch ? 3 : 0;
}

int main(int argc, char **argv)
{
	struct bench_opts o;
	struct bench_env env;
	int ret = bench_parse(argc, argv, &o);

	if (ret)
		return ret == 1 ? 0 : ret;
	if (bench_env_init(&env, &o))
		return 1;
	if (o.seed)
		ret = bench_seed(&env, &o);
	else if (o.sweep)
		ret = bench_sweep(&env, &o);
	else if (o.iommu)
		ret = bench_iommu(&env, &o);
	else if (o.goals)
		ret = bench_goals(&env, &o);
	else if (o.debug_cost)
		ret = bench_debug_cost(&env, &o);
	else if (o.scaling)
		ret = bench_scaling(&env, &o);
	else
		ret = run(&env, &o);
	bench_env_fini(&env);
	return ret;
}
