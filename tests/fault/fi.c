/* SPDX-License-Identifier: MIT */
/*
 * Fault injection by interposition: this file, linked into a test program,
 * defines the C library's allocation, mmap, madvise, open and thread
 * creation calls and libnuma's mbind family, so that every call of them in
 * the process (the library, liburcu, libnuma) comes here first and goes on
 * to the real one (dlsym RTLD_NEXT: the sanitizer's or the C library's).
 *
 * While armed (fi_arm(1), in the calling thread only: threads the library
 * starts run unarmed, their creation is what is failed), calls of one
 * class are counted, and the Nth
 * fails as the real call would under pressure (FI_CLASS, FI_N; FI_PERSIST=1
 * fails every one from the Nth on). FI_N=0 fails none: the counts, printed
 * at exit as "fi-count CLASS N" when FI_COUNT is set, are the injection
 * points a sweep walks. The program arms only around its library calls.
 */

#include <dlfcn.h>
#include <errno.h>
#include <execinfo.h>
#include <signal.h>
#include <fcntl.h>
#include <numaif.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fi.h"

static const char *const class_names[FI_NCLASS] = {"alloc", "mmap", "madvise",
						   "numa",  "open", "thread"};
static __thread int armed; /* per thread: a new thread's start-up is never failed */
static int fail_class = -1;
static long fail_n;
static int persist;
static atomic_long count[FI_NCLASS];
static atomic_int configured;

/* dlsym() may allocate before the real allocator is known: a small arena. */
static _Alignas(64) char boot[16384];
static atomic_size_t boot_used;
static __thread int resolving;

static void *boot_alloc(size_t n)
{
	size_t at = atomic_fetch_add(&boot_used, (n + 63) & ~(size_t)63);

	return at + n <= sizeof(boot) ? boot + at : NULL;
}

static int is_boot(const void *p)
{
	return (const char *)p >= boot && (const char *)p < boot + sizeof(boot);
}

static void configure(void)
{
	if (atomic_load(&configured))
		return;
	const char *c = getenv("FI_CLASS"), *n = getenv("FI_N"), *p = getenv("FI_PERSIST");

	for (int i = 0; c && i < FI_NCLASS; i++)
		if (strcmp(c, class_names[i]) == 0)
			fail_class = i;
	fail_n = n ? atol(n) : 0;
	persist = p && atoi(p);
	atomic_store(&configured, 1);
}

const char *fi_class_name(int c)
{
	return c >= 0 && c < FI_NCLASS ? class_names[c] : "?";
}

void fi_arm(int on)
{
	configure();
	armed = on;
}

long fi_count(int c)
{
	return atomic_load(&count[c]);
}

/* Should this call of class @c fail? Counted only while armed. */
static int inject(int c)
{
	if (resolving || !armed)
		return 0;
	long k = atomic_fetch_add(&count[c], 1) + 1;

	return c == fail_class && fail_n > 0 && (k == fail_n || (persist && k > fail_n));
}

/* The real functions, all found at the first interposed call. */
static void *(*real_malloc)(size_t);
static void *(*real_calloc)(size_t, size_t);
static void *(*real_realloc)(void *, size_t);
static void (*real_free)(void *);
static void *(*real_aligned_alloc)(size_t, size_t);
static int (*real_posix_memalign)(void **, size_t, size_t);
static void *(*real_mmap)(void *, size_t, int, int, int, off_t);
static int (*real_madvise)(void *, size_t, int);
static long (*real_mbind)(void *, unsigned long, int, const unsigned long *, unsigned long,
			  unsigned);
static long (*real_get_mempolicy)(int *, unsigned long *, unsigned long, void *, unsigned);
static long (*real_set_mempolicy)(int, const unsigned long *, unsigned long);
static int (*real_open)(const char *, int, ...);
static int (*real_pthread_create)(pthread_t *, const pthread_attr_t *, void *(*)(void *), void *);
static atomic_int resolved;

static void *find(const char *name)
{
	return dlsym(RTLD_NEXT, name);
}

static void resolve(void)
{
	if (atomic_load_explicit(&resolved, memory_order_acquire) || resolving)
		return;
	resolving = 1;
	real_malloc = (void *(*)(size_t))find("malloc");
	real_calloc = (void *(*)(size_t, size_t))find("calloc");
	real_realloc = (void *(*)(void *, size_t))find("realloc");
	real_free = (void (*)(void *))find("free");
	real_aligned_alloc = (void *(*)(size_t, size_t))find("aligned_alloc");
	real_posix_memalign = (int (*)(void **, size_t, size_t))find("posix_memalign");
	real_mmap = (void *(*)(void *, size_t, int, int, int, off_t))find("mmap");
	real_madvise = (int (*)(void *, size_t, int))find("madvise");
	real_mbind = (long (*)(void *, unsigned long, int, const unsigned long *, unsigned long,
			       unsigned))find("mbind");
	real_get_mempolicy = (long (*)(int *, unsigned long *, unsigned long, void *,
				       unsigned))find("get_mempolicy");
	real_set_mempolicy =
	    (long (*)(int, const unsigned long *, unsigned long))find("set_mempolicy");
	real_open = (int (*)(const char *, int, ...))find("open");
	real_pthread_create = (int (*)(pthread_t *, const pthread_attr_t *, void *(*)(void *),
				       void *))find("pthread_create");
	resolving = 0;
	atomic_store_explicit(&resolved, 1, memory_order_release);
}

#define REAL(type, name, args) resolve()

