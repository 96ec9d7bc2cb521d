/* SPDX-License-Identifier: MIT */
/*
 * The emulated-IOMMU translator's device module: the table, the IOVA
 * domain, the callbacks that put the table's maintenance into the call's
 * batch, the record of live mappings, and the per-range ops. See iommu.h.
 */
#include <stdlib.h>
#include <string.h>

#include "iommu.h"

#define PAGE DMAB__IOPT_GRANULE

/* Table pages: library-owned memory, told to the backend (the simulator
 * registers it, so its walker reads the DRAM copy). */
static void *page_alloc(void *ctx, uint64_t *walker_addr)
{
	struct dmab__iommu *m = ctx;
	void *p = aligned_alloc(PAGE, PAGE);

	if (!p)
		return NULL;
	memset(p, 0, PAGE);
	if (dmab__arch_owned(&m->dev->arch, DMAB__OWNED_CACHED, p, PAGE)) {
		free(p);
		return NULL;
	}
	*walker_addr = (uint64_t)(uintptr_t)p;
	return p;
}

static void page_free(void *ctx, void *page)
{
	struct dmab__iommu *m = ctx;

	(void)dmab__arch_owned(&m->dev->arch, DMAB__OWNED_GONE, page, PAGE);
	free(page);
}

/*
 * A PTE clean: into the call's batch. PER_PTE completes it at once (one
 * barrier per PTE sync, the kernel's cost without deferral); outside a call
 * (the root at creation) it is issued and completed here.
 */
static void walker_clean(void *ctx, const void *addr, size_t len)
{
	struct dmab__iommu *m = ctx;

	if (!m->b) {
		struct dmab_arch *a = &m->dev->arch;
		uintptr_t s, e;

		(void)dmab__line_span((uintptr_t)addr, len, a->line, &s, &e);
		dmab__arch_issue(a, DMAB__CLEAN, s, e - s);
		a->ops->complete(a);
		m->pte_completions++;
		return;
	}
	dmab__batch_range(m->b, m->part, DMAB__CLEAN, (uintptr_t)addr, len);
	if (m->mode == DMAB_IOMMU_PER_PTE)
		m->pte_completions += (uint64_t)dmab__batch_flush(m->b);
}

/* The write barrier before a table descriptor is installed: the new table's
 * clean is in the batch, and nothing walks the new IOVAs before the call's
 * completion, so ordering is all it asks, and the batch gives it. */
static void walker_barrier(void *ctx)
{
	(void)ctx;
}

/* Complete the clears' cleans before the invalidation (pgtable.h). */
static void tlb_flush(void *ctx, uint64_t start, uint64_t end, size_t pgsize, bool walk)
{
	struct dmab__iommu *m = ctx;

	(void)start, (void)end, (void)pgsize, (void)walk;
	if (m->b)
		(void)dmab__batch_flush(m->b);
	m->tlb_flushes++;
}

void dmab__iommu_begin(struct dmab__iommu *m, struct dmab__batch *b)
{
	m->b = b;
	m->part = dmab__batch_enter(b, m->dev);
}

void dmab__iommu_end(struct dmab__iommu *m)
{
	m->b = NULL;
}

static int check_limits(const struct dmab_device_config *cfg)
{
	uint64_t bm = cfg->seg_boundary_mask;

	if (bm && ((bm & (bm + 1)) || bm < PAGE - 1))
		return dmab__fail(-EINVAL,
				  "device_create: seg_boundary_mask 0x%llx is not 2^k - 1 with "
				  "k >= 12",
				  (unsigned long long)bm);
	if (cfg->iommu > DMAB_IOMMU_DEFERRED)
		return dmab__fail(-EINVAL, "device_create: unknown iommu mode %u", cfg->iommu);
	if (cfg->iommu && cfg->bounce & ~DMAB_BOUNCE_NEVER)
		return dmab__fail(-EINVAL,
				  "device_create: an IOMMU device does not bounce "
				  "(bounce flags 0x%x)",
				  cfg->bounce);
	return 0;
}

