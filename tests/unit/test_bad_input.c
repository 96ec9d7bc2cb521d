/* SPDX-License-Identifier: MIT */
/*
 * The bad-input table: every public entry point with NULL pointers, zero
 * and negative counts, huge and wrapping lengths, bad directions and
 * attribute bits, bad configs. Each row asserts the return code, that
 * dmab_last_error() names the problem, and that the full stats of two
 * devices holding live mappings (one bounced, one direct) are unchanged.
 */
#include <errno.h>

#include "helpers.h"

#define KiB ((size_t)1024)

struct ctx {
	struct dmab_device *bounced, *plain;
	struct dmab_sg bsg[2], psg[1];
	dmab_addr_t ba, pa; /* a bounced and a direct single mapping */
	struct dmab_batch batch, raw;
	struct dmab_device *out;
};

static uint8_t *mem;
static const uintptr_t top = UINTPTR_MAX - 10;

struct row {
	const char *name;
	int want;
	const char *text; /* in dmab_last_error() */
	int (*call)(struct ctx *c);
};

/* A config row: device_create with one field wrong. */
#define CFG(field, value)                                                                          \
	({                                                                                         \
		struct dmab_device_config cfg_ = {.numa_node = -1, .backend = "trace"};            \
		cfg_.field = value;                                                                \
		dmab_device_create(&cfg_, &c->out);                                                \
	})

/* C has no lambdas: each row's call is a function made by DEF. */
#define DEF(n, expr)                                                                               \
	static int call_##n(struct ctx *c)                                                         \
	{                                                                                          \
		(void)c;                                                                           \
		return (expr);                                                                     \
	}

#define B		       c->bounced
#define P		       c->plain
#define TO		       DMAB_TO_DEVICE
#define FROM		       DMAB_FROM_DEVICE
#define BADDIR		       ((enum dmab_dir)3)
#define NEGDIR		       ((enum dmab_dir) - 1)
#define BADATTR		       (1u << 9)
#define WRAP		       ((void *)top)
#define map1(d, p, l, dir, at) dmab_map_single(d, p, l, dir, at, &c->pa)

