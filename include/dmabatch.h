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
 * - A device may be used from several threads at once.
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
#define DMAB_VERSION_MINOR  1
#define DMAB_VERSION_PATCH  0
#define DMAB_VERSION_STRING "0.1.0"

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

/** No cache maintenance (and, for bounced mappings, no copy) for this call. */
#define DMAB_ATTR_SKIP_CPU_SYNC (1u << 0)
/** Keep quiet about a full bounce pool. */
#define DMAB_ATTR_NO_WARN (1u << 1)

/** enum dmab_sync_mode - how a multi-entry call completes its maintenance. */
enum dmab_sync_mode {
	DMAB_SYNC_BATCHED = 0,	 /* issue every entry, complete once (default) */
	DMAB_SYNC_PER_ENTRY = 1, /* complete after each entry, as before batching */
};

/**
 * struct dmab_sg - one scatter-gather entry, filled by the caller.
 * @addr:     CPU address of the buffer.
 * @len:      its length in bytes; 0 is allowed and maps nothing.
 * @dma_addr: out: the bus address the device uses, set by dmab_map_sg().
 * @dma_len:  out: the length at @dma_addr, set by dmab_map_sg().
 */
struct dmab_sg {
	void *addr;
	size_t len;
	dmab_addr_t dma_addr;
	size_t dma_len;
};

struct dmab_device;
struct dmab_sim;

/**
 * struct dmab_device_config - how a device is to be handled.
 * A zero-initialised config is a valid default: a non-coherent device with a
 * 64-bit mask, batched maintenance and the best backend for this CPU.
 * @name:       for messages; NULL gives "dmab".
 * @coherent:   true if the device snoops CPU caches: no maintenance at all.
 * @dma_bits:   width of the DMA mask, 1 to 64; 0 means 64.
 * @numa_node:  node whose memory the device prefers; -1 for none. 0 (the
 *              zero-initialised value) is node 0, which every system has.
 * @sync_mode:  batched (default) or per-entry completion.
 * @backend:    cache backend by name ("aarch64", "x86_64", "generic",
 *              "trace", "sim"); NULL means "sim" if @sim is set, else the
 *              DMAB_ARCH environment variable if set, else the best backend
 *              that probes on this CPU.
 * @line_size:  for the "trace" backend only: the line size it models, a
 *              power of two from 16 to 2048; 0 means 64. Must be 0 otherwise.
 * @sim:        put the device on this simulator (include/dmabatch/sim.h):
 *              the "sim" backend, the simulator's line size, its device DMA.
 *              The simulator must outlive the device. With @sim set, a
 *              @backend other than NULL or "sim" is -EINVAL, and DMAB_ARCH
 *              is ignored.
 */
struct dmab_device_config {
	const char *name;
	bool coherent;
	unsigned dma_bits;
	int numa_node;
	enum dmab_sync_mode sync_mode;
	const char *backend;
	size_t line_size;
	struct dmab_sim *sim;
};

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
 * Return: 0; -EINVAL for NULL; -EBUSY while mappings are live (the device is
 * left intact).
 */
DMAB_API DMAB_NODISCARD int dmab_device_destroy(struct dmab_device *dev);

/** dmab_device_backend() - the name of the device's cache backend. */
DMAB_API const char *dmab_device_backend(const struct dmab_device *dev);
/** dmab_device_line_size() - the cache line size the device's backend uses. */
DMAB_API size_t dmab_device_line_size(const struct dmab_device *dev);

/**
 * dmab_map_single() - give one buffer to the device.
 * @dev:   the device.
 * @cpu:   the buffer; must not be NULL.
 * @len:   its length, at least 1.
 * @dir:   direction of the transfer.
 * @attrs: DMAB_ATTR_* flags.
 * @out:   receives the bus address.
 *
 * A non-coherent device's lines covering the buffer are cleaned, whatever the
 * direction, and the clean is completed before the call returns.
 *
 * Return: 0; -EINVAL for bad arguments (NULL, zero length, address
 * overflow, bad direction, unknown attribute bits); -ERANGE if the device
 * cannot reach the buffer through its DMA mask.
 */
DMAB_API DMAB_NODISCARD int dmab_map_single(struct dmab_device *dev, void *cpu, size_t len,
					    enum dmab_dir dir, unsigned attrs, dmab_addr_t *out);

/**
 * dmab_unmap_single() - take a buffer back from the device.
 * For FROM_DEVICE and BIDIRECTIONAL, a non-coherent device's lines are
 * invalidated (partial lines at either end cleaned and invalidated) and the
 * invalidation completed before the call returns.
 *
 * Return: 0; -EINVAL for bad arguments or when the device has no live
 * mapping.
 */
DMAB_API DMAB_NODISCARD int dmab_unmap_single(struct dmab_device *dev, dmab_addr_t addr, size_t len,
					      enum dmab_dir dir, unsigned attrs);

/**
 * dmab_map_sg() - give a scatter-gather list to the device.
 * @sg:    the entries; addr and len are read, dma_addr and dma_len written.
 * @nents: number of entries, at least 1.
 *
 * Cleans every entry's lines (non-coherent device), merging lines shared by
 * neighbouring entries, and completes once at the end (batched mode) or
 * after each entry (per-entry mode). Either every entry is mapped or none.
 *
 * Return: the number of DMA segments used (> 0); -EINVAL for bad arguments
 * (any entry: NULL address with non-zero length, address overflow); -ERANGE
 * if an entry is beyond the device's DMA mask.
 */
