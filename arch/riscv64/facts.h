/* SPDX-License-Identifier: MIT */
/*
 * The Zicbom block size from what the kernel publishes: riscv_hwprobe key
 * 12 (RISCV_HWPROBE_KEY_ZICBOM_BLOCK_SIZE, Linux 6.15) or, failing that,
 * the device tree's riscv,cbom-block-size (a big-endian u32 on each cpu@
 * node). Plain C on files, so it is tested on any host with fake trees.
 */
#ifndef DMAB_ARCH_RISCV64_FACTS_H
#define DMAB_ARCH_RISCV64_FACTS_H

#include <stddef.h>

#define DMAB__RV_HWPROBE_KEY_ZICBOM_BLOCK_SIZE 12
#define DMAB__RV_DT_ROOT		       "/proc/device-tree"

/*
 * @hw is riscv_hwprobe's answer for key 12: the block size (> 0), 0 if the
 * kernel does not know the key, or a negative errno from the call (-ENOSYS
 * before Linux 6.4). @dt_root is the device tree's root. Returns 0 with
 * *@line set, or -ENODEV with the reasons in @why (never a guessed size):
 * no source gives one, harts disagree, or the value is not a power of two
 * from 16 to 2048.
 */
int dmab__rv_block_size(long hw, const char *dt_root, size_t *line, char *why, size_t whylen);

#endif
