/* SPDX-License-Identifier: MIT */
/*
 * Guard mode: a page-aligned buffer mapped FROM_DEVICE or BIDIRECTIONAL is
 * out of the CPU's reach while the device owns it. A forked child touches
 * it and dies of SIGSEGV (the library installs no handler); after the
 * unmap or a sync for the CPU the touch works; buffers not page-aligned,
 * TO_DEVICE ones and allocations are not guarded, and counted; the trace
 * and simulator backends see the maintenance they see without the guard.
 */
#include <errno.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <dmabatch/sim.h>

#include "debug_helpers.h"

static size_t page;

static int setup(void **state)
{
	(void)state;
	page = (size_t)sysconf(_SC_PAGESIZE);
	return 0;
}

static uint8_t *pages(size_t n)
{
	void *p = NULL;

	assert_int_equal(posix_memalign(&p, page, n * page), 0);
	memset(p, 0x5a, n * page);
	return p;
}

static struct dmab_device *guard_dev(unsigned bounce)
{
	return check_dev_cfg(
	    (struct dmab_device_config){.debug = DMAB_DEBUG_GUARD, .bounce = bounce});
}

/* How a child that writes, then reads, *@p ends: 0 if it did both, or the
 * signal that killed it. */
static int touch_in_child(volatile uint8_t *p)
{
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		signal(SIGSEGV, SIG_DFL); /* CMocka catches it in the parent's tests */
		*p = 0x77;
		_exit(*p == 0x77 ? 0 : 3);
	}
	int st;

	assert_int_equal(waitpid(pid, &st, 0), pid);
	if (WIFSIGNALED(st))
		return WTERMSIG(st);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
	return 0;
}

static struct dmab_debug_guard_counts counts(struct dmab_device *dev)
{
	struct dmab_debug_guard_counts c;

	assert_int_equal(dmab_debug_guard_stats(dev, &c), 0);
	return c;
}

static void test_touch_faults_until_unmap(void **state)
{
	(void)state;
	static const enum dmab_dir dirs[] = {DMAB_FROM_DEVICE, DMAB_BIDIRECTIONAL};

	for (size_t k = 0; k < 2; k++) {
		struct dmab_device *dev = guard_dev(0);
		uint8_t *buf = pages(3);
		dmab_addr_t a;

		assert_int_equal(dmab_map_single(dev, buf, 2 * page, dirs[k], 0, &a), 0);
		assert_int_equal(touch_in_child(buf), SIGSEGV);
		assert_int_equal(touch_in_child(buf + 2 * page - 1), SIGSEGV);
		assert_int_equal(touch_in_child(buf + 2 * page), 0); /* the next page is free */
		struct dmab_debug_guard_counts c = counts(dev);

		assert_int_equal(c.guarded, 1);
		assert_int_equal(c.guarded_now, 1);
		assert_int_equal(c.unaligned + c.refused, 0);
		assert_int_equal(dmab_unmap_single(dev, a, 2 * page, dirs[k], 0), 0);
		assert_int_equal(touch_in_child(buf), 0);
		buf[page] = 1; /* and in this process */
		assert_int_equal(counts(dev).guarded_now, 0);
		expect_quiet();
		destroy(dev);
		free(buf);
	}
}

static void test_syncs(void **state)
{
	(void)state;
	struct dmab_device *dev = guard_dev(0);
	uint8_t *buf = pages(2);
	dmab_addr_t a;

	assert_int_equal(dmab_map_single(dev, buf, 2 * page, DMAB_FROM_DEVICE, 0, &a), 0);
	/* any sync for the CPU, even of a part, gives it all back */
	assert_int_equal(dmab_sync_single_for_cpu(dev, a + page, 64, DMAB_FROM_DEVICE), 0);
	assert_int_equal(touch_in_child(buf), 0);
	/* a sync for the device of a part leaves it so */
	assert_int_equal(dmab_sync_single_for_device(dev, a, page, DMAB_FROM_DEVICE), 0);
	assert_int_equal(touch_in_child(buf), 0);
	/* of the whole mapping, takes it away again */
	assert_int_equal(dmab_sync_single_for_device(dev, a, 2 * page, DMAB_FROM_DEVICE), 0);
	assert_int_equal(touch_in_child(buf + page), SIGSEGV);
	/* a sync for the device of a guarded mapping: the library's own
	 * maintenance does not touch the guarded pages */
	assert_int_equal(dmab_sync_single_for_device(dev, a, 2 * page, DMAB_FROM_DEVICE), 0);
	assert_int_equal(touch_in_child(buf), SIGSEGV);
	/* the batched sync for the CPU lifts it at once, for the device never */
	struct dmab_batch b;

	dmab_batch_init(&b);
	assert_int_equal(dmab_batch_sync_for_cpu(&b, dev, a, 2 * page, DMAB_FROM_DEVICE), 0);
	assert_true(dmab_batch_commit(&b) >= 0);
	assert_int_equal(touch_in_child(buf), 0);
	dmab_batch_init(&b);
	assert_int_equal(dmab_batch_sync_for_device(&b, dev, a, 2 * page, DMAB_FROM_DEVICE), 0);
	assert_true(dmab_batch_commit(&b) >= 0);
	assert_int_equal(touch_in_child(buf), 0);
	assert_int_equal(dmab_unmap_single(dev, a, 2 * page, DMAB_FROM_DEVICE, 0), 0);
	expect_quiet();
	destroy(dev);
	free(buf);
}

