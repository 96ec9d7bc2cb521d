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
/* Open @path read-write, close-on-exec. Post: an fd >= 0 or a negative errno. */
int dmab__os_open_rw(const char *path);
void dmab__os_close(int fd);

/*
 * The last component of the target of symlink @path, into @buf of @len
 * bytes. Post: 0, or a negative errno (-ENOENT: no such link).
 */
int dmab__os_link_name(const char *path, char *buf, size_t len);

/*
 * Read exactly @len bytes at @off of @fd (retrying short reads). Post: 0;
 * -EIO at end of file; another negative errno.
 */
int dmab__os_pread_all(int fd, void *buf, size_t len, uint64_t off);

/* ioctl(@fd, @req, @arg). Post: its result (>= 0) or a negative errno. */
int dmab__os_ioctl(int fd, unsigned long req, void *arg);
/* The same, for requests whose argument is a plain integer. */
int dmab__os_ioctl_val(int fd, unsigned long req, unsigned long val);

#endif /* DMAB_OS_FD_H */
