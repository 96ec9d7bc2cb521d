/* SPDX-License-Identifier: MIT */
/*
 * The fast path of map_sg and unmap_sg (src/fast.h) against the general
 * path, through the trace backend: for the same lists, every direction,
 * attribute and line size, both give the same results, the same lines
 * with the same operations in each completion (each line once where the
 * engine issues it once), the same completions and the same counters; and
 * for bad input the same errno and message, nothing issued, nothing
 * counted. The fast path may cut a run into more issue() calls: streams are
 * compared line by line, in each completion's window, in order of address.
 */
#include <errno.h>

#include "helpers.h"
#include "seam.h"

struct line_op {
	uintptr_t line;
	uintptr_t op; /* enum dmab_trace_op; T_DONE ends a window (no padding: memcmp) */
};

static int cmp_line_op(const void *a, const void *b)
{
	const struct line_op *x = a, *y = b;

	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	return x->op < y->op ? -1 : x->op > y->op;
}

/* The device's trace as one record per line, each completion's window in
 * address order; cleared. *@nrec gets the number of trace records. */
static struct line_op *stream_of(struct dmab_device *dev, size_t line, size_t *n, size_t *nrec)
{
	const struct dmab_trace_rec *r;
	size_t got, cap = 16, k = 0, win = 0;
	struct line_op *v = malloc(cap * sizeof(*v));

	assert_int_equal(dmab_trace_get(dev, &r, &got), 0);
	for (size_t i = 0; i < got; i++) {
		size_t lines = r[i].op == T_DONE ? 1 : r[i].len / line;

		assert_true(r[i].op != T_COPY);
		for (size_t j = 0; j < lines; j++) {
			if (k == cap)
				v = realloc(v, (cap *= 2) * sizeof(*v));
			assert_non_null(v);
			v[k].op = (uintptr_t)r[i].op;
			v[k].line = r[i].op == T_DONE ? 0 : r[i].start + j * line;
			k++;
		}
		if (r[i].op == T_DONE) {
			qsort(v + win, k - 1 - win, sizeof(*v), cmp_line_op);
			win = k;
		}
	}
	qsort(v + win, k - win, sizeof(*v), cmp_line_op);
	*n = k;
	*nrec = got;
	assert_int_equal(dmab_trace_clear(dev), 0);
	return v;
}

struct outcome {
	int map_rc, unmap_rc;
	struct dmab_sg *sg;
	struct line_op *map_s, *unmap_s;
	size_t map_n, unmap_n, map_recs;
	struct dmab_stats d;
};

static struct dmab_stats stats_minus(struct dmab_stats a, const struct dmab_stats *b)
{
	a.lines_cleaned -= b->lines_cleaned;
	a.lines_invalidated -= b->lines_invalidated;
	a.lines_clean_invalidated -= b->lines_clean_invalidated;
	a.completions -= b->completions;
	a.completions_saved -= b->completions_saved;
	a.maps -= b->maps;
	a.unmaps -= b->unmaps;
	return a;
}

static void run(struct dmab_device *dev, bool general, const struct dmab_sg *list, int n,
		enum dmab_dir dir, unsigned attrs, struct outcome *o)
{
	size_t line = dmab_device_line_size(dev);
	struct dmab_stats s0 = stats_of(dev), s1;
	size_t ignore;

	seam_fast_off(general);
	o->sg = malloc((size_t)n * sizeof(*o->sg));
	assert_non_null(o->sg);
	memcpy(o->sg, list, (size_t)n * sizeof(*o->sg));
	o->map_rc = dmab_map_sg(dev, o->sg, n, dir, attrs);
	o->map_s = stream_of(dev, line, &o->map_n, &o->map_recs);
	o->unmap_rc = dmab_unmap_sg(dev, o->sg, n, dir, attrs);
	o->unmap_s = stream_of(dev, line, &o->unmap_n, &ignore);
	s1 = stats_of(dev);
	o->d = stats_minus(s1, &s0);
	assert_int_equal(s1.live_mappings, s0.live_mappings);
	seam_fast_off(false);
}

