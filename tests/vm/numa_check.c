/* SPDX-License-Identifier: MIT */
/*
 * numa_check: a guest program of tests/vm. For each PCI device named on the
 * command line, a libdmabatch device that takes its node from sysfs (none:
 * it follows the calling CPU; the program runs on CPU 0, then on CPU 1), a
 * bounce pool, and allocations of every kind; then the program asks the
 * kernel itself (move_pages in query mode) where each one's pages are, and
 * prints one line (split here)
 *
 *   vm <arch> numa <pci address> node <N>: pool on node <P>,
 *     <K> allocations on node <N>, <F> fallbacks
 *
 * with N the node the memory is wanted on, P the bounce pool's node, K the
 * allocations (of ALLOCS) whose every page is on N, F the library's count
 * of fallbacks. A page off its node, or a count that disagrees with the
 * library's own, is a FAIL line.
 *
 * Then, on CPU 0, a forced fallback: node 1 is filled (memory bound there
 * and touched) until FILL_LEFT bytes are free, and the last device, given
 * node 1 in its config, makes the same regions with noncoherent allocations
 * of BIG bytes, more than node 1 has left. The line has the same shape,
 *
 *   vm <arch> numa <pci address> node 1: pool on node 1,
 *     5 allocations on node 1, 3 fallbacks
 *
 * (the three big allocations fell back to the default policy, which puts
 * them on CPU 0's node 0 unless that node runs short too: the count is
 * checked, where their pages went is reported).
 *
 * Last, the bounce figure: map+unmap of a BOUNCE_LEN buffer on node 0,
 * bounced (DMAB_BOUNCE_FORCE, DMAB_BIDIRECTIONAL: a copy in at map, a copy
 * out at unmap) through the pool of a device on node 0 (local) and of one
 * on node 1 (remote), BOUNCE_ROUNDS interleaved rounds of BOUNCE_MAPS
 * mappings each, printed as one JSON line (keys in tests/vm/README.md):
 *
 *   {"vm_numa_bounce": {"arch": ..., "local_mb_s": ..., "remote_mb_s": ...,
 *     "ratio": ..., "rounds": N, ...}}
 *
 * In mode uio (hugepages reserved, root), a dmab_alloc_contiguous() of two
 * hugepages on the pagemap translator, checked against the kernel's
 * pagemap:
 *
 *   vm <arch> contiguous uio: ok, 2 hugepages physically adjacent at <phys>
 *
 *   numa_check <mode> <pci address>...
 */
#include <dmabatch.h>
#include <dmabatch/xlate.h>
#include <fcntl.h>
#include <numa.h>
#include <numaif.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#define ALLOCS	  8
#define NONCOH	  3			      /* the first NONCOH allocations are noncoherent */
#define FILL_LEFT (16ll << 20)		      /* bytes left free on node 1 by the fallback case */
#define BIG	  (((size_t)24 << 20) + 4096) /* more than node 1 has left; not of hugepages */

#define CONTIG_PAGES 2 /* hugepages in one dmab_alloc_contiguous() */

#define BOUNCE_LEN    ((size_t)64 << 10)
#define BOUNCE_MAPS   32
#define BOUNCE_ROUNDS 7

/* The forced-fallback case: the node given in the config, and the size of
 * the noncoherent allocations (0: the usual 8, 16, 24 KiB). */
struct plan {
	int node;
	size_t noncoherent;
};

/* Are all pages of [p, p + len) on @node? The kernel says, not the library. */
static int pages_on(void *p, size_t len, int node)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);

	for (size_t off = 0; off < len; off += page) {
		void *at = (char *)p + off;
		int status = -1;

		if (move_pages(0, 1, &at, NULL, &status, 0) != 0 || status != node)
			return 0;
	}
	return 1;
}