/* A misuse changes nothing: the guard stays. */
static void test_refused_unmap_keeps_guard(void **state)
{
	(void)state;
	struct dmab_device *dev = guard_dev(0);
	uint8_t *buf = pages(1);
	dmab_addr_t a;

	assert_int_equal(dmab_map_single(dev, buf, page, DMAB_FROM_DEVICE, 0, &a), 0);
	assert_int_equal(dmab_trace_clear(dev), 0);
	struct dmab_stats before = stats_of(dev);

	expect_misuse(dev, dmab_unmap_single(dev, a, page, DMAB_TO_DEVICE, 0), DMAB_DEBUG_UNMAP_DIR,
		      &before);
	expect_misuse(dev, dmab_sync_single_for_cpu(dev, a, page, DMAB_TO_DEVICE),
		      DMAB_DEBUG_SYNC_DIR, &before);
	assert_int_equal(touch_in_child(buf), SIGSEGV);
	assert_int_equal(dmab_unmap_single(dev, a, page, DMAB_FROM_DEVICE, 0), 0);
	assert_int_equal(touch_in_child(buf), 0);
	destroy(dev);
	free(buf);
}

static void test_not_guarded(void **state)
{
	(void)state;
	struct dmab_device *dev = guard_dev(0);
	uint8_t *buf = pages(4);
	dmab_addr_t a, b, c;

	/* not page-aligned: its address, or its length */
	assert_int_equal(dmab_map_single(dev, buf + 64, page, DMAB_FROM_DEVICE, 0, &a), 0);
	assert_int_equal(dmab_map_single(dev, buf + 2 * page, 100, DMAB_BIDIRECTIONAL, 0, &b), 0);
	/* the device only reads */
	assert_int_equal(dmab_map_single(dev, buf + 3 * page, page, DMAB_TO_DEVICE, 0, &c), 0);
	for (int i = 0; i < 4; i++)
		assert_int_equal(touch_in_child(buf + (size_t)i * page + 64), 0);
	struct dmab_debug_guard_counts n = counts(dev);

	assert_int_equal(n.guarded, 0);
	assert_int_equal(n.guarded_now, 0);
	assert_int_equal(n.unaligned, 2);
	assert_int_equal(n.refused, 0);
	/* the dump says which and why */
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	assert_non_null(f);
	assert_int_equal(dmab_debug_dump(dev, f), 3);
	assert_int_equal(fclose(f), 0);
	const char *p = text;
	int unaligned = 0;

	while ((p = strstr(p, " not guarded (not page-aligned)\n"))) {
		unaligned++;
		p++;
	}
	assert_int_equal(unaligned, 2);
	assert_null(strstr(text, " guarded\n"));
	free(text);
	assert_int_equal(dmab_unmap_single(dev, a, page, DMAB_FROM_DEVICE, 0), 0);
	assert_int_equal(dmab_unmap_single(dev, b, 100, DMAB_BIDIRECTIONAL, 0), 0);
	assert_int_equal(dmab_unmap_single(dev, c, page, DMAB_TO_DEVICE, 0), 0);
	/* an allocation is never guarded, even handed to the device whole */
	void *cpu;
	dmab_addr_t dma;

	assert_int_equal(dmab_alloc_noncoherent(dev, page, DMAB_FROM_DEVICE, &cpu, &dma), 0);
	assert_int_equal(dmab_sync_single_for_device(dev, dma, page, DMAB_FROM_DEVICE), 0);
	assert_int_equal(touch_in_child(cpu), 0);
	assert_int_equal(dmab_free_noncoherent(dev, page, cpu, dma, DMAB_FROM_DEVICE), 0);
	assert_int_equal(counts(dev).guarded, 0);
	expect_quiet();
	destroy(dev);
	free(buf);
}

