/* SPDX-License-Identifier: MIT */
/* The oracle's scenario runner (oracle.h). */
#include "oracle.h"

#define ARENA	 16384
#define MAXENT	 4
#define NEIGHBOR 200 /* pattern tag of the bytes around the buffers */

static const char *const how_name[] = {"batched", "per-entry", "batch-api"};

struct run {
	const struct oracle_scenario *sc;
	struct dmab_sim *sim;
	struct dmab_device *dev;
	uint8_t *a;
	uint8_t exp[ARENA]; /* what the CPU must see where it owns memory */
	struct dmab_sg sg[MAXENT];
	int n;
};

/*
 * Buffer shapes in units of the line: apart, adjacent, sharing lines with
 * each other and with neighbour bytes, one byte long. On a device that may
 * bounce, the unaligned list's second entry is whole lines, so that the
 * unaligned policy mixes bounced and direct entries in one list.
 */
static int layout(const struct oracle_scenario *sc, struct dmab_sg *sg, uint8_t *a)
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
	} else if (sc->policy == MODEL_NEVER) {
		sg[0] = (struct dmab_sg){.addr = a + l + 10, .len = 3 * l - 3};
		sg[1] = (struct dmab_sg){.addr = a + 4 * l + 7, .len = 2 * l + 5};
		sg[2] = (struct dmab_sg){.addr = a + 6 * l + 19, .len = 9};
		sg[3] = (struct dmab_sg){.addr = a + 8 * l + l / 2, .len = 1};
	} else {
		sg[0] = (struct dmab_sg){.addr = a + l + 10, .len = 3 * l - 3};
		sg[1] = (struct dmab_sg){.addr = a + 5 * l, .len = 2 * l};
		sg[2] = (struct dmab_sg){.addr = a + 7 * l + 19, .len = 9};
		sg[3] = (struct dmab_sg){.addr = a + 9 * l + l / 2, .len = 1};
	}
	return 4;
}

