/* SPDX-License-Identifier: MIT */
/*
 * The emulated IOMMU as a device's translator, through the public API: IOVAs
 * under the mask, a list merged into IOVA-contiguous segments within the
 * segment limits, exact unmap of a merged list, the table's cleans in the
 * call's batch (per-PTE and deferred), a coherent walker doing no table
 * maintenance, and the simulator's device walking the table from DRAM, so
 * that a missing PTE clean is a translation fault.
 */
#include <errno.h>

#include <dmabatch/trace.h>

#include "sim_helpers.h"

#define PG 4096u

static struct dmab_device *iommu_dev(struct dmab_sim *sim, unsigned mode, size_t line,
				     size_t max_seg, uint64_t boundary)
{
	struct dmab_device_config cfg = {.size = sizeof(cfg),
					 .name = "iommu",
					 .numa_node = -1,
					 .dma_bits = 32,
					 .backend = sim ? NULL : "trace",
					 .line_size = sim ? 0 : line,
					 .sim = sim,
					 .iommu = mode,
					 .max_seg_size = max_seg,
					 .seg_boundary_mask = boundary};
	struct dmab_device *dev = NULL;

	assert_int_equal(dmab_device_create(&cfg, &dev), 0);
	return dev;
}

static struct dmab_stats stats_of(const struct dmab_device *dev)
{
	struct dmab_stats s;

	assert_int_equal(dmab_device_stats(dev, &s), 0);
	return s;
}

static uint8_t *pages(size_t n)
{
	void *p = NULL;

	assert_int_equal(posix_memalign(&p, 2 << 20, n * PG), 0);
	memset(p, 0x11, n * PG);
	return p;
}

/* @n entries of @len bytes, every other page of @buf (CPU-discontiguous). */
static void every_other(struct dmab_sg *sg, int n, uint8_t *buf, size_t len)
{
	for (int i = 0; i < n; i++)
		sg[i] = (struct dmab_sg){.addr = buf + (size_t)i * 2 * PG, .len = len};
}

static void test_merge_and_unmap(void **state)
{
	(void)state;
	struct dmab_device *dev = iommu_dev(NULL, DMAB_IOMMU_DEFERRED, 64, 0, 0);
	uint8_t *buf = pages(16);
	struct dmab_sg sg[8];

	every_other(sg, 8, buf, PG);
	int segs = dmab_map_sg(dev, sg, 8, DMAB_TO_DEVICE, 0);

	assert_int_equal(segs, 1);
	assert_int_equal(sg[0].dma_len, 8 * PG);
	assert_true(sg[0].dma_addr + 8 * PG - 1 <= 0xffffffffu);
	assert_int_equal(sg[0].dma_addr % PG, 0);
	for (int i = 1; i < 8; i++)
		assert_int_equal(sg[i].dma_len, 0);
	assert_int_equal(stats_of(dev).live_mappings, 8);

	/* A different list is not the one mapped: refused, nothing changes. */
	assert_int_equal(dmab_unmap_sg(dev, sg, 7, DMAB_TO_DEVICE, 0), -EINVAL);
	dmab_addr_t keep = sg[0].dma_addr;

	sg[0].dma_addr += PG;
	assert_int_equal(dmab_unmap_sg(dev, sg, 8, DMAB_TO_DEVICE, 0), -EINVAL);
	sg[0].dma_addr = keep;
	assert_int_equal(stats_of(dev).live_mappings, 8);

	uint64_t flushes = stats_of(dev).iommu_tlb_flushes;

	assert_int_equal(dmab_unmap_sg(dev, sg, 8, DMAB_TO_DEVICE, 0), 0);
	struct dmab_stats s = stats_of(dev);

	assert_int_equal(s.live_mappings, 0);
	/* One contiguous range: one gathered invalidation, not one per page
	 * (and one for the level-3 table it emptied). */
	assert_int_equal(s.iommu_tlb_flushes - flushes, 1);
	assert_int_equal(s.iommu_walk_flushes, 1);
	assert_int_equal(dmab_unmap_sg(dev, sg, 8, DMAB_TO_DEVICE, 0), -EINVAL);
	assert_int_equal(dmab_device_destroy(dev), 0);
	free(buf);
}