static void test_sg(void **state)
{
	(void)state;
	struct dmab_device *dev = guard_dev(0);
	uint8_t *buf = pages(5);
	struct dmab_sg sg[3] = {{.addr = buf, .len = page},
				{.addr = buf + 2 * page, .len = 2 * page},
				{.addr = buf + 4 * page + 128, .len = 256}};

	assert_int_equal(dmab_map_sg(dev, sg, 3, DMAB_FROM_DEVICE, 0), 3);
	assert_int_equal(touch_in_child(buf), SIGSEGV);
	assert_int_equal(touch_in_child(buf + page), 0); /* between the entries */
	assert_int_equal(touch_in_child(buf + 3 * page + 5), SIGSEGV);
	assert_int_equal(touch_in_child(buf + 4 * page), 0);
	struct dmab_debug_guard_counts n = counts(dev);

	assert_int_equal(n.guarded, 2);
	assert_int_equal(n.unaligned, 1);
	assert_int_equal(dmab_sync_sg_for_cpu(dev, sg, 3, DMAB_FROM_DEVICE), 0);
	assert_int_equal(touch_in_child(buf + 2 * page), 0);
	assert_int_equal(dmab_sync_sg_for_device(dev, sg, 3, DMAB_FROM_DEVICE), 0);
	assert_int_equal(touch_in_child(buf + 2 * page), SIGSEGV);
	assert_int_equal(dmab_unmap_sg(dev, sg, 3, DMAB_FROM_DEVICE, 0), 0);
	assert_int_equal(touch_in_child(buf), 0);
	assert_int_equal(touch_in_child(buf + 3 * page), 0);
	assert_int_equal(counts(dev).guarded_now, 0);
	expect_quiet();
	destroy(dev);
	free(buf);
}

/* The program's own handler names the mapping from the fault's address. */
static int report_fd = -1;

static void on_segv(int sig, siginfo_t *si, void *uc)
{
	char line[256];
	size_t n = dmab_debug_guard_describe(si->si_addr, line, sizeof(line));

	(void)uc;
	if (n)
		(void)!write(report_fd, line, n);
	signal(sig, SIG_DFL); /* the access runs again, and kills */
}

static void test_handler_names_mapping(void **state)
{
	(void)state;
	struct dmab_device *dev = guard_dev(0);
	uint8_t *buf = pages(2);
	dmab_addr_t a;
	int fds[2];

	assert_int_equal(dmab_map_single(dev, buf, 2 * page, DMAB_FROM_DEVICE, 0, &a), 0);
	struct dmab_debug_guard_hit hit;

	assert_true(dmab_debug_guard_lookup(buf + page + 3, &hit));
	assert_string_equal(hit.device, "chk");
	assert_ptr_equal(hit.mapping.cpu, buf);
	assert_int_equal(hit.mapping.addr, a);
	assert_int_equal(hit.mapping.len, 2 * page);
	assert_int_equal(hit.mapping.dir, DMAB_FROM_DEVICE);
	assert_non_null(hit.mapping.caller);
	assert_false(dmab_debug_guard_lookup(buf + 2 * page, NULL));
	assert_false(dmab_debug_guard_lookup(buf - 1, NULL));

	assert_int_equal(pipe(fds), 0);
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		struct sigaction sa = {.sa_sigaction = on_segv, .sa_flags = SA_SIGINFO};

		close(fds[0]);
		report_fd = fds[1];
		sigaction(SIGSEGV, &sa, NULL);
		((volatile uint8_t *)buf)[page + 100] = 1;
		_exit(0);
	}
	close(fds[1]);
	char got[256] = {0};
	ssize_t n = read(fds[0], got, sizeof(got) - 1);
	int st;

	assert_int_equal(waitpid(pid, &st, 0), pid);
	close(fds[0]);
	assert_true(WIFSIGNALED(st));
	assert_int_equal(WTERMSIG(st), SIGSEGV);
	assert_true(n > 0);
	char want[160];

	snprintf(want, sizeof(want),
		 "dmabatch: chk: CPU access to 0x%llx inside the guarded mapping of 0x%llx with "
		 "size %zu (cpu 0x%llx, DMA_FROM_DEVICE, map_single), mapped at 0x",
		 (unsigned long long)(uintptr_t)(buf + page + 100), (unsigned long long)a, 2 * page,
		 (unsigned long long)(uintptr_t)buf);
	assert_int_equal(strncmp(got, want, strlen(want)), 0);
	/* in this process: the same words */
	char line[256];

	assert_true(dmab_debug_guard_describe(buf + page + 100, line, sizeof(line)) > 0);
	assert_string_equal(line, got);
	assert_int_equal(dmab_debug_guard_describe(buf + page + 100, line, 10), 9);
	assert_int_equal(strlen(line), 9);
	assert_int_equal(dmab_unmap_single(dev, a, 2 * page, DMAB_FROM_DEVICE, 0), 0);
	assert_false(dmab_debug_guard_lookup(buf, NULL));
	assert_int_equal(dmab_debug_guard_describe(buf, line, sizeof(line)), 0);
	destroy(dev);
	free(buf);
}

