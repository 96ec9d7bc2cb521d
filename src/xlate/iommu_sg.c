/* SPDX-License-Identifier: MIT */
/*
 * Lists through the emulated IOMMU. A list is laid out in one IOVA
 * allocation: each entry takes the pages it touches, in order, moved up to
 * the next seg_boundary_mask multiple if it would otherwise cross one.
 * Neighbouring entries then form one DMA segment when the first ends on a
 * page boundary, the second starts on one, no padding lies between them,
 * and the segment stays within max_seg_size and one boundary window: the
 * kernel's iommu map_sg result, fewer segments than entries. The segments
 * are written to the first entries' dma fields, the rest get 0 and 0.
 *
 * The data's maintenance is on the entries' CPU ranges, as the kernel's
 * iommu path syncs by physical address, and shares the call's batch with
 * the table's.
 */
#include <stdatomic.h>

#include "../steps.h"
#include "iommu.h"

#define PAGE DMAB__IOPT_GRANULE

/* Place entry @s at *@pos: its span's offset in the allocation; *@span its pages. */
static uint64_t place(const struct dmab__iommu *m, uint64_t *pos, const struct dmab_sg *s,
		      uint64_t *span)
{
	uint64_t off = (uintptr_t)s->addr & (PAGE - 1), p = *pos, bm = m->boundary;

	*span = s->len ? (off + s->len + PAGE - 1) & ~(PAGE - 1) : 0;
	if (*span && *span <= bm + 1 && (p & ~bm) != ((p + *span - 1) & ~bm))
		p = (p + bm) & ~bm;
	*pos = p + *span;
	return p;
}

/* The list's IOVA size and byte count; -ERANGE if it cannot be under 48 bits. */
static int measure(const struct dmab__iommu *m, const struct dmab_sg *sg, int nents,
		   uint64_t *total, size_t *bytes)
{
	uint64_t pos = 0, span;

	*bytes = 0;
	for (int i = 0; i < nents; i++) {
		(void)place(m, &pos, &sg[i], &span);
		*bytes += sg[i].len;
		if (pos >= ((uint64_t)1 << DMAB__IOPT_IAS))
			return -ERANGE;
	}
	*total = pos;
	return 0;
}

static int prot_of(const struct dmab_device *dev, enum dmab_dir dir)
{
	int prot = DMAB__IOMMU_NOEXEC | (dev->coherent ? DMAB__IOMMU_CACHE : 0);

	if (dir != DMAB_FROM_DEVICE)
		prot |= DMAB__IOMMU_READ;
	if (dir != DMAB_TO_DEVICE)
		prot |= DMAB__IOMMU_WRITE;
	return prot;
}

/* Clear the PTEs of the list's first @n entries into @g. */
static void unmap_entries(struct dmab__iommu *m, const struct dmab_sg *sg, int n, uint64_t base,
			  struct dmab__iotlb_gather *g)
{
	uint64_t pos = 0, span;

	for (int i = 0; i < n; i++) {
		uint64_t p = place(m, &pos, &sg[i], &span);

		if (span)
			(void)dmab__iopt_unmap(m->t, base + p, span, g);
	}
}

/* Write the table for the whole list; on failure nothing stays mapped. */
static int map_entries(struct dmab__iommu *m, const struct dmab_sg *sg, int nents, uint64_t base,
		       int prot, const char *what)
{
	uint64_t pos = 0, span;

	for (int i = 0; i < nents; i++) {
		uint64_t p = place(m, &pos, &sg[i], &span);
		uint64_t pa = (uintptr_t)sg[i].addr & ~(uintptr_t)(PAGE - 1);
		int err = span ? m->ops->map(m->t, base + p, pa, span, prot) : 0;

		if (err) {
			struct dmab__iotlb_gather g;

			dmab__iotlb_gather_init(&g);
			unmap_entries(m, sg, i, base, &g);
			dmab__iotlb_sync(m->t, &g);
			return dmab__fail(err, "%s: %s: entry %d: the IOMMU table cannot map it",
					  what, m->dev->name, i);
		}
	}
	if (m->ops->sync_map)
		(void)m->ops->sync_map(m->t, base, pos);
	return 0;
}

