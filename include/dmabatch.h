/* SPDX-License-Identifier: MIT */
/*
 * libdmabatch: the Linux kernel's DMA-mapping API for user-space drivers,
 * with batched cache maintenance.
 *
 * Global rules for every call in this header:
 * - A fallible call returns 0 (or a count) on success and a negative errno on
 *   failure. It never sets errno. dmab_strerror() turns the code into words,
 *   dmab_last_error() gives the detail of this thread's last failure.
 * - A call that fails leaves every mapping, pool and counter as it was.
 * - Directions use the kernel's numbering; anything else is -EINVAL.
 * - Ownership: map and sync_for_device hand a buffer to the device; unmap and
 *   sync_for_cpu hand it back. The CPU must not touch a buffer the device
 *   owns.
 * - Barriers: every call that issues cache maintenance completes it before
 *   it returns (one completion barrier per call, DSB SY on aarch64, SFENCE on
 *   x86_64), except the dmab_batch_* calls, which complete at commit.
 * - Outputs: a call that fails leaves its outputs (*out and the like)
 *   unchanged, except where its comment says otherwise (dmab_map_sg()).
 * - A device may be used from several threads at once, except:
 *   dmab_device_destroy() and dmab_set_mask() must not run at the same time
 *   as any other call on the same device (the caller orders them, for
 *   example by joining the threads that use it); a destroyed device must
 *   not be passed to any call.
 * - Bus addresses: what a map call returns is the address the device puts
 *   on the bus. With the library's default (identity) translation it is the
 *   buffer's CPU virtual address, or, for a bounced mapping, the virtual
 *   address of its slot in the bounce pool; the DMA mask is checked against
 *   it. With the emulated IOMMU (@iommu) it is an IOVA under the mask. A
 *   device on a simulator (@sim) uses the simulator's bus addresses
 *   (include/dmabatch/sim.h).
 * - What normal mode checks of an unmap or sync: the arguments (NULL, zero
 *   counts, directions, attribute bits); ranges whose end, rounded up to
 *   whole cache lines, would wrap past the top of the address space; for a
 *   bus address inside a bounce pool, that it is a live bounce mapping (its
 *   exact start and length at unmap, inside it at sync). Direct (unbounced)
 *   mappings are not tracked one by one: an unmap of a direct range is
 *   refused only when it is not inside the span from the lowest to the
 *   highest bus address this device ever mapped directly, or when more
 *   direct entries would be unmapped than are live;
 *   a sync of a direct range is not checked at all. Anything else (a wrong
 *   length, a range inside the span that was never mapped, a second unmap
 *   of a direct mapping while others are live) is the caller's bug, which
 *   only the DMA-API checker catches.
 * - Misuse beyond that: each call's comment says what it always refuses; a
 *   device in checking mode (dmab_device_config.debug, or DMAB_DEBUG=1 in
 *   the environment; include/dmabatch/debug.h) also refuses the kernel's
 *   DMA-API debug classes, each with its own errno (listed per call under
 *   "Checking mode"), reported, and with nothing changed.
 */
#ifndef DMABATCH_H
#define DMABATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define DMAB_VERSION_MAJOR  0
#define DMAB_VERSION_MINOR  2
#define DMAB_VERSION_PATCH  0
#define DMAB_VERSION_STRING "0.2.0"

#if defined(DMAB_BUILDING) && defined(__GNUC__)
#define DMAB_API __attribute__((visibility("default")))
#else
#define DMAB_API
#endif

#if defined(__GNUC__)
#define DMAB_NODISCARD __attribute__((warn_unused_result))
#else
#define DMAB_NODISCARD
#endif

/** dmab_addr_t - an address as the device puts it on the bus. */
typedef uint64_t dmab_addr_t;

/** enum dmab_dir - who moves data; values are the kernel's. */
enum dmab_dir {
	DMAB_BIDIRECTIONAL = 0, /* device reads and writes */
	DMAB_TO_DEVICE = 1,	/* device only reads */
	DMAB_FROM_DEVICE = 2,	/* device only writes */
};

/*
 * Attributes of a map or unmap call (the attrs argument). The values are the
 * kernel's DMA_ATTR_* bits, so code ported from a kernel driver keeps its
 * meaning; any other bit is -EINVAL.
 */
/**
 * DMAB_ATTR_SKIP_CPU_SYNC - no cache maintenance for this call and, for a
 * bounced mapping, no copy back to the original (unmap, sync_for_cpu). Map
 * still copies the original into the bounce slot, so the device never sees
 * stale pool data. The kernel's DMA_ATTR_SKIP_CPU_SYNC (bit 5).
 */
#define DMAB_ATTR_SKIP_CPU_SYNC (1u << 5)
/**
 * DMAB_ATTR_NO_WARN - keep quiet about a full bounce pool: no warning on
 * stderr. The kernel's DMA_ATTR_NO_WARN (bit 8).
 */
#define DMAB_ATTR_NO_WARN (1u << 8)

/*
 * Bounce policy, dmab_device_config.bounce. With none of these set, a
 * mapping is bounced only when its bus address range is beyond the DMA mask.
 */
/** Every mapping goes through the bounce pool. */
#define DMAB_BOUNCE_FORCE (1u << 0)
/**
 * Bounce a FROM_DEVICE or BIDIRECTIONAL buffer of a non-coherent device when
 * it shares a cache line with other memory (its start or end is not on a
 * line boundary): the CPU's traffic on the neighbour could write the line
 * back over the device's data. Off by default: it costs a copy, and lists
 * whose entries share lines with each other are usually safe. Buffers longer
 * than a bounce mapping may be (256 KiB less @min_align_mask rounded up to
 * whole slots: what dmab_max_mapping_size() gives with DMAB_BOUNCE_FORCE)
 * are maintained in place as without the flag, so with this flag alone
 * dmab_max_mapping_size() is SIZE_MAX.
 */
#define DMAB_BOUNCE_UNALIGNED (1u << 1)
/** Never bounce: no pool; a buffer beyond the mask fails with -ERANGE. */
#define DMAB_BOUNCE_NEVER (1u << 2)

/** Bounce pool size when dmab_device_config.pool_size is 0: 4 MiB. */
#define DMAB_POOL_DEFAULT_SIZE ((size_t)4 << 20)
/** Slot size of a bounce pool; a mapping takes whole slots. */
#define DMAB_POOL_SLOT_SIZE ((size_t)2048)

/** enum dmab_sync_mode - how a multi-entry call completes its maintenance. */
enum dmab_sync_mode {
	DMAB_SYNC_BATCHED = 0,	 /* issue every entry, complete once (default) */
	DMAB_SYNC_PER_ENTRY = 1, /* complete after each entry, as before batching */
};

