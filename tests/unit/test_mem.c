/* SPDX-License-Identifier: MIT */
/*
 * DMA memory: dmab_alloc_noncoherent / coherent / contiguous and dmab_pool_*,
 * their errors (bad size, alignment, boundary, direction, no provider for
 * coherent memory on a non-coherent device), frees checked against the
 * record, -EBUSY while anything is live, the simulator seeing the memory.
 */
#include <dmabatch/xlate.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <dmabatch/sim.h>

#include "helpers.h"

static struct dmab_device *make(bool coherent, unsigned bits,
				const struct dmab_uncached_provider *u, struct dmab_sim *sim)
{
	struct dmab_device_config cfg = {
	    .size = sizeof(cfg),
	    .name = "mem",
	    .coherent = coherent,
	    .numa_node = -1,
	    .dma_bits = bits,
	    .backend = sim ? NULL : "trace",
	    .sim = sim,
	    .uncached = u,
	};
	struct dmab_device *dev = NULL;

	assert_int_equal(dmab_device_create(&cfg, &dev), 0);
	return dev;
}

static bool all_zero(const unsigned char *p, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (p[i])
			return false;
	return true;
}

static void test_noncoherent(void **state)
{
	(void)state;
	struct dmab_device *dev = make(false, 0, NULL, NULL);
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	void *cpu = NULL;
	dmab_addr_t dma = 0;

	assert_int_equal(dmab_alloc_noncoherent(dev, 5000, DMAB_FROM_DEVICE, &cpu, &dma), 0);
	assert_non_null(cpu);
	assert_int_equal((uintptr_t)cpu % page, 0);
	assert_int_equal(dma % page, 0);
	assert_true(all_zero(cpu, 5000));
	memset(cpu, 0xa5, 5000);

	/* The driver syncs it: maintenance goes where the bus address says. */
	struct dmab_stats before = stats_of(dev);

	assert_int_equal(dmab_sync_single_for_cpu(dev, dma, 5000, DMAB_FROM_DEVICE), 0);
	assert_true(stats_of(dev).lines_invalidated > before.lines_invalidated);

	/* Wrong frees: nothing freed, the record stays. */
	assert_int_equal(dmab_free_noncoherent(dev, 4096, cpu, dma, DMAB_FROM_DEVICE), -EINVAL);
	assert_non_null(strstr(dmab_last_error(), "length"));
	assert_int_equal(dmab_free_noncoherent(dev, 5000, cpu, dma, DMAB_TO_DEVICE), -EINVAL);
	assert_int_equal(dmab_free_noncoherent(dev, 5000, cpu, dma + page, DMAB_FROM_DEVICE),
			 -EINVAL);
	assert_int_equal(dmab_free_coherent(dev, 5000, cpu, dma), -EINVAL);
	assert_non_null(strstr(dmab_last_error(), "dmab_alloc_noncoherent"));
	assert_int_equal(dmab_free_contiguous(dev, 5000, cpu, dma), -EINVAL);
	assert_int_equal(dmab_free_noncoherent(dev, 5000, (char *)cpu + 64, dma, DMAB_FROM_DEVICE),
			 -EINVAL);
	assert_int_equal(stats_of(dev).alloc_live, 1);
	assert_int_equal(dmab_device_destroy(dev), -EBUSY);
	assert_non_null(strstr(dmab_last_error(), "allocations"));

	assert_int_equal(dmab_free_noncoherent(dev, 5000, cpu, dma, DMAB_FROM_DEVICE), 0);
	assert_int_equal(dmab_free_noncoherent(dev, 5000, cpu, dma, DMAB_FROM_DEVICE), -EINVAL);
	assert_int_equal(stats_of(dev).alloc_live, 0);
	assert_int_equal(dmab_device_destroy(dev), 0);
}