/* map_single */
DEF(1, map1(NULL, mem, 64, TO, 0))
DEF(2, map1(P, mem, 64, BADDIR, 0))
DEF(3, map1(P, mem, 64, NEGDIR, 0))
DEF(4, map1(P, mem, 64, TO, BADATTR))
DEF(5, dmab_map_single(P, mem, 64, TO, 0, NULL))
DEF(6, map1(P, mem, 0, TO, 0))
DEF(7, map1(P, NULL, 64, TO, 0))
DEF(8, map1(P, WRAP, 100, TO, 0))
DEF(9, map1(P, mem, SIZE_MAX, TO, 0))
DEF(10, map1(B, WRAP, 100, TO, 0))
DEF(11, map1(B, mem, 300 * KiB, TO, 0))
/* unmap_single */
DEF(12, dmab_unmap_single(NULL, c->ba, 64, TO, 0))
DEF(13, dmab_unmap_single(B, c->ba, 64, BADDIR, 0))
DEF(14, dmab_unmap_single(B, c->ba, 64, TO, BADATTR))
DEF(15, dmab_unmap_single(B, c->ba, 0, TO, 0))
DEF(16, dmab_unmap_single(B, c->ba, 63, TO, 0))
DEF(17, dmab_unmap_single(B, c->ba + 8, 56, TO, 0))
DEF(18, dmab_unmap_single(P, 0x1000, 64, TO, 0))
DEF(19, dmab_unmap_single(P, top, 100, TO, 0))
DEF(20, dmab_unmap_single(P, c->pa + 4096, 64, TO, 0))
/* map_sg */
DEF(21, dmab_map_sg(NULL, c->psg, 1, TO, 0))
DEF(22, dmab_map_sg(P, NULL, 1, TO, 0))
DEF(23, dmab_map_sg(P, c->psg, 0, TO, 0))
DEF(24, dmab_map_sg(P, c->psg, -1, TO, 0))
DEF(25, dmab_map_sg(P, c->psg, 1, BADDIR, 0))
DEF(26, dmab_map_sg(P, c->psg, 1, TO, BADATTR))
static int call_27(struct ctx *c)
{
	struct dmab_sg sg[2] = {{mem, 64, 0, 0}, {NULL, 64, 0, 0}};

	return dmab_map_sg(B, sg, 2, TO, 0);
}
static int call_28(struct ctx *c)
{
	struct dmab_sg sg[2] = {{mem, 64, 0, 0}, {WRAP, 100, 0, 0}};

	return dmab_map_sg(P, sg, 2, TO, 0);
}
static int call_29(struct ctx *c)
{
	struct dmab_sg sg[2] = {{mem, 64, 0, 0}, {mem, 300 * KiB, 0, 0}};

	return dmab_map_sg(B, sg, 2, TO, 0); /* the first entry got slots, then -ERANGE */
}
/* unmap_sg */
DEF(30, dmab_unmap_sg(NULL, c->bsg, 2, TO, 0))
DEF(31, dmab_unmap_sg(B, NULL, 2, TO, 0))
DEF(32, dmab_unmap_sg(B, c->bsg, 0, TO, 0))
DEF(33, dmab_unmap_sg(B, c->bsg, -5, TO, 0))
DEF(34, dmab_unmap_sg(B, c->bsg, 2, BADDIR, 0))
DEF(35, dmab_unmap_sg(B, c->bsg, 2, TO, BADATTR))
static int call_36(struct ctx *c)
{
	struct dmab_sg sg[2] = {c->bsg[0], c->bsg[1]};

	sg[1].dma_addr += 16; /* inside the pool, not a mapping's start */
	sg[1].dma_len -= 16;
	return dmab_unmap_sg(B, sg, 2, TO, 0);
}
static int call_37(struct ctx *c)
{
	struct dmab_sg sg[2] = {c->psg[0], c->psg[0]};

	return dmab_unmap_sg(P, sg, 2, TO, 0); /* two direct entries, one live */
}
/* syncs */
DEF(38, dmab_sync_single_for_cpu(NULL, c->ba, 64, FROM))
DEF(39, dmab_sync_single_for_cpu(B, c->ba, 64, BADDIR))
DEF(40, dmab_sync_single_for_cpu(B, c->ba, 0, FROM))
DEF(41, dmab_sync_single_for_cpu(B, c->ba, 65, FROM))
DEF(42, dmab_sync_single_for_device(B, c->ba + 64, 8, TO))
DEF(43, dmab_sync_single_for_device(P, top, 100, TO))
DEF(44, dmab_sync_sg_for_cpu(NULL, c->bsg, 2, FROM))
DEF(45, dmab_sync_sg_for_cpu(B, NULL, 2, FROM))
DEF(46, dmab_sync_sg_for_cpu(B, c->bsg, 0, FROM))
DEF(47, dmab_sync_sg_for_device(B, c->bsg, -1, TO))
DEF(48, dmab_sync_sg_for_device(B, c->bsg, 2, NEGDIR))
/* batches */
DEF(49, dmab_batch_sync_for_device(NULL, B, c->ba, 64, TO))
DEF(50, dmab_batch_sync_for_device(&c->raw, B, c->ba, 64, TO))
DEF(51, dmab_batch_sync_for_device(&c->batch, NULL, c->ba, 64, TO))
DEF(52, dmab_batch_sync_for_cpu(&c->batch, B, c->ba, 64, BADDIR))
DEF(53, dmab_batch_sync_for_cpu(&c->batch, B, c->ba, 0, FROM))
DEF(54, dmab_batch_sync_for_cpu(&c->batch, B, c->ba + 64, 64, FROM))
DEF(55, dmab_batch_commit(NULL))
DEF(56, dmab_batch_commit(&c->raw))
/* device calls and configs */
DEF(57, dmab_device_create(NULL, NULL))
DEF(58, CFG(dma_bits, 65))
DEF(59, CFG(sync_mode, (enum dmab_sync_mode)7))
DEF(60, CFG(numa_node, -2))
DEF(61, CFG(numa_node, 1 << 20))
DEF(62, CFG(bounce, 1u << 7))
DEF(63, CFG(bounce, DMAB_BOUNCE_NEVER | DMAB_BOUNCE_FORCE))
DEF(64, CFG(min_align_mask, 3000))
DEF(65, CFG(alloc_align_mask, (uint64_t)4 << 20))
DEF(66, CFG(pool_size, (size_t)2 << 30))
DEF(67, CFG(pool_areas, 3))
DEF(68, CFG(pool_max_extra, 65))
DEF(69, CFG(line_size, 48))
DEF(70, CFG(size, 1))
static int call_71(struct ctx *c)
{
	struct dmab_device_config cfg = {.numa_node = -1, .backend = "no-such-backend"};

	return dmab_device_create(&cfg, &c->out);
}
DEF(72, dmab_device_destroy(NULL))
DEF(73, dmab_device_destroy(B))
DEF(74, dmab_device_destroy(P))
DEF(75, dmab_device_stats(NULL, NULL))
static int call_76(struct ctx *c)
{
	return dmab_device_stats(c->plain, NULL);
}