static int check(const char *arch, const char *bdf, const struct plan *plan)
{
	struct dmab_device_config cfg = {
	    .size = sizeof(cfg),
	    .name = bdf,
	    .coherent = true,
	    .numa_node = plan ? plan->node : -1,
	    .pci_address = plan ? NULL : bdf,
	    .dma_bits = 32,
	    .bounce = DMAB_BOUNCE_FORCE,
	    .pool_size = 256 << 10,
	};
	struct dmab_device *dev;
	struct dmab_pool *pool;
	struct dmab_stats s;
	static char buf[512];
	void *cpu[ALLOCS];
	dmab_addr_t dma[ALLOCS], bus;
	size_t len[ALLOCS];
	int err, k = 0, n = 0;
	unsigned cpu_now = 0, node_now = 0;

	err = dmab_device_create(&cfg, &dev);
	if (err) {
		printf("vm %s numa %s: FAIL, device_create: %s (%s)\n", arch, bdf,
		       dmab_strerror(err), dmab_last_error());
		return 1;
	}
	/* The bounce pool: made at the first mapping that bounces. */
	err = dmab_map_single(dev, buf, sizeof(buf), DMAB_TO_DEVICE, 0, &bus);
	if (!err)
		err = dmab_unmap_single(dev, bus, sizeof(buf), DMAB_TO_DEVICE, 0);
	for (int i = 0; !err && i < NONCOH; i++) {
		len[n] = plan ? plan->noncoherent : (size_t)(i + 1) * 8192;
		err = dmab_alloc_noncoherent(dev, len[n], DMAB_BIDIRECTIONAL, &cpu[n], &dma[n]);
		n += !err;
	}
	for (int i = 0; !err && i < 3; i++) {
		len[n] = 4096 << i;
		err = dmab_alloc_coherent(dev, len[n], &cpu[n], &dma[n]);
		n += !err;
	}
	if (!err)
		err = dmab_pool_create(dev, "desc", 64, 64, 4096, &pool);
	for (int i = 0; !err && i < 2; i++) {
		len[n] = 64;
		err = dmab_pool_alloc(pool, &cpu[n], &dma[n]);
		n += !err;
	}
	if (err || dmab_device_stats(dev, &s)) {
		printf("vm %s numa %s: FAIL, %s (%s)\n", arch, bdf, dmab_strerror(err),
		       dmab_last_error());
		return 1;
	}
	(void)syscall(SYS_getcpu, &cpu_now, &node_now, NULL);
	int want = s.numa_node >= 0 ? s.numa_node : (int)node_now;

	for (int i = 0; i < n; i++)
		k += pages_on(cpu[i], len[i], want);
	printf(
	    "vm %s numa %s node %d: pool on node %d, %d allocations on node %d, %llu fallbacks\n",
	    arch, bdf, want, s.bounce_node, k, want, (unsigned long long)s.alloc_fallback);
	int bad = 0, home = 0;

	/* The fallbacks went where the default policy puts memory: mostly the
	 * CPU's node, but the kernel may spill pages of a big allocation to
	 * another node when that one runs short, so this is reported, not
	 * judged: the library's promise is the count. */
	for (int i = 0; plan && i < NONCOH; i++)
		home += pages_on(cpu[i], len[i], (int)node_now);
	if (plan)
		printf("# numa_check: %d of %d fallback allocations wholly on CPU %d's node %u\n",
		       home, NONCOH, 0, node_now);
	if (plan && (s.alloc_fallback != NONCOH || k != ALLOCS - NONCOH))
		bad = printf("vm %s numa %s: FAIL, forced fallback: %llu fallbacks, %d of %d "
			     "allocations on node %d (expected %d, %d)\n",
			     arch, bdf, (unsigned long long)s.alloc_fallback, k, ALLOCS, want,
			     NONCOH, ALLOCS - NONCOH);
	/* Regions: the pool, 6 allocations, one pool chunk; each counted once. */
	if (s.alloc_local + s.alloc_fallback != 8 || s.alloc_mismatch)
		bad = printf("vm %s numa %s: FAIL, the library counted %llu local, %llu fallback, "
			     "%llu mismatched regions\n",
			     arch, bdf, (unsigned long long)s.alloc_local,
			     (unsigned long long)s.alloc_fallback,
			     (unsigned long long)s.alloc_mismatch);
	for (int i = n - 1; i >= 6; i--)
		bad |= dmab_pool_free(pool, cpu[i], dma[i]);
	bad |= dmab_pool_destroy(pool);
	for (int i = 5; i >= 3; i--)
		bad |= dmab_free_coherent(dev, len[i], cpu[i], dma[i]);
	for (int i = NONCOH - 1; i >= 0; i--)
		bad |= dmab_free_noncoherent(dev, len[i], cpu[i], dma[i], DMAB_BIDIRECTIONAL);
	bad |= dmab_device_destroy(dev);
	return bad != 0;
}

/*
 * Bind memory to @node and touch it until the node has @left bytes free (or
 * less); *@len is what was mapped. Return: the memory, or NULL.
 */