static void test_bad_arguments(void **state)
{
	(void)state;
	struct dmab_device *dev = make(true, 0, NULL, NULL);
	void *cpu = NULL;
	dmab_addr_t dma;

	assert_int_equal(dmab_alloc_noncoherent(dev, 0, DMAB_TO_DEVICE, &cpu, &dma), -EINVAL);
	assert_int_equal(
	    dmab_alloc_noncoherent(dev, DMAB_ALLOC_MAX + 1, DMAB_TO_DEVICE, &cpu, &dma), -EINVAL);
	assert_int_equal(dmab_alloc_noncoherent(dev, SIZE_MAX, DMAB_TO_DEVICE, &cpu, &dma),
			 -EINVAL);
	assert_int_equal(dmab_alloc_noncoherent(dev, 64, (enum dmab_dir)3, &cpu, &dma), -EINVAL);
	assert_int_equal(dmab_alloc_noncoherent(NULL, 64, DMAB_TO_DEVICE, &cpu, &dma), -EINVAL);
	assert_int_equal(dmab_alloc_noncoherent(dev, 64, DMAB_TO_DEVICE, NULL, &dma), -EINVAL);
	assert_int_equal(dmab_alloc_coherent(dev, 64, &cpu, NULL), -EINVAL);
	assert_int_equal(dmab_alloc_coherent(dev, 0, &cpu, &dma), -EINVAL);
	assert_int_equal(dmab_alloc_contiguous(dev, 0, &cpu, &dma), -EINVAL);
	assert_null(cpu);
	assert_int_equal(dmab_free_coherent(NULL, 64, cpu, 0), -EINVAL);
	assert_int_equal(dmab_free_coherent(dev, 64, NULL, 0), -EINVAL);
	int unrelated;

	assert_int_equal(dmab_free_coherent(dev, 64, &unrelated, 0), -EINVAL);
	struct dmab_stats s = stats_of(dev);

	assert_int_equal(s.alloc_live, 0);
	assert_int_equal(s.alloc_local + s.alloc_fallback, 0);
	assert_int_equal(dmab_device_destroy(dev), 0);
}

/* Non-coherent without a provider: refused, and told what to use. */
static void test_coherent_needs_provider(void **state)
{
	(void)state;
	struct dmab_device *dev = make(false, 0, NULL, NULL);
	void *cpu = NULL;
	dmab_addr_t dma;

	assert_int_equal(dmab_alloc_coherent(dev, 4096, &cpu, &dma), -EOPNOTSUPP);
	assert_null(cpu);
	assert_non_null(strstr(dmab_last_error(), "dmab_alloc_noncoherent"));
	assert_non_null(strstr(dmab_last_error(), "uncached"));
	assert_int_equal(stats_of(dev).alloc_live, 0);
	assert_int_equal(dmab_device_destroy(dev), 0);

	/* A coherent device: ordinary memory. */
	dev = make(true, 0, NULL, NULL);
	assert_int_equal(dmab_alloc_coherent(dev, 4096, &cpu, &dma), 0);
	assert_true(all_zero(cpu, 4096));
	assert_int_equal(dmab_free_noncoherent(dev, 4096, cpu, dma, DMAB_BIDIRECTIONAL), -EINVAL);
	assert_int_equal(dmab_free_coherent(dev, 4096, cpu, dma), 0);
	assert_int_equal(dmab_device_destroy(dev), 0);
}

/* A provider of "uncached" memory (plain mappings, for the test), counted. */
struct provider_log {
	int allocs, frees, fail;
	size_t last_len;
	int last_node;
};

static int p_alloc(void *ctx, size_t len, int node, void **cpu)
{
	struct provider_log *l = ctx;

	if (l->fail)
		return -ENOSPC;
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return -ENOMEM;
	memset(p, 0x5a, len); /* the library must zero it */
	l->allocs++;
	l->last_len = len;
	l->last_node = node;
	*cpu = p;
	return 0;
}

static void p_free(void *ctx, void *cpu, size_t len)
{
	struct provider_log *l = ctx;

	l->frees++;
	assert_int_equal(len, l->last_len);
	munmap(cpu, len);
}