static void same(const struct outcome *a, const struct outcome *b, int n)
{
	assert_int_equal(a->map_rc, b->map_rc);
	assert_int_equal(a->unmap_rc, b->unmap_rc);
	for (int i = 0; i < n; i++) {
		assert_int_equal(a->sg[i].dma_addr, b->sg[i].dma_addr);
		assert_int_equal(a->sg[i].dma_len, b->sg[i].dma_len);
	}
	assert_int_equal(a->map_n, b->map_n);
	assert_int_equal(a->unmap_n, b->unmap_n);
	assert_memory_equal(a->map_s, b->map_s, a->map_n * sizeof(*a->map_s));
	assert_memory_equal(a->unmap_s, b->unmap_s, a->unmap_n * sizeof(*a->unmap_s));
	assert_stats_equal(&a->d, &b->d);
}

static void drop(struct outcome *o)
{
	free(o->sg);
	free(o->map_s);
	free(o->unmap_s);
}

/* A list, as offsets into a buffer (addr NULL: off < 0). */
struct ent {
	long off;
	size_t len;
};

#define MAXE 64
struct shape {
	const char *name;
	int n;
	struct ent e[MAXE];
};

/* In units of the line @l where the name says so, so that every line size
 * sees the same shape of sharing. */
static int shapes(size_t l, struct shape *s)
{
	int k = 0;

	s[k++] = (struct shape){"aligned, contiguous", 8, {{0, 4096}}};
	for (int i = 0; i < 8; i++)
		s[k - 1].e[i] = (struct ent){(long)i * 4096, 4096};
	s[k++] = (struct shape){"shared lines", 3, {{0, 100}, {100, 200}, {300, 20}}};
	s[k++] = (struct shape){
	    "going down", 4, {{3 * 4096, 4096}, {2 * 4096, 4096}, {4096, 4096}, {0, 4096}}};
	s[k++] = (struct shape){"disjoint", 3, {{1024, 64}, {0, 128}, {8192, 5000}}};
	s[k++] = (struct shape){"overlapping", 3, {{0, 256}, {128, 256}, {0, 64}}};
	s[k++] = (struct shape){"zero-length", 3, {{0, 0}, {512, 64}, {-1, 0}}};
	s[k++] = (struct shape){"one byte", 1, {{1, 1}}};
	s[k++] = (struct shape){
	    "half-line starts",
	    3,
	    {{(long)l / 2, 3 * l}, {(long)(l / 2 + 3 * l), l}, {(long)(8 * l), l / 2}}};
	s[k++] = (struct shape){"a line apart", 2, {{0, (size_t)l}, {(long)(2 * l), l}}};
	s[k++] = (struct shape){"touching", 2, {{0, (size_t)l}, {(long)l, l}}};
	s[k++] = (struct shape){"longer than a step", 2, {{0, 40000}, {40000, 3 * l}}};
	s[k++] = (struct shape){"long, going down", 2, {{32768, 32768}, {0, 32768}}};
	s[k++] = (struct shape){"grows at both ends", 3, {{8192, 4096}, {4096, 12288}, {0, 20480}}};
	s[k] = (struct shape){"512-byte entries", MAXE, {{0, 0}}};
	for (int i = 0; i < MAXE; i++)
		s[k].e[i] = (struct ent){(long)i * 512, 512};
	k++;
	s[k] = (struct shape){"1 KiB entries, unaligned", MAXE, {{0, 0}}};
	for (int i = 0; i < MAXE; i++)
		s[k].e[i] = (struct ent){(long)i * 1024 + 8, 1024};
	k++;
	return k;
}

