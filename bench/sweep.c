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
    "unmap_lib_over_raw,map_lines_per_call,unmap_lines_per_call,check_ok\n";

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
	fprintf(f, ",%llu,%llu,%s\n", (unsigned long long)r->lines[OP_MAP],
		(unsigned long long)r->lines[OP_UNMAP], r->mismatch ? "false" : "true");
	fflush(f);
}

/*
 * The plot: top row map_sg, bottom row unmap_sg; left, time per list
 * against entries for 4 KiB entries, one line per variant; middle, the
 * batched reduction against per-entry for every entry size; right,
 * library batched over raw. Column numbers are those of csv_header.
 */
static void write_script(FILE *f, const struct bench_env *env, const struct bench_case *c)
{
	fprintf(f, "# SPDX-License-Identifier: MIT\n# Written by dmab-bench --sweep; run: gnuplot "
		   "sweep.gp (in this directory)\n");
	fprintf(f, "set terminal pngcairo noenhanced size 1800,1000 font 'sans,10'\n"
		   "set output 'sweep.png'\n");
	fprintf(f, "set datafile separator ','\nset datafile columnheaders\n");
	fprintf(f,
		"set multiplot layout 2,3 title 'libdmabatch %s, backend %s (%s / %s / %s), "
		"dir %s, cache %s before each map; medians' font 'sans,12'\n",
		dmab_version(), env->raw.arch, env->raw.clean_insn, env->raw.inval_insn,
		env->raw.barrier, bench_dir_names[c->dir], bench_state_names[c->state]);
	fprintf(f,
		"set logscale x 2\nset xrange [0.8:%d]\nset grid\nset xlabel 'entries per list'\n"
		"sizes = '1024 2048 4096 8192 16384 32768 65536'\n"
		"names = '1K 2K 4K 8K 16K 32K 64K'\n",
		sweep_entries[N_ENTRIES - 1] * 5 / 4);
	for (int op = 0; op < OP_COUNT; op++) {
		int base = op == OP_MAP ? 7 : 15; /* first median column of the op */
		const char *name = bench_op_name(MODE_SG, op);

		fprintf(f,
			"set logscale y 10\nset key top left inside\nset ylabel 'ns per list'\n");
		fprintf(f, "set title '%s: time per list, %d-byte entries'\n", name,
			SWEEP_PLOT_ENTRY);
		fprintf(f,
			"plot 'sweep.csv' using ($1==%d ? $2 : 1/0):%d with linespoints lw 2 "
			"title 'library batched', \\\n"
			"     '' using ($1==%d ? $2 : 1/0):%d with linespoints lw 2 title "
			"'library per-entry', \\\n"
			"     '' using ($1==%d ? $2 : 1/0):%d with linespoints lw 2 dt 2 title "
			"'raw loop (floor)'\n",
			SWEEP_PLOT_ENTRY, base, SWEEP_PLOT_ENTRY, base + 1, SWEEP_PLOT_ENTRY,
			base + 2);
		fprintf(f, "unset logscale y\nset key outside right top\n"
			   "set ylabel 'batched vs per-entry (%%, negative = faster)'\n");
		fprintf(f, "set title '%s: batched reduction, by entry size'\n", name);
		fprintf(f,
			"plot for [i=1:words(sizes)] 'sweep.csv' using ($1==word(sizes,i)+0 ? $2 : "
			"1/0):(-$%d) with linespoints title word(names,i)\n",
			base + 6);
		fprintf(f, "set ylabel 'library batched / raw'\n");
		fprintf(f, "set title '%s: library batched over the raw loop'\n", name);
		if (op == OP_UNMAP && c->dir == DMAB_TO_DEVICE) {
			/* No line is issued, so there is no floor: say so, plot nothing. */
			fprintf(f, "set yrange [0:2]\nset label 1 'TO_DEVICE unmap issues nothing: "
				   "no floor' at graph 0.5,0.5 center\nplot 1/0 notitle\n"
				   "unset label 1\nset autoscale y\n");
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
	printf("\n%s: batched vs per-entry, %% (median)\n%8s", what, "entries");
	for (int s = 0; s < N_SIZES; s++)
		printf(" %7zuK", sweep_sizes[s] >> 10);
	printf("\n");
	for (int e = 0; e < N_ENTRIES; e++) {
		printf("%8d", sweep_entries[e]);
		for (int s = 0; s < N_SIZES; s++)
			printf(" %8.1f", -red[s][e]);
		printf("\n");
	}
}

int bench_sweep(struct bench_env *env, const struct bench_opts *o)
{
	static double red[OP_COUNT][N_SIZES][N_ENTRIES];
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
			for (int op = 0; op < OP_COUNT; op++)
				red[op][s][e] = reduction_pct(&r, op);
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
	write_script(gp, env, &c);
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
