/* SPDX-License-Identifier: MIT */
/*
 * Topology: the real one (one node here, or none under qemu-user), the PCI
 * node from sysfs, and fake machines of 1, 2 and 8 nodes standing in for it:
 * node choice, the fallback when a node is full, offline nodes, placement
 * checked after first touch, and the counts in dmab_device_stats().
 */
#include <errno.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../src/os/topology.h"
#include "helpers.h"
#include "seam.h"

#define MiB (1ll << 20)

static struct seam_topo machine(int nodes, unsigned cpus_per_node, long long mem_per_node)
{
	struct seam_topo t = {.numa = true, .nodes = nodes, .lie_node = -1};

	for (int n = 0; n < nodes; n++) {
		t.online[n] = true;
		t.cpus[n] = cpus_per_node;
		t.mem_free[n] = mem_per_node;
	}
	return t;
}

static struct dmab_device *dev_on(int node, bool strict)
{
	struct dmab_device_config cfg = {
	    .size = sizeof(cfg),
	    .name = "numa",
	    .coherent = true,
	    .numa_node = node,
	    .backend = "trace",
	    .numa_strict = strict,
	};
	struct dmab_device *dev = NULL;

	assert_int_equal(dmab_device_create(&cfg, &dev), 0);
	return dev;
}

static int teardown(void **state)
{
	(void)state;
	seam_topo_install(NULL);
	return 0;
}

