/* SPDX-License-Identifier: MIT */
/*
 * The simulator itself: its arguments, regions, device DMA, the line model
 * step by step, deferred maintenance, chaos reproducibility, and how devices
 * are put on it.
 */
#include <errno.h>
#include <math.h>
#include <pthread.h>

#include "test_sim_helpers.h"
#include "../src/internal.h"
#include "../arch/sim/owned.h"

static void test_create_args(void **state)
{
	(void)state;
	struct dmab_sim *sim = NULL;
	const size_t bad_lines[] = {16, 48, 512, 1};
	const double bad_rates[] = {-0.1, 1.5, NAN};

	assert_int_equal(dmab_sim_create(NULL, NULL), -EINVAL);
	for (size_t i = 0; i < sizeof(bad_lines) / sizeof(bad_lines[0]); i++) {
		struct dmab_sim_config cfg = {.line_size = bad_lines[i]};

		assert_int_equal(dmab_sim_create(&cfg, &sim), -EINVAL);
		assert_null(sim);
	}
	for (size_t i = 0; i < sizeof(bad_rates) / sizeof(bad_rates[0]); i++) {
		struct dmab_sim_config cfg = {.chaos_rate = bad_rates[i]};

		assert_int_equal(dmab_sim_create(&cfg, &sim), -EINVAL);
		assert_null(sim);
	}
	assert_int_equal(dmab_sim_create(NULL, &sim), 0);
	assert_int_equal(sim_stats_of(sim).line_size, 64);
	dmab_sim_destroy(sim);
	for (size_t i = 0; i < NSIM_LINES; i++) {
		sim = new_sim(sim_lines[i], 1, 1.0);
		assert_int_equal(sim_stats_of(sim).line_size, sim_lines[i]);
		dmab_sim_destroy(sim);
	}
	dmab_sim_destroy(NULL);
}

static void test_register_args(void **state)
{
	(void)state;
	struct dmab_sim *sim = new_sim(64, 0, 0);
	uint8_t *mem = NULL;

	assert_int_equal(posix_memalign((void **)&mem, 4096, 8192), 0);
	assert_int_equal(dmab_sim_register(NULL, mem, 4096), -EINVAL);
	assert_int_equal(dmab_sim_register(sim, NULL, 4096), -EINVAL);
	assert_int_equal(dmab_sim_register(sim, mem, 0), -EINVAL);
	assert_int_equal(dmab_sim_register(sim, mem + 32, 64), -EINVAL);
	assert_int_equal(dmab_sim_register(sim, mem, 100), -EINVAL);
	assert_int_equal(dmab_sim_register(sim, (void *)(UINTPTR_MAX & ~(uintptr_t)63), 128),
			 -EINVAL);
	assert_int_equal(sim_stats_of(sim).regions, 0);

	assert_int_equal(dmab_sim_register(sim, mem, 4096), 0);
	assert_int_equal(dmab_sim_register(sim, mem, 4096), -EEXIST);
	assert_int_equal(dmab_sim_register(sim, mem + 4032, 128), -EEXIST);
	assert_int_equal(dmab_sim_register_uncached(sim, mem + 100, 10), -EEXIST);
	/* uncached memory needs no alignment */
	assert_int_equal(dmab_sim_register_uncached(sim, mem + 4096 + 3, 61), 0);
	assert_int_equal(sim_stats_of(sim).regions, 2);

	assert_int_equal(dmab_sim_unregister(NULL, mem, 4096), -EINVAL);
	assert_int_equal(dmab_sim_unregister(sim, mem, 64), -ENOENT);
	assert_int_equal(dmab_sim_unregister(sim, mem, 4096), 0);
	assert_int_equal(dmab_sim_unregister(sim, mem, 4096), -ENOENT);
	assert_int_equal(dmab_sim_unregister(sim, mem + 4096 + 3, 61), 0);
	assert_int_equal(sim_stats_of(sim).regions, 0);
	dmab_sim_destroy(sim);
	free(mem);
}

