/* SPDX-License-Identifier: MIT */
/*
 * Command line. The kernel's dma_map_benchmark flags keep their letters,
 * defaults and limits (except -b and -g, see the help), so its command
 * lines run here; everything else has a long name. Numbers are parsed
 * strictly: "12x" or "" is an error, not 12 or 0.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"

const char *const bench_dir_names[3] = {"BIDIRECTIONAL", "TO_DEVICE", "FROM_DEVICE"};
const char *const bench_state_names[3] = {"dirty", "clean", "resident"};

const char *bench_unmap_state(const struct bench_case *c)
{
	if (c->redirty)
		return "dirty";
	return c->state == STATE_CLEAN ? "clean" : "clean-cached";
}
const char *const bench_var_names[VAR_COUNT] = {"batched", "per_entry", "raw"};

const char *bench_op_name(enum bench_mode mode, enum bench_op op)
{
	static const char *const names[2][2] = {{"map_single", "unmap_single"},
						{"map_sg", "unmap_sg"}};

	return names[mode == MODE_SG][op];
}

enum bench_state bench_state_for(enum bench_state s, enum dmab_dir dir)
{
	/* The kernel tool dirties the buffer before each map unless the
	 * device is to write it; then it leaves it as the last unmap left
	 * it: invalidated, so written back and evicted. */
	if (s != STATE_DEFAULT)
		return s;
	return dir == DMAB_FROM_DEVICE ? STATE_CLEAN : STATE_DIRTY;
}

static void usage(FILE *f)
{
	fprintf(
	    f,
	    "usage: dmab-bench [-t threads] [-s seconds] [-n node] [-b bits] [-d dir] [-x ns]\n"
	    "                  [-g granule] [-m mode] [options]\n"
	    "       dmab-bench --seed-experiment [--json FILE] [-c state] [-i N]\n"
	    "       dmab-bench --sweep [--out DIR] [-d dir] [-c state] [-i N | --point-ms MS]\n"
	    "       dmab-bench --goals\n"
	    "\n"
	    "The kernel's dma_map_benchmark flags:\n"
	    "  -t N   threads, 1-%d, each pinned to its own CPU (default 1)\n"
	    "  -s N   seconds to measure, 1-%d (default 20)\n"
	    "  -n N   NUMA node for memory, devices and CPUs; -1 none (default -1)\n"
	    "  -b N   DMA mask bits, 20-64 (default 32, as the kernel; --seed-experiment,\n"
	    "         --sweep and --goals: 64). The device sees user-space addresses: below\n"
	    "         64 the buffers are placed low; a run whose buffers cannot all fit under\n"
	    "         the mask is refused here\n"
	    "  -d N   direction: 0 BIDIRECTIONAL, 1 TO_DEVICE, 2 FROM_DEVICE (default 0)\n"
	    "  -x N   transfer delay between map and unmap, ns, 0-%d (default 0)\n"
	    "  -g N   granule: entries per list (sg) or entries per buffer (single), 1-%d\n"
	    "         (default 1; the kernel stops at 1024)\n"
	    "  -m N   mode: 0 single (map_single), 1 sg (map_sg) (default 0)\n"
	    "         -m 1 lays each entry on pages of its own, as the kernel (see --sg-layout)\n"
	    "\n"
	    "More:\n"
	    "  -e, --entry-size SIZE  bytes per entry, suffix K or M (default: the page size)\n"
	    "  -c, --cache STATE      cache state before each map: dirty, clean, resident\n"
	    "                         (default: dirty, or clean for FROM_DEVICE, as the kernel)\n"
	    "  -i, --iterations N     measure N iterations instead of -s seconds\n"
	    "  -w, --warmup N         unmeasured iterations first (default 10; --sweep: 2)\n"
	    "  -p, --cpu N            pin the first thread to CPU N (default: first allowed)\n"
	    "      --sg-layout L      -m 1's entries: pages (each on its own pages, a page\n"
	    "                         apart, as the kernel's; the default) or packed (end\n"
	    "                         to end: the library merges neighbours' shared lines);\n"
	    "                         the experiments always use packed\n"
	    "      --goals-file FILE  --goals: the thresholds (default: bench/goals.conf of\n"
	    "                         the source tree)\n"
	    "      --max-samples N    stop a timed run at N iterations per thread (default "
	    "%d)\n"
	    "      --json FILE        also write the results as JSON (schema: bench/README.md)\n"
	    "      --seed-experiment  10 MiB in 4 KiB entries, 200 iterations, each direction\n"
	    "      --sweep            1-10240 entries x 1-64 KiB: CSV, and a PNG with gnuplot\n"
	    "      --out DIR          where --sweep writes (default bench/out)\n"
	    "      --point-ms MS      --sweep: time to spend per point (default 300)\n"
	    "      --goals            measure the project's goals and say which are met\n"
	    "      --iommu            2560 x 4 KiB through the emulated IOMMU: per-PTE vs\n"
	    "                         deferred PTE cleaning, 64- and 256-byte lines [--json]\n"
	    "      --debug-cost       the DMA-API checker's cost: off vs on, interleaved [--json]\n"
	    "      --scaling          two threads on one device vs one thread, small calls,\n"
	    "                         only while both run; 7 rounds alternating [--json]\n"
	    "      --no-drain         stop the clock right after each call, without waiting\n"
	    "                         for its maintenance to finish (see bench/README.md)\n"
	    "  -q, --quiet            no progress on stderr\n"
	    "  -h, --help             this text\n",
	    BENCH_MAX_THREADS, BENCH_MAX_SECONDS, BENCH_MAX_TRANS_DELAY, BENCH_MAX_GRANULE,
	    1 << 20);
}

