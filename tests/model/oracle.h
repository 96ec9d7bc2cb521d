/* SPDX-License-Identifier: MIT */
/*
 * The oracle's scenario runner, shared by the oracle suites: one buffer or a
 * list on a simulator device of one bounce policy (model.h), two transfers
 * on one mapping, and after each hand-back the CPU's view of the whole arena
 * compared byte for byte with what it must be.
 */
#ifndef DMAB_TEST_ORACLE_H
#define DMAB_TEST_ORACLE_H

#include "model.h"
#include "sim_helpers.h"

struct oracle_scenario {
	size_t line;
	enum dmab_dir dir;
	bool sg, aligned;
	enum how how;
	enum model_policy policy;
	uint64_t seed;
	double rate;
};

/*
 * Run @sc: map, device round, sync_for_cpu, CPU round, sync_for_device,
 * device round, unmap, checking the CPU's bytes after each hand-back, the
 * bus addresses against the policy (in the pool exactly when it predicts a
 * bounce), no lost CPU stores, no device faults, no slot left and no region
 * left once the device is gone. Adds the bounced entries to @bounced.
 * Return: the chaos events seen.
 */
uint64_t oracle_run(const struct oracle_scenario *sc, size_t *bounced);

/* What a matrix of scenarios did. */
struct oracle_totals {
	uint64_t runs, events;
	size_t bounced;
};

/*
 * Every line size, direction, shape (single or sg, aligned or not) and way
 * of handing over, for each policy from @first to @last, chaos at rate 0.25
 * or off. @seeds chaos seeds (1 to @seeds) per scenario, or, with @seeds 0,
 * one seed per scenario, each new.
 */
struct oracle_totals oracle_matrix(enum model_policy first, enum model_policy last, bool chaos,
				   unsigned seeds);

#endif