/**
 * struct dmab_sg - one scatter-gather entry, filled by the caller.
 * @addr:     CPU address of the buffer.
 * @len:      its length in bytes; 0 is allowed: the entry gets no
 *            maintenance, no bounce slot and @dma_len 0, but it is still an
 *            entry: it counts in dmab_map_sg()'s return value and in
 *            live_mappings, and unmap_sg takes it back like any other.
 * @dma_addr: out: the bus address the device uses, set by dmab_map_sg().
 * @dma_len:  out: the length at @dma_addr, set by dmab_map_sg().
 *
 * dmab_map_sg() maps each entry as one DMA segment: on a pagemap device an
 * entry that is not physically contiguous is bounced (or refused with
 * -EXDEV). dmab_map_sg_split() instead splits such an entry into one DMA
 * segment per physically contiguous part, so that it may return more
 * segments than it was given entries (a 2 MiB hugepage is always one part;
 * two hugepages, or 4 KiB pages, may not be).
 */
struct dmab_sg {
	void *addr;
	size_t len;
	dmab_addr_t dma_addr;
	size_t dma_len;
};

struct dmab_device;
struct dmab_sim;
struct dmab_xlate_config;

/**
 * struct dmab_device_config - how a device is to be handled.
 * A zero-initialised config is a valid default: a non-coherent device with a
 * 64-bit mask, batched maintenance and the best backend for this CPU.
 * @size:       0, or sizeof(struct dmab_device_config) as the caller's header
 *              declares it. Within one SOVERSION the struct only grows, at
 *              its end; the library reads a field only if @size covers it,
 *              and a field it does not read takes its zero default. 0 means
 *              the layout of the header the library itself was built with
 *              (right for a program built against the same version); a
 *              program that may run with a newer library sets @size. A @size
 *              the library does not know (larger than its own struct, or
 *              inside the fields up to @sim) is -EINVAL.
 * @name:       for messages; NULL gives "dmab".
 * @coherent:   true if the device snoops CPU caches: no maintenance at all.
 * @dma_bits:   width of the DMA mask, 1 to 64; 0 means 64.
 * @numa_node:  node whose memory the device prefers; -1 for none. 0 (the
 *              zero-initialised value) is node 0, which every system has.
 *              The bounce pool's memory comes from this node when NUMA is
 *              available and the node has memory, else from any node.
 * @bounce:     DMAB_BOUNCE_* flags; 0 bounces only what is beyond the mask.
 * @min_align_mask: the bounce address keeps the original's bits under this
 *              mask (NVMe needs 4095); 0 or 2^k - 1, below 128 KiB.
 * @alloc_align_mask: a bounce mapping's slots start on a bus address aligned
 *              to this mask + 1; 0 or 2^k - 1, below 2 MiB. With neither mask
 *              (none above the slot size), a mapping of a page or more starts
 *              on a page boundary.
 * @pool_size:  bytes in a bounce pool, rounded up to a multiple of 256 KiB
 *              (at most 1 GiB); 0 means DMAB_POOL_DEFAULT_SIZE. The pool is
 *              made at the first mapping that bounces, never for a device
 *              that cannot bounce (64-bit mask, no DMAB_BOUNCE_* flag).
 * @pool_max_extra: pools of the same size that may be added when every pool
 *              is full (at most 64); 0 means none: a full pool is -ENOMEM.
 *              An extra pool that empties is given back.
 * @pool_areas: number of areas (independent locks) a pool is cut into, a
 *              power of two up to 1024; 0 means one per CPU, rounded up to a
 *              power of two. Either way, halved until each area holds 256 KiB.
 * @sync_mode:  batched (default) or per-entry completion.
 * @backend:    cache backend by name ("aarch64", "x86_64", "generic",
 *              "trace", "sim"); NULL means "sim" if @sim is set, else the
 *              DMAB_ARCH environment variable if set, else the best backend
 *              that probes on this CPU. "" is -EINVAL (only NULL picks).
 * @line_size:  for the "trace" backend only: the line size it models, a
 *              power of two from 16 to 2048; 0 means 64. Must be 0 otherwise.
 * @sim:        put the device on this simulator (include/dmabatch/sim.h):
 *              the "sim" backend, the simulator's line size, its device DMA.
 *              The simulator must outlive the device. With @sim set, a
 *              @backend other than NULL or "sim" is -EINVAL, and DMAB_ARCH
 *              is ignored.
 * @pci_address: the device's PCI address, "dddd:bb:dd.f", or NULL. With
 *              @numa_node -1, the node is read from sysfs
 *              (/sys/bus/pci/devices/<address>/numa_node; -1 there stays -1);
 *              an address with no device there is -ENODEV.
 * @numa_strict: placement is checked after first touch (move_pages in query
 *              mode); a region whose pages are not all on the node chosen
 *              for it is counted in alloc_mismatch, and with this flag its
 *              allocation fails (-ENOMEM) instead.
 * @uncached:   where coherent memory for a non-coherent device comes from
 *              (see struct dmab_uncached_provider); NULL for none. Must
 *              outlive the device.
 * @numa_area_size: bytes (rounded up to 2 MiB, at most DMAB_ALLOC_MAX) to
 *              reserve on the device's node when it is created, the device's
 *              own area (the kernel's per-device CMA area): dmab_alloc_*,
 *              pool chunks and bounce pools (a 2 MiB aligned run) take pages
 *              from it first, then from the node, then from the default
 *              policy, each counted in alloc_local/alloc_fallback.
 *              Contiguous and provider memory never come from it. 0: none.
 * @iommu:      DMAB_IOMMU_* : map through an emulated IOMMU (an ARM LPAE
 *              stage-1 table in memory the library owns): bus addresses are
 *              IOVAs under the DMA mask, and dmab_map_sg() maps a list into
 *              one IOVA-contiguous range, merging entries into fewer segments
 *              where the segment limits allow. 0 (DMAB_IOMMU_OFF) maps by
 *              identity. The walker mode says how the table is kept: a
 *              coherent walker needs no cache maintenance; a non-coherent one
 *              gets each PTE write cleaned and completed (PER_PTE, as the
 *              kernel's io-pgtable without deferred syncing) or all of a
 *              call's PTE cleans issued in its batch, each line once, and
 *              completed with its data cleans by one barrier (DEFERRED). The
 *              IOMMU cannot be combined with a DMAB_BOUNCE_* flag other than
 *              NEVER (nothing needs bouncing: every IOVA is under the mask).
 *              On a simulator, the simulator's device translates through the
 *              table (include/dmabatch/sim.h); one such device per simulator.
 * @max_seg_size: longest DMA segment the device takes; 0 means 64 KiB (the
 *              kernel's default). The identity path maps entries as given
 *              (a segment over either limit is refused only in checking
 *              mode: dmab_map_sg()); the IOMMU never merges entries into a
 *              segment longer than this.
 * @seg_boundary_mask: a segment must not cross a multiple of this mask + 1;
 *              2^k - 1 with k >= 12, or 0 for 4 GiB - 1 (the kernel's default).
 * @debug:      DMAB_DEBUG_* flags: the DMA-API checker
 *              (include/dmabatch/debug.h); 0 is off unless the environment
 *              has DMAB_DEBUG=1 (checking) or DMAB_DEBUG=guard (checking
 *              and guard mode) when the device is created.
 * @xlate:      how bus addresses are made (include/dmabatch/xlate.h); NULL
 *              means identity (the CPU's virtual address). Read at create
 *              only; it need not outlive the call. A translator other than
 *              identity together with @iommu is -EINVAL: both make bus
 *              addresses.
 * @cmo_passes: how many times each cache maintenance range is issued before
 *              its completion: 1, or 2 for Arm erratum 4311569 (an SI L1
 *              interconnect may report a clean of dirty lines complete before
 *              the write reaches memory; a second DC CVAC/CIVAC loop over the
 *              same lines closes the window). 0: the platform's choice, which
 *              is 2 on aarch64 when the kernel was booted with
 *              arm_si_l1_workaround_4311569 (the kernel's own switch: the
 *              erratum cannot be detected) and 1 elsewhere. Counters count
 *              each line once; the trace backend records both passes. More
 *              than 2: -EINVAL.
 */
