/* SPDX-License-Identifier: MIT */
/*
 * A VFIO type1 device opened from its PCI address: the IOMMU group from
 * sysfs (the link appears once vfio-pci has bound the device), the
 * container, the group attached to it, the IOMMU type set, the device fd.
 * Every step that can fail says which step and what the usual cause is.
 */
#include <errno.h>
#include <linux/vfio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../internal.h"
#include "../os/fd.h"
#include "../os/os.h"
#include "backends.h"

static int step(int err, const char *dev_name, const char *bdf, const char *what, const char *hint)
{
	return dmab__fail(err, "device_create: %s: VFIO %s: %s: %s%s", dev_name, bdf, what,
			  strerror(-err), hint);
}

int dmab__vfio_open(const char *bdf, const char *sysfs, const char *devdir, const char *dev_name,
		    struct dmab__vfio_fds *out)
{
	char path[512], name[64];
	int err;

	out->container = out->group = out->device = -1;
	snprintf(path, sizeof(path), "%s/bus/pci/devices/%s/vendor", sysfs, bdf);
	char id[16];

	if (dmab__os_read_file(path, id, sizeof(id)) < 0)
		return dmab__fail(-ENOENT, "device_create: %s: no PCI device %s (%s)", dev_name,
				  bdf, path);
	snprintf(path, sizeof(path), "%s/bus/pci/devices/%s/iommu_group", sysfs, bdf);
	err = dmab__os_link_name(path, name, sizeof(name));
	if (err)
		return dmab__fail(-ENODEV,
				  "device_create: %s: %s has no IOMMU group: no IOMMU (use the "
				  "pagemap translator), or the device is not bound to vfio-pci",
				  dev_name, bdf);
	snprintf(path, sizeof(path), "%s/vfio", devdir);
	err = out->container = dmab__os_open_rw(path);
	if (err < 0)
		goto fail_open;
	if (dmab__os_ioctl_val(out->container, VFIO_GET_API_VERSION, 0) != VFIO_API_VERSION) {
		err = step(-EPROTO, dev_name, bdf, "API version", "");
		goto fail;
	}
	unsigned long type = VFIO_TYPE1v2_IOMMU;

	if (dmab__os_ioctl_val(out->container, VFIO_CHECK_EXTENSION, type) <= 0)
		type = VFIO_TYPE1_IOMMU;
	if (dmab__os_ioctl_val(out->container, VFIO_CHECK_EXTENSION, type) <= 0) {
		err = step(-EOPNOTSUPP, dev_name, bdf, "no type1 IOMMU",
			   " (is vfio_iommu_type1 loaded?)");
		goto fail;
	}
	snprintf(path, sizeof(path), "%s/%s", devdir, name);
	err = out->group = dmab__os_open_rw(path);
	if (err < 0)
		goto fail_open;
	struct vfio_group_status st = {.argsz = sizeof(st)};

	err = dmab__os_ioctl(out->group, VFIO_GROUP_GET_STATUS, &st);
	if (!err && !(st.flags & VFIO_GROUP_FLAGS_VIABLE))
		err = -EBUSY;
	if (err) {
		err = step(err, dev_name, bdf, "group status",
			   err == -EBUSY ? " (bind every device of the group to vfio-pci)" : "");
		goto fail;
	}
	err = dmab__os_ioctl(out->group, VFIO_GROUP_SET_CONTAINER, &out->container);
	if (err) {
		err = step(err, dev_name, bdf, "VFIO_GROUP_SET_CONTAINER", "");
		goto fail;
	}
	err = dmab__os_ioctl_val(out->container, VFIO_SET_IOMMU, type);
	if (err) {
		err = step(err, dev_name, bdf, "VFIO_SET_IOMMU",
			   err == -EPERM ? " (no interrupt remapping: vfio_iommu_type1 "
					   "allow_unsafe_interrupts=1)"
					 : "");
		goto fail;
	}
	err = out->device = dmab__os_ioctl(out->group, VFIO_GROUP_GET_DEVICE_FD, (void *)bdf);
	if (err < 0) {
		err = step(err, dev_name, bdf, "VFIO_GROUP_GET_DEVICE_FD", "");
		goto fail;
	}
	return 0;

fail_open:
	err =
	    step(err, dev_name, bdf, path, err == -EACCES || err == -EPERM ? " (root needed)" : "");
fail:
	dmab__vfio_close(out);
	return err;
}

void dmab__vfio_close(struct dmab__vfio_fds *f)
{
	dmab__os_close(f->device);
	dmab__os_close(f->group);
	dmab__os_close(f->container);
	f->device = f->group = f->container = -1;
}
