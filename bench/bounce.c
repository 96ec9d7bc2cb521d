/* SPDX-License-Identifier: MIT */
/*
 * dmab-bench-bounce: what bounce buffering costs.
 *
 * 1. Bounce map+unmap against raw memcpy, in the same run: a scatter-gather
 *    list (default 10 MiB in 4 KiB entries) mapped and unmapped through the
 *    pool of a coherent device (so only the bouncing is measured, no cache
 *    maintenance), against a loop that makes exactly the copies bouncing
 *    makes (in at map whatever the direction; out at unmap for FROM_DEVICE
 *    and BIDIRECTIONAL) between the same entries and the very slots the
 *    library gave them, so that both touch the same memory and only the
 *    library's own work differs. The two alternate, iteration by iteration,
 *    on CPU 0. A round's figure is memcpy's median over bounce's median, on
 *    a new device; printed are the median of the rounds' figures and their
 *    spread (lowest, highest). (A drained area restarts at its beginning,
 *    so every map of the list gets the same slots; the run counts any that
 *    did not.)
 * 2. Slot allocation and free per second, 1 and 2 threads, each pinned to
 *    its own CPU: with an area per CPU, and with one area forced. Each
 *    thread keeps a few slots taken and frees the oldest before each new
 *    allocation, through the pool's own calls (no copies, no device
 *    counters). 1 and 2 threads alternate within each round; the median of
 *    the rounds and the spread of their 2t/1t ratios.
 *
 * Goals: bounce throughput at least 0.92 of raw memcpy for 10 MiB
 * in 4 KiB entries (the median of the rounds); 2-thread slot throughput at
 * least 1.8 times 1-thread.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <dmabatch.h>

#include "../src/bounce/areas.h"

#define MiB	   ((size_t)1 << 20)
#define MAX_ROUNDS 99
#define COPY_GOAL  0.92

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* The median of @n figures and their spread, without reordering @v. */
struct spread {
	double median, min, max;
};

static struct spread spread_of(const double *v, int n)
{
	double t[MAX_ROUNDS];

	memcpy(t, v, (size_t)n * sizeof(*t));
	struct spread s = {.median = median(t, n), .min = t[0], .max = t[n - 1]};

	return s;
}

static void die(const char *what, int err)
{
	fprintf(stderr, "dmab-bench-bounce: %s: %s (%s)\n", what, dmab_strerror(err),
		dmab_last_error());
	exit(1);
}

static bool pin(int cpu)
{
	cpu_set_t s;

	CPU_ZERO(&s);
	CPU_SET(cpu, &s);
	return pthread_setaffinity_np(pthread_self(), sizeof(s), &s) == 0;
}

/* ---- 1. bounce against memcpy ---- */

struct copy_case {
	size_t total, entry;
	int iters;
};

static void raw_copies(uint8_t *orig, uint8_t *const *slot, size_t n, size_t entry,
		       enum dmab_dir dir)
{
	for (size_t i = 0; i < n; i++)
		memcpy(slot[i], orig + i * entry, entry);
	if (dir == DMAB_TO_DEVICE)
		return;
	for (size_t i = 0; i < n; i++)
		memcpy(orig + i * entry, slot[i], entry);
}

static void lib_round(struct dmab_device *dev, struct dmab_sg *sg, uint8_t *orig, size_t n,
		      size_t entry, enum dmab_dir dir)
{
	for (size_t i = 0; i < n; i++)
		sg[i] = (struct dmab_sg){.addr = orig + i * entry, .len = entry};
	int r = dmab_map_sg(dev, sg, (int)n, dir, 0);

	if (r != (int)n)
		die("map_sg", r);
	r = dmab_unmap_sg(dev, sg, (int)n, dir, 0);
	if (r)
		die("unmap_sg", r);
}

