/* SPDX-License-Identifier: MIT */
/*
 * The simulator's public face: its life, its registered regions and the
 * device's DMA into them. Regions stay in registration order, not address
 * order, so that chaos walks them in the same order on every run whatever
 * addresses the allocator hands out; there are few of them, so lookup is a
 * scan.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"

int dmab_sim_create(const struct dmab_sim_config *cfg, struct dmab_sim **out)
{
	static const struct dmab_sim_config defaults = {0};
	struct dmab_sim *sim;

	if (!out)
		return dmab__fail(-EINVAL, "sim_create: NULL output");
	if (!cfg)
		cfg = &defaults;
	size_t line = cfg->line_size ? cfg->line_size : 64;

	if (line < 32 || line > 256 || (line & (line - 1)))
		return dmab__fail(-EINVAL,
				  "sim_create: line_size %zu is not a power of two from 32 to 256",
				  cfg->line_size);
	/* written so that NaN fails too */
	if (!(cfg->chaos_rate >= 0.0 && cfg->chaos_rate <= 1.0))
		return dmab__fail(-EINVAL, "sim_create: chaos_rate %g is not within [0, 1]",
				  cfg->chaos_rate);
	sim = calloc(1, sizeof(*sim));
	if (!sim)
		return dmab__fail(-ENOMEM, "sim_create: out of memory");
	if (pthread_mutex_init(&sim->lock, NULL)) {
		free(sim);
		return dmab__fail(-ENOMEM, "sim_create: cannot initialise the lock");
	}
	sim->line = line;
	dmab__sim_chaos_init(sim, cfg->chaos_seed, cfg->chaos_rate);
	*out = sim;
	return 0;
}

void dmab_sim_destroy(struct dmab_sim *sim)
{
	if (!sim)
		return;
	pthread_mutex_lock(&sim->lock);
	size_t users = sim->users;

	pthread_mutex_unlock(&sim->lock);
	if (users) {
		/* Freeing it would leave those devices pointing at freed memory. */
		(void)dmab__fail(-EBUSY,
				 "sim_destroy: %zu devices still use the simulator; it is left "
				 "intact: destroy them first",
				 users);
		return;
	}
	for (size_t i = 0; i < sim->nregions; i++)
		free(sim->regions[i].dram);
	free(sim->regions);
	free(sim->pending);
	pthread_mutex_destroy(&sim->lock);
	free(sim);
}

struct sim_region *dmab__sim_find(struct dmab_sim *sim, uintptr_t addr)
{
	for (size_t i = 0; i < sim->nregions; i++) {
		struct sim_region *r = &sim->regions[i];

		if (addr >= r->base && addr - r->base < r->len)
			return r;
	}
	return NULL;
}

int dmab__sim_add(struct dmab_sim *sim, void *base, size_t len, bool cached, bool owned,
		  const char *what)
{
	uintptr_t b = (uintptr_t)base;

	if (!base || !len || b + len < b)
		return dmab__fail(-EINVAL, "%s: %s", what,
				  !base	 ? "NULL base"
				  : !len ? "zero length"
					 : "range wraps");
	if (cached && ((b | len) & (sim->line - 1)))
		return dmab__fail(-EINVAL,
				  "%s: %p+%zu is not whole %zu-byte lines: the model works on "
				  "lines, so cached memory must start and end on line boundaries",
				  what, base, len, sim->line);
	for (size_t i = 0; i < sim->nregions; i++) {
		struct sim_region *r = &sim->regions[i];

		if (owned && r->base == b && r->len == len && (r->dram != NULL) == cached) {
			/* Memory the library shares between devices of one simulator. */
			r->refs++;
			return 0;
		}
		if (b < r->base + r->len && r->base < b + len)
			return dmab__fail(-EEXIST, "%s: %p+%zu overlaps the registered %p+%zu",
					  what, base, len, (void *)r->base, r->len);
	}
	if (sim->nregions == sim->capregions) {
		size_t cap = sim->capregions ? sim->capregions * 2 : 8;
		struct sim_region *n = realloc(sim->regions, cap * sizeof(*n));

		if (!n)
			return dmab__fail(-ENOMEM, "%s: out of memory", what);
		sim->regions = n;
		sim->capregions = cap;
	}
	struct sim_region r = {.base = b, .len = len, .refs = 1};

	if (cached) {
		if (len > SIZE_MAX / 2 || !(r.dram = malloc(2 * len)))
			return dmab__fail(-ENOMEM, "%s: no memory for a %zu-byte DRAM copy", what,
					  len);
		r.snap = r.dram + len;
		memcpy(r.dram, base, len);
		memcpy(r.snap, base, len);
	}
	sim->regions[sim->nregions++] = r;
	return 0;
}

int dmab__sim_remove(struct dmab_sim *sim, void *base, size_t len, const char *what)
{
	for (size_t i = 0; i < sim->nregions; i++) {
		struct sim_region *r = &sim->regions[i];

		if (r->base != (uintptr_t)base || r->len != len)
			continue;
		/* Its maintenance must land before the memory leaves the model. */
		dmab__sim_complete(sim);
		if (--r->refs)
			return 0;
		free(r->dram);
		memmove(r, r + 1, (sim->nregions - i - 1) * sizeof(*r));
		sim->nregions--;
		return 0;
	}
	return dmab__fail(-ENOENT, "%s: no region is registered at %p+%zu", what, base, len);
}

