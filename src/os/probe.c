/* SPDX-License-Identifier: MIT */
/*
 * What a backend's probe needs from the operating system (declared in
 * arch/arch.h): an instruction tried in a short-lived child process, small
 * files, and the names in a directory (sysfs, the device tree).
 *
 * The child is how a probe learns whether an instruction traps without
 * touching the caller's signal dispositions: the parent's handlers are never
 * replaced, not even for a moment. In the child the fault signals are
 * blocked, so a trapping instruction kills it with the default action (the
 * kernel, and qemu-user, do not deliver a blocked synchronous fault to a
 * handler) whatever handler the caller had installed. Success is judged
 * from the pipe (the child writes its whole result, then exits), so a
 * caller that reaps children itself (SIGCHLD ignored) still gets an answer.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../arch/arch.h"
#include "os.h"

static void child(int wr, void (*fn)(void *), void *buf, size_t len)
{
	sigset_t faults;
	struct rlimit none = {0, 0};
	const unsigned char *p = buf;
	unsigned char done = 1;

	sigemptyset(&faults);
	sigaddset(&faults, SIGILL);
	sigaddset(&faults, SIGSEGV);
	sigaddset(&faults, SIGBUS);
	sigaddset(&faults, SIGFPE);
	sigprocmask(SIG_BLOCK, &faults, NULL);
	setrlimit(RLIMIT_CORE, &none); /* an expected trap leaves no core file */
	fn(buf);
	while (len) {
		ssize_t n = write(wr, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			_exit(1);
		p += n;
		len -= (size_t)n;
	}
	if (write(wr, &done, 1) != 1)
		_exit(1);
	_exit(0);
}

/* Read the child's result; true if all of it (and the end mark) came. */
static bool collect(int rd, void *buf, size_t len)
{
	unsigned char tmp[256], *p = len <= sizeof(tmp) ? tmp : NULL;
	size_t got = 0;

	if (!p)
		return false;
	for (;;) {
		ssize_t n = read(rd, p + got, sizeof(tmp) - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
		if (got == sizeof(tmp))
			break;
	}
	if (got != len + 1 || p[len] != 1)
		return false;
	memcpy(buf, p, len);
	return true;
}

int dmab__arch_child(void (*fn)(void *buf), void *buf, size_t len, char *why, size_t whylen)
{
	int fds[2], status = 0, err;
	pid_t pid, w;
	bool ok;

	if (len >= 256) {
		snprintf(why, whylen, "a probe result of %zu bytes is too large", len);
		return -EINVAL;
	}
	if (pipe2(fds, O_CLOEXEC) != 0) {
		err = errno;
		snprintf(why, whylen, "cannot make a pipe for the probe: %s", strerror(err));
		return -err;
	}
	pid = fork();
	if (pid < 0) {
		err = errno;
		close(fds[0]);
		close(fds[1]);
		snprintf(why, whylen, "cannot fork the probe process: %s", strerror(err));
		return err == ENOMEM ? -ENOMEM : -ENODEV;
	}
	if (pid == 0) {
		close(fds[0]);
		child(fds[1], fn, buf, len);
	}
	close(fds[1]);
	ok = collect(fds[0], buf, len);
	close(fds[0]);
	do
		w = waitpid(pid, &status, 0);
	while (w < 0 && errno == EINTR);
	if (ok)
		return 0;
	if (w == pid && WIFSIGNALED(status)) {
		int sig = WTERMSIG(status);

		snprintf(why, whylen, "%s",
			 sig == SIGILL	  ? "SIGILL"
			 : sig == SIGSEGV ? "SIGSEGV"
			 : sig == SIGBUS  ? "SIGBUS"
					  : "a signal");
	} else {
		snprintf(why, whylen, "the probe process failed");
	}
	return -ENODEV;
}

ssize_t dmab__arch_read_file(const char *path, char *buf, size_t len)
{
	return dmab__os_read_file(path, buf, len);
}

int dmab__arch_each_name(const char *dir, const char *prefix,
			 int (*each)(const char *name, void *ctx), void *ctx)
{
	size_t plen = strlen(prefix);
	struct dirent *d;
	DIR *dp = opendir(dir);
	int err = 0;

	if (!dp)
		return -errno;
	while (!err && (d = readdir(dp)) != NULL)
		if (strncmp(d->d_name, prefix, plen) == 0)
			err = each(d->d_name, ctx);
	closedir(dp);
	return err;
}
