/* SPDX-License-Identifier: MIT */
/*
 * aarch64's cache maintenance at EL0, the loops that issue it and the line
 * size: shared by the backend (aarch64.c) and the bench's raw floor, so that
 * both run the same instructions.
 *
 * Linux sets SCTLR_EL1.UCI, so user space may clean (DC CVAC) and
 * clean+invalidate (DC CIVAC) to the point of coherency. DC IVAC is
 * UNDEFINED at EL0, so every invalidate is a DC CIVAC; that is safe because
 * map time cleaned the range. DSB SY waits for the maintenance to reach the
 * point of coherency; DMB or DSB ISH would not. The line size is
 * CTR_EL0.DminLine (log2 of 4-byte words): QEMU's a64fx model says 256, so
 * it is read, never assumed.
 *
 * The names below (struct dmab__insn, dmab__insn_*) are the same in every
 * arch/<cpu>/insn.h.
 */
#ifndef DMAB_ARCH_AARCH64_INSN_H
#define DMAB_ARCH_AARCH64_INSN_H

#include "../arch.h"

#define DMAB__INSN_ARCH "aarch64" /* the backend these instructions are */

struct dmab__insn {
	size_t line;
	bool clean_civac; /* DC CIVAC for clean too (Cortex-A53 errata, errata.h) */
};

/*
 * Read CTR_EL0, then run each instruction once on a line of its own. If the
 * kernel does not let EL0 do this, an instruction traps (SIGILL, or
 * SIGSEGV/SIGBUS): the backend calls this in a probe child process that
 * the trap may kill. Returns NULL once every instruction ran.
 */
static inline const char *dmab__insn_detect(struct dmab__insn *in)
{
	uint64_t ctr = 0;
	volatile char probe_line[8] = {0};

	__asm__ volatile("mrs %0, ctr_el0" : "=r"(ctr));
	__asm__ volatile("dc cvac, %0" ::"r"(probe_line) : "memory");
	__asm__ volatile("dc civac, %0" ::"r"(probe_line) : "memory");
	__asm__ volatile("dsb sy" ::: "memory");
	in->line = (size_t)4 << ((ctr >> 16) & 0xf);
	return NULL;
}

/* Start @op over the lines of [p, end), both line aligned. */
static inline void dmab__insn_issue(const struct dmab__insn *in, enum dmab__op op, uintptr_t p,
				    uintptr_t end)
{
	size_t line = in->line;

	if (op == DMAB__CLEAN && !in->clean_civac) {
		for (; p < end; p += line)
			__asm__ volatile("dc cvac, %0" ::"r"(p) : "memory");
	} else {
		/* no DC IVAC at EL0 */
		for (; p < end; p += line)
			__asm__ volatile("dc civac, %0" ::"r"(p) : "memory");
	}
}

/* Wait for this thread's maintenance, as completion needs it. */
static inline void dmab__insn_complete(const struct dmab__insn *in)
{
	(void)in;
	__asm__ volatile("dsb sy" ::: "memory");
}

/* For timing: DSB SY has already waited for the maintenance itself, so
 * this one costs next to nothing. */
static inline void dmab__insn_drain(void)
{
	__asm__ volatile("dsb sy" ::: "memory");
}

static inline const char *dmab__insn_name(const struct dmab__insn *in, enum dmab__op op)
{
	return op == DMAB__CLEAN && !in->clean_civac ? "dc cvac" : "dc civac";
}

static inline const char *dmab__insn_barrier(const struct dmab__insn *in)
{
	(void)in;
	return "dsb sy";
}

#endif /* DMAB_ARCH_AARCH64_INSN_H */