static void to_list(const struct shape *s, uint8_t *buf, struct dmab_sg *sg)
{
	for (int i = 0; i < s->n; i++)
		sg[i] = (struct dmab_sg){.addr = s->e[i].off < 0 ? NULL : buf + s->e[i].off,
					 .len = s->e[i].len};
}

/* Every shape x direction x attributes x line size: fast == general. */
static void test_same_as_general(void **state)
{
	(void)state;
	static const size_t lines[] = {32, 64, 128, 256};
	static const unsigned attrs[] = {0, DMAB_ATTR_SKIP_CPU_SYNC, DMAB_ATTR_NO_WARN};
	uint8_t *buf = page_buf(1 << 17);
	struct shape *s = calloc(32, sizeof(*s));
	struct dmab_sg sg[MAXE];

	for (size_t li = 0; li < 5; li++) {
		/* the fifth: 64-byte lines, each range issued twice (cmo_passes) */
		struct dmab_device_config cfg = {.name = "t2",
						 .numa_node = -1,
						 .backend = "trace",
						 .line_size = 64,
						 .cmo_passes = 2};
		struct dmab_device *dev = NULL;
		int ns = shapes(li < 4 ? lines[li] : 64, s);

		if (li < 4)
			dev = trace_dev(false, DMAB_SYNC_BATCHED, lines[li]);
		else
			assert_int_equal(dmab_device_create(&cfg, &dev), 0);

		for (int k = 0; k < ns; k++) {
			to_list(&s[k], buf, sg);
			for (int dir = 0; dir < 3; dir++) {
				for (size_t a = 0; a < 3; a++) {
					struct outcome f, g;

					run(dev, false, sg, s[k].n, (enum dmab_dir)dir, attrs[a],
					    &f);
					run(dev, true, sg, s[k].n, (enum dmab_dir)dir, attrs[a],
					    &g);
					if (f.map_n != g.map_n || f.unmap_n != g.unmap_n)
						print_message("differs: %s, device %zu, dir %d, "
							      "attrs 0x%x\n",
							      s[k].name, li, dir, attrs[a]);
					same(&f, &g, s[k].n);
					drop(&f);
					drop(&g);
				}
			}
		}
		destroy(dev);
	}
	free(s);
	free(buf);
}

/* map_single and unmap_single of one buffer, on one path. */
static void run_single(struct dmab_device *dev, bool general, void *p, size_t len,
		       enum dmab_dir dir, unsigned attrs, struct outcome *o)
{
	size_t line = dmab_device_line_size(dev), ignore;
	struct dmab_stats s0 = stats_of(dev), s1;
	dmab_addr_t a = 0;

	seam_fast_off(general);
	o->sg = calloc(1, sizeof(*o->sg));
	assert_non_null(o->sg);
	o->map_rc = dmab_map_single(dev, p, len, dir, attrs, &a);
	o->sg->dma_addr = a;
	o->map_s = stream_of(dev, line, &o->map_n, &o->map_recs);
	o->unmap_rc = dmab_unmap_single(dev, a, len, dir, attrs);
	o->unmap_s = stream_of(dev, line, &o->unmap_n, &ignore);
	s1 = stats_of(dev);
	o->d = stats_minus(s1, &s0);
	assert_int_equal(s1.live_mappings, s0.live_mappings);
	seam_fast_off(false);
}

