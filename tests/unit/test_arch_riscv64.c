/* SPDX-License-Identifier: MIT */
/*
 * The riscv64 backend (riscv64 builds only). QEMU 7.2's user mode raises
 * SIGILL on every cbo.*, so:
 * - the probe's refusal is tested for real: no block size from the kernel
 *   (no riscv_hwprobe key 12, no device tree under qemu-user), and, with a
 *   fake device tree that gives one, the instructions trapping in the probe
 *   child, even with a SIGILL handler installed in this process;
 * - the instruction stream is tested with a SIGILL handler of this test's
 *   own that decodes each trapped cbo.* (which one, the address in rs1),
 *   records it and steps over it. Each call in each direction at three block
 *   sizes must issue exactly the expected blocks, and cbo.inval never.
 * DMAB_EXPECT_ZICBOM=0 (scripts/test under QEMU 7.2) says the instructions
 * must trap here; 1 that they must run; unset accepts either.
 */
#include <errno.h>
#include <signal.h>
#include <sys/ucontext.h>
#include <unistd.h>

#include "../../arch/riscv64/riscv64.h"
#include "fake_tree.h"
#include "helpers.h"
#include "seam.h"

struct cbo {
	int which; /* DMAB__RV_CBO_* */
	uintptr_t addr;
};

static struct cbo recs[4096];
static volatile size_t nrecs, nother;

static void on_sigill(int sig, siginfo_t *si, void *ctx)
{
	ucontext_t *uc = ctx;
	unsigned long *gr = (unsigned long *)uc->uc_mcontext.__gregs;
	uint32_t insn;
	unsigned rs1;

	(void)sig;
	(void)si;
	memcpy(&insn, (const void *)gr[REG_PC], sizeof(insn));
	if ((insn & 0x7f) != DMAB__RV_CBO_OPCODE || ((insn >> 12) & 7) != DMAB__RV_CBO_FUNCT3 ||
	    ((insn >> 7) & 31) != 0 || nrecs == sizeof(recs) / sizeof(recs[0])) {
		/* not ours: die of it */
		nother++;
		signal(SIGILL, SIG_DFL);
		return;
	}
	rs1 = (insn >> 15) & 31;
	recs[nrecs].which = (int)(insn >> 20);
	recs[nrecs].addr = rs1 ? gr[rs1] : 0;
	nrecs++;
	gr[REG_PC] += 4;
}

static void install(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_sigill;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	assert_int_equal(sigaction(SIGILL, &sa, NULL), 0);
}

static int expect_zicbom(void)
{
	const char *e = getenv("DMAB_EXPECT_ZICBOM");

	return e && *e ? atoi(e) : -1;
}

/* The default probe: a clear refusal where the kernel gives no block size. */
static void test_probe_refusal(void **state)
{
	(void)state;
	struct dmab_device_config cfg = {.numa_node = -1, .backend = "riscv64"};
	struct dmab_device *dev = NULL;
	int err = dmab_device_create(&cfg, &dev);

	print_message("riscv64 probe: %d %s\n", err, err ? dmab_last_error() : "ok");
	if (expect_zicbom() == 0 || (expect_zicbom() < 0 && err)) {
		assert_int_equal(err, -ENODEV);
		assert_non_null(strstr(dmab_last_error(), "riscv64"));
		assert_true(strstr(dmab_last_error(), "block size") ||
			    strstr(dmab_last_error(), "not allowed in user space"));
		/* the portable backends still work */
		cfg.backend = "trace";
		assert_int_equal(dmab_device_create(&cfg, &dev), 0);
		destroy(dev);
		return;
	}
	assert_int_equal(err, 0);
	assert_string_equal(dmab_device_backend(dev), "riscv64");
	destroy(dev);
}

static void put_block_size(const char *root, const char *cpu, uint32_t v)
{
	unsigned char be[4] = {(unsigned char)(v >> 24), (unsigned char)(v >> 16),
			       (unsigned char)(v >> 8), (unsigned char)v};
	char rel[128];

	snprintf(rel, sizeof(rel), "cpus/%s/riscv,cbom-block-size", cpu);
	put_file(root, rel, be, 4);
}

/* A device tree that gives the size: the instructions are tried in a child,
 * which dies of the trap although this process handles SIGILL, and this
 * process's handler is left as it was. */