static void test_coherent_from_provider(void **state)
{
	(void)state;
	struct provider_log log = {0};
	struct dmab_uncached_provider u = {
	    .name = "test", .alloc = p_alloc, .free = p_free, .ctx = &log};
	struct dmab_sim *sim = NULL;

	assert_int_equal(dmab_sim_create(NULL, &sim), 0);
	struct dmab_device *dev = make(false, 0, &u, sim);
	void *cpu;
	dmab_addr_t dma;

	assert_int_equal(dmab_alloc_coherent(dev, 100, &cpu, &dma), 0);
	assert_int_equal(log.allocs, 1);
	assert_int_equal(log.last_len, (size_t)sysconf(_SC_PAGESIZE));
	assert_true(all_zero(cpu, 100));
	/* Uncached for the simulator: the device reads the CPU's stores with no
	 * sync at all. */
	memcpy(cpu, "ring", 4);
	char seen[4];

	assert_int_equal(dmab_sim_dev_read(sim, dma, seen, 4), 0);
	assert_memory_equal(seen, "ring", 4);
	assert_int_equal(dmab_free_coherent(dev, 100, cpu, dma), 0);
	assert_int_equal(log.frees, 1);
	assert_int_equal(dmab_sim_dev_read(sim, dma, seen, 4), -EFAULT); /* gone */

	/* The provider's error comes back; nothing is recorded. */
	log.fail = 1;
	assert_int_equal(dmab_alloc_coherent(dev, 100, &cpu, &dma), -ENOSPC);
	assert_non_null(strstr(dmab_last_error(), "test"));
	assert_int_equal(stats_of(dev).alloc_live, 0);
	assert_int_equal(dmab_device_destroy(dev), 0);
	dmab_sim_destroy(sim);
}

/* Non-coherent memory on a simulator: cached, so the device sees the CPU's
 * stores only after a sync for the device. */
static void test_noncoherent_on_sim(void **state)
{
	(void)state;
	struct dmab_sim *sim = NULL;

	assert_int_equal(dmab_sim_create(NULL, &sim), 0);
	struct dmab_device *dev = make(false, 0, NULL, sim);
	void *cpu;
	dmab_addr_t dma;
	char seen[8];

	assert_int_equal(dmab_alloc_noncoherent(dev, 4096, DMAB_TO_DEVICE, &cpu, &dma), 0);
	memcpy(cpu, "desc0001", 8);
	assert_int_equal(dmab_sync_single_for_device(dev, dma, 4096, DMAB_TO_DEVICE), 0);
	assert_int_equal(dmab_sim_dev_read(sim, dma, seen, 8), 0);
	assert_memory_equal(seen, "desc0001", 8);
	assert_int_equal(dmab_free_noncoherent(dev, 4096, cpu, dma, DMAB_TO_DEVICE), 0);
	assert_int_equal(dmab_device_destroy(dev), 0);
	dmab_sim_destroy(sim);
}

/* A 32-bit device: the memory lies under its mask. */
static void test_under_mask(void **state)
{
	(void)state;
	struct dmab_device *dev = make(true, 32, NULL, NULL);
	void *cpu;
	dmab_addr_t dma;

	assert_int_equal(dmab_alloc_coherent(dev, 65536, &cpu, &dma), 0);
	assert_true(dma + 65535 <= UINT32_MAX);
	assert_int_equal(dmab_free_coherent(dev, 65536, cpu, dma), 0);
	assert_int_equal(dmab_device_destroy(dev), 0);

	/* A 20-bit device: 1 MiB of address space cannot hold a region. */
	dev = make(true, 20, NULL, NULL);
	assert_int_equal(dmab_alloc_noncoherent(dev, 4096, DMAB_TO_DEVICE, &cpu, &dma), -ERANGE);
	assert_int_equal(stats_of(dev).alloc_live, 0);
	assert_int_equal(dmab_device_destroy(dev), 0);
}

static long free_hugepages(void)
{
	char line[128];
	long n = 0;
	FILE *f = fopen("/proc/meminfo", "r");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "HugePages_Free: %ld", &n) == 1)
			break;
	fclose(f);
	return n;
}

