/* SPDX-License-Identifier: MIT */
/* Fake sysfs and device-tree files for the probes' tests: a file at a
 * relative path under a root (directories made as needed), and removing the
 * whole tree afterwards. */
#ifndef DMAB_TEST_FAKE_TREE_H
#define DMAB_TEST_FAKE_TREE_H

#include <fcntl.h>
#include <stdlib.h>
#include <ftw.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static inline void put_file(const char *root, const char *rel, const void *data, size_t len)
{
	char path[1024];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	for (char *p = path + strlen(root) + 1; (p = strchr(p, '/')) != NULL; p++) {
		*p = '\0';
		mkdir(path, 0755);
		*p = '/';
	}
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || write(fd, data, len) != (ssize_t)len) {
		perror(path);
		_exit(2);
	}
	close(fd);
}

static inline int fake_tree_rm(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	(void)st;
	(void)flag;
	(void)f;
	return remove(path);
}

static inline void remove_tree(const char *root)
{
	nftw(root, fake_tree_rm, 16, FTW_DEPTH | FTW_PHYS);
}

/* CMocka fixtures: a fresh tree at fake_root for each test, removed after. */
static char fake_root[64];

static inline int fake_tree_setup(void **state)
{
	(void)state;
	snprintf(fake_root, sizeof(fake_root), "/tmp/dmab-fakeXXXXXX");
	return mkdtemp(fake_root) ? 0 : -1;
}

static inline int fake_tree_teardown(void **state)
{
	(void)state;
	remove_tree(fake_root);
	return 0;
}

#endif
