/* SPDX-License-Identifier: MIT */
/*
 * The seam between the core and the cache backends.
 *
 * A backend issues cache maintenance and waits for it; nothing more. The
 * rules (which operation a direction needs, partial lines, merging, when to
 * complete) live in src/ once, so every backend stays small. A backend also
 * judges its own part of the device config (src/ names no backend), and
 * sees the library only through this header: the op enum, dmab__fail() and
 * dmab__device_arch().
 *
 * Preconditions for issue(): @start is aligned to a->line and @len is a
 * non-zero multiple of a->line. issue() does not wait: an operation may
 * still be in flight when it returns. complete() waits for everything this
 * thread issued through the backend.
 */
#ifndef DMAB_ARCH_H
#define DMAB_ARCH_H

#include <dmabatch.h>
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

struct dmab_arch;

/* The maintenance operations; the values index per-op arrays (counters). */
enum dmab__op {
	DMAB__CLEAN = 0,       /* write dirty lines back, keep them */
	DMAB__INVAL = 1,       /* drop the lines: the device wrote the memory */
	DMAB__CLEAN_INVAL = 2, /* both: a buffer both sides write */
};

/* What the owned() hook is told about memory the library owns. */
enum dmab__owned {
	DMAB__OWNED_CACHED,   /* new memory the CPU reaches through the cache */
	DMAB__OWNED_UNCACHED, /* new memory the CPU maps non-cacheable */
	DMAB__OWNED_GONE,     /* memory told of before, about to be freed */
};

/* dmab_arch_ops.flags */
#define DMAB__ARCH_MAINTAINS 1u /* does cache maintenance (not "generic") */
#define DMAB__ARCH_AUTO	     2u /* may be chosen when the config names none */

struct dmab_arch_ops {
	const char *name;
	unsigned flags; /* DMAB__ARCH_* */
	/*
	 * Optional: a config this backend must serve whatever is asked (sim:
	 * one with a simulator). Returns the reason, for messages ("a device on
	 * a simulator"), or NULL.
	 */
	const char *(*claims)(const struct dmab_device_config *cfg);
	/*
	 * Can this backend run here, for this config? Checks the config's
	 * fields that are the backend's (line_size, sim), fills a->line (read
	 * from the hardware, never assumed) and a->priv. On failure writes the
	 * reason to @why and returns -EINVAL (the config), -ENODEV (this
	 * machine) or -ENOMEM.
	 */
	int (*probe)(struct dmab_arch *a, const struct dmab_device_config *cfg, char *why,
		     size_t whylen);
	void (*release)(struct dmab_arch *a); /* optional */
	/* Start @op over [start, start+len); one call per run of lines. */
	void (*issue)(struct dmab_arch *a, enum dmab__op op, uintptr_t start, size_t len);
	void (*complete)(struct dmab_arch *a);
	/*
	 * Optional: told of each bounce copy the core makes, into a slot
	 * (before the slot's clean is added) or out of one (after the
	 * completion).
	 */
	void (*copied)(struct dmab_arch *a, void *dst, const void *src, size_t len);
	/*
	 * Optional: told of memory the library owns for a device (bounce pools,
	 * coherent allocations, IOMMU page tables) when it is made, with its
	 * content final or unused, and before it is freed. Cached memory starts
	 * and ends on a line boundary (page-aligned memory always does). The
	 * same memory may be told of once per device sharing it. Returns 0 or a
	 * negative errno (with dmab__fail()).
	 */
	int (*owned)(const struct dmab_arch *a, enum dmab__owned what, void *base, size_t len);
	/*
	 * Optional: what this instance issues for each operation and to
	 * complete, and any CPU errata it works around, for
	 * dmab_device_backend_desc(); static storage. NULL: the name.
	 */
	const char *(*describe)(const struct dmab_arch *a);
	/*
	 * Optional: the device's DMA goes through an IOMMU table whose root is
	 * at walker address @root (0: no longer). The simulator's device then
	 * walks it. Returns 0 or a negative errno (with dmab__fail()).
	 */
	int (*iommu)(struct dmab_arch *a, uint64_t root);
};