static void check_cpu(struct run *r, const char *when)
{
	for (size_t i = 0; i < ARENA; i++) {
		if (r->a[i] == r->exp[i])
			continue;
		const struct oracle_scenario *sc = r->sc;

		print_message("%s: %s line %zu dir %d %s %s %s seed %llu rate %.2f: CPU byte %zu "
			      "is 0x%02x, expected 0x%02x\n",
			      when, model_policy_name[sc->policy], sc->line, (int)sc->dir,
			      sc->sg ? "sg" : "single", sc->aligned ? "aligned" : "unaligned",
			      how_name[sc->how], (unsigned long long)sc->seed, sc->rate, i, r->a[i],
			      r->exp[i]);
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
 * The device's part of a round, at the bus addresses map gave: read what
 * the CPU handed over, write its own data (only the first half of some
 * entries). @exp learns what the CPU must see once it has the buffers back.
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
				print_message("device read: %s line %zu dir %d entry %d byte %ld\n",
					      model_policy_name[r->sc->policy], r->sc->line,
					      (int)dir, i, bad);
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
	const struct oracle_scenario *sc = r->sc;

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
	const struct oracle_scenario *sc = r->sc;

	if (sc->sg)
		assert_int_equal(dmab_unmap_sg(r->dev, r->sg, r->n, sc->dir, 0), 0);
	else
		assert_int_equal(
		    dmab_unmap_single(r->dev, r->sg[0].dma_addr, r->sg[0].len, sc->dir, 0), 0);
}

/* Each entry is bounced exactly when the policy says: then its bus address
 * is in the pool, else it is the buffer's own. */
static size_t check_placement(struct run *r)
{
	size_t bounced = 0;

	for (int i = 0; i < r->n; i++) {
		const struct dmab_sg *e = &r->sg[i];
		bool b = model_bounces(r->sc->policy, r->sc->line, r->sc->dir, e->addr, e->len);

		assert_int_equal(model_in_pool(r->sim, r->a, ARENA, e->dma_addr), b);
		assert_int_equal(e->dma_addr == (uintptr_t)e->addr, !b);
		bounced += b;
	}
	return bounced;
}

uint64_t oracle_run(const struct oracle_scenario *sc, size_t *bounced)
{
	static struct run r;
	enum dmab_sync_mode mode =
	    sc->how == HOW_PER_ENTRY ? DMAB_SYNC_PER_ENTRY : DMAB_SYNC_BATCHED;

	memset(&r, 0, sizeof(r));
	r.sc = sc;
	r.sim = new_sim(sc->line, sc->seed, sc->rate);
	assert_int_equal(model_device_create(r.sim, sc->policy, mode, &r.dev), 0);
	r.a = sim_arena(r.sim, ARENA, 0);
	r.n = layout(sc, r.sg, r.a);
	fill_pat(r.a, ARENA, NEIGHBOR);
	fill_pat(r.exp, ARENA, NEIGHBOR);
	cpu_write(&r, 1);
	tick(&r);

	map(&r);
	*bounced += check_placement(&r);
	tick(&r);
	device_round(&r, 1, 50, 1);
	sync_all(&r, false);
	check_cpu(&r, "after sync_for_cpu");

	/*
	 * The CPU writes the buffers it owns again, except FROM_DEVICE ones on
	 * a device that may bounce: the kernel's sync_for_device copies nothing
	 * into a FROM_DEVICE slot (SEMANTICS §5), so such writes would be undone
	 * by the copy back where the device does not write. The DMA API
	 * promises nothing for them; tests/unit/test_bounce_copies.c checks
	 * the rule itself.
	 */
	bool rewrite = sc->policy == MODEL_NEVER || sc->dir != DMAB_FROM_DEVICE;

	if (rewrite)
		cpu_write(&r, 20);
	tick(&r);
	sync_all(&r, true);
	tick(&r);
	device_round(&r, rewrite ? 20 : 1, 80, 0);
	unmap(&r);
	check_cpu(&r, "after unmap");
	tick(&r);
	check_cpu(&r, "after a last chaos point");

	struct dmab_sim_stats s = sim_stats_of(r.sim);

	/* correct code never throws CPU stores away */
	assert_int_equal(s.lines_discarded, 0);
	assert_int_equal(s.dev_faults, 0);
	struct dmab_stats ds;

	assert_int_equal(dmab_device_stats(r.dev, &ds), 0);
	assert_int_equal(ds.bounce_slots_used, 0);
	sim_arena_free(r.sim, r.a, ARENA);
	assert_int_equal(dmab_device_destroy(r.dev), 0);
	assert_int_equal(sim_stats_of(r.sim).regions, 0); /* the pool went with the device */
	dmab_sim_destroy(r.sim);
	return s.chaos_evictions + s.chaos_refetches + s.chaos_early_ops;
}

struct oracle_totals oracle_matrix(enum model_policy first, enum model_policy last, bool chaos,
				   unsigned seeds)
{
	struct oracle_totals t = {0};
	unsigned nseeds = seeds ? seeds : 1;

	for (int p = (int)first; p <= (int)last; p++)
		for (size_t li = 0; li < NSIM_LINES; li++)
			for (int dir = 0; dir < 3; dir++)
				for (int shape = 0; shape < 4; shape++)
					for (int how = 0; how < NHOW; how++)
						for (unsigned k = 1; k <= nseeds; k++) {
							struct oracle_scenario sc = {
							    .line = sim_lines[li],
							    .dir = (enum dmab_dir)dir,
							    .sg = shape & 1,
							    .aligned = shape & 2,
							    .how = (enum how)how,
							    .policy = (enum model_policy)p,
							    .seed = seeds ? k : 1 + t.runs,
							    .rate = chaos ? 0.25 : 0.0,
							};

							t.events += oracle_run(&sc, &t.bounced);
							t.runs++;
						}
	print_message("%llu scenarios, %zu bounced entries, %llu chaos events\n",
		      (unsigned long long)t.runs, t.bounced, (unsigned long long)t.events);
	return t;
}
