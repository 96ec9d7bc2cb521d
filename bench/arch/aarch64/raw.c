/* SPDX-License-Identifier: MIT */
/*
 * aarch64 raw loop, at EL0 as the library's aarch64 backend: DC CVAC
 * cleans to the point of coherency, DC CIVAC cleans and invalidates (DC
 * IVAC is UNDEFINED at EL0), DSB SY waits for both to reach the point of
 * coherency. The line is CTR_EL0.DminLine (log2 of 4-byte words): QEMU's
 * a64fx model says 256, so it is read, never assumed.
 *
 * The bench probes this only after the library's aarch64 backend has
 * probed successfully, so EL0 cache maintenance is known to be allowed.
 */
#include <errno.h>
#include <stdio.h>

#include "../../raw.h"

const char raw_arch[] = "aarch64";

static size_t line;

int raw_probe(struct raw_info *ri, char *why, size_t whylen)
{
	uint64_t ctr;

	(void)why;
	(void)whylen;
	__asm__ volatile("mrs %0, ctr_el0" : "=r"(ctr));
	line = (size_t)4 << ((ctr >> 16) & 0xf);
	ri->arch = raw_arch;
	ri->clean_insn = "dc cvac";
	ri->inval_insn = "dc civac";
	ri->barrier = "dsb sy";
	ri->line = line;
	return 0;
}

void raw_clean(uintptr_t p, uintptr_t end)
{
	for (; p < end; p += line)
		__asm__ volatile("dc cvac, %0" ::"r"(p) : "memory");
}

void raw_inval(uintptr_t p, uintptr_t end)
{
	for (; p < end; p += line)
		__asm__ volatile("dc civac, %0" ::"r"(p) : "memory");
}

void raw_complete(void)
{
	__asm__ volatile("dsb sy" ::: "memory");
}

void raw_drain(void)
{
	__asm__ volatile("dsb sy" ::: "memory");
}
