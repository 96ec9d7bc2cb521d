/* SPDX-License-Identifier: MIT */
/*
 * --sweep: list length against entry size. Every point is one case (the
 * three variants interleaved, map and unmap), measured for --point-ms and
 * at least SWEEP_MIN_ITERS iterations (or exactly -i). Output: sweep.csv,
 * one row per point; sweep.gp, the gnuplot script; sweep.png when gnuplot
 * is installed; on stdout, the batched reduction as two small tables.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

#define SWEEP_MIN_ITERS	 15
#define SWEEP_WARMUP	 2 /* the largest point takes ~0.3 s an iteration */
#define SWEEP_MAX_ITERS	 20000
#define N_ENTRIES	 15
#define N_SIZES		 7
#define SWEEP_PLOT_ENTRY 4096 /* the seed's entry size, for the time panels */

static const int sweep_entries[N_ENTRIES] = {1,	  2,   4,    8,	   16,	 32,   64,   128,
					     256, 512, 1024, 2048, 4096, 8192, 10240};
static const size_t sweep_sizes[N_SIZES] = {1024, 2048, 4096, 8192, 16384, 32768, 65536};

static int mkdir_p(const char *path)
{
	char buf[4096];
	size_t len = strlen(path);

	if (len == 0 || len >= sizeof(buf))
		return -ENAMETOOLONG;
	memcpy(buf, path, len + 1);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0777) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(buf, 0777) && errno != EEXIST)
		return -errno;
	return 0;
}

static FILE *open_in(const char *dir, const char *name, char *path, size_t len)
{
	FILE *f;

	snprintf(path, len, "%s/%s", dir, name);
	f = fopen(path, "w");
	if (!f)
		fprintf(stderr, "dmab-bench: cannot write %s: %s\n", path, strerror(errno));
	return f;
}

static const char csv_header[] =
    "entry_size,entries,bytes,dir,state,iterations,"
    "map_batched_median_ns,map_per_entry_median_ns,map_raw_median_ns,"
    "map_batched_p90_ns,map_per_entry_p90_ns,map_raw_p90_ns,map_reduction_pct,map_lib_over_raw,"
    "unmap_batched_median_ns,unmap_per_entry_median_ns,unmap_raw_median_ns,"
    "unmap_batched_p90_ns,unmap_per_entry_p90_ns,unmap_raw_p90_ns,unmap_reduction_pct,"
    "unmap_lib_over_raw,map_lines_per_call,unmap_lines_per_call,check_ok,"
    "map_batched_p10_ns,map_per_entry_p10_ns,map_raw_p10_ns,"
    "unmap_batched_p10_ns,unmap_per_entry_p10_ns,unmap_raw_p10_ns\n";
#define CSV_P10 26 /* first p10 column; an op's three follow each other */

static void csv_row(FILE *f, const struct bench_case *c, const struct case_result *r)
{
	fprintf(f, "%zu,%d,%zu,%s,%s,%ld", c->entry_size, c->entries,
		c->entry_size * (size_t)c->entries, bench_dir_names[c->dir],
		bench_state_names[c->state], r->iterations);
	for (int op = 0; op < OP_COUNT; op++) {
		for (int v = 0; v < VAR_COUNT; v++)
			fprintf(f, ",%.1f", r->s[v][op].median);
		for (int v = 0; v < VAR_COUNT; v++)
			fprintf(f, ",%llu", (unsigned long long)r->s[v][op].p90);
		fprintf(f, ",%.2f,", reduction_pct(r, op));
		if (r->lines[op]) /* else empty: no floor when nothing is issued */
			fprintf(f, "%.4f", lib_over_raw(r, op));
	}
	fprintf(f, ",%llu,%llu,%s", (unsigned long long)r->lines[OP_MAP],
		(unsigned long long)r->lines[OP_UNMAP], r->mismatch ? "false" : "true");
	for (int op = 0; op < OP_COUNT; op++)
		for (int v = 0; v < VAR_COUNT; v++)
			fprintf(f, ",%llu", (unsigned long long)r->s[v][op].p10);
	fprintf(f, "\n");
	fflush(f);
}

/* The y range every panel of one kind shares, map and unmap alike. */
struct range {
	double lo, hi;
};

static void widen(struct range *r, double v)
{
	if (v < r->lo)
		r->lo = v;
	if (v > r->hi)
		r->hi = v;
}

struct sweep_ranges {
	struct range time, saved, ratio;
};

/*
 * The plot: top row map_sg, bottom row unmap_sg; left, time per list
 * against entries for 4 KiB entries, one line per variant, the median with
 * a p10-p90 bar; middle, the time saved by batching (positive = faster)
 * for every entry size; right, library batched over raw. Each kind of
 * panel has one y range for both rows. The title names the machine, the
 * date and the run's parameters. Column numbers are those of csv_header.
 */
