/* SPDX-License-Identifier: MIT */
/*
 * One case, measured: a thread per -t, each pinned to its own CPU, with its
 * own buffer (touched first on that CPU, so it sits on that CPU's node), all
 * starting together. Each iteration runs every variant once, in an order
 * that rotates by one each iteration, so every variant is first, second
 * and third equally often; before each variant's map the buffer is put in
 * the case's cache state, untimed. A sample is one call, timed with
 * CLOCK_MONOTONIC around it and, unless --no-drain, raw_drain() before the
 * clock stops, so every variant is timed until its maintenance has really
 * finished (raw.h says why x86 needs that). The clock's own cost is in
 * every variant alike: it cancels out of differences, not out of ratios,
 * which is why small cases are also compared in nanoseconds.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

struct worker {
	pthread_t tid;
	int index, cpu;
	struct bench_env *env;
	const struct bench_case *c;
	pthread_barrier_t *start;
	struct case_result *r; /* worker 0 fills the check */
	struct progress *prog;
	atomic_int *abort; /* set by the first thread that fails: all stop */
	struct samples s[VAR_COUNT][OP_COUNT];
	struct samples cal; /* the calibration loop, once per iteration */
	long iterations;
	double seconds;
	bool capped;
	int err;
	char msg[300];
};

static int fail(struct worker *w, int err, const char *what)
{
	w->err = err;
	atomic_store(w->abort, 1);
	snprintf(w->msg, sizeof(w->msg), "thread %d (CPU %d): %s: %s%s%s", w->index, w->cpu, what,
		 dmab_strerror(err), *dmab_last_error() ? ": " : "", dmab_last_error());
	return err;
}

/* A failure of the system, not of the library: no dmab_last_error(). */
static int fail_sys(struct worker *w, int err, const char *what)
{
	w->err = err;
	atomic_store(w->abort, 1);
	snprintf(w->msg, sizeof(w->msg), "thread %d (CPU %d): %s: %s", w->index, w->cpu, what,
		 strerror(-err));
	return err;
}

static void stats_of(struct dmab_device *dev, struct dmab_stats *s)
{
	if (dmab_device_stats(dev, s))
		memset(s, 0, sizeof(*s));
}

/*
 * Before anything is timed: one map and one unmap through each library
 * variant, with the library's own counters read around them, compared with
 * what the raw loop issues (batched: the same lines, one barrier) and with
 * what a barrier per entry implies (per-entry: each entry's own lines, so a
 * line two entries share twice; a barrier per entry). If they differ, the
 * raw loop is not the floor of the same work and the comparison misleads.
 */
static int check(struct worker *w, struct work *wk)
{
	struct case_result *r = w->r;
	const struct bench_case *c = w->c;
	uint64_t entries = c->mode == MODE_SG ? (uint64_t)c->entries : 1;

	for (int op = 0; op < OP_COUNT; op++)
		raw_expect(wk, op, &r->lines[op], &r->raw_barriers[op]);
	r->mismatch = false;
	for (int v = VAR_BATCHED; v <= VAR_PER_ENTRY; v++) {
		struct dmab_stats a, b, d;
		int err;

		stats_of(w->env->dev[v], &a);
		err = variant_map(wk, v);
		if (err)
			return fail(w, err, "map");
		stats_of(w->env->dev[v], &b);
		err = variant_unmap(wk, v);
		if (err)
			return fail(w, err, "unmap");
		stats_of(w->env->dev[v], &d);
		r->lib_lines[v][OP_MAP] = b.lines_cleaned - a.lines_cleaned;
		r->barriers[v][OP_MAP] = b.completions - a.completions;
		r->lib_lines[v][OP_UNMAP] = d.lines_invalidated + d.lines_clean_invalidated -
					    b.lines_invalidated - b.lines_clean_invalidated;
		r->barriers[v][OP_UNMAP] = d.completions - b.completions;
		for (int op = 0; op < OP_COUNT; op++) {
			bool batched = v == VAR_BATCHED;
			uint64_t lines = batched ? r->lines[op] : entry_lines(wk, op);
			uint64_t barriers = r->raw_barriers[op] * (batched ? 1 : entries);

			if (r->lib_lines[v][op] == lines && r->barriers[v][op] == barriers)
				continue;
			fprintf(stderr,
				"dmab-bench: WARNING: %s %s issued %llu lines and %llu barriers; "
				"expected %llu and %llu: lib/raw is not meaningful\n",
				bench_var_names[v], bench_op_name(c->mode, op),
				(unsigned long long)r->lib_lines[v][op],
				(unsigned long long)r->barriers[v][op], (unsigned long long)lines,
				(unsigned long long)barriers);
			r->mismatch = true;
		}
	}
	return 0;
}

