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
 *   numa_check <mode> <pci address>...
 */
#include <dmabatch.h>
#include <numaif.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#define ALLOCS 8

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

static int check(const char *arch, const char *bdf)
{
	struct dmab_device_config cfg = {
	    .size = sizeof(cfg),
	    .name = bdf,
	    .coherent = true,
	    .numa_node = -1,
	    .pci_address = bdf,
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
	for (int i = 0; !err && i < 3; i++) {
		len[n] = (size_t)(i + 1) * 8192;
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
	int bad = 0;

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
	for (int i = 2; i >= 0; i--)
		bad |= dmab_free_noncoherent(dev, len[i], cpu[i], dma[i], DMAB_BIDIRECTIONAL);
	bad |= dmab_device_destroy(dev);
	return bad != 0;
}

int main(int argc, char **argv)
{
	struct utsname u;
	cpu_set_t one;
	int bad = 0;

	if (uname(&u) != 0)
		return 2;
	/* A device with no node follows the CPU: each device from CPU 0, then
	 * from CPU 1 (the guests put one CPU on each node). */
	for (int c = 0; c < 2 && c < (int)sysconf(_SC_NPROCESSORS_ONLN); c++) {
		CPU_ZERO(&one);
		CPU_SET(c, &one);
		if (sched_setaffinity(0, sizeof(one), &one) != 0) {
			printf("vm %s numa: FAIL, cannot run on CPU %d\n", u.machine, c);
			return 1;
		}
		printf("# numa_check on CPU %d\n", c);
		for (int i = 2; i < argc; i++)
			bad |= check(u.machine, argv[i]);
	}
	return bad;
}
