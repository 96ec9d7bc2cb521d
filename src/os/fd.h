/* SPDX-License-Identifier: MIT */
/*
 * The platform seam, part two: file descriptors, for the translators
 * (pagemap reads, VFIO ioctls). Same rules as os.h: no heap, failure by
 * return value.
 */
#ifndef DMAB_OS_FD_H
#define DMAB_OS_FD_H

#include <stddef.h>
#include <stdint.h>

/* Open @path read-only, close-on-exec. Post: an fd >= 0 or a negative errno. */
int dmab__os_open_read(const char *path);
void dmab__os_close(int fd);

/*
 * Read exactly @len bytes at @off of @fd (retrying short reads). Post: 0;
 * -EIO at end of file; another negative errno.
 */
int dmab__os_pread_all(int fd, void *buf, size_t len, uint64_t off);

/* ioctl(@fd, @req, @arg). Post: its result (>= 0) or a negative errno. */
int dmab__os_ioctl(int fd, unsigned long req, void *arg);

#endif /* DMAB_OS_FD_H */