static void check_window(const struct dmab_sg *sg, int segs, uint64_t mask, size_t max)
{
	for (int i = 0; i < segs; i++) {
		assert_true(sg[i].dma_len <= max);
		assert_int_equal(sg[i].dma_addr & ~mask,
				 (sg[i].dma_addr + sg[i].dma_len - 1) & ~mask);
	}
}

static void test_split_by_limits(void **state)
{
	(void)state;
	uint8_t *buf = pages(32);
	struct dmab_sg sg[8];

	/* max_seg_size 8 KiB: pairs. */
	struct dmab_device *dev = iommu_dev(NULL, DMAB_IOMMU_DEFERRED, 64, 8192, 0);

	every_other(sg, 8, buf, PG);
	assert_int_equal(dmab_map_sg(dev, sg, 8, DMAB_BIDIRECTIONAL, 0), 4);
	check_window(sg, 4, 0xffffffffu, 8192);
	for (int i = 0; i < 4; i++)
		assert_int_equal(sg[i].dma_len, 8192);
	assert_int_equal(sg[4].dma_len, 0);
	assert_int_equal(dmab_unmap_sg(dev, sg, 8, DMAB_BIDIRECTIONAL, 0), 0);
	assert_int_equal(dmab_device_destroy(dev), 0);

	/* seg_boundary_mask 16 KiB - 1: windows of four pages. */
	dev = iommu_dev(NULL, DMAB_IOMMU_DEFERRED, 64, 0, 0x3fff);
	every_other(sg, 8, buf, PG);
	assert_int_equal(dmab_map_sg(dev, sg, 8, DMAB_BIDIRECTIONAL, 0), 2);
	check_window(sg, 2, 0x3fff, 65536);
	assert_int_equal(dmab_unmap_sg(dev, sg, 8, DMAB_BIDIRECTIONAL, 0), 0);

	/* 12 KiB entries in 16 KiB windows: each padded to its own window. */
	for (int i = 0; i < 3; i++)
		sg[i] = (struct dmab_sg){.addr = buf + (size_t)i * 4 * PG, .len = 3 * PG};
	assert_int_equal(dmab_map_sg(dev, sg, 3, DMAB_BIDIRECTIONAL, 0), 3);
	check_window(sg, 3, 0x3fff, 65536);
	assert_int_equal(dmab_unmap_sg(dev, sg, 3, DMAB_BIDIRECTIONAL, 0), 0);
	assert_int_equal(dmab_device_destroy(dev), 0);

	/* An inner boundary off a page: no merge there; the offset is kept. */
	dev = iommu_dev(NULL, DMAB_IOMMU_DEFERRED, 64, 0, 0);
	sg[0] = (struct dmab_sg){.addr = buf, .len = PG};
	sg[1] = (struct dmab_sg){.addr = buf + 2 * PG + 100, .len = 200};
	sg[2] = (struct dmab_sg){.addr = buf + 4 * PG, .len = PG};
	assert_int_equal(dmab_map_sg(dev, sg, 3, DMAB_FROM_DEVICE, 0), 3);
	assert_int_equal(sg[1].dma_addr % PG, 100);
	assert_int_equal(sg[1].dma_len, 200);
	assert_int_equal(dmab_unmap_sg(dev, sg, 3, DMAB_FROM_DEVICE, 0), 0);
	assert_int_equal(dmab_device_destroy(dev), 0);

	/* The identity path maps entries as given, whatever the limits. */
	struct dmab_device_config cfg = {.size = sizeof(cfg),
					 .numa_node = -1,
					 .backend = "trace",
					 .max_seg_size = 4096,
					 .seg_boundary_mask = 0xfff};

	assert_int_equal(dmab_device_create(&cfg, &dev), 0);
	sg[0] = (struct dmab_sg){.addr = buf, .len = 4 * PG};
	sg[1] = (struct dmab_sg){.addr = buf + 4 * PG, .len = 4 * PG};
	assert_int_equal(dmab_map_sg(dev, sg, 2, DMAB_TO_DEVICE, 0), 2);
	assert_int_equal(sg[0].dma_len, 4 * PG);
	assert_int_equal(sg[0].dma_addr, (dmab_addr_t)(uintptr_t)buf);
	assert_int_equal(dmab_unmap_sg(dev, sg, 2, DMAB_TO_DEVICE, 0), 0);
	assert_int_equal(dmab_opt_mapping_size(dev), dmab_max_mapping_size(dev));
	assert_int_equal(dmab_device_destroy(dev), 0);
	free(buf);
}