struct dmab_uncached_provider;

struct dmab_device_config {
	size_t size;
	const char *name;
	bool coherent;
	unsigned dma_bits;
	int numa_node;
	unsigned bounce;
	uint64_t min_align_mask;
	uint64_t alloc_align_mask;
	size_t pool_size;
	unsigned pool_max_extra;
	unsigned pool_areas;
	enum dmab_sync_mode sync_mode;
	const char *backend;
	size_t line_size;
	struct dmab_sim *sim;
	const char *pci_address;
	bool numa_strict;
	const struct dmab_uncached_provider *uncached;
	size_t numa_area_size;
	unsigned iommu;
	size_t max_seg_size;
	uint64_t seg_boundary_mask;
	unsigned debug;
	const struct dmab_xlate_config *xlate;
	unsigned cmo_passes;
};

/* dmab_device_config.iommu */
#define DMAB_IOMMU_OFF	    0u /* identity translation */
#define DMAB_IOMMU_COHERENT 1u /* the table walker snoops the CPU caches */
#define DMAB_IOMMU_PER_PTE  2u /* non-coherent walker: each PTE write cleaned and completed */
#define DMAB_IOMMU_DEFERRED                                                                        \
	3u /* non-coherent walker: a call's PTE cleans batched, once per line                      \
	    */

/** Default dmab_device_config.max_seg_size: 64 KiB. */
#define DMAB_MAX_SEG_SIZE_DEFAULT ((size_t)65536)
/** Default dmab_device_config.seg_boundary_mask: 4 GiB - 1. */
#define DMAB_SEG_BOUNDARY_DEFAULT ((uint64_t)0xffffffffu)

/** Check this device's use of the API (include/dmabatch/debug.h). */
#define DMAB_DEBUG_CHECK (1u << 0)
/** Checking, and take CPU access away from mapped page-aligned buffers the
 * device writes (include/dmabatch/debug.h, "Guard mode"). */
#define DMAB_DEBUG_GUARD (1u << 1)

/** Room in struct dmab_stats for the checker's classes. */
#define DMAB_STATS_DEBUG_CLASSES 24

/**
 * struct dmab_uncached_provider - memory the CPU maps uncached, for coherent
 * allocations of a non-coherent device (a u-dma-buf, or a /dev/mem-style
 * device opened with O_SYNC). The library never makes such memory itself.
 * @name:  for messages.
 * @alloc: map @len bytes (a multiple of the page size) preferably on @node
 *         (-1: anywhere), uncached for the CPU; 0 and *@cpu, or a negative
 *         errno.
 * @free:  unmap what @alloc gave, with the same @len.
 * @ctx:   passed to both.
 */
struct dmab_uncached_provider {
	const char *name;
	int (*alloc)(void *ctx, size_t len, int node, void **cpu);
	void (*free)(void *ctx, void *cpu, size_t len);
	void *ctx;
};

/** Nodes that struct dmab_stats counts one by one (higher ones: totals only). */
#define DMAB_STATS_NODES 16

/**
 * struct dmab_stats - a device's counters since creation.
 * Lines are counted once per line issued, after merging the lines that
 * neighbouring entries share.
 */
struct dmab_stats {
	uint64_t lines_cleaned;		  /* clean (write back, keep) */
	uint64_t lines_invalidated;	  /* invalidate only */
	uint64_t lines_clean_invalidated; /* clean + invalidate */
	uint64_t completions;		  /* completion barriers issued */
	uint64_t completions_saved;	  /* barriers per-entry mode would have added */
	uint64_t maps;			  /* successful map calls (single or sg) */
	uint64_t unmaps;		  /* successful unmap calls */
	uint64_t live_mappings;		  /* mapped entries not yet unmapped */
	const char *backend;		  /* backend name, static storage */
	size_t line_size;		  /* backend's cache line size in bytes */

	/* Bounce buffering; all 0 while the device has no pool. */
	uint64_t bounce_mappings;	   /* entries mapped through the pool */
	uint64_t bounce_bytes_to_device;   /* copied original -> slot */
	uint64_t bounce_bytes_from_device; /* copied slot -> original */
	uint64_t bounce_slots_total;	   /* slots in all pools now */
	uint64_t bounce_slots_used;	   /* slots held by mappings now */
	uint64_t bounce_slots_hwm;	   /* most slots ever held at once */
	uint64_t bounce_full;		   /* mappings refused for a full pool */
	unsigned bounce_pools;		   /* pools now: first + extra */
	uint64_t bounce_pools_grown;	   /* extra pools ever added (pool_size too small) */
	int bounce_node;		   /* node of the first pool's memory; -1 unknown */
	size_t bounce_page_size;	   /* its page size: 2 MiB hugepages or base */

	/*
	 * Placement of the memory the library gets for the device, in the
	 * kernel's fallback order (the device's area, its node when it has
	 * the memory, else the default policy), as the kernel reports it
	 * after first touch. Each region counts once, against the node it
	 * was wanted on (the device's, or for a device without one the
	 * calling CPU's): every bounce pool, the device's area when it is
	 * reserved, every dmab_alloc_* allocation and pool chunk (one from
	 * the area too).
	 */
	int numa_node;		   /* the device's node; -1 none */
	uint64_t alloc_local;	   /* regions placed on the node wanted */
	uint64_t alloc_fallback;   /* regions that had to go elsewhere */
	uint64_t alloc_mismatch;   /* regions found (move_pages) off their node */
	uint64_t alloc_unverified; /* regions whose node the kernel would not say */
	uint64_t alloc_live;	   /* allocations and pool chunks not yet freed */
	uint64_t alloc_node_local[DMAB_STATS_NODES];	/* alloc_local by node */
	uint64_t alloc_node_fallback[DMAB_STATS_NODES]; /* alloc_fallback by node */

