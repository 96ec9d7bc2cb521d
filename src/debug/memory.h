/* SPDX-License-Identifier: MIT */
/*
 * The map-time classes that judge the memory itself: the calling thread's
 * stack, and read-only or executable mappings (from the process's mappings,
 * through src/os/). Private to src/debug/.
 */
#ifndef DMAB_DEBUG_MEMORY_H
#define DMAB_DEBUG_MEMORY_H

#include <dmabatch/debug.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct dmab__debug;

/* A snapshot of the process's mappings, kept by the checker. */
struct dmab__dbg_region {
	uintptr_t lo, hi;
	unsigned prot; /* DMAB__OS_PROT_* */
};

/*
 * Is mapping [@cpu, @cpu + @len) for @dir a misuse of memory (the calling
 * thread's stack; memory not writable, code included, for a direction the
 * device writes)? If so, true and *@cls is the class. The snapshot is read again when the range is
 * not in it (memory mapped since); a mapping made read-only after the snapshot is judged by its old
 * protection.
 */
bool dmab__dbg_mem_class(struct dmab__debug *d, const void *cpu, size_t len, enum dmab_dir dir,
			 enum dmab_debug_class *cls);
void dmab__dbg_mem_fini(struct dmab__debug *d);

#endif /* DMAB_DEBUG_MEMORY_H */
