/* SPDX-License-Identifier: MIT */
/*
 * Memory the library owns for a device (bounce pools, coherent allocations,
 * IOMMU page tables) must be reachable by a simulated device, so whoever
 * allocates it registers it here. For a device that is not on a simulator
 * these do nothing and return 0, so callers need no test of their own.
 *
 * Cached memory (bounce slots, page tables: the CPU reaches it through the
 * cache, so it is maintained like any mapping) must start and end on a line
 * boundary; page-aligned memory always does. Uncached memory (coherent
 * allocations, which the CPU maps non-cacheable on a non-coherent platform)
 * needs no alignment. Registering the same memory again (a pool shared by
 * several devices of one simulator) is counted; it leaves the simulator with
 * the last unregistration. Call with the memory's final content or before
 * using it: registration copies it into the simulator's DRAM.
 *
 * Return: 0; -EINVAL (misaligned cached memory, NULL, zero length); -EEXIST
 * if it overlaps other registered memory; -ENOMEM. Unregister: -ENOENT if
 * that exact range was not registered.
 */
#ifndef DMAB_SIMHOOK_H
#define DMAB_SIMHOOK_H

#include <stddef.h>

struct dmab_device;

int dmab__sim_register_owned(struct dmab_device *dev, void *base, size_t len);
int dmab__sim_register_owned_uncached(struct dmab_device *dev, void *base, size_t len);
int dmab__sim_unregister_owned(struct dmab_device *dev, void *base, size_t len);

#endif /* DMAB_SIMHOOK_H */
