/* SPDX-License-Identifier: MIT */
/*
 * The program the fault-injection stage sweeps (tests/fault/run): what a
 * driver does with a bouncing device, every library call armed for
 * injection (fi.h), each failure checked for a clean negative errno with
 * dmab_last_error() text, then the state checked after recovery: nothing
 * live, no slot held, the data intact, a fresh map_sg and unmap_sg working,
 * destroy returning 0.
 *
 * Scenario "driver" (the default; "driver-native" on the CPU's backend
 * rather than "trace"): create (forced bouncing, NUMA node 0, a
 * 256 KiB pool that may grow by two), a map_sg of 480 KiB (the pool grows),
 * sync_sg both ways, a second thread mapping and unmapping meanwhile,
 * unmap_sg (the grown pool is retired), destroy. Scenarios "destroy" and
 * "numa" are repro programs: destroy of a device that never made a pool,
 * the first bounced map of a NUMA-placed device.
 *
 * Exit: 0 nothing failed; 10 a call failed cleanly and the device
 * recovered; 20 an inconsistency (the message says which).
 */
#include <dmabatch.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fi.h"

#define NENTS	8
#define ENT_LEN (60 << 10)

static unsigned char data[NENTS][ENT_LEN];
static unsigned char side[4096];
static int failures;

static void bad(const char *what)
{
	fi_arm(0);
	fprintf(stderr, "fault_prog: INCONSISTENT: %s\n", what);
	exit(20);
}

/* A failed call: its code must be a negative errno with a message. */
static void failed(int r, const char *call)
{
	if (r >= 0 || r < -4095)
		bad(call);
	if (!dmab_last_error()[0])
		bad("a failure with no dmab_last_error() text");
	failures++;
}

#define ARMED(expr)                                                                                \
	({                                                                                         \
		fi_arm(1);                                                                         \
		int r_ = (expr);                                                                   \
		fi_arm(0);                                                                         \
		r_;                                                                                \
	})

static void *side_thread(void *arg)
{
	struct dmab_device *dev = arg;

	for (int i = 0; i < 64; i++) {
		dmab_addr_t a;
		int r = ARMED(dmab_map_single(dev, side, sizeof(side), DMAB_TO_DEVICE,
					      DMAB_ATTR_NO_WARN, &a));

		if (r) {
			failed(r, "side map_single");
			continue;
		}
		r = ARMED(dmab_unmap_single(dev, a, sizeof(side), DMAB_TO_DEVICE, 0));
		if (r)
			bad("unmap_single of a live mapping failed");
	}
	return NULL;
}

static void fill(void)
{
	for (int i = 0; i < NENTS; i++)
		memset(data[i], 0x30 + i, ENT_LEN);
}

static void check_data(void)
{
	for (int i = 0; i < NENTS; i++)
		for (size_t k = 0; k < ENT_LEN; k += 509)
			if (data[i][k] != 0x30 + i)
				bad("buffer content changed");
}

static void check_idle(struct dmab_device *dev)
{
	struct dmab_stats s;

	if (dmab_device_stats(dev, &s))
		bad("stats failed");
	if (s.live_mappings || s.bounce_slots_used)
		bad("mappings or slots left after every unmap");
	if (s.bounce_pools > 1)
		bad("a grown pool was not given back");
}

static int driver(const char *backend)
{
	struct dmab_device_config cfg = {
	    .name = "fault",
	    .numa_node = 0,
	    .bounce = DMAB_BOUNCE_FORCE,
	    .pool_size = 256 << 10,
	    .pool_max_extra = 2,
	    .pool_areas = 1,
	    .backend = backend,
	};
	struct dmab_device *dev;
	struct dmab_sg sg[NENTS];
	pthread_t t;

	fill();
	int r = ARMED(dmab_device_create(&cfg, &dev));

	if (r) {
		failed(r, "device_create");
		return 10;
	}
	for (int i = 0; i < NENTS; i++)
		sg[i] = (struct dmab_sg){.addr = data[i], .len = ENT_LEN};
	if (fi_thread_start(&t, side_thread, dev))
		bad("cannot start the program's own thread");
	r = ARMED(dmab_map_sg(dev, sg, NENTS, DMAB_BIDIRECTIONAL, DMAB_ATTR_NO_WARN));
	if (r < 0)
		failed(r, "map_sg");
	else if (r != NENTS)
		bad("map_sg mapped a part");
	if (r == NENTS) {
		r = ARMED(dmab_sync_sg_for_cpu(dev, sg, NENTS, DMAB_BIDIRECTIONAL));
		if (r)
			bad("sync_sg_for_cpu of a live list failed");
		r = ARMED(dmab_sync_sg_for_device(dev, sg, NENTS, DMAB_BIDIRECTIONAL));
		if (r)
			bad("sync_sg_for_device of a live list failed");
		r = ARMED(dmab_unmap_sg(dev, sg, NENTS, DMAB_BIDIRECTIONAL, 0));
		if (r)
			bad("unmap_sg of a live list failed");
	}
	pthread_join(t, NULL);
	check_data();
	check_idle(dev);
	/* Recovery: the device works again with nothing failing. */
	r = dmab_map_sg(dev, sg, NENTS, DMAB_BIDIRECTIONAL, 0);
	if (r != NENTS)
		bad("map_sg after recovery failed");
	if (dmab_unmap_sg(dev, sg, NENTS, DMAB_BIDIRECTIONAL, 0))
		bad("unmap_sg after recovery failed");
	check_data();
	check_idle(dev);
	r = ARMED(dmab_device_destroy(dev));
	if (r)
		bad("destroy of an idle device failed");
	return failures ? 10 : 0;
}

/* repro: destroy of a device that never made a pool, allocation failing. */
static int destroy_scenario(void)
{
	struct dmab_device_config cfg = {
	    .numa_node = -1, .backend = "trace", .bounce = DMAB_BOUNCE_FORCE};
	struct dmab_device *dev;

	if (dmab_device_create(&cfg, &dev))
		bad("create failed with nothing injected");
	if (ARMED(dmab_device_destroy(dev)))
		bad("destroy of an idle device failed");
	return 0;
}

/* repro: the first bounced map of a NUMA-placed device, allocation failing. */
static int numa_scenario(void)
{
	struct dmab_device_config cfg = {.numa_node = 0,
					 .backend = "trace",
					 .bounce = DMAB_BOUNCE_FORCE,
					 .pool_size = 256 << 10};
	struct dmab_device *dev;
	dmab_addr_t a;

	if (dmab_device_create(&cfg, &dev))
		bad("create failed with nothing injected");
	int r = ARMED(dmab_map_single(dev, side, 64, DMAB_TO_DEVICE, DMAB_ATTR_NO_WARN, &a));

	if (r)
		failed(r, "map_single");
	else if (dmab_unmap_single(dev, a, 64, DMAB_TO_DEVICE, 0))
		bad("unmap of a live mapping failed");
	check_idle(dev);
	if (dmab_device_destroy(dev))
		bad("destroy of an idle device failed");
	return failures ? 10 : 0;
}

int main(int argc, char **argv)
{
	const char *s = argc > 1 ? argv[1] : "driver";

	if (!strcmp(s, "destroy"))
		return destroy_scenario();
	if (!strcmp(s, "numa"))
		return numa_scenario();
	/* driver-native: the CPU's own backend, real cache instructions. */
	return driver(!strcmp(s, "driver-native") ? NULL : "trace");
}
