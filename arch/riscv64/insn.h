/* SPDX-License-Identifier: MIT */
/*
 * riscv64's Zicbom cache-block maintenance in user space, the loops that
 * issue it and the completion: shared by the backend (riscv64.c) and the
 * bench's raw floor.
 *
 * cbo.clean writes a block back and keeps it (clean); cbo.flush writes it
 * back and drops it (clean+invalidate). cbo.inval is never issued: Linux
 * makes it illegal in user space (senvcfg.CBIE), and dropping a block
 * without writing it back would lose a neighbour's dirty bytes anyway, so
 * every invalidate is a cbo.flush, safe because map time cleaned the range.
 * A FENCE orders cache-block operations as stores; the completion is
 * fence iorw,iorw, because fence rw,rw would not order them before a
 * device-register (I/O) write such as a doorbell. The instructions are
 * emitted as .insn words (MISC-MEM, funct3 2, rd x0, imm 1 clean / 2
 * flush) so that no assembler needs to know Zicbom. The block size is not
 * an instruction's answer: it comes from the kernel (facts.h).
 */
#ifndef DMAB_ARCH_RISCV64_INSN_H
#define DMAB_ARCH_RISCV64_INSN_H

#include "../arch.h"

#define DMAB__INSN_ARCH "riscv64"

/* The encodings, for tests that decode what was issued. */
#define DMAB__RV_CBO_OPCODE 0x0f /* MISC-MEM */
#define DMAB__RV_CBO_FUNCT3 2
#define DMAB__RV_CBO_INVAL  0 /* imm[11:0]; never issued */
#define DMAB__RV_CBO_CLEAN  1
#define DMAB__RV_CBO_FLUSH  2
#define DMAB__RV_FENCE_IORW 0x0ff0000fu /* fence iorw,iorw */

struct dmab__insn {
	size_t line; /* the Zicbom block size, set by the caller */
};

static inline void dmab__rv_cbo_clean(uintptr_t p)
{
	__asm__ volatile(".insn i 0x0f, 2, x0, %0, 1" ::"r"(p) : "memory");
}

static inline void dmab__rv_cbo_flush(uintptr_t p)
{
	__asm__ volatile(".insn i 0x0f, 2, x0, %0, 2" ::"r"(p) : "memory");
}

/*
 * Run cbo.clean, cbo.flush and the fence once on a block of their own: they
 * trap (SIGILL) where the kernel does not let user space run them, so the
 * backend calls this in a probe child. Returns NULL, or the reason when the
 * caller has not given the block size.
 */
static inline const char *dmab__insn_detect(struct dmab__insn *in)
{
	volatile char probe_block[8] = {0};

	dmab__rv_cbo_clean((uintptr_t)probe_block);
	dmab__rv_cbo_flush((uintptr_t)probe_block);
	__asm__ volatile("fence iorw, iorw" ::: "memory");
	return in->line ? NULL : "the Zicbom block size is the kernel's to tell (riscv_hwprobe)";
}

/* Start @op over the blocks of [p, end), both block aligned. */
static inline void dmab__insn_issue(const struct dmab__insn *in, enum dmab__op op, uintptr_t p,
				    uintptr_t end)
{
	size_t line = in->line;

	if (op == DMAB__CLEAN) {
		for (; p < end; p += line)
			dmab__rv_cbo_clean(p);
	} else {
		/* no cbo.inval in user space */
		for (; p < end; p += line)
			dmab__rv_cbo_flush(p);
	}
}

/* Inlined at every optimisation level: a test finds the fence in the
 * backend's complete(). */
__attribute__((always_inline)) static inline void dmab__insn_complete(const struct dmab__insn *in)
{
	(void)in;
	__asm__ volatile("fence iorw, iorw" ::: "memory");
}

static inline void dmab__insn_drain(void)
{
	__asm__ volatile("fence iorw, iorw" ::: "memory");
}

static inline const char *dmab__insn_name(const struct dmab__insn *in, enum dmab__op op)
{
	(void)in;
	return op == DMAB__CLEAN ? "cbo.clean" : "cbo.flush";
}

static inline const char *dmab__insn_barrier(const struct dmab__insn *in)
{
	(void)in;
	return "fence iorw,iorw";
}

#endif /* DMAB_ARCH_RISCV64_INSN_H */