	/* The emulated IOMMU (dmab_device_config.iommu); all 0 without one. */
	uint64_t iommu_pte_lines;	/* lines cleaned for leaf PTE writes and clears */
	uint64_t iommu_table_lines;	/* lines cleaned for new tables and table entries */
	uint64_t iommu_pte_completions; /* barriers the PER_PTE mode added for PTE cleans */
	uint64_t iommu_tlb_flushes;	/* gathered TLB invalidations of leaf ranges */
	uint64_t iommu_walk_flushes;	/* invalidations for removed tables */
	uint64_t iommu_table_pages;	/* table pages held now, the root included */
	uint64_t iommu_segments;	/* DMA segments map_sg returned, in all */
	/* The checker (include/dmabatch/debug.h); all 0 while it is off. */
	uint64_t debug_reports[DMAB_STATS_DEBUG_CLASSES]; /* by enum dmab_debug_class */
};

/**
 * dmab_device_create() - create a device handle.
 * @cfg: the configuration; NULL means all defaults.
 * @out: receives the device.
 *
 * Return: 0; -EINVAL for a NULL @out, a bad field or an unknown backend name;
 * -ENODEV if the named backend cannot run on this CPU; -EOPNOTSUPP if the
 * device is non-coherent and the backend does no cache maintenance
 * ("generic"); -ENOMEM.
 */
DMAB_API DMAB_NODISCARD int dmab_device_create(const struct dmab_device_config *cfg,
					       struct dmab_device **out);

/**
 * dmab_device_destroy() - release a device.
 * No other thread may be inside, or enter, a call on @dev (see the rules at
 * the top of this header); the caller orders that.
 * Return: 0; -EINVAL for NULL; -EBUSY while mappings are live or any bounce
 * slot is held (the device is left intact).
 *
 * A device that may bounce talks to liburcu (urcu-bp) only when it has had
 * an extra pool (pool_max_extra): that pool's lookups, its retirement and,
 * at destroy, the wait for retired pools. liburcu aborts the process when
 * its own allocation fails in those places (the first read-side lock of a
 * thread, the first call_rcu worker, rcu_barrier); the library cannot turn
 * those into error codes. A device that never grew makes no liburcu call.
 * Checking mode: the -EBUSY also reports each live mapping, with the return
 * address of the call that mapped it (DMAB_DEBUG_TEARDOWN_LIVE).
 */
DMAB_API DMAB_NODISCARD int dmab_device_destroy(struct dmab_device *dev);

/** dmab_device_backend() - the name of the device's cache backend. */
DMAB_API const char *dmab_device_backend(const struct dmab_device *dev);
/**
 * dmab_device_backend_desc() - what the device's backend issues, in words:
 * its instructions for clean, invalidate and clean+invalidate, its
 * completion, and any CPU errata it works around (the aarch64 backend on a
 * Cortex-A53 r0p0-r0p2 issues DC CIVAC for clean). Static storage; the
 * backend's name when it has nothing to add; "" for a NULL @dev.
 */
DMAB_API const char *dmab_device_backend_desc(const struct dmab_device *dev);
/** dmab_device_line_size() - the cache line size the device's backend uses. */
DMAB_API size_t dmab_device_line_size(const struct dmab_device *dev);

/**
 * dmab_mem_register() - tell the device's translator about memory that
 * buffers will be mapped from: a region, translated once (VFIO maps it,
 * pagemap reads its physical addresses), so that each map is a lookup.
 * Registering the same range again counts a reference; a range that
 * overlaps a registered one without being it is refused. On a device with
 * identity translation the region is recorded and nothing else is done.
 *
 * Return: 0; -EINVAL NULL, zero length, overflow; -EEXIST overlaps another
 * region; -ENOMEM; and the translator's: pagemap -EPERM (PFNs read 0: no
 * CAP_SYS_ADMIN), -EFAULT (a page is not present: touch it first),
 * -EOPNOTSUPP (not hugetlb, its physical address may move), -EIO; VFIO
 * -ENOSPC (no IOVA range left under the DMA mask) or the MAP_DMA ioctl's.
 */
DMAB_API DMAB_NODISCARD int dmab_mem_register(struct dmab_device *dev, void *addr, size_t len);

/**
 * dmab_mem_unregister() - drop one reference to a registered region; the
 * last one undoes the translation (VFIO unmaps it).
 * Return: 0; -EINVAL NULL, or not exactly a registered region (a part of
 * one, or the library's own bounce pool); -EBUSY the last reference while
 * buffers in it are still mapped (the region stays registered).
 */
DMAB_API DMAB_NODISCARD int dmab_mem_unregister(struct dmab_device *dev, void *addr, size_t len);

/**
 * dmab_map_single() - give one buffer to the device.
 * @dev:   the device.
 * @cpu:   the buffer; must not be NULL.
 * @len:   its length, at least 1.
 * @dir:   direction of the transfer.
 * @attrs: DMAB_ATTR_* flags.
 * @out:   receives the bus address; left unchanged on failure.
 *
 * A non-coherent device's lines covering the buffer are cleaned, whatever the
 * direction, and the clean is completed before the call returns.
 *
 * A buffer the device cannot use in place (see struct dmab_device_config's
 * @bounce) is bounced: copied into slots of the device's pool, whose lines
 * are cleaned instead; the buffer itself stays the caller's to read, but the
 * device's writes reach it only at unmap or sync_for_cpu.
 *
 * On a translating device (include/dmabatch/xlate.h) the buffer must lie in a
 * registered region and, for pagemap, within one physically contiguous part
 * of it; otherwise it is bounced, or fails with -EFAULT (not registered) or
 * -EXDEV (physically discontiguous) when the device cannot bounce.
 *
 * Return: 0; -EINVAL for bad arguments (NULL, zero length, address
 * overflow, bad direction, unknown attribute bits); -ERANGE if the device
 * cannot reach the buffer and it cannot be bounced (DMAB_BOUNCE_NEVER, longer
 * than dmab_max_mapping_size(), or no pool fits under the mask); -ENOMEM if
 * the bounce pool is full (and may not grow) or cannot be made; nothing is
 * left mapped then. A full pool also counts in bounce_full and, unless
 * DMAB_ATTR_NO_WARN, warns on stderr (at the 1st, 2nd, 4th, 8th... time).
 * Checking mode, before anything is mapped: -EFAULT for memory on the
 * calling thread's stack; -EROFS for read-only memory (code included) the
 * device would write (FROM_DEVICE, BIDIRECTIONAL); -EADDRINUSE if the buffer's
 * first or last cache line is the first or last line of a live mapping of
 * this device, one of the two device-writable, neither SKIP_CPU_SYNC.
 */
