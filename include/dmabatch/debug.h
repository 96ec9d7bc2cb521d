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

#ifdef __cplusplus
}
#endif

#endif /* DMABATCH_DEBUG_H */
