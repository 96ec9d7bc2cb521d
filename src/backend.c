/* SPDX-License-Identifier: MIT */
/*
 * Choosing a device's cache backend: the one that claims the config (a
 * device on a simulator), else the config's name, else DMAB_ARCH from the
 * environment, else the first backend built in that probes here. Each
 * backend judges its own config fields in its probe, so nothing here knows
 * one backend from another.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "os/os.h"

static const struct dmab_arch_ops *find(const char *name)
{
	for (const struct dmab_arch_ops *const *o = dmab__arch_list; *o; o++)
		if (strcmp((*o)->name, name) == 0)
			return *o;
	return NULL;
}

static void built_names(char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (const struct dmab_arch_ops *const *o = dmab__arch_list; *o && used < len; o++)
		used +=
		    (size_t)snprintf(buf + used, len - used, "%s%s", used ? ", " : "", (*o)->name);
}

static int probe(struct dmab_arch *a, const struct dmab_arch_ops *ops,
		 const struct dmab_device_config *cfg, char *why, size_t whylen)
{
	int err;

	a->ops = ops;
	a->line = 0;
	a->priv = NULL;
	a->passes = cfg->cmo_passes;
	why[0] = '\0';
	err = ops->probe(a, cfg, why, whylen);
	if (err)
		a->ops = NULL;
	else if (!a->passes)
		a->passes = 1;
	return err;
}

/* The backend the config asks for: claimed, named, or NULL for "any". */
static int wanted(const struct dmab_device_config *cfg, const struct dmab_arch_ops **out)
{
	const char *name = cfg->backend;

	*out = NULL;
	if (name && !*name)
		return dmab__fail(-EINVAL, "empty backend name (NULL picks one)");
	for (const struct dmab_arch_ops *const *o = dmab__arch_list; *o; o++) {
		const char *why = (*o)->claims ? (*o)->claims(cfg) : NULL;

		if (!why)
			continue;
		/* A claimed config is the claimer's whatever the environment says. */
		if (name && *name && strcmp(name, (*o)->name) != 0)
			return dmab__fail(-EINVAL, "%s uses the '%s' backend, not '%s'", why,
					  (*o)->name, name);
		*out = *o;
		return 0;
	}
	if (!name || !*name)
		name = dmab__os_getenv("DMAB_ARCH");
	if (!name || !*name)
		return 0;
	*out = find(name);
	if (!*out) {
		char names[160];

		built_names(names, sizeof(names));
		return dmab__fail(-EINVAL, "unknown backend '%s' (this build has: %s)", name,
				  names);
	}
	return 0;
}

int dmab__arch_select(struct dmab_arch *a, const struct dmab_device_config *cfg)
{
	const struct dmab_arch_ops *ops;
	char why[160] = "";
	int err;

	if (cfg->cmo_passes > 2)
		return dmab__fail(-EINVAL,
				  "device_create: cmo_passes %u: 1 or 2 (0: the platform's "
				  "choice)",
				  cfg->cmo_passes);
	err = wanted(cfg, &ops);
	if (err)
		return err;
	if (!ops) {
		/* The best that runs here; a config error ends the search. */
		err = -ENODEV;
		for (const struct dmab_arch_ops *const *o = dmab__arch_list; *o && err == -ENODEV;
		     o++) {
			if ((*o)->flags & DMAB__ARCH_AUTO) {
				ops = *o;
				err = probe(a, ops, cfg, why, sizeof(why));
			}
		}
		if (err == -ENODEV)
			return dmab__fail(err, "no cache backend can run here: %s", why);
	} else {
		err = probe(a, ops, cfg, why, sizeof(why));
	}
	if (err == -EINVAL)
		return dmab__fail(err, "backend '%s' rejects the config: %s", ops->name, why);
	if (err)
		return dmab__fail(err, "backend '%s' cannot run here: %s", ops->name, why);
	if (!(a->ops->flags & DMAB__ARCH_MAINTAINS) && !cfg->coherent) {
		const char *chosen = a->ops->name;

		dmab__arch_release(a);
		return dmab__fail(-EOPNOTSUPP,
				  "backend '%s' does no cache maintenance, so it cannot serve the "
				  "non-coherent device '%s': declare the device coherent or use a "
				  "backend that maintains caches",
				  chosen, cfg->name ? cfg->name : "dmab");
	}
	return 0;
}

void dmab__arch_release(struct dmab_arch *a)
{
	if (a->ops && a->ops->release)
		a->ops->release(a);
	a->ops = NULL;
	a->priv = NULL;
}

const struct dmab_arch *dmab__device_arch(const struct dmab_device *dev)
{
	return dev ? &dev->arch : NULL;
}

const char *dmab_device_backend_desc(const struct dmab_device *dev)
{
	const char *d;

	if (!dev || !dev->arch.ops)
		return "";
	d = dev->arch.ops->describe ? dev->arch.ops->describe(&dev->arch) : NULL;
	return d ? d : dev->arch.ops->name;
}