static void test_config(void **state)
{
	(void)state;
	struct dmab_device *dev = NULL;
	struct dmab_device_config cfg = {.size = sizeof(cfg),
					 .numa_node = -1,
					 .backend = "trace",
					 .iommu = DMAB_IOMMU_DEFERRED,
					 .seg_boundary_mask = 0x1234};

	assert_int_equal(dmab_device_create(&cfg, &dev), -EINVAL);
	cfg.seg_boundary_mask = 0x7ff;
	assert_int_equal(dmab_device_create(&cfg, &dev), -EINVAL);
	cfg.seg_boundary_mask = 0;
	cfg.bounce = DMAB_BOUNCE_FORCE;
	assert_int_equal(dmab_device_create(&cfg, &dev), -EINVAL);
	cfg.bounce = 0;
	cfg.iommu = 9;
	assert_int_equal(dmab_device_create(&cfg, &dev), -EINVAL);
	cfg.iommu = DMAB_IOMMU_PER_PTE;
	assert_int_equal(dmab_device_create(&cfg, &dev), 0);
	assert_int_equal(dmab_opt_mapping_size(dev), 128 * 1024);
	assert_int_equal(dmab_opt_mapping_size(NULL), 0);
	assert_int_equal(dmab_device_destroy(dev), 0);
}

/* The lines of the table's maintenance: per-PTE cleans each 8-byte PTE's
 * line; deferred cleans each line once, in the call's one completion. */
static void sync_modes(size_t line)
{
	enum { N = 64 };
	uint8_t *buf = pages(N);
	struct dmab_sg sg[N];
	uint64_t lines[2], barriers[2];

	for (int m = 0; m < 2; m++) {
		struct dmab_device *dev =
		    iommu_dev(NULL, m ? DMAB_IOMMU_DEFERRED : DMAB_IOMMU_PER_PTE, line, 0, 0);

		for (int i = 0; i < N; i++)
			sg[i] = (struct dmab_sg){.addr = buf + (size_t)i * PG, .len = PG};
		struct dmab_stats a = stats_of(dev);

		assert_int_equal(dmab_trace_clear(dev), 0);
		assert_int_equal(dmab_map_sg(dev, sg, N, DMAB_TO_DEVICE, 0), N / 16);
		struct dmab_stats b = stats_of(dev);

		lines[m] = b.iommu_pte_lines - a.iommu_pte_lines;
		barriers[m] = b.completions - a.completions;
		/* The data's and the table's lines in the device's count: all of
		 * them, less any the batch issued once for both (a leaf line
		 * inside a new table page whose clean is still open). */
		uint64_t all = b.lines_cleaned - a.lines_cleaned,
			 table = b.iommu_table_lines - a.iommu_table_lines;

		const struct dmab_trace_rec *r;
		size_t nr, issued = 0;

		assert_int_equal(dmab_trace_get(dev, &r, &nr), 0);
		for (size_t i = 0; i < nr; i++)
			issued += r[i].op == DMAB_TRACE_CLEAN ? r[i].len / line : 0;
		assert_int_equal(all, issued);
		assert_true(all <= N * PG / line + lines[m] + table);
		assert_true(all > N * PG / line);
		assert_int_equal(dmab_unmap_sg(dev, sg, N, DMAB_TO_DEVICE, 0), 0);
		assert_int_equal(dmab_device_destroy(dev), 0);
	}
	assert_int_equal(lines[0], N);
	assert_int_equal(lines[1], N * 8 / line);
	assert_int_equal(barriers[1], 1);
	assert_true(barriers[0] >= N);
	free(buf);
}