/* The real machine: whatever it is, its answers agree with each other. */
static void test_real_topology(void **state)
{
	(void)state;
	const struct dmab__topo_ops *t = &dmab__topo_real;
	int max = t->max_node();
	int here = t->current_node();

	assert_true(max >= 0);
	assert_true(t->node_online(0));
	assert_false(t->node_online(-1));
	assert_false(t->node_online(max + 1));
	assert_true(here >= 0 && here <= max);
	assert_true(t->node_online(here));
	if (!t->available())
		assert_int_equal(max, 0); /* numa_available() < 0: one node */

	/* A touched page is on a node, and the query says which. */
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	char *p = mmap(NULL, 4 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct dmab__placement pl;

	assert_true(p != MAP_FAILED);
	memset(p, 1, 4 * page);
	t->query(p, 4 * page, page, 0, &pl);
	assert_int_equal(pl.pages, 4);
	assert_int_equal(pl.on_node + pl.elsewhere + pl.unknown, 4);
	if (max == 0 && pl.unknown == 0) {
		assert_int_equal(pl.on_node, 4);
		assert_int_equal(pl.first_node, 0);
	}
	munmap(p, 4 * page);

	/* The real path on this machine: a device on node 0 gets local memory. */
	struct dmab_device *dev = dev_on(0, false);
	void *cpu;
	dmab_addr_t dma;

	assert_int_equal(dmab_alloc_noncoherent(dev, 8192, DMAB_TO_DEVICE, &cpu, &dma), 0);
	struct dmab_stats s = stats_of(dev);

	assert_int_equal(s.alloc_local + s.alloc_fallback, 1);
	if (s.alloc_unverified == 0) {
		assert_int_equal(s.alloc_local, 1);
		assert_int_equal(s.alloc_node_local[0], 1);
	}
	assert_int_equal(dmab_free_noncoherent(dev, 8192, cpu, dma, DMAB_TO_DEVICE), 0);
	assert_int_equal(dmab_device_destroy(dev), 0);
}

static void put(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* A sysfs tree of PCI devices under a temporary directory; returns its root. */
static const char *fake_sysfs(char *root, size_t len)
{
	static const struct {
		const char *bdf, *node;
	} devs[] = {{"0000:81:00.0", "1\n"},
		    {"0000:00:03.0", "-1\n"},
		    {"0000:00:04.0", "x\n"},
		    {"0000:82:00.0", "5\n"}};
	char path[512];

	snprintf(root, len, "/tmp/dmab_sysfs_XXXXXX");
	assert_non_null(mkdtemp(root));
	snprintf(path, sizeof(path), "%s/bus", root);
	assert_int_equal(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/bus/pci", root);
	assert_int_equal(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/bus/pci/devices", root);
	assert_int_equal(mkdir(path, 0700), 0);
	for (size_t i = 0; i < sizeof(devs) / sizeof(devs[0]); i++) {
		snprintf(path, sizeof(path), "%s/bus/pci/devices/%s", root, devs[i].bdf);
		assert_int_equal(mkdir(path, 0700), 0);
		snprintf(path, sizeof(path), "%s/bus/pci/devices/%s/numa_node", root, devs[i].bdf);
		put(path, devs[i].node);
	}
	return root;
}

static void rm_sysfs(const char *root)
{
	char cmd[600];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	assert_int_equal(system(cmd), 0);
}

static void test_pci_node(void **state)
{
	(void)state;
	char root[64];
	int node = 99;

	fake_sysfs(root, sizeof(root));
	assert_int_equal(dmab__topo_pci_node(root, "0000:81:00.0", &node), 0);
	assert_int_equal(node, 1);
	assert_int_equal(dmab__topo_pci_node(root, "0000:00:03.0", &node), 0);
	assert_int_equal(node, -1);
	assert_int_equal(dmab__topo_pci_node(root, "0000:00:04.0", &node), -EIO);
	assert_int_equal(dmab__topo_pci_node(root, "0000:00:05.0", &node), -ENODEV);
	assert_int_equal(dmab__topo_pci_node(root, "../../../etc", &node), -EINVAL);
	assert_int_equal(dmab__topo_pci_node(root, "0000:81:00.0/", &node), -EINVAL);
	assert_int_equal(dmab__topo_pci_node(root, "0000:81:00", &node), -EINVAL);
	assert_int_equal(dmab__topo_pci_node(root, NULL, &node), -EINVAL);

	/* Through a device's config, on a fake two-node machine. */
	struct seam_topo t = machine(2, 1, 64 * MiB);
	struct dmab_device_config cfg = {.size = sizeof(cfg),
					 .coherent = true,
					 .numa_node = -1,
					 .backend = "trace",
					 .pci_address = "0000:81:00.0"};
	struct dmab_device *dev = NULL;

	t.sysfs_root = root;
	seam_topo_install(&t);
	assert_int_equal(dmab_device_create(&cfg, &dev), 0);
	assert_int_equal(stats_of(dev).numa_node, 1);
	assert_int_equal(dmab_device_destroy(dev), 0);

	/* A node of its own wins over sysfs. */
	cfg.numa_node = 0;
	assert_int_equal(dmab_device_create(&cfg, &dev), 0);
	assert_int_equal(stats_of(dev).numa_node, 0);
	assert_int_equal(dmab_device_destroy(dev), 0);

	/* sysfs -1: the device has no node. */
	cfg.numa_node = -1;
	cfg.pci_address = "0000:00:03.0";
	assert_int_equal(dmab_device_create(&cfg, &dev), 0);
	assert_int_equal(stats_of(dev).numa_node, -1);
	assert_int_equal(dmab_device_destroy(dev), 0);

	/* No such device, a bad address, a node that is not online. */
	cfg.pci_address = "0000:00:05.0";
	assert_int_equal(dmab_device_create(&cfg, &dev), -ENODEV);
	cfg.pci_address = "81:00.0";
	assert_int_equal(dmab_device_create(&cfg, &dev), -EINVAL);
	cfg.pci_address = "0000:82:00.0";
	assert_int_equal(dmab_device_create(&cfg, &dev), -ENODEV);
	assert_non_null(strstr(dmab_last_error(), "not online"));
	rm_sysfs(root);
}

/* Two nodes: a device on node 1 gets node 1's memory, and its bounce pool. */
static void test_two_nodes_local(void **state)
{
	(void)state;
	struct seam_topo t = machine(2, 1, 64 * MiB);

	seam_topo_install(&t);
	struct dmab_device *dev = dev_on(1, true);
	void *cpu;
	dmab_addr_t dma;

	assert_int_equal(dmab_alloc_noncoherent(dev, 100, DMAB_BIDIRECTIONAL, &cpu, &dma), 0);
	assert_true(seam_topo_free(1) < 64 * MiB);
	assert_int_equal(seam_topo_free(0), 64 * MiB);
	struct dmab_stats s = stats_of(dev);

	assert_int_equal(s.alloc_local, 1);
	assert_int_equal(s.alloc_node_local[1], 1);
	assert_int_equal(s.alloc_fallback, 0);
	assert_int_equal(s.alloc_mismatch, 0);
	assert_int_equal(dmab_free_noncoherent(dev, 100, cpu, dma, DMAB_BIDIRECTIONAL), 0);
	assert_int_equal(seam_topo_free(1), 64 * MiB); /* given back */
	assert_int_equal(dmab_device_destroy(dev), 0);

	/* A bounce pool: a 32-bit device that bounces everything. */
	struct dmab_device_config cfg = {.size = sizeof(cfg),
					 .numa_node = 1,
					 .backend = "trace",
					 .dma_bits = 32,
					 .bounce = DMAB_BOUNCE_FORCE,
					 .pool_size = 1 << 20};
	static char buf[256];

	assert_int_equal(dmab_device_create(&cfg, &dev), 0);
	assert_int_equal(dmab_map_single(dev, buf, sizeof(buf), DMAB_TO_DEVICE, 0, &dma), 0);
	s = stats_of(dev);
	assert_int_equal(s.bounce_node, 1);
	assert_int_equal(s.alloc_local, 1);
	assert_int_equal(s.alloc_node_local[1], 1);
	assert_int_equal(dmab_unmap_single(dev, dma, sizeof(buf), DMAB_TO_DEVICE, 0), 0);
	assert_int_equal(dmab_device_destroy(dev), 0);
	assert_int_equal(seam_topo_free(1), 64 * MiB);
}

/* Node 1 full: the default policy serves, counted as node 1's fallback. */
static void test_fallback_when_full(void **state)
{
	(void)state;
	struct seam_topo t = machine(2, 1, 64 * MiB);

	t.mem_free[1] = 4096; /* less than any region */
	seam_topo_install(&t);
	struct dmab_device *dev = dev_on(1, true);
	void *cpu[2];
	dmab_addr_t dma[2];

	assert_int_equal(dmab_alloc_coherent(dev, 8192, &cpu[0], &dma[0]), 0);
	assert_int_equal(seam_topo_free(1), 4096);
	assert_true(seam_topo_free(0) < 64 * MiB); /* the calling CPU's node took it */
	struct dmab_stats s = stats_of(dev);

	assert_int_equal(s.alloc_local, 0);
	assert_int_equal(s.alloc_fallback, 1);
	assert_int_equal(s.alloc_node_fallback[1], 1);
	assert_int_equal(s.alloc_mismatch, 0); /* a fallback chosen, not a surprise */

	/* Room again: the next one is local. */
	assert_int_equal(dmab_free_coherent(dev, 8192, cpu[0], dma[0]), 0);
	t.mem_free[1] = 64 * MiB;
	seam_topo_install(&t);
	assert_int_equal(dmab_alloc_coherent(dev, 8192, &cpu[1], &dma[1]), 0);
	s = stats_of(dev);
	assert_int_equal(s.alloc_local, 1);
	assert_int_equal(s.alloc_fallback, 1);
	assert_int_equal(s.alloc_live, 1);
	assert_int_equal(dmab_free_coherent(dev, 8192, cpu[1], dma[1]), 0);
	assert_int_equal(dmab_device_destroy(dev), 0);
}

/* A coherent trace device on node 1 with an area of @area bytes. */
static struct dmab_device_config area_cfg(size_t area)
{
	return (struct dmab_device_config){.size = sizeof(struct dmab_device_config),
					   .coherent = true,
					   .numa_node = 1,
					   .backend = "trace",
					   .numa_area_size = area};
}

/* The device's own area first: reserved while node 1 had room, it serves
 * after the node has filled up; what it cannot hold falls back. */
static void test_device_area(void **state)
{
	(void)state;
	struct seam_topo t = machine(2, 1, 64 * MiB);
	struct dmab_device_config cfg = area_cfg(1 << 20);
	struct dmab_device *dev = NULL;
	void *cpu[3];
	dmab_addr_t dma[3];

	seam_topo_install(&t);
	assert_int_equal(dmab_device_create(&cfg, &dev), 0);
	assert_int_equal(seam_topo_free(1), 62 * MiB); /* rounded up to 2 MiB */
	assert_int_equal(stats_of(dev).alloc_local, 1);
	seam_topo_set_free(1, 0); /* everyone else used node 1 up */

	assert_int_equal(dmab_alloc_noncoherent(dev, 4096, DMAB_TO_DEVICE, &cpu[0], &dma[0]), 0);
	assert_int_equal(dmab_alloc_coherent(dev, 1 * MiB, &cpu[1], &dma[1]), 0);
	struct dmab_stats s = stats_of(dev);

	assert_int_equal(s.alloc_local, 3);
	assert_int_equal(s.alloc_fallback, 0);
	assert_true((char *)cpu[1] >= (char *)cpu[0] + 4096 ||
		    (char *)cpu[1] + MiB <= (char *)cpu[0]);

	/* The area has less than 1 MiB left: node 1 has none, the default serves. */
	assert_int_equal(dmab_alloc_coherent(dev, 1 * MiB, &cpu[2], &dma[2]), 0);
	s = stats_of(dev);
	assert_int_equal(s.alloc_fallback, 1);
	assert_int_equal(s.alloc_node_fallback[1], 1);

	/* Freed pages go back to the area and serve again. */
	assert_int_equal(dmab_free_coherent(dev, 1 * MiB, cpu[1], dma[1]), 0);
	assert_int_equal(dmab_alloc_coherent(dev, 1 * MiB, &cpu[1], &dma[1]), 0);
	assert_int_equal(stats_of(dev).alloc_local, 4);
	assert_int_equal(dmab_device_destroy(dev), -EBUSY);
	for (int i = 2; i >= 1; i--)
		assert_int_equal(dmab_free_coherent(dev, 1 * MiB, cpu[i], dma[i]), 0);
	assert_int_equal(dmab_free_noncoherent(dev, 4096, cpu[0], dma[0], DMAB_TO_DEVICE), 0);
	assert_int_equal(dmab_device_destroy(dev), 0);
	assert_int_equal(seam_topo_free(1), 2 * MiB); /* the area given back */

	cfg.numa_area_size = DMAB_ALLOC_MAX + 1;
	assert_int_equal(dmab_device_create(&cfg, &dev), -EINVAL);
}

/* A bounce pool comes from the device's area first too (2 MiB aligned runs):
 * local while node 1 is full; a pool the area cannot hold falls back. */
static void test_pool_from_area(void **state)
{
	(void)state;
	struct seam_topo t = machine(2, 1, 64 * MiB);
	struct dmab_device_config cfg = area_cfg(2 * MiB);
	struct dmab_device *dev = NULL;
	static char buf[512];
	dmab_addr_t bus;

	cfg.bounce = DMAB_BOUNCE_FORCE;
	seam_topo_install(&t);
	for (int big = 0; big < 2; big++) {
		cfg.pool_size = big ? 4 * MiB : 256 << 10;
		seam_topo_set_free(1, 64 * MiB);
		assert_int_equal(dmab_device_create(&cfg, &dev), 0);
		seam_topo_set_free(1, 0); /* everyone else used node 1 up */
		assert_int_equal(dmab_map_single(dev, buf, sizeof(buf), DMAB_TO_DEVICE, 0, &bus),
				 0);
		assert_int_equal(dmab_unmap_single(dev, bus, sizeof(buf), DMAB_TO_DEVICE, 0), 0);
		struct dmab_stats s = stats_of(dev);

		/* The area itself, then the pool: from the area, or the default. */
		assert_int_equal(s.alloc_local, big ? 1 : 2);
		assert_int_equal(s.alloc_fallback, big ? 1 : 0);
		assert_int_equal(s.alloc_node_local[1], big ? 1 : 2);
		/* The pool's pages go back to the area, the area to node 1. */
		assert_int_equal(dmab_device_destroy(dev), 0);
		assert_int_equal(seam_topo_free(1), 2 * MiB);
	}
	/* Runs start 2 MiB aligned: with a page of the area taken, the pool
	 * comes from its second 2 MiB. */
	void *cpu;
	dmab_addr_t dma;

	cfg.pool_size = 256 << 10;
	cfg.numa_area_size = 4 * MiB;
	seam_topo_set_free(1, 64 * MiB);
	assert_int_equal(dmab_device_create(&cfg, &dev), 0);
	seam_topo_set_free(1, 0);
	assert_int_equal(dmab_alloc_coherent(dev, 4096, &cpu, &dma), 0);
	assert_int_equal(dmab_map_single(dev, buf, sizeof(buf), DMAB_TO_DEVICE, 0, &bus), 0);
	assert_int_equal(dmab_unmap_single(dev, bus, sizeof(buf), DMAB_TO_DEVICE, 0), 0);
	assert_int_equal(stats_of(dev).alloc_local, 3);
	assert_int_equal(stats_of(dev).alloc_fallback, 0);
	assert_true(bus % (2 * MiB) == 0 && bus - (uintptr_t)cpu == 2 * MiB);
	assert_int_equal(dmab_free_coherent(dev, 4096, cpu, dma), 0);
	assert_int_equal(dmab_device_destroy(dev), 0);
}

/* Pages that went elsewhere after the node was chosen: counted; strict fails. */
static void test_mismatch(void **state)
{
	(void)state;
	struct seam_topo t = machine(2, 1, 64 * MiB);
	void *cpu;
	dmab_addr_t dma;

	t.lie_node = 0;
	seam_topo_install(&t);
	struct dmab_device *lax = dev_on(1, false);

	assert_int_equal(dmab_alloc_noncoherent(lax, 4096, DMAB_FROM_DEVICE, &cpu, &dma), 0);
	struct dmab_stats s = stats_of(lax);

	assert_int_equal(s.alloc_mismatch, 1);
	assert_int_equal(s.alloc_fallback, 1);
	assert_int_equal(s.alloc_local, 0);
	assert_int_equal(dmab_free_noncoherent(lax, 4096, cpu, dma, DMAB_FROM_DEVICE), 0);
	assert_int_equal(dmab_device_destroy(lax), 0);

	struct dmab_device *strict = dev_on(1, true);

	cpu = NULL;
	assert_int_equal(dmab_alloc_noncoherent(strict, 4096, DMAB_FROM_DEVICE, &cpu, &dma),
			 -ENOMEM);
	assert_null(cpu);
	assert_non_null(strstr(dmab_last_error(), "numa_strict"));
	s = stats_of(strict);
	assert_int_equal(s.alloc_mismatch, 1);
	assert_int_equal(s.alloc_live, 0);
	assert_int_equal(s.alloc_local + s.alloc_fallback, 0);
	assert_int_equal(seam_topo_free(1), 64 * MiB); /* nothing kept */
	assert_int_equal(dmab_device_destroy(strict), 0);
}

/* Eight nodes, two CPUs each, node 3 offline: node -1 follows the CPU. */
static void test_eight_nodes(void **state)
{
	(void)state;
	struct seam_topo t = machine(8, 2, 64 * MiB);
	struct dmab_device_config cfg = {
	    .size = sizeof(cfg), .coherent = true, .numa_node = 3, .backend = "trace"};
	struct dmab_device *dev = NULL;
	void *cpu;
	dmab_addr_t dma;

	t.online[3] = false;
	t.current_cpu = 13; /* node 6 */
	seam_topo_install(&t);
	assert_int_equal(dmab_device_create(&cfg, &dev), -EINVAL);
	cfg.numa_node = 8;
	assert_int_equal(dmab_device_create(&cfg, &dev), -EINVAL);
	cfg.numa_node = 7;
	assert_int_equal(dmab_device_create(&cfg, &dev), 0);
	assert_int_equal(dmab_alloc_coherent(dev, 4096, &cpu, &dma), 0);
	assert_int_equal(stats_of(dev).alloc_node_local[7], 1);
	assert_int_equal(dmab_free_coherent(dev, 4096, cpu, dma), 0);
	assert_int_equal(dmab_device_destroy(dev), 0);

	dev = dev_on(-1, true);
	assert_int_equal(dmab_alloc_coherent(dev, 4096, &cpu, &dma), 0);
	assert_int_equal(stats_of(dev).alloc_node_local[6], 1);
	assert_true(seam_topo_free(6) < 64 * MiB);
	assert_int_equal(dmab_free_coherent(dev, 4096, cpu, dma), 0);
	seam_topo_set_cpu(1); /* the thread moved to node 0 */
	assert_int_equal(dmab_alloc_coherent(dev, 4096, &cpu, &dma), 0);
	struct dmab_stats s = stats_of(dev);

	assert_int_equal(s.alloc_node_local[0], 1);
	assert_int_equal(s.alloc_local, 2);
	assert_int_equal(s.numa_node, -1);
	assert_int_equal(dmab_free_coherent(dev, 4096, cpu, dma), 0);
	assert_int_equal(dmab_device_destroy(dev), 0);
}

/* One node, and no NUMA at all: only node 0 exists, memory is local to it. */
static void test_one_node_and_none(void **state)
{
	(void)state;
	for (int numa = 1; numa >= 0; numa--) {
		struct seam_topo t = machine(numa ? 1 : 4, 4, 64 * MiB);
		struct dmab_device_config cfg = {
		    .size = sizeof(cfg), .coherent = true, .numa_node = 1, .backend = "trace"};
		struct dmab_device *dev = NULL;
		void *cpu;
		dmab_addr_t dma;

		t.numa = numa;
		t.current_cpu = 3;
		seam_topo_install(&t);
		assert_int_equal(dmab_device_create(&cfg, &dev), -EINVAL);
		for (int node = -1; node <= 0; node++) {
			dev = dev_on(node, true);
			assert_int_equal(dmab_alloc_coherent(dev, 4096, &cpu, &dma), 0);
			struct dmab_stats s = stats_of(dev);

			assert_int_equal(s.alloc_local, 1);
			assert_int_equal(s.alloc_node_local[0], 1);
			assert_int_equal(dmab_free_coherent(dev, 4096, cpu, dma), 0);
			assert_int_equal(dmab_device_destroy(dev), 0);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_teardown(test_real_topology, teardown),
	    cmocka_unit_test_teardown(test_pci_node, teardown),
	    cmocka_unit_test_teardown(test_two_nodes_local, teardown),
	    cmocka_unit_test_teardown(test_fallback_when_full, teardown),
	    cmocka_unit_test_teardown(test_device_area, teardown),
	    cmocka_unit_test_teardown(test_pool_from_area, teardown),
	    cmocka_unit_test_teardown(test_mismatch, teardown),
	    cmocka_unit_test_teardown(test_eight_nodes, teardown),
	    cmocka_unit_test_teardown(test_one_node_and_none, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