DEF(77, CFG(backend, ""))

static const struct row rows[] = {
    {"map_single NULL device", -EINVAL, "NULL device", call_1},
    {"map_single direction 3", -EINVAL, "direction 3", call_2},
    {"map_single direction -1", -EINVAL, "direction -1", call_3},
    {"map_single unknown attrs", -EINVAL, "unknown attribute bits 0x200", call_4},
    {"map_single NULL out", -EINVAL, "NULL output", call_5},
    {"map_single zero length", -EINVAL, "zero length", call_6},
    {"map_single NULL buffer", -EINVAL, "NULL address", call_7},
    {"map_single wrapping", -EINVAL, "overflows", call_8},
    {"map_single SIZE_MAX", -EINVAL, "overflows", call_9},
    {"map_single bounced wrapping", -EINVAL, "overflows", call_10},
    {"map_single too long to bounce", -ERANGE, "longest bounce mapping", call_11},
    {"unmap_single NULL device", -EINVAL, "NULL device", call_12},
    {"unmap_single bad direction", -EINVAL, "direction 3", call_13},
    {"unmap_single unknown attrs", -EINVAL, "unknown attribute", call_14},
    {"unmap_single zero length", -EINVAL, "zero length", call_15},
    {"unmap_single wrong length", -EINVAL, "start and length", call_16},
    {"unmap_single inside a mapping", -EINVAL, "start and length", call_17},
    {"unmap_single never mapped", -EINVAL, "not mapped", call_18},
    {"unmap_single wrapping", -EINVAL, "overflows", call_19},
    {"unmap_single past the direct span", -EINVAL, "not mapped", call_20},
    {"map_sg NULL device", -EINVAL, "NULL device", call_21},
    {"map_sg NULL list", -EINVAL, "NULL list", call_22},
    {"map_sg nents 0", -EINVAL, "at least 1", call_23},
    {"map_sg nents -1", -EINVAL, "at least 1", call_24},
    {"map_sg bad direction", -EINVAL, "direction 3", call_25},
    {"map_sg unknown attrs", -EINVAL, "unknown attribute", call_26},
    {"map_sg NULL entry", -EINVAL, "entry 1: NULL address", call_27},
    {"map_sg wrapping entry", -EINVAL, "entry 1: address + length", call_28},
    {"map_sg entry too long, after one bounced", -ERANGE, "entry 1", call_29},
    {"unmap_sg NULL device", -EINVAL, "NULL device", call_30},
    {"unmap_sg NULL list", -EINVAL, "NULL list", call_31},
    {"unmap_sg nents 0", -EINVAL, "at least 1", call_32},
    {"unmap_sg nents -5", -EINVAL, "at least 1", call_33},
    {"unmap_sg bad direction", -EINVAL, "direction 3", call_34},
    {"unmap_sg unknown attrs", -EINVAL, "unknown attribute", call_35},
    {"unmap_sg entry not a mapping", -EINVAL, "start and length", call_36},
    {"unmap_sg more direct entries than live", -EINVAL, "only 1 are mapped", call_37},
    {"sync_single NULL device", -EINVAL, "NULL device", call_38},
    {"sync_single bad direction", -EINVAL, "bad direction", call_39},
    {"sync_single zero length", -EINVAL, "zero length", call_40},
    {"sync_single past a bounce mapping", -EINVAL, "past its bounce mapping", call_41},
    {"sync_single in no bounce mapping", -EINVAL, "in no live mapping", call_42},
    {"sync_single wrapping", -EINVAL, "overflows", call_43},
    {"sync_sg NULL device", -EINVAL, "NULL device", call_44},
    {"sync_sg NULL list", -EINVAL, "NULL list", call_45},
    {"sync_sg nents 0", -EINVAL, "at least 1", call_46},
    {"sync_sg nents -1", -EINVAL, "at least 1", call_47},
    {"sync_sg direction -1", -EINVAL, "bad direction", call_48},
    {"batch_sync NULL batch", -EINVAL, "not initialised", call_49},
    {"batch_sync uninitialised batch", -EINVAL, "not initialised", call_50},
    {"batch_sync NULL device", -EINVAL, "NULL device", call_51},
    {"batch_sync bad direction", -EINVAL, "bad direction", call_52},
    {"batch_sync zero length", -EINVAL, "zero length", call_53},
    {"batch_sync in no bounce mapping", -EINVAL, "in no live mapping", call_54},
    {"batch_commit NULL", -EINVAL, "not initialised", call_55},
    {"batch_commit uninitialised", -EINVAL, "not initialised", call_56},
    {"device_create NULL out", -EINVAL, "NULL output", call_57},
    {"config dma_bits 65", -EINVAL, "dma_bits 65", call_58},
    {"config sync_mode 7", -EINVAL, "sync_mode 7", call_59},
    {"config numa_node -2", -EINVAL, "NUMA node -2", call_60},
    {"config numa_node 2^20", -EINVAL, "does not exist", call_61},
    {"config unknown bounce flag", -EINVAL, "unknown bounce flags 0x80", call_62},
    {"config NEVER with FORCE", -EINVAL, "DMAB_BOUNCE_NEVER with", call_63},
    {"config min_align_mask 3000", -EINVAL, "min_align_mask", call_64},
    {"config alloc_align_mask 4 MiB", -EINVAL, "alloc_align_mask", call_65},
    {"config pool_size 2 GiB", -EINVAL, "pool_size", call_66},
    {"config pool_areas 3", -EINVAL, "pool_areas 3", call_67},
    {"config pool_max_extra 65", -EINVAL, "pool_max_extra 65", call_68},
    {"config trace line_size 48", -EINVAL, "48", call_69},
    {"config size 1", -EINVAL, "config size 1", call_70},
    {"config unknown backend", -EINVAL, "unknown backend 'no-such-backend'", call_71},
    {"destroy NULL", -EINVAL, "NULL device", call_72},
    {"destroy with bounce mappings", -EBUSY, "still mapped", call_73},
    {"destroy with direct mappings", -EBUSY, "still mapped", call_74},
    {"stats NULL device", -EINVAL, "NULL device", call_75},
    {"stats NULL output", -EINVAL, "NULL output", call_76},
    {"config empty backend name", -EINVAL, "empty backend name", call_77},
};

