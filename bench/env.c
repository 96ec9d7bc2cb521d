/* SPDX-License-Identifier: MIT */
/*
 * The bench's surroundings: the two library devices, the raw loop's
 * instructions, the CPUs to pin to, the memory, and the cache state each
 * map starts from.
 */
#include <errno.h>
#include <numa.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "bench.h"

static int make_device(struct bench_env *env, enum dmab_sync_mode mode, struct dmab_device **out)
{
	struct dmab_device_config cfg = {
	    .name = mode == DMAB_SYNC_BATCHED ? "bench-batched" : "bench-per-entry",
	    .coherent = false,
	    .dma_bits = (unsigned)env->bits,
	    .numa_node = env->node,
	    .sync_mode = mode,
	    /* The backend the raw loop mirrors, whatever DMAB_ARCH says. */
	    .backend = raw_arch,
	};
	int err = dmab_device_create(&cfg, out);

	if (err)
		fprintf(stderr, "dmab-bench: cannot create a non-coherent '%s' device: %s (%s)\n",
			raw_arch, dmab_strerror(err), dmab_last_error());
	return err;
}

/* The CPUs this process may run on, restricted to @node when >= 0. */
static int list_cpus(struct bench_env *env, int node, int first)
{
	cpu_set_t set;
	int start = 0;

	if (sched_getaffinity(0, sizeof(set), &set)) {
		perror("dmab-bench: sched_getaffinity");
		return -errno;
	}
	env->ncpus = 0;
	for (int cpu = 0; cpu < CPU_SETSIZE && env->ncpus < 256; cpu++) {
		if (!CPU_ISSET(cpu, &set))
			continue;
		if (node >= 0 && numa_node_of_cpu(cpu) != node)
			continue;
		if (cpu == first)
			start = env->ncpus;
		env->cpus[env->ncpus++] = cpu;
	}
	if (!env->ncpus) {
		fprintf(stderr, "dmab-bench: no CPU of node %d is allowed to this process\n", node);
		return -EINVAL;
	}
	if (first >= 0 && env->cpus[start] != first) {
		fprintf(stderr, "dmab-bench: CPU %d is not allowed to this process%s\n", first,
			node >= 0 ? " or not on the chosen node" : "");
		return -EINVAL;
	}
	/* Rotate so that thread 0 lands on @first. */
	int tmp[256];

	for (int i = 0; i < env->ncpus; i++)
		tmp[i] = env->cpus[(start + i) % env->ncpus];
	memcpy(env->cpus, tmp, sizeof(int) * (size_t)env->ncpus);
	return 0;
}

/*
 * The clock, measured. A read's cost is the median gap between two reads.
 * The step shows as the spacing of the gaps: on a VM whose TSC ticks by 26
 * cycles, gaps are 20 or 30 ns, never 25 (a gap of one more ns is the
 * rounding of the conversion to ns, folded into its neighbour).
 */
static void measure_clock(struct bench_env *env)
{
	enum { N = 20001, MAXD = 1000 };
	static uint64_t d[N];
	static uint32_t count[MAXD];
	uint64_t step = 0, prev = 0;

	for (int i = 0; i < N; i++) {
		uint64_t a = now_ns(), b = now_ns();

		d[i] = b - a;
		if (d[i] < MAXD)
			count[d[i]]++;
	}
	for (uint64_t g = 1; g < MAXD; g++) {
		if (count[g] < N / 200 || (prev && g == prev + 1 && count[g - 1] >= N / 200))
			continue;
		if (prev && (!step || g - prev < step))
			step = g - prev;
		prev = g;
	}
	struct samples s = {.v = d, .n = N, .cap = N};
	struct summary sum;

	summarize(&s, &sum);
	env->clock_cost_ns = (uint64_t)sum.median;
	/* One gap only: the clock is finer than a read, say 1 ns. */
	env->clock_step_ns = step ? step : 1;
}

int bench_env_init(struct bench_env *env, const struct bench_opts *o)
{
	char why[160] = "";
	int err;

	memset(env, 0, sizeof(*env));
	env->node = o->node;
	env->bits = o->bits;
	env->quiet = o->quiet;
	env->max_addr = o->bits >= 64 ? UINT64_MAX : (UINT64_C(1) << o->bits) - 1;
	if (o->node >= 0 && (numa_available() < 0 || o->node > numa_max_node())) {
		fprintf(stderr, "dmab-bench: NUMA node %d does not exist (highest: %d)\n", o->node,
			numa_available() < 0 ? -1 : numa_max_node());
		return -EINVAL;
	}
	err = list_cpus(env, o->node, o->cpu);
	if (err)
		return err;
	if (bench_pin(env->cpus[0]) == 0)
		measure_clock(env);
	err = make_device(env, DMAB_SYNC_BATCHED, &env->dev[VAR_BATCHED]);
	if (!err)
		err = make_device(env, DMAB_SYNC_PER_ENTRY, &env->dev[VAR_PER_ENTRY]);
	if (err) {
		bench_env_fini(env);
		return err;
	}
	err = raw_probe(&env->raw, why, sizeof(why));
	if (err) {
		fprintf(stderr, "dmab-bench: the raw loop cannot run here: %s\n", why);
		bench_env_fini(env);
		return err;
	}
	if (env->raw.line != dmab_device_line_size(env->dev[VAR_BATCHED])) {
		fprintf(stderr, "dmab-bench: the library uses %zu-byte lines, the raw loop %zu\n",
			dmab_device_line_size(env->dev[VAR_BATCHED]), env->raw.line);
		bench_env_fini(env);
		return -EINVAL;
	}
	return 0;
}

