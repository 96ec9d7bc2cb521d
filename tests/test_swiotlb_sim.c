/* SPDX-License-Identifier: MIT */
/*
 * Bounced mappings on the simulator, against the oracle: for every
 * direction, single and sg, aligned and unaligned, batched, per-entry and
 * through an explicit batch, every line size, chaos off and on, and three
 * reasons to bounce (forced; beyond a 32-bit mask; unaligned, which mixes
 * bounced and direct entries in one list): the device reads exactly what the
 * CPU wrote, the CPU gets exactly what the device wrote, what the device did
 * not write keeps the CPU's bytes, and the bytes around every buffer keep
 * theirs. The device sees only slot addresses for bounced entries; the
 * pool is simulator memory because the library registered it.
 *
 * One difference from test_sim_oracle.c: between the two transfers the CPU
 * does not write FROM_DEVICE buffers (see run_scenario()).
 */
#include <errno.h>

#include "test_sim_helpers.h"
#include "../src/bounce/areas.h"

#define ARENA	 16384
#define MAXENT	 4
#define NEIGHBOR 200

enum why { WHY_FORCE, WHY_MASK, WHY_UNALIGNED, NWHY };
static const char *const why_name[] = {"force", "mask", "unaligned"};

struct scenario {
	size_t line;
	enum dmab_dir dir;
	bool sg, aligned;
	enum how how;
	enum why why;
	uint64_t seed;
	double rate;
};

struct run {
	const struct scenario *sc;
	struct dmab_sim *sim;
	struct dmab_device *dev;
	uint8_t *a;
	uint8_t exp[ARENA];
	struct dmab_sg sg[MAXENT];
	int n;
};

static int layout(const struct scenario *sc, struct dmab_sg *sg, uint8_t *a)
{
	size_t l = sc->line;

	if (!sc->sg) {
		sg[0] = sc->aligned ? (struct dmab_sg){.addr = a + 2 * l, .len = 5 * l}
				    : (struct dmab_sg){.addr = a + l + 10, .len = 5 * l + 7};
		return 1;
	}
	if (sc->aligned) {
		sg[0] = (struct dmab_sg){.addr = a + l, .len = 3 * l};
		sg[1] = (struct dmab_sg){.addr = a + 5 * l, .len = l};
		sg[2] = (struct dmab_sg){.addr = a + 6 * l, .len = 4 * l};
		sg[3] = (struct dmab_sg){.addr = a + 12 * l, .len = 2 * l};
	} else { /* the second entry is whole lines: direct under "unaligned" */
		sg[0] = (struct dmab_sg){.addr = a + l + 10, .len = 3 * l - 3};
		sg[1] = (struct dmab_sg){.addr = a + 5 * l, .len = 2 * l};
		sg[2] = (struct dmab_sg){.addr = a + 7 * l + 19, .len = 9};
		sg[3] = (struct dmab_sg){.addr = a + 9 * l + l / 2, .len = 1};
	}
	return 4;
}

static bool in_pool(const struct dmab_device *dev, dmab_addr_t a)
{
	struct dmab__pool *p = dev->bounce_pools ? atomic_load(&dev->bounce_pools->pools) : NULL;

	return p && dmab__pool_has(p, a);
}

static bool bounces(const struct run *r, int i)
{
	const struct dmab_sg *e = &r->sg[i];
	size_t l = r->sc->line;

	switch (r->sc->why) {
	case WHY_UNALIGNED:
		return r->sc->dir != DMAB_TO_DEVICE &&
		       (((uintptr_t)e->addr | ((uintptr_t)e->addr + e->len)) & (l - 1));
	case WHY_MASK:
		return (uintptr_t)e->addr + e->len - 1 > UINT32_MAX;
	default:
		return true;
	}
}

