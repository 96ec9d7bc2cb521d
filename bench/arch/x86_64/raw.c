/* SPDX-License-Identifier: MIT */
/*
 * x86_64 raw loop. The instruction choice follows the library's x86_64
 * backend bit for bit: CLWB cleans when CPUID.7.0:EBX has it, else
 * CLFLUSHOPT, else CLFLUSH; CLFLUSHOPT invalidates when present, else
 * CLFLUSH. CLWB and CLFLUSHOPT are weakly ordered, so only a fence waits
 * for them: SFENCE; legacy CLFLUSH completes with MFENCE, as in the library.
 * The line size is CPUID.01H:EBX[15:8] x 8.
 */
#include <cpuid.h>
#include <errno.h>
#include <stdio.h>

#include "../../raw.h"

const char raw_arch[] = "x86_64";

enum insn { NONE, CLFLUSH, CLFLUSHOPT, CLWB };

static enum insn clean_insn = NONE, inval_insn = NONE;
static size_t line;

static const char *insn_name(enum insn i)
{
	return i == CLWB ? "clwb" : i == CLFLUSHOPT ? "clflushopt" : "clflush";
}

int raw_probe(struct raw_info *ri, char *why, size_t whylen)
{
	unsigned a, b, c, d;

	if (!__get_cpuid(1, &a, &b, &c, &d) || !(d & (1u << 19))) {
		snprintf(why, whylen, "CPUID reports no CLFLUSH");
		return -ENODEV;
	}
	line = ((b >> 8) & 0xff) * 8;
	clean_insn = inval_insn = CLFLUSH;
	if (__get_cpuid_count(7, 0, &a, &b, &c, &d)) {
		if (b & bit_CLFLUSHOPT)
			clean_insn = inval_insn = CLFLUSHOPT;
		if (b & bit_CLWB)
			clean_insn = CLWB;
	}
	ri->arch = raw_arch;
	ri->clean_insn = insn_name(clean_insn);
	ri->inval_insn = insn_name(inval_insn);
	ri->barrier = inval_insn == CLFLUSH ? "mfence" : "sfence";
	ri->line = line;
	return 0;
}

/* One loop per instruction: the choice is made once per range, not per line. */
static void issue(enum insn insn, uintptr_t p, uintptr_t end)
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

void raw_clean(uintptr_t start, uintptr_t end)
{
	issue(clean_insn, start, end);
}

void raw_inval(uintptr_t start, uintptr_t end)
{
	issue(inval_insn, start, end);
}

void raw_complete(void)
{
	if (inval_insn == CLFLUSH)
		__asm__ volatile("mfence" ::: "memory");
	else
		__asm__ volatile("sfence" ::: "memory");
}

void raw_drain(void)
{
	__asm__ volatile("mfence" ::: "memory");
}
