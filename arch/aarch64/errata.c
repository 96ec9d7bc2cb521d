/* SPDX-License-Identifier: MIT */
/* arm64 errata from every CPU's MIDR_EL1 (errata.h). */
#include "errata.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../arch.h"

bool dmab__a64_midr_a53_early(unsigned long long midr)
{
	unsigned implementer = (unsigned)(midr >> 24) & 0xff,
		 variant = (unsigned)(midr >> 20) & 0xf;
	unsigned part = (unsigned)(midr >> 4) & 0xfff, revision = (unsigned)midr & 0xf;

	return implementer == 0x41 && part == 0xd03 && variant == 0 && revision <= 2;
}

struct scan {
	const char *root;
	struct dmab__a64_errata *e;
};

static int one_cpu(const char *name, void *ctx)
{
	struct scan *s = ctx;
	char path[512], buf[64], *end;
	unsigned long long midr;

	/* cpu0, cpu1, ...: not cpufreq, cpuidle */
	if (!name[3] || strspn(name + 3, "0123456789") != strlen(name + 3))
		return 0;
	s->e->cpus++;
	snprintf(path, sizeof(path), "%s/%s/regs/identification/midr_el1", s->root, name);
	if (dmab__arch_read_file(path, buf, sizeof(buf)) <= 0)
		return 0; /* offline, or a kernel that does not publish it */
	errno = 0;
	midr = strtoull(buf, &end, 16);
	if (errno || end == buf || (*end && !isspace((unsigned char)*end)))
		return 0;
	s->e->known++;
	if (dmab__a64_midr_a53_early(midr))
		s->e->a53_early++;
	return 0;
}

int dmab__a64_errata_scan(const char *root, struct dmab__a64_errata *e)
{
	struct scan s = {root, e};
	int err;

	memset(e, 0, sizeof(*e));
	err = dmab__arch_each_name(root, "cpu", one_cpu, &s);
	if (err < 0)
		return err;
	if (e->a53_early) {
		e->clean_is_civac = true;
		snprintf(e->desc, sizeof(e->desc),
			 "Cortex-A53 r0p0-r0p2 on %u of %u CPUs (errata 826319, 827319, 824069, "
			 "819472): DC CIVAC for clean",
			 e->a53_early, e->cpus);
	}
	return 0;
}

bool dmab__a64_cmdline_double_cmo(const char *path)
{
	static const char param[] = DMAB__A64_DOUBLE_CMO_PARAM;
	const size_t plen = sizeof(param) - 1;
	char buf[4096];

	if (dmab__arch_read_file(path, buf, sizeof(buf)) <= 0)
		return false;
	for (char *w = buf; *w;) {
		size_t n;

		w += strspn(w, " \t\n");
		n = strcspn(w, " \t\n");
		if (n >= plen && strncmp(w, param, plen) == 0) {
			const char *v = w + plen;
			size_t vlen = n - plen;

			if (vlen == 0)
				return true;
			if (*v == '=' && ((vlen == 2 && (v[1] == '1' || v[1] == 'y')) ||
					  (vlen == 3 && strncmp(v, "=on", 3) == 0)))
				return true;
		}
		w += n;
	}
	return false;
}