/* The device sees DRAM only, faults outside registered memory, and a fault
 * moves nothing. */
static void test_dev_access(void **state)
{
	(void)state;
	struct dmab_sim *sim = new_sim(64, 0, 0);
	uint8_t *a = sim_arena(sim, 8192, 0x11);
	uint8_t got[256], data[256];

	memset(data, 0x77, sizeof(data));
	/* the CPU writes: the device does not see it (nothing was cleaned) */
	memset(a, 0x22, 64);
	assert_int_equal(dmab_sim_dev_read(sim, bus(a), got, 64), 0);
	for (int i = 0; i < 64; i++)
		assert_int_equal(got[i], 0x11);
	/* the device writes: the CPU does not see it */
	assert_int_equal(dmab_sim_dev_write(sim, bus(a + 128), data, 64), 0);
	assert_int_equal(a[128], 0x11);
	assert_int_equal(dmab_sim_dev_read(sim, bus(a + 128), got, 64), 0);
	assert_memory_equal(got, data, 64);

	/* partly outside: -EFAULT, nothing written */
	assert_int_equal(dmab_sim_dev_write(sim, bus(a + 8192 - 16), data, 32), -EFAULT);
	assert_int_equal(dmab_sim_dev_read(sim, bus(a + 8192 - 16), got, 16), 0);
	for (int i = 0; i < 16; i++)
		assert_int_equal(got[i], 0x11);
	assert_int_equal(dmab_sim_dev_read(sim, bus(a + 8192), got, 1), -EFAULT);
	assert_int_equal(dmab_sim_dev_read(sim, bus(a) - 1, got, 1), -EFAULT);
	assert_int_equal(dmab_sim_dev_read(sim, UINT64_MAX, got, 2), -EFAULT);
	assert_int_equal(dmab_sim_dev_read(sim, bus(a), NULL, 2), -EINVAL);
	assert_int_equal(dmab_sim_dev_write(NULL, bus(a), data, 2), -EINVAL);
	assert_int_equal(dmab_sim_dev_read(sim, bus(a), got, 0), 0);
	assert_int_equal(dmab_sim_tick(NULL), -EINVAL);
	assert_int_equal(dmab_sim_get_stats(sim, NULL), -EINVAL);

	struct dmab_sim_stats s = sim_stats_of(sim);

	assert_int_equal(s.dev_writes, 1);
	assert_int_equal(s.dev_reads, 3);
	assert_int_equal(s.dev_faults, 4);

	/* a range across two adjacent regions is one device access */
	assert_int_equal(dmab_sim_unregister(sim, a, 8192), 0);
	assert_int_equal(dmab_sim_register(sim, a, 4096), 0);
	assert_int_equal(dmab_sim_register(sim, a + 4096, 4096), 0);
	assert_int_equal(dmab_sim_dev_write(sim, bus(a + 4096 - 100), data, 200), 0);
	assert_int_equal(dmab_sim_dev_read(sim, bus(a + 4096 - 100), got, 200), 0);
	assert_memory_equal(got, data, 200);
	assert_int_equal(dmab_sim_unregister(sim, a + 4096, 4096), 0);
	assert_int_equal(dmab_sim_dev_read(sim, bus(a + 4096 - 100), got, 200), -EFAULT);
	sim_arena_free(sim, a, 4096);
	dmab_sim_destroy(sim);
}

/* clean writes changed lines only, whole lines; invalidate replaces the CPU
 * copy and loses what was not cleaned; clean+invalidate keeps it. */