static int try_help(void)
{
	fputs("Try 'dmab-bench --help'.\n", stderr);
	return 2;
}

static int bad(const char *fmt, const char *arg)
{
	fputs("dmab-bench: ", stderr);
	fprintf(stderr, fmt, arg);
	fputc('\n', stderr);
	return try_help();
}

/* A whole decimal number in [lo, hi]; anything else is an error. */
static int num(const char *arg, long lo, long hi, const char *what, long *out)
{
	char *end;
	long v = 0;

	errno = 0;
	v = strtol(arg, &end, 10);
	if (errno || end == arg || *end || v < lo || v > hi) {
		fprintf(stderr, "dmab-bench: invalid %s '%s', must be in %ld-%ld\n", what, arg, lo,
			hi);
		return -EINVAL;
	}
	*out = v;
	return 0;
}

static int size_arg(const char *arg, size_t *out)
{
	char *end;
	unsigned long long v;
	unsigned shift = 0;

	errno = 0;
	v = strtoull(arg, &end, 10);
	if (!errno && end != arg) {
		if (!strcmp(end, "K") || !strcmp(end, "k") || !strcmp(end, "KiB"))
			shift = 10, end += strlen(end);
		else if (!strcmp(end, "M") || !strcmp(end, "MiB"))
			shift = 20, end += strlen(end);
	}
	if (errno || end == arg || *end || v == 0 || v > (1ull << 30) >> shift) {
		fprintf(stderr,
			"dmab-bench: invalid entry size '%s': 1 byte to 1 GiB, e.g. 4096 "
			"or 4K\n",
			arg);
		return -EINVAL;
	}
	*out = (size_t)(v << shift);
	return 0;
}

enum {
	O_MAX_SAMPLES = 256,
	O_JSON,
	O_SEED,
	O_SWEEP,
	O_OUT,
	O_POINT_MS,
	O_GOALS,
	O_NO_DRAIN,
	O_LAYOUT,
	O_GOALS_FILE,
	O_IOMMU,
	O_DEBUG_COST,
	O_SCALING,
};

/*
 * Refuse at parse time a plain run whose buffers cannot all lie under the
 * DMA mask: each thread's span, rounded as bench_buf_alloc() places it,
 * from the lowest address the kernel lets a process map.
 */
static int check_fits(const struct bench_opts *o)
{
	if (o->bits >= 47)
		return 0;
	struct bench_case c = {.entries = o->granule,
			       .entry_size = o->entry_size,
			       .stride = o->mode == MODE_SG && o->layout == LAYOUT_PAGES
					     ? bench_pages_stride(o->entry_size)
					     : 0};
	uint64_t each = bench_place_size(bench_span(&c));
	uint64_t need = bench_low_base() + each * (uint64_t)o->threads;

	if (need - 1 > (UINT64_C(1) << o->bits) - 1) {
		fprintf(stderr,
			"dmab-bench: -b %d: the device reaches %llu KiB, but %d thread(s) x %llu "
			"KiB of buffer from the lowest mappable address (%llu KiB) need %llu KiB; "
			"use a wider -b, fewer entries (-g) or threads (-t)\n",
			o->bits, (unsigned long long)(UINT64_C(1) << o->bits) >> 10, o->threads,
			(unsigned long long)each >> 10, (unsigned long long)bench_low_base() >> 10,
			(unsigned long long)need >> 10);
		return try_help();
	}
	return 0;
}