void *malloc(size_t n)
{
	if (resolving)
		return boot_alloc(n);
	REAL(void *, malloc, (size_t));
	if (inject(FI_ALLOC)) {
		errno = ENOMEM;
		return NULL;
	}
	return real_malloc(n);
}

void *calloc(size_t k, size_t n)
{
	if (resolving)
		return boot_alloc(k * n); /* the arena is zero */
	REAL(void *, calloc, (size_t, size_t));
	if (inject(FI_ALLOC)) {
		errno = ENOMEM;
		return NULL;
	}
	return real_calloc(k, n);
}

void *realloc(void *p, size_t n)
{
	REAL(void *, realloc, (void *, size_t));
	if (inject(FI_ALLOC)) {
		errno = ENOMEM;
		return NULL;
	}
	return real_realloc(p, n);
}

void free(void *p)
{
	if (!p || is_boot(p))
		return;
	REAL(void, free, (void *));
	if (real_free) /* else a block freed while resolving: kept */
		real_free(p);
}

void *aligned_alloc(size_t a, size_t n)
{
	REAL(void *, aligned_alloc, (size_t, size_t));
	if (inject(FI_ALLOC)) {
		errno = ENOMEM;
		return NULL;
	}
	return real_aligned_alloc(a, n);
}

int posix_memalign(void **out, size_t a, size_t n)
{
	REAL(int, posix_memalign, (void **, size_t, size_t));
	if (inject(FI_ALLOC))
		return ENOMEM;
	return real_posix_memalign(out, a, n);
}

void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	REAL(void *, mmap, (void *, size_t, int, int, int, off_t));
	if (inject(FI_MMAP)) {
		errno = ENOMEM;
		return MAP_FAILED;
	}
	return real_mmap(addr, len, prot, flags, fd, off);
}

int madvise(void *addr, size_t len, int advice)
{
	REAL(int, madvise, (void *, size_t, int));
	if (inject(FI_MADVISE)) {
		errno = EAGAIN;
		return -1;
	}
	return real_madvise(addr, len, advice);
}

long mbind(void *addr, unsigned long len, int mode, const unsigned long *mask,
	   unsigned long maxnode, unsigned flags)
{
	REAL(long, mbind,
	     (void *, unsigned long, int, const unsigned long *, unsigned long, unsigned));
	if (inject(FI_NUMA)) {
		errno = ENOMEM;
		return -1;
	}
	return real_mbind(addr, len, mode, mask, maxnode, flags);
}

long get_mempolicy(int *mode, unsigned long *mask, unsigned long maxnode, void *addr,
		   unsigned flags)
{
	REAL(long, get_mempolicy, (int *, unsigned long *, unsigned long, void *, unsigned));
	if (inject(FI_NUMA)) {
		errno = ENOMEM;
		return -1;
	}
	return real_get_mempolicy(mode, mask, maxnode, addr, flags);
}

long set_mempolicy(int mode, const unsigned long *mask, unsigned long maxnode)
{
	REAL(long, set_mempolicy, (int, const unsigned long *, unsigned long));
	if (inject(FI_NUMA)) {
		errno = ENOMEM;
		return -1;
	}
	return real_set_mempolicy(mode, mask, maxnode);
}

int open(const char *path, int flags, ...)
{
	va_list ap;
	mode_t mode = 0;

	va_start(ap, flags);
	if (flags & (O_CREAT | O_TMPFILE))
		mode = (mode_t)va_arg(ap, int);
	va_end(ap);
	REAL(int, open, (const char *, int, ...));
	if (inject(FI_OPEN)) {
		errno = EMFILE;
		return -1;
	}
	return real_open(path, flags, mode);
}

int pthread_create(pthread_t *t, const pthread_attr_t *attr, void *(*fn)(void *), void *arg)
{
	REAL(int, pthread_create, (pthread_t *, const pthread_attr_t *, void *(*)(void *), void *));
	if (inject(FI_THREAD))
		return EAGAIN;
	return real_pthread_create(t, attr, fn, arg);
}

int fi_thread_start(pthread_t *t, void *(*fn)(void *), void *arg)
{
	REAL(int, pthread_create, (pthread_t *, const pthread_attr_t *, void *(*)(void *), void *));
	return real_pthread_create(t, NULL, fn, arg);
}

/*
 * An abort is liburcu's own (documented in dmabatch.h) when a frame of the
 * aborting thread is in liburcu: say so on stderr for tests/fault/run.
 */
static void on_abort(int sig)
{
	void *frames[64];
	int n = backtrace(frames, 64);

	for (int i = 0; i < n; i++) {
		Dl_info info;

		if (dladdr(frames[i], &info) && info.dli_fname &&
		    strstr(info.dli_fname, "liburcu")) {
			static const char msg[] = "fi: abort inside liburcu\n";

			(void)!write(2, msg, sizeof(msg) - 1);
			break;
		}
	}
	signal(sig, SIG_DFL);
	raise(sig);
}

__attribute__((constructor)) static void setup(void)
{
	/* backtrace() loads libgcc_s at its first call; not done here, where
	 * that dlopen would show as a leak at exit, but in the abort handler. */
	signal(SIGABRT, on_abort);
}

__attribute__((destructor)) static void report(void)
{
	if (!getenv("FI_COUNT"))
		return;
	for (int c = 0; c < FI_NCLASS; c++)
		fprintf(stderr, "fi-count %s %ld\n", class_names[c], atomic_load(&count[c]));
}
