/* SPDX-License-Identifier: MIT */
/* The Zicbom block size from riscv_hwprobe or the device tree (facts.h). */
#include "facts.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "../arch.h"

static bool plausible(unsigned long v)
{
	return v >= 16 && v <= 2048 && (v & (v - 1)) == 0;
}

struct dt_scan {
	const char *cpus;
	unsigned long size; /* the first hart's, 0 before it */
	unsigned harts, with, bad;
	char first_bad[64], missing[64];
};

static int one_cpu(const char *name, void *ctx)
{
	struct dt_scan *s = ctx;
	char path[512], buf[8];
	ssize_t n;
	unsigned long v;

	snprintf(path, sizeof(path), "%s/%s/riscv,cbom-block-size", s->cpus, name);
	s->harts++;
	n = dmab__arch_read_file(path, buf, sizeof(buf));
	if (n < 0) {
		if (!s->missing[0])
			snprintf(s->missing, sizeof(s->missing), "%s", name);
		return 0;
	}
	if (n != 4) {
		s->bad++;
		if (!s->first_bad[0])
			snprintf(s->first_bad, sizeof(s->first_bad), "%s (%zd bytes)", name, n);
		return 0;
	}
	v = (unsigned long)(uint8_t)buf[0] << 24 | (unsigned long)(uint8_t)buf[1] << 16 |
	    (unsigned long)(uint8_t)buf[2] << 8 | (uint8_t)buf[3];
	s->with++;
	if (!s->size) {
		s->size = v;
	} else if (v != s->size) {
		s->bad++;
		if (!s->first_bad[0])
			snprintf(s->first_bad, sizeof(s->first_bad), "%s (%lu, not %lu)", name, v,
				 s->size);
	}
	return 0;
}

/* The device tree's answer: 0 with *size, or -ENODEV with the reason. */
static int from_dt(const char *root, unsigned long *size, char *why, size_t whylen)
{
	char cpus[400];
	struct dt_scan s = {.cpus = cpus};
	int err;

	snprintf(cpus, sizeof(cpus), "%s/cpus", root);
	err = dmab__arch_each_name(cpus, "cpu@", one_cpu, &s);
	if (err < 0) {
		snprintf(why, whylen, "no device tree at %.150s (%s)", cpus, strerror(-err));
		return -ENODEV;
	}
	if (!s.with) {
		snprintf(why, whylen, "no riscv,cbom-block-size on the %u cpu@ nodes of %.150s",
			 s.harts, cpus);
		return -ENODEV;
	}
	if (s.bad) {
		snprintf(why, whylen,
			 "the harts' riscv,cbom-block-size disagree or are malformed: %s",
			 s.first_bad);
		return -ENODEV;
	}
	if (s.with != s.harts) {
		snprintf(why, whylen, "%s has no riscv,cbom-block-size (not every hart has Zicbom)",
			 s.missing);
		return -ENODEV;
	}
	*size = s.size;
	return 0;
}

int dmab__rv_block_size(long hw, const char *dt_root, size_t *line, char *why, size_t whylen)
{
	char hwwhy[96], dtwhy[256];
	unsigned long size = 0;

	if (hw > 0) {
		if (!plausible((unsigned long)hw)) {
			snprintf(why, whylen,
				 "riscv_hwprobe gives a Zicbom block size of %ld, not a power of "
				 "two from 16 to 2048",
				 hw);
			return -ENODEV;
		}
		*line = (size_t)hw;
		return 0;
	}
	if (hw == 0)
		snprintf(hwwhy, sizeof(hwwhy), "riscv_hwprobe does not know key %d (Linux < 6.15)",
			 DMAB__RV_HWPROBE_KEY_ZICBOM_BLOCK_SIZE);
	else
		snprintf(hwwhy, sizeof(hwwhy), "riscv_hwprobe failed (%s)", strerror((int)-hw));
	if (from_dt(dt_root, &size, dtwhy, sizeof(dtwhy)) != 0) {
		snprintf(why, whylen, "no Zicbom block size: %s; %s", hwwhy, dtwhy);
		return -ENODEV;
	}
	if (!plausible(size)) {
		snprintf(why, whylen,
			 "the device tree gives a Zicbom block size of %lu, not a power of two "
			 "from 16 to 2048",
			 size);
		return -ENODEV;
	}
	*line = (size_t)size;
	return 0;
}
