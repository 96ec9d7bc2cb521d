/* SPDX-License-Identifier: MIT */
/*
 * DMAB__PAD: the alignment that keeps data written by different threads off
 * each other's lines. Two 64-byte lines, because the adjacent-line
 * prefetcher pairs lines, and two threads' data in one pair would still
 * bounce between their cores.
 */
#ifndef DMAB_PAD_H
#define DMAB_PAD_H

#define DMAB__PAD 128

#endif /* DMAB_PAD_H */
