/* SPDX-License-Identifier: MIT */
/*
 * The "trace" backend: it performs no maintenance and records every range
 * it is asked to issue, every completion barrier and every bounce copy, in
 * order, per device. Tests use it to assert exactly what the library did.
 */
#ifndef DMABATCH_TRACE_H
#define DMABATCH_TRACE_H

#include <dmabatch.h>

#ifdef __cplusplus
extern "C" {
#endif

enum dmab_trace_op {
	DMAB_TRACE_CLEAN = 0,	    /* start, len: whole lines */
	DMAB_TRACE_INVAL = 1,	    /* start, len: whole lines */
	DMAB_TRACE_CLEAN_INVAL = 2, /* start, len: whole lines */
	DMAB_TRACE_COMPLETE = 3,    /* start, len: 0 */
	DMAB_TRACE_COPY = 4,	    /* start: destination, len: bytes copied */
};

struct dmab_trace_rec {
	enum dmab_trace_op op;
	uintptr_t start;
	size_t len;
};

/**
 * dmab_trace_get() - the records of a device on the trace backend.
 * @dev:  the device; its backend must be "trace".
 * @recs: receives a pointer valid until the next call that maps, syncs or
 *        clears on this device.
 * @n:    receives the number of records.
 * Return: 0; -EINVAL for NULL arguments or a device on another backend.
 */
DMAB_API DMAB_NODISCARD int dmab_trace_get(const struct dmab_device *dev,
					   const struct dmab_trace_rec **recs, size_t *n);
/** dmab_trace_clear() - forget the records. Return: 0 or -EINVAL. */
DMAB_API DMAB_NODISCARD int dmab_trace_clear(struct dmab_device *dev);

#ifdef __cplusplus
}
#endif

#endif /* DMABATCH_TRACE_H */
