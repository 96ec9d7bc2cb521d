/* SPDX-License-Identifier: MIT */
/*
 * Output: the robust figures first (medians with p10 and p90), then the
 * kernel tool's three lines, our nanosecond table, and JSON. The kernel
 * lines carry the library batched (the library as it is meant to be used),
 * as means in microseconds with one decimal as the kernel prints them: one
 * preemption moves a mean, so they are kept for compatibility, not to be
 * read first. Our figures come from the same samples, unrounded.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "bench.h"

void bench_cpu_model(char *buf, size_t len)
{
	FILE *f = fopen("/proc/cpuinfo", "r");
	char line[512];

	snprintf(buf, len, "unknown");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char *colon = strchr(line, ':');

		if (strncmp(line, "model name", 10) || !colon)
			continue;
		colon += 1 + (colon[1] == ' ');
		colon[strcspn(colon, "\n")] = '\0';
		snprintf(buf, len, "%s", colon);
		break;
	}
	fclose(f);
}

void report_header(const struct bench_env *env)
{
	char model[128];

	bench_cpu_model(model, sizeof(model));
	printf("libdmabatch %s, backend %s: clean %s, invalidate %s, barrier %s, %zu-byte lines\n",
	       dmab_version(), env->raw.arch, env->raw.clean_insn, env->raw.inval_insn,
	       env->raw.barrier, env->raw.line);
	printf("cpu: %s, %ld online; first thread pinned to CPU %d\n", model,
	       sysconf(_SC_NPROCESSORS_ONLN), env->cpus[0]);
	printf("clock: CLOCK_MONOTONIC, a read costs ~%llu ns, smallest step %llu ns\n",
	       (unsigned long long)env->clock_cost_ns, (unsigned long long)env->clock_step_ns);
}

/* Beyond this p90/p10 of the calibration, the CPU's speed moved during a
 * case (this machine's vCPUs switch between two speeds ~1.6x apart). */
#define CAL_STEADY 1.15

void report_cal(const char *what, const struct case_result *r)
{
	double sp = cal_spread(r);

	printf("speed check, %s: calibration loop median %.0f ns, p10-p90 %llu-%llu ns "
	       "(x%.2f)%s\n",
	       what, r->cal.median, (unsigned long long)r->cal.p10, (unsigned long long)r->cal.p90,
	       sp, sp > CAL_STEADY ? ": the CPU's speed changed during this case" : ", steady");
}

void report_robust(const struct bench_case *c, const struct case_result *r)
{
	for (int op = 0; op < OP_COUNT; op++) {
		const struct summary *s = &r->s[VAR_BATCHED][op];

		printf(
		    "median %s latency(ns):%.0f p10:%llu p90:%llu (library batched, %zu samples)\n",
		    op == OP_MAP ? "map" : "unmap", s->median, (unsigned long long)s->p10,
		    (unsigned long long)s->p90, s->n);
	}
	(void)c;
}

void report_kernel(const struct bench_opts *o, const struct bench_case *c,
		   const struct case_result *r)
{
	const struct summary *m = &r->s[VAR_BATCHED][OP_MAP], *u = &r->s[VAR_BATCHED][OP_UNMAP];
	/* With -i, or a run cut short by --max-samples, "seconds" is the time
	 * the run took, rounded up: never a figure the run did not have. */
	int seconds = (int)ceil(c->iterations || r->capped ? r->seconds : c->seconds);

	printf("dma mapping benchmark(%s): threads:%d seconds:%d node:%d dir:%s granule:%d\n",
	       c->mode == MODE_SG ? "SG_MODE" : "SINGLE_MODE", c->threads, seconds, o->node,
	       bench_dir_names[c->dir], c->entries);
	printf("average map latency(us):%.1f standard deviation:%.1f\n", m->mean / 1000.0,
	       m->sd / 1000.0);
	printf("average unmap latency(us):%.1f standard deviation:%.1f\n", u->mean / 1000.0,
	       u->sd / 1000.0);
}

static void size_str(char *buf, size_t len, size_t bytes)
{
	if (bytes >= (1u << 20) && bytes % (1u << 20) == 0)
		snprintf(buf, len, "%zu MiB", bytes >> 20);
	else if (bytes >= 1024 && bytes % 1024 == 0)
		snprintf(buf, len, "%zu KiB", bytes >> 10);
	else
		snprintf(buf, len, "%zu B", bytes);
}