/* Every non-empty entry of every shape as a single buffer: fast == general. */
static void test_single_same(void **state)
{
	(void)state;
	static const size_t lines[] = {32, 64, 256};
	static const unsigned attrs[] = {0, DMAB_ATTR_SKIP_CPU_SYNC};
	uint8_t *buf = page_buf(1 << 17);
	struct shape *s = calloc(32, sizeof(*s));

	for (size_t li = 0; li < 3; li++) {
		struct dmab_device *dev = trace_dev(false, DMAB_SYNC_BATCHED, lines[li]);
		int ns = shapes(lines[li], s);

		for (int k = 0; k < ns; k++) {
			for (int i = 0; i < s[k].n && i < 4; i++) {
				if (!s[k].e[i].len || s[k].e[i].off < 0)
					continue;
				for (int dir = 0; dir < 3; dir++) {
					for (size_t a = 0; a < 2; a++) {
						struct outcome f, g;
						uint8_t *p = buf + s[k].e[i].off;

						run_single(dev, false, p, s[k].e[i].len,
							   (enum dmab_dir)dir, attrs[a], &f);
						run_single(dev, true, p, s[k].e[i].len,
							   (enum dmab_dir)dir, attrs[a], &g);
						assert_int_equal(f.map_rc, 0);
						same(&f, &g, 1);
						drop(&f);
						drop(&g);
					}
				}
			}
		}
		destroy(dev);
	}
	free(s);
	free(buf);
}

/* The seed's shape, 2560 x 4 KiB: the same lines, one completion each way;
 * the fast path cuts the run into steps (so it did run), the engine not. */
static void test_2560_same(void **state)
{
	(void)state;
	const int n = 2560;
	uint8_t *buf = page_buf((size_t)n * 4096);
	struct dmab_sg *sg = calloc((size_t)n, sizeof(*sg));
	struct dmab_device *dev = trace_dev(false, DMAB_SYNC_BATCHED, 64);

	for (int i = 0; i < n; i++)
		sg[i] = (struct dmab_sg){.addr = buf + (size_t)i * 4096, .len = 4096};
	for (int dir = 0; dir < 3; dir++) {
		struct outcome f, g;

		run(dev, false, sg, n, (enum dmab_dir)dir, 0, &f);
		run(dev, true, sg, n, (enum dmab_dir)dir, 0, &g);
		same(&f, &g, n);
		assert_int_equal(f.map_n, 163840 + 1);
		assert_int_equal(f.d.lines_cleaned, 163840);
		assert_int_equal(f.d.completions, dir == DMAB_TO_DEVICE ? 1 : 2);
		assert_int_equal(f.d.completions_saved, dir == DMAB_TO_DEVICE ? 2559 : 5118);
		assert_int_equal(g.map_recs, 2);
		assert_true(f.map_recs > 2);
		drop(&f);
		drop(&g);
	}
	destroy(dev);
	free(sg);
	free(buf);
}

/* One bad call on both paths: same errno and message, nothing issued,
 * every counter as it was. */
enum bad_call { BAD_MAP_SG, BAD_UNMAP_SG, BAD_MAP_SINGLE, BAD_UNMAP_SINGLE };

/* @call on @list (a single: its first entry's addr/len or dma_addr/dma_len). */
static int bad_call(struct dmab_device *dev, enum bad_call call, struct dmab_sg *sg, int n)
{
	dmab_addr_t out;

	switch (call) {
	case BAD_MAP_SG:
		return dmab_map_sg(dev, sg, n, DMAB_TO_DEVICE, 0);
	case BAD_UNMAP_SG:
		return dmab_unmap_sg(dev, sg, n, DMAB_FROM_DEVICE, 0);
	case BAD_MAP_SINGLE:
		return dmab_map_single(dev, sg->addr, sg->len, DMAB_TO_DEVICE, 0, &out);
	default:
		return dmab_unmap_single(dev, sg->dma_addr, sg->dma_len, DMAB_FROM_DEVICE, 0);
	}
}

static void bad_same(struct dmab_device *dev, enum bad_call call, struct dmab_sg *list, int n)
{
	int rc[2];
	char msg[2][256];

	for (int general = 0; general < 2; general++) {
		struct dmab_sg sg[4];
		struct dmab_stats s0 = stats_of(dev), s1;

		memcpy(sg, list, (size_t)n * sizeof(*sg));
		seam_fast_off(general);
		rc[general] = bad_call(dev, call, sg, n);
		seam_fast_off(false);
		snprintf(msg[general], sizeof(msg[general]), "%s", dmab_last_error());
		expect_empty(dev);
		s1 = stats_of(dev);
		assert_stats_equal(&s0, &s1);
	}
	assert_int_equal(rc[0], -EINVAL);
	assert_int_equal(rc[0], rc[1]);
	assert_string_equal(msg[0], msg[1]);
}