static void test_line_model(void **state)
{
	(void)state;
	for (size_t li = 0; li < NSIM_LINES; li++) {
		size_t line = sim_lines[li];
		struct dmab_sim *sim = new_sim(line, 0, 0);
		struct dmab_device *dev = sim_dev(sim, DMAB_SYNC_BATCHED);
		uint8_t *a = sim_arena(sim, 4 * line, 0x11);
		uint8_t got[1024];
		dmab_addr_t d;

		assert_string_equal(dmab_device_backend(dev), "sim");
		assert_int_equal(dmab_device_line_size(dev), line);
		/* one byte changed in line 1: only line 1 is written, all of it */
		a[line + 5] = 0x22;
		assert_int_equal(dmab_map_single(dev, a, 4 * line, DMAB_TO_DEVICE, 0, &d), 0);
		assert_int_equal(sim_stats_of(sim).lines_written_back, 1);
		assert_int_equal(dmab_sim_dev_read(sim, d, got, 4 * line), 0);
		assert_memory_equal(got, a, 4 * line);
		assert_int_equal(dmab_unmap_single(dev, d, 4 * line, DMAB_TO_DEVICE, 0), 0);
		assert_int_equal(sim_stats_of(sim).lines_refilled, 0);

		/* FROM_DEVICE of line 1 plus 1 byte of line 2: the device's data
		 * arrives at unmap, not before; a CPU change to line 0, which the
		 * buffer does not touch, stays; so does the rest of line 2. */
		memset(got, 0x33, sizeof(got));
		assert_int_equal(dmab_map_single(dev, a + line, line + 1, DMAB_FROM_DEVICE, 0, &d),
				 0);
		a[0] = 0x44;
		assert_int_equal(dmab_sim_dev_write(sim, d, got, line + 1), 0);
		assert_int_equal(a[line], 0x11);
		assert_int_equal(dmab_unmap_single(dev, d, line + 1, DMAB_FROM_DEVICE, 0), 0);
		for (size_t i = 0; i < line + 1; i++)
			assert_int_equal(a[line + i], 0x33);
		assert_int_equal(a[0], 0x44);
		assert_int_equal(a[2 * line + 1], 0x11);
		struct dmab_sim_stats s = sim_stats_of(sim);

		assert_int_equal(s.lines_refilled, 2);
		assert_int_equal(s.unmodelled_lines, 0);

		/* An invalidate loses a change that was not cleaned, as on hardware. */
		a[3 * line] = 0x55;
		assert_int_equal(dmab_map_single(dev, a + 3 * line, line, DMAB_FROM_DEVICE,
						 DMAB_ATTR_SKIP_CPU_SYNC, &d),
				 0);
		assert_int_equal(sim_stats_of(sim).lines_discarded, 0);
		assert_int_equal(dmab_unmap_single(dev, d, line, DMAB_FROM_DEVICE, 0), 0);
		assert_int_equal(a[3 * line], 0x11);
		assert_int_equal(sim_stats_of(sim).lines_discarded, 1);

		sim_arena_free(sim, a, 4 * line);
		assert_int_equal(dmab_device_destroy(dev), 0);
		dmab_sim_destroy(sim);
	}
}

/* Maintenance takes effect at completion: a range issued to the simulator
 * is not visible before the batch commits, which is why the CPU owns the
 * buffer only after commit. Unregistering completes what is pending. */