static void test_sync_modes(void **state)
{
	(void)state;
	sync_modes(64);
	sync_modes(256);
}

/* Deferred: one completion, last, for the data cleans and the PTE cleans. */
static void test_one_barrier(void **state)
{
	(void)state;
	struct dmab_device *dev = iommu_dev(NULL, DMAB_IOMMU_DEFERRED, 64, 0, 0);
	uint8_t *buf = pages(8);
	struct dmab_sg sg[8];
	const struct dmab_trace_rec *r;
	size_t n, data = 0, table = 0;

	for (int i = 0; i < 8; i++)
		sg[i] = (struct dmab_sg){.addr = buf + (size_t)i * PG, .len = PG};
	assert_int_equal(dmab_trace_clear(dev), 0);
	assert_true(dmab_map_sg(dev, sg, 8, DMAB_TO_DEVICE, 0) > 0);
	assert_int_equal(dmab_trace_get(dev, &r, &n), 0);
	assert_true(n >= 3);
	for (size_t i = 0; i + 1 < n; i++) {
		assert_int_equal(r[i].op, DMAB_TRACE_CLEAN);
		bool in_data = r[i].start >= (uintptr_t)buf && r[i].start < (uintptr_t)buf + 8 * PG;

		data += in_data;
		table += !in_data;
	}
	assert_int_equal(r[n - 1].op, DMAB_TRACE_COMPLETE);
	assert_true(data >= 1);
	assert_true(table >= 1);
	assert_int_equal(dmab_unmap_sg(dev, sg, 8, DMAB_TO_DEVICE, 0), 0);
	assert_int_equal(dmab_device_destroy(dev), 0);
	free(buf);
}

/* A coherent walker: no table maintenance at all, only the data's. */
static void test_coherent_walker(void **state)
{
	(void)state;
	struct dmab_device *dev = iommu_dev(NULL, DMAB_IOMMU_COHERENT, 64, 0, 0);
	uint8_t *buf = pages(8);
	struct dmab_sg sg[8];
	const struct dmab_trace_rec *r;
	size_t n;

	for (int i = 0; i < 8; i++)
		sg[i] = (struct dmab_sg){.addr = buf + (size_t)i * PG, .len = PG};
	assert_int_equal(dmab_trace_clear(dev), 0);
	assert_int_equal(dmab_map_sg(dev, sg, 8, DMAB_FROM_DEVICE, 0), 1);
	assert_int_equal(dmab_unmap_sg(dev, sg, 8, DMAB_FROM_DEVICE, 0), 0);
	assert_int_equal(dmab_trace_get(dev, &r, &n), 0);
	for (size_t i = 0; i < n; i++)
		if (r[i].op != DMAB_TRACE_COMPLETE)
			assert_true(r[i].start >= (uintptr_t)buf &&
				    r[i].start + r[i].len <= (uintptr_t)buf + 8 * PG);
	struct dmab_stats s = stats_of(dev);

	assert_int_equal(s.iommu_pte_lines, 0);
	assert_int_equal(s.iommu_table_lines, 0);
	assert_int_equal(s.iommu_pte_completions, 0);
	assert_int_equal(dmab_device_destroy(dev), 0);
	free(buf);
}

