/* SPDX-License-Identifier: MIT */
/*
 * dmab-bench: what the benchmark's files share.
 *
 * One "case" is one list shape (entries x entry size, direction, cache
 * state) measured for every variant, interleaved round-robin so that drift
 * (frequency, a neighbour's build, the page cache) hits all variants alike.
 */
#ifndef DMAB_BENCH_H
#define DMAB_BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <dmabatch.h>

#include "raw.h"

/* The kernel tool's limits, kept so its command lines mean the same here. */
#define BENCH_MAX_THREADS     1024
#define BENCH_MAX_SECONDS     300
#define BENCH_MAX_TRANS_DELAY (10 * 1000 * 1000) /* ns */
/* Beyond the kernel tool's 1024: enough for 10 MiB in 1 KiB entries. */
#define BENCH_MAX_GRANULE (1 << 20)

enum bench_variant {
	VAR_BATCHED,   /* the library, DMAB_SYNC_BATCHED: one barrier per call */
	VAR_PER_ENTRY, /* the library, DMAB_SYNC_PER_ENTRY: one barrier per entry */
	VAR_RAW,       /* hand-written: same lines, same instructions, one barrier */
	VAR_COUNT,
};

enum bench_op { OP_MAP, OP_UNMAP, OP_COUNT };

/* The kernel tool's -m values. */
enum bench_mode { MODE_SINGLE = 0, MODE_SG = 1 };

/* What the caches hold of the buffer just before each map (README.md). */
enum bench_state {
	STATE_DEFAULT = -1, /* the kernel tool's: dirty unless FROM_DEVICE */
	STATE_DIRTY = 0,    /* every byte written (0x66): lines cached and modified */
	STATE_CLEAN,	    /* written back and evicted: no line of it cached */
	STATE_RESIDENT,	    /* written back, then read: lines cached, unmodified */
};

/* -m 1's list layout: each entry on pages of its own, apart from the others
 * (the kernel tool's, which allocates a page per entry), or end to end. */
enum bench_layout {
	LAYOUT_DEFAULT = -1, /* pages for a plain run, packed for the experiments */
	LAYOUT_PAGES = 0,
	LAYOUT_PACKED = 1,
};

struct bench_opts {
	/* the kernel tool's flags */
	int threads, seconds, node, bits, dir, xdelay_ns, granule;
	enum bench_mode mode;
	enum bench_layout layout; /* resolved by bench_parse(): never LAYOUT_DEFAULT */
	/* ours */
	size_t entry_size;
	enum bench_state state;
	long iterations; /* 0: run for @seconds */
	long warmup;
	bool warmup_given; /* else each experiment's own default */
	int cpu;	   /* first CPU to pin to; -1: the first one allowed */
	size_t max_samples;
	int point_ms; /* sweep: time budget per point */
	const char *json, *out_dir, *goals_file;
	bool seed, sweep, goals, quiet, no_drain;
	bool iommu;	 /* --iommu (iommu.c) */
	bool debug_cost; /* --debug-cost (debugcost.c) */
	bool scaling;	 /* --scaling (threads.c) */
};

/* One measurement's shape and length. */
struct bench_case {
	enum bench_mode mode;
	enum dmab_dir dir;
	enum bench_state state; /* resolved: never STATE_DEFAULT */
	int entries;
	size_t entry_size;
	long iterations; /* measured iterations; 0: until @seconds elapse */
	double seconds;	 /* and at least @min_iterations are measured */
	long min_iterations;
	long warmup;
	int xdelay_ns;
	int threads;
	size_t max_samples;
	bool drain;	   /* raw_drain() before the clock stops (raw.h) */
	size_t stride;	   /* sg: bytes from one entry's start to the next; 0: entry_size */
	const char *label; /* for progress on stderr; NULL: silent */
	/* Dirty the buffer again after each map, untimed, so that the unmap
	 * meets dirty lines: without it, an unmap meets what the map's clean
	 * left (bench_unmap_state()). */
	bool redirty;
};

struct summary {
	size_t n;
	double mean, sd; /* sd: sample standard deviation (n - 1) */
	double median;	 /* middle sample, or mean of the middle two */
	double tmean;	 /* mean of the samples from p1 to p99: robust, yet finer
			  * than the clock's step, which a median is not */
	uint64_t p10;	 /* nearest rank: ceil(0.1 n)-th smallest */
	uint64_t p90;	 /* nearest rank: ceil(0.9 n)-th smallest */
	uint64_t min, max;
};