static double bounce_vs_memcpy(const struct copy_case *c, enum dmab_dir dir, double *lib_ns,
			       double *raw_ns)
{
	size_t n = c->total / c->entry;
	struct dmab_device_config cfg = {
	    .name = "bounce-bench",
	    .numa_node = -1,
	    .coherent = true,
	    .bounce = DMAB_BOUNCE_FORCE,
	    /* every entry takes whole slots; half as much again as headroom */
	    .pool_size = n * ((c->entry + 2047) / 2048 * 2048) * 3 / 2 + 2 * MiB,
	};
	struct dmab_device *dev;
	uint8_t *orig;
	int err = dmab_device_create(&cfg, &dev);

	if (err)
		die("device_create", err);
	if (posix_memalign((void **)&orig, 4096, c->total))
		die("posix_memalign", -ENOMEM);
	memset(orig, 0x5a, c->total);
	struct dmab_sg *sg = calloc(n, sizeof(*sg));
	uint8_t **slot = calloc(n, sizeof(*slot));
	double *lib = calloc((size_t)c->iters, sizeof(double));
	double *raw = calloc((size_t)c->iters, sizeof(double));
	int moved = 0;

	/* the slots the raw loop copies to: those the library gives the list */
	lib_round(dev, sg, orig, n, c->entry, dir);
	for (size_t i = 0; i < n; i++)
		slot[i] = (uint8_t *)(uintptr_t)sg[i].dma_addr;
	for (int it = -5; it < c->iters; it++) {
		for (int k = 0; k < 2; k++) {
			bool do_lib = (k == 0) == (it % 2 == 0);
			double t0 = now();

			if (do_lib)
				lib_round(dev, sg, orig, n, c->entry, dir);
			else
				raw_copies(orig, slot, n, c->entry, dir);
			double t = (now() - t0) * 1e9;

			if (it >= 0)
				(do_lib ? lib : raw)[it] = t;
			if (do_lib)
				moved += sg[n - 1].dma_addr != (uintptr_t)slot[n - 1];
		}
	}
	struct dmab_stats s;

	if (dmab_device_stats(dev, &s) || s.bounce_mappings != (uint64_t)(c->iters + 6) * n)
		die("bounce count", -EIO);
	if (moved)
		printf("(%s: %d of %d maps got other slots than the raw loop uses)\n",
		       dir == DMAB_TO_DEVICE ? "TO_DEVICE" : "list", moved, c->iters + 5);
	*lib_ns = median(lib, c->iters);
	*raw_ns = median(raw, c->iters);
	free(raw);
	free(lib);
	free(slot);
	free(sg);
	free(orig);
	if ((err = dmab_device_destroy(dev)))
		die("device_destroy", err);
	return *raw_ns / *lib_ns;
}

/* ---- 2. slot allocation and free ---- */

#define HELD 8 /* slots each thread keeps taken */

struct slot_worker {
	pthread_t th;
	struct dmab__bounce_pools *bp;
	int cpu;
	double seconds;
	pthread_barrier_t *go;
	uint64_t ops;
	int err;
};

static void *slot_loop(void *arg)
{
	struct slot_worker *w = arg;
	struct dmab__pool *p[HELD];
	size_t first[HELD];
	unsigned k = 0;

	if (!pin(w->cpu))
		w->err = -EINVAL;
	for (int i = 0; i < HELD; i++)
		if (dmab__slots_alloc(w->bp, NULL, 1, 0, 0, &p[i], &first[i]))
			w->err = -ENOMEM;
	pthread_barrier_wait(w->go);
	double end = now() + w->seconds;
	uint64_t ops = 0;

	while (!w->err) {
		for (int i = 0; i < 256; i++, k = (k + 1) % HELD) {
			dmab__slots_free(w->bp, NULL, p[k], first[k], 1);
			if (dmab__slots_alloc(w->bp, NULL, 1, 0, 0, &p[k], &first[k])) {
				w->err = -ENOMEM;
				return NULL;
			}
		}
		ops += 256;
		if (now() >= end)
			break;
	}
	for (int i = 0; i < HELD; i++)
		dmab__slots_free(w->bp, NULL, p[i], first[i], 1);
	w->ops = ops;
	return NULL;
}

/* Allocation+free pairs per second, all threads together. */
static double slot_rate(unsigned areas, int threads, const int *cpus, double seconds)
{
	struct dmab_device_config cfg = {
	    .name = "slot-bench",
	    .numa_node = -1,
	    .coherent = true,
	    .bounce = DMAB_BOUNCE_FORCE,
	    .pool_areas = areas,
	};
	struct dmab_device *dev;
	struct slot_worker w[2];
	pthread_barrier_t go;
	int err = dmab_device_create(&cfg, &dev);

	if (err)
		die("device_create", err);
	pthread_barrier_init(&go, NULL, (unsigned)threads + 1);
	for (int i = 0; i < threads; i++) {
		w[i] = (struct slot_worker){
		    .bp = dev->bounce_pools, .cpu = cpus[i], .seconds = seconds, .go = &go};
		pthread_create(&w[i].th, NULL, slot_loop, &w[i]);
	}
	pthread_barrier_wait(&go);
	double t0 = now();
	uint64_t ops = 0;

	for (int i = 0; i < threads; i++) {
		pthread_join(w[i].th, NULL);
		if (w[i].err)
			die("slot thread (pinning or allocation)", w[i].err);
		ops += w[i].ops;
	}
	double t = now() - t0;

	pthread_barrier_destroy(&go);
	if (dev->bounce_pools->nareas != (areas ? areas : dev->bounce_pools->nareas))
		die("area count", -EIO);
	if ((err = dmab_device_destroy(dev)))
		die("device_destroy", err);
	return (double)ops / t;
}