void bench_env_fini(struct bench_env *env)
{
	for (int i = 0; i < 2; i++) {
		if (env->dev[i] && dmab_device_destroy(env->dev[i]))
			fprintf(stderr, "dmab-bench: device still busy: %s\n", dmab_last_error());
		env->dev[i] = NULL;
	}
}

int bench_pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	/* pid 0 is the calling thread, not the process. */
	if (sched_setaffinity(0, sizeof(set), &set))
		return -errno;
	return 0;
}

size_t bench_pages_stride(size_t entry_size)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);

	return ((entry_size + page - 1) & ~(page - 1)) + page;
}

uint64_t bench_low_base(void)
{
	uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE), min = 65536;
	FILE *f = fopen("/proc/sys/vm/mmap_min_addr", "r");

	if (f) {
		unsigned long long v;

		if (fscanf(f, "%llu", &v) == 1)
			min = v;
		fclose(f);
	}
	if (min < page)
		min = page;
	return (min + page - 1) & ~(page - 1);
}

#define PLACE_ALIGN (UINT64_C(64) << 10)

uint64_t bench_place_size(size_t size)
{
	return ((uint64_t)size + PLACE_ALIGN - 1) & ~(PLACE_ALIGN - 1);
}

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif

/*
 * Below the mask: the first free place from the lowest mappable address up,
 * in steps of the buffer's size. MAP_FIXED_NOREPLACE never takes over a
 * mapping; a kernel that does not know it treats the address as a hint,
 * and the result is checked either way.
 */
static void *place_low(const struct bench_env *env, size_t size)
{
	uint64_t step = bench_place_size(size);

	for (uint64_t a = bench_low_base(); a + size - 1 <= env->max_addr; a += step) {
		void *p = mmap((void *)(uintptr_t)a, size, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);

		if (p == MAP_FAILED)
			continue;
		if ((uint64_t)(uintptr_t)p == a)
			return p;
		munmap(p, size); /* taken as a hint, and not kept: try the next place */
	}
	return MAP_FAILED;
}

/*
 * Page-aligned memory the device can reach. With a DMA mask narrower than
 * user-space addresses the buffer is placed low in the address space (the
 * lowest free place); if none is free under the mask, that is an error, not
 * a silent bounce.
 */
void *bench_buf_alloc(const struct bench_env *env, size_t size)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	void *p;

	size = (size + page - 1) & ~(page - 1);
	if (env->max_addr < (UINT64_C(1) << 47))
		p = place_low(env, size);
	else
		p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED && env->max_addr < (UINT64_C(1) << 47)) {
		fprintf(stderr,
			"dmab-bench: no free place for %zu bytes under the %d-bit DMA mask; use a "
			"wider -b\n",
			size, env->bits);
		return NULL;
	}
	if (p == MAP_FAILED) {
		fprintf(stderr, "dmab-bench: cannot map %zu bytes: %s\n", size, strerror(errno));
		return NULL;
	}
	if ((uint64_t)(uintptr_t)p + size - 1 > env->max_addr) {
		fprintf(stderr,
			"dmab-bench: the buffer landed at %p+%zu, beyond the %d-bit DMA mask; "
			"use a wider -b\n",
			p, size, env->bits);
		munmap(p, size);
		return NULL;
	}
	if (env->node >= 0)
		numa_tonode_memory(p, size, env->node);
	return p;
}

void bench_buf_free(void *buf, size_t size)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);

	if (buf)
		munmap(buf, (size + page - 1) & ~(page - 1));
}

/*
 * Store every byte through the cache. A libc memset may switch to
 * non-temporal stores for large sizes, which would leave the lines written
 * back and uncached: clean, not dirty. Volatile 8-byte stores cannot be
 * turned into such a call.
 */
static void dirty(void *buf, size_t len)
{
	volatile uint64_t *p = buf;
	size_t n = len / 8;

	for (size_t i = 0; i < n; i++)
		p[i] = UINT64_C(0x6666666666666666);
	for (size_t i = n * 8; i < len; i++)
		((volatile unsigned char *)buf)[i] = 0x66;
}

void bench_prepare(const struct bench_env *env, void *buf, size_t len, enum bench_state st)
{
	uintptr_t mask = env->raw.line - 1;
	uintptr_t s = (uintptr_t)buf & ~mask, e = ((uintptr_t)buf + len + mask) & ~mask;

	if (st == STATE_DIRTY) {
		dirty(buf, len);
	} else {
		/* Write back and evict: nothing of it cached, nothing dirty. */
		raw_inval(s, e);
		raw_complete();
	}
	if (st == STATE_RESIDENT) {
		uint64_t sink = 0;

		raw_drain();
		for (uintptr_t p = s; p < e; p += env->raw.line)
			sink += *(volatile unsigned char *)p;
		__asm__ volatile("" ::"r"(sink));
	}
	/* The map starts when all of this has settled, not while it drains. */
	raw_drain();
}
