/* SPDX-License-Identifier: MIT */
/* Identity translation: the device sees CPU virtual addresses (tests, or a
 * platform where user space maps memory 1:1). */
#include "xlate.h"

static int identity_map(void *ctx, void *cpu, size_t len, dmab_addr_t *bus)
{
	(void)ctx;
	(void)len;
	*bus = (dmab_addr_t)(uintptr_t)cpu;
	return 0;
}

static void identity_unmap(void *ctx, dmab_addr_t bus, size_t len)
{
	(void)ctx;
	(void)bus;
	(void)len;
}

static int identity_to_cpu(void *ctx, dmab_addr_t bus, size_t len, void **cpu)
{
	(void)ctx;
	return dmab__identity_to_cpu(bus, len, cpu);
}

const struct dmab__xlate_ops dmab__xlate_identity = {
    .name = "identity",
    .map = identity_map,
    .unmap = identity_unmap,
    .to_cpu = identity_to_cpu,
};
