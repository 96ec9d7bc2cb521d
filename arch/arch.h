/* SPDX-License-Identifier: MIT */
/*
 * The seam between the core and the cache backends.
 *
 * A backend issues cache maintenance and waits for it; nothing more. The
 * rules (which operation a direction needs, partial lines, merging, when to
 * complete) live in src/ once, so every backend stays small.
 *
 * Preconditions for the issue calls: @start is aligned to a->line and @len
 * is a non-zero multiple of a->line. Issue calls do not wait: an operation
 * may still be in flight when they return. complete() waits for everything
 * this thread issued through the backend.
 */
#ifndef DMAB_ARCH_H
#define DMAB_ARCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct dmab_device_config;
struct dmab_arch;

struct dmab_arch_ops {
	const char *name;
	bool maintains;	  /* false: coherent platforms only ("generic") */
	bool auto_select; /* may be chosen when no backend is named */
	/*
	 * Can this backend run here, for this config? Fills a->line (read from
	 * the hardware, never assumed) and a->priv. On failure writes the
	 * reason to @why and returns -ENODEV (or -EINVAL, -ENOMEM).
	 */
	int (*probe)(struct dmab_arch *a, const struct dmab_device_config *cfg, char *why,
		     size_t whylen);
	void (*release)(struct dmab_arch *a); /* optional */
	void (*clean)(struct dmab_arch *a, uintptr_t start, size_t len);
	void (*inval)(struct dmab_arch *a, uintptr_t start, size_t len);
	void (*clean_inval)(struct dmab_arch *a, uintptr_t start, size_t len);
	void (*complete)(struct dmab_arch *a);
	/* optional: told of each bounce copy the core makes, into a slot
	 * (before the slot's clean is added) or out of one (after the
	 * completion) */
	void (*copied)(struct dmab_arch *a, void *dst, const void *src, size_t len);
};

/*
 * One backend instance per device. Two instances with the same ops and priv
 * share a completion: one barrier serves both.
 */
struct dmab_arch {
	const struct dmab_arch_ops *ops;
	size_t line;
	void *priv;
};

/* Every backend this build contains, best first; NULL-terminated. */
extern const struct dmab_arch_ops *const dmab__arch_list[];

#endif /* DMAB_ARCH_H */