static void *nothing(void *arg)
{
	return arg;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: dmab-bench-bounce [-i ITERS] [-t TOTAL_MIB] [-e ENTRY_BYTES]\n"
		"                         [-s TENTHS_OF_A_SECOND_PER_SLOT_RUN] [-r ROUNDS]\n"
		"                         [-p PARTS: 1 bounce vs memcpy, 2 slots, 3 both]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	struct copy_case c = {.total = 10 * MiB, .entry = 4096, .iters = 20};
	double seconds = 0.5;
	int rounds = 5, parts = 3, opt;

	while ((opt = getopt(argc, argv, "i:t:e:s:r:p:")) != -1) {
		char *end;
		long v = strtol(optarg, &end, 10);

		if (*end || v <= 0)
			usage();
		switch (opt) {
		case 'i':
			c.iters = (int)v;
			break;
		case 't':
			c.total = (size_t)v * MiB;
			break;
		case 'e':
			c.entry = (size_t)v;
			break;
		case 's':
			seconds = (double)v / 10; /* tenths, so 5 is 0.5 s */
			break;
		case 'r':
			rounds = (int)v;
			break;
		case 'p':
			parts = (int)v;
			break;
		default:
			usage();
		}
	}
	if (c.entry > 256 * 1024 || c.total % c.entry || rounds > MAX_ROUNDS)
		usage();
	/* glibc skips atomics while a process has one thread: make it two
	 * before measuring anything, so 1-thread runs pay what 2-thread runs do. */
	pthread_t th;

	pthread_create(&th, NULL, nothing, NULL);
	pthread_join(th, NULL);

	static const char *const dname[] = {"BIDIRECTIONAL", "TO_DEVICE", "FROM_DEVICE"};
	bool met = true;

	if (!(parts & 1))
		goto slots;
	/* one CPU, so the list's slots come from the same area every time */
	(void)pin(0);
	printf("bounce map_sg+unmap_sg vs raw memcpy: %zu MiB in %zu entries of %zu bytes, "
	       "coherent device, %d rounds of %d iterations\n",
	       c.total / MiB, c.total / c.entry, c.entry, rounds, c.iters);
	printf("%-14s %14s %14s %12s %12s %10s %14s\n", "dir", "bounce us", "memcpy us",
	       "bounce GB/s", "memcpy GB/s", "fraction", "spread");
	for (int d = 0; d < 3; d++) {
		double lib[MAX_ROUNDS], raw[MAX_ROUNDS], f[MAX_ROUNDS];
		double bytes = (double)c.total * (d == DMAB_TO_DEVICE ? 1 : 2);

		for (int r = 0; r < rounds; r++)
			f[r] = bounce_vs_memcpy(&c, (enum dmab_dir)d, &lib[r], &raw[r]);
		struct spread fs = spread_of(f, rounds);
		double l = spread_of(lib, rounds).median, w = spread_of(raw, rounds).median;

		printf("%-14s %14.1f %14.1f %12.2f %12.2f %10.3f %6.3f-%-7.3f\n", dname[d], l / 1e3,
		       w / 1e3, bytes / l, bytes / w, fs.median, fs.min, fs.max);
		met &= fs.median >= COPY_GOAL;
	}
	printf("(us: median over rounds of each round's median; fraction: median of the rounds' "
	       "memcpy/bounce; spread: their lowest and highest)\n");
	printf("goal: bounce throughput >= %.2f of memcpy: %s\n\n", COPY_GOAL,
	       met ? "met" : "NOT met");
	slots:
	if (!(parts & 2))
		return 0;

	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	int cpus[2] = {0, ncpu > 1 ? 1 : 0};

	printf("slot allocation+free per second (1 slot, %d held per thread, threads pinned to "
	       "CPUs %d and %d), %d rounds of %.1f s, 1 and 2 threads alternating\n",
	       HELD, cpus[0], cpus[1], rounds, seconds);
	printf("%-22s %14s %14s %8s %14s\n", "areas", "1 thread M/s", "2 threads M/s", "2t/1t",
	       "spread");
	double ratio_per_cpu = 0;

	for (int forced = 0; forced < 2; forced++) {
		double one[MAX_ROUNDS], two[MAX_ROUNDS], ratio[MAX_ROUNDS];

		for (int r = 0; r < rounds; r++) {
			bool two_first = r % 2;

			if (two_first)
				two[r] = slot_rate(forced ? 1 : 0, 2, cpus, seconds);
			one[r] = slot_rate(forced ? 1 : 0, 1, cpus, seconds);
			if (!two_first)
				two[r] = slot_rate(forced ? 1 : 0, 2, cpus, seconds);
			ratio[r] = two[r] / one[r];
		}
		struct spread rs = spread_of(ratio, rounds);

		printf("%-22s %14.2f %14.2f %8.2f %6.2f-%-7.2f\n",
		       forced ? "one (forced)" : "one per CPU", spread_of(one, rounds).median / 1e6,
		       spread_of(two, rounds).median / 1e6, rs.median, rs.min, rs.max);
		if (!forced)
			ratio_per_cpu = rs.median;
	}
	printf("(M/s: medians over rounds; 2t/1t: median of the rounds' ratios; spread: their "
	       "lowest and highest)\n");
	printf("goal: 2-thread over 1-thread slot throughput >= 1.8 (area per CPU): %s\n",
	       ratio_per_cpu >= 1.8 ? "met" : "NOT met");
	return 0;
}