DMAB_API DMAB_NODISCARD int dmab_map_sg(struct dmab_device *dev, struct dmab_sg *sg, int nents,
					enum dmab_dir dir, unsigned attrs);

/**
 * dmab_unmap_sg() - take a scatter-gather list back; @nents as passed to map.
 * Invalidates (FROM_DEVICE, BIDIRECTIONAL) every entry, completes once.
 * Return: 0; -EINVAL for bad arguments or more entries than are mapped.
 */
DMAB_API DMAB_NODISCARD int dmab_unmap_sg(struct dmab_device *dev, struct dmab_sg *sg, int nents,
					  enum dmab_dir dir, unsigned attrs);

/**
 * dmab_sync_single_for_cpu() - give a mapped buffer (or part) back to the CPU.
 * Invalidates unless TO_DEVICE; one completion. Return: 0 or -EINVAL.
 */
DMAB_API DMAB_NODISCARD int dmab_sync_single_for_cpu(struct dmab_device *dev, dmab_addr_t addr,
						     size_t len, enum dmab_dir dir);
/**
 * dmab_sync_single_for_device() - give a buffer (or part) back to the device.
 * Cleans in every direction; one completion. Return: 0 or -EINVAL.
 */
DMAB_API DMAB_NODISCARD int dmab_sync_single_for_device(struct dmab_device *dev, dmab_addr_t addr,
							size_t len, enum dmab_dir dir);
/** dmab_sync_sg_for_cpu() - as the single call, for a list; one completion. */
DMAB_API DMAB_NODISCARD int dmab_sync_sg_for_cpu(struct dmab_device *dev, struct dmab_sg *sg,
						 int nents, enum dmab_dir dir);
/** dmab_sync_sg_for_device() - as the single call, for a list; one completion. */
DMAB_API DMAB_NODISCARD int dmab_sync_sg_for_device(struct dmab_device *dev, struct dmab_sg *sg,
						    int nents, enum dmab_dir dir);

/*
 * A batch collects the maintenance of any number of buffers, of one or
 * several devices, and completes it with one barrier per backend at commit.
 * It lives wherever the caller puts it (the stack is fine); its fields are
 * private. Issued operations may reach the hardware before commit; only
 * commit waits for them. A batch is used by one thread at a time.
 */
#define DMAB_BATCH_PARTS  8
#define DMAB_BATCH_COPIES 16

struct dmab_batch {
	/* private: read nothing here, the layout changes between versions */
	uint32_t magic;
	uint16_t nparts, ncopies;
	uint32_t hit; /* the entry being added issued something */
	struct {
		struct dmab_device *dev;
		uint32_t entries;  /* entries that issued lines since last completion */
		uint32_t pending;  /* lines issued since last completion */
		uint64_t lines[3]; /* clean, inval, clean+inval, not yet in stats */
	} part[DMAB_BATCH_PARTS];
	struct {
		int part, op;
		uintptr_t start, end;
	} run;
	struct {
		void *dst;
		const void *src;
		size_t len;
		int part;
	} copy[DMAB_BATCH_COPIES];
};

/** dmab_batch_init() - make @b empty and usable. */
DMAB_API void dmab_batch_init(struct dmab_batch *b);

/**
 * dmab_batch_sync_for_device() - add a for-device sync (a clean) to @b.
 * Return: 0; -EINVAL for bad arguments or an uninitialised batch.
 */
DMAB_API DMAB_NODISCARD int dmab_batch_sync_for_device(struct dmab_batch *b,
						       struct dmab_device *dev, dmab_addr_t addr,
						       size_t len, enum dmab_dir dir);
/**
 * dmab_batch_sync_for_cpu() - add a for-CPU sync (an invalidate unless
 * TO_DEVICE) to @b. The buffer belongs to the CPU only after commit.
 * Return: 0; -EINVAL for bad arguments or an uninitialised batch.
 */
DMAB_API DMAB_NODISCARD int dmab_batch_sync_for_cpu(struct dmab_batch *b, struct dmab_device *dev,
						    dmab_addr_t addr, size_t len,
						    enum dmab_dir dir);
/**
 * dmab_batch_commit() - issue what is left, complete everything, then do
 * the copies that had to wait for completion. @b is empty afterwards.
 * Return: the number of completion barriers issued (0 if nothing was
 * issued); -EINVAL for an uninitialised batch.
 */
DMAB_API DMAB_NODISCARD int dmab_batch_commit(struct dmab_batch *b);

/** dmab_device_stats() - copy the device's counters. Return: 0 or -EINVAL. */
DMAB_API DMAB_NODISCARD int dmab_device_stats(const struct dmab_device *dev,
					      struct dmab_stats *out);

/** dmab_strerror() - words for a return code (negative errno or 0). */
DMAB_API const char *dmab_strerror(int err);
/** dmab_last_error() - detail of this thread's last failed call, or "". */
DMAB_API const char *dmab_last_error(void);
/** dmab_version() - the library's version string, e.g. "0.1.0". */
DMAB_API const char *dmab_version(void);

#ifdef __cplusplus
}
#endif

#endif /* DMABATCH_H */