static void test_deferred_until_commit(void **state)
{
	(void)state;
	struct dmab_sim *sim = new_sim(64, 0, 0);
	struct dmab_device *dev = sim_dev(sim, DMAB_SYNC_BATCHED);
	uint8_t *a = sim_arena(sim, 4096, 0x11);
	uint8_t data[64];
	struct dmab_batch b;

	memset(data, 0x66, sizeof(data));
	for (size_t off = 0; off < 4096; off += 1024)
		assert_int_equal(dmab_sim_dev_write(sim, bus(a + off), data, 64), 0);
	dmab_batch_init(&b);
	assert_int_equal(dmab_batch_sync_for_cpu(&b, dev, bus(a), 64, DMAB_FROM_DEVICE), 0);
	/* a second, separate range makes the batch issue the first */
	assert_int_equal(dmab_batch_sync_for_cpu(&b, dev, bus(a + 1024), 64, DMAB_FROM_DEVICE), 0);
	assert_int_equal(a[0], 0x11);
	assert_int_equal(sim_stats_of(sim).lines_refilled, 0);
	assert_int_equal(dmab_batch_commit(&b), 1);
	assert_int_equal(a[0], 0x66);
	assert_int_equal(a[1024 + 63], 0x66);
	assert_int_equal(sim_stats_of(sim).lines_refilled, 2);

	dmab_batch_init(&b);
	assert_int_equal(dmab_batch_sync_for_cpu(&b, dev, bus(a + 2048), 64, DMAB_FROM_DEVICE), 0);
	assert_int_equal(dmab_batch_sync_for_cpu(&b, dev, bus(a + 3072), 64, DMAB_FROM_DEVICE), 0);
	assert_int_equal(a[2048], 0x11);
	assert_int_equal(dmab_sim_unregister(sim, a, 4096), 0);
	assert_int_equal(a[2048], 0x66);
	assert_int_equal(dmab_batch_commit(&b), 1);
	/* the second range reached a simulator that no longer models it */
	assert_int_equal(a[3072], 0x11);
	assert_int_equal(sim_stats_of(sim).unmodelled_lines, 1);
	free(a);
	assert_int_equal(dmab_device_destroy(dev), 0);
	dmab_sim_destroy(sim);
}

/* Uncached memory: both sides see each other at once; maintenance of it is
 * not modelled. Unregistered memory: the device faults. */
static void test_uncached_and_unregistered(void **state)
{
	(void)state;
	struct dmab_sim *sim = new_sim(64, 0, 0);
	struct dmab_device *dev = sim_dev(sim, DMAB_SYNC_BATCHED);
	uint8_t *u = NULL, got[16];
	dmab_addr_t d;

	assert_int_equal(posix_memalign((void **)&u, 4096, 4096), 0);
	memset(u, 0, 4096);
	assert_int_equal(dmab_sim_register_uncached(sim, u + 8, 100), 0);
	u[10] = 0x12;
	assert_int_equal(dmab_sim_dev_read(sim, bus(u + 10), got, 1), 0);
	assert_int_equal(got[0], 0x12);
	got[0] = 0x34;
	assert_int_equal(dmab_sim_dev_write(sim, bus(u + 11), got, 1), 0);
	assert_int_equal(u[11], 0x34);
	assert_int_equal(dmab_sim_unregister(sim, u + 8, 100), 0);

	/* not registered: maintenance is counted, the device cannot reach it */
	assert_int_equal(dmab_map_single(dev, u, 256, DMAB_TO_DEVICE, 0, &d), 0);
	assert_int_equal(sim_stats_of(sim).unmodelled_lines, 4);
	assert_int_equal(dmab_sim_dev_read(sim, d, got, 16), -EFAULT);
	assert_int_equal(dmab_unmap_single(dev, d, 256, DMAB_TO_DEVICE, 0), 0);
	assert_int_equal(dmab_device_destroy(dev), 0);
	dmab_sim_destroy(sim);
	free(u);
}

static int create_with(struct dmab_sim *sim, const char *backend, size_t line_size)
{
	struct dmab_device_config cfg = {
	    .numa_node = -1, .sim = sim, .backend = backend, .line_size = line_size};
	struct dmab_device *dev = NULL;
	int err = dmab_device_create(&cfg, &dev);

	if (!err) {
		assert_string_equal(dmab_device_backend(dev), "sim");
		assert_int_equal(dmab_device_destroy(dev), 0);
	} else {
		assert_null(dev);
	}
	return err;
}

