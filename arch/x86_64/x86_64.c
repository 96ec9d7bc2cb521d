/* SPDX-License-Identifier: MIT */
/*
 * x86_64: CLWB to clean (it writes back and may keep the line), CLFLUSHOPT
 * to invalidate (write back and evict), chosen by CPUID with CLFLUSH as the
 * last resort. CLWB and CLFLUSHOPT are weakly ordered: only a fence waits
 * for them, so complete() is SFENCE. Legacy CLFLUSH is ordered with stores
 * but not with loads, so it completes with MFENCE.
 *
 * Real x86 DMA is snooped; this backend serves no-snoop devices, benchmarks
 * and tests.
 */
#include <cpuid.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>

#include "../arch.h"

enum insn { NONE, CLFLUSH, CLFLUSHOPT, CLWB };

static pthread_once_t once = PTHREAD_ONCE_INIT;
static enum insn clean_insn = NONE, inval_insn = NONE;
static size_t line_size;

static void detect(void)
{
	unsigned a, b, c, d;

	if (!__get_cpuid(1, &a, &b, &c, &d) || !(d & (1u << 19)) /* CLFSH */)
		return;
	/* CPUID.01H:EBX[15:8] is the CLFLUSH line size in 8-byte units. */
	line_size = ((b >> 8) & 0xff) * 8;
	clean_insn = inval_insn = CLFLUSH;
	if (__get_cpuid_count(7, 0, &a, &b, &c, &d)) {
		if (b & bit_CLFLUSHOPT)
			clean_insn = inval_insn = CLFLUSHOPT;
		if (b & bit_CLWB)
			clean_insn = CLWB;
	}
}

static int x86_probe(struct dmab_arch *a, const struct dmab_device_config *cfg, char *why,
		     size_t whylen)
{
	(void)cfg;
	pthread_once(&once, detect);
	if (clean_insn == NONE || line_size == 0) {
		snprintf(why, whylen, "CPUID reports no CLFLUSH");
		return -ENODEV;
	}
	a->line = line_size;
	return 0;
}

static void run(enum insn insn, uintptr_t p, uintptr_t end, size_t line)
{
	switch (insn) {
	case CLWB:
		for (; p < end; p += line)
			__asm__ volatile("clwb %0" : "+m"(*(volatile char *)p));
		break;
	case CLFLUSHOPT:
		for (; p < end; p += line)
			__asm__ volatile("clflushopt %0" : "+m"(*(volatile char *)p));
		break;
	default:
		for (; p < end; p += line)
			__asm__ volatile("clflush %0" : "+m"(*(volatile char *)p));
		break;
	}
}

static void x86_clean(struct dmab_arch *a, uintptr_t start, size_t len)
{
	run(clean_insn, start, start + len, a->line);
}

static void x86_inval(struct dmab_arch *a, uintptr_t start, size_t len)
{
	run(inval_insn, start, start + len, a->line);
}

static void x86_complete(struct dmab_arch *a)
{
	(void)a;
	if (inval_insn == CLFLUSH)
		__asm__ volatile("mfence" ::: "memory");
	else
		__asm__ volatile("sfence" ::: "memory");
}

const struct dmab_arch_ops dmab__arch_x86_64 = {
    .name = "x86_64",
    .maintains = true,
    .auto_select = true,
    .probe = x86_probe,
    .clean = x86_clean,
    /* x86 has no invalidate that keeps dirty data; flushing is the safe one. */
    .inval = x86_inval,
    .clean_inval = x86_inval,
    .complete = x86_complete,
};