DMAB_API DMAB_NODISCARD int dmab_map_single(struct dmab_device *dev, void *cpu, size_t len,
					    enum dmab_dir dir, unsigned attrs, dmab_addr_t *out);

/**
 * dmab_unmap_single() - take a buffer back from the device.
 * For FROM_DEVICE and BIDIRECTIONAL, a non-coherent device's lines are
 * invalidated (partial lines at either end cleaned and invalidated) and the
 * invalidation completed before the call returns. A bounced mapping's slots
 * are invalidated, then, after the completion, copied back to the original
 * (FROM_DEVICE, BIDIRECTIONAL, unless SKIP_CPU_SYNC) and freed.
 *
 * Return: 0; -EINVAL for bad arguments, for a direct range no mapping of
 * the device ever covered or when no direct mapping is live, or when @addr
 * and @len, inside a bounce pool, are not exactly a live bounce mapping's
 * (see the checks at the top of this header).
 * Checking mode, before anything is done: -ENOENT if no mapping starts at
 * @addr; -EALREADY if the mapping there was unmapped already (or is being
 * unmapped by another thread); -EPROTOTYPE if it was made by dmab_map_sg();
 * -EMSGSIZE for another @len; -EBADRQC for another @dir.
 */
DMAB_API DMAB_NODISCARD int dmab_unmap_single(struct dmab_device *dev, dmab_addr_t addr, size_t len,
					      enum dmab_dir dir, unsigned attrs);

/**
 * dmab_map_sg() - give a scatter-gather list to the device.
 * @dev:   the device.
 * @sg:    the entries; addr and len are read, dma_addr and dma_len written.
 *         After a failure, the dma_addr and dma_len of entries before the
 *         one that failed may have been written and mean nothing.
 * @nents: number of entries, at least 1.
 * @dir:   direction of the transfer.
 * @attrs: DMAB_ATTR_* flags.
 *
 * Cleans every entry's lines (non-coherent device), merging lines shared by
 * neighbouring entries, and completes once at the end (batched mode) or
 * after each entry (per-entry mode). Either every entry is mapped or none.
 * Entries that bounce are copied into their slots before the slots' cleans
 * are issued; bounced and direct entries share the one completion.
 *
 * On a device with an IOMMU (dmab_device_config.iommu) the list is mapped
 * into one IOVA range and neighbouring entries merge into one segment where
 * the first ends and the second starts on a page boundary, within
 * max_seg_size and seg_boundary_mask: the segments are written to the first
 * entries' dma_addr and dma_len, the other entries get 0 and 0. Unmap and
 * the sg syncs take the list as it was mapped (same entries, same nents);
 * the single-range calls on such a device take a range within one entry.
 *
 * Return: the number of DMA segments used (> 0; without an IOMMU always
 * @nents, empty entries included: entries are not merged); -EINVAL for bad
 * arguments
 * (any entry: NULL address with non-zero length, address overflow); -ERANGE
 * or -ENOMEM as for dmab_map_single(), for any entry. On failure every entry
 * mapped so far is unmapped and its slots freed; only bounce_full and
 * bounce_slots_hwm may remember the attempt, and the device's first bounce
 * pool, if this call made it, stays (bounce_pools 0 -> 1): it is made once,
 * at the first mapping that bounces, and kept until destroy.
 * Checking mode: each non-empty entry as in dmab_map_single() (-EFAULT,
 * -EROFS, -EADDRINUSE), judged against the mappings already live (entries
 * of the one list may share lines with each other); then, once the bus
 * addresses are known and before anything is issued, each segment (a
 * non-empty entry's dma_addr and dma_len): -EFBIG if it is longer than
 * max_seg_size, -EXDEV if it crosses a multiple of seg_boundary_mask + 1
 * (the call unwinds as for any failure); behind the IOMMU, the same limits
 * on each entry before anything is mapped, since merging keeps within them.
 * The segment limits are checked only in checking mode, as the kernel's
 * dma-debug does: in normal mode the identity path maps entries as given,
 * whatever their length, and the IOMMU maps an over-long entry as one
 * over-long segment.
 */
DMAB_API DMAB_NODISCARD int dmab_map_sg(struct dmab_device *dev, struct dmab_sg *sg, int nents,
					enum dmab_dir dir, unsigned attrs);

/**
 * dmab_map_sg_split() - dmab_map_sg(), splitting an entry that is not
 * contiguous on the bus into several DMA segments.
 * @dev:   the device.
 * @sg:    an array of @room entries, the first @nents of them the list:
 *         their addr and len are read; dma_addr and dma_len of the first
 *         (returned count) array elements are written with the segments, in
 *         list order. Elements past @nents are only room for segments:
 *         their addr and len are neither read nor written.
 * @nents: number of entries, at least 1.
 * @room:  the array's length, at least @nents.
 * @dir:   direction of the transfer.
 * @attrs: DMAB_ATTR_* flags.
 *
 * On a device whose translator registers memory (pagemap, noiommu, VFIO:
 * include/dmabatch/xlate.h), an entry inside one registered region that is
 * not contiguous on the bus (pagemap: physically) becomes one segment per
 * contiguous part; every other entry is mapped as dmab_map_sg() maps it (a
 * contiguous one in place; one that must bounce, forced, unaligned, or
 * with a part beyond the DMA mask on a device that may bounce, whole,
 * through the pool). Each segment is a mapping of its own in live_mappings
 * and for the checker. On any other device this is dmab_map_sg() (the
 * emulated IOMMU merges rather than splits: at most @nents segments).
 * Unmap and the sg syncs take the list as the caller gave it: the same
 * array and @nents as passed here, not the count returned; they find each
 * split entry's segments again (its first segment is shorter than it).
 * The registered region must stay registered while the call runs.
 *
 * Return: the number of DMA segments (> 0); -ENOSPC if they would be more
 * than @room (nothing is mapped: the message says how many are needed);
 * -EINVAL for bad arguments (@room < @nents); -EAGAIN if a registered
 * region changed during the call (nothing stays mapped); otherwise as
 * dmab_map_sg(), whose messages number the segments, not the entries.
 */
DMAB_API DMAB_NODISCARD int dmab_map_sg_split(struct dmab_device *dev, struct dmab_sg *sg,
					      int nents, int room, enum dmab_dir dir,
					      unsigned attrs);