/* The config decides: a simulator means "sim", whatever DMAB_ARCH says. */
static void test_device_config(void **state)
{
	(void)state;
	struct dmab_sim *sim = new_sim(128, 0, 0);
	const char *env = getenv("DMAB_ARCH");
	char *saved = env ? strdup(env) : NULL;

	assert_int_equal(create_with(sim, NULL, 0), 0);
	assert_int_equal(create_with(sim, "sim", 0), 0);
	assert_int_equal(create_with(sim, "trace", 0), -EINVAL);
	assert_int_equal(create_with(sim, "generic", 0), -EINVAL);
	assert_int_equal(create_with(sim, NULL, 64), -EINVAL);
	assert_int_equal(create_with(NULL, "sim", 0), -EINVAL);
	assert_int_equal(setenv("DMAB_ARCH", "generic", 1), 0);
	assert_int_equal(create_with(sim, NULL, 0), 0);
	assert_int_equal(setenv("DMAB_ARCH", "sim", 1), 0);
	assert_int_equal(create_with(NULL, NULL, 0), -EINVAL);
	if (saved)
		assert_int_equal(setenv("DMAB_ARCH", saved, 1), 0);
	else
		assert_int_equal(unsetenv("DMAB_ARCH"), 0);
	free(saved);
	assert_int_equal(sim_stats_of(sim).devices, 0);
	dmab_sim_destroy(sim);
}

/* A simulator with devices on it refuses to go. */
static void test_destroy_busy(void **state)
{
	(void)state;
	struct dmab_sim *sim = new_sim(64, 0, 0);
	struct dmab_device *dev = sim_dev(sim, DMAB_SYNC_BATCHED);

	dmab_sim_destroy(sim);
	assert_non_null(strstr(dmab_last_error(), "still use"));
	assert_int_equal(sim_stats_of(sim).devices, 1);
	assert_int_equal(dmab_device_destroy(dev), 0);
	assert_int_equal(sim_stats_of(sim).devices, 0);
	dmab_sim_destroy(sim);
}

/* Devices on one simulator share a completion; on two, they do not. */
static void test_completion_domains(void **state)
{
	(void)state;
	struct dmab_sim *s1 = new_sim(64, 0, 0), *s2 = new_sim(64, 0, 0);
	struct dmab_device *d1 = sim_dev(s1, DMAB_SYNC_BATCHED);
	struct dmab_device *d2 = sim_dev(s1, DMAB_SYNC_BATCHED);
	struct dmab_device *d3 = sim_dev(s2, DMAB_SYNC_BATCHED);
	uint8_t *a = sim_arena(s1, 4096, 0);
	struct dmab_batch b;

	dmab_batch_init(&b);
	assert_int_equal(dmab_batch_sync_for_device(&b, d1, bus(a), 64, DMAB_TO_DEVICE), 0);
	assert_int_equal(dmab_batch_sync_for_device(&b, d2, bus(a + 512), 64, DMAB_TO_DEVICE), 0);
	assert_int_equal(dmab_batch_commit(&b), 1);
	dmab_batch_init(&b);
	assert_int_equal(dmab_batch_sync_for_device(&b, d1, bus(a), 64, DMAB_TO_DEVICE), 0);
	assert_int_equal(dmab_batch_sync_for_device(&b, d3, bus(a + 512), 64, DMAB_TO_DEVICE), 0);
	assert_int_equal(dmab_batch_commit(&b), 2);
	sim_arena_free(s1, a, 4096);
	assert_int_equal(dmab_device_destroy(d1), 0);
	assert_int_equal(dmab_device_destroy(d2), 0);
	assert_int_equal(dmab_device_destroy(d3), 0);
	dmab_sim_destroy(s1);
	dmab_sim_destroy(s2);
}

/* One run of calls with chaos; its DRAM and CPU view, its stats. */
static struct dmab_sim_stats chaos_run(uint64_t seed, uint8_t *cpu_out, uint8_t *dram_out)
{
	struct dmab_sim *sim = new_sim(64, seed, 0.3);
	struct dmab_device *dev = sim_dev(sim, DMAB_SYNC_BATCHED);
	uint8_t *a = sim_arena(sim, 8192, 0);
	uint8_t data[512];
	dmab_addr_t d;