/* The segments, into the first entries' dma fields. Return: their count. */
static int segments(const struct dmab__iommu *m, struct dmab_sg *sg, int nents, uint64_t base)
{
	uint64_t pos = 0, span, bm = m->boundary, start = 0;
	size_t len = 0;
	int nseg = 0;
	bool aligned_end = false;

	for (int i = 0; i < nents; i++) {
		uint64_t p = place(m, &pos, &sg[i], &span);
		uint64_t off = (uintptr_t)sg[i].addr & (PAGE - 1), dma = base + p + off;
		size_t l = sg[i].len;

		if (!l)
			continue;
		if (nseg && aligned_end && !off && dma == start + len && len + l <= m->max_seg &&
		    (start & ~bm) == ((start + len + l - 1) & ~bm)) {
			len += l;
		} else {
			nseg++;
			start = dma;
			len = l;
		}
		sg[nseg - 1].dma_addr = start;
		sg[nseg - 1].dma_len = len;
		aligned_end = (((uintptr_t)sg[i].addr + l) & (PAGE - 1)) == 0;
	}
	for (int j = nseg; j < nents; j++) {
		sg[j].dma_addr = 0;
		sg[j].dma_len = 0;
	}
	return nseg ? nseg : 1;
}

static void count(struct dmab_device *dev, enum dmab__ctr call, int64_t live)
{
	/* An unmap's entries left the count at its check (dmab__live_drop). */
	if (live > 0)
		dmab__live_add(&dev->c, (uint64_t)live);
	dmab__ctr_add(dmab__ctr_mine(&dev->c), call, 1);
}

/* Each entry's data maintenance, on its CPU range, into @b. */
static void data_sync(struct dmab__batch *b, struct dmab_device *dev, const struct dmab_sg *sg,
		      int nents, struct dmab__rule r, bool for_device)
{
	struct dmab__tally n = {0};

	for (int i = 0; i < nents; i++) {
		struct dmab__entry e = {
		    .cpu = sg[i].addr, .bus = 0, .len = sg[i].len, .pool = NULL};

		if (for_device)
			dmab__entry_for_device(b, dev, &e, r, &n);
		else
			dmab__entry_for_cpu(b, dev, &e, r, &n);
	}
}

/* @call: a map call of the API (counted, live), else a translation only. */
static int map_list(struct dmab_device *dev, struct dmab_sg *sg, int nents, enum dmab_dir dir,
		    unsigned attrs, bool call, const char *what)
{
	struct dmab__iommu *m = dev->iommu;
	uint64_t total, base = 0;
	size_t bytes;

	if (measure(m, sg, nents, &total, &bytes))
		return dmab__fail(-ERANGE, "%s: %s: the list does not fit in 48 bits of IOVA", what,
				  dev->name);
	pthread_mutex_lock(&m->lock);
	int err = dmab__iommu_rec_reserve(m);

	if (err) {
		pthread_mutex_unlock(&m->lock);
		return dmab__fail(err, "%s: %s: out of memory", what, dev->name);
	}
	if (total && dmab__iova_alloc_fast(m->dom, total, dev->mask, &base)) {
		pthread_mutex_unlock(&m->lock);
		return dmab__fail(-ENOMEM, "%s: %s: no %llu bytes of IOVA space under the mask",
				  what, dev->name, (unsigned long long)total);
	}
	struct dmab__batch b;

	dmab__batch_init(&b);
	dmab__iommu_begin(m, &b);
	err = map_entries(m, sg, nents, base, prot_of(dev, dir), what);
	if (err) {
		(void)dmab__batch_finish(&b);
		dmab__iommu_end(m);
		(void)dmab__iova_free_fast(m->dom, base, total);
		pthread_mutex_unlock(&m->lock);
		return err;
	}
	int nseg = segments(m, sg, nents, base);

	data_sync(&b, dev, sg, nents, dmab__rule(DMAB__CALL_MAP, dir, attrs, dev->coherent), true);
	(void)dmab__batch_finish(&b);
	dmab__iommu_end(m);
	if (total)
		dmab__iommu_rec_add(m, &(struct dmab__iommu_rec){.base = base,
								 .size = total,
								 .first = sg[0].dma_addr,
								 .nents = nents,
								 .bytes = bytes});
	m->segments += (uint64_t)nseg;
	pthread_mutex_unlock(&m->lock);
	if (call)
		count(dev, DMAB__CTR_MAPS, nents);
	return nseg;
}

int dmab__iommu_map_sg(struct dmab_device *dev, struct dmab_sg *sg, int nents, enum dmab_dir dir,
		       unsigned attrs, const char *what)
{
	return map_list(dev, sg, nents, dir, attrs, true, what);
}

/* The live mapping @sg names, checked against it. Under the lock. */
static int lookup(struct dmab__iommu *m, const struct dmab_sg *sg, int nents,
		  struct dmab__iommu_rec **out, const char *what)
{
	uint64_t total = 0;
	size_t bytes;
	struct dmab__iommu_rec *r = NULL;