static void fini(struct dmab__iommu *m)
{
	if (m->attached && m->dev->arch.ops->iommu)
		(void)m->dev->arch.ops->iommu(&m->dev->arch, 0);
	if (m->t)
		dmab__iopt_destroy(m->t);
	if (m->dom)
		dmab__iova_destroy(m->dom);
	free(m->recs);
	pthread_mutex_destroy(&m->lock);
	free(m);
}

int dmab__iommu_init(struct dmab_device *dev, const struct dmab_device_config *cfg)
{
	int err = check_limits(cfg);

	dev->max_seg_size = cfg->max_seg_size ? cfg->max_seg_size : DMAB_MAX_SEG_SIZE_DEFAULT;
	dev->seg_boundary_mask =
	    cfg->seg_boundary_mask ? cfg->seg_boundary_mask : DMAB_SEG_BOUNDARY_DEFAULT;
	if (err || !cfg->iommu)
		return err;
	if (dev->mask < 2 * PAGE - 1)
		return dmab__fail(-EINVAL,
				  "device_create: a DMA mask of %u bits leaves the IOMMU "
				  "no IOVA space",
				  cfg->dma_bits);
	struct dmab__iommu *m = calloc(1, sizeof(*m));

	if (!m)
		return dmab__fail(-ENOMEM, "device_create: out of memory");
	pthread_mutex_init(&m->lock, NULL);
	m->dev = dev;
	m->mode = cfg->iommu;
	m->max_seg = dev->max_seg_size;
	m->boundary = dev->seg_boundary_mask;
	m->walker = (struct dmab__iopt_walker){walker_clean, walker_barrier, m};

	struct dmab__iopt_config tc = {
	    .walk = m->mode == DMAB_IOMMU_COHERENT  ? DMAB__IOPT_COHERENT
		    : m->mode == DMAB_IOMMU_PER_PTE ? DMAB__IOPT_PER_PTE
						    : DMAB__IOPT_DEFERRED,
	    .line_size = dev->arch.line,
	    .pages = {page_alloc, page_free, m},
	    .walker = m->mode == DMAB_IOMMU_COHERENT ? NULL : &m->walker,
	    .tlb = {tlb_flush, m},
	};
	/* The IOVA space: [one page, the mask], in whole pages, below 48 bits. */
	uint64_t top = dev->mask < ((uint64_t)1 << DMAB__IOPT_IAS)
			   ? dev->mask
			   : ((uint64_t)1 << DMAB__IOPT_IAS) - 1;

	top = ((top + 1) & ~(PAGE - 1)) - 1;
	err = dmab__iova_create(PAGE, top, &m->dom);
	if (!err)
		err = dmab__iopt_create(&tc, &m->t);
	if (!err && dev->arch.ops->iommu) {
		err = dev->arch.ops->iommu(&dev->arch, dmab__iopt_root_addr(m->t));
		m->attached = !err;
	}
	if (err) {
		fini(m);
		return err;
	}
	m->ops = dmab__iopt_ops(m->t);
	dev->iommu = m;
	dev->xlate = &dmab__xlate_iommu;
	dev->xlate_ctx = m;
	return 0;
}

void dmab__iommu_fini(struct dmab_device *dev)
{
	if (dev->iommu)
		fini(dev->iommu);
	dev->iommu = NULL;
}

void dmab__iommu_stats(const struct dmab_device *dev, struct dmab_stats *out)
{
	struct dmab__iommu *m = dev->iommu;

	if (!m)
		return;
	pthread_mutex_lock(&m->lock);
	const struct dmab__iopt_counters *c = dmab__iopt_counters(m->t);

	out->iommu_pte_lines = c->leaf_lines;
	out->iommu_table_lines = c->table_lines;
	out->iommu_pte_completions = m->pte_completions;
	out->iommu_tlb_flushes = c->flushes;
	out->iommu_walk_flushes = c->walk_flushes;
	out->iommu_table_pages = c->table_pages;
	out->iommu_segments = m->segments;
	pthread_mutex_unlock(&m->lock);
}

