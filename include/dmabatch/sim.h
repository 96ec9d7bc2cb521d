/* SPDX-License-Identifier: MIT */
/*
 * The non-coherent memory simulator: a cache backend ("sim") plus a
 * simulated DMA device, so that DMA-discipline bugs show on a coherent
 * machine, in a driver's own CI.
 *
 * The model. Registered memory gets a second copy, the "DRAM" the device
 * sees; the real memory plays the CPU cache. Per line of the simulator's line
 * size:
 * - clean writes the line to DRAM if the CPU changed it since the line's last
 *   sync point (registration, clean, invalidate, chaos), whole line, as a
 *   write-back cache does;
 * - invalidate replaces the CPU copy of the line from DRAM (CPU changes not
 *   yet cleaned are lost, as on hardware);
 * - clean+invalidate does both, in that order;
 * - the device's DMA (dmab_sim_dev_read(), dmab_sim_dev_write()) touches DRAM
 *   only.
 * Maintenance that the library issues takes effect at its completion barrier
 * at the latest (earlier only by chaos), so memory read between issue and
 * completion shows the state before the maintenance, the worst case that
 * hardware allows.
 *
 * Chaos (optional, reproducible from its seed in a single-threaded program):
 * at every chaos point (each maintenance call the library issues, each
 * completion, each device access, each dmab_sim_tick()) every line of cached
 * registered memory is, with chance chaos_rate, acted on as a real
 * cache may act at any moment: a line the CPU changed is evicted (written to
 * DRAM), a line it did not change is refetched from DRAM. Pending
 * maintenance may also take effect early. Correct code gives correct data
 * under any chaos; incorrect code fails.
 *
 * Every line counts as present in the cache, the worst case: after a device
 * write the CPU reads the old line until it invalidates, where hardware might
 * have had no copy and read DRAM. A chaos refetch stands for that luck.
 *
 * What the model does not capture:
 * - A store of the value a byte already had at the line's last sync point is
 *   invisible (the model finds changed lines by comparing contents), so such
 *   a line is not written back where hardware would write it back. Tests
 *   should write values that differ from what was there.
 * - Device accesses are atomic: a dev_read/dev_write call happens between two
 *   chaos points, never interleaved with an eviction part-way through.
 * - Other threads: the simulator reads and writes the real memory under its
 *   own lock. A CPU store by another thread to a line that the simulator is
 *   maintaining, evicting or refetching at that moment can be lost where
 *   hardware (which maintains a line atomically) would keep it, and is a data
 *   race for the C memory model. Run chaos single-threaded, or keep other
 *   threads off registered memory during simulator calls.
 * - One cache level to the point of coherency: no separate levels, no
 *   instruction cache, no line locking, no write-through memory types (but
 *   see dmab_sim_register_uncached() for non-cacheable mappings).
 * - Memory outside registered regions is not modelled: maintenance of it is
 *   counted (unmodelled_lines) and otherwise ignored; the device faults on it.
 * - Bus addresses are CPU virtual addresses (the identity translator).
 *
 * A device declared coherent on a simulator gets no maintenance, so it reads
 * stale data: exactly what a non-coherent device wrongly declared coherent
 * does on hardware.
 *
 * Every call here is thread-safe: one mutex per simulator.
 */
#ifndef DMABATCH_SIM_H
#define DMABATCH_SIM_H

#include <dmabatch.h>