/**
 * dmab_unmap_sg() - take a scatter-gather list back; @nents as passed to map.
 * Invalidates (FROM_DEVICE, BIDIRECTIONAL) every entry, completes once, and
 * only then copies bounced entries back (in per-entry mode: each entry
 * completes, and is copied back, before the next).
 * A list that names one bounce mapping twice unmaps it once (and counts it
 * once in live_mappings); direct entries are counted as listed.
 * A list mapped by dmab_map_sg_split() is taken back whole, with the
 * @nents given to it.
 * Return: 0; -EINVAL for bad arguments, for any entry refused as for
 * dmab_unmap_single(), or more direct entries than are mapped.
 * Checking mode, every non-empty entry before anything is done: as
 * dmab_unmap_single() (-ENOENT, -EALREADY, -EMSGSIZE for another dma_len,
 * -EBADRQC), -EPROTOTYPE for an entry made by dmab_map_single(), and
 * -EBADSLT if @nents is not the map call's.
 */
DMAB_API DMAB_NODISCARD int dmab_unmap_sg(struct dmab_device *dev, struct dmab_sg *sg, int nents,
					  enum dmab_dir dir, unsigned attrs);

/**
 * dmab_sync_single_for_cpu() - give a mapped buffer (or part) back to the CPU.
 * Invalidates unless TO_DEVICE; one completion. For a bounced mapping (any
 * sub-range of it), the slot is invalidated and, after the completion,
 * copied back to the original for FROM_DEVICE and BIDIRECTIONAL.
 * Return: 0 or -EINVAL (zero @len, a bad direction, a range inside a bounce
 * pool that is not inside a live bounce mapping, or one whose line-rounded
 * end wraps; a direct range is not checked further, see the top of this
 * header).
 * Checking mode: -ENOENT if no live mapping holds @addr; -ERANGE if the
 * range runs past its end; -EACCES for a direction other than the
 * mapping's that hands the CPU a TO_DEVICE mapping (or, for_device, the
 * device a FROM_DEVICE one); -EBADRQC for any other direction other than
 * the mapping's, unless it is BIDIRECTIONAL. Sub-ranges are fine.
 */
DMAB_API DMAB_NODISCARD int dmab_sync_single_for_cpu(struct dmab_device *dev, dmab_addr_t addr,
						     size_t len, enum dmab_dir dir);
/**
 * dmab_sync_single_for_device() - give a buffer (or part) back to the device.
 * Cleans in every direction; one completion. For a bounced mapping, the
 * original is first copied into the slot (TO_DEVICE, BIDIRECTIONAL), then the
 * slot is cleaned. Return: 0 or -EINVAL, as dmab_sync_single_for_cpu().
 * Checking mode: as dmab_sync_single_for_cpu().
 */
DMAB_API DMAB_NODISCARD int dmab_sync_single_for_device(struct dmab_device *dev, dmab_addr_t addr,
							size_t len, enum dmab_dir dir);
/**
 * dmab_sync_sg_for_cpu() - as the single call, for a list; one completion in
 * batched mode, one per entry in per-entry mode (each entry's copy back
 * after its own completion). An entry whose dma_len is 0 is skipped.
 * @dev:   the device.
 * @sg:    the list as mapped.
 * @dir:   the direction it was mapped with.
 * @nents: the number of entries passed to dmab_map_sg() (as in the kernel),
 *         or to dmab_map_sg_split(), not the number of DMA segments it
 *         returned; the entries' dma_addr and dma_len are read (and, after
 *         a split, the segments' and the entries' addr and len).
 * Return: 0; -EINVAL for bad arguments or any entry refused as for the
 * single call (nothing is issued then).
 * Checking mode: each non-empty entry as the single call, and -EBADSLT if
 * @nents is not the map call's.
 */
DMAB_API DMAB_NODISCARD int dmab_sync_sg_for_cpu(struct dmab_device *dev, struct dmab_sg *sg,
						 int nents, enum dmab_dir dir);
/**
 * dmab_sync_sg_for_device() - as dmab_sync_sg_for_cpu(), towards the device.
 * Checking mode: as dmab_sync_sg_for_cpu().
 */
DMAB_API DMAB_NODISCARD int dmab_sync_sg_for_device(struct dmab_device *dev, struct dmab_sg *sg,
						    int nents, enum dmab_dir dir);

/*
 * A batch collects the maintenance of any number of buffers, of one or
 * several devices, and completes it with one barrier per completion domain
 * at commit: all devices on one CPU backend ("aarch64", "x86_64",
 * "generic") share one domain; each simulator is a domain of its own, and
 * so is each "trace" device. A device in DMAB_SYNC_PER_ENTRY mode does not
 * wait for commit: each dmab_batch_sync_* call on it completes that entry
 * (and does its copy back) before it returns, as its other calls do.
 * It lives wherever the caller puts it (the stack is fine); its fields are
 * private. Issued operations may reach the hardware before commit; only
 * commit waits for them. A batch is used by one thread at a time.
 */
#define DMAB_BATCH_PARTS  8  /* devices a batch tracks before it completes early */
#define DMAB_BATCH_COPIES 16 /* deferred copies it holds before it completes early */
/** Bytes of struct dmab_batch: the engine's state, with room to grow. */
#define DMAB_BATCH_SIZE 2048

/**
 * struct dmab_batch - opaque storage for a batch's state, sized and aligned
 * for it; only the dmab_batch_* calls read or write it. Its size changes
 * only with the library's SOVERSION.
 */
struct dmab_batch {
	union {
		unsigned char bytes[DMAB_BATCH_SIZE];
		uint64_t align_u64;
		void *align_ptr;
	} opaque;
};

/** dmab_batch_init() - make @b empty and usable. */
DMAB_API void dmab_batch_init(struct dmab_batch *b);

/**
 * dmab_batch_sync_for_device() - add a for-device sync (a clean) to @b.
 * Return: 0; -EINVAL for bad arguments or an uninitialised batch.
 * Checking mode: as dmab_sync_single_for_device(); nothing is added.
 */
DMAB_API DMAB_NODISCARD int dmab_batch_sync_for_device(struct dmab_batch *b,
						       struct dmab_device *dev, dmab_addr_t addr,
						       size_t len, enum dmab_dir dir);
/**
 * dmab_batch_sync_for_cpu() - add a for-CPU sync (an invalidate unless
 * TO_DEVICE) to @b. The buffer belongs to the CPU only after commit; a
 * bounced mapping is copied back at commit, so it must stay mapped until then.
 * Return: 0; -EINVAL for bad arguments or an uninitialised batch.
 * Checking mode: as dmab_sync_single_for_cpu(); nothing is added.
 */
DMAB_API DMAB_NODISCARD int dmab_batch_sync_for_cpu(struct dmab_batch *b, struct dmab_device *dev,
						    dmab_addr_t addr, size_t len,
						    enum dmab_dir dir);
/**
 * dmab_batch_commit() - issue what is left, complete everything, then do
 * the copies that had to wait for completion. @b is empty afterwards.
 * Return: the number of completion barriers issued by the commit itself,
 * one per completion domain with maintenance still open (0 if nothing
 * was); -EINVAL for an uninitialised batch.
 */
