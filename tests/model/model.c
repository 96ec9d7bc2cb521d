/* SPDX-License-Identifier: MIT */
/* The model's device factories (model.h). */
#include "model.h"

unsigned model_debug;

const char *const model_policy_name[MODEL_NPOLICY] = {"never", "force", "mask", "unaligned"};

int model_device_create(struct dmab_sim *sim, enum model_policy p, enum dmab_sync_mode mode,
			struct dmab_device **out)
{
	struct dmab_device_config cfg = {
	    .name = "model",
	    .numa_node = -1,
	    .sync_mode = mode,
	    .sim = sim,
	    .pool_size = MODEL_POOL_SIZE,
	    .pool_areas = 1,
	    .debug = model_debug,
	};

	switch (p) {
	case MODEL_NEVER:
		cfg.bounce = DMAB_BOUNCE_NEVER;
		break;
	case MODEL_FORCE:
		cfg.bounce = DMAB_BOUNCE_FORCE;
		break;
	case MODEL_MASK:
		cfg.dma_bits = 32;
		break;
	default:
		cfg.bounce = DMAB_BOUNCE_UNALIGNED;
		break;
	}
	return dmab_device_create(&cfg, out);
}

bool model_bounces(enum model_policy p, size_t line, enum dmab_dir dir, const void *addr,
		   size_t len)
{
	uintptr_t s = (uintptr_t)addr, e = s + len;

	switch (p) {
	case MODEL_FORCE:
		return true;
	case MODEL_MASK:
		return e - 1 > UINT32_MAX;
	case MODEL_UNALIGNED:
		return dir != DMAB_TO_DEVICE && ((s | e) & (line - 1));
	default:
		return false;
	}
}

bool model_in_pool(struct dmab_sim *sim, const void *arena, size_t arena_len, dmab_addr_t a)
{
	uintptr_t lo = (uintptr_t)arena;
	uint8_t byte;

	if (a >= lo && a < lo + arena_len)
		return false;
	return dmab_sim_dev_read(sim, a, &byte, 1) == 0;
}