/* The flags an experiment decides itself: giving one there is an error. */
static int check_fixed(const struct bench_opts *o, const char *given)
{
	const char *name = o->seed ? "--seed-experiment" : o->sweep ? "--sweep" : "--goals";
	const char *fixed = o->seed ? "gemdst" : o->sweep ? "gemst" : "gemdstci";

	for (const char *f = fixed; *f; f++) {
		if (given[(unsigned char)*f]) {
			fprintf(stderr, "dmab-bench: %s sets -%c itself\n", name, *f);
			return try_help();
		}
	}
	return 0;
}

int bench_parse(int argc, char **argv, struct bench_opts *o)
{
	static const struct option longs[] = {
	    {"entry-size", required_argument, NULL, 'e'},
	    {"cache", required_argument, NULL, 'c'},
	    {"iterations", required_argument, NULL, 'i'},
	    {"warmup", required_argument, NULL, 'w'},
	    {"cpu", required_argument, NULL, 'p'},
	    {"max-samples", required_argument, NULL, O_MAX_SAMPLES},
	    {"json", required_argument, NULL, O_JSON},
	    {"seed-experiment", no_argument, NULL, O_SEED},
	    {"sweep", no_argument, NULL, O_SWEEP},
	    {"out", required_argument, NULL, O_OUT},
	    {"point-ms", required_argument, NULL, O_POINT_MS},
	    {"goals", no_argument, NULL, O_GOALS},
	    {"no-drain", no_argument, NULL, O_NO_DRAIN},
	    {"sg-layout", required_argument, NULL, O_LAYOUT},
	    {"goals-file", required_argument, NULL, O_GOALS_FILE},
	    {"iommu", no_argument, NULL, O_IOMMU},
	    {"debug-cost", no_argument, NULL, O_DEBUG_COST},
	    {"scaling", no_argument, NULL, O_SCALING},
	    {"quiet", no_argument, NULL, 'q'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	char given[128] = {0};
	long v = 0;
	int c;

	*o = (struct bench_opts){
	    .threads = 1,
	    .seconds = 20,
	    .node = -1,
	    .bits = 0, /* resolved below */
	    .layout = LAYOUT_DEFAULT,
	    .dir = DMAB_BIDIRECTIONAL,
	    .granule = 1,
	    .mode = MODE_SINGLE,
	    .entry_size = (size_t)sysconf(_SC_PAGESIZE),
	    .state = STATE_DEFAULT,
	    .warmup = 10,
	    .cpu = -1,
	    .max_samples = 1 << 20,
	    .point_ms = 300,
	    .out_dir = "bench/out",
	};
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":t:s:n:b:d:x:g:m:e:c:i:w:p:qh", longs, NULL)) != -1) {
		int err = 0;

		if (c > 0 && c < (int)sizeof(given))
			given[c] = 1;
		switch (c) {
		case 't':
			err = num(optarg, 1, BENCH_MAX_THREADS, "number of threads", &v);
			o->threads = (int)v;
			break;
		case 's':
			err = num(optarg, 1, BENCH_MAX_SECONDS, "number of seconds", &v);
			o->seconds = (int)v;
			break;
		case 'n':
			err = num(optarg, -1, INT_MAX, "NUMA node", &v);
			o->node = (int)v;
			break;
		case 'b':
			err = num(optarg, 20, 64, "dma mask bits", &v);
			o->bits = (int)v;
			break;
		case 'd':
			err = num(optarg, 0, 2, "dma direction", &v);
			o->dir = (int)v;
			break;
		case 'x':
			err = num(optarg, 0, BENCH_MAX_TRANS_DELAY, "transmit delay (ns)", &v);
			o->xdelay_ns = (int)v;
			break;
		case 'g':
			err = num(optarg, 1, BENCH_MAX_GRANULE, "granule", &v);
			o->granule = (int)v;
			break;
		case 'm':
			err = num(optarg, 0, 1, "map mode", &v);
			o->mode = (enum bench_mode)v;
			break;
		case 'e':
			err = size_arg(optarg, &o->entry_size);
			break;
		case 'c':
			o->state = STATE_DEFAULT;
			for (int s = 0; s < 3; s++)
				if (!strcmp(optarg, bench_state_names[s]))
					o->state = (enum bench_state)s;
			if (o->state == STATE_DEFAULT)
				return bad("invalid cache state '%s': dirty, clean or resident",
					   optarg);
			break;
		case 'i':
			err = num(optarg, 1, LONG_MAX / 4, "number of iterations", &o->iterations);
			break;
		case 'w':
			err = num(optarg, 0, LONG_MAX / 4, "number of warm-up iterations",
				  &o->warmup);
			o->warmup_given = true;
			break;
		case 'p':
			err = num(optarg, 0, CPU_SETSIZE - 1, "CPU", &v);
			o->cpu = (int)v;
			break;
		case O_MAX_SAMPLES:
			err = num(optarg, 1, 1L << 28, "sample limit", &v);
			o->max_samples = (size_t)v;
			break;
		case O_JSON:
			o->json = optarg;
			break;
		case O_SEED:
			o->seed = true;
			break;
		case O_SWEEP:
			o->sweep = true;
			break;
		case O_OUT:
			o->out_dir = optarg;
			break;
		case O_POINT_MS:
			err = num(optarg, 10, 60000, "time per point (ms)", &v);
			o->point_ms = (int)v;
			break;
		case O_GOALS:
			o->goals = true;
			break;
		case O_NO_DRAIN:
			o->no_drain = true;
			break;
		case O_LAYOUT:
			if (!strcmp(optarg, "pages"))
				o->layout = LAYOUT_PAGES;
			else if (!strcmp(optarg, "packed"))
				o->layout = LAYOUT_PACKED;
			else
				return bad("invalid --sg-layout '%s': pages or packed", optarg);
			break;
		case O_GOALS_FILE:
			o->goals_file = optarg;
			break;
		case O_IOMMU:
			o->iommu = true;
			break;
		case O_DEBUG_COST:
			o->debug_cost = true;
			break;
		case O_SCALING:
			o->scaling = true;
			break;
		case 'q':
			o->quiet = true;
			break;
		case 'h':
			usage(stdout);
			return 1;
		case ':':
			return bad("option '%s' needs a value", argv[optind - 1]);
		default:
			return bad("unknown option '%s'", argv[optind - 1]);
		}
		if (err)
			return try_help();
	}
	if (optind < argc)
		return bad("unexpected argument '%s'", argv[optind]);
	if (o->seed + o->sweep + o->goals + o->iommu + o->debug_cost + o->scaling > 1)
		return bad(
		    "%s",
		    "--seed-experiment, --sweep, --goals, --iommu, --debug-cost and --scaling "
		    "are separate runs");
	if (given['s'] && given['i'])
		return bad("%s", "-s and -i both say how long to run: give one");
	if ((o->seed || o->sweep || o->goals) && check_fixed(o, given))
		return 2;
	if (o->sweep && o->json)
		return bad("%s", "--sweep writes CSV (see --out); --json is for the other runs");
	if (o->goals && o->json)
		return bad("%s", "--json is for a plain run or --seed-experiment, not --goals");
	bool experiment = o->seed || o->sweep || o->goals || o->iommu || o->scaling;

	if (o->layout != LAYOUT_DEFAULT && (experiment || o->mode != MODE_SG))
		return bad("%s", "--sg-layout is for a plain -m 1 run");
	if (o->goals_file && !o->goals)
		return bad("%s", "--goals-file is for --goals");
	if (o->layout == LAYOUT_DEFAULT)
		o->layout = experiment ? LAYOUT_PACKED : LAYOUT_PAGES;
	if (!given['b'])
		o->bits = experiment ? 64 : 32;
	else if (experiment && o->bits < 32)
		return bad("%s", "the experiments' buffers (up to 640 MiB) need -b 32 or more");
	return experiment ? 0 : check_fits(o);
}