DMAB_API DMAB_NODISCARD int dmab_batch_commit(struct dmab_batch *b);

/**
 * dmab_max_mapping_size() - the longest buffer one mapping of @dev may have.
 * A device that may bounce (narrow mask, DMAB_BOUNCE_FORCE) is limited to
 * what 128 contiguous slots hold (256 KiB) less @min_align_mask rounded up
 * to whole slots, whatever a buffer's own offset: a buffer that must bounce
 * and is longer gets -ERANGE, one this long or shorter never does for its
 * length. Any other device (DMAB_BOUNCE_UNALIGNED alone among them: what is
 * too long to bounce is maintained in place) maps any length: SIZE_MAX.
 * Return: the size; 0 for a NULL @dev.
 */
DMAB_API size_t dmab_max_mapping_size(const struct dmab_device *dev);

/**
 * dmab_opt_mapping_size() - the longest mapping of @dev that is still fast:
 * with an IOMMU, the largest size its IOVA allocator serves from a cache
 * (128 KiB, as the kernel's iova rcache), else dmab_max_mapping_size().
 * Never more than dmab_max_mapping_size(). Return: the size; 0 for NULL.
 */
DMAB_API size_t dmab_opt_mapping_size(const struct dmab_device *dev);

/**
 * dmab_device_stats() - copy the device's counters into @out.
 *
 * Each thread counts in a block of its own and this call adds the blocks up:
 * the counts are exact for the calling thread's own calls, and for every
 * thread once the others are quiescent (joined, or ordered by the caller's
 * own synchronisation). Read while other threads map, each counter is some
 * value it passed through, and the counters need not agree with each other.
 * live_mappings is always exact.
 *
 * Return: 0; -EINVAL for a NULL @dev or @out (@out unchanged).
 */
DMAB_API DMAB_NODISCARD int dmab_device_stats(const struct dmab_device *dev,
					      struct dmab_stats *out);

/*
 * The kernel's spellings. A driver sets its mask at probe, before it maps
 * anything, as with dma_set_mask(); the wrappers below behave as the kernel
 * calls of the same name less the dmab_ prefix, with 0 or a negative errno.
 */
/**
 * dmab_set_mask() - set the device's DMA mask, as dma_set_mask() does.
 * @dev:  the device; not yet used by any other thread.
 * @mask: the highest bus address the device can reach, 2^n - 1 for n from 1
 *        to 64 (the kernel's DMA_BIT_MASK(n)).
 *
 * Valid only before the device's first mapping: the bounce policy and its
 * pools are remade for the new mask, as if @mask had been given as
 * dma_bits to dmab_device_create(). Must not run at the same time as any
 * other call on @dev.
 *
 * Return: 0; -EINVAL for a NULL @dev or a mask that is not 2^n - 1; -EBUSY
 * once the device has mapped anything (or made a bounce pool), or while it
 * holds DMA memory (dmab_alloc_*, dmab_pool_*); -ERANGE if the device's
 * NUMA area (numa_area_size), placed at creation, lies beyond the new mask;
 * -ENOMEM. On failure the mask is unchanged.
 */
DMAB_API DMAB_NODISCARD int dmab_set_mask(struct dmab_device *dev, uint64_t mask);
/**
 * dmab_set_mask_and_coherent() - as dmab_set_mask(): the library has one
 * mask, for streaming mappings and for any memory it allocates for the
 * device. Return: as dmab_set_mask().
 */
DMAB_API DMAB_NODISCARD int dmab_set_mask_and_coherent(struct dmab_device *dev, uint64_t mask);
/**
 * dmab_get_mask() - the device's DMA mask.
 * Return: the mask (UINT64_MAX for 64 bits); 0 for a NULL @dev.
 */
DMAB_API uint64_t dmab_get_mask(const struct dmab_device *dev);
/**
 * dmab_get_cache_alignment() - the alignment, in bytes, that keeps a buffer
 * off cache lines it shares with other data: the line size of the device's
 * backend, as dmab_device_line_size() (dma_get_cache_alignment() in the
 * kernel). Return: the size; 0 for a NULL @dev.
 */
DMAB_API size_t dmab_get_cache_alignment(const struct dmab_device *dev);
/**
 * dmab_need_sync() - whether the sync calls do anything for the mapping at
 * @addr, as dma_need_sync().
 * @dev:  the device.
 * @addr: a bus address returned by a map call.
 *
 * Return: 1 for a non-coherent device (every mapping), and for a coherent
 * device's bounced mappings (the syncs copy their data); 0 for a coherent
 * device's other addresses; -EINVAL for a NULL @dev.
 */
DMAB_API DMAB_NODISCARD int dmab_need_sync(struct dmab_device *dev, dmab_addr_t addr);

/**
 * struct dmab_sg_table - a scatter-gather list with its counts, as the
 * kernel's struct sg_table.
 * @sgl:        the entries.
 * @orig_nents: the number of entries, set by the caller; the unmap and sync
 *              calls take this one.
 * @nents:      out: the number of DMA segments, set by dmab_map_sgtable().
 */
struct dmab_sg_table {
	struct dmab_sg *sgl;
	int orig_nents;
	int nents;
};

/**
 * dmab_map_sgtable() - dmab_map_sg() of a table, as dma_map_sgtable().
 * Return: 0, with @sgt->nents set; a negative errno as dmab_map_sg(), or
 * -EINVAL for a NULL @sgt, a NULL sgl or orig_nents < 1, with @sgt
 * unchanged and nothing mapped.
 */
DMAB_API DMAB_NODISCARD int dmab_map_sgtable(struct dmab_device *dev, struct dmab_sg_table *sgt,
					     enum dmab_dir dir, unsigned attrs);
/**
 * dmab_unmap_sgtable() - dmab_unmap_sg() of @sgt's orig_nents entries.
 * Return: 0 or a negative errno as dmab_unmap_sg().
 */
DMAB_API DMAB_NODISCARD int dmab_unmap_sgtable(struct dmab_device *dev, struct dmab_sg_table *sgt,
					       enum dmab_dir dir, unsigned attrs);
/**
 * dmab_sync_sgtable_for_cpu() - dmab_sync_sg_for_cpu() of @sgt's
 * orig_nents entries. Return: 0 or a negative errno.
 */
DMAB_API DMAB_NODISCARD int dmab_sync_sgtable_for_cpu(struct dmab_device *dev,
						      struct dmab_sg_table *sgt, enum dmab_dir dir);
/**
 * dmab_sync_sgtable_for_device() - dmab_sync_sg_for_device() of @sgt's
 * orig_nents entries. Return: 0 or a negative errno.
 */