/*
 * One backend instance per device. Two instances with the same ops and priv
 * share a completion: one barrier serves both.
 */
struct dmab_arch {
	const struct dmab_arch_ops *ops;
	size_t line;
	void *priv;
	/* Times each range is issued (dmab_device_config.cmo_passes): the
	 * config's value before probe (0: the backend may choose), 1 or 2 after. */
	unsigned passes;
};

/* Every backend this build contains, best first; NULL-terminated. */
extern const struct dmab_arch_ops *const dmab__arch_list[];

/* What backends need from the library (src/error.c, src/backend.c). */
int dmab__fail(int err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The backend instance of @dev, or NULL for a NULL @dev. */
const struct dmab_arch *dmab__device_arch(const struct dmab_device *dev);

/*
 * For probes (src/os/probe.c). dmab__arch_child() runs @fn(@buf) in a
 * short-lived child process with the fault signals blocked, and copies the
 * child's @buf (len < 256) back: 0 if @fn returned, -ENODEV if it trapped
 * (@why names the signal: "SIGILL", ...) or the child could not run. The
 * caller's signal dispositions are never touched. @fn may only do what is
 * safe after fork() in a threaded process (no locks, no malloc).
 */
int dmab__arch_child(void (*fn)(void *buf), void *buf, size_t len, char *why, size_t whylen);
/* Up to @len - 1 bytes of the file at @path, NUL-terminated: the count, or
 * a negative errno. */
ssize_t dmab__arch_read_file(const char *path, char *buf, size_t len);
/* Call @each for every name in @dir that starts with @prefix, until one
 * returns non-zero (returned); a negative errno if @dir cannot be read. */
int dmab__arch_each_name(const char *dir, const char *prefix,
			 int (*each)(const char *name, void *ctx), void *ctx);

/* Issue @op over a run: once, or twice back to back (the erratum 4311569
 * double loop), before the completion either way. */
static inline void dmab__arch_issue(struct dmab_arch *a, enum dmab__op op, uintptr_t start,
				    size_t len)
{
	a->ops->issue(a, op, start, len);
	if (a->passes > 1)
		a->ops->issue(a, op, start, len);
}

/* The optional hooks, for callers that need not know which are there. */
static inline void dmab__arch_copied(struct dmab_arch *a, void *dst, const void *src, size_t len)
{
	if (a->ops->copied)
		a->ops->copied(a, dst, src, len);
}

static inline int dmab__arch_owned(const struct dmab_arch *a, enum dmab__owned what, void *base,
				   size_t len)
{
	return a->ops->owned ? a->ops->owned(a, what, base, len) : 0;
}

/* For a probe: the config's line_size is for a backend that models lines
 * of any size; one whose line is given (by the CPU, by a simulator) refuses
 * it. */
static inline int dmab__arch_no_line_size(const struct dmab_device_config *cfg, char *why,
					  size_t whylen)
{
	if (!cfg->line_size)
		return 0;
	snprintf(why, whylen, "it takes no line_size (%zu): only trace models a line of any size",
		 cfg->line_size);
	return -EINVAL;
}

/*
 * The common tail of a CPU backend's probe, after its once-only detection:
 * the config check, then @failure (NULL or "" when detection succeeded) as
 * the reason for -ENODEV, or @line as the device's line size.
 */
static inline int dmab__arch_cpu_probe(struct dmab_arch *a, const struct dmab_device_config *cfg,
				       const char *failure, size_t line, char *why, size_t whylen)
{
	int err = dmab__arch_no_line_size(cfg, why, whylen);

	if (err)
		return err;
	if (failure && failure[0]) {
		snprintf(why, whylen, "%s", failure);
		return -ENODEV;
	}
	a->line = line;
	return 0;
}

#endif /* DMAB_ARCH_H */
