/* SPDX-License-Identifier: MIT */
/* Memory for a device without an IOMMU: a hugetlb page below edu's mask. */
#define _GNU_SOURCE /* MAP_HUGETLB */

#include "edu.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define HUGE_LEN   (2u * 1024 * 1024)
#define HUGE_TRIES 32

/*
 * UIO has no IOMMU: the buffer's physical address is the bus address, so it
 * must be pinned (hugetlb) and below edu's mask. Take hugepages until one
 * lies low enough and give the others back.
 */
int edu_huge_low(void **cpu, size_t *len, char *why, size_t whylen)
{
	void *tried[HUGE_TRIES];
	int n = 0, i, found = 0;
	uint64_t pa = 0;

	for (n = 0; n < HUGE_TRIES && !found; n++) {
		void *p = mmap(NULL, HUGE_LEN, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB | MAP_POPULATE, -1, 0);
		FILE *f;
		int fd;

		if (p == MAP_FAILED) {
			snprintf(why, whylen,
				 n ? "no hugepage below 256 MiB among %d (last at 0x%llx)"
				   : "no hugepages (echo N > /proc/sys/vm/nr_hugepages)",
				 n, (unsigned long long)pa);
			break;
		}
		tried[n] = p;
		memset(p, 0, 64);
		f = fopen("/proc/self/pagemap", "r");
		fd = f ? fileno(f) : -1;
		if (fd < 0 || edu_pagemap_phys(fd, (uintptr_t)p, &pa) < 0) {
			snprintf(why, whylen, "cannot read the hugepage's physical address");
			if (f)
				fclose(f);
			n++;
			break;
		}
		fclose(f);
		if (pa + HUGE_LEN <= EDU_DMA_LIMIT)
			found = 1;
	}
	for (i = 0; i < n - found; i++)
		munmap(tried[i], HUGE_LEN);
	if (!found) {
		if (n == HUGE_TRIES)
			snprintf(why, whylen, "no hugepage below 256 MiB among %d (last at 0x%llx)",
				 n, (unsigned long long)pa);
		return -ENOMEM;
	}
	*cpu = tried[n - 1];
	*len = HUGE_LEN;
	return 0;
}

/* The physical address of the hugepage at @p (touched first), or 0. */
static uint64_t huge_phys(void *p)
{
	FILE *f = fopen("/proc/self/pagemap", "r");
	uint64_t pa = 0;

	memset(p, 0, 64);
	if (f && edu_pagemap_phys(fileno(f), (uintptr_t)p, &pa) < 0)
		pa = 0;
	if (f)
		fclose(f);
	return pa;
}

int edu_huge_split(void **cpu, size_t *len, char *why, size_t whylen)
{
	int fd = memfd_create("edu_split", MFD_HUGETLB);
	long low[2] = {-1, -1}; /* file pages below the limit */
	uint64_t pa[2] = {0, 0}, last = 0;
	int nlow = 0, i;

	if (fd < 0) {
		snprintf(why, whylen, "memfd_create(MFD_HUGETLB): %s", strerror(errno));
		return -ENOMEM;
	}
	for (i = 0; i < HUGE_TRIES && nlow < 2; i++) {
		off_t off = (off_t)i * HUGE_LEN;
		void *p;
		uint64_t at;

		if (ftruncate(fd, off + HUGE_LEN) < 0 ||
		    (p = mmap(NULL, HUGE_LEN, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd,
			      off)) == MAP_FAILED)
			break;
		at = huge_phys(p);
		munmap(p, HUGE_LEN);
		last = at;
		/* a page too high, or adjacent to the first, is kept (so that it
		 * is not handed out again) and given back at the end */
		if (at && at + HUGE_LEN <= EDU_DMA_LIMIT &&
		    !(nlow == 1 && (at == pa[0] + HUGE_LEN || at + HUGE_LEN == pa[0]))) {
			low[nlow] = i;
			pa[nlow++] = at;
		}
	}
	for (int k = 0; k < i; k++)
		if (k != low[0] && k != low[1])
			(void)fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
					(off_t)k * HUGE_LEN, HUGE_LEN);
	if (nlow < 2) {
		snprintf(why, whylen,
			 "no two discontiguous hugepages below 256 MiB among %d (%d low, the "
			 "last at 0x%llx; echo N > /proc/sys/vm/nr_hugepages)",
			 i, nlow, (unsigned long long)last);
		close(fd);
		return -ENOMEM;
	}
	/* 4 MiB at a 2 MiB boundary, the two pages side by side */
	uint8_t *res = mmap(NULL, 3 * HUGE_LEN, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int err = res == MAP_FAILED ? -ENOMEM : 0;

	if (!err) {
		uint8_t *base =
		    (uint8_t *)(((uintptr_t)res + HUGE_LEN - 1) & ~(uintptr_t)(HUGE_LEN - 1));

		if (base > res)
			munmap(res, (size_t)(base - res));
		munmap(base + 2 * HUGE_LEN, (size_t)(res + 3 * HUGE_LEN - (base + 2 * HUGE_LEN)));
		for (int k = 0; k < 2 && !err; k++)
			if (mmap(base + k * HUGE_LEN, HUGE_LEN, PROT_READ | PROT_WRITE,
				 MAP_SHARED | MAP_FIXED | MAP_POPULATE, fd,
				 (off_t)low[k] * HUGE_LEN) == MAP_FAILED)
				err = -ENOMEM;
		if (err)
			munmap(base, 2 * HUGE_LEN);
		*cpu = base;
	}
	close(fd); /* the mappings keep the pages */
	if (err) {
		snprintf(why, whylen, "mapping the two hugepages: %s", strerror(errno));
		return err;
	}
	*len = 2 * HUGE_LEN;
	return 0;
}