	for (unsigned round = 0; round < 20; round++) {
		fill_pat(a + 4096, 4096, round);
		fill_pat(data, sizeof(data), round + 100);
		assert_int_equal(dmab_sim_dev_write(sim, bus(a + 64 * round), data, 512), 0);
		assert_int_equal(dmab_sim_tick(sim), 0);
		assert_int_equal(dmab_map_single(dev, a + 100, 3000, DMAB_TO_DEVICE, 0, &d), 0);
		assert_int_equal(dmab_unmap_single(dev, d, 3000, DMAB_TO_DEVICE, 0), 0);
	}
	struct dmab_sim_stats s = sim_stats_of(sim);

	memcpy(cpu_out, a, 8192);
	assert_int_equal(dmab_sim_dev_read(sim, bus(a), dram_out, 8192), 0);
	sim_arena_free(sim, a, 8192);
	assert_int_equal(dmab_device_destroy(dev), 0);
	dmab_sim_destroy(sim);
	return s;
}

/* The same seed gives the same chaos; another seed, other chaos. */
static void test_chaos_reproducible(void **state)
{
	(void)state;
	static uint8_t c1[8192], d1[8192], c2[8192], d2[8192];
	struct dmab_sim_stats s1 = chaos_run(42, c1, d1);
	struct dmab_sim_stats s2 = chaos_run(42, c2, d2);

	assert_true(s1.chaos_evictions > 0);
	assert_true(s1.chaos_refetches > 0);
	assert_int_equal(s1.chaos_evictions, s2.chaos_evictions);
	assert_int_equal(s1.chaos_refetches, s2.chaos_refetches);
	assert_int_equal(s1.chaos_early_ops, s2.chaos_early_ops);
	assert_memory_equal(c1, c2, 8192);
	assert_memory_equal(d1, d2, 8192);
	s2 = chaos_run(43, c2, d2);
	assert_true(s1.chaos_evictions != s2.chaos_evictions ||
		    s1.chaos_refetches != s2.chaos_refetches || memcmp(c1, c2, 8192) != 0 ||
		    memcmp(d1, d2, 8192) != 0);
}

/* The hooks for memory the library owns: nothing without a simulator,
 * counted registrations with one. */
static void test_owned_hooks(void **state)
{
	(void)state;
	struct dmab_sim *sim = new_sim(64, 0, 0);
	struct dmab_device *dev = sim_dev(sim, DMAB_SYNC_BATCHED);
	struct dmab_device_config tcfg = {.numa_node = -1, .backend = "trace"};
	struct dmab_device *plain = NULL;
	uint8_t *m = NULL, b = 0x5a;

	assert_int_equal(dmab_device_create(&tcfg, &plain), 0);
	assert_int_equal(posix_memalign((void **)&m, 4096, 8192), 0);
	assert_int_equal(dmab__sim_register_owned(plain, m, 4096), 0);
	assert_int_equal(dmab__sim_unregister_owned(plain, m, 4096), 0);
	assert_int_equal(sim_stats_of(sim).regions, 0);

	assert_int_equal(dmab__sim_register_owned(dev, m + 1, 4096), -EINVAL);
	assert_int_equal(dmab__sim_register_owned(dev, m, 4096), 0);
	assert_int_equal(dmab__sim_register_owned(dev, m, 4096), 0);
	assert_int_equal(dmab__sim_register_owned_uncached(dev, m, 4096), -EEXIST);
	assert_int_equal(dmab__sim_register_owned_uncached(dev, m + 4096 + 1, 10), 0);
	assert_int_equal(sim_stats_of(sim).regions, 2);
	assert_int_equal(dmab_sim_dev_write(sim, bus(m + 7), &b, 1), 0);
	assert_int_equal(dmab_sim_dev_write(sim, bus(m + 4096 + 1), &b, 1), 0);
	assert_int_equal(m[4097], 0x5a);
	assert_int_equal(dmab__sim_unregister_owned(dev, m, 4096), 0);
	assert_int_equal(sim_stats_of(sim).regions, 2);
	assert_int_equal(dmab__sim_unregister_owned(dev, m, 4096), 0);
	assert_int_equal(dmab__sim_unregister_owned(dev, m, 4096), -ENOENT);
	assert_int_equal(dmab__sim_unregister_owned(dev, m + 4096 + 1, 10), 0);
	assert_int_equal(sim_stats_of(sim).regions, 0);
	assert_int_equal(dmab_device_destroy(plain), 0);
	assert_int_equal(dmab_device_destroy(dev), 0);
	dmab_sim_destroy(sim);
	free(m);
}

