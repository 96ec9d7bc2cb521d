/* SPDX-License-Identifier: MIT */
/* The emulated IOMMU's table: creation, table pages, lookups. */
#include <errno.h>
#include <stdlib.h>

#include "../internal.h"
#include "pgtable_impl.h"

int dmab__iopt_check_range(uint64_t iova, uint64_t size, const char *what)
{
	if (size == 0)
		return dmab__fail(-EINVAL, "iommu %s: size 0", what);
	if ((iova | size) & (DMAB__IOPT_GRANULE - 1))
		return dmab__fail(-EINVAL, "iommu %s: iova 0x%llx size 0x%llx not 4 KiB aligned",
				  what, (unsigned long long)iova, (unsigned long long)size);
	if (iova + size < iova || iova + size > ((uint64_t)1 << DMAB__IOPT_IAS))
		return dmab__fail(-EINVAL,
				  "iommu %s: [0x%llx, +0x%llx) leaves the 48-bit IOVA space", what,
				  (unsigned long long)iova, (unsigned long long)size);
	return 0;
}

int dmab__iopt_node_new(struct dmab__iopt *t, int lvl, struct dmab__iopt_node **out)
{
	struct dmab__iopt_node *n = calloc(1, sizeof(*n));
	uint64_t addr = 0;

	if (!n)
		return dmab__fail(-ENOMEM, "iommu: no memory for a table record");
	if (lvl < DMAB__IOPT_LEAF_LEVEL) {
		n->child = calloc(DMAB__IOPT_ENTRIES, sizeof(*n->child));
		if (!n->child) {
			free(n);
			return dmab__fail(-ENOMEM, "iommu: no memory for a table record");
		}
	}
	n->pte = t->pages.alloc(t->pages.ctx, &addr);
	if (!n->pte) {
		free(n->child);
		free(n);
		return dmab__fail(-ENOMEM,
				  "iommu: the page allocator has no table page (%llu held)",
				  (unsigned long long)t->c.table_pages);
	}
	if (((uintptr_t)n->pte | addr) & (DMAB__IOPT_GRANULE - 1) ||
	    addr >= ((uint64_t)1 << DMAB__IOPT_OAS)) {
		t->pages.free(t->pages.ctx, n->pte);
		free(n->child);
		free(n);
		return dmab__fail(-EINVAL,
				  "iommu: the page allocator gave a table page not 4 KiB aligned "
				  "or beyond 48 bits (walker address 0x%llx)",
				  (unsigned long long)addr);
	}
	n->addr = addr;
	*out = n;
	return 0;
}

void dmab__iopt_node_drop(struct dmab__iopt *t, struct dmab__iopt_node *n)
{
	t->pages.free(t->pages.ctx, n->pte);
	free(n->child);
	free(n);
}

void dmab__iopt_node_linked(struct dmab__iopt *t)
{
	t->c.table_pages++;
	if (t->c.table_pages > t->c.table_pages_peak)
		t->c.table_pages_peak = t->c.table_pages;
}

void dmab__iopt_node_free(struct dmab__iopt *t, struct dmab__iopt_node *n)
{
	dmab__iopt_node_drop(t, n);
	t->c.table_pages--;
	t->c.tables_freed++;
}

static void free_tree(struct dmab__iopt *t, struct dmab__iopt_node *n, int lvl)
{
	if (lvl < DMAB__IOPT_LEAF_LEVEL)
		for (unsigned i = 0; i < DMAB__IOPT_ENTRIES; i++)
			if (n->child[i])
				free_tree(t, n->child[i], lvl + 1);
	dmab__iopt_node_free(t, n);
}

