/* SPDX-License-Identifier: MIT */
/*
 * The model's device factories, shared by the oracle suites and the fuzz
 * target (so no CMocka here): a device on a simulator with one of four
 * bounce policies, and what the policy predicts for a buffer.
 */
#ifndef DMAB_TEST_MODEL_H
#define DMAB_TEST_MODEL_H

#include <dmabatch.h>
#include <dmabatch/sim.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum model_policy {
	MODEL_NEVER,	 /* DMAB_BOUNCE_NEVER: every buffer in place */
	MODEL_FORCE,	 /* DMAB_BOUNCE_FORCE: every buffer bounces */
	MODEL_MASK,	 /* a 32-bit mask: buffers above 4 GiB bounce */
	MODEL_UNALIGNED, /* DMAB_BOUNCE_UNALIGNED: shared lines the device writes bounce */
	MODEL_NPOLICY
};

extern const char *const model_policy_name[MODEL_NPOLICY];

/* Bounce pools of the model's devices: small, because chaos visits every
 * registered line, and one area, so slots come in a predictable order. */
#define MODEL_POOL_SIZE ((size_t)256 * 1024)

/* dmab_device_config.debug for the devices model_device_create() makes
 * from now on (the fuzz target turns the checker on with it); 0 at start. */
extern unsigned model_debug;

/* A device on @sim with policy @p and completion mode @mode. Return: as
 * dmab_device_create(). */
int model_device_create(struct dmab_sim *sim, enum model_policy p, enum dmab_sync_mode mode,
			struct dmab_device **out);

/* Whether policy @p bounces the buffer [@addr, +@len) mapped for @dir on a
 * simulator of @line-byte lines. */
bool model_bounces(enum model_policy p, size_t line, enum dmab_dir dir, const void *addr,
		   size_t len);

/*
 * Whether bus address @a is in memory the library registered with @sim (its
 * bounce pools): outside the caller's arena [@arena, +@arena_len) and
 * readable by the device. The probe is a device read of one byte, so it is
 * a chaos point and counts in dev_reads (or dev_faults when it is not).
 */
bool model_in_pool(struct dmab_sim *sim, const void *arena, size_t arena_len, dmab_addr_t a);

#endif
