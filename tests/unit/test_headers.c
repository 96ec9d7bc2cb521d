/* SPDX-License-Identifier: MIT */
/* Every public header on its own, linked to the shared library. Also built
 * as C++ (test_headers.cpp). */
#include <dmabatch.h>
#include <dmabatch/debug.h>
#include <dmabatch/sim.h>
#include <dmabatch/trace.h>
#include <dmabatch/xlate.h>

#include <stdio.h>
#include <string.h>

int main(void)
{
	struct dmab_device_config cfg;
	struct dmab_device *dev = NULL;
	struct dmab_batch b;
	int err;

	memset(&cfg, 0, sizeof(cfg));

	cfg.backend = "trace";
	cfg.numa_node = -1;
	err = dmab_device_create(&cfg, &dev);
	if (err) {
		fprintf(stderr, "create: %s\n", dmab_strerror(err));
		return 1;
	}
	/* the checker's calls are exported too; registration on an identity
	 * device is recorded and refcounted */
	static char region[256];

	if (dmab_debug_errno(DMAB_DEBUG_UNMAP_SIZE) >= 0 ||
	    dmab_debug_enabled(dev) != (dmab_debug_dump(dev, NULL) >= 0) ||
	    dmab_mem_register(dev, region, sizeof(region)) != 0 ||
	    dmab_mem_unregister(dev, region, sizeof(region)) != 0 ||
	    dmab_vfio_parse_iova_ranges(region, 1, NULL, 0) != -71 /* EPROTO */)
		return 1;
	dmab_batch_init(&b);
	err = dmab_batch_commit(&b);
	if (err != 0 || strcmp(dmab_version(), DMAB_VERSION_STRING) != 0)
		return 1;
	if (dmab_device_destroy(dev) != 0)
		return 1;
	printf("headers ok: %s\n", dmab_version());
	return 0;
}