void report_extended(const struct bench_env *env, const struct bench_case *c,
		     const struct case_result *r)
{
	char each[32], total[32];

	size_str(each, sizeof(each), c->entry_size);
	size_str(total, sizeof(total), (size_t)c->entries * c->entry_size);
	printf("\n");
	report_header(env);
	printf("case: %d x %s = %s, dir %s, cache %s before each map, %d thread(s)\n", c->entries,
	       each, total, bench_dir_names[c->dir], bench_state_names[c->state], c->threads);
	if (c->mode == MODE_SG)
		printf("layout: %s; DMA mask %d bits\n",
		       c->stride ? "pages (each entry on pages of its own, a page apart)"
				 : "packed (entries end to end)",
		       env->bits);
	printf("run: %ld iterations per thread (+%ld warm-up, not measured) in %.1f s%s; variants "
	       "interleaved round-robin\n",
	       r->iterations, c->warmup, r->seconds,
	       r->capped ? " (stopped early: --max-samples reached)" : "");
	report_cal("this case", r);
	printf("the median and kernel-format lines above are the library batched\n\n");
	printf("%-13s %-10s %9s %11s %11s %11s %11s %11s %10s %11s  (ns)\n", "op", "variant",
	       "samples", "median", "p10", "p90", "min", "max", "mean", "sd");
	for (int op = 0; op < OP_COUNT; op++) {
		for (int v = 0; v < VAR_COUNT; v++) {
			const struct summary *s = &r->s[v][op];

			printf(
			    "%-13s %-10s %9zu %11.1f %11llu %11llu %11llu %11llu %10.1f %11.1f\n",
			    bench_op_name(c->mode, op), bench_var_names[v], s->n, s->median,
			    (unsigned long long)s->p10, (unsigned long long)s->p90,
			    (unsigned long long)s->min, (unsigned long long)s->max, s->mean, s->sd);
		}
	}
	printf("\n");
	for (int op = 0; op < OP_COUNT; op++) {
		double b = r->s[VAR_BATCHED][op].median;

		printf("%-13s time saved by batching %+7.2f %% (positive = faster)   ",
		       bench_op_name(c->mode, op), reduction_pct(r, op));
		/* With nothing to issue the raw loop is an empty clock read: no floor. */
		if (r->lines[op])
			printf("batched/raw %.3f (%+.0f ns)\n", lib_over_raw(r, op),
			       b - r->s[VAR_RAW][op].median);
		else
			printf("batched/raw -: nothing to issue (library: %.0f ns doing nothing)\n",
			       b);
	}
	for (int op = 0; op < OP_COUNT; op++)
		printf("%-13s per call: lines batched %llu, per_entry %llu, raw %llu; barriers "
		       "batched %llu, per_entry %llu, raw %llu\n",
		       bench_op_name(c->mode, op),
		       (unsigned long long)r->lib_lines[VAR_BATCHED][op],
		       (unsigned long long)r->lib_lines[VAR_PER_ENTRY][op],
		       (unsigned long long)r->lines[op],
		       (unsigned long long)r->barriers[VAR_BATCHED][op],
		       (unsigned long long)r->barriers[VAR_PER_ENTRY][op],
		       (unsigned long long)r->raw_barriers[op]);
	printf("%s\n", r->mismatch ? "WARNING: the library's counters do not match the raw loop"
				   : "(the library's own counters; they match the raw loop)");
}

static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(f, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			fprintf(f, "\\u%04x", *s);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}

static void json_summary(FILE *f, const struct summary *s)
{
	fprintf(f,
		"{\"samples\": %zu, \"median_ns\": %.1f, \"p10_ns\": %llu, \"p90_ns\": %llu, "
		"\"mean_ns\": %.1f, "
		"\"sd_ns\": %.1f, \"trimmed_mean_ns\": %.1f, \"min_ns\": %llu, \"max_ns\": %llu}",
		s->n, s->median, (unsigned long long)s->p10, (unsigned long long)s->p90, s->mean,
		s->sd, s->tmean, (unsigned long long)s->min, (unsigned long long)s->max);
}

static void json_case_op(FILE *f, const struct bench_case *c, const struct case_result *r, int op)
{
	fprintf(f, "{\n        \"state\": \"%s\", \"entries\": %d, \"entry_size\": %zu, ",
		op == OP_UNMAP ? bench_unmap_state(c) : bench_state_names[c->state], c->entries,
		c->entry_size);
	fprintf(f, "\"iterations\": %ld, \"warmup\": %ld, \"threads\": %d, \"capped\": %s,\n",
		r->iterations, c->warmup, c->threads, r->capped ? "true" : "false");
	for (int v = 0; v < VAR_COUNT; v++) {
		fprintf(f, "        \"%s\": ", bench_var_names[v]);
		json_summary(f, &r->s[v][op]);
		fprintf(f, ",\n");
	}
	fprintf(f, "        \"reduction_pct\": %.2f, \"lib_over_raw\": ", reduction_pct(r, op));
	if (r->lines[op])
		fprintf(f, "%.4f, \"lib_over_raw_p10\": %.4f, \"lib_over_raw_p90\": %.4f,\n",
			lib_over_raw(r, op), r->ratio_p10[op], r->ratio_p90[op]);
	else /* nothing issued: no floor to divide by */
		fprintf(f, "null, \"lib_over_raw_p10\": null, \"lib_over_raw_p90\": null,\n");
	fprintf(f,
		"        \"calibration_ns\": {\"median\": %.0f, \"p10\": %llu, \"p90\": %llu}, "
		"\"speed_spread\": %.3f,\n",
		r->cal.median, (unsigned long long)r->cal.p10, (unsigned long long)r->cal.p90,
		cal_spread(r));
	fprintf(f,
		"        \"lines_per_call\": {\"batched\": %llu, \"per_entry\": %llu, \"raw\": "
		"%llu},\n        \"barriers_per_call\": {\"batched\": %llu, \"per_entry\": %llu, "
		"\"raw\": %llu}, \"check_ok\": %s\n      }",
		(unsigned long long)r->lib_lines[VAR_BATCHED][op],
		(unsigned long long)r->lib_lines[VAR_PER_ENTRY][op],
		(unsigned long long)r->lines[op], (unsigned long long)r->barriers[VAR_BATCHED][op],
		(unsigned long long)r->barriers[VAR_PER_ENTRY][op],
		(unsigned long long)r->raw_barriers[op], r->mismatch ? "false" : "true");
}

