/* SPDX-License-Identifier: MIT */
/* Memory for a device without an IOMMU: a hugetlb page below edu's mask. */
#define _GNU_SOURCE /* MAP_HUGETLB */

#include "edu.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

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
