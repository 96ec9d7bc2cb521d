/* SPDX-License-Identifier: MIT */
/*
 * aarch64 at EL0. Linux sets SCTLR_EL1.UCI, so user space may clean (DC
 * CVAC) and clean+invalidate (DC CIVAC) to the point of coherency. DC IVAC
 * is UNDEFINED at EL0, so every invalidate is a DC CIVAC; that is safe
 * because map time cleaned the range. DSB SY waits for the maintenance to
 * reach the point of coherency; DMB or DSB ISH would not.
 *
 * The line size is CTR_EL0.DminLine (log2 of 4-byte words), read once. If
 * the kernel does not let EL0 run DC (the instruction traps), the probe
 * catches the signal and fails with a reason instead of killing the caller.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "../arch.h"

static pthread_once_t once = PTHREAD_ONCE_INIT;
static size_t line_size;
static const char *failure;
static sigjmp_buf trap_env;
static volatile sig_atomic_t trapped_sig;

static void on_trap(int sig)
{
	trapped_sig = sig;
	siglongjmp(trap_env, 1);
}

static void detect(void)
{
	static const int sigs[] = {SIGILL, SIGSEGV, SIGBUS};
	struct sigaction act, old[3];
	uint64_t ctr = 0;
	volatile char probe_line[8] = {0};

	memset(&act, 0, sizeof(act));
	act.sa_handler = on_trap;
	sigemptyset(&act.sa_mask);
	for (int i = 0; i < 3; i++)
		sigaction(sigs[i], &act, &old[i]);
	if (sigsetjmp(trap_env, 1) == 0) {
		__asm__ volatile("mrs %0, ctr_el0" : "=r"(ctr));
		__asm__ volatile("dc cvac, %0" ::"r"(probe_line) : "memory");
		__asm__ volatile("dc civac, %0" ::"r"(probe_line) : "memory");
		__asm__ volatile("dsb sy" ::: "memory");
	} else {
		failure = trapped_sig == SIGILL ? "EL0 cache maintenance is disabled (SIGILL on "
						  "CTR_EL0 or DC CVAC/CIVAC)"
						: "EL0 cache maintenance faulted (SIGSEGV/SIGBUS)";
	}
	for (int i = 0; i < 3; i++)
		sigaction(sigs[i], &old[i], NULL);
	if (!failure)
		line_size = (size_t)4 << ((ctr >> 16) & 0xf);
}

static int a64_probe(struct dmab_arch *a, const struct dmab_device_config *cfg, char *why,
		     size_t whylen)
{
	(void)cfg;
	pthread_once(&once, detect);
	if (failure) {
		snprintf(why, whylen, "%s", failure);
		return -ENODEV;
	}
	a->line = line_size;
	return 0;
}

static void a64_clean(struct dmab_arch *a, uintptr_t p, size_t len)
{
	for (uintptr_t end = p + len; p < end; p += a->line)
		__asm__ volatile("dc cvac, %0" ::"r"(p) : "memory");
}

static void a64_clean_inval(struct dmab_arch *a, uintptr_t p, size_t len)
{
	for (uintptr_t end = p + len; p < end; p += a->line)
		__asm__ volatile("dc civac, %0" ::"r"(p) : "memory");
}

static void a64_complete(struct dmab_arch *a)
{
	(void)a;
	__asm__ volatile("dsb sy" ::: "memory");
}

const struct dmab_arch_ops dmab__arch_aarch64 = {
    .name = "aarch64",
    .maintains = true,
    .auto_select = true,
    .probe = a64_probe,
    .clean = a64_clean,
    .inval = a64_clean_inval, /* no DC IVAC at EL0 */
    .clean_inval = a64_clean_inval,
    .complete = a64_complete,
};
