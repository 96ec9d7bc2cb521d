/* SPDX-License-Identifier: MIT */
/*
 * The raw loop's primitives: the floor the library is measured against.
 *
 * bench/arch/raw.c runs the CPU backend's own inline loops and detection
 * (arch/<cpu>/insn.h, picked by CMake): the same instructions, chosen by the
 * same hardware bits, called directly rather than through the library's
 * ops, so that the difference between the library and the raw loop is the
 * library's own bookkeeping and nothing else. Each call is one out-of-line
 * call, as the library's one indirect call per run is. On both backends the
 * library's invalidate and clean+invalidate are one instruction (x86_64:
 * CLFLUSHOPT, aarch64: DC CIVAC, since DC IVAC is not allowed at EL0), so a
 * partial edge line needs nothing special here.
 *
 * Preconditions: @start and @end are line aligned, @start < @end. The issue
 * calls do not wait; raw_complete() waits for everything issued before it.
 */
#ifndef DMAB_BENCH_RAW_H
#define DMAB_BENCH_RAW_H

#include <stddef.h>
#include <stdint.h>

struct raw_info {
	const char *arch;	/* the library backend this mirrors */
	const char *clean_insn; /* e.g. "clwb", "dc cvac" */
	const char *inval_insn; /* e.g. "clflushopt", "dc civac" */
	const char *barrier;	/* e.g. "sfence", "dsb sy" */
	size_t line;		/* from CPUID or CTR_EL0, never assumed */
};

/* The library backend this file mirrors: the bench asks the library for it. */
extern const char raw_arch[];

/* Fill @ri; 0, or -ENODEV with the reason in @why. Call once, first. */
int raw_probe(struct raw_info *ri, char *why, size_t whylen);
void raw_clean(uintptr_t start, uintptr_t end);
void raw_inval(uintptr_t start, uintptr_t end);
void raw_complete(void);
/*
 * Timing only, after every timed call of every variant: wait until all
 * maintenance issued so far has actually finished (dmab__insn_drain() in
 * insn.h says why x86 needs more than the completion's SFENCE).
 */
void raw_drain(void);

#endif /* DMAB_BENCH_RAW_H */
