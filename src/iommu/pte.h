/* SPDX-License-Identifier: MIT */
/*
 * ARM VMSAv8-64 stage-1 descriptors, 4 KiB granule, 48-bit input: the bit
 * layout the emulated IOMMU writes and its table walker reads (Arm ARM,
 * "VMSAv8-64 translation table format descriptors").
 *
 * Four levels of 512 eight-byte entries. Level 3 holds pages, level 2 may
 * hold 2 MiB blocks (level 1's 1 GiB blocks are not used here), levels 0-2
 * hold table descriptors.
 */
#ifndef DMAB_IOMMU_PTE_H
#define DMAB_IOMMU_PTE_H

#include <stdbool.h>
#include <stdint.h>

#define DMAB__IOPT_GRANULE_SHIFT 12
#define DMAB__IOPT_GRANULE	 ((uint64_t)1 << DMAB__IOPT_GRANULE_SHIFT)
#define DMAB__IOPT_BLOCK_SHIFT	 21
#define DMAB__IOPT_BLOCK	 ((uint64_t)1 << DMAB__IOPT_BLOCK_SHIFT)
#define DMAB__IOPT_IAS		 48 /* input (IOVA) bits */
#define DMAB__IOPT_OAS		 48 /* output address bits */
#define DMAB__IOPT_LEVELS	 4
#define DMAB__IOPT_ENTRIES	 512
#define DMAB__IOPT_LEAF_LEVEL	 3
#define DMAB__IOPT_BLOCK_LEVEL	 2

/* Bits [1:0]: bit 0 valid; 0b11 table (levels 0-2) or page (level 3), 0b01 block. */
#define DMAB__PTE_VALID	     ((uint64_t)1 << 0)
#define DMAB__PTE_TYPE_MASK  ((uint64_t)3)
#define DMAB__PTE_TYPE_BLOCK ((uint64_t)1)
#define DMAB__PTE_TYPE_TABLE ((uint64_t)3)
#define DMAB__PTE_TYPE_PAGE  ((uint64_t)3)

/* Leaf (page and block) attributes. */
#define DMAB__PTE_ATTRINDX_SHIFT 2 /* [4:2], an index into MAIR */
#define DMAB__PTE_ATTRINDX_MASK	 ((uint64_t)7 << DMAB__PTE_ATTRINDX_SHIFT)
#define DMAB__PTE_NS		 ((uint64_t)1 << 5)
#define DMAB__PTE_AP_UNPRIV	 ((uint64_t)1 << 6) /* AP[1]: EL0 may access */
#define DMAB__PTE_AP_RDONLY	 ((uint64_t)1 << 7) /* AP[2]: read-only */
#define DMAB__PTE_SH_SHIFT	 8		    /* [9:8] */
#define DMAB__PTE_SH_MASK	 ((uint64_t)3 << DMAB__PTE_SH_SHIFT)
#define DMAB__PTE_SH_OS		 ((uint64_t)2 << DMAB__PTE_SH_SHIFT)
#define DMAB__PTE_SH_IS		 ((uint64_t)3 << DMAB__PTE_SH_SHIFT)
#define DMAB__PTE_AF		 ((uint64_t)1 << 10)
#define DMAB__PTE_NG		 ((uint64_t)1 << 11)
#define DMAB__PTE_CONT		 ((uint64_t)1 << 52)
#define DMAB__PTE_PXN		 ((uint64_t)1 << 53)
#define DMAB__PTE_UXN		 ((uint64_t)1 << 54)
#define DMAB__PTE_XN		 (DMAB__PTE_PXN | DMAB__PTE_UXN)
#define DMAB__PTE_SW_SYNC	 ((uint64_t)1 << 55) /* software: entry cleaned (racing mappers) */