int dmab__iopt_create(const struct dmab__iopt_config *cfg, struct dmab__iopt **out)
{
	struct dmab__iopt *t;
	int err;

	if (!cfg || !out || !cfg->pages.alloc || !cfg->pages.free)
		return dmab__fail(-EINVAL, "iommu: no config or no table page callbacks");
	if (cfg->walk == DMAB__IOPT_COHERENT) {
		if (cfg->walker)
			return dmab__fail(-EINVAL,
					  "iommu: a coherent walker takes no clean callbacks");
	} else if (cfg->walk == DMAB__IOPT_PER_PTE || cfg->walk == DMAB__IOPT_DEFERRED) {
		if (!cfg->walker || !cfg->walker->clean || !cfg->walker->barrier)
			return dmab__fail(-EINVAL, "iommu: a non-coherent walker needs clean and "
						   "barrier callbacks");
		if (cfg->line_size < 8 || cfg->line_size > 4096 ||
		    (cfg->line_size & (cfg->line_size - 1)))
			return dmab__fail(-EINVAL,
					  "iommu: line size %zu is not a power of two in "
					  "[8, 4096]",
					  cfg->line_size);
	} else {
		return dmab__fail(-EINVAL, "iommu: unknown walker mode %d", (int)cfg->walk);
	}
	t = calloc(1, sizeof(*t));
	if (!t)
		return dmab__fail(-ENOMEM, "iommu: no memory for a table");
	t->walk = cfg->walk;
	t->pages = cfg->pages;
	t->tlb = cfg->tlb;
	if (cfg->walk == DMAB__IOPT_COHERENT) {
		t->ops = &dmab__iopt_ops_coherent;
	} else {
		t->walker = *cfg->walker;
		t->line_shift = (unsigned)__builtin_ctzll(cfg->line_size);
		t->ops = cfg->walk == DMAB__IOPT_PER_PTE ? &dmab__iopt_ops_per_pte
							 : &dmab__iopt_ops_deferred;
	}
	err = dmab__iopt_node_new(t, 0, &t->root);
	if (err) {
		free(t);
		return err;
	}
	dmab__iopt_node_linked(t);
	/* The walker may read the empty root as soon as its address is out. */
	if (t->walk != DMAB__IOPT_COHERENT)
		dmab__iopt_clean(t, t->root->pte, DMAB__IOPT_GRANULE, &t->c.table_lines);
	*out = t;
	return 0;
}

void dmab__iopt_destroy(struct dmab__iopt *t)
{
	if (!t)
		return;
	for (int l = 0; l < DMAB__IOPT_LEVELS; l++)
		while (t->stash[l]) {
			struct dmab__iopt_node *n = t->stash[l];

			t->stash[l] = n->next;
			dmab__iopt_node_drop(t, n);
		}
	free_tree(t, t->root, 0);
	free(t);
}

const struct dmab__iopt_ops *dmab__iopt_ops(const struct dmab__iopt *t)
{
	return t->ops;
}

const struct dmab__iopt_counters *dmab__iopt_counters(const struct dmab__iopt *t)
{
	return &t->c;
}

uint64_t dmab__iopt_root_addr(const struct dmab__iopt *t)
{
	return t->root->addr;
}

const uint64_t *dmab__iopt_root(const struct dmab__iopt *t)
{
	return t->root->pte;
}

int dmab__iopt_map(struct dmab__iopt *t, uint64_t iova, uint64_t paddr, uint64_t size, int prot)
{
	return t->ops->map(t, iova, paddr, size, prot);
}

int dmab__iopt_sync_map(struct dmab__iopt *t, uint64_t iova, uint64_t size)
{
	if (!t->ops->sync_map)
		return dmab__fail(-EINVAL, "iommu sync_map: the table's walker does not defer");
	return t->ops->sync_map(t, iova, size);
}

int dmab__iopt_iova_to_phys(const struct dmab__iopt *t, uint64_t iova, uint64_t *paddr)
{
	const struct dmab__iopt_node *n = t->root;

	if (iova >= ((uint64_t)1 << DMAB__IOPT_IAS))
		return dmab__fail(-EFAULT, "iommu: iova 0x%llx beyond 48 bits",
				  (unsigned long long)iova);
	for (int lvl = 0; lvl < DMAB__IOPT_LEVELS; lvl++) {
		unsigned i = dmab__iopt_index(iova, lvl);
		uint64_t pte = n->pte[i], span = (uint64_t)1 << dmab__iopt_shift(lvl);

		if (!(pte & DMAB__PTE_VALID))
			break;
		if (dmab__pte_is_table(pte, lvl)) {
			n = n->child[i];
			continue;
		}
		*paddr = (pte & DMAB__PTE_ADDR_MASK & ~(span - 1)) | (iova & (span - 1));
		return 0;
	}
	return dmab__fail(-EFAULT, "iommu: nothing mapped at iova 0x%llx",
			  (unsigned long long)iova);
}
