/* SPDX-License-Identifier: MIT */
/*
 * The DMA-API checker: the misuse the Linux kernel's CONFIG_DMA_API_DEBUG
 * reports, per device, at run time.
 *
 * Checking is on for a device made with DMAB_DEBUG_CHECK in
 * dmab_device_config.debug, or for every device when the environment has
 * DMAB_DEBUG=1 at dmab_device_create() (no rebuild). A device with checking
 * off pays one predictable branch per call and keeps no record.
 *
 * With checking on, the device keeps every live mapping (bus address,
 * length, direction, kind, entry count, CPU address, the caller's return
 * address) in a lock-free hash. A call that misuses the API:
 * - returns the class's own negative errno (below; DMAB_DEBUG_ERRNO()),
 *   with dmab_last_error() text;
 * - changes nothing: no maintenance, no copy, no counter but the class's;
 * - is reported: the device's callback (dmab_debug_set_callback()) or, by
 *   default, one line on stderr ("dmabatch: <device>: ..."), at most 10
 *   lines per 5 seconds per device, then a count of the lines held back;
 * - counts in dmab_stats.debug_reports[class].
 *
 * Behind the emulated IOMMU (dmab_device_config.iommu) a record is a DMA
 * segment as dmab_map_sg() returned it (bus address and length in the first
 * entries' dma fields; its CPU address is its first entry's), so the unmap
 * and sync classes judge the list as handed back, exactly as without one;
 * the overlap class looks at the segment's first and last entries' outer
 * lines; the segment limits are judged on the entries before any IOVA is
 * given (a merge never exceeds them: a segment is over a limit only if one
 * entry is), and their reports name the entry's CPU address.
 *
 * Guard mode (DMAB_DEBUG_GUARD, which implies checking, or DMAB_DEBUG=guard
 * in the environment): a buffer mapped FROM_DEVICE or BIDIRECTIONAL by
 * dmab_map_single() or dmab_map_sg() whose CPU address and length are both
 * multiples of the page size is made inaccessible to the CPU (mprotect
 * PROT_NONE) once the map call's maintenance is complete, so that a CPU
 * access while the device owns it faults (SIGSEGV) at the touching
 * instruction. Access comes back (read and write) before the maintenance of
 * the unmap, and of any sync of the mapping (the library itself touches no
 * guarded page); a sync_*_for_device that covers the whole mapping takes
 * it away again once complete, a partial one leaves it accessible, and so
 * does dmab_batch_sync_for_device() (its maintenance comes at the commit).
 * Not guarded, and counted (dmab_debug_guard_stats()) and shown by
 * dmab_debug_dump(): buffers not page-aligned (they share pages with other
 * data), pages the kernel will not protect (the middle of a hugetlb page),
 * more than DMAB_DEBUG_GUARD_MAX guarded at once in the process, a segment
 * behind the IOMMU merged from entries apart in CPU memory. TO_DEVICE
 * mappings and allocations are never guarded. The library installs no
 * signal handler: a program's own SIGSEGV handler may call
 * dmab_debug_guard_lookup() or dmab_debug_guard_describe() (both
 * async-signal-safe) with the fault address to name the mapping. Costs: two
 * mprotect calls per map and unmap, and the kernel splits the buffer's
 * mapping (vm.max_map_count bounds how many can be guarded). The simulator
 * (include/dmabatch/sim.h) works in guard mode with chaos off only: chaos
 * touches the CPU's copy of registered memory at any moment.
 *
 * Not checked in user space: "map error not checked" (every call here
 * returns its error), "different CPU address" (no coherent allocations
 * yet). Overlap of two live mappings is judged on the cache lines at each
 * mapping's two ends. Two threads that race to map buffers sharing a line
 * may both succeed.
 */
#ifndef DMABATCH_DEBUG_H
#define DMABATCH_DEBUG_H

