/* SPDX-License-Identifier: MIT */
/*
 * x86_64: CLWB / CLFLUSHOPT / CLFLUSH chosen by CPUID, SFENCE or MFENCE to
 * complete (insn.h has the instructions and why).
 *
 * Real x86 DMA is snooped; this backend serves no-snoop devices, benchmarks
 * and tests.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>

#include "insn.h"

static pthread_once_t once = PTHREAD_ONCE_INIT;
static struct dmab__insn insn;
static const char *failure;

static void detect(void)
{
	failure = dmab__insn_detect(&insn);
}

static int x86_probe(struct dmab_arch *a, const struct dmab_device_config *cfg, char *why,
		     size_t whylen)
{
	pthread_once(&once, detect);
	return dmab__arch_cpu_probe(a, cfg, failure, insn.line, why, whylen);
}

static void x86_issue(struct dmab_arch *a, enum dmab__op op, uintptr_t start, size_t len)
{
	(void)a;
	dmab__insn_issue(&insn, op, start, start + len);
}

static void x86_complete(struct dmab_arch *a)
{
	(void)a;
	dmab__insn_complete(&insn);
}

const struct dmab_arch_ops dmab__arch_x86_64 = {
    .name = DMAB__INSN_ARCH,
    .flags = DMAB__ARCH_MAINTAINS | DMAB__ARCH_AUTO,
    .probe = x86_probe,
    .issue = x86_issue,
    .complete = x86_complete,
};