static void test_bad_input_same(void **state)
{
	(void)state;
	uint8_t *buf = page_buf(8192), *other = page_buf(4096);
	struct dmab_device *dev = trace_dev(false, DMAB_SYNC_BATCHED, 64);
	struct dmab_sg good[2] = {{.addr = buf, .len = 4096}, {.addr = buf + 4096, .len = 4096}};

	assert_int_equal(dmab_map_sg(dev, good, 2, DMAB_TO_DEVICE, DMAB_ATTR_SKIP_CPU_SYNC), 2);
	assert_int_equal(dmab_trace_clear(dev), 0);

	struct dmab_sg nul[2] = {{.addr = buf, .len = 64}, {.addr = NULL, .len = 64}};
	struct dmab_sg wrap[2] = {{.addr = buf, .len = 64},
				  {.addr = (void *)(UINTPTR_MAX - 10), .len = 100}};
	struct dmab_sg top0[2] = {{.addr = buf, .len = 64},
				  {.addr = (void *)(UINTPTR_MAX - 10), .len = 0}};
	struct dmab_sg wrap2[2] = {{.addr = buf, .len = 64}, {.addr = buf + 64, .len = SIZE_MAX}};

	bad_same(dev, BAD_MAP_SG, nul, 2);
	bad_same(dev, BAD_MAP_SG, wrap, 2);
	bad_same(dev, BAD_MAP_SG, top0, 2);
	bad_same(dev, BAD_MAP_SG, wrap2, 2);

	/* unmap: never mapped, bus address 0, wrapping, and more entries
	 * than are mapped (the live count refuses) */
	struct dmab_sg far[2] = {{.dma_addr = (uintptr_t)buf, .dma_len = 64},
				 {.dma_addr = (uintptr_t)other + 8192 * 16, .dma_len = 64}};
	struct dmab_sg zero[1] = {{.dma_addr = 0, .dma_len = 64}};
	struct dmab_sg uwrap[1] = {{.dma_addr = (uintptr_t)buf, .dma_len = SIZE_MAX}};
	struct dmab_sg three[3] = {{.dma_addr = (uintptr_t)buf, .dma_len = 64},
				   {.dma_addr = (uintptr_t)buf + 64, .dma_len = 64},
				   {.dma_addr = (uintptr_t)buf + 128, .dma_len = 64}};

	bad_same(dev, BAD_UNMAP_SG, far, 2);
	bad_same(dev, BAD_UNMAP_SG, zero, 1);
	bad_same(dev, BAD_UNMAP_SG, uwrap, 1);
	bad_same(dev, BAD_UNMAP_SG, three, 3);
	struct dmab_sg one[4] = {{.dma_addr = 0, .dma_len = 64},
				 {.dma_addr = (uintptr_t)other + 8192 * 16, .dma_len = 64},
				 {.dma_addr = UINTPTR_MAX - 8, .dma_len = 64},
				 {.addr = (void *)(UINTPTR_MAX - 10), .len = 100}};

	for (int i = 0; i < 3; i++)
		bad_same(dev, BAD_UNMAP_SINGLE, &one[i], 1);
	bad_same(dev, BAD_MAP_SINGLE, &one[3], 1);

	assert_int_equal(dmab_unmap_sg(dev, good, 2, DMAB_TO_DEVICE, 0), 0);
	expect_empty(dev);
	destroy(dev);
	free(buf);
	free(other);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_same_as_general),
	    cmocka_unit_test(test_single_same),
	    cmocka_unit_test(test_2560_same),
	    cmocka_unit_test(test_bad_input_same),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