/* A bounced mapping guards the original; the copy back at unmap works. */
static void test_bounced(void **state)
{
	(void)state;
	struct dmab_device *dev = guard_dev(DMAB_BOUNCE_FORCE);
	uint8_t *buf = pages(1);
	dmab_addr_t a;

	assert_int_equal(dmab_map_single(dev, buf, page, DMAB_BIDIRECTIONAL, 0, &a), 0);
	assert_int_equal(touch_in_child(buf), SIGSEGV);
	assert_int_equal(dmab_sync_single_for_device(dev, a, page, DMAB_BIDIRECTIONAL), 0);
	memset((void *)(uintptr_t)a, 0xc3, page); /* the "device" writes the slot */
	assert_int_equal(dmab_unmap_single(dev, a, page, DMAB_BIDIRECTIONAL, 0), 0);
	assert_int_equal(buf[0], 0xc3);
	assert_int_equal(buf[page - 1], 0xc3);
	expect_quiet();
	destroy(dev);
	free(buf);
}

/* The same calls issue the same maintenance with the guard as without. */
static void run_sequence(struct dmab_device *dev, uint8_t *buf)
{
	dmab_addr_t a;
	struct dmab_sg sg[2] = {{.addr = buf + 2 * page, .len = page},
				{.addr = buf + 3 * page + 64, .len = 128}};

	assert_int_equal(dmab_map_single(dev, buf, 2 * page, DMAB_FROM_DEVICE, 0, &a), 0);
	assert_int_equal(dmab_map_sg(dev, sg, 2, DMAB_BIDIRECTIONAL, 0), 2);
	assert_int_equal(dmab_sync_single_for_cpu(dev, a, page, DMAB_FROM_DEVICE), 0);
	assert_int_equal(dmab_sync_single_for_device(dev, a, 2 * page, DMAB_FROM_DEVICE), 0);
	assert_int_equal(dmab_sync_sg_for_cpu(dev, sg, 2, DMAB_BIDIRECTIONAL), 0);
	assert_int_equal(dmab_sync_sg_for_device(dev, sg, 2, DMAB_BIDIRECTIONAL), 0);
	assert_int_equal(dmab_unmap_sg(dev, sg, 2, DMAB_BIDIRECTIONAL, 0), 0);
	assert_int_equal(dmab_unmap_single(dev, a, 2 * page, DMAB_FROM_DEVICE, 0), 0);
}

static void test_trace_unchanged(void **state)
{
	(void)state;
	struct dmab_device *plain = trace_dev(false, DMAB_SYNC_BATCHED, 64);
	struct dmab_device *dev = guard_dev(0);
	uint8_t *buf = pages(4);
	const struct dmab_trace_rec *r0, *r1;
	size_t n0, n1;

	run_sequence(plain, buf);
	run_sequence(dev, buf);
	assert_int_equal(dmab_trace_get(plain, &r0, &n0), 0);
	assert_int_equal(dmab_trace_get(dev, &r1, &n1), 0);
	assert_true(n0 > 8);
	assert_int_equal(n0, n1);
	for (size_t i = 0; i < n0; i++) {
		assert_int_equal(r0[i].op, r1[i].op);
		assert_int_equal(r0[i].start, r1[i].start);
		assert_int_equal(r0[i].len, r1[i].len);
	}
	assert_int_equal(counts(dev).guarded, 2);
	expect_quiet();
	destroy(plain);
	destroy(dev);
	free(buf);
}