/* Table descriptor attributes (hierarchical limits; written as 0 here). */
#define DMAB__PTE_PXNTABLE	((uint64_t)1 << 59)
#define DMAB__PTE_XNTABLE	((uint64_t)1 << 60)
#define DMAB__PTE_APTABLE_SHIFT 61 /* [62:61] */
#define DMAB__PTE_NSTABLE	((uint64_t)1 << 63)

/* Output address, bits [47:12]; a 2 MiB block uses [47:21]. */
#define DMAB__PTE_ADDR_MASK ((uint64_t)0x0000fffffffff000ull)

/* MAIR indices, as the kernel's io-pgtable programs MAIR for stage 1. */
#define DMAB__MAIR_IDX_NC    0 /* normal, non-cacheable */
#define DMAB__MAIR_IDX_CACHE 1 /* normal, write-back cacheable */
#define DMAB__MAIR_IDX_DEV   2 /* device nGnRE */

/* Mapping permissions and attributes (the kernel's IOMMU_* prot flags). */
#define DMAB__IOMMU_READ   (1 << 0)
#define DMAB__IOMMU_WRITE  (1 << 1)
#define DMAB__IOMMU_CACHE  (1 << 2) /* the device's accesses snoop: cacheable, inner shareable */
#define DMAB__IOMMU_NOEXEC (1 << 3)
#define DMAB__IOMMU_MMIO   (1 << 4) /* device memory */
#define DMAB__IOMMU_PRIV   (1 << 5) /* privileged accesses only */
#define DMAB__IOMMU_PROT_ALL                                                                       \
	(DMAB__IOMMU_READ | DMAB__IOMMU_WRITE | DMAB__IOMMU_CACHE | DMAB__IOMMU_NOEXEC |           \
	 DMAB__IOMMU_MMIO | DMAB__IOMMU_PRIV)

/* Address bits translated by one entry at @lvl: 39, 30, 21, 12. */
static inline unsigned dmab__iopt_shift(int lvl)
{
	return DMAB__IOPT_GRANULE_SHIFT + 9u * (unsigned)(DMAB__IOPT_LEAF_LEVEL - lvl);
}

static inline unsigned dmab__iopt_index(uint64_t iova, int lvl)
{
	return (unsigned)(iova >> dmab__iopt_shift(lvl)) & (DMAB__IOPT_ENTRIES - 1);
}

/* A table descriptor is 0b11 above level 3; at level 3 0b11 is a page. */
static inline bool dmab__pte_is_table(uint64_t pte, int lvl)
{
	return lvl < DMAB__IOPT_LEAF_LEVEL && (pte & DMAB__PTE_TYPE_MASK) == DMAB__PTE_TYPE_TABLE;
}

/*
 * The attribute bits of a leaf for @prot (without type and address). Stage 1:
 * AF set (no access-flag faults), nG (the table belongs to one context), AP
 * from read/write/privileged, memory type and shareability from CACHE and
 * MMIO, XN for NOEXEC.
 */
static inline uint64_t dmab__pte_prot(int prot)
{
	uint64_t pte = DMAB__PTE_AF | DMAB__PTE_NG;
	uint64_t idx;

	if (!(prot & DMAB__IOMMU_PRIV))
		pte |= DMAB__PTE_AP_UNPRIV;
	if (!(prot & DMAB__IOMMU_WRITE))
		pte |= DMAB__PTE_AP_RDONLY;
	if (prot & DMAB__IOMMU_MMIO)
		idx = DMAB__MAIR_IDX_DEV;
	else if (prot & DMAB__IOMMU_CACHE)
		idx = DMAB__MAIR_IDX_CACHE;
	else
		idx = DMAB__MAIR_IDX_NC;
	pte |= idx << DMAB__PTE_ATTRINDX_SHIFT;
	pte |= (prot & DMAB__IOMMU_CACHE) ? DMAB__PTE_SH_IS : DMAB__PTE_SH_OS;
	if (prot & DMAB__IOMMU_NOEXEC)
		pte |= DMAB__PTE_XN;
	return pte;
}

#endif /* DMAB_IOMMU_PTE_H */