	if (!measure(m, sg, nents, &total, &bytes) && total)
		r = dmab__iommu_rec_find(m, sg[0].dma_addr);
	*out = r;
	if (!total && !bytes)
		return 0; /* a list of empty entries maps nothing */
	if (!r)
		return dmab__fail(-EINVAL,
				  "%s: %s: bus address 0x%llx is not a mapped list's first", what,
				  m->dev->name, (unsigned long long)sg[0].dma_addr);
	if (r->nents != nents || r->bytes != bytes || r->size != total)
		return dmab__fail(
		    -EINVAL,
		    "%s: %s: the list (%d entries, %zu bytes) is not the one mapped at "
		    "0x%llx (%d entries, %zu bytes)",
		    what, m->dev->name, nents, bytes, (unsigned long long)r->first, r->nents,
		    r->bytes);
	return 0;
}

static int unmap_list(struct dmab_device *dev, struct dmab_sg *sg, int nents, enum dmab_dir dir,
		      unsigned attrs, bool call, const char *what)
{
	struct dmab__iommu *m = dev->iommu;
	struct dmab__iommu_rec *r;

	pthread_mutex_lock(&m->lock);
	int err = lookup(m, sg, nents, &r, what);

	if (!err && call && !dmab__live_drop(&dev->c, (uint64_t)nents, NULL))
		err = dmab__fail(-EINVAL, "%s: %s: %d entries to unmap but fewer are mapped", what,
				 dev->name, nents);
	if (err) {
		pthread_mutex_unlock(&m->lock);
		return err;
	}
	struct dmab__batch b;
	struct dmab__iotlb_gather g;

	dmab__batch_init(&b);
	data_sync(&b, dev, sg, nents, dmab__rule(DMAB__CALL_UNMAP, dir, attrs, dev->coherent),
		  false);
	if (r) {
		dmab__iommu_begin(m, &b);
		dmab__iotlb_gather_init(&g);
		unmap_entries(m, sg, nents, r->base, &g);
		dmab__iotlb_sync(m->t, &g);
		dmab__iommu_end(m);
		(void)dmab__iova_free_fast(m->dom, r->base, r->size);
		dmab__iommu_rec_del(m, r);
	}
	(void)dmab__batch_finish(&b);
	pthread_mutex_unlock(&m->lock);
	if (call)
		count(dev, DMAB__CTR_UNMAPS, 0);
	return 0;
}

int dmab__iommu_unmap_sg(struct dmab_device *dev, struct dmab_sg *sg, int nents, enum dmab_dir dir,
			 unsigned attrs, const char *what)
{
	return unmap_list(dev, sg, nents, dir, attrs, true, what);
}

int dmab__iommu_map_range(struct dmab_device *dev, void *cpu, size_t len, dmab_addr_t *bus)
{
	struct dmab_sg one = {.addr = cpu, .len = len};
	int r =
	    map_list(dev, &one, 1, DMAB_BIDIRECTIONAL, DMAB_ATTR_SKIP_CPU_SYNC, false, "iommu map");

	*bus = one.dma_addr;
	return r < 0 ? r : 0;
}

void dmab__iommu_unmap_range(struct dmab_device *dev, void *cpu, dmab_addr_t bus, size_t len)
{
	struct dmab_sg one = {.addr = cpu, .len = len, .dma_addr = bus, .dma_len = len};

	(void)unmap_list(dev, &one, 1, DMAB_BIDIRECTIONAL, DMAB_ATTR_SKIP_CPU_SYNC, false,
			 "iommu unmap");
}

int dmab__iommu_sync_sg(struct dmab_device *dev, struct dmab_sg *sg, int nents, enum dmab_dir dir,
			bool for_device, const char *what)
{
	struct dmab__iommu *m = dev->iommu;
	struct dmab__iommu_rec *r;

	pthread_mutex_lock(&m->lock);
	int err = lookup(m, sg, nents, &r, what);

	pthread_mutex_unlock(&m->lock);
	if (err)
		return err;
	struct dmab__batch b;
	enum dmab__call call = for_device ? DMAB__CALL_SYNC_FOR_DEVICE : DMAB__CALL_SYNC_FOR_CPU;

	dmab__batch_init(&b);
	data_sync(&b, dev, sg, nents, dmab__rule(call, dir, 0, dev->coherent), for_device);
	(void)dmab__batch_finish(&b);
	return 0;
}