static void test_probe_child(void **state)
{
	(void)state;
	char root[] = "/tmp/dmab-rv-dtXXXXXX", why[400] = "";
	struct dmab__insn in = {0};
	struct sigaction now;
	int err;

	assert_non_null(mkdtemp(root));
	put_block_size(root, "cpu@0", 64);
	put_block_size(root, "cpu@1", 64);
	install();
	nrecs = 0;
	err = dmab__rv_probe_at(root, false, &in, why, sizeof(why));
	print_message("probe with a device tree: %d %s\n", err, why);
	assert_int_equal(nrecs, 0); /* the parent ran no cbo */
	assert_int_equal(sigaction(SIGILL, NULL, &now), 0);
	assert_true((now.sa_flags & SA_SIGINFO) && now.sa_sigaction == on_sigill);
	if (expect_zicbom() == 0 || (expect_zicbom() < 0 && err)) {
		assert_int_equal(err, -ENODEV);
		assert_non_null(strstr(why, "SIGILL in the probe process"));
	} else {
		assert_int_equal(err, 0);
		assert_int_equal(in.line, 64);
	}
	signal(SIGILL, SIG_DFL);
	remove_tree(root);
}

/* Every block of [start, start + len) once, in order, as @which. */
static void expect_blocks(size_t from, int which, uintptr_t start, size_t len, size_t line)
{
	uintptr_t s = start & ~(uintptr_t)(line - 1);
	uintptr_t e = (start + len + line - 1) & ~(uintptr_t)(line - 1);
	size_t n = (e - s) / line;

	assert_int_equal(nrecs - from, n);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(recs[from + i].which, which);
		assert_int_equal(recs[from + i].addr, s + i * line);
	}
}

static void test_stream(void **state)
{
	(void)state;
	static const size_t lines[] = {32, 64, 128};

	install();
	for (size_t li = 0; li < 3; li++) {
		size_t line = lines[li];
		struct dmab_device_config cfg = {
		    .numa_node = -1, .backend = "trace", .line_size = line};
		struct dmab_device *dev;
		uint8_t *buf = page_buf(8192);
		const size_t off = 3, len = 5 * line + 7;
		uintptr_t start = (uintptr_t)buf + off;

		assert_int_equal(dmab_device_create(&cfg, &dev), 0);
		assert_int_equal(seam_backend_swap(dev, "riscv64"), 0);
		for (int dir = 0; dir < 3; dir++) {
			dmab_addr_t a;
			size_t from = nrecs;
			bool back = dir != DMAB_TO_DEVICE;

			assert_int_equal(
			    dmab_map_single(dev, buf + off, len, (enum dmab_dir)dir, 0, &a), 0);
			expect_blocks(from, DMAB__RV_CBO_CLEAN, start, len, line);
			from = nrecs;
			assert_int_equal(dmab_sync_single_for_cpu(dev, a, len, (enum dmab_dir)dir),
					 0);
			if (back)
				expect_blocks(from, DMAB__RV_CBO_FLUSH, start, len, line);
			else
				assert_int_equal(nrecs, from);
			from = nrecs;
			assert_int_equal(
			    dmab_sync_single_for_device(dev, a, len, (enum dmab_dir)dir), 0);
			expect_blocks(from, DMAB__RV_CBO_CLEAN, start, len, line);
			from = nrecs;
			assert_int_equal(dmab_unmap_single(dev, a, len, (enum dmab_dir)dir, 0), 0);
			if (back)
				expect_blocks(from, DMAB__RV_CBO_FLUSH, start, len, line);
			else
				assert_int_equal(nrecs, from);
		}
		/* the backend's own op loop: an invalidate is a cbo.flush */
		struct dmab_arch a = {.ops = &dmab__arch_riscv64, .line = line};
		size_t from = nrecs;

		a.ops->issue(&a, DMAB__INVAL, (uintptr_t)buf, 4 * line);
		expect_blocks(from, DMAB__RV_CBO_FLUSH, (uintptr_t)buf, 4 * line, line);
		from = nrecs;
		a.ops->issue(&a, DMAB__CLEAN_INVAL, (uintptr_t)buf + line, 2 * line);
		expect_blocks(from, DMAB__RV_CBO_FLUSH, (uintptr_t)buf + line, 2 * line, line);
		seam_backend_restore(dev);
		destroy(dev);
		free(buf);
	}
	for (size_t i = 0; i < nrecs; i++)
		assert_int_not_equal(recs[i].which, DMAB__RV_CBO_INVAL);
	assert_int_equal(nother, 0);
	signal(SIGILL, SIG_DFL);
}

/* The completion is fence iorw,iorw: find its word in complete()'s code. */
static void test_completion_fence(void **state)
{
	(void)state;
	const uint8_t *code = (const uint8_t *)(uintptr_t)dmab__arch_riscv64.complete;
	bool found = false;

	for (size_t i = 0; i + 4 <= 64 && !found; i += 2) {
		uint32_t w;

		memcpy(&w, code + i, 4);
		found = w == DMAB__RV_FENCE_IORW;
	}
	assert_true(found);
	/* and it runs (a fence never traps) */
	struct dmab_arch a = {.ops = &dmab__arch_riscv64, .line = 64};
	a.ops->complete(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_probe_refusal),
	    cmocka_unit_test(test_probe_child),
	    cmocka_unit_test(test_stream),
	    cmocka_unit_test(test_completion_fence),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