static void test_contiguous(void **state)
{
	(void)state;
	struct dmab_device *dev = make(true, 0, NULL, NULL);
	void *cpu = NULL;
	dmab_addr_t dma;

	/* More than a hugepage: identity translation cannot show adjacency. */
	assert_int_equal(dmab_alloc_contiguous(dev, (2u << 20) + 1, &cpu, &dma), -ENOTSUP);
	assert_non_null(strstr(dmab_last_error(), "adjacent"));
	int err = dmab_alloc_contiguous(dev, 4096, &cpu, &dma);

	if (free_hugepages() == 0) {
		assert_int_equal(err, -ENOMEM);
		assert_non_null(strstr(dmab_last_error(), "nr_hugepages"));
		print_message("no hugepages reserved: only the refusal is tested\n");
	} else if (err == 0) {
		assert_int_equal((uintptr_t)cpu % (2u << 20), 0);
		assert_int_equal(dmab_free_coherent(dev, 4096, cpu, dma), -EINVAL);
		assert_int_equal(dmab_free_contiguous(dev, 4096, cpu, dma), 0);
	}
	assert_int_equal(stats_of(dev).alloc_live, 0);
	assert_int_equal(dmab_device_destroy(dev), 0);
}

/* The physical address of @p from the real pagemap; 0 when unreadable. */
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
 * Does MADV_POPULATE_WRITE fault pages in, as the library's placement
 * expects? qemu-user takes the advice and does nothing (a kernel populates
 * or refuses, and on a refusal the library touches the pages itself).
 */
static bool populate_faults_in(void)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	unsigned char in = 0;
	void *p = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	assert_true(p != MAP_FAILED);
	bool yes = madvise(p, page, 23 /* MADV_POPULATE_WRITE */) != 0 ||
		   (mincore(p, page, &in) == 0 && (in & 1));

	munmap(p, page);
	return yes;
}

/*
 * On a translating device an allocation is registered with the translator,
 * so its bus address is the translator's (here the physical address from
 * the real pagemap) and sync finds it; freeing unregisters it. Without
 * CAP_SYS_ADMIN pagemap reads PFN 0: the allocation fails and leaves
 * nothing behind.
 */
static void test_on_pagemap(void **state)
{
	(void)state;
	struct dmab_xlate_config x = {.kind = DMAB_XLATE_PAGEMAP, .allow_unpinned = true};
	struct dmab_device_config cfg = {.size = sizeof(cfg),
					 .name = "pm",
					 .coherent = false,
					 .numa_node = -1,
					 .backend = "trace",
					 .xlate = &x};
	struct dmab_device *dev = NULL;
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	void *cpu = NULL;
	dmab_addr_t dma = 0;

	assert_int_equal(dmab_device_create(&cfg, &dev), 0);
	int err = dmab_alloc_noncoherent(dev, page, DMAB_BIDIRECTIONAL, &cpu, &dma);
	struct dmab_stats st = stats_of(dev);

	/* Counted only when kept: a refused region's count is taken back. */
	assert_int_equal(st.alloc_local + st.alloc_fallback, err == 0 ? 1 : 0);
	if (geteuid() != 0) {
		assert_int_equal(err, -EPERM);
		assert_non_null(strstr(dmab_last_error(), "refused the memory"));
		print_message("not root: only the refusal is tested\n");
	} else if (!populate_faults_in()) {
		assert_int_equal(err, -EFAULT);
		assert_non_null(strstr(dmab_last_error(), "not present"));
		print_message("pages are not faulted in here (qemu-user): only the refusal\n");
	} else {
		assert_int_equal(err, 0);
		assert_int_equal(dma, phys_of(cpu));
		assert_int_equal(dmab_sync_single_for_device(dev, dma, page, DMAB_BIDIRECTIONAL),
				 0);
		assert_int_equal(dmab_sync_single_for_cpu(dev, dma, page, DMAB_BIDIRECTIONAL), 0);
		/* Registered by the allocation, so not by the caller too. */
		assert_int_equal(dmab_mem_unregister(dev, cpu, page), -EINVAL);
		assert_int_equal(dmab_free_noncoherent(dev, page, cpu, dma, DMAB_BIDIRECTIONAL), 0);
		/* Gone from the translator with the allocation. */
		assert_int_equal(dmab_sync_single_for_cpu(dev, dma, page, DMAB_BIDIRECTIONAL),
				 -EINVAL);
	}
	assert_int_equal(stats_of(dev).alloc_live, 0);
	assert_int_equal(dmab_device_destroy(dev), 0);
}

