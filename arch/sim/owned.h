/* SPDX-License-Identifier: MIT */
/*
 * The owned-memory hook of arch/arch.h seen from a device, under the names
 * the simulator's tests call it by: the library itself calls
 * dmab__arch_owned(). On a device of a backend without the hook (any but
 * sim) these do nothing and return 0.
 *
 * Return: 0; -EINVAL (misaligned cached memory, NULL, zero length); -EEXIST
 * if it overlaps other registered memory; -ENOMEM. Unregister: -ENOENT if
 * that exact range was not registered.
 */
#ifndef DMAB_ARCH_SIM_OWNED_H
#define DMAB_ARCH_SIM_OWNED_H

#include "../arch.h"

static inline int dmab__sim_owned_by(const struct dmab_device *dev, enum dmab__owned what,
				     void *base, size_t len)
{
	const struct dmab_arch *a = dmab__device_arch(dev);

	return a ? dmab__arch_owned(a, what, base, len) : 0;
}

static inline int dmab__sim_register_owned(struct dmab_device *dev, void *base, size_t len)
{
	return dmab__sim_owned_by(dev, DMAB__OWNED_CACHED, base, len);
}

static inline int dmab__sim_register_owned_uncached(struct dmab_device *dev, void *base, size_t len)
{
	return dmab__sim_owned_by(dev, DMAB__OWNED_UNCACHED, base, len);
}

static inline int dmab__sim_unregister_owned(struct dmab_device *dev, void *base, size_t len)
{
	return dmab__sim_owned_by(dev, DMAB__OWNED_GONE, base, len);
}

#endif /* DMAB_ARCH_SIM_OWNED_H */