struct case_result {
	struct summary s[VAR_COUNT][OP_COUNT];
	long iterations; /* measured, per thread (warm-up excluded) */
	double seconds;	 /* wall time of the slowest thread, warm-up included */
	bool capped;	 /* a time-based run stopped at --max-samples */
	/* What one call issued, checked against the library's own counters. */
	uint64_t lines[OP_COUNT];	 /* raw loop, per call */
	uint64_t lib_lines[2][OP_COUNT]; /* batched, per-entry: per call */
	uint64_t barriers[2][OP_COUNT];	 /* batched, per-entry: per call */
	uint64_t raw_barriers[OP_COUNT]; /* per call */
	bool mismatch;			 /* the library and the raw loop differ */
	/* Library batched / raw of each iteration's own pair of samples (the
	 * variants interleaved), p10, median and p90: the spread of the ratio. */
	double ratio_p10[OP_COUNT], ratio_med[OP_COUNT], ratio_p90[OP_COUNT];
	/* A fixed calibration loop timed once per iteration, beside the
	 * samples: its spread shows the CPU's speed changing during the case. */
	struct summary cal;
};

/* An sg entry's stride, and the bytes a thread's buffer spans. */
static inline size_t bench_stride(const struct bench_case *c)
{
	return c->stride ? c->stride : c->entry_size;
}

static inline size_t bench_span(const struct bench_case *c)
{
	return (size_t)c->entries * bench_stride(c);
}

/* The stride of the pages layout: the entry's pages and one page of gap. */
size_t bench_pages_stride(size_t entry_size);
/* The lowest address a process may map (vm.mmap_min_addr, at least a page),
 * and the room bench_buf_alloc() takes for @size bytes. */
uint64_t bench_low_base(void);
uint64_t bench_place_size(size_t size);

/* Process-wide: the devices, the raw loop's instructions, the placement. */
struct bench_env {
	struct dmab_device *dev[2]; /* VAR_BATCHED, VAR_PER_ENTRY */
	struct raw_info raw;
	int node, bits;
	int ncpus, cpus[256]; /* CPUs the threads are pinned to, in order */
	uint64_t max_addr;    /* highest address the device can reach */
	bool quiet;
	/* The clock, measured: what a read costs, and the smallest step it
	 * takes (10 ns on a VM whose TSC ticks by 26 cycles, say). A figure
	 * finer than the step is only trustworthy as a mean of many samples. */
	uint64_t clock_cost_ns, clock_step_ns;
};

static inline double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static inline uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

extern const char *const bench_dir_names[3];   /* the kernel's spelling */
extern const char *const bench_state_names[3]; /* dirty, clean, resident */
/* What the caches hold of the buffer when an unmap starts: what the map's
 * clean left ("clean-cached" after dirty or resident, "clean" after
 * clean), or "dirty" for a redirty case. */
const char *bench_unmap_state(const struct bench_case *c);
extern const char *const bench_var_names[VAR_COUNT];
const char *bench_op_name(enum bench_mode mode, enum bench_op op); /* map_sg, ... */

/* opts.c */
int bench_parse(int argc, char **argv, struct bench_opts *o); /* 0, 1 (help), 2 (error) */
enum bench_state bench_state_for(enum bench_state s, enum dmab_dir dir);

/* env.c: devices, CPUs, memory, cache states. */
int bench_env_init(struct bench_env *env, const struct bench_opts *o);
void bench_env_fini(struct bench_env *env);
void *bench_buf_alloc(const struct bench_env *env, size_t size);
void bench_buf_free(void *buf, size_t size);
int bench_pin(int cpu);
void bench_prepare(const struct bench_env *env, void *buf, size_t len, enum bench_state st);

/* stats.c */
struct samples {
	uint64_t *v;
	size_t n, cap;
};
int samples_push(struct samples *s, uint64_t ns);
void samples_free(struct samples *s);
void summarize(struct samples *s, struct summary *out); /* sorts @s */
double reduction_pct(const struct case_result *r, enum bench_op op);
double lib_over_raw(const struct case_result *r, enum bench_op op);
/* Per-iteration ratios a[i] / b[i] of the first @n samples, summarised into
 * *p10, *med, *p90 (0 when n is 0). */