/*
 * Several hugepages on a translator that can tell whether they are
 * physically adjacent (pagemap): not refused up front as with identity
 * translation; with hugepages reserved, either one run (each hugepage's
 * physical address follows the last, and the bus address is the first's)
 * or -ENOMEM saying there is no adjacent run; without, -ENOMEM saying so.
 */
static void test_contiguous_on_pagemap(void **state)
{
	(void)state;
	struct dmab_xlate_config x = {.kind = DMAB_XLATE_PAGEMAP};
	struct dmab_device_config cfg = {
	    .size = sizeof(cfg), .name = "pm", .coherent = true, .numa_node = -1, .xlate = &x};
	struct dmab_device *dev = NULL;
	size_t huge = (size_t)2 << 20, len = 2 * huge;
	void *cpu = NULL;
	dmab_addr_t dma = 0;

	assert_int_equal(dmab_device_create(&cfg, &dev), 0);
	int err = dmab_alloc_contiguous(dev, len, &cpu, &dma);

	if (free_hugepages() < 2) {
		assert_int_equal(err, -ENOMEM);
		assert_non_null(strstr(dmab_last_error(), "nr_hugepages"));
		print_message("fewer than 2 hugepages reserved: only the refusal is tested\n");
	} else if (geteuid() != 0) {
		assert_int_equal(err, -EPERM);
	} else if (err == 0) {
		assert_int_equal(dma, phys_of(cpu));
		assert_int_equal(phys_of((char *)cpu + huge), dma + huge);
		assert_int_equal(dmab_free_contiguous(dev, len, cpu, dma), 0);
	} else {
		assert_int_equal(err, -ENOMEM);
		assert_non_null(strstr(dmab_last_error(), "no physically adjacent run"));
	}
	assert_int_equal(stats_of(dev).alloc_live, 0);
	assert_int_equal(dmab_device_destroy(dev), 0);
}

static void test_pool_errors(void **state)
{
	(void)state;
	struct dmab_device *dev = make(true, 0, NULL, NULL);
	struct dmab_pool *pool = NULL;
	size_t page = (size_t)sysconf(_SC_PAGESIZE);

	assert_int_equal(dmab_pool_create(dev, "p", 0, 8, 0, &pool), -EINVAL);
	assert_int_equal(dmab_pool_create(dev, "p", (2u << 20) + 1, 8, 0, &pool), -EINVAL);
	assert_int_equal(dmab_pool_create(dev, "p", 64, 3, 0, &pool), -EINVAL);
	assert_non_null(strstr(dmab_last_error(), "alignment"));
	assert_int_equal(dmab_pool_create(dev, "p", 64, page * 2, 0, &pool), -EINVAL);
	assert_int_equal(dmab_pool_create(dev, "p", 64, 8, 48, &pool), -EINVAL);
	assert_int_equal(dmab_pool_create(dev, "p", 64, 8, 32, &pool), -EINVAL);
	assert_non_null(strstr(dmab_last_error(), "boundary"));
	assert_int_equal(dmab_pool_create(dev, "p", 16, 64, 32, &pool), -EINVAL);
	assert_int_equal(dmab_pool_create(NULL, "p", 64, 8, 0, &pool), -EINVAL);
	assert_int_equal(dmab_pool_create(dev, "p", 64, 8, 0, NULL), -EINVAL);
	assert_null(pool);
	assert_int_equal(dmab_pool_alloc(NULL, NULL, NULL), -EINVAL);
	assert_int_equal(dmab_pool_free(NULL, NULL, 0), -EINVAL);
	assert_int_equal(dmab_pool_destroy(NULL), -EINVAL);
	assert_int_equal(dmab_device_destroy(dev), 0);
}