/* The simulated device reads and writes IOVAs through the table. */
static void sim_roundtrip(unsigned mode)
{
	struct dmab_sim *sim = new_sim(64, 0, 0);
	struct dmab_device *dev = iommu_dev(sim, mode, 0, 0, 0);
	uint8_t *buf = sim_arena(sim, 16 * PG, 0x22);
	struct dmab_sg sg[8];
	uint8_t out[8 * PG], in[8 * PG];

	/* TO_DEVICE: the device reads the CPU's data across the merged segment. */
	every_other(sg, 8, buf, PG);
	for (int i = 0; i < 8; i++)
		fill_pat(sg[i].addr, PG, (unsigned)i);
	assert_int_equal(dmab_map_sg(dev, sg, 8, DMAB_TO_DEVICE, 0), 1);
	assert_int_equal(dmab_sim_dev_read(sim, sg[0].dma_addr, in, sizeof(in)), 0);
	for (int i = 0; i < 8; i++)
		assert_int_equal(pat_mismatch(in + (size_t)i * PG, PG, (unsigned)i), -1);
	/* Read-only for the device. */
	assert_int_equal(dmab_sim_dev_write(sim, sg[0].dma_addr, in, 8), -EFAULT);
	struct dmab_sim_fault f;

	assert_int_equal(dmab_sim_last_fault(sim, &f), 0);
	assert_int_equal(f.level, 3);
	assert_int_equal(dmab_unmap_sg(dev, sg, 8, DMAB_TO_DEVICE, 0), 0);
	/* Gone from the table. */
	assert_int_equal(dmab_sim_dev_read(sim, sg[0].dma_addr, in, 8), -EFAULT);

	/* FROM_DEVICE, synced for the CPU and then unmapped. */
	every_other(sg, 8, buf, PG);
	assert_int_equal(dmab_map_sg(dev, sg, 8, DMAB_FROM_DEVICE, 0), 1);
	for (size_t i = 0; i < sizeof(out); i++)
		out[i] = pat(40 + (unsigned)(i / PG), i % PG);
	assert_int_equal(dmab_sim_dev_write(sim, sg[0].dma_addr, out, sizeof(out)), 0);
	assert_int_equal(dmab_sync_sg_for_cpu(dev, sg, 8, DMAB_FROM_DEVICE), 0);
	for (int i = 0; i < 8; i++)
		assert_int_equal(pat_mismatch(sg[i].addr, PG, 40 + (unsigned)i), -1);
	assert_int_equal(dmab_unmap_sg(dev, sg, 8, DMAB_FROM_DEVICE, 0), 0);
	assert_int_equal(stats_of(dev).live_mappings, 0);
	assert_int_equal(dmab_device_destroy(dev), 0);
	sim_arena_free(sim, buf, 16 * PG);
	dmab_sim_destroy(sim);
}

static void test_sim_translates(void **state)
{
	(void)state;
	sim_roundtrip(DMAB_IOMMU_PER_PTE);
	sim_roundtrip(DMAB_IOMMU_DEFERRED);
}

/* A 2 MiB block (a level-2 leaf) and a 4 KiB page (level 3), single maps. */
static void test_levels(void **state)
{
	(void)state;
	struct dmab_sim *sim = new_sim(64, 0, 0);
	struct dmab_device *dev = iommu_dev(sim, DMAB_IOMMU_DEFERRED, 0, 0, 0);
	size_t big = 2 << 20;
	uint8_t *buf = pages(big / PG + 1);
	dmab_addr_t a, b;
	uint8_t v[16];

	assert_int_equal((uintptr_t)buf % big, 0);
	fill_pat(buf, big + PG, 5);
	assert_int_equal(dmab_sim_register(sim, buf, big + PG), 0);
	uint64_t tables = stats_of(dev).iommu_table_pages;

	assert_int_equal(dmab_map_single(dev, buf, big, DMAB_BIDIRECTIONAL, 0, &a), 0);
	/* Root, level 1, level 2: the block needs no level-3 table. */
	assert_int_equal(stats_of(dev).iommu_table_pages - tables, 2);
	assert_int_equal(a % big, 0);
	assert_int_equal(dmab_map_single(dev, buf + big + 8, 16, DMAB_TO_DEVICE, 0, &b), 0);
	assert_int_equal(b % PG, 8);
	assert_int_equal(dmab_sim_dev_read(sim, a + big - 16, v, 16), 0);
	assert_memory_equal(v, buf + big - 16, 16);
	assert_int_equal(dmab_sim_dev_read(sim, b, v, 16), 0);
	assert_memory_equal(v, buf + big + 8, 16);
	/* sync_single finds the CPU side through the table. */
	assert_int_equal(dmab_sync_single_for_cpu(dev, a + 4096, 64, DMAB_BIDIRECTIONAL), 0);
	assert_int_equal(dmab_unmap_single(dev, b, 15, DMAB_TO_DEVICE, 0), -EINVAL);
	assert_int_equal(dmab_unmap_single(dev, b, 16, DMAB_TO_DEVICE, 0), 0);
	assert_int_equal(dmab_unmap_single(dev, a, big, DMAB_BIDIRECTIONAL, 0), 0);
	assert_int_equal(dmab_device_destroy(dev), 0);
	sim_arena_free(sim, buf, big + PG);
	dmab_sim_destroy(sim);
}

