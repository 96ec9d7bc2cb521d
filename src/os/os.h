/* SPDX-License-Identifier: MIT */
/*
 * The platform seam: the only code of the library that calls the operating
 * system (memory mappings, NUMA policy, processor facts, the environment,
 * files by path). Everything above it is plain C on the library's own data,
 * so a port, a fault-injection build or a test double replaces this one
 * folder.
 *
 * Rules for every primitive here:
 * - It never allocates from the C heap and never calls a library routine
 *   that may exit or abort the process (libnuma's bitmask allocator exits on
 *   out-of-memory: node masks live on the stack here).
 * - It reports failure by its return value (documented per primitive) and
 *   never through errno alone; errno may be changed.
 * - It is safe to call from any thread at any time after the process
 *   started; none keeps state of its own between calls.
 */
#ifndef DMAB_OS_H
#define DMAB_OS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* ---- processor and memory facts ---- */

/*
 * The base page size.
 * Post: a power of two >= 4096 (4096 when the system will not say).
 */
size_t dmab__os_page_size(void);

/*
 * Processors configured (not just online).
 * Post: >= 1 (1 when the system will not say).
 */
unsigned dmab__os_cpu_count(void);

/*
 * The processor the calling thread runs on now; it may have moved by the
 * time the caller uses the answer, so it is a hint for spreading load.
 * Post: >= 0, or -1 when the system cannot tell.
 */
int dmab__os_current_cpu(void);

/* ---- the environment and files ---- */

/*
 * The value of environment variable @name, or NULL if unset.
 * Pre: @name is a NUL-terminated string. Post: the result points into the
 * environment; the caller does not free it, and must not keep it across a
 * setenv() of the same name.
 */
const char *dmab__os_getenv(const char *name);

/*
 * Read up to @len - 1 bytes of the file at @path (a sysfs or proc file, say)
 * into @buf and NUL-terminate them.
 * Pre: @len >= 1. Post: the number of bytes read (>= 0), or a negative errno
 * (-ENOENT, -EACCES, ...); @buf holds a string either way ("" on failure).
 */
ssize_t dmab__os_read_file(const char *path, char *buf, size_t len);

/* ---- address space ---- */

enum dmab__os_map_flags {
	DMAB__OS_MAP_HUGE = 1u << 0,  /* 2 MiB hugetlb pages; fails at once if none are reserved */
	DMAB__OS_MAP_EXACT = 1u << 1, /* exactly at @hint, never replacing a mapping there */
};

/*
 * Map @len bytes of private, zeroed, readable and writable anonymous memory.
 * Pre: @len > 0, a multiple of the page size (of 2 MiB with MAP_HUGE);
 * @hint is NULL or page aligned (required with MAP_EXACT).
 * Post: the mapping's address, or NULL if none could be made. With
 * MAP_EXACT the result is @hint or NULL: a kernel that took the request as a
 * plain hint has its mapping undone.
 */
void *dmab__os_map(void *hint, size_t len, unsigned flags);

/*
 * Unmap [@base, @base + @len), which may be part of a mapping from
 * dmab__os_map() (to trim one). Pre: page aligned; no other thread uses it.
 */
void dmab__os_unmap(void *base, size_t len);

/* Ask for transparent hugepages over the range; a refusal is harmless. */
void dmab__os_advise_hugepage(void *base, size_t len);

/*
 * Fault the range in, writable, now. Pre: a mapping from dmab__os_map().
 * Post: 0, or -1 if the kernel cannot do it in one call (older than 5.14):
 * the caller then touches the pages itself.
 */
int dmab__os_populate(void *base, size_t len);

/* ---- NUMA ---- */

/* Is NUMA policy available at all (false under qemu-user, for one)? */
bool dmab__os_numa_available(void);

/*
 * Could memory be placed on @node? Without NUMA support only node 0 exists.
 * Post: false for any @node < 0.
 */
bool dmab__os_numa_node_valid(int node);

/*
 * Prefer (not bind) @node for the pages of [@base, @base + @len) not yet
 * touched: a node without free memory falls back to the others.
 * Pre: page aligned, mapped. Post: nothing to report: a refusal (no NUMA, a
 * node beyond what a stack mask holds) leaves the default policy.
 */
void dmab__os_numa_prefer(void *base, size_t len, int node);

/*
 * The node the page at @addr sits on. Pre: the page is faulted in.
 * Post: >= 0, or -1 if unknown (no NUMA support).
 */
int dmab__os_numa_node_of(void *addr);

/*
 * [@base, @base + @len) is about to be unmapped: a fake topology (a test's,
 * topology.h) gives its pages back to their node. Nothing for the real one.
 */
void dmab__os_numa_forget(void *base, size_t len);
/* ---- for the DMA-API checker (src/os/process.c) ---- */

/*
 * The calling thread's stack, [*lo, *hi).
 * Post: 0, or -1 if the system will not say (*lo and *hi untouched).
 * Costly for the main thread (it reads the process's mappings): cache it.
 */
int dmab__os_thread_stack(uintptr_t *lo, uintptr_t *hi);

enum dmab__os_prot {
	DMAB__OS_PROT_READ = 1u << 0,
	DMAB__OS_PROT_WRITE = 1u << 1,
	DMAB__OS_PROT_EXEC = 1u << 2,
};

/*
 * Call @fn(@arg, lo, hi, prot) for each mapping of the process's address
 * space, [lo, hi) with its DMAB__OS_PROT_* bits, in address order, until it
 * returns non-zero. The list is read in pieces: a mapping changed meanwhile
 * by another thread may be seen old or new.
 * Post: 0, @fn's non-zero return, or a negative errno if the list cannot be
 * read.
 */
int dmab__os_each_mapping(int (*fn)(void *arg, uintptr_t lo, uintptr_t hi, unsigned prot),
			  void *arg);

/*
 * Set the protection of the whole pages [@base, @base + @len) to @prot
 * (DMAB__OS_PROT_* bits; 0 is no access), as the checker's guard does.
 * Pre: @base and @len page aligned, @len > 0. Post: 0, or a negative errno
 * (-ENOMEM: not all mapped; -EINVAL: not aligned, a hugetlb mapping's
 * middle; -EACCES) with the protection unchanged.
 */
int dmab__os_protect(void *base, size_t len, unsigned prot);

/* A monotonic clock in nanoseconds (0 if the system has none). */
uint64_t dmab__os_monotonic_ns(void);

#endif /* DMAB_OS_H */
