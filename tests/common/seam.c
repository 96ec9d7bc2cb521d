/* SPDX-License-Identifier: MIT */
/* The test seam (seam.h): the one file of tests/ that includes src/. */
#include "seam.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/internal.h"
#include "../../arch/sim/owned.h"
#include "../../src/batch.h"
#include "../../src/bounce/areas.h"
#include "../../src/fast.h"
#include "../../src/os/topology.h"

static enum dmab__op op_of(enum dmab_trace_op op)
{
	switch (op) {
	case DMAB_TRACE_CLEAN:
		return DMAB__CLEAN;
	case DMAB_TRACE_INVAL:
		return DMAB__INVAL;
	default:
		return DMAB__CLEAN_INVAL;
	}
}

int seam_batch_enter(struct dmab_batch *b, struct dmab_device *dev)
{
	return dmab__batch_enter(dmab__batch_of(b), dev);
}

void seam_batch_range(struct dmab_batch *b, int part, enum dmab_trace_op op, uintptr_t start,
		      size_t len)
{
	dmab__batch_range(dmab__batch_of(b), part, op_of(op), start, len);
}

void seam_batch_defer_copy(struct dmab_batch *b, int part, void *dst, const void *src, size_t len)
{
	(void)dmab__batch_defer_copy(dmab__batch_of(b), part, dst, src, len);
}

void seam_batch_leave(struct dmab_batch *b, int part)
{
	dmab__batch_leave(dmab__batch_of(b), part);
}

size_t seam_ctr_blocks(struct dmab_device *dev)
{
	size_t n = 0;

	pthread_mutex_lock(&dev->c.lock);
	for (struct dmab__ctr_block *b = dev->c.blocks; b; b = b->next)
		n++;
	pthread_mutex_unlock(&dev->c.lock);
	return n;
}

uint64_t seam_ctr_id(const struct dmab_device *dev)
{
	return dev->c.id;
}

uint64_t seam_ctr_shared_maps(struct dmab_device *dev)
{
	return atomic_load(&dev->c.shared.v[DMAB__CTR_MAPS]);
}

size_t seam_ctr_cache_size(void)
{
	return DMAB__CTR_CACHE;
}

static void *no_memory(size_t align, size_t size)
{
	(void)align;
	(void)size;
	errno = ENOMEM;
	return NULL;
}

void seam_ctr_fail_alloc(bool fail)
{
	dmab__ctr_alloc = fail ? no_memory : aligned_alloc;
}

int seam_owned_register(struct dmab_device *dev, void *base, size_t len, bool uncached)
{
	return uncached ? dmab__sim_register_owned_uncached(dev, base, len)
			: dmab__sim_register_owned(dev, base, len);
}

int seam_owned_unregister(struct dmab_device *dev, void *base, size_t len)
{
	return dmab__sim_unregister_owned(dev, base, len);
}

unsigned seam_bounce_areas(const struct dmab_device *dev)
{
	return dev->bounce_pools ? dev->bounce_pools->nareas : 0;
}

size_t seam_bounce_quota(const struct dmab_device *dev, unsigned area)
{
	return dev->bounce_pools->areas[area].quota;
}

static struct dmab_arch swapped_from;

int seam_backend_swap(struct dmab_device *dev, const char *name)
{
	for (const struct dmab_arch_ops *const *o = dmab__arch_list; *o; o++) {
		if (strcmp((*o)->name, name) != 0)
			continue;
		swapped_from = dev->arch;
		dev->arch.ops = *o;
		dev->arch.priv = NULL;
		return 0;
	}
	return -EINVAL;
}

void seam_backend_restore(struct dmab_device *dev)
{
	dev->arch = swapped_from;
}

/* ---- the fake topology ---- */

#define FAKE_RANGES 256

static struct {
	pthread_mutex_t lock;
	struct seam_topo t;
	char root[256];
	struct {
		void *base;
		size_t len;
		int node;
	} range[FAKE_RANGES];
} fake = {.lock = PTHREAD_MUTEX_INITIALIZER};

static bool fake_available(void)
{
	return fake.t.numa;
}

static int fake_max_node(void)
{
	return fake.t.numa ? fake.t.nodes - 1 : 0;
}

static bool fake_online(int node)
{
	if (node < 0 || node >= fake.t.nodes || node >= SEAM_TOPO_NODES || !fake.t.online[node])
		return false;
	return fake.t.numa || node == 0;
}

static long long fake_node_free(int node)
{
	pthread_mutex_lock(&fake.lock);
	long long v = fake_online(node) ? fake.t.mem_free[node] : -1;

	pthread_mutex_unlock(&fake.lock);
	return v;
}

