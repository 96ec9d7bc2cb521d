/* SPDX-License-Identifier: MIT */
/*
 * x86_64's cache maintenance instructions, the loops that issue them and
 * the CPUID bits that choose them: shared by the backend (x86_64.c) and the
 * bench's raw floor, so that both run the same instructions.
 *
 * CLWB cleans (it writes back and may keep the line), CLFLUSHOPT
 * invalidates (write back and evict), CLFLUSH is the last resort for both.
 * x86 has no invalidate that keeps dirty data, so every invalidate is a
 * flush. CLWB and CLFLUSHOPT are weakly ordered: only a fence waits for
 * them, so completion is SFENCE; legacy CLFLUSH is ordered with stores but
 * not with loads, so it completes with MFENCE.
 *
 * The names below (struct dmab__insn, dmab__insn_*) are the same in every
 * arch/<cpu>/insn.h.
 */
#ifndef DMAB_ARCH_X86_64_INSN_H
#define DMAB_ARCH_X86_64_INSN_H

#include <cpuid.h>

#include "../arch.h"

#define DMAB__INSN_ARCH "x86_64" /* the backend these instructions are */

enum dmab__x86_insn { DMAB__X86_NONE, DMAB__X86_CLFLUSH, DMAB__X86_CLFLUSHOPT, DMAB__X86_CLWB };

struct dmab__insn {
	enum dmab__x86_insn clean, inval;
	size_t line;
};

/* Fill @in from CPUID. Returns NULL, or why this CPU cannot maintain. */
static inline const char *dmab__insn_detect(struct dmab__insn *in)
{
	unsigned a, b, c, d;

	*in = (struct dmab__insn){DMAB__X86_NONE, DMAB__X86_NONE, 0};
	if (!__get_cpuid(1, &a, &b, &c, &d) || !(d & (1u << 19)) /* CLFSH */)
		return "CPUID reports no CLFLUSH";
	/* CPUID.01H:EBX[15:8] is the CLFLUSH line size in 8-byte units. */
	in->line = ((b >> 8) & 0xff) * 8;
	if (!in->line)
		return "CPUID reports a CLFLUSH line size of 0";
	in->clean = in->inval = DMAB__X86_CLFLUSH;
	if (__get_cpuid_count(7, 0, &a, &b, &c, &d)) {
		if (b & bit_CLFLUSHOPT)
			in->clean = in->inval = DMAB__X86_CLFLUSHOPT;
		if (b & bit_CLWB)
			in->clean = DMAB__X86_CLWB;
	}
	return NULL;
}

/* Start @op over the lines of [p, end), both line aligned; one loop per
 * instruction, so the choice is made once per range, not per line. */
static inline void dmab__insn_issue(const struct dmab__insn *in, enum dmab__op op, uintptr_t p,
				    uintptr_t end)
{
	size_t line = in->line;

	switch (op == DMAB__CLEAN ? in->clean : in->inval) {
	case DMAB__X86_CLWB:
		for (; p < end; p += line)
			__asm__ volatile("clwb %0" : "+m"(*(volatile char *)p));
		break;
	case DMAB__X86_CLFLUSHOPT:
		for (; p < end; p += line)
			__asm__ volatile("clflushopt %0" : "+m"(*(volatile char *)p));
		break;
	default:
		for (; p < end; p += line)
			__asm__ volatile("clflush %0" : "+m"(*(volatile char *)p));
		break;
	}
}

/* Wait for this thread's maintenance, as completion needs it. */
static inline void dmab__insn_complete(const struct dmab__insn *in)
{
	if (in->inval == DMAB__X86_CLFLUSH)
		__asm__ volatile("mfence" ::: "memory");
	else
		__asm__ volatile("sfence" ::: "memory");
}

/*
 * For timing: wait until the write-backs have actually finished. SFENCE
 * does not stall the CPU, it only keeps later stores behind the flushes, so
 * a clock read right after it can stop hundreds of ns early; MFENCE waits.
 */
static inline void dmab__insn_drain(void)
{
	__asm__ volatile("mfence" ::: "memory");
}

static inline const char *dmab__insn_name(const struct dmab__insn *in, enum dmab__op op)
{
	enum dmab__x86_insn i = op == DMAB__CLEAN ? in->clean : in->inval;

	return i == DMAB__X86_CLWB ? "clwb" : i == DMAB__X86_CLFLUSHOPT ? "clflushopt" : "clflush";
}

static inline const char *dmab__insn_barrier(const struct dmab__insn *in)
{
	return in->inval == DMAB__X86_CLFLUSH ? "mfence" : "sfence";
}

#endif /* DMAB_ARCH_X86_64_INSN_H */
