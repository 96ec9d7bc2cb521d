/* SPDX-License-Identifier: MIT */
/* A consumer of the installed library: map, sync and unmap one buffer on a
 * trace device and check the counters. Exits 0 when all is as expected. */
#include <dmabatch.h>

#include <stdio.h>
#include <string.h>

int main(void)
{
	static unsigned char buf[4096] __attribute__((aligned(64)));
	struct dmab_device_config cfg;
	struct dmab_device *dev = NULL;
	struct dmab_stats st;
	dmab_addr_t addr = 0;
	int err;

	memset(&cfg, 0, sizeof(cfg));
	cfg.backend = "trace";
	cfg.numa_node = -1;
	err = dmab_device_create(&cfg, &dev);
	if (err) {
		fprintf(stderr, "create: %s (%s)\n", dmab_strerror(err), dmab_last_error());
		return 1;
	}
	err = dmab_map_single(dev, buf, sizeof(buf), DMAB_TO_DEVICE, 0, &addr);
	if (!err)
		err = dmab_unmap_single(dev, addr, sizeof(buf), DMAB_TO_DEVICE, 0);
	if (!err)
		err = dmab_device_stats(dev, &st);
	if (err || st.maps != 1 || st.unmaps != 1 || st.lines_cleaned == 0) {
		fprintf(stderr, "map/unmap: %s\n", dmab_strerror(err));
		return 1;
	}
	if (dmab_device_destroy(dev))
		return 1;
	printf("consumer (C): libdmabatch %s, %llu lines cleaned\n", dmab_version(),
	       (unsigned long long)st.lines_cleaned);
	return 0;
}
