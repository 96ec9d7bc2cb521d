/* SPDX-License-Identifier: MIT */
/*
 * The probes' child process (src/os/probe.c, declared in arch/arch.h): a
 * result comes back, an illegal instruction kills only the child and is
 * reported by name, the caller's own SIGILL handler is neither replaced nor
 * run, and a caller that ignores SIGCHLD still gets the answer.
 */
#include <errno.h>
#include <signal.h>

#include "../../arch/arch.h"
#include "helpers.h"

static void fill(void *buf)
{
	memcpy(buf, "probed", 7);
}

static void illegal(void *buf)
{
	(void)buf;
#if defined(__x86_64__)
	__asm__ volatile("ud2");
#elif defined(__aarch64__)
	__asm__ volatile("udf #0");
#elif defined(__riscv)
	__asm__ volatile("unimp");
#else
	__builtin_trap();
#endif
}

static volatile sig_atomic_t handled;

static void on_sigill(int sig)
{
	(void)sig;
	handled = 1;
}

static void test_result_comes_back(void **state)
{
	(void)state;
	char buf[16] = "", why[64] = "x";

	assert_int_equal(dmab__arch_child(fill, buf, sizeof(buf), why, sizeof(why)), 0);
	assert_string_equal(buf, "probed");
	char big[300];
	assert_int_equal(dmab__arch_child(fill, big, sizeof(big), why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "too large"));
}

static void test_trap_kills_only_the_child(void **state)
{
	(void)state;
	struct sigaction sa, now;
	char buf[8] = "", why[64] = "";

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sigill;
	sigemptyset(&sa.sa_mask);
	assert_int_equal(sigaction(SIGILL, &sa, NULL), 0);
	handled = 0;
	assert_int_equal(dmab__arch_child(illegal, buf, sizeof(buf), why, sizeof(why)), -ENODEV);
	assert_string_equal(why, "SIGILL");
	assert_int_equal(handled, 0);
	assert_int_equal(sigaction(SIGILL, NULL, &now), 0);
	assert_ptr_equal(now.sa_handler, on_sigill);
	signal(SIGILL, SIG_DFL);
}

static void test_sigchld_ignored(void **state)
{
	(void)state;
	char buf[16] = "", why[64] = "";

	signal(SIGCHLD, SIG_IGN);
	assert_int_equal(dmab__arch_child(fill, buf, sizeof(buf), why, sizeof(why)), 0);
	assert_string_equal(buf, "probed");
	assert_int_equal(dmab__arch_child(illegal, buf, sizeof(buf), why, sizeof(why)), -ENODEV);
	signal(SIGCHLD, SIG_DFL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_result_comes_back),
	    cmocka_unit_test(test_trap_kills_only_the_child),
	    cmocka_unit_test(test_sigchld_ignored),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