/* On the simulator, the device's write reaches the CPU at unmap, and the
 * CPU's write reaches the device at sync_for_device, guarded in between. */
static void test_simulator(void **state)
{
	(void)state;
	struct dmab_sim_config sc = {.line_size = 64};
	struct dmab_sim *sim = NULL;

	assert_int_equal(dmab_sim_create(&sc, &sim), 0);
	struct dmab_device *dev =
	    check_dev_cfg((struct dmab_device_config){.debug = DMAB_DEBUG_GUARD, .sim = sim});
	uint8_t *buf = pages(2);
	uint8_t data[64], back[64];
	dmab_addr_t a;

	memset(data, 0xa5, sizeof(data));
	assert_int_equal(dmab_sim_register(sim, buf, 2 * page), 0);
	assert_int_equal(dmab_map_single(dev, buf, page, DMAB_FROM_DEVICE, 0, &a), 0);
	assert_int_equal(touch_in_child(buf), SIGSEGV);
	assert_int_equal(dmab_sim_dev_write(sim, a + 128, data, sizeof(data)), 0);
	assert_int_equal(dmab_unmap_single(dev, a, page, DMAB_FROM_DEVICE, 0), 0);
	assert_memory_equal(buf + 128, data, sizeof(data));

	assert_int_equal(dmab_map_single(dev, buf + page, page, DMAB_BIDIRECTIONAL, 0, &a), 0);
	assert_int_equal(dmab_sync_single_for_cpu(dev, a, page, DMAB_BIDIRECTIONAL), 0);
	memset(buf + page, 0x3c, 64);
	assert_int_equal(dmab_sync_single_for_device(dev, a, page, DMAB_BIDIRECTIONAL), 0);
	assert_int_equal(touch_in_child(buf + page), SIGSEGV);
	assert_int_equal(dmab_sim_dev_read(sim, a, back, sizeof(back)), 0);
	memset(data, 0x3c, sizeof(data));
	assert_memory_equal(back, data, sizeof(data));
	assert_int_equal(dmab_unmap_single(dev, a, page, DMAB_BIDIRECTIONAL, 0), 0);
	expect_quiet();
	destroy(dev);
	assert_int_equal(dmab_sim_unregister(sim, buf, 2 * page), 0);
	dmab_sim_destroy(sim);
	free(buf);
}

static void test_switches(void **state)
{
	(void)state;
	struct dmab_device *dev = check_dev();
	struct dmab_debug_guard_counts c;

	assert_int_equal(dmab_debug_guard_stats(dev, &c), -EOPNOTSUPP);
	assert_int_equal(dmab_debug_guard_stats(NULL, &c), -EINVAL);
	assert_int_equal(dmab_debug_guard_stats(dev, NULL), -EINVAL);
	/* checking only: a FROM_DEVICE buffer stays the CPU's */
	uint8_t *buf = pages(1);
	dmab_addr_t a;

	assert_int_equal(dmab_map_single(dev, buf, page, DMAB_FROM_DEVICE, 0, &a), 0);
	assert_int_equal(touch_in_child(buf), 0);
	assert_int_equal(dmab_unmap_single(dev, a, page, DMAB_FROM_DEVICE, 0), 0);
	destroy(dev);

	/* DMAB_DEBUG=guard: checking and the guard, no rebuild */
	assert_int_equal(setenv("DMAB_DEBUG", "guard", 1), 0);
	dev = trace_dev(false, DMAB_SYNC_BATCHED, 64);
	assert_int_equal(unsetenv("DMAB_DEBUG"), 0);
	assert_true(dmab_debug_enabled(dev));
	assert_int_equal(dmab_debug_guard_stats(dev, &c), 0);
	assert_int_equal(dmab_map_single(dev, buf, page, DMAB_FROM_DEVICE, 0, &a), 0);
	assert_int_equal(touch_in_child(buf), SIGSEGV);
	assert_int_equal(dmab_unmap_single(dev, a, page, DMAB_FROM_DEVICE, 0), 0);
	destroy(dev);
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_touch_faults_until_unmap),
	    cmocka_unit_test(test_syncs),
	    cmocka_unit_test(test_refused_unmap_keeps_guard),
	    cmocka_unit_test(test_not_guarded),
	    cmocka_unit_test(test_sg),
	    cmocka_unit_test(test_handler_names_mapping),
	    cmocka_unit_test(test_bounced),
	    cmocka_unit_test(test_trace_unchanged),
	    cmocka_unit_test(test_simulator),
	    cmocka_unit_test(test_switches),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
