/* SPDX-License-Identifier: MIT */
/*
 * generic: for platforms where DMA is coherent. It has no cache maintenance
 * to offer, so the core refuses to put a non-coherent device on it; its
 * completion is a full fence, which orders the CPU's stores before a doorbell
 * write that follows.
 */
#include <stdatomic.h>
#include <unistd.h>

#include "../arch.h"

static int generic_probe(struct dmab_arch *a, const struct dmab_device_config *cfg, char *why,
			 size_t whylen)
{
	int err = dmab__arch_no_line_size(cfg, why, whylen);
	long line = -1;

	if (err)
		return err;
#ifdef _SC_LEVEL1_DCACHE_LINESIZE
	line = sysconf(_SC_LEVEL1_DCACHE_LINESIZE);
#endif
	/* Nothing is maintained here; the size is only reported. */
	a->line = line > 0 && (line & (line - 1)) == 0 ? (size_t)line : 64;
	return 0;
}

static void generic_issue(struct dmab_arch *a, enum dmab__op op, uintptr_t start, size_t len)
{
	(void)a;
	(void)op;
	(void)start;
	(void)len;
}

static void generic_complete(struct dmab_arch *a)
{
	(void)a;
	atomic_thread_fence(memory_order_seq_cst);
}

const struct dmab_arch_ops dmab__arch_generic = {
    .name = "generic",
    .flags = DMAB__ARCH_AUTO,
    .probe = generic_probe,
    .issue = generic_issue,
    .complete = generic_complete,
};
