/* SPDX-License-Identifier: MIT */
/* The memory bounce pools are made of (memory.c). */
#ifndef DMAB_BOUNCE_MEMORY_H
#define DMAB_BOUNCE_MEMORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* 2 MiB: a hugepage, and the alignment of every region dmab__mem_alloc gives. */
#define DMAB__MEM_ALIGN ((size_t)2 << 20)

/* A region of library-owned memory, for bounce pools. */
struct dmab__mem {
	void *base;  /* DMAB__MEM_ALIGN aligned */
	size_t len;  /* as asked */
	size_t page; /* DMAB__MEM_ALIGN for hugetlb pages, else the base page size */
	int node;    /* node the first page sits on; -1 if unknown (no NUMA) */
	/* Non-NULL: pages of this device's area (src/mem/area.c), given back
	 * there by dmab__mem_free(). */
	struct dmab_device *area_of;
};

/*
 * Map @len bytes (a multiple of the base page size) of zeroed, readable and
 * writable memory, already faulted in, preferably on @node (-1: anywhere).
 * 2 MiB hugepages when the system has them to give (and @len is a multiple of
 * 2 MiB), else base pages advised for transparent hugepages. If @below is not
 * 0, the whole region lies at virtual addresses <= @below.
 *
 * The node is a preference: when it has no memory left, or NUMA is missing,
 * memory comes from anywhere rather than not at all.
 *
 * Return: 0; -ENOMEM when no memory (or no hole below @below) can be had.
 */
int dmab__mem_alloc(struct dmab__mem *m, size_t len, int node, uintptr_t below);
/* Give back a region from dmab__mem_alloc() (or from a device's area). */
void dmab__mem_free(struct dmab__mem *m);

#endif /* DMAB_BOUNCE_MEMORY_H */
