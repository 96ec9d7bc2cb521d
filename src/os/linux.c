/* SPDX-License-Identifier: MIT */
/* The platform seam on Linux; see os.h for what each primitive promises. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "os.h"

size_t dmab__os_page_size(void)
{
	long page = sysconf(_SC_PAGESIZE);

	return page >= 4096 && (page & (page - 1)) == 0 ? (size_t)page : 4096;
}

unsigned dmab__os_cpu_count(void)
{
	long cpus = sysconf(_SC_NPROCESSORS_CONF);

	return cpus > 0 && cpus < (1L << 20) ? (unsigned)cpus : 1;
}

int dmab__os_current_cpu(void)
{
	int cpu = sched_getcpu();

	return cpu < 0 ? -1 : cpu;
}

const char *dmab__os_getenv(const char *name)
{
	return getenv(name);
}

ssize_t dmab__os_read_file(const char *path, char *buf, size_t len)
{
	size_t got = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	buf[0] = '\0';
	if (fd < 0)
		return -errno;
	while (got + 1 < len) {
		ssize_t n = read(fd, buf + got, len - 1 - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int err = -errno;

			close(fd);
			buf[0] = '\0';
			return err;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	buf[got] = '\0';
	return (ssize_t)got;
}

#define PROT	   (PROT_READ | PROT_WRITE)
#define ANON	   (MAP_PRIVATE | MAP_ANONYMOUS)
#define HUGE_FLAGS (MAP_HUGETLB | (21 << MAP_HUGE_SHIFT))

void *dmab__os_map(void *hint, size_t len, unsigned flags)
{
	int f = ANON;

	if (flags & DMAB__OS_MAP_HUGE)
		f |= HUGE_FLAGS;
	/* MAP_FIXED_NOREPLACE never replaces what is there; kernels before
	 * 4.17 (and some emulators) take it as a plain hint, hence the check. */
	if (flags & DMAB__OS_MAP_EXACT)
		f |= MAP_FIXED_NOREPLACE;
	void *p = mmap(hint, len, PROT, f, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	if ((flags & DMAB__OS_MAP_EXACT) && p != hint) {
		munmap(p, len);
		return NULL;
	}
	return p;
}

void dmab__os_unmap(void *base, size_t len)
{
	(void)munmap(base, len);
}

void dmab__os_advise_hugepage(void *base, size_t len)
{
	(void)madvise(base, len, MADV_HUGEPAGE);
}

int dmab__os_populate(void *base, size_t len)
{
	return madvise(base, len, MADV_POPULATE_WRITE) == 0 ? 0 : -1;
}

/* The NUMA primitives are topology.c's: they go through its table, which a
 * test may replace with a fake machine. */