/* One set of cases as {op: {key: case}}: the key is the direction, with
 * "_redirtied" for a case whose unmap meets dirty lines. */
static void json_results(FILE *f, const struct bench_case *cases, const struct case_result *res,
			 int n, const char *indent)
{
	fprintf(f, "{");
	for (int op = 0; op < OP_COUNT; op++) {
		fprintf(f, "%s\n%s  \"%s\": {", op ? "," : "", indent,
			bench_op_name(cases[0].mode, op));
		for (int i = 0; i < n; i++) {
			fprintf(f, "%s\n%s    \"%s%s\": ", i ? "," : "", indent,
				bench_dir_names[cases[i].dir],
				cases[i].redirty ? "_redirtied" : "");
			json_case_op(f, &cases[i], &res[i], op);
		}
		fprintf(f, "\n%s  }", indent);
	}
	fprintf(f, "\n%s}", indent);
}

int report_json(const char *path, const struct bench_env *env, const struct bench_opts *o,
		const char *kind, const struct bench_case *cases, const struct case_result *res,
		int n)
{
	return report_json_sets(path, env, o, kind, cases, res, &n, 1);
}

int report_json_sets(const char *path, const struct bench_env *env, const struct bench_opts *o,
		     const char *kind, const struct bench_case *cases,
		     const struct case_result *res, const int *n, int nsets)
{
	FILE *f = fopen(path, "w");
	char model[128];
	struct utsname u;

	if (!f) {
		fprintf(stderr, "dmab-bench: cannot write %s: %s\n", path, strerror(errno));
		return -errno;
	}
	bench_cpu_model(model, sizeof(model));
	if (uname(&u))
		memset(&u, 0, sizeof(u));
	fprintf(f, "{\n  \"schema\": \"dmab-bench/1\",\n  \"kind\": \"%s\",\n", kind);
	fprintf(f,
		"  \"library_version\": \"%s\",\n  \"machine\": {\"cpu_model\": ", dmab_version());
	json_str(f, model);
	fprintf(f, ", \"cpus_online\": %ld, \"kernel\": ", sysconf(_SC_NPROCESSORS_ONLN));
	json_str(f, u.release);
	fprintf(f,
		", \"backend\": \"%s\", \"line_size\": %zu, \"clean_insn\": \"%s\", "
		"\"inval_insn\": \"%s\", \"barrier\": \"%s\"},\n",
		env->raw.arch, env->raw.line, env->raw.clean_insn, env->raw.inval_insn,
		env->raw.barrier);
	fprintf(f,
		"  \"config\": {\"first_cpu\": %d, \"node\": %d, \"dma_bits\": %d, \"sg_layout\": "
		"\"%s\", \"xdelay_ns\": %d, \"drain\": %s, \"clock\": \"CLOCK_MONOTONIC\", "
		"\"clock_cost_ns\": %llu, "
		"\"clock_step_ns\": %llu, \"order\": \"round-robin, rotated each iteration\"},\n",
		env->cpus[0], o->node, o->bits, o->layout == LAYOUT_PAGES ? "pages" : "packed",
		o->xdelay_ns, o->no_drain ? "false" : "true",
		(unsigned long long)env->clock_cost_ns, (unsigned long long)env->clock_step_ns);
	fprintf(f, "  \"results\": ");
	json_results(f, cases, res, n[0], "  ");
	if (nsets > 1) {
		/* The same list length in smaller entries (--seed-experiment). */
		fprintf(f, ",\n  \"results_by_entry_size\": {");
		for (int k = 1, at = n[0]; k < nsets; at += n[k], k++) {
			fprintf(f, "%s\n    \"%zu\": ", k > 1 ? "," : "", cases[at].entry_size);
			json_results(f, cases + at, res + at, n[k], "    ");
		}
		fprintf(f, "\n  }");
	}
	fprintf(f, "\n}\n");
	if (fclose(f)) {
		fprintf(stderr, "dmab-bench: cannot write %s: %s\n", path, strerror(errno));
		return -EIO;
	}
	return 0;
}
