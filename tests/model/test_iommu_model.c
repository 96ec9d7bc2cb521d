/* SPDX-License-Identifier: MIT */
/*
 * The emulated IOMMU on the simulator under chaos: random lists (entry
 * counts, lengths, in-page offsets, directions) mapped through the table
 * in both non-coherent modes. The simulated device walks the table from
 * DRAM, so every access through every segment checks that the table's
 * cleans were issued and completed; the data checks that the data's were.
 * Correct maintenance gives no fault and the right bytes under any chaos.
 */
#include <errno.h>

#include "sim_helpers.h"

#define PG     4096u
#define ARENA  (160 * PG)
#define ROUNDS 150

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(uint64_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng % n;
}

/* A random list in @arena: entries in distinct, shuffled page groups. */
static int make_list(uint8_t *arena, struct dmab_sg *sg)
{
	int n = 1 + (int)rnd(12), slot = 0;

	for (int i = 0; i < n; i++) {
		/* Page-aligned whole pages most of the time, so merging happens. */
		bool aligned = rnd(4) != 0;
		size_t off = aligned ? 0 : rnd(PG - 1);
		size_t len = aligned ? PG * (1 + rnd(4)) : 1 + rnd(3 * PG);

		slot += 1 + (int)rnd(2);
		sg[i] = (struct dmab_sg){.addr = arena + (size_t)slot * 5 * PG + off, .len = len};
	}
	return n;
}

/*
 * Segment @s's bytes as the entries it covers hold them, pat(tag + entry,
 * offset), into @img; *@e and *@eoff carry the position in the list from
 * one segment to the next.
 */
static void seg_image(const struct dmab_sg *sg, int n, int s, int *e, size_t *eoff, uint8_t *img,
		      unsigned tag)
{
	for (size_t done = 0; done < sg[s].dma_len;) {
		while (*e < n && *eoff == sg[*e].len) {
			(*e)++;
			*eoff = 0;
		}
		assert_true(*e < n);
		size_t k = sg[*e].len - *eoff < sg[s].dma_len - done ? sg[*e].len - *eoff
								     : sg[s].dma_len - done;

		for (size_t i = 0; i < k; i++)
			img[done + i] = pat(tag + (unsigned)*e, *eoff + i);
		done += k;
		*eoff += k;
	}
}

/* The device reads each segment (and must see the entries' data), or
 * writes it (the entries' expected data for a later check). */
static void device_access(struct dmab_sim *sim, const struct dmab_sg *sg, int n, int segs,
			  unsigned tag, bool write)
{
	static uint8_t img[64 * PG], got[64 * PG];
	int e = 0;
	size_t eoff = 0;

	for (int s = 0; s < segs; s++) {
		assert_true(sg[s].dma_len <= sizeof(img));
		seg_image(sg, n, s, &e, &eoff, img, tag);
		if (write) {
			assert_int_equal(
			    dmab_sim_dev_write(sim, sg[s].dma_addr, img, sg[s].dma_len), 0);
			continue;
		}
		assert_int_equal(dmab_sim_dev_read(sim, sg[s].dma_addr, got, sg[s].dma_len), 0);
		assert_memory_equal(got, img, sg[s].dma_len);
	}
}

static void run(unsigned mode, double chaos, uint64_t seed)
{
	struct dmab_sim *sim = new_sim(64 << rnd(3), seed, chaos);
	struct dmab_device_config cfg = {.size = sizeof(cfg),
					 .numa_node = -1,
					 .dma_bits = 36,
					 .sim = sim,
					 .iommu = mode,
					 .max_seg_size = rnd(2) ? 0 : 16384};
	struct dmab_device *dev = NULL;

	assert_int_equal(dmab_device_create(&cfg, &dev), 0);
	uint8_t *arena = sim_arena(sim, ARENA, 0x77);
	struct dmab_sg sg[16];
	/*
	 * Kept mapped throughout, so the rounds' leaves go into tables that
	 * already exist: a new table page's own clean, completed after the
	 * leaves are written, would otherwise carry them to DRAM and hide a
	 * missing leaf clean.
	 */
	struct dmab_sg keep = {.addr = arena + ARENA - PG, .len = PG};

	assert_int_equal(dmab_map_sg(dev, &keep, 1, DMAB_TO_DEVICE, 0), 1);

	for (int r = 0; r < ROUNDS; r++) {
		int n = make_list(arena, sg);
		enum dmab_dir dir = (enum dmab_dir)rnd(3);
		unsigned tag = (unsigned)r * 16;

		for (int i = 0; i < n; i++)
			fill_pat(sg[i].addr, sg[i].len,
				 dir == DMAB_FROM_DEVICE ? 999 : tag + (unsigned)i);
		int segs = dmab_map_sg(dev, sg, n, dir, 0);

		assert_true(segs >= 1 && segs <= n);
		if (dir != DMAB_FROM_DEVICE)
			device_access(sim, sg, n, segs, tag, false);
		assert_int_equal(dmab_sim_tick(sim), 0);
		if (dir != DMAB_TO_DEVICE)
			device_access(sim, sg, n, segs, tag + 8, true);
		assert_int_equal(dmab_unmap_sg(dev, sg, n, dir, 0), 0);
		if (dir != DMAB_TO_DEVICE)
			for (int i = 0; i < n; i++)
				assert_int_equal(
				    pat_mismatch(sg[i].addr, sg[i].len, tag + 8 + (unsigned)i), -1);
	}
	assert_int_equal(dmab_unmap_sg(dev, &keep, 1, DMAB_TO_DEVICE, 0), 0);
	struct dmab_sim_stats st = sim_stats_of(sim);

	assert_int_equal(st.translation_faults, 0);
	assert_int_equal(st.dev_faults, 0);
	assert_int_equal(st.lines_discarded, 0);
	assert_int_equal(dmab_device_destroy(dev), 0);
	sim_arena_free(sim, arena, ARENA);
	dmab_sim_destroy(sim);
}

static void test_per_pte(void **state)
{
	(void)state;
	run(DMAB_IOMMU_PER_PTE, 0, 1);
	run(DMAB_IOMMU_PER_PTE, 0.02, 2);
}

static void test_deferred(void **state)
{
	(void)state;
	run(DMAB_IOMMU_DEFERRED, 0, 3);
	run(DMAB_IOMMU_DEFERRED, 0.02, 4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_per_pte),
	    cmocka_unit_test(test_deferred),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