static void snapshot(struct ctx *c, struct dmab_stats s[2])
{
	assert_int_equal(dmab_device_stats(c->bounced, &s[0]), 0);
	assert_int_equal(dmab_device_stats(c->plain, &s[1]), 0);
}

static void test_bad_input_table(void **state)
{
	(void)state;
	struct ctx c = {0};
	struct dmab_device_config bcfg = {.numa_node = -1,
					  .backend = "trace",
					  .bounce = DMAB_BOUNCE_FORCE,
					  .pool_size = 256 * KiB};

	mem = page_buf(400 * KiB);
	assert_int_equal(dmab_device_create(&bcfg, &c.bounced), 0);
	c.plain = trace_dev(false, DMAB_SYNC_BATCHED, 64);
	c.bsg[0] = (struct dmab_sg){.addr = mem + 8192, .len = 100};
	c.bsg[1] = (struct dmab_sg){.addr = mem + 16384, .len = 3000};
	assert_int_equal(dmab_map_sg(c.bounced, c.bsg, 2, DMAB_BIDIRECTIONAL, 0), 2);
	assert_int_equal(dmab_map_single(c.bounced, mem + 32768, 64, DMAB_BIDIRECTIONAL, 0, &c.ba),
			 0);
	c.psg[0] = (struct dmab_sg){.addr = mem + 65536, .len = 256};
	assert_int_equal(dmab_map_sg(c.plain, c.psg, 1, DMAB_TO_DEVICE, 0), 1);
	dmab_addr_t keep_pa;

	assert_int_equal(dmab_map_single(c.plain, mem + 4096, 64, DMAB_TO_DEVICE, 0, &keep_pa), 0);
	/* one direct mapping left live: unmap it, keep the list's */
	assert_int_equal(dmab_unmap_single(c.plain, keep_pa, 64, DMAB_TO_DEVICE, 0), 0);
	c.pa = c.psg[0].dma_addr;
	/* Raise the high-water mark well above what the rows can hold, so that a
	 * map_sg failing half-way (which may move it) leaves it as it was. */
	dmab_addr_t big;

	assert_int_equal(dmab_map_single(c.bounced, mem, 200 * KiB, DMAB_TO_DEVICE, 0, &big), 0);
	assert_int_equal(dmab_unmap_single(c.bounced, big, 200 * KiB, DMAB_TO_DEVICE, 0), 0);
	dmab_batch_init(&c.batch);
	memset(&c.raw, 0, sizeof(c.raw));
	assert_int_equal(dmab_trace_clear(c.plain), 0);
	assert_int_equal(dmab_trace_clear(c.bounced), 0);

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct row *r = &rows[i];
		struct dmab_stats before[2], after[2];

		snapshot(&c, before);
		c.out = NULL;
		dmab_addr_t pa = c.pa;
		int got = r->call(&c);

		c.pa = pa;
		if (got != r->want || !strstr(dmab_last_error(), r->text))
			print_message("row '%s': got %d, want %d; last error '%s', want '%s'\n",
				      r->name, got, r->want, dmab_last_error(), r->text);
		assert_int_equal(got, r->want);
		assert_non_null(strstr(dmab_last_error(), r->text));
		assert_null(c.out);
		snapshot(&c, after);
		/* bounce_full counts refusals for a full pool: none here */
		assert_memory_equal(before, after, sizeof(before));
		expect_empty(c.plain);
		expect_empty(c.bounced);
	}
	assert_int_equal(dmab_batch_commit(&c.batch), 0);
	/* The non-fallible calls with NULL. */
	assert_true(dmab_max_mapping_size(NULL) == 0);
	assert_null(dmab_device_backend(NULL));
	assert_int_equal(dmab_device_line_size(NULL), 0);
	assert_string_equal(dmab_strerror(1), "not an error code");

	assert_int_equal(dmab_unmap_sg(c.bounced, c.bsg, 2, DMAB_BIDIRECTIONAL, 0), 0);
	assert_int_equal(dmab_unmap_single(c.bounced, c.ba, 64, DMAB_BIDIRECTIONAL, 0), 0);
	assert_int_equal(dmab_unmap_sg(c.plain, c.psg, 1, DMAB_TO_DEVICE, 0), 0);
	destroy(c.bounced);
	destroy(c.plain);
	free(mem);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_bad_input_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
