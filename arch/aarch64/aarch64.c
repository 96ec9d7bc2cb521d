/* SPDX-License-Identifier: MIT */
/*
 * aarch64 at EL0: DC CVAC, DC CIVAC, DSB SY (insn.h has the instructions
 * and why). If the kernel does not let EL0 run them (an instruction traps),
 * the probe catches the signal and fails with a reason instead of killing
 * the caller.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "insn.h"

static pthread_once_t once = PTHREAD_ONCE_INIT;
static struct dmab__insn insn;
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

	memset(&act, 0, sizeof(act));
	act.sa_handler = on_trap;
	sigemptyset(&act.sa_mask);
	for (int i = 0; i < 3; i++)
		sigaction(sigs[i], &act, &old[i]);
	if (sigsetjmp(trap_env, 1) == 0) {
		failure = dmab__insn_detect(&insn);
	} else {
		failure = trapped_sig == SIGILL ? "EL0 cache maintenance is disabled (SIGILL on "
						  "CTR_EL0 or DC CVAC/CIVAC)"
						: "EL0 cache maintenance faulted (SIGSEGV/SIGBUS)";
	}
	for (int i = 0; i < 3; i++)
		sigaction(sigs[i], &old[i], NULL);
}

static int a64_probe(struct dmab_arch *a, const struct dmab_device_config *cfg, char *why,
		     size_t whylen)
{
	int err = dmab__arch_no_line_size(cfg, why, whylen);

	if (err)
		return err;
	pthread_once(&once, detect);
	if (failure) {
		snprintf(why, whylen, "%s", failure);
		return -ENODEV;
	}
	a->line = insn.line;
	return 0;
}

static void a64_issue(struct dmab_arch *a, enum dmab__op op, uintptr_t start, size_t len)
{
	(void)a;
	dmab__insn_issue(&insn, op, start, start + len);
}

static void a64_complete(struct dmab_arch *a)
{
	(void)a;
	dmab__insn_complete(&insn);
}

const struct dmab_arch_ops dmab__arch_aarch64 = {
    .name = DMAB__INSN_ARCH,
    .flags = DMAB__ARCH_MAINTAINS | DMAB__ARCH_AUTO,
    .probe = a64_probe,
    .issue = a64_issue,
    .complete = a64_complete,
};
