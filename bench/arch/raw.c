/* SPDX-License-Identifier: MIT */
/*
 * The raw floor (raw.h) on the CPU backend's own loops: arch/<cpu>/insn.h,
 * found through the include path CMake sets for the CPU it builds for. No
 * library code runs here: no ops table, no batch, no counters.
 */
#include <errno.h>
#include <stdio.h>

#include "../raw.h"
#include "insn.h"

const char raw_arch[] = DMAB__INSN_ARCH;

static struct dmab__insn insn;

int raw_probe(struct raw_info *ri, char *why, size_t whylen)
{
	const char *failure = dmab__insn_detect(&insn);

	if (failure) {
		snprintf(why, whylen, "%s", failure);
		return -ENODEV;
	}
	ri->arch = raw_arch;
	ri->clean_insn = dmab__insn_name(&insn, DMAB__CLEAN);
	ri->inval_insn = dmab__insn_name(&insn, DMAB__INVAL);
	ri->barrier = dmab__insn_barrier(&insn);
	ri->line = insn.line;
	return 0;
}

void raw_clean(uintptr_t start, uintptr_t end)
{
	dmab__insn_issue(&insn, DMAB__CLEAN, start, end);
}

void raw_inval(uintptr_t start, uintptr_t end)
{
	dmab__insn_issue(&insn, DMAB__INVAL, start, end);
}

void raw_complete(void)
{
	dmab__insn_complete(&insn);
}

void raw_drain(void)
{
	dmab__insn_drain();
}
