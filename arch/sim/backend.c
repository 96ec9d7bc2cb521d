/* SPDX-License-Identifier: MIT */
/*
 * sim: the cache backend of the simulator (the model is in sim/). Its
 * maintenance acts on the model, its line size is the simulator's, every
 * call is a chaos point, and memory the library owns is registered with the
 * simulator so the simulated device can reach it. All devices on one
 * simulator share one completion domain (a->priv is the simulator), so a
 * batch over several of them completes once, as one barrier on hardware
 * waits for all the maintenance one CPU issued.
 */
#include <errno.h>
#include <stdio.h>

#include "../../sim/model.h"

static const char *sim_claims(const struct dmab_device_config *cfg)
{
	/* A device on a simulator is on it whatever the environment says. */
	return cfg->sim ? "a device on a simulator" : NULL;
}

static int sim_probe(struct dmab_arch *a, const struct dmab_device_config *cfg, char *why,
		     size_t whylen)
{
	struct dmab_sim *sim = cfg->sim;

	if (!sim) {
		snprintf(why, whylen,
			 "it needs a simulator: create one with dmab_sim_create() "
			 "and set the config's sim field");
		return -EINVAL;
	}
	int err = dmab__arch_no_line_size(cfg, why, whylen);

	if (err)
		return err;
	pthread_mutex_lock(&sim->lock);
	sim->users++;
	pthread_mutex_unlock(&sim->lock);
	a->line = sim->line;
	a->priv = sim;
	return 0;
}

static void sim_release(struct dmab_arch *a)
{
	struct dmab_sim *sim = a->priv;

	pthread_mutex_lock(&sim->lock);
	sim->users--;
	pthread_mutex_unlock(&sim->lock);
}

static void sim_issue(struct dmab_arch *a, enum dmab__op op, uintptr_t start, size_t len)
{
	struct dmab_sim *sim = a->priv;

	pthread_mutex_lock(&sim->lock);
	dmab__sim_chaos(sim);
	dmab__sim_issue(sim, op, start, len);
	pthread_mutex_unlock(&sim->lock);
}

static void sim_complete(struct dmab_arch *a)
{
	struct dmab_sim *sim = a->priv;

	pthread_mutex_lock(&sim->lock);
	dmab__sim_chaos(sim);
	dmab__sim_complete(sim);
	pthread_mutex_unlock(&sim->lock);
}

static int sim_owned(const struct dmab_arch *a, enum dmab__owned what, void *base, size_t len)
{
	struct dmab_sim *sim = a->priv;
	int err;

	pthread_mutex_lock(&sim->lock);
	if (what == DMAB__OWNED_GONE)
		err = dmab__sim_remove(sim, base, len, "sim_unregister_owned");
	else if (what == DMAB__OWNED_UNCACHED)
		err = dmab__sim_add(sim, base, len, false, true, "sim_register_owned_uncached");
	else
		err = dmab__sim_add(sim, base, len, true, true, "sim_register_owned");
	pthread_mutex_unlock(&sim->lock);
	return err;
}

static int sim_iommu(struct dmab_arch *a, uint64_t root)
{
	struct dmab_sim *sim = a->priv;

	pthread_mutex_lock(&sim->lock);
	int err = dmab__sim_attach(sim, root);

	pthread_mutex_unlock(&sim->lock);
	return err;
}

const struct dmab_arch_ops dmab__arch_sim = {
    .name = "sim",
    .flags = DMAB__ARCH_MAINTAINS,
    .claims = sim_claims,
    .probe = sim_probe,
    .release = sim_release,
    .issue = sim_issue,
    .complete = sim_complete,
    .owned = sim_owned,
    .iommu = sim_iommu,
};