static void spin_ns(uint64_t from, int ns)
{
	while (now_ns() - from < (uint64_t)ns)
		;
}

/*
 * A fixed chain of dependent multiply-adds, a few hundred ns: it does the
 * same work every time, so its time moves only with the CPU's speed (or a
 * preemption). Timed once per iteration, beside the samples.
 */
uint64_t calibrate(void)
{
	uint64_t x = 1, t0 = now_ns();

	for (int i = 0; i < 256; i++) {
		x = x * 6364136223846793005u + 1442695040888963407u;
		__asm__ volatile("" : "+r"(x));
	}
	return now_ns() - t0;
}

static int one_iteration(struct worker *w, struct work *wk, long it, bool measured)
{
	const struct bench_case *c = w->c;
	uint64_t cal = calibrate();

	if (measured && samples_push(&w->cal, cal))
		return fail_sys(w, -ENOMEM, "keeping samples");

	for (int k = 0; k < VAR_COUNT; k++) {
		enum bench_variant v = (enum bench_variant)((it + k) % VAR_COUNT);
		uint64_t t0, t1, t2, t3;
		int err;

		bench_prepare(w->env, wk->buf, wk->len, c->state);
		t0 = now_ns();
		err = variant_map(wk, v);
		if (c->drain)
			raw_drain();
		t1 = now_ns();
		if (err)
			return fail(w, err, "map");
		if (c->xdelay_ns)
			spin_ns(t1, c->xdelay_ns);
		if (c->redirty)
			bench_prepare(w->env, wk->buf, wk->len, STATE_DIRTY);
		t2 = now_ns();
		err = variant_unmap(wk, v);
		if (c->drain)
			raw_drain();
		t3 = now_ns();
		if (err)
			return fail(w, err, "unmap");
		if (measured && (samples_push(&w->s[v][OP_MAP], t1 - t0) ||
				 samples_push(&w->s[v][OP_UNMAP], t3 - t2)))
			return fail_sys(w, -ENOMEM, "keeping samples");
	}
	return 0;
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	const struct bench_case *c = w->c;
	size_t len = bench_span(c);
	struct work wk = {0};
	void *buf = NULL;
	int err = bench_pin(w->cpu);

	if (err) {
		fail_sys(w, err, "cannot pin to its CPU");
	} else if (!(buf = bench_buf_alloc(w->env, len))) {
		fail_sys(w, -ENOMEM, "no buffer (the reason is above)");
	} else if ((err = work_setup(&wk, w->env, c, buf))) {
		fail_sys(w, err, "no memory for the sg list");
	} else {
		bench_prepare(w->env, buf, len, STATE_DIRTY); /* first touch, here */
		if (w->index == 0)
			(void)check(w, &wk);
	}
	/* Everyone meets here, even after a failure, so nobody waits forever. */
	pthread_barrier_wait(w->start);

	double t_start = now_s(), t_measure = t_start;

	for (long it = 0; !atomic_load_explicit(w->abort, memory_order_relaxed); it++) {
		bool measured = it >= c->warmup;

		if (it == c->warmup)
			t_measure = now_s();
		if (c->iterations && it >= c->warmup + c->iterations)
			break;
		if (!c->iterations && measured) {
			if (now_s() - t_measure >= c->seconds && w->iterations >= c->min_iterations)
				break;
			if (w->s[0][0].n >= c->max_samples) {
				w->capped = true;
				break;
			}
		}
		if (one_iteration(w, &wk, it, measured))
			break;
		if (measured)
			w->iterations++;
		if (w->prog) {
			if (c->iterations)
				progress_tick(w->prog, "%s: %ld/%ld iterations", c->label,
					      w->iterations, c->iterations);
			else
				progress_tick(w->prog, "%s: %.0f/%.0f s, %ld iterations", c->label,
					      now_s() - t_measure, c->seconds, w->iterations);
		}
	}
	w->seconds = now_s() - t_start;
	work_fini(&wk);
	bench_buf_free(buf, len);
	return NULL;
}