size_t dmab_opt_mapping_size(const struct dmab_device *dev)
{
	size_t max = dmab_max_mapping_size(dev);
	size_t fast = (size_t)DMAB__IOVA_CACHE_MAX * PAGE;

	return dev && dev->iommu && fast < max ? fast : max;
}

/* The records, sorted by first segment address: a binary search. */
static size_t rec_pos(const struct dmab__iommu *m, dmab_addr_t first)
{
	size_t lo = 0, hi = m->nrecs;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (m->recs[mid].first < first)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

struct dmab__iommu_rec *dmab__iommu_rec_find(struct dmab__iommu *m, dmab_addr_t first)
{
	size_t i = rec_pos(m, first);

	return i < m->nrecs && m->recs[i].first == first ? &m->recs[i] : NULL;
}

int dmab__iommu_rec_reserve(struct dmab__iommu *m)
{
	if (m->nrecs < m->caprecs)
		return 0;
	size_t cap = m->caprecs ? 2 * m->caprecs : 16;
	struct dmab__iommu_rec *v = realloc(m->recs, cap * sizeof(*v));

	if (!v)
		return -ENOMEM;
	m->recs = v;
	m->caprecs = cap;
	return 0;
}

void dmab__iommu_rec_add(struct dmab__iommu *m, const struct dmab__iommu_rec *r)
{
	size_t i = rec_pos(m, r->first);

	memmove(&m->recs[i + 1], &m->recs[i], (m->nrecs - i) * sizeof(*r));
	m->recs[i] = *r;
	m->nrecs++;
}

void dmab__iommu_rec_del(struct dmab__iommu *m, struct dmab__iommu_rec *r)
{
	size_t i = (size_t)(r - m->recs);

	memmove(&m->recs[i], &m->recs[i + 1], (m->nrecs - i - 1) * sizeof(*r));
	m->nrecs--;
}

/*
 * The per-range ops, for callers of the seam (the sync of a single range,
 * the DMA allocations of src/mem/): map and unmap are iommu_sg.c's path
 * for one range, as a translation (no call counted, nothing live). The
 * API's map and unmap of a device with an IOMMU go to iommu_sg.c directly.
 */
static int iommu_map(void *ctx, void *cpu, size_t len, dmab_addr_t *bus)
{
	struct dmab__iommu *m = ctx;

	return dmab__iommu_map_range(m->dev, cpu, len, bus);
}

static void iommu_unmap(void *ctx, dmab_addr_t bus, size_t len)
{
	struct dmab__iommu *m = ctx;
	void *cpu;

	if (!dmab__xlate_iommu.to_cpu(ctx, bus, len, &cpu))
		dmab__iommu_unmap_range(m->dev, cpu, bus, len);
}

/* The CPU side of [bus, bus + len): mapped throughout and CPU-contiguous. */
static int iommu_to_cpu(void *ctx, dmab_addr_t bus, size_t len, void **cpu)
{
	struct dmab__iommu *m = ctx;
	uint64_t first, pa;
	int err = 0;

	if (!len || bus + len < bus)
		return -EINVAL;
	pthread_mutex_lock(&m->lock);
	err = dmab__iopt_iova_to_phys(m->t, bus, &first);
	for (uint64_t p = (bus & ~(PAGE - 1)) + PAGE; !err && p < bus + len; p += PAGE) {
		err = dmab__iopt_iova_to_phys(m->t, p, &pa);
		if (!err && pa != first + (p - bus))
			err = -EINVAL;
	}
	pthread_mutex_unlock(&m->lock);
	if (err)
		return -EINVAL;
	*cpu = (void *)(uintptr_t)first;
	return 0;
}

const struct dmab__xlate_ops dmab__xlate_iommu = {
    .name = "iommu",
    .map = iommu_map,
    .unmap = iommu_unmap,
    .to_cpu = iommu_to_cpu,
};
