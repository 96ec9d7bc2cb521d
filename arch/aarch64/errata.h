/* SPDX-License-Identifier: MIT */
/*
 * arm64 errata that change what EL0 cache maintenance must be, detected
 * from the MIDR_EL1 the kernel publishes for every CPU
 * (<root>/cpuN/regs/identification/midr_el1, root normally
 * /sys/devices/system/cpu), never from a trap. Plain C on files, so it is
 * tested on any host with fake trees.
 *
 * Cortex-A53 r0p0-r0p2 (errata 826319, 827319, 824069; 819472 on r0p0-r0p1):
 * Linux traps EL0 cache maintenance there and emulates every DC CVAC as DC
 * CIVAC, one exception per line. Issuing DC CIVAC for clean is what the
 * kernel would do, without the trap. One such CPU among several (big.LITTLE)
 * is enough: a thread may run on any of them.
 */
#ifndef DMAB_ARCH_AARCH64_ERRATA_H
#define DMAB_ARCH_AARCH64_ERRATA_H

#include <stdbool.h>
#include <stddef.h>

#define DMAB__A64_CPU_ROOT "/sys/devices/system/cpu"
#define DMAB__A64_CMDLINE  "/proc/cmdline"

/*
 * Arm erratum 4311569 is in an interconnect (SI L1), not a CPU: no MIDR
 * names it, and Linux turns its workaround (a second CMO loop over the same
 * lines before the DSB) on only when booted with arm_si_l1_workaround_4311569.
 * The library follows the same switch.
 */
#define DMAB__A64_DOUBLE_CMO_PARAM "arm_si_l1_workaround_4311569"

struct dmab__a64_errata {
	unsigned cpus;	     /* cpuN directories seen */
	unsigned known;	     /* of those, with a readable MIDR_EL1 */
	unsigned a53_early;  /* Cortex-A53 r0p0-r0p2 among them */
	bool clean_is_civac; /* issue DC CIVAC for clean */
	char desc[160];	     /* for the backend description; "" when nothing applies */
};

/* Is @midr a Cortex-A53 r0p0-r0p2? */
bool dmab__a64_midr_a53_early(unsigned long long midr);

/* Scan @root's cpuN entries into @e (zeroed first). Returns 0, or a negative
 * errno if @root cannot be read (then nothing applies). */
int dmab__a64_errata_scan(const char *root, struct dmab__a64_errata *e);

/* Does the kernel command line in the file @path turn the erratum 4311569
 * workaround on? (The parameter as a word, bare or "=1"/"=y"/"=on".) False
 * when @path cannot be read. */
bool dmab__a64_cmdline_double_cmo(const char *path);

#endif