static void check_cpu(struct run *r, const char *when)
{
	for (size_t i = 0; i < ARENA; i++) {
		if (r->a[i] == r->exp[i])
			continue;
		const struct scenario *sc = r->sc;

		print_message("%s: %s line %zu dir %d %s %s how %d seed %llu rate %.2f: CPU byte "
			      "%zu is 0x%02x, expected 0x%02x\n",
			      when, why_name[sc->why], sc->line, (int)sc->dir,
			      sc->sg ? "sg" : "single", sc->aligned ? "aligned" : "unaligned",
			      (int)sc->how, (unsigned long long)sc->seed, sc->rate, i, r->a[i],
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

/* The device reads what the CPU handed over and writes its own data (half
 * of some entries only), at the bus addresses map gave. */
static void device_round(struct run *r, unsigned cpu_tag, unsigned dev_tag, int partial_parity)
{
	enum dmab_dir dir = r->sc->dir;
	uint8_t got[16 * 256], data[16 * 256];

	for (int i = 0; i < r->n; i++) {
		size_t len = r->sg[i].dma_len, off = (uint8_t *)r->sg[i].addr - r->a;

		if (dir != DMAB_FROM_DEVICE) {
			assert_int_equal(dmab_sim_dev_read(r->sim, r->sg[i].dma_addr, got, len), 0);
			assert_int_equal(pat_mismatch(got, len, cpu_tag + (unsigned)i), -1);
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

static struct dmab_device *bounce_dev(struct dmab_sim *sim, const struct scenario *sc)
{
	struct dmab_device_config cfg = {
	    .name = "bounce-sim",
	    .numa_node = -1,
	    .sync_mode = sc->how == HOW_PER_ENTRY ? DMAB_SYNC_PER_ENTRY : DMAB_SYNC_BATCHED,
	    .sim = sim,
	    .pool_size = 256 * 1024, /* chaos visits every registered line */
	    .pool_areas = 1,
	};
	struct dmab_device *dev = NULL;

	if (sc->why == WHY_FORCE)
		cfg.bounce = DMAB_BOUNCE_FORCE;
	else if (sc->why == WHY_MASK)
		cfg.dma_bits = 32;
	else
		cfg.bounce = DMAB_BOUNCE_UNALIGNED;
	assert_int_equal(dmab_device_create(&cfg, &dev), 0);
	return dev;
}

static uint64_t run_scenario(const struct scenario *sc, size_t *bounced)
{
	static struct run r;

	memset(&r, 0, sizeof(r));
	r.sc = sc;
	r.sim = new_sim(sc->line, sc->seed, sc->rate);
	r.dev = bounce_dev(r.sim, sc);
	r.a = sim_arena(r.sim, ARENA, 0);
	r.n = layout(sc, r.sg, r.a);
	fill_pat(r.a, ARENA, NEIGHBOR);
	fill_pat(r.exp, ARENA, NEIGHBOR);
	cpu_write(&r, 1);
	tick(&r);

	if (sc->sg) {
		assert_int_equal(dmab_map_sg(r.dev, r.sg, r.n, sc->dir, 0), r.n);
	} else {
		assert_int_equal(dmab_map_single(r.dev, r.sg[0].addr, r.sg[0].len, sc->dir, 0,
						 &r.sg[0].dma_addr),
				 0);
		r.sg[0].dma_len = r.sg[0].len;
	}
	for (int i = 0; i < r.n; i++) {
		bool b = bounces(&r, i);

		assert_int_equal(in_pool(r.dev, r.sg[i].dma_addr), b);
		assert_int_equal(r.sg[i].dma_addr == (uintptr_t)r.sg[i].addr, !b);
		*bounced += b;
	}
	tick(&r);
	device_round(&r, 1, 50, 1);
	sync_all(&r, false);
	check_cpu(&r, "after sync_for_cpu");

	/*
	 * The CPU writes the buffers it owns again, except FROM_DEVICE ones: the
	 * kernel's sync_for_device copies nothing into a FROM_DEVICE slot
	 * (SEMANTICS §5), so such writes would be undone by the copy back where
	 * the device does not write. The DMA API promises nothing for them;
	 * test_swiotlb.c checks the rule itself.
	 */
	if (sc->dir != DMAB_FROM_DEVICE)
		cpu_write(&r, 20);
	tick(&r);
	sync_all(&r, true);
	tick(&r);
	device_round(&r, sc->dir != DMAB_FROM_DEVICE ? 20 : 1, 80, 0);
	if (sc->sg)
		assert_int_equal(dmab_unmap_sg(r.dev, r.sg, r.n, sc->dir, 0), 0);
	else
		assert_int_equal(
		    dmab_unmap_single(r.dev, r.sg[0].dma_addr, r.sg[0].len, sc->dir, 0), 0);
	check_cpu(&r, "after unmap");
	tick(&r);
	check_cpu(&r, "after a last chaos point");

	struct dmab_sim_stats s = sim_stats_of(r.sim);

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

static void run_matrix(bool chaos)
{
	uint64_t events = 0, runs = 0;
	size_t bounced = 0;

	for (int why = 0; why < NWHY; why++)
		for (size_t li = 0; li < NSIM_LINES; li++)
			for (int dir = 0; dir < 3; dir++)
				for (int shape = 0; shape < 4; shape++)
					for (int how = 0; how < NHOW; how++) {
						struct scenario sc = {
						    .line = sim_lines[li],
						    .dir = (enum dmab_dir)dir,
						    .sg = shape & 1,
						    .aligned = shape & 2,
						    .how = (enum how)how,
						    .why = (enum why)why,
						    .seed = 1 + runs,
						    .rate = chaos ? 0.25 : 0.0,
						};

						events += run_scenario(&sc, &bounced);
						runs++;
					}
	print_message("%llu scenarios, %zu bounced entries, %llu chaos events\n",
		      (unsigned long long)runs, bounced, (unsigned long long)events);
	assert_true(bounced > runs);
	if (chaos)
		assert_true(events > runs * 10);
	else
		assert_int_equal(events, 0);
}

static void test_bounce_oracle_no_chaos(void **state)
{
	(void)state;
	run_matrix(false);
}

static void test_bounce_oracle_chaos(void **state)
{
	(void)state;
	run_matrix(true);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_bounce_oracle_no_chaos),
	    cmocka_unit_test(test_bounce_oracle_chaos),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