DMAB_API DMAB_NODISCARD int
dmab_sync_sgtable_for_device(struct dmab_device *dev, struct dmab_sg_table *sgt, enum dmab_dir dir);

/*
 * DMA memory, named as the kernel's. Every allocation is on the device's
 * NUMA node when that node has the memory (else, as the kernel falls back,
 * from the default policy; both counted in dmab_device_stats()), under the
 * device's DMA mask, zeroed, and recorded: freeing it with another function,
 * another size, bus address or direction is -EINVAL and frees nothing. A
 * device with live allocations or pools cannot be destroyed (-EBUSY).
 * Lengths are from 1 byte to DMAB_ALLOC_MAX; memory is handed out in whole
 * pages, the bus address page aligned.
 */
/** The longest single allocation: 1 GiB. */
#define DMAB_ALLOC_MAX ((size_t)1 << 30)

/**
 * dmab_alloc_noncoherent() - cacheable memory the driver syncs itself (the
 * kernel's dma_alloc_noncoherent): hand it to the device with
 * dmab_sync_single_for_device() and back with dmab_sync_single_for_cpu(),
 * in @dir.
 * On a translating device (VFIO, pagemap) the memory is registered with
 * the translator for its lifetime; pagemap takes only hugetlb memory (a
 * length that is a multiple of 2 MiB gets hugepages when reserved) unless
 * allow_unpinned.
 * Return: 0, *@cpu and *@dma; -EINVAL (NULL, bad length or direction);
 * -ERANGE (no memory under the mask); -ENOMEM; the translator's refusal
 * (e.g. -EOPNOTSUPP for pagemap on base pages, -EPERM without CAP_SYS_ADMIN).
 */
DMAB_API DMAB_NODISCARD int dmab_alloc_noncoherent(struct dmab_device *dev, size_t len,
						   enum dmab_dir dir, void **cpu, dmab_addr_t *dma);
/** dmab_free_noncoherent() - free it; the arguments as allocated. 0 or -EINVAL. */
DMAB_API int dmab_free_noncoherent(struct dmab_device *dev, size_t len, void *cpu, dmab_addr_t dma,
				   enum dmab_dir dir);

/**
 * dmab_alloc_coherent() - memory the CPU and the device see alike with no
 * sync (the kernel's dma_alloc_coherent). For a coherent device, ordinary
 * memory. For a non-coherent device, only from the config's @uncached
 * provider: never cached memory passed off as coherent.
 * Return: 0, *@cpu and *@dma; -EOPNOTSUPP for a non-coherent device without
 * a provider (dmab_last_error() says what to use instead); -EINVAL; -ERANGE;
 * -ENOMEM; the provider's error.
 */
DMAB_API DMAB_NODISCARD int dmab_alloc_coherent(struct dmab_device *dev, size_t len, void **cpu,
						dmab_addr_t *dma);
/** dmab_free_coherent() - free it; the arguments as allocated. 0 or -EINVAL. */
DMAB_API int dmab_free_coherent(struct dmab_device *dev, size_t len, void *cpu, dmab_addr_t dma);

/**
 * dmab_alloc_contiguous() - physically contiguous, cacheable memory (the
 * user-space CMA): 2 MiB hugetlb pages, never the bounce pools' memory.
 * Longer than one hugepage only where the translator can show the pages
 * are adjacent: pagemap takes only a physically adjacent run (other runs
 * are held and more hugepages asked for, a few times), an IOMMU's
 * translator (VFIO) gives any run one IOVA range; identity translation
 * cannot say. Return: 0; -EINVAL; -ENOMEM when the system has no hugepages
 * reserved (vm.nr_hugepages) or free, or no adjacent run was found
 * (dmab_last_error() says which); -ENOTSUP for more than one hugepage on
 * identity translation; -ERANGE.
 */
DMAB_API DMAB_NODISCARD int dmab_alloc_contiguous(struct dmab_device *dev, size_t len, void **cpu,
						  dmab_addr_t *dma);
/** dmab_free_contiguous() - free it; the arguments as allocated. 0 or -EINVAL. */
DMAB_API int dmab_free_contiguous(struct dmab_device *dev, size_t len, void *cpu, dmab_addr_t dma);

struct dmab_pool;

/**
 * dmab_pool_create() - a pool of fixed-size blocks for descriptors (the
 * kernel's dma_pool).
 * @dev:      the device the blocks are for.
 * @name:     for messages; NULL gives "pool".
 * @size:     bytes per block, 1 to 2 MiB.
 * @align:    a block's bus address is a multiple of this power of two (at
 *            most the page size); 0 means 8.
 * @boundary: 0, or a power of two >= @size (and >= @align): no block
 *            crosses a multiple of it in bus addresses.
 * @out:      receives the pool; left unchanged on failure.
 * The pool's memory is coherent for a coherent device or one with an
 * @uncached provider, else non-coherent (the driver syncs each block).
 * Return: 0 and *@out; -EINVAL for any bad argument; -ENOMEM.
 */
DMAB_API DMAB_NODISCARD int dmab_pool_create(struct dmab_device *dev, const char *name, size_t size,
					     size_t align, size_t boundary, struct dmab_pool **out);
/** dmab_pool_alloc() - a zeroed block. Return: 0; -EINVAL; -ERANGE; -ENOMEM. */
DMAB_API DMAB_NODISCARD int dmab_pool_alloc(struct dmab_pool *pool, void **cpu, dmab_addr_t *dma);
/** dmab_pool_free() - give a block back. Return: 0; -EINVAL for anything
 * that is not a live block of @pool at that bus address. */
DMAB_API int dmab_pool_free(struct dmab_pool *pool, void *cpu, dmab_addr_t dma);
/** dmab_pool_destroy() - free the pool. Return: 0; -EINVAL for NULL;
 * -EBUSY while blocks are live (the pool is left intact). */
DMAB_API DMAB_NODISCARD int dmab_pool_destroy(struct dmab_pool *pool);

/** dmab_strerror() - words for a return code (negative errno or 0); any
 * other value (positive, INT_MIN) gives "not an error code". */
DMAB_API const char *dmab_strerror(int err);
/**
 * dmab_last_error() - detail of this thread's last failed call, or "".
 *
 * The text is meaningful right after a call of this thread that returned a
 * negative errno, and describes that failure. Successful calls do not clear
 * it, so after a success it may describe an older failure: read it only when
 * a call has just failed. The string is this thread's storage: valid until
 * this thread's next call into the library (which may overwrite it) and
 * never after the thread exits; copy it to keep it.
 *
 * Return: the text, never NULL.
 */
DMAB_API const char *dmab_last_error(void);
/** dmab_version() - the library's version string, e.g. "0.2.0". */
DMAB_API const char *dmab_version(void);

#ifdef __cplusplus
}
#endif

#endif /* DMABATCH_H */