static int fake_cpu_node(int cpu)
{
	if (!fake.t.numa)
		return 0;
	for (int n = 0, first = 0; n < fake.t.nodes; first += (int)fake.t.cpus[n], n++)
		if (cpu >= first && cpu < first + (int)fake.t.cpus[n])
			return n;
	return -1;
}

static int fake_current_node(void)
{
	return fake_cpu_node(fake.t.current_cpu);
}

static bool fake_room(int node, size_t len)
{
	return fake_online(node) &&
	       (fake.t.mem_free[node] < 0 || (unsigned long long)fake.t.mem_free[node] >= len);
}

/* Where the fake kernel puts memory preferred on @node. */
static int fake_land(int node, size_t len)
{
	if (!fake.t.numa)
		return 0;
	if (fake_room(node, len))
		return node;
	if (fake_room(fake_current_node(), len))
		return fake_current_node();
	for (int n = 0; n < fake.t.nodes; n++)
		if (fake_room(n, len))
			return n;
	return 0; /* overcommitted: the kernel would reclaim, or kill */
}

static void fake_prefer(void *base, size_t len, int node)
{
	pthread_mutex_lock(&fake.lock);
	int landed = fake_land(node, len);

	if (fake.t.mem_free[landed] >= 0)
		fake.t.mem_free[landed] -= (long long)len;
	for (int i = 0; i < FAKE_RANGES; i++) {
		if (!fake.range[i].base) {
			fake.range[i].base = base;
			fake.range[i].len = len;
			fake.range[i].node = landed;
			break;
		}
	}
	pthread_mutex_unlock(&fake.lock);
}

static void fake_forget(void *base, size_t len)
{
	pthread_mutex_lock(&fake.lock);
	for (int i = 0; i < FAKE_RANGES; i++) {
		if (fake.range[i].base == base && fake.range[i].len == len) {
			int n = fake.range[i].node;

			if (fake.t.mem_free[n] >= 0)
				fake.t.mem_free[n] += (long long)len;
			fake.range[i].base = NULL;
			break;
		}
	}
	pthread_mutex_unlock(&fake.lock);
}

static void fake_query(void *base, size_t len, size_t page, int node, struct dmab__placement *out)
{
	size_t pages = (len + page - 1) / page;
	int at = fake_current_node();

	pthread_mutex_lock(&fake.lock);
	for (int i = 0; i < FAKE_RANGES; i++) {
		uint8_t *b = fake.range[i].base;

		if (b && (uint8_t *)base >= b && (uint8_t *)base < b + fake.range[i].len)
			at = fake.range[i].node;
	}
	if (fake.t.lie_node >= 0)
		at = fake.t.lie_node;
	pthread_mutex_unlock(&fake.lock);
	if (!fake.t.numa)
		at = 0;
	*out = (struct dmab__placement){.pages = pages, .first_node = at};
	if (at == node)
		out->on_node = pages;
	else
		out->elsewhere = pages;
}

static struct dmab__topo_ops fake_ops = {
    .available = fake_available,
    .max_node = fake_max_node,
    .node_online = fake_online,
    .node_free = fake_node_free,
    .current_node = fake_current_node,
    .prefer = fake_prefer,
    .forget = fake_forget,
    .query = fake_query,
};

void seam_topo_install(const struct seam_topo *t)
{
	if (!t) {
		dmab__topo_install(NULL);
		return;
	}
	pthread_mutex_lock(&fake.lock);
	fake.t = *t;
	if (fake.t.nodes > SEAM_TOPO_NODES)
		fake.t.nodes = SEAM_TOPO_NODES;
	snprintf(fake.root, sizeof(fake.root), "%s", t->sysfs_root ? t->sysfs_root : "/sys");
	fake_ops.sysfs_root = fake.root;
	memset(fake.range, 0, sizeof(fake.range));
	pthread_mutex_unlock(&fake.lock);
	dmab__topo_install(&fake_ops);
}

long long seam_topo_free(int node)
{
	return fake_node_free(node);
}

void seam_topo_set_cpu(int cpu)
{
	pthread_mutex_lock(&fake.lock);
	fake.t.current_cpu = cpu;
	pthread_mutex_unlock(&fake.lock);
}

void seam_topo_set_free(int node, long long bytes)
{
	pthread_mutex_lock(&fake.lock);
	if (node >= 0 && node < SEAM_TOPO_NODES)
		fake.t.mem_free[node] = bytes;
	pthread_mutex_unlock(&fake.lock);
}

void seam_fast_off(bool off)
{
	dmab__fast_off = off;
}
