/* SPDX-License-Identifier: MIT */
/* The platform seam on Linux: what the checker asks of the process (os.h). */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "os.h"

int dmab__os_thread_stack(uintptr_t *lo, uintptr_t *hi)
{
	pthread_attr_t a;
	void *base;
	size_t size;

	if (pthread_getattr_np(pthread_self(), &a))
		return -1;
	int err = pthread_attr_getstack(&a, &base, &size);

	pthread_attr_destroy(&a);
	if (err)
		return -1;
	*lo = (uintptr_t)base;
	*hi = (uintptr_t)base + size;
	return 0;
}

/* One line of /proc/self/maps: "lo-hi rwxp ...". 0 if it does not parse. */
static int parse_line(const char *s, uintptr_t *lo, uintptr_t *hi, unsigned *prot)
{
	char *end;
	unsigned long long a = strtoull(s, &end, 16), b;

	if (*end != '-')
		return 0;
	b = strtoull(end + 1, &end, 16);
	if (*end != ' ' || strlen(end) < 4)
		return 0;
	*lo = (uintptr_t)a;
	*hi = (uintptr_t)b;
	*prot = (end[1] == 'r' ? DMAB__OS_PROT_READ : 0) |
		(end[2] == 'w' ? DMAB__OS_PROT_WRITE : 0) |
		(end[3] == 'x' ? DMAB__OS_PROT_EXEC : 0);
	return 1;
}

int dmab__os_each_mapping(int (*fn)(void *arg, uintptr_t lo, uintptr_t hi, unsigned prot),
			  void *arg)
{
	char buf[4096];
	size_t have = 0;
	int fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	for (;;) {
		ssize_t n = read(fd, buf + have, sizeof(buf) - 1 - have);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int err = -errno;

			close(fd);
			return err;
		}
		have += (size_t)n;
		buf[have] = '\0';
		char *line = buf, *nl;

		while ((nl = strchr(line, '\n'))) {
			uintptr_t lo, hi;
			unsigned prot;

			*nl = '\0';
			int r = parse_line(line, &lo, &hi, &prot) ? fn(arg, lo, hi, prot) : 0;

			if (r) {
				close(fd);
				return r;
			}
			line = nl + 1;
		}
		/* Keep the partial last line; a line longer than the buffer
		 * (a very long path) is cut: its address part is at its start. */
		have = strlen(line);
		if (have == sizeof(buf) - 1) {
			line[64] = '\0';
			have = 64;
		}
		memmove(buf, line, have);
		if (n == 0)
			break;
	}
	close(fd);
	return 0;
}

uint64_t dmab__os_monotonic_ns(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts))
		return 0;
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int dmab__os_protect(void *base, size_t len, unsigned prot)
{
	int p = ((prot & DMAB__OS_PROT_READ) ? PROT_READ : 0) |
		((prot & DMAB__OS_PROT_WRITE) ? PROT_WRITE : 0) |
		((prot & DMAB__OS_PROT_EXEC) ? PROT_EXEC : 0);

	return mprotect(base, len, p ? p : PROT_NONE) ? -errno : 0;
}
