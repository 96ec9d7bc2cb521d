/* SPDX-License-Identifier: MIT */
/*
 * The line model. Real memory is the CPU's cache; each cached region keeps
 * dram (what the device sees) and snap (the CPU content at each line's last
 * sync point). A line whose memory differs from its snap is dirty: the CPU
 * wrote it since, and a write-back cache would write the whole line back.
 *
 * Maintenance is queued at issue and applied at completion, in issue order:
 * on hardware an issued operation may take effect at any moment up to the
 * barrier, and the latest moment is the one that exposes a read made before
 * the barrier. Chaos may apply it earlier.
 */
#include <stdlib.h>
#include <string.h>

#include "model.h"

/* splitmix64: small, fast, and the same sequence on every platform. */
static uint64_t random64(struct dmab_sim *sim)
{
	uint64_t z = (sim->rng += UINT64_C(0x9e3779b97f4a7c15));

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

void dmab__sim_chaos_init(struct dmab_sim *sim, uint64_t seed, double rate)
{
	sim->rng = seed;
	sim->chaos_gap = 0;
	sim->chaos_threshold = 0;
	if (rate <= 0.0)
		return;
	double gap = 1.0 / rate + 0.5;
	double threshold = rate * 0x1p64;

	sim->chaos_gap = gap >= 0x1p62 ? UINT64_C(1) << 62 : (uint64_t)gap;
	sim->chaos_threshold = threshold >= 0x1p64 ? UINT64_MAX : (uint64_t)threshold;
}

static uint8_t *cpu_line(const struct sim_region *r, size_t off)
{
	return (uint8_t *)r->base + off;
}

static bool dirty(const struct sim_region *r, size_t off, size_t line)
{
	return memcmp(cpu_line(r, off), r->snap + off, line) != 0;
}

/* The whole line goes to DRAM, bytes the CPU did not change included. */
static void write_back(struct sim_region *r, size_t off, size_t line)
{
	memcpy(r->snap + off, cpu_line(r, off), line);
	memcpy(r->dram + off, r->snap + off, line);
}

static void refill(struct sim_region *r, size_t off, size_t line)
{
	memcpy(cpu_line(r, off), r->dram + off, line);
	memcpy(r->snap + off, r->dram + off, line);
}

/* One line of a pending range, inside cached region @r at @off. */
static void apply_line(struct dmab_sim *sim, enum dmab__op op, struct sim_region *r, size_t off)
{
	size_t line = sim->line;

	if (dirty(r, off, line)) {
		if (op == DMAB__INVAL) {
			/* CPU stores lost: almost always a driver bug */
			sim->st.lines_discarded++;
		} else {
			write_back(r, off, line);
			sim->st.lines_written_back++;
		}
	}
	if (op != DMAB__CLEAN) {
		refill(r, off, line);
		sim->st.lines_refilled++;
	}
}

/*
 * The range's lines are start + k * line, k < its line count. Only those in
 * cached regions are modelled, region by region; the rest are counted, not
 * walked, so a huge range costs what it overlaps of registered memory.
 * Regions do not overlap (memory.c), so each line is applied at most once.
 */
static void apply(struct dmab_sim *sim, const struct sim_pending *p)
{
	size_t line = sim->line;
	uintptr_t s = p->start;
	uint64_t lines = p->len / line + (p->len % line != 0), modelled = 0;

	for (size_t i = 0; i < sim->nregions; i++) {
		struct sim_region *r = &sim->regions[i];
		uintptr_t end = r->base + r->len;

		if (!r->dram || end <= s)
			continue;
		uint64_t lo = r->base > s ? (r->base - s + line - 1) / line : 0;
		uint64_t hi = (end - s + line - 1) / line;

		if (hi > lines)
			hi = lines;
		for (uint64_t k = lo; k < hi; k++)
			apply_line(sim, p->op, r, (size_t)(s + k * line - r->base));
		modelled += hi > lo ? hi - lo : 0;
	}
	sim->st.unmodelled_lines += lines - modelled;
}

void dmab__sim_issue(struct dmab_sim *sim, enum dmab__op op, uintptr_t start, size_t len)
{
	struct sim_pending p = {.op = op, .start = start, .len = len};

	if (sim->npending == sim->cappending) {
		size_t cap = sim->cappending ? sim->cappending * 2 : 16;
		struct sim_pending *n = realloc(sim->pending, cap * sizeof(*n));

		if (!n) {
			/* Taking effect early is allowed; losing the range is not. */
			apply(sim, &p);
			return;
		}
		sim->pending = n;
		sim->cappending = cap;
	}
	sim->pending[sim->npending++] = p;
}

void dmab__sim_complete(struct dmab_sim *sim)
{
	for (size_t i = 0; i < sim->npending; i++)
		apply(sim, &sim->pending[i]);
	sim->npending = 0;
}

/*
 * Pending ranges take effect early oldest first, so a line's maintenance
 * stays in issue order. Then lines are picked from all cached regions as if
 * they were one array, with gaps drawn uniformly around the mean gap 1/rate:
 * the cost follows the number of lines acted on, not the memory registered.
 */
void dmab__sim_chaos(struct dmab_sim *sim)
{
	uint64_t gap = sim->chaos_gap;
	size_t line = sim->line, early = 0;

	if (!gap)
		return;
	while (early < sim->npending && random64(sim) < sim->chaos_threshold)
		apply(sim, &sim->pending[early++]);
	if (early) {
		memmove(sim->pending, sim->pending + early,
			(sim->npending - early) * sizeof(*sim->pending));
		sim->npending -= early;
		sim->st.chaos_early_ops += early;
	}

	uint64_t pos = random64(sim) % gap, first = 0;

	for (size_t i = 0; i < sim->nregions; i++) {
		struct sim_region *r = &sim->regions[i];
		uint64_t n = r->dram ? r->len / line : 0;

		for (; pos < first + n; pos += 1 + random64(sim) % (2 * gap - 1)) {
			size_t off = (size_t)(pos - first) * line;

			if (dirty(r, off, line)) {
				write_back(r, off, line);
				sim->st.chaos_evictions++;
			} else if (memcmp(cpu_line(r, off), r->dram + off, line) != 0) {
				refill(r, off, line);
				sim->st.chaos_refetches++;
			}
		}
		first += n;
	}
}