/*
 * The missing clean: a walker declared coherent gets no PTE cleans, but the
 * simulator's walker reads DRAM, so the device faults at the first table
 * descriptor. With the cleans (deferred) the same access works.
 */
static void test_missing_clean_faults(void **state)
{
	(void)state;
	for (int with_clean = 0; with_clean < 2; with_clean++) {
		struct dmab_sim *sim = new_sim(64, 0, 0);
		struct dmab_device *dev =
		    iommu_dev(sim, with_clean ? DMAB_IOMMU_DEFERRED : DMAB_IOMMU_COHERENT, 0, 0, 0);
		uint8_t *buf = sim_arena(sim, PG, 0x44);
		dmab_addr_t a;
		uint8_t v[64];
		struct dmab_sim_fault f;

		assert_int_equal(dmab_map_single(dev, buf, 64, DMAB_TO_DEVICE, 0, &a), 0);
		int r = dmab_sim_dev_read(sim, a + 8, v, sizeof(v) - 8);

		if (with_clean) {
			assert_int_equal(r, 0);
			assert_int_equal(dmab_sim_last_fault(sim, &f), -ENOENT);
		} else {
			assert_int_equal(r, -EFAULT);
			assert_int_equal(dmab_sim_last_fault(sim, &f), 0);
			assert_int_equal(f.iova, a + 8);
			assert_int_equal(f.level, 0);
			assert_string_equal(f.reason, "invalid descriptor");
			assert_int_equal(sim_stats_of(sim).translation_faults, 1);
		}
		assert_int_equal(dmab_unmap_single(dev, a, 64, DMAB_TO_DEVICE, 0), 0);
		assert_int_equal(dmab_device_destroy(dev), 0);
		sim_arena_free(sim, buf, PG);
		dmab_sim_destroy(sim);
	}
}

/* A failure part-way through a list unwinds: nothing stays mapped. */
static void test_unwind(void **state)
{
	(void)state;
	struct dmab_device *dev = iommu_dev(NULL, DMAB_IOMMU_DEFERRED, 64, 0, 0);
	uint8_t *buf = pages(8);
	struct dmab_sg sg[3];

	every_other(sg, 3, buf, PG);
	/* An output address the 48-bit table cannot hold: the third entry fails. */
	sg[2].addr = (void *)(uintptr_t)((uint64_t)1 << 48);
	struct dmab_stats a = stats_of(dev);

	assert_int_equal(dmab_map_sg(dev, sg, 3, DMAB_TO_DEVICE, 0), -EINVAL);
	struct dmab_stats b = stats_of(dev);

	assert_int_equal(b.live_mappings, 0);
	assert_int_equal(b.maps, a.maps);
	assert_int_equal(b.iommu_segments, a.iommu_segments);
	every_other(sg, 3, buf, PG);
	assert_int_equal(dmab_map_sg(dev, sg, 3, DMAB_TO_DEVICE, 0), 1);
	assert_int_equal(dmab_unmap_sg(dev, sg, 3, DMAB_TO_DEVICE, 0), 0);
	assert_int_equal(dmab_device_destroy(dev), 0);
	free(buf);

	/* IOVA space under a 16-bit mask: 15 usable pages. */
	struct dmab_device_config cfg = {.size = sizeof(cfg),
					 .numa_node = -1,
					 .backend = "trace",
					 .dma_bits = 16,
					 .iommu = DMAB_IOMMU_DEFERRED};

	assert_int_equal(dmab_device_create(&cfg, &dev), 0);
	buf = pages(16);
	struct dmab_sg big[2] = {{.addr = buf, .len = 8 * PG},
				 {.addr = buf + 8 * PG, .len = 8 * PG}};

	assert_int_equal(dmab_map_sg(dev, big, 1, DMAB_TO_DEVICE, 0), 1);
	assert_true(big[0].dma_addr + big[0].dma_len - 1 <= 0xffff);
	assert_int_equal(dmab_map_sg(dev, &big[1], 1, DMAB_TO_DEVICE, 0), -ENOMEM);
	assert_int_equal(stats_of(dev).live_mappings, 1);
	assert_int_equal(dmab_unmap_sg(dev, big, 1, DMAB_TO_DEVICE, 0), 0);
	assert_int_equal(dmab_map_sg(dev, &big[1], 1, DMAB_TO_DEVICE, 0), 1);
	assert_int_equal(dmab_unmap_sg(dev, &big[1], 1, DMAB_TO_DEVICE, 0), 0);
	assert_int_equal(dmab_device_destroy(dev), 0);
	free(buf);
}

