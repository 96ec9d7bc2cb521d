/* SPDX-License-Identifier: MIT */
/*
 * The simulated device behind an emulated IOMMU: its DMA addresses are
 * IOVAs, translated by walking the ARM LPAE stage-1 table (the descriptor
 * format of src/iommu/pte.h) from the root the library attached. The walker
 * is not cache-coherent: every descriptor is read from the DRAM view of the
 * memory holding it, so a descriptor the CPU wrote and did not clean (and
 * complete) is not seen, and the access faults, as on a non-coherent SMMU.
 * The simulator keeps no TLB: every access walks.
 */
#include <errno.h>
#include <string.h>

#include "../src/iommu/pte.h"
#include "model.h"

int dmab__sim_attach(struct dmab_sim *sim, uint64_t root)
{
	if (root && sim->ttbr)
		return dmab__fail(-EBUSY, "device_create: the simulator's device already "
					  "translates through another device's IOMMU");
	sim->ttbr = root;
	sim->faulted = false;
	return 0;
}

/* A descriptor as the walker sees it: from DRAM (or uncached memory). */
static bool read_desc(struct dmab_sim *sim, uint64_t addr, uint64_t *desc)
{
	struct sim_region *r = dmab__sim_find(sim, (uintptr_t)addr);

	if (!r || addr + sizeof(*desc) > r->base + r->len)
		return false;
	const uint8_t *mem = r->dram ? r->dram : (const uint8_t *)r->base;

	memcpy(desc, mem + (addr - r->base), sizeof(*desc));
	return true;
}

static int fault(struct dmab_sim *sim, uint64_t iova, int lvl, const char *reason, const char *what)
{
	sim->faulted = true;
	sim->fault = (struct dmab_sim_fault){.iova = iova, .level = lvl, .reason = reason};
	sim->st.translation_faults++;
	return dmab__fail(-EFAULT, "%s: translation fault at iova 0x%llx, level %d: %s", what,
			  (unsigned long long)iova, lvl, reason);
}

/*
 * Translate @iova: *@pa, and *@left the bytes from it to the end of its
 * page or block. Return: 0 or -EFAULT (recorded).
 */
static int translate(struct dmab_sim *sim, uint64_t iova, bool write, uint64_t *pa, uint64_t *left,
		     const char *what)
{
	uint64_t table = sim->ttbr;

	if (iova >> DMAB__IOPT_IAS)
		return fault(sim, iova, 0, "address beyond the 48-bit input range", what);
	for (int lvl = 0; lvl < DMAB__IOPT_LEVELS; lvl++) {
		uint64_t desc, span = (uint64_t)1 << dmab__iopt_shift(lvl);

		if (!read_desc(sim, table + 8 * (uint64_t)dmab__iopt_index(iova, lvl), &desc))
			return fault(sim, iova, lvl, "table not in simulated memory", what);
		if (!(desc & DMAB__PTE_VALID))
			return fault(sim, iova, lvl, "invalid descriptor", what);
		if (dmab__pte_is_table(desc, lvl)) {
			table = desc & DMAB__PTE_ADDR_MASK;
			continue;
		}
		bool leaf = lvl == DMAB__IOPT_LEAF_LEVEL
				? (desc & DMAB__PTE_TYPE_MASK) == DMAB__PTE_TYPE_PAGE
				: lvl >= 1 && (desc & DMAB__PTE_TYPE_MASK) == DMAB__PTE_TYPE_BLOCK;

		if (!leaf)
			return fault(sim, iova, lvl, "reserved descriptor type", what);
		if (!(desc & DMAB__PTE_AF))
			return fault(sim, iova, lvl, "access flag clear", what);
		if (write && (desc & DMAB__PTE_AP_RDONLY))
			return fault(sim, iova, lvl, "write to a read-only page", what);
		*pa = (desc & DMAB__PTE_ADDR_MASK & ~(span - 1)) | (iova & (span - 1));
		*left = span - (iova & (span - 1));
		return 0;
	}
	return fault(sim, iova, DMAB__IOPT_LEAF_LEVEL, "no leaf", what);
}

int dmab__sim_walk_dma(struct dmab_sim *sim, dmab_addr_t iova, void *dst, const void *src,
		       size_t len, const char *what)
{
	bool write = src != NULL;

	if (iova + len < iova)
		return fault(sim, iova, 0, "range wraps", what);
	/* Check the whole range first: a fault moves no byte. */
	for (int pass = 0; pass < 2; pass++) {
		for (size_t done = 0; done < len;) {
			uint64_t pa = 0, left = 0;
			int err = translate(sim, iova + done, write, &pa, &left, what);

			if (err)
				return err;
			size_t n = left < len - done ? (size_t)left : len - done;

			if (pass == 0) {
				err = dmab__sim_phys_check(sim, pa, n, what);
				if (err)
					return err;
			} else {
				dmab__sim_phys_copy(sim, (uintptr_t)pa,
						    dst ? (uint8_t *)dst + done : NULL,
						    src ? (const uint8_t *)src + done : NULL, n);
			}
			done += n;
		}
	}
	return 0;
}

int dmab_sim_last_fault(const struct dmab_sim *sim, struct dmab_sim_fault *out)
{
	if (!sim || !out)
		return dmab__fail(-EINVAL, "sim_last_fault: NULL %s", sim ? "output" : "simulator");
	struct dmab_sim *s = (struct dmab_sim *)sim;
	int err = 0;

	pthread_mutex_lock(&s->lock);
	if (s->faulted)
		*out = s->fault;
	else
		err = -ENOENT;
	pthread_mutex_unlock(&s->lock);
	return err;
}
