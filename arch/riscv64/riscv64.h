/* SPDX-License-Identifier: MIT */
/* The riscv64 backend's probe with its sources as arguments, for tests. */
#ifndef DMAB_ARCH_RISCV64_H
#define DMAB_ARCH_RISCV64_H

#include <stdbool.h>

#include "insn.h"

/*
 * The whole probe: the block size from riscv_hwprobe (if @use_hwprobe)
 * or the device tree at @dt_root, then the instructions tried in a child.
 * 0 with *@out filled, or -ENODEV with the reason in @why.
 */
int dmab__rv_probe_at(const char *dt_root, bool use_hwprobe, struct dmab__insn *out, char *why,
		      size_t whylen);

extern const struct dmab_arch_ops dmab__arch_riscv64;

#endif