struct worker {
	struct dmab_sim *sim;
	uint8_t *mem;
	unsigned tag, errors;
};

/* One thread's driver: its own device and lines, the simulator shared. */
static void *worker_run(void *arg)
{
	struct worker *w = arg;
	struct dmab_device_config cfg = {.numa_node = -1, .sim = w->sim};
	struct dmab_device *dev = NULL;
	uint8_t data[1024], got[1024];
	dmab_addr_t d;

	if (dmab_device_create(&cfg, &dev))
		return (void *)1;
	for (unsigned round = 0; round < 200; round++) {
		fill_pat(w->mem, 1024, w->tag + round);
		w->errors += dmab_map_single(dev, w->mem, 1024, DMAB_BIDIRECTIONAL, 0, &d) != 0;
		w->errors += dmab_sim_dev_read(w->sim, d, got, 1024) != 0;
		w->errors += pat_mismatch(got, 1024, w->tag + round) != -1;
		fill_pat(data, 1024, w->tag + round + 1);
		w->errors += dmab_sim_dev_write(w->sim, d, data, 1024) != 0;
		w->errors += dmab_unmap_single(dev, d, 1024, DMAB_BIDIRECTIONAL, 0) != 0;
		w->errors += pat_mismatch(w->mem, 1024, w->tag + round + 1) != -1;
	}
	w->errors += dmab_device_destroy(dev) != 0;
	return NULL;
}

/* Several threads on one simulator, each on its own lines (chaos off: it
 * would touch other threads' lines, see sim.h). */
static void test_threads(void **state)
{
	(void)state;
	struct dmab_sim *sim = new_sim(64, 0, 0);
	uint8_t *a = sim_arena(sim, 4 * 4096, 0);
	struct worker w[4];
	pthread_t t[4];

	for (int i = 0; i < 4; i++) {
		w[i] = (struct worker){.sim = sim, .mem = a + i * 4096, .tag = (unsigned)i * 50};
		assert_int_equal(pthread_create(&t[i], NULL, worker_run, &w[i]), 0);
	}
	for (int i = 0; i < 4; i++) {
		void *ret;

		assert_int_equal(pthread_join(t[i], &ret), 0);
		assert_null(ret);
		assert_int_equal(w[i].errors, 0);
	}
	assert_int_equal(sim_stats_of(sim).devices, 0);
	assert_int_equal(sim_stats_of(sim).dev_reads, 800);
	sim_arena_free(sim, a, 4 * 4096);
	dmab_sim_destroy(sim);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_create_args),
	    cmocka_unit_test(test_register_args),
	    cmocka_unit_test(test_dev_access),
	    cmocka_unit_test(test_line_model),
	    cmocka_unit_test(test_deferred_until_commit),
	    cmocka_unit_test(test_uncached_and_unregistered),
	    cmocka_unit_test(test_device_config),
	    cmocka_unit_test(test_destroy_busy),
	    cmocka_unit_test(test_completion_domains),
	    cmocka_unit_test(test_chaos_reproducible),
	    cmocka_unit_test(test_owned_hooks),
	    cmocka_unit_test(test_threads),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