static void write_script(FILE *f, const struct bench_env *env, const struct bench_opts *o,
			 const struct bench_case *c, const struct sweep_ranges *yr)
{
	char model[128], date[32];
	time_t now = time(NULL);
	struct tm tm;

	bench_cpu_model(model, sizeof(model));
	strftime(date, sizeof(date), "%Y-%m-%d %H:%M UTC", gmtime_r(&now, &tm));
	fprintf(f, "# SPDX-License-Identifier: MIT\n# Written by dmab-bench --sweep; run: gnuplot "
		   "sweep.gp (in this directory)\n");
	fprintf(f, "set terminal pngcairo noenhanced size 1800,1000 font 'sans,10'\n"
		   "set output 'sweep.png'\n");
	fprintf(f, "set datafile separator ','\nset datafile columnheaders\n");
	fprintf(f,
		"set multiplot layout 2,3 title \"libdmabatch %s, backend %s (%s / %s / %s), "
		"dir %s, cache %s before each map; medians, bars p10-p90\\n%s, %ld CPUs online, "
		"%zu-byte lines; %s; per point: ",
		dmab_version(), env->raw.arch, env->raw.clean_insn, env->raw.inval_insn,
		env->raw.barrier, bench_dir_names[c->dir], bench_state_names[c->state], model,
		sysconf(_SC_NPROCESSORS_ONLN), env->raw.line, date);
	if (o->iterations)
		fprintf(f, "%ld iterations", o->iterations);
	else
		fprintf(f, "%d ms, %d to %d iterations", o->point_ms, SWEEP_MIN_ITERS,
			SWEEP_MAX_ITERS);
	fprintf(f,
		" after %ld warm-up, one thread on CPU %d, variants interleaved\" font 'sans,11'\n",
		c->warmup, env->cpus[0]);
	fprintf(f,
		"set logscale x 2\nset xrange [0.8:%d]\nset grid\nset xlabel 'entries per list'\n"
		"sizes = '1024 2048 4096 8192 16384 32768 65536'\n"
		"names = '1K 2K 4K 8K 16K 32K 64K'\n",
		sweep_entries[N_ENTRIES - 1] * 5 / 4);
	for (int op = 0; op < OP_COUNT; op++) {
		int base = op == OP_MAP ? 7 : 15; /* first median column of the op */
		const char *name = bench_op_name(MODE_SG, op);

		int p10 = CSV_P10 + 3 * op;
		static const char *const titles[VAR_COUNT] = {
		    "library batched", "library per-entry", "raw loop (floor)"};

		fprintf(f,
			"set logscale y 10\nset yrange [%g:%g]\nset key top left inside\n"
			"set ylabel 'ns per list'\n",
			yr->time.lo / 1.5, yr->time.hi * 1.5);
		fprintf(f, "set title '%s: time per list, %d-byte entries'\nplot ", name,
			SWEEP_PLOT_ENTRY);
		for (int v = 0; v < VAR_COUNT; v++)
			fprintf(f,
				"%s'sweep.csv' using ($1==%d ? $2 : 1/0):%d:%d:%d with yerrorlines "
				"lw 2%s title '%s'",
				v ? ", \\\n     " : "", SWEEP_PLOT_ENTRY, base + v, p10 + v,
				base + 3 + v, v == VAR_RAW ? " dt 2" : "", titles[v]);
		fprintf(f,
			"\nunset logscale y\nset yrange [%g:%g]\nset key outside right top\n"
			"set ylabel 'time saved by batching (%%, positive = faster)'\n",
			yr->saved.lo - 5, yr->saved.hi + 5);
		fprintf(f, "set title '%s: time saved by batching, by entry size'\n", name);
		fprintf(f,
			"plot for [i=1:words(sizes)] 'sweep.csv' using ($1==word(sizes,i)+0 ? $2 : "
			"1/0):%d with linespoints title word(names,i), 0 with lines lc 'black' "
			"notitle\n",
			base + 6);
		fprintf(f, "set yrange [%g:%g]\nset ylabel 'library batched / raw'\n",
			yr->ratio.lo > 0.1 ? yr->ratio.lo - 0.1 : 0, yr->ratio.hi + 0.1);
		fprintf(f, "set title '%s: library batched over the raw loop'\n", name);
		if (op == OP_UNMAP && c->dir == DMAB_TO_DEVICE) {
			/* No line is issued, so there is no floor: say so, plot nothing. */
			fprintf(f, "set label 1 'TO_DEVICE unmap issues nothing: "
				   "no floor' at graph 0.5,0.5 center\nplot 1/0 notitle\n"
				   "unset label 1\n");
			continue;
		}
		fprintf(f,
			"plot for [i=1:words(sizes)] 'sweep.csv' using ($1==word(sizes,i)+0 ? $2 : "
			"1/0):%d with linespoints title word(names,i), 1 with lines lc 'black' "
			"notitle\n",
			base + 7);
	}
	fprintf(f, "unset multiplot\n");
}

/* gnuplot, run in @dir so that the script's names are relative. */
static int run_gnuplot(const char *dir)
{
	pid_t pid = fork();
	int status;

	if (pid < 0)
		return -errno;
	if (pid == 0) {
		if (chdir(dir) == 0)
			execlp("gnuplot", "gnuplot", "sweep.gp", (char *)NULL);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0)
		return -errno;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
		return -ENOENT;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -EIO;
}