static int add_locked(struct dmab_sim *sim, void *base, size_t len, bool cached, const char *what)
{
	if (!sim)
		return dmab__fail(-EINVAL, "%s: NULL simulator", what);
	pthread_mutex_lock(&sim->lock);
	int err = dmab__sim_add(sim, base, len, cached, false, what);

	pthread_mutex_unlock(&sim->lock);
	return err;
}

int dmab_sim_register(struct dmab_sim *sim, void *base, size_t len)
{
	return add_locked(sim, base, len, true, "sim_register");
}

int dmab_sim_register_uncached(struct dmab_sim *sim, void *base, size_t len)
{
	return add_locked(sim, base, len, false, "sim_register_uncached");
}

int dmab_sim_unregister(struct dmab_sim *sim, void *base, size_t len)
{
	if (!sim)
		return dmab__fail(-EINVAL, "sim_unregister: NULL simulator");
	pthread_mutex_lock(&sim->lock);
	int err = dmab__sim_remove(sim, base, len, "sim_unregister");

	pthread_mutex_unlock(&sim->lock);
	return err;
}

int dmab__sim_phys_check(struct dmab_sim *sim, dmab_addr_t addr, size_t len, const char *what)
{
	uintptr_t a = (uintptr_t)addr;
	bool ok = addr == (dmab_addr_t)a && a + len > a;

	for (size_t done = 0; ok && done < len;) {
		struct sim_region *r = dmab__sim_find(sim, a + done);

		ok = r != NULL;
		if (ok)
			done += r->base + r->len - (a + done);
	}
	if (!ok)
		return dmab__fail(-EFAULT, "%s: bus range 0x%llx+%zu is not all registered memory",
				  what, (unsigned long long)addr, len);
	return 0;
}

void dmab__sim_phys_copy(struct dmab_sim *sim, uintptr_t a, void *dst, const void *src, size_t len)
{
	for (size_t done = 0; done < len;) {
		struct sim_region *r = dmab__sim_find(sim, a + done);
		size_t off = a + done - r->base;
		size_t n = r->len - off < len - done ? r->len - off : len - done;
		uint8_t *mem = r->dram ? r->dram + off : (uint8_t *)r->base + off;

		if (src)
			memcpy(mem, (const uint8_t *)src + done, n);
		else
			memcpy((uint8_t *)dst + done, mem, n);
		done += n;
	}
}

/*
 * The device's view of [addr, addr+len): DRAM for cached memory, the memory
 * itself for uncached. The range may cross adjacent regions. With @src the
 * device writes, else it reads into @dst. Checked whole before any byte
 * moves, so a fault changes nothing.
 */
static int dma(struct dmab_sim *sim, dmab_addr_t addr, void *dst, const void *src, size_t len,
	       const char *what)
{
	uintptr_t a = (uintptr_t)addr;

	if (!sim || (!dst && !src))
		return dmab__fail(-EINVAL, "%s: NULL %s", what, sim ? "buffer" : "simulator");
	if (!len)
		return 0;
	pthread_mutex_lock(&sim->lock);
	dmab__sim_chaos(sim);
	int err = sim->ttbr ? dmab__sim_walk_dma(sim, addr, dst, src, len, what)
			    : dmab__sim_phys_check(sim, addr, len, what);

	if (err) {
		sim->st.dev_faults++;
		pthread_mutex_unlock(&sim->lock);
		return err;
	}
	if (!sim->ttbr)
		dmab__sim_phys_copy(sim, a, dst, src, len);
	if (src)
		sim->st.dev_writes++;
	else
		sim->st.dev_reads++;
	pthread_mutex_unlock(&sim->lock);
	return 0;
}

int dmab_sim_dev_read(struct dmab_sim *sim, dmab_addr_t addr, void *dst, size_t len)
{
	return dma(sim, addr, dst, NULL, len, "sim_dev_read");
}

int dmab_sim_dev_write(struct dmab_sim *sim, dmab_addr_t addr, const void *src, size_t len)
{
	return dma(sim, addr, NULL, src, len, "sim_dev_write");
}

int dmab_sim_tick(struct dmab_sim *sim)
{
	if (!sim)
		return dmab__fail(-EINVAL, "sim_tick: NULL simulator");
	pthread_mutex_lock(&sim->lock);
	dmab__sim_chaos(sim);
	pthread_mutex_unlock(&sim->lock);
	return 0;
}

int dmab_sim_get_stats(const struct dmab_sim *sim, struct dmab_sim_stats *out)
{
	if (!sim || !out)
		return dmab__fail(-EINVAL, "sim_stats: NULL %s", sim ? "output" : "simulator");
	/* The lock is not part of the simulator's observable state. */
	struct dmab_sim *s = (struct dmab_sim *)sim;

	pthread_mutex_lock(&s->lock);
	*out = s->st;
	out->regions = s->nregions;
	out->devices = s->users;
	out->line_size = s->line;
	pthread_mutex_unlock(&s->lock);
	return 0;
}
