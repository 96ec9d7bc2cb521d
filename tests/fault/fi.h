/* SPDX-License-Identifier: MIT */
/* The fault-injection shim's controls (fi.c). */
#ifndef DMAB_FI_H
#define DMAB_FI_H

#include <pthread.h>

enum { FI_ALLOC, FI_MMAP, FI_MADVISE, FI_NUMA, FI_OPEN, FI_THREAD, FI_NCLASS };

/* Count (and fail, as FI_CLASS/FI_N/FI_PERSIST say) calls from now on, or stop. */
void fi_arm(int on);
long fi_count(int c);
const char *fi_class_name(int c);
/* Start a thread of the program's own, never failed and never counted. */
int fi_thread_start(pthread_t *t, void *(*fn)(void *), void *arg);

#endif /* DMAB_FI_H */