/* Every thread's samples of one variant and op, as one set. */
static int merge(struct worker *ws, int n, int v, int op, struct summary *out)
{
	struct samples all = {0};

	for (int t = 0; t < n; t++) {
		for (size_t i = 0; i < ws[t].s[v][op].n; i++) {
			if (samples_push(&all, ws[t].s[v][op].v[i])) {
				samples_free(&all);
				return -ENOMEM;
			}
		}
	}
	summarize(&all, out);
	samples_free(&all);
	return 0;
}

int bench_run_case(struct bench_env *env, const struct bench_case *c, struct case_result *r)
{
	struct worker *ws = calloc((size_t)c->threads, sizeof(*ws));
	pthread_barrier_t start;
	atomic_int abort = 0;
	struct progress prog;
	int err = 0, started = 0;

	if (!ws)
		return -ENOMEM;
	memset(r, 0, sizeof(*r));
	progress_begin(&prog, env->quiet || !c->label);
	pthread_barrier_init(&start, NULL, (unsigned)c->threads);
	for (int t = 0; t < c->threads; t++) {
		ws[t] = (struct worker){
		    .index = t,
		    .cpu = env->cpus[t % env->ncpus],
		    .env = env,
		    .c = c,
		    .start = &start,
		    .r = r,
		    .prog = t == 0 ? &prog : NULL,
		    .abort = &abort,
		};
	}
	for (; started < c->threads; started++) {
		err = -pthread_create(&ws[started].tid, NULL, worker_main, &ws[started]);
		if (err)
			break;
	}
	if (err) {
		/* The barrier counts every thread: a missing one would hang the rest. */
		fprintf(stderr, "dmab-bench: cannot start thread %d: %s\n", started,
			strerror(-err));
		exit(1);
	}
	for (int t = 0; t < c->threads; t++)
		pthread_join(ws[t].tid, NULL);
	progress_end(&prog);
	pthread_barrier_destroy(&start);
	for (int t = 0; t < c->threads && !err; t++) {
		if (ws[t].err) {
			fprintf(stderr, "dmab-bench: %s\n", ws[t].msg);
			err = ws[t].err;
		}
	}
	r->iterations = ws[0].iterations;
	for (int t = 0; t < c->threads; t++) {
		if (ws[t].seconds > r->seconds)
			r->seconds = ws[t].seconds;
		r->capped |= ws[t].capped;
	}
	/* The ratio's spread from the first thread's pairs (same iteration,
	 * interleaved), before merge() and summarize() sort anything. */
	for (int op = 0; op < OP_COUNT && !err; op++)
		err = ratio_spread(&ws[0].s[VAR_BATCHED][op], &ws[0].s[VAR_RAW][op],
				   &r->ratio_p10[op], &r->ratio_med[op], &r->ratio_p90[op]);
	for (int v = 0; v < VAR_COUNT && !err; v++)
		for (int op = 0; op < OP_COUNT && !err; op++)
			err = merge(ws, c->threads, v, op, &r->s[v][op]);
	if (!err && ws[0].cal.n)
		summarize(&ws[0].cal, &r->cal);
	for (int t = 0; t < c->threads; t++) {
		for (int v = 0; v < VAR_COUNT; v++)
			for (int op = 0; op < OP_COUNT; op++)
				samples_free(&ws[t].s[v][op]);
		samples_free(&ws[t].cal);
	}
	free(ws);
	return err;
}
