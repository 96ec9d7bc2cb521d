// SPDX-License-Identifier: MIT
// The C++ consumer of the installed library: the header as C++, one sg list
// mapped and unmapped on a trace device.
#include <dmabatch.h>

#include <cstdio>
#include <vector>

int main()
{
	dmab_device_config cfg{};
	cfg.backend = "trace";
	cfg.numa_node = -1;
	dmab_device *dev = nullptr;
	if (dmab_device_create(&cfg, &dev) != 0)
		return 1;
	std::vector<unsigned char> a(3000), b(5000);
	dmab_sg sg[2] = {};
	sg[0].addr = a.data();
	sg[0].len = a.size();
	sg[1].addr = b.data();
	sg[1].len = b.size();
	int n = dmab_map_sg(dev, sg, 2, DMAB_FROM_DEVICE, 0);
	if (n <= 0 || dmab_unmap_sg(dev, sg, 2, DMAB_FROM_DEVICE, 0) != 0)
		return 1;
	if (dmab_device_destroy(dev) != 0)
		return 1;
	std::printf("consumer (C++): libdmabatch %s, %d segment(s)\n", dmab_version(), n);
	return 0;
}