/* DMA allocations get IOVAs through the same seam; not counted as maps. */
static void test_alloc(void **state)
{
	(void)state;
	struct dmab_sim *sim = new_sim(64, 0, 0);
	struct dmab_device *dev = iommu_dev(sim, DMAB_IOMMU_DEFERRED, 0, 0, 0);
	void *cpu = NULL;
	dmab_addr_t dma = 0;
	uint8_t v[64];

	assert_int_equal(dmab_alloc_noncoherent(dev, 3 * PG, DMAB_TO_DEVICE, &cpu, &dma), 0);
	assert_true(dma + 3 * PG - 1 <= 0xffffffffu);
	assert_true(dma != (dmab_addr_t)(uintptr_t)cpu);
	fill_pat(cpu, 3 * PG, 9);
	assert_int_equal(dmab_sync_single_for_device(dev, dma, 3 * PG, DMAB_TO_DEVICE), 0);
	assert_int_equal(dmab_sim_dev_read(sim, dma + 2 * PG, v, sizeof(v)), 0);
	assert_memory_equal(v, (uint8_t *)cpu + 2 * PG, sizeof(v));
	struct dmab_stats s = stats_of(dev);

	assert_int_equal(s.maps, 0);
	assert_int_equal(s.live_mappings, 0);
	assert_int_equal(dmab_free_noncoherent(dev, 3 * PG, cpu, dma, DMAB_TO_DEVICE), 0);
	assert_int_equal(dmab_sim_dev_read(sim, dma, v, 8), -EFAULT);
	assert_int_equal(dmab_device_destroy(dev), 0);
	dmab_sim_destroy(sim);
}

/* One IOMMU device per simulator. */
static void test_one_per_sim(void **state)
{
	(void)state;
	struct dmab_sim *sim = new_sim(64, 0, 0);
	struct dmab_device *a = iommu_dev(sim, DMAB_IOMMU_DEFERRED, 0, 0, 0), *b = NULL;
	struct dmab_device_config cfg = {
	    .size = sizeof(cfg), .numa_node = -1, .sim = sim, .iommu = DMAB_IOMMU_PER_PTE};

	assert_int_equal(dmab_device_create(&cfg, &b), -EBUSY);
	assert_int_equal(dmab_device_destroy(a), 0);
	assert_int_equal(dmab_device_create(&cfg, &b), 0);
	assert_int_equal(dmab_device_destroy(b), 0);
	dmab_sim_destroy(sim);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_merge_and_unmap),
	    cmocka_unit_test(test_split_by_limits),
	    cmocka_unit_test(test_config),
	    cmocka_unit_test(test_sync_modes),
	    cmocka_unit_test(test_one_barrier),
	    cmocka_unit_test(test_coherent_walker),
	    cmocka_unit_test(test_sim_translates),
	    cmocka_unit_test(test_levels),
	    cmocka_unit_test(test_missing_clean_faults),
	    cmocka_unit_test(test_one_per_sim),
	    cmocka_unit_test(test_unwind),
	    cmocka_unit_test(test_alloc),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