static void print_matrix(const double red[N_SIZES][N_ENTRIES], const char *what)
{
	printf("\n%s: time saved by batching, %% of per-entry (medians; positive = faster)\n%8s",
	       what, "entries");
	for (int s = 0; s < N_SIZES; s++)
		printf(" %7zuK", sweep_sizes[s] >> 10);
	printf("\n");
	for (int e = 0; e < N_ENTRIES; e++) {
		printf("%8d", sweep_entries[e]);
		for (int s = 0; s < N_SIZES; s++)
			printf(" %8.1f", red[s][e]);
		printf("\n");
	}
}

int bench_sweep(struct bench_env *env, const struct bench_opts *o)
{
	static double red[OP_COUNT][N_SIZES][N_ENTRIES];
	struct sweep_ranges yr = {{1e300, 0}, {1e300, -1e300}, {1e300, -1e300}};
	char csv_path[4200], gp_path[4200];
	struct progress prog;
	struct bench_case c;
	int err = mkdir_p(o->out_dir), n = 0, mismatches = 0;

	if (err) {
		fprintf(stderr, "dmab-bench: cannot create %s: %s\n", o->out_dir, strerror(-err));
		return 1;
	}
	FILE *csv = open_in(o->out_dir, "sweep.csv", csv_path, sizeof(csv_path));

	if (!csv)
		return 1;
	fputs(csv_header, csv);
	progress_begin(&prog, o->quiet);
	for (int s = 0; s < N_SIZES; s++) {
		for (int e = 0; e < N_ENTRIES; e++) {
			struct case_result r;

			c = (struct bench_case){
			    .mode = MODE_SG,
			    .dir = (enum dmab_dir)o->dir,
			    .state = bench_state_for(o->state, (enum dmab_dir)o->dir),
			    .entries = sweep_entries[e],
			    .entry_size = sweep_sizes[s],
			    .iterations = o->iterations,
			    .seconds = o->point_ms / 1000.0,
			    .min_iterations = SWEEP_MIN_ITERS,
			    .warmup = o->warmup_given ? o->warmup : SWEEP_WARMUP,
			    .xdelay_ns = o->xdelay_ns,
			    .threads = 1,
			    .max_samples = SWEEP_MAX_ITERS,
			    .drain = !o->no_drain,
			};
			if (bench_run_case(env, &c, &r)) {
				fclose(csv);
				return 1;
			}
			csv_row(csv, &c, &r);
			mismatches += r.mismatch;
			for (int op = 0; op < OP_COUNT; op++) {
				red[op][s][e] = reduction_pct(&r, op);
				widen(&yr.saved, red[op][s][e]);
				if (r.lines[op])
					widen(&yr.ratio, lib_over_raw(&r, op));
				for (int v = 0; v < VAR_COUNT && c.entry_size == SWEEP_PLOT_ENTRY;
				     v++) {
					widen(&yr.time,
					      (double)(r.s[v][op].p10 ? r.s[v][op].p10 : 1));
					widen(&yr.time, (double)r.s[v][op].p90);
				}
			}
			n++;
			progress_tick(&prog, "sweep: %d/%d points done (last: %d x %zu B)", n,
				      N_SIZES * N_ENTRIES, c.entries, c.entry_size);
		}
	}
	progress_end(&prog);
	if (fclose(csv)) {
		fprintf(stderr, "dmab-bench: cannot write %s\n", csv_path);
		return 1;
	}
	FILE *gp = open_in(o->out_dir, "sweep.gp", gp_path, sizeof(gp_path));

	if (!gp)
		return 1;
	if (yr.ratio.lo > yr.ratio.hi) /* nothing issued anywhere */
		yr.ratio = (struct range){1, 1};
	write_script(gp, env, o, &c, &yr);
	fclose(gp);

	printf("sweep: %d points, dir %s, cache %s before each map\n", n, bench_dir_names[c.dir],
	       bench_state_names[c.state]);
	report_header(env);
	print_matrix((const double(*)[N_ENTRIES])red[OP_MAP], "map_sg");
	print_matrix((const double(*)[N_ENTRIES])red[OP_UNMAP], "unmap_sg");
	printf("\nwrote %s and %s\n", csv_path, gp_path);
	err = run_gnuplot(o->out_dir);
	if (err == -ENOENT)
		printf("no plot: gnuplot is not installed (Debian: apt-get install gnuplot-nox); "
		       "then run: cd %s && gnuplot sweep.gp\n",
		       o->out_dir);
	else if (err)
		printf("no plot: gnuplot failed on %s\n", gp_path);
	else
		printf("wrote %s/sweep.png\n", o->out_dir);
	if (mismatches)
		printf("WARNING: at %d points the library's counters did not match the raw loop\n",
		       mismatches);
	return err && err != -ENOENT ? 1 : mismatches ? 3 : 0;
}
