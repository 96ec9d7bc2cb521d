/* SPDX-License-Identifier: MIT */
/*
 * aarch64 at EL0: DC CVAC, DC CIVAC, DSB SY (insn.h has the instructions
 * and why). Whether the kernel lets EL0 run them is tried once, in a
 * short-lived child process (dmab__arch_child()): if an instruction traps,
 * the child dies of it and the probe fails with the reason. The library
 * never installs a signal handler. CPU errata that change the instructions
 * are read from every CPU's MIDR_EL1 (errata.h), not trapped; erratum
 * 4311569's double loop follows the kernel's command line unless the config
 * says (dmab__arch_issue() issues the second pass).
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "errata.h"
#include "insn.h"

static pthread_once_t once = PTHREAD_ONCE_INIT;
static struct dmab__insn insn;
static char failure[160];
static char desc[320];
static char desc_twice[400];
static bool kernel_double_cmo;

static void try_insns(void *buf)
{
	dmab__insn_detect(buf);
}

static void detect(void)
{
	char why[64] = "";
	struct dmab__insn found = {0};
	struct dmab__a64_errata errata;

	if (dmab__arch_child(try_insns, &found, sizeof(found), why, sizeof(why)) != 0) {
		snprintf(failure, sizeof(failure),
			 "EL0 cache maintenance is not allowed here (%s on CTR_EL0 or DC "
			 "CVAC/CIVAC in the probe process)",
			 why);
		return;
	}
	if (found.line < 16 || found.line > 2048) {
		snprintf(failure, sizeof(failure), "CTR_EL0 gives an implausible line size (%zu)",
			 found.line);
		return;
	}
	if (dmab__a64_errata_scan(DMAB__A64_CPU_ROOT, &errata) == 0)
		found.clean_civac = errata.clean_is_civac;
	else
		errata.desc[0] = '\0';
	insn = found;
	snprintf(desc, sizeof(desc),
		 "aarch64: %s for clean, dc civac for invalidate and clean+invalidate, %s to "
		 "complete, %zu-byte lines (CTR_EL0)%s%s",
		 dmab__insn_name(&insn, DMAB__CLEAN), dmab__insn_barrier(&insn), insn.line,
		 errata.desc[0] ? "; " : "", errata.desc);
	snprintf(desc_twice, sizeof(desc_twice),
		 "%s; every range issued twice before the barrier (erratum 4311569)", desc);
	kernel_double_cmo = dmab__a64_cmdline_double_cmo(DMAB__A64_CMDLINE);
}

static int a64_probe(struct dmab_arch *a, const struct dmab_device_config *cfg, char *why,
		     size_t whylen)
{
	pthread_once(&once, detect);
	if (!a->passes)
		a->passes = kernel_double_cmo ? 2 : 1;
	return dmab__arch_cpu_probe(a, cfg, failure, insn.line, why, whylen);
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

static const char *a64_describe(const struct dmab_arch *a)
{
	return a->passes > 1 ? desc_twice : desc;
}

const struct dmab_arch_ops dmab__arch_aarch64 = {
    .name = DMAB__INSN_ARCH,
    .flags = DMAB__ARCH_MAINTAINS | DMAB__ARCH_AUTO,
    .probe = a64_probe,
    .issue = a64_issue,
    .complete = a64_complete,
    .describe = a64_describe,
};