int ratio_spread(const struct samples *a, const struct samples *b, double *p10, double *med,
		 double *p90);
/* The calibration's p90 / p10: 1.0 is a steady CPU. */
double cal_spread(const struct case_result *r);
/* "lib/raw 1.013 (p10-p90 0.991-1.036)" into @buf. */
void ratio_str(char *buf, size_t len, const struct case_result *r, enum bench_op op);
/* One line on the calibration, and a warning when the speed moved. */
void report_cal(const char *what, const struct case_result *r);
/* The time one calibration loop takes (measure.c). */
uint64_t calibrate(void);

/* variants.c: one thread's list and the three ways to map and unmap it. */
struct work {
	struct bench_env *env;
	const struct bench_case *c;
	void *buf;
	size_t len; /* entries x entry size */
	struct dmab_sg *sg;
	dmab_addr_t addr; /* single mode: the bus address map_single gave */
};
int work_setup(struct work *w, struct bench_env *env, const struct bench_case *c, void *buf);
void work_fini(struct work *w);
int variant_map(struct work *w, enum bench_variant v);
int variant_unmap(struct work *w, enum bench_variant v);
/* What the raw loop issues per call: lines, and barriers (0 or 1). */
void raw_expect(const struct work *w, enum bench_op op, uint64_t *lines, uint64_t *barriers);
/* Lines a barrier after every entry issues: a line two entries share, twice. */
uint64_t entry_lines(const struct work *w, enum bench_op op);

/* measure.c */
int bench_run_case(struct bench_env *env, const struct bench_case *c, struct case_result *r);

/* report.c */
void report_header(const struct bench_env *env);
void bench_cpu_model(char *buf, size_t len); /* /proc/cpuinfo's model name */
void report_robust(const struct bench_case *c, const struct case_result *r);
void report_kernel(const struct bench_opts *o, const struct bench_case *c,
		   const struct case_result *r);
void report_extended(const struct bench_env *env, const struct bench_case *c,
		     const struct case_result *r);
int report_json(const char *path, const struct bench_env *env, const struct bench_opts *o,
		const char *kind, const struct bench_case *cases, const struct case_result *res,
		int n);
/* @nsets sets of @n[k] cases one after the other: the first as "results",
 * the others under "results_by_entry_size", keyed by their entry size. */
int report_json_sets(const char *path, const struct bench_env *env, const struct bench_opts *o,
		     const char *kind, const struct bench_case *cases,
		     const struct case_result *res, const int *n, int nsets);

/* progress.c: at most one line a second on stderr, once a run passes 2 s. */
struct progress {
	double start, last;
	bool tty, shown, quiet;
};
void progress_begin(struct progress *p, bool quiet);
void progress_tick(struct progress *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void progress_end(struct progress *p);

/* seed.c, sweep.c, goals.c */
/* The seed experiment's sets: 4 KiB entries (the three directions and an
 * unmap of dirty lines), then 1 KiB and 512 B entries (three directions). */
#define SEED_SETS      3
#define SEED_MAX_CASES 4
struct seed_set {
	size_t entry;
	int n;
	struct bench_case cases[SEED_MAX_CASES];
	struct case_result res[SEED_MAX_CASES];
	char labels[SEED_MAX_CASES][64];
};
int seed_measure(struct bench_env *env, const struct bench_opts *o,
		 struct seed_set sets[SEED_SETS]);
bool seed_print(const struct bench_env *env, const struct seed_set sets[SEED_SETS]);
int bench_seed(struct bench_env *env, const struct bench_opts *o);
int bench_sweep(struct bench_env *env, const struct bench_opts *o);
int bench_goals(struct bench_env *env, const struct bench_opts *o);
/* iommu.c */
int bench_iommu(struct bench_env *env, const struct bench_opts *o);
int bench_debug_cost(struct bench_env *env, const struct bench_opts *o); /* debugcost.c */
int bench_scaling(struct bench_env *env, const struct bench_opts *o);	 /* threads.c */

#endif /* DMAB_BENCH_H */
