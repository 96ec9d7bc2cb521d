/* SPDX-License-Identifier: MIT */
/* Error words, the per-thread detail of the last failure, the version. */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

static _Thread_local char last_error[256];

int dmab__fail(int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(last_error, sizeof(last_error), fmt, ap);
	va_end(ap);
	return err;
}

const char *dmab_last_error(void)
{
	return last_error;
}

const char *dmab_strerror(int err)
{
	switch (err) {
	case 0:
		return "success";
	case -EINVAL:
		return "invalid argument or misuse of the DMA API";
	case -ENOMEM:
		return "out of memory, or the bounce pool is full";
	case -ERANGE:
		return "buffer is beyond the device's DMA mask";
	case -EBUSY:
		return "device still has live mappings";
	case -ENODEV:
		return "cache backend cannot run on this CPU";
	case -EOPNOTSUPP:
		return "non-coherent device, but the backend does no cache maintenance";
	case -EFAULT:
		return "bus address outside registered or mapped memory";
	case -EIO:
		return "the platform refused the operation";
	default:
		/* -INT_MIN does not exist: that one is no errno either. */
		return err < 0 && err != INT_MIN ? strerror(-err) : "not an error code";
	}
}

const char *dmab_version(void)
{
	return DMAB_VERSION_STRING;
}
