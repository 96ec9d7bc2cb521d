/* SPDX-License-Identifier: MIT */
/*
 * The only ways a test reaches inside the library. Everything else goes
 * through include/dmabatch.h, dmabatch/sim.h, dmabatch/trace.h and
 * dmab_device_stats(). Nothing here names an internal type: when the
 * internals move, only seam.c changes.
 */
#ifndef DMAB_TEST_SEAM_H
#define DMAB_TEST_SEAM_H

#include <dmabatch.h>
#include <dmabatch/trace.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The batch engine, driven below the public calls: enter a device's part,
 * add a range with an op (DMAB_TRACE_CLEAN, _INVAL or _CLEAN_INVAL), defer
 * a copy to after the completion, leave the part. */
int seam_batch_enter(struct dmab_batch *b, struct dmab_device *dev);
void seam_batch_range(struct dmab_batch *b, int part, enum dmab_trace_op op, uintptr_t start,
		      size_t len);
void seam_batch_defer_copy(struct dmab_batch *b, int part, void *dst, const void *src, size_t len);
void seam_batch_leave(struct dmab_batch *b, int part);

/* The per-thread counters: how many per-thread blocks the device has, its
 * never-reused id, the maps counted in its shared block, how many devices a
 * thread's cache holds, and making block allocation fail (or not). */
size_t seam_ctr_blocks(struct dmab_device *dev);
uint64_t seam_ctr_id(const struct dmab_device *dev);
uint64_t seam_ctr_shared_maps(struct dmab_device *dev);
size_t seam_ctr_cache_size(void);
void seam_ctr_fail_alloc(bool fail);

/* The backend hook for memory the library owns (the bounce pools): register
 * it with the device's simulator, cached or not, and unregister it. */
int seam_owned_register(struct dmab_device *dev, void *base, size_t len, bool uncached);
int seam_owned_unregister(struct dmab_device *dev, void *base, size_t len);

/* The number of areas (locks) the device's bounce pools are cut into; 0 for
 * a device that cannot bounce. */
unsigned seam_bounce_areas(const struct dmab_device *dev);
/* Area @area's share of the high-water mark (src/bounce/areas.c); read it
 * only while no other thread maps or unmaps on @dev. */
size_t seam_bounce_quota(const struct dmab_device *dev, unsigned area);

/* Put the device's cache maintenance on the built-in backend @name, over
 * the device's own line size, without probing it: for tests of a backend's
 * instruction stream on a machine whose kernel would refuse it. -EINVAL if
 * this build has no such backend. seam_backend_restore() puts the original
 * back (before the device is destroyed); one swap at a time. */
int seam_backend_swap(struct dmab_device *dev, const char *name);
void seam_backend_restore(struct dmab_device *dev);

/*
 * A fake NUMA machine in place of the real topology: @nodes nodes (at most
 * SEAM_TOPO_NODES), of which those with @online set exist, @cpus CPUs each
 * (numbered node by node), @mem_free bytes free each (-1: will not say).
 * The calling thread runs on CPU @current_cpu. Memory preferred on a node
 * with room lands there, else (the default policy) on the current CPU's node
 * or the lowest node with room; freeing gives it back. With @lie_node >= 0
 * every page is reported on that node (a placement that went wrong). @numa
 * false is a system without NUMA (numa_available() < 0): only node 0. PCI
 * devices are looked up under @sysfs_root (NULL: /sys).
 */
#define SEAM_TOPO_NODES 8
struct seam_topo {
	bool numa;
	int nodes;
	bool online[SEAM_TOPO_NODES];
	unsigned cpus[SEAM_TOPO_NODES];
	long long mem_free[SEAM_TOPO_NODES];
	int current_cpu;
	int lie_node;
	const char *sysfs_root;
};
/* Install a copy of @t (NULL: the real topology again). */
void seam_topo_install(const struct seam_topo *t);
/* The fake's free bytes on @node now. */
long long seam_topo_free(int node);
/* Set the fake's free bytes on @node (memory used by others, say). */
void seam_topo_set_free(int node, long long bytes);
/* Move the calling thread (as the fake sees it) to @cpu. */
void seam_topo_set_cpu(int cpu);

/* Send every map_sg and unmap_sg down the general path (true), or let the
 * common device's calls take the fast path again (false: the default). */
void seam_fast_off(bool off);

#endif