static void *fill_node(int node, long long left, size_t *len)
{
	long long free_b = 0, size = numa_node_size64(node, &free_b);
	unsigned long mask = 1ul << node;
	size_t step = (size_t)1 << 20, used = 0;

	if (size <= 0)
		return NULL;
	*len = (size_t)size;
	char *p = mmap(NULL, *len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	if (mbind(p, *len, MPOL_BIND, &mask, sizeof(mask) * 8, 0) != 0) {
		munmap(p, *len);
		return NULL;
	}
	while (numa_node_size64(node, &free_b) > 0 && free_b > left && used + step <= *len) {
		memset(p + used, 1, step);
		used += step;
	}
	if (free_b > left) {
		munmap(p, *len);
		return NULL;
	}
	return p;
}

/* Node 1 nearly full, then the last device on node 1 with big allocations. */
static int forced_fallback(const char *arch, const char *bdf)
{
	const struct plan plan = {.node = 1, .noncoherent = BIG};
	size_t len = 0;
	long long free_b = 0;
	void *hog = fill_node(1, FILL_LEFT, &len);

	if (!hog) {
		printf("vm %s numa %s: FAIL, forced fallback: cannot fill node 1 to %lld MiB "
		       "free\n",
		       arch, bdf, FILL_LEFT >> 20);
		return 1;
	}
	(void)numa_node_size64(1, &free_b);
	printf("# numa_check: forced fallback, node 1 filled to %lld MiB free, noncoherent "
	       "allocations of %zu MiB\n",
	       free_b >> 20, BIG >> 20);
	int bad = check(arch, bdf, &plan);

	munmap(hog, len);
	return bad;
}

static uint64_t now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

/* Sort the @n figures of @v in place (few: insertion). */
static void sort_figures(double *v, int n)
{
	for (int i = 1; i < n; i++)
		for (int j = i; j > 0 && v[j - 1] > v[j]; j--) {
			double t = v[j];

			v[j] = v[j - 1];
			v[j - 1] = t;
		}
}

/* MB/s of @buf's bytes mapped and unmapped through @dev's pool; <0 error. */
static double bounce_rate(struct dmab_device *dev, void *buf)
{
	uint64_t t0 = now_ns();

	for (int i = 0; i < BOUNCE_MAPS; i++) {
		dmab_addr_t bus;

		if (dmab_map_single(dev, buf, BOUNCE_LEN, DMAB_BIDIRECTIONAL, 0, &bus) ||
		    dmab_unmap_single(dev, bus, BOUNCE_LEN, DMAB_BIDIRECTIONAL, 0))
			return -1;
	}
	return (double)BOUNCE_LEN * BOUNCE_MAPS * 1e3 / (double)(now_ns() - t0);
}

/* The local-vs-remote bounce figure, from CPU 0 with the buffer on node 0. */
static int bounce_figure(const char *arch)
{
	static const char *const name[2] = {"bounce-local", "bounce-remote"};
	struct dmab_device *dev[2] = {NULL, NULL};
	double mb[2][BOUNCE_ROUNDS];
	unsigned long mask = 1;
	int bad = 0;
	void *buf =
	    mmap(NULL, BOUNCE_LEN, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (buf == MAP_FAILED || mbind(buf, BOUNCE_LEN, MPOL_BIND, &mask, 64, 0) != 0) {
		printf("vm %s numa bounce: FAIL, no buffer on node 0\n", arch);
		return 1;
	}
	memset(buf, 7, BOUNCE_LEN);
	for (int d = 0; d < 2 && !bad; d++) {
		struct dmab_device_config cfg = {.size = sizeof(cfg),
						 .name = name[d],
						 .coherent = true,
						 .numa_node = d,
						 .dma_bits = 32,
						 .bounce = DMAB_BOUNCE_FORCE,
						 .pool_size = (size_t)1 << 20};
		struct dmab_stats s;

		bad = dmab_device_create(&cfg, &dev[d]) != 0 || bounce_rate(dev[d], buf) < 0 ||
		      dmab_device_stats(dev[d], &s) != 0;
		if (bad)
			printf("vm %s numa bounce: FAIL, %s: %s\n", arch, name[d],
			       dmab_last_error());
		else if (s.bounce_node != d)
			bad = printf("vm %s numa bounce: FAIL, %s: pool on node %d, not %d\n", arch,
				     name[d], s.bounce_node, d);
	}
	/* Interleaved: each round runs both, the order alternating. */
	for (int r = 0; r < BOUNCE_ROUNDS && !bad; r++)
		for (int i = 0; i < 2 && !bad; i++) {
			int d = (r + i) % 2;

			mb[d][r] = bounce_rate(dev[d], buf);
			if (mb[d][r] < 0)
				bad = printf("vm %s numa bounce: FAIL, %s: %s\n", arch, name[d],
					     dmab_last_error());
		}
	if (!bad) {
		sort_figures(mb[0], BOUNCE_ROUNDS);
		sort_figures(mb[1], BOUNCE_ROUNDS);
		double loc = mb[0][BOUNCE_ROUNDS / 2], rem = mb[1][BOUNCE_ROUNDS / 2];

		printf("# vm_numa_bounce: under QEMU TCG both nodes' memory is the host's, "
		       "emulated alike: the ratio is an emulation artefact, not a NUMA cost\n");
		printf(
		    "{\"vm_numa_bounce\": {\"arch\": \"%s\", \"local_mb_s\": %.1f, "
		    "\"remote_mb_s\": %.1f, \"ratio\": %.3f, \"rounds\": %d, \"map_bytes\": %zu, "
		    "\"maps_per_round\": %d, \"local_min\": %.1f, \"local_max\": %.1f, "
		    "\"remote_min\": %.1f, \"remote_max\": %.1f}}\n",
		    arch, loc, rem, loc / rem, BOUNCE_ROUNDS, BOUNCE_LEN, BOUNCE_MAPS, mb[0][0],
		    mb[0][BOUNCE_ROUNDS - 1], mb[1][0], mb[1][BOUNCE_ROUNDS - 1]);
	}
	for (int d = 0; d < 2; d++)
		if (dev[d] && dmab_device_destroy(dev[d]) != 0)
			bad = printf("vm %s numa bounce: FAIL, destroy: %s\n", arch,
				     dmab_last_error());
	munmap(buf, BOUNCE_LEN);
	return bad != 0;
}

/* The physical address of @p, from the kernel's pagemap; 0 unknown. */
static uint64_t phys_of(const void *p)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	uint64_t ent = 0;
	int fd = open("/proc/self/pagemap", O_RDONLY);

	if (fd >= 0 && pread(fd, &ent, 8, (off_t)((uintptr_t)p / page * 8)) != 8)
		ent = 0;
	if (fd >= 0)
		close(fd);
	return (ent & ((UINT64_C(1) << 55) - 1)) * page;
}

/*
 * UIO (no IOMMU, hugepages reserved): dmab_alloc_contiguous() of
 * CONTIG_PAGES hugepages on the pagemap translator, and the kernel's own
 * pagemap asked whether they are one physical run at the bus address.
 */
static int contiguous_check(const char *arch)
{
	struct dmab_xlate_config x = {.kind = DMAB_XLATE_PAGEMAP};
	struct dmab_device_config cfg = {.size = sizeof(cfg),
					 .name = "contiguous",
					 .coherent = true,
					 .numa_node = -1,
					 .xlate = &x};
	struct dmab_device *dev;
	size_t huge = (size_t)2 << 20, len = CONTIG_PAGES * huge;
	void *cpu = NULL;
	dmab_addr_t dma = 0;
	int err = dmab_device_create(&cfg, &dev), bad = 0;

	if (!err)
		err = dmab_alloc_contiguous(dev, len, &cpu, &dma);
	if (err) {
		printf("vm %s contiguous uio: FAIL, %s (%s)\n", arch, dmab_strerror(err),
		       dmab_last_error());
		return 1;
	}
	for (int i = 0; i < CONTIG_PAGES; i++)
		if (phys_of((char *)cpu + (size_t)i * huge) != dma + (size_t)i * huge)
			bad = printf("vm %s contiguous uio: FAIL, hugepage %d is at 0x%llx, not "
				     "0x%llx\n",
				     arch, i, (unsigned long long)phys_of((char *)cpu + i * huge),
				     (unsigned long long)(dma + i * huge));
	if (!bad)
		printf("vm %s contiguous uio: ok, %d hugepages physically adjacent at 0x%llx\n",
		       arch, CONTIG_PAGES, (unsigned long long)dma);
	if (dmab_free_contiguous(dev, len, cpu, dma) || dmab_device_destroy(dev))
		bad = printf("vm %s contiguous uio: FAIL, free: %s\n", arch, dmab_last_error());
	return bad != 0;
}

static int on_cpu(const char *arch, int c)
{
	cpu_set_t one;

	CPU_ZERO(&one);
	CPU_SET(c, &one);
	if (sched_setaffinity(0, sizeof(one), &one) != 0) {
		printf("vm %s numa: FAIL, cannot run on CPU %d\n", arch, c);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct utsname u;
	int bad = 0;

	if (uname(&u) != 0)
		return 2;
	/* A device with no node follows the CPU: each device from CPU 0, then
	 * from CPU 1 (the guests put one CPU on each node). */
	for (int c = 0; c < 2 && c < (int)sysconf(_SC_NPROCESSORS_ONLN); c++) {
		if (on_cpu(u.machine, c))
			return 1;
		printf("# numa_check on CPU %d\n", c);
		for (int i = 2; i < argc; i++)
			bad |= check(u.machine, argv[i], NULL);
	}
	if (argc > 2 && numa_available() >= 0 && numa_max_node() >= 1) {
		if (on_cpu(u.machine, 0))
			return 1;
		bad |= forced_fallback(u.machine, argv[argc - 1]);
		bad |= bounce_figure(u.machine);
	}
	if (argc > 1 && strcmp(argv[1], "uio") == 0)
		bad |= contiguous_check(u.machine);
	return bad;
}
