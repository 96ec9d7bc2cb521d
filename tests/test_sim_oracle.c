/* SPDX-License-Identifier: MIT */
/*
 * The oracle: on the simulator, for every direction, single and sg, aligned
 * and unaligned, batched, per-entry and through an explicit batch, chaos off
 * and on, and every line size: the device sees exactly what the CPU wrote
 * (TO_DEVICE, BIDIRECTIONAL), the CPU sees exactly what the device wrote
 * (FROM_DEVICE, BIDIRECTIONAL) and what it did not write keeps the CPU's
 * bytes, and every byte next to a buffer keeps what the CPU put there.
 */
#include <errno.h>

#include "test_sim_helpers.h"

#define ARENA	 16384
#define MAXENT	 4
#define NEIGHBOR 200 /* pattern tag of the bytes around the buffers */

static const char *const how_name[] = {"batched", "per-entry", "batch-api"};

struct scenario {
	size_t line;
	enum dmab_dir dir;
	bool sg, aligned;
	enum how how;
	uint64_t seed;
	double rate;
};

struct run {
	const struct scenario *sc;
	struct dmab_sim *sim;
	struct dmab_device *dev;
	uint8_t *a;
	uint8_t exp[ARENA]; /* what the CPU must see where it owns memory */
	struct dmab_sg sg[MAXENT];
	int n;
};

/* Buffer shapes in units of the line: apart, adjacent, sharing lines with
 * each other and with neighbour bytes, one byte long. */
static int layout(const struct scenario *sc, struct dmab_sg *sg, uint8_t *a)
{
	size_t l = sc->line;

	if (!sc->sg) {
		if (sc->aligned)
			sg[0] = (struct dmab_sg){.addr = a + 2 * l, .len = 5 * l};
		else
			sg[0] = (struct dmab_sg){.addr = a + l + 10, .len = 5 * l + 7};
		return 1;
	}
	if (sc->aligned) {
		sg[0] = (struct dmab_sg){.addr = a + l, .len = 3 * l};
		sg[1] = (struct dmab_sg){.addr = a + 5 * l, .len = l};
		sg[2] = (struct dmab_sg){.addr = a + 6 * l, .len = 4 * l};
		sg[3] = (struct dmab_sg){.addr = a + 12 * l, .len = 2 * l};
	} else {
		sg[0] = (struct dmab_sg){.addr = a + l + 10, .len = 3 * l - 3};
		sg[1] = (struct dmab_sg){.addr = a + 4 * l + 7, .len = 2 * l + 5};
		sg[2] = (struct dmab_sg){.addr = a + 6 * l + 19, .len = 9};
		sg[3] = (struct dmab_sg){.addr = a + 8 * l + l / 2, .len = 1};
	}
	return 4;
}

static void check_cpu(struct run *r, const char *when)
{
	for (size_t i = 0; i < ARENA; i++) {
		if (r->a[i] == r->exp[i])
			continue;
		const struct scenario *sc = r->sc;

		print_message("%s: line %zu dir %d %s %s %s seed %llu rate %.2f: CPU byte %zu is "
			      "0x%02x, expected 0x%02x\n",
			      when, sc->line, (int)sc->dir, sc->sg ? "sg" : "single",
			      sc->aligned ? "aligned" : "unaligned", how_name[sc->how],
			      (unsigned long long)sc->seed, sc->rate, i, r->a[i], r->exp[i]);
		fail();
	}
}

static void tick(struct run *r)
{
	assert_int_equal(dmab_sim_tick(r->sim), 0);
}

static void sync_all(struct run *r, bool for_device)
{
	sim_sync_all(r->dev, r->sg, r->n, r->sc->dir, r->sc->how, r->sc->sg, for_device);
}

/*
 * The device's part of a round: read what the CPU handed over, write its
 * own data (only the first half of some entries). @exp learns what the CPU
 * must see once it has the buffers back.
 */
static void device_round(struct run *r, unsigned cpu_tag, unsigned dev_tag, int partial_parity)
{
	enum dmab_dir dir = r->sc->dir;
	uint8_t got[16 * 256], data[16 * 256];

	for (int i = 0; i < r->n; i++) {
		size_t len = r->sg[i].dma_len, off = (uint8_t *)r->sg[i].addr - r->a;

		if (dir != DMAB_FROM_DEVICE) {
			assert_int_equal(dmab_sim_dev_read(r->sim, r->sg[i].dma_addr, got, len), 0);
			long bad = pat_mismatch(got, len, cpu_tag + (unsigned)i);

			if (bad >= 0)
				print_message("device read: line %zu dir %d entry %d byte %ld\n",
					      r->sc->line, (int)dir, i, bad);
			assert_int_equal(bad, -1);
			tick(r);
		}
		if (dir != DMAB_TO_DEVICE) {
			size_t n = (i & 1) == partial_parity ? len / 2 : len;

			fill_pat(data, n, dev_tag + (unsigned)i);
			assert_int_equal(dmab_sim_dev_write(r->sim, r->sg[i].dma_addr, data, n), 0);
			memcpy(r->exp + off, data, n);
			tick(r);
		}
	}
}