#ifdef __cplusplus
extern "C" {
#endif

struct dmab_sim;

/**
 * struct dmab_sim_config - a simulator's shape.
 * @line_size:  cache line size in bytes, a power of two from 32 to 256;
 *              0 means 64.
 * @chaos_seed: seed of the chaos generator; the same seed and the same
 *              sequence of calls give the same chaos.
 * @chaos_rate: from 0 to 1, the fraction of lines acted on at a chaos point,
 *              on average (the lines are picked with random gaps of mean
 *              1/rate); 0 turns chaos off, 1 acts on every line.
 */
struct dmab_sim_config {
	size_t line_size;
	uint64_t chaos_seed;
	double chaos_rate;
};

/**
 * struct dmab_sim_stats - what a simulator did since creation.
 * @lines_written_back: changed lines a clean wrote to DRAM.
 * @lines_refilled:     lines an invalidate replaced from DRAM.
 * @lines_discarded:    changed lines a plain invalidate threw away: CPU
 *                      stores lost, which correct code never causes (the CPU
 *                      wrote a buffer the device owned, or SKIP_CPU_SYNC hid
 *                      a clean). Worth asserting 0 in a driver's tests.
 * @chaos_evictions:    changed lines chaos wrote to DRAM.
 * @chaos_refetches:    unchanged lines chaos refetched from DRAM where DRAM
 *                      held other data (the device had written them).
 * @chaos_early_ops:    issued maintenance ranges chaos applied before their
 *                      completion.
 * @unmodelled_lines:   lines maintained outside registered cached memory.
 * @dev_reads:          successful device reads.
 * @dev_writes:         successful device writes.
 * @dev_faults:         device accesses refused with -EFAULT.
 * @translation_faults: device accesses an IOMMU table refused (a subset of
 *                      dev_faults; see dmab_sim_last_fault()).
 * @regions:            registered regions now.
 * @devices:            devices on this simulator now.
 * @line_size:          the simulator's line size.
 */
struct dmab_sim_stats {
	uint64_t lines_written_back;
	uint64_t lines_refilled;
	uint64_t lines_discarded;
	uint64_t chaos_evictions;
	uint64_t chaos_refetches;
	uint64_t chaos_early_ops;
	uint64_t unmodelled_lines;
	uint64_t dev_reads;
	uint64_t dev_writes;
	uint64_t dev_faults;
	size_t regions;
	size_t devices;
	size_t line_size;
	uint64_t translation_faults;
};

/**
 * struct dmab_sim_fault - a translation fault of the simulated device.
 * @iova:   the first address of the access that could not be translated.
 * @level:  the table level (0 to 3) whose descriptor refused it.
 * @reason: words for it, static storage ("invalid descriptor", "table
 *          not in simulated memory", "write to a read-only page", ...).
 */
struct dmab_sim_fault {
	dmab_addr_t iova;
	int level;
	const char *reason;
};

/**
 * dmab_sim_last_fault() - the last translation fault, when a device on
 * @sim maps through an emulated IOMMU (dmab_device_config.iommu). Then
 * dmab_sim_dev_read() and dmab_sim_dev_write() take IOVAs and walk the
 * device's table as a non-coherent walker does: reading each descriptor
 * from the DRAM view, so a PTE the CPU wrote but did not clean is not seen.
 * One IOMMU device per simulator at a time (another is -EBUSY at creation).
 * Return: 0 and *@out; -ENOENT if no fault happened; -EINVAL for NULL.
 */
DMAB_API DMAB_NODISCARD int dmab_sim_last_fault(const struct dmab_sim *sim,
						struct dmab_sim_fault *out);

/**
 * dmab_sim_create() - create a simulator with no memory registered.
 * @cfg: the shape; NULL means 64-byte lines and no chaos.
 * @out: receives the simulator, owned by the caller until
 *       dmab_sim_destroy().
 *
 * A device is put on it through its config (dmab_device_config.sim).
 *
 * Return: 0; -EINVAL for a NULL @out, a line size that is not a power of two
 * from 32 to 256, or a chaos rate outside [0, 1]; -ENOMEM.
 */
DMAB_API DMAB_NODISCARD int dmab_sim_create(const struct dmab_sim_config *cfg,
					    struct dmab_sim **out);

/**
 * dmab_sim_destroy() - free a simulator and its DRAM copies.
 * @sim: the simulator, or NULL (nothing happens).
 *
 * Every device on it must have been destroyed first. If one has not, the
 * simulator is left intact (not freed, so the device stays usable) and
 * dmab_last_error() says why. Registered memory is the caller's and is left
 * as the CPU sees it.
 */
DMAB_API void dmab_sim_destroy(struct dmab_sim *sim);

/**
 * dmab_sim_register() - give cached memory a DRAM copy, equal to its
 * content now.
 * @sim:  the simulator.
 * @base: start of the memory, aligned to the line size; it stays the
 *        caller's, and must stay valid until unregistered.
 * @len:  a non-zero multiple of the line size.
 *
 * Its bus address is its CPU address.
 *
 * Return: 0; -EINVAL for NULL arguments, a misaligned @base or @len, or a
 * range that wraps; -EEXIST if the range overlaps registered memory;
 * -ENOMEM.
 */
DMAB_API DMAB_NODISCARD int dmab_sim_register(struct dmab_sim *sim, void *base, size_t len);

/**
 * dmab_sim_register_uncached() - make memory reachable by the device as a
 * non-cacheable mapping, as a coherent allocation is on a non-coherent
 * platform: the device reads and writes it directly, maintenance and chaos
 * leave it alone. @base and @len need no alignment.
 *
 * Return: as dmab_sim_register().
 */
DMAB_API DMAB_NODISCARD int dmab_sim_register_uncached(struct dmab_sim *sim, void *base,
						       size_t len);

/**
 * dmab_sim_unregister() - forget memory registered with exactly @base and
 * @len. Maintenance still pending is completed first. The real memory keeps
 * what the CPU sees.
 *
 * Return: 0; -EINVAL for a NULL @sim; -ENOENT if no region is registered with
 * that @base and @len.
 */
DMAB_API DMAB_NODISCARD int dmab_sim_unregister(struct dmab_sim *sim, void *base, size_t len);

/**
 * dmab_sim_dev_read() - the device reads memory by DMA: DRAM only.
 * @sim:  the simulator.
 * @addr: bus address.
 * @dst:  receives @len bytes.
 * @len:  bytes to read; 0 reads nothing.
 *
 * Return: 0; -EINVAL for NULL arguments; -EFAULT if any byte of the range
 * is outside registered memory (nothing is read), as an IOMMU would fault.
 */
DMAB_API DMAB_NODISCARD int dmab_sim_dev_read(struct dmab_sim *sim, dmab_addr_t addr, void *dst,
					      size_t len);

/**
 * dmab_sim_dev_write() - the device writes memory by DMA: DRAM only, the
 * CPU sees it after an invalidate (or a chaos refetch).
 *
 * Return: 0; -EINVAL for NULL arguments; -EFAULT if any byte of the range
 * is outside registered memory (nothing is written).
 */
DMAB_API DMAB_NODISCARD int dmab_sim_dev_write(struct dmab_sim *sim, dmab_addr_t addr,
					       const void *src, size_t len);

/**
 * dmab_sim_tick() - a chaos point: a moment at which the cache may act. A
 * driver's test may call it wherever real caches could evict or prefetch
 * (while waiting for the device, say). Does nothing without chaos.
 * Return: 0; -EINVAL for a NULL @sim.
 */
DMAB_API DMAB_NODISCARD int dmab_sim_tick(struct dmab_sim *sim);

/** dmab_sim_get_stats() - copy the simulator's counters. Return: 0 or -EINVAL. */
DMAB_API DMAB_NODISCARD int dmab_sim_get_stats(const struct dmab_sim *sim,
					       struct dmab_sim_stats *out);

#ifdef __cplusplus
}
#endif

#endif /* DMABATCH_SIM_H */
