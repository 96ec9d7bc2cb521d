/* SPDX-License-Identifier: MIT */
/*
 * sim: the cache backend of the simulator. Its maintenance acts on the
 * model (see cache.c), its line size is the simulator's, and every call is a
 * chaos point. All devices on one simulator share one completion domain
 * (a->priv is the simulator), so a batch over several of them completes
 * once, as one barrier on hardware waits for all the maintenance one CPU
 * issued.
 */
#include <errno.h>
#include <stdio.h>

#include "../../src/simhook.h"
#include "model.h"

static int sim_probe(struct dmab_arch *a, const struct dmab_device_config *cfg, char *why,
		     size_t whylen)
{
	struct dmab_sim *sim = cfg->sim;

	if (!sim) {
		snprintf(why, whylen,
			 "the sim backend needs a simulator: create one with dmab_sim_create() "
			 "and set the config's sim field");
		return -EINVAL;
	}
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

static void issue(struct dmab_arch *a, enum dmab__op op, uintptr_t start, size_t len)
{
	struct dmab_sim *sim = a->priv;

	pthread_mutex_lock(&sim->lock);
	dmab__sim_chaos(sim);
	dmab__sim_issue(sim, op, start, len);
	pthread_mutex_unlock(&sim->lock);
}

static void sim_clean(struct dmab_arch *a, uintptr_t start, size_t len)
{
	issue(a, DMAB__CLEAN, start, len);
}

static void sim_inval(struct dmab_arch *a, uintptr_t start, size_t len)
{
	issue(a, DMAB__INVAL, start, len);
}

static void sim_clean_inval(struct dmab_arch *a, uintptr_t start, size_t len)
{
	issue(a, DMAB__CLEAN_INVAL, start, len);
}

static void sim_complete(struct dmab_arch *a)
{
	struct dmab_sim *sim = a->priv;

	pthread_mutex_lock(&sim->lock);
	dmab__sim_chaos(sim);
	dmab__sim_complete(sim);
	pthread_mutex_unlock(&sim->lock);
}

const struct dmab_arch_ops dmab__arch_sim = {
    .name = "sim",
    .maintains = true,
    .auto_select = false,
    .probe = sim_probe,
    .release = sim_release,
    .clean = sim_clean,
    .inval = sim_inval,
    .clean_inval = sim_clean_inval,
    .complete = sim_complete,
};

static int owned(struct dmab_device *dev, void *base, size_t len, bool cached, const char *what)
{
	if (!dev || !dev->sim)
		return 0;
	pthread_mutex_lock(&dev->sim->lock);
	int err = dmab__sim_add(dev->sim, base, len, cached, true, what);

	pthread_mutex_unlock(&dev->sim->lock);
	return err;
}

int dmab__sim_register_owned(struct dmab_device *dev, void *base, size_t len)
{
	return owned(dev, base, len, true, "sim_register_owned");
}

int dmab__sim_register_owned_uncached(struct dmab_device *dev, void *base, size_t len)
{
	return owned(dev, base, len, false, "sim_register_owned_uncached");
}

int dmab__sim_unregister_owned(struct dmab_device *dev, void *base, size_t len)
{
	if (!dev || !dev->sim)
		return 0;
	pthread_mutex_lock(&dev->sim->lock);
	int err = dmab__sim_remove(dev->sim, base, len, "sim_unregister_owned");

	pthread_mutex_unlock(&dev->sim->lock);
	return err;
}