/* Blocks: aligned, never across the boundary, distinct, zeroed; frees checked. */
static void test_pool_blocks(void **state)
{
	(void)state;
	struct dmab_device *dev = make(false, 0, NULL, NULL);
	struct dmab_pool *pool;
	enum { N = 300 };
	static void *cpu[N];
	static dmab_addr_t dma[N];
	const size_t size = 40, align = 16, boundary = 128;

	assert_int_equal(dmab_pool_create(dev, "desc", size, align, boundary, &pool), 0);
	for (int i = 0; i < N; i++) {
		assert_int_equal(dmab_pool_alloc(pool, &cpu[i], &dma[i]), 0);
		assert_int_equal(dma[i] % align, 0);
		assert_int_equal(dma[i] / boundary, (dma[i] + size - 1) / boundary);
		assert_true(all_zero(cpu[i], size));
		memset(cpu[i], 0xff, size);
		for (int j = 0; j < i; j++)
			assert_true(dma[j] + size <= dma[i] || dma[i] + size <= dma[j]);
	}
	assert_true(stats_of(dev).alloc_live >= 2); /* 300 blocks take several pages */

	assert_int_equal(dmab_pool_free(pool, cpu[0], dma[0] + 16), -EINVAL);
	assert_int_equal(dmab_pool_free(pool, (char *)cpu[0] + 8, dma[0] + 8), -EINVAL);
	int unrelated;

	assert_int_equal(dmab_pool_free(pool, &unrelated, 0), -EINVAL);
	assert_int_equal(dmab_pool_destroy(pool), -EBUSY);
	assert_int_equal(dmab_device_destroy(dev), -EBUSY);
	assert_non_null(strstr(dmab_last_error(), "pools"));

	/* Freed blocks are reused (and zeroed again). */
	assert_int_equal(dmab_pool_free(pool, cpu[5], dma[5]), 0);
	assert_int_equal(dmab_pool_free(pool, cpu[5], dma[5]), -EINVAL);
	assert_non_null(strstr(dmab_last_error(), "already free"));
	/* Until the freed block comes back, the pool hands out others. */
	static void *extra[N];
	static dmab_addr_t extra_dma[N];
	int k = 0;

	for (; k < N; k++) {
		assert_int_equal(dmab_pool_alloc(pool, &extra[k], &extra_dma[k]), 0);
		if (extra[k] == cpu[5])
			break;
	}
	assert_true(k < N);
	assert_int_equal(extra_dma[k], dma[5]);
	assert_true(all_zero(extra[k], size));
	for (int i = 0; i < k; i++)
		assert_int_equal(dmab_pool_free(pool, extra[i], extra_dma[i]), 0);
	for (int i = 0; i < N; i++)
		assert_int_equal(dmab_pool_free(pool, cpu[i], dma[i]), 0);
	assert_int_equal(dmab_pool_destroy(pool), 0);
	assert_int_equal(stats_of(dev).alloc_live, 0);
	assert_int_equal(dmab_device_destroy(dev), 0);
}

/* A block as large as a page and a boundary of a page: one block per page. */
static void test_pool_large_blocks(void **state)
{
	(void)state;
	struct dmab_device *dev = make(true, 0, NULL, NULL);
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	struct dmab_pool *pool;
	void *a, *b;
	dmab_addr_t da, db;

	assert_int_equal(dmab_pool_create(dev, NULL, page / 2 + 1, 0, page, &pool), 0);
	assert_int_equal(dmab_pool_alloc(pool, &a, &da), 0);
	assert_int_equal(dmab_pool_alloc(pool, &b, &db), 0);
	assert_int_equal(da % page, 0);
	assert_int_equal(db % page, 0);
	assert_true(da != db);
	assert_int_equal(dmab_pool_free(pool, a, da), 0);
	assert_int_equal(dmab_pool_free(pool, b, db), 0);
	assert_int_equal(dmab_pool_destroy(pool), 0);
	assert_int_equal(dmab_device_destroy(dev), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_noncoherent),
	    cmocka_unit_test(test_bad_arguments),
	    cmocka_unit_test(test_coherent_needs_provider),
	    cmocka_unit_test(test_coherent_from_provider),
	    cmocka_unit_test(test_noncoherent_on_sim),
	    cmocka_unit_test(test_under_mask),
	    cmocka_unit_test(test_contiguous),
	    cmocka_unit_test(test_on_pagemap),
	    cmocka_unit_test(test_contiguous_on_pagemap),
	    cmocka_unit_test(test_pool_errors),
	    cmocka_unit_test(test_pool_blocks),
	    cmocka_unit_test(test_pool_large_blocks),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