#include <dmabatch.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/** enum dmab_debug_class - one kind of misuse; its errno in brackets. */
enum dmab_debug_class {
	/* unmap: never mapped [ENOENT] */
	DMAB_DEBUG_UNMAP_NOT_MAPPED = 0,
	/* unmap: unmapped already, or by another thread now [EALREADY] */
	DMAB_DEBUG_UNMAP_ALREADY,
	/* unmap: another size [EMSGSIZE] */
	DMAB_DEBUG_UNMAP_SIZE,
	/* unmap: another direction [EBADRQC] */
	DMAB_DEBUG_UNMAP_DIR,
	/* unmap_sg: another nents [EBADSLT] */
	DMAB_DEBUG_UNMAP_NENTS,
	/* unmap: the other function (single vs sg) [EPROTOTYPE] */
	DMAB_DEBUG_UNMAP_FUNCTION,
	/* sync: memory no live mapping holds [ENOENT] */
	DMAB_DEBUG_SYNC_NOT_MAPPED,
	/* sync: the range runs past the mapping's end [ERANGE] */
	DMAB_DEBUG_SYNC_OUTSIDE,
	/* sync: another direction, the mapping not BIDIRECTIONAL [EBADRQC] */
	DMAB_DEBUG_SYNC_DIR,
	/* sync: for_cpu of TO_DEVICE, for_device of FROM_DEVICE memory [EACCES] */
	DMAB_DEBUG_SYNC_WRONG_WAY,
	/* sync_sg: another nents [EBADSLT] */
	DMAB_DEBUG_SYNC_NENTS,
	/* map: memory on the calling thread's stack [EFAULT] */
	DMAB_DEBUG_MAP_STACK,
	/* map: read-only memory or code, for a direction the device writes [EROFS] */
	DMAB_DEBUG_MAP_READONLY,
	/* map: shares an end line with a live mapping, one device-writable [EADDRINUSE] */
	DMAB_DEBUG_MAP_OVERLAP,
	/* destroy: mappings still live [EBUSY] */
	DMAB_DEBUG_TEARDOWN_LIVE,
	/* map_sg: a segment longer than the device's max_seg_size [EFBIG] */
	DMAB_DEBUG_MAP_SEG_SIZE,
	/* map_sg: a segment crossing a multiple of seg_boundary_mask + 1 [EXDEV] */
	DMAB_DEBUG_MAP_SEG_BOUNDARY,
	DMAB_DEBUG_NCLASS
};

/** enum dmab_debug_kind - which function made a mapping. */
enum dmab_debug_kind {
	DMAB_DEBUG_KIND_SINGLE = 0, /* dmab_map_single() */
	DMAB_DEBUG_KIND_SG = 1,	    /* dmab_map_sg(), one record per non-empty entry */
	DMAB_DEBUG_KIND_ALLOC = 2,  /* an allocation (reserved for the allocation calls) */
};

/**
 * struct dmab_debug_mapping - one live mapping as the checker keeps it.
 * @addr, @len: its bus range. @cpu: the CPU address of the buffer mapped.
 * @dir, @kind: as mapped. @nents: the nents of the map_sg call (1 for single).
 * @caller: the return address of the map call (where it was mapped).
 */
struct dmab_debug_mapping {
	dmab_addr_t addr;
	size_t len;
	const void *cpu;
	enum dmab_dir dir;
	enum dmab_debug_kind kind;
	int nents;
	const void *caller;
};

/**
 * struct dmab_debug_report - one misuse, as given to the callback.
 * @cls: the class; @err: the negative errno the call returns.
 * @device: the device's name; @call: the call ("unmap_single", ...).
 * @addr, @len, @dir, @nents: what the call was given (for a list: the
 * offending entry; @nents is the call's).
 * @has_mapping: true if @mapping is the live mapping the call was judged
 * against (or, for DMAB_DEBUG_UNMAP_ALREADY, the one unmapped before).
 * @caller: the return address of the offending call.
 * @text: the report as one line, without the trailing newline; it lives
 * only during the callback.
 * @limit: for DMAB_DEBUG_MAP_SEG_SIZE the device's max_seg_size, for
 * DMAB_DEBUG_MAP_SEG_BOUNDARY its seg_boundary_mask; else 0.
 */
struct dmab_debug_report {
	enum dmab_debug_class cls;
	int err;
	const char *device;
	const char *call;
	dmab_addr_t addr;
	size_t len;
	enum dmab_dir dir;
	int nents;
	bool has_mapping;
	struct dmab_debug_mapping mapping;
	const void *caller;
	const char *text;
	uint64_t limit;
};

/** The negative errno a call of class @c returns in checking mode. */
DMAB_API int dmab_debug_errno(enum dmab_debug_class c);
/** A short name for class @c ("unmap-size", ...); "?" if unknown. */
DMAB_API const char *dmab_debug_class_name(enum dmab_debug_class c);

