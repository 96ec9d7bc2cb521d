/* SPDX-License-Identifier: MIT */
/*
 * Choosing a device's cache backend: the config's name (a config with a
 * simulator means "sim"), else DMAB_ARCH from the environment, else the
 * first backend built in that probes here.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

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
	a->ops = ops;
	a->line = 0;
	a->priv = NULL;
	why[0] = '\0';
	return ops->probe(a, cfg, why, whylen);
}

int dmab__arch_select(struct dmab_arch *a, const struct dmab_device_config *cfg)
{
	const char *name = cfg->backend;
	char why[160];
	int err;

	if (cfg->sim) {
		/* A device on a simulator is on it whatever the environment says. */
		if (name && *name && strcmp(name, "sim") != 0)
			return dmab__fail(
			    -EINVAL, "a device on a simulator uses the 'sim' backend, not '%s'",
			    name);
		name = "sim";
	} else if (!name || !*name) {
		name = getenv("DMAB_ARCH");
	}
	if (name && *name) {
		const struct dmab_arch_ops *ops = find(name);

		if (!ops) {
			char names[160];

			built_names(names, sizeof(names));
			return dmab__fail(-EINVAL, "unknown backend '%s' (this build has: %s)",
					  name, names);
		}
		err = probe(a, ops, cfg, why, sizeof(why));
		if (err)
			return dmab__fail(err, "backend '%s' cannot run here: %s", name, why);
	} else {
		err = -ENODEV;
		for (const struct dmab_arch_ops *const *o = dmab__arch_list; *o && err; o++)
			if ((*o)->auto_select)
				err = probe(a, *o, cfg, why, sizeof(why));
		if (err)
			return dmab__fail(err, "no cache backend can run here: %s", why);
	}
	const char *chosen = a->ops->name;

	if (cfg->line_size && strcmp(chosen, "trace") != 0) {
		dmab__arch_release(a);
		return dmab__fail(-EINVAL, "line_size is for the trace backend only, not '%s'",
				  chosen);
	}
	if (!a->ops->maintains && !cfg->coherent) {
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