static void cpu_write(struct run *r, unsigned tag)
{
	for (int i = 0; i < r->n; i++) {
		size_t off = (uint8_t *)r->sg[i].addr - r->a;

		fill_pat(r->a + off, r->sg[i].len, tag + (unsigned)i);
		fill_pat(r->exp + off, r->sg[i].len, tag + (unsigned)i);
	}
}

static void map(struct run *r)
{
	const struct scenario *sc = r->sc;

	if (sc->sg) {
		assert_int_equal(dmab_map_sg(r->dev, r->sg, r->n, sc->dir, 0), r->n);
		return;
	}
	assert_int_equal(
	    dmab_map_single(r->dev, r->sg[0].addr, r->sg[0].len, sc->dir, 0, &r->sg[0].dma_addr),
	    0);
	r->sg[0].dma_len = r->sg[0].len;
}

static void unmap(struct run *r)
{
	const struct scenario *sc = r->sc;

	if (sc->sg)
		assert_int_equal(dmab_unmap_sg(r->dev, r->sg, r->n, sc->dir, 0), 0);
	else
		assert_int_equal(
		    dmab_unmap_single(r->dev, r->sg[0].dma_addr, r->sg[0].len, sc->dir, 0), 0);
}

/* Two transfers on one mapping: map, device, sync_for_cpu, CPU, then
 * sync_for_device, device, unmap. Returns the chaos events seen. */
static uint64_t run_scenario(const struct scenario *sc)
{
	static struct run r;

	memset(&r, 0, sizeof(r));
	r.sc = sc;
	r.sim = new_sim(sc->line, sc->seed, sc->rate);
	r.dev = sim_dev(r.sim, sc->how == HOW_PER_ENTRY ? DMAB_SYNC_PER_ENTRY : DMAB_SYNC_BATCHED);
	r.a = sim_arena(r.sim, ARENA, 0);
	r.n = layout(sc, r.sg, r.a);
	fill_pat(r.a, ARENA, NEIGHBOR);
	fill_pat(r.exp, ARENA, NEIGHBOR);
	cpu_write(&r, 1);
	tick(&r);

	map(&r);
	tick(&r);
	device_round(&r, 1, 50, 1);
	sync_all(&r, false);
	check_cpu(&r, "after sync_for_cpu");

	cpu_write(&r, 20);
	tick(&r);
	sync_all(&r, true);
	tick(&r);
	device_round(&r, 20, 80, 0);
	unmap(&r);
	check_cpu(&r, "after unmap");
	tick(&r);
	check_cpu(&r, "after a last chaos point");

	struct dmab_sim_stats s = sim_stats_of(r.sim);

	/* correct code never throws CPU stores away */
	assert_int_equal(s.lines_discarded, 0);
	sim_arena_free(r.sim, r.a, ARENA);
	assert_int_equal(dmab_device_destroy(r.dev), 0);
	dmab_sim_destroy(r.sim);
	return s.chaos_evictions + s.chaos_refetches + s.chaos_early_ops;
}

static void run_matrix(bool chaos)
{
	uint64_t events = 0, runs = 0;

	for (size_t li = 0; li < NSIM_LINES; li++)
		for (int dir = 0; dir < 3; dir++)
			for (int shape = 0; shape < 4; shape++)
				for (int how = 0; how < NHOW; how++)
					for (uint64_t seed = 1; seed <= (chaos ? 4u : 1u); seed++) {
						struct scenario sc = {
						    .line = sim_lines[li],
						    .dir = (enum dmab_dir)dir,
						    .sg = shape & 1,
						    .aligned = shape & 2,
						    .how = (enum how)how,
						    .seed = seed,
						    .rate = chaos ? 0.25 : 0.0,
						};

						events += run_scenario(&sc);
						runs++;
					}
	print_message("%llu scenarios, %llu chaos events\n", (unsigned long long)runs,
		      (unsigned long long)events);
	/* chaos on must have done something, or this test proves nothing */
	if (chaos)
		assert_true(events > runs * 10);
	else
		assert_int_equal(events, 0);
}

static void test_oracle_no_chaos(void **state)
{
	(void)state;
	run_matrix(false);
}

static void test_oracle_chaos(void **state)
{
	(void)state;
	run_matrix(true);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_oracle_no_chaos),
	    cmocka_unit_test(test_oracle_chaos),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
