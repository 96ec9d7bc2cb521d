/* SPDX-License-Identifier: MIT */
/* File descriptors for the translators; see fd.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "fd.h"

int dmab__os_open_read(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

int dmab__os_open_rw(const char *path)
{
	int fd = open(path, O_RDWR | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

int dmab__os_link_name(const char *path, char *buf, size_t len)
{
	char target[256];
	ssize_t n = readlink(path, target, sizeof(target) - 1);

	if (n < 0)
		return -errno;
	target[n] = '\0';
	const char *slash = strrchr(target, '/');

	snprintf(buf, len, "%s", slash ? slash + 1 : target);
	return 0;
}

void dmab__os_close(int fd)
{
	if (fd >= 0)
		(void)close(fd);
}

int dmab__os_pread_all(int fd, void *buf, size_t len, uint64_t off)
{
	char *p = buf;

	while (len) {
		ssize_t n = pread(fd, p, len, (off_t)off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EIO;
		p += n;
		len -= (size_t)n;
		off += (uint64_t)n;
	}
	return 0;
}

int dmab__os_ioctl(int fd, unsigned long req, void *arg)
{
	int r = ioctl(fd, req, arg);

	return r < 0 ? -errno : r;
}

int dmab__os_ioctl_val(int fd, unsigned long req, unsigned long val)
{
	int r = ioctl(fd, req, val);

	return r < 0 ? -errno : r;
}
