/* SPDX-License-Identifier: MIT */
/*
 * riscv64 with Zicbom in user space: cbo.clean, cbo.flush, fence iorw,iorw
 * (insn.h has the instructions and why). The probe takes the block size
 * from the kernel (facts.h: riscv_hwprobe key 12, else the device tree) and
 * refuses when neither gives one, then runs the instructions once in a
 * short-lived child (dmab__arch_child()): Linux lets user space run them
 * only from 6.15, and only when every hart has Zicbom. The library never
 * installs a signal handler.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "facts.h"
#include "insn.h"
#include "riscv64.h"

#ifndef __NR_riscv_hwprobe
#define __NR_riscv_hwprobe 258
#endif

static pthread_once_t once = PTHREAD_ONCE_INIT;
static struct dmab__insn insn;
static char failure[400];
static char desc[200];

/* riscv_hwprobe's answer for @key: > 0, 0 if unknown, or -errno. */
static long hwprobe(long key)
{
	struct {
		int64_t key;
		uint64_t value;
	} pair = {key, 0};

	if (syscall(__NR_riscv_hwprobe, &pair, 1, 0, NULL, 0) != 0)
		return -errno;
	return pair.key == key ? (long)pair.value : 0;
}

static void try_insns(void *buf)
{
	dmab__insn_detect(buf);
}

int dmab__rv_probe_at(const char *dt_root, bool use_hwprobe, struct dmab__insn *out, char *why,
		      size_t whylen)
{
	long hw = use_hwprobe ? hwprobe(DMAB__RV_HWPROBE_KEY_ZICBOM_BLOCK_SIZE) : -ENOSYS;
	struct dmab__insn found = {0};
	char sig[32] = "";
	int err = dmab__rv_block_size(hw, dt_root, &found.line, why, whylen);

	if (err)
		return err;
	if (dmab__arch_child(try_insns, &found, sizeof(found), sig, sizeof(sig)) != 0) {
		snprintf(why, whylen,
			 "cbo.clean/cbo.flush are not allowed in user space here (%s in the probe "
			 "process; Linux enables them from 6.15, when every hart has Zicbom)",
			 sig);
		return -ENODEV;
	}
	*out = found;
	return 0;
}

static void detect(void)
{
	char why[sizeof(failure)];

	if (dmab__rv_probe_at(DMAB__RV_DT_ROOT, true, &insn, why, sizeof(why)) != 0) {
		snprintf(failure, sizeof(failure), "%s", why);
		return;
	}
	snprintf(desc, sizeof(desc),
		 "riscv64: cbo.clean for clean, cbo.flush for invalidate and clean+invalidate "
		 "(never cbo.inval), %s to complete, %zu-byte blocks (from the kernel)",
		 dmab__insn_barrier(&insn), insn.line);
}

static int rv_probe(struct dmab_arch *a, const struct dmab_device_config *cfg, char *why,
		    size_t whylen)
{
	pthread_once(&once, detect);
	return dmab__arch_cpu_probe(a, cfg, failure, insn.line, why, whylen);
}

/* Over a->line, not the probed size: the same thing once probed. */
static void rv_issue(struct dmab_arch *a, enum dmab__op op, uintptr_t start, size_t len)
{
	struct dmab__insn in = {.line = a->line};

	dmab__insn_issue(&in, op, start, start + len);
}

static void rv_complete(struct dmab_arch *a)
{
	(void)a;
	dmab__insn_complete(&insn);
}

static const char *rv_describe(const struct dmab_arch *a)
{
	(void)a;
	return desc[0] ? desc : NULL;
}

const struct dmab_arch_ops dmab__arch_riscv64 = {
    .name = DMAB__INSN_ARCH,
    .flags = DMAB__ARCH_MAINTAINS | DMAB__ARCH_AUTO,
    .probe = rv_probe,
    .issue = rv_issue,
    .complete = rv_complete,
    .describe = rv_describe,
};