/** dmab_debug_enabled() - whether @dev checks; false for NULL. */
DMAB_API bool dmab_debug_enabled(const struct dmab_device *dev);

/**
 * typedef dmab_debug_fn - a report callback. Called in the thread of the
 * offending call, before that call returns; it may call the library (but
 * not destroy @dev). Calls from several threads may overlap.
 */
typedef void (*dmab_debug_fn)(const struct dmab_debug_report *r, void *arg);

/**
 * dmab_debug_set_callback() - send @dev's reports to @fn instead of stderr;
 * NULL @fn restores the default line on stderr. Reports are not rate-limited
 * for a callback. Return: 0; -EINVAL for a NULL @dev; -EOPNOTSUPP if @dev
 * does not check.
 */
DMAB_API DMAB_NODISCARD int dmab_debug_set_callback(struct dmab_device *dev, dmab_debug_fn fn,
						    void *arg);

/**
 * dmab_debug_dump() - print @dev's live mappings, one line each, to @out
 * (NULL: stderr). Mappings made or unmapped meanwhile by other threads may
 * or may not be printed. Return: the number printed; -EINVAL for a NULL
 * @dev; -EOPNOTSUPP if @dev does not check.
 */
DMAB_API DMAB_NODISCARD int dmab_debug_dump(const struct dmab_device *dev, FILE *out);

/** Most mappings guarded at once in a process (guard mode). */
#define DMAB_DEBUG_GUARD_MAX 4096

/**
 * struct dmab_debug_guard_hit - the guarded mapping holding an address.
 * @device: the device's name (valid while the mapping is live).
 * @mapping: the mapping, as dmab_debug_dump() shows it; @mapping.cpu and
 * @mapping.len are the guarded CPU range.
 */
struct dmab_debug_guard_hit {
	const char *device;
	struct dmab_debug_mapping mapping;
};

/**
 * dmab_debug_guard_lookup() - is @addr inside a guarded mapping now, of any
 * device of the process? Async-signal-safe (no lock, no allocation): meant
 * for the program's SIGSEGV handler, with the fault's si_addr. A mapping
 * being made or unmapped by another thread at that moment may be missed.
 * Return: true and *@out filled (if @out is not NULL), or false.
 */
DMAB_API bool dmab_debug_guard_lookup(const void *addr, struct dmab_debug_guard_hit *out);

/**
 * dmab_debug_guard_describe() - the report for a CPU access to @addr
 * inside a guarded mapping, as one line ("dmabatch: <device>: CPU access
 * to 0x... inside the guarded mapping of 0x... with size N, <direction>,
 * mapped at 0x..."), NUL-terminated and truncated to @len - 1 bytes, no
 * newline. Async-signal-safe, as dmab_debug_guard_lookup(): a handler may
 * write(2) it. Return: the line's length, 0 if no guarded mapping holds
 * @addr (or @buf is NULL or @len is 0).
 */
DMAB_API size_t dmab_debug_guard_describe(const void *addr, char *buf, size_t len);

/**
 * struct dmab_debug_guard_counts - a device's guard mode, since creation.
 * @guarded_now: mappings guarded or guardable now (live, page-aligned).
 * @guarded: mappings ever guarded at their map.
 * @unaligned: FROM_DEVICE or BIDIRECTIONAL mappings not guarded because
 *             their address or length is not a multiple of the page size.
 * @refused: such mappings page-aligned but not guarded: the kernel refused
 *           (mprotect), DMAB_DEBUG_GUARD_MAX were guarded already, or an
 *           IOMMU segment is not one CPU range.
 */
struct dmab_debug_guard_counts {
	uint64_t guarded_now;
	uint64_t guarded;
	uint64_t unaligned;
	uint64_t refused;
};

/**
 * dmab_debug_guard_stats() - @dev's guard counts into *@out.
 * Return: 0; -EINVAL for a NULL argument; -EOPNOTSUPP if @dev is not in
 * guard mode.
 */
DMAB_API DMAB_NODISCARD int dmab_debug_guard_stats(const struct dmab_device *dev,
						   struct dmab_debug_guard_counts *out);

#ifdef __cplusplus
}
#endif

#endif /* DMABATCH_DEBUG_H */
