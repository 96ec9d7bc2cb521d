/* SPDX-License-Identifier: MIT */
/*
 * The three variants of one map and one unmap: the library batched, the
 * library per-entry, and the raw loop.
 *
 * The raw loop walks the list the way the library's batch engine does:
 * entries in order, each widened to whole lines, a range that touches the
 * open run extends it (so a line shared by neighbours is issued once and a
 * contiguous list is one run), anything else issues the run. It then waits
 * once. So it issues the same instructions on the same lines in the same
 * order as the library batched; what it leaves out is the library's
 * checking, translation and accounting, which is what the ratio measures.
 * measure.c checks the line and barrier counts against the library's own
 * counters before timing anything. Which calls issue anything, and which
 * lines a range covers, are the library's rules (src/rules.h), asked here.
 */
#include <errno.h>
#include <stdlib.h>

#include "../src/rules.h"
#include "bench.h"

int work_setup(struct work *w, struct bench_env *env, const struct bench_case *c, void *buf)
{
	w->env = env;
	w->c = c;
	w->buf = buf;
	w->len = bench_span(c);
	w->addr = 0;
	w->sg = calloc((size_t)c->entries, sizeof(*w->sg));
	if (!w->sg)
		return -ENOMEM;
	for (int i = 0; i < c->entries; i++) {
		w->sg[i].addr = (char *)buf + (size_t)i * bench_stride(c);
		w->sg[i].len = c->entry_size;
	}
	return 0;
}

void work_fini(struct work *w)
{
	free(w->sg);
	w->sg = NULL;
}

/*
 * The next run of lines, from entry *@i on: [*@rs, *@re). Returns false when
 * no entry is left. Inlined into both the timed loop and the counting.
 */
static inline bool next_run(const struct dmab_sg *sg, int n, size_t line, int *i, uintptr_t *rs,
			    uintptr_t *re)
{
	bool open = false;

	for (; *i < n; (*i)++) {
		if (!sg[*i].len)
			continue;
		uintptr_t s, e;

		(void)dmab__line_span((uintptr_t)sg[*i].addr, sg[*i].len, line, &s, &e);
		if (!open) {
			*rs = s;
			*re = e;
			open = true;
			continue;
		}
		if (s > *re || e < *rs)
			break;
		if (s < *rs)
			*rs = s;
		if (e > *re)
			*re = e;
	}
	return open;
}

static inline void raw_list(const struct work *w, bool clean)
{
	uintptr_t s, e;
	int i = 0;

	while (next_run(w->sg, w->c->entries, w->env->raw.line, &i, &s, &e)) {
		if (clean)
			raw_clean(s, e);
		else
			raw_inval(s, e);
	}
	raw_complete();
}

static inline void raw_single(const struct work *w, bool clean)
{
	uintptr_t s, e;

	(void)dmab__line_span((uintptr_t)w->buf, w->len, w->env->raw.line, &s, &e);
	if (clean)
		raw_clean(s, e);
	else
		raw_inval(s, e);
	raw_complete();
}

int variant_map(struct work *w, enum bench_variant v)
{
	const struct bench_case *c = w->c;

	if (v == VAR_RAW) {
		if (c->mode == MODE_SG)
			raw_list(w, true);
		else
			raw_single(w, true);
		return 0;
	}
	if (c->mode == MODE_SG) {
		int n = dmab_map_sg(w->env->dev[v], w->sg, c->entries, c->dir, 0);

		return n < 0 ? n : 0;
	}
	return dmab_map_single(w->env->dev[v], w->buf, w->len, c->dir, 0, &w->addr);
}

/* Does an unmap of this case issue anything? (The raw loop has no
 * attributes and a non-coherent device, as the library's variants.) */
static bool unmap_issues(const struct bench_case *c)
{
	return dmab__rule(DMAB__CALL_UNMAP, c->dir, 0, false).inval;
}

int variant_unmap(struct work *w, enum bench_variant v)
{
	const struct bench_case *c = w->c;

	if (v == VAR_RAW) {
		/* Nothing to issue (TO_DEVICE): the library issues no barrier either. */
		if (!unmap_issues(c))
			return 0;
		if (c->mode == MODE_SG)
			raw_list(w, false);
		else
			raw_single(w, false);
		return 0;
	}
	if (c->mode == MODE_SG)
		return dmab_unmap_sg(w->env->dev[v], w->sg, c->entries, c->dir, 0);
	return dmab_unmap_single(w->env->dev[v], w->addr, w->len, c->dir, 0);
}

void raw_expect(const struct work *w, enum bench_op op, uint64_t *lines, uint64_t *barriers)
{
	uintptr_t s, e;
	int i = 0;

	*lines = 0;
	*barriers = 0;
	if (op == OP_UNMAP && !unmap_issues(w->c))
		return;
	if (w->c->mode == MODE_SINGLE) {
		(void)dmab__line_span((uintptr_t)w->buf, w->len, w->env->raw.line, &s, &e);
		*lines = (e - s) / w->env->raw.line;
	} else {
		while (next_run(w->sg, w->c->entries, w->env->raw.line, &i, &s, &e))
			*lines += (e - s) / w->env->raw.line;
	}
	*barriers = 1;
}

uint64_t entry_lines(const struct work *w, enum bench_op op)
{
	uint64_t lines = 0;

	if (op == OP_UNMAP && !unmap_issues(w->c))
		return 0;
	if (w->c->mode == MODE_SINGLE) {
		uint64_t b;

		raw_expect(w, op, &lines, &b);
		return lines;
	}
	for (int i = 0; i < w->c->entries; i++) {
		uintptr_t s, e;

		(void)dmab__line_span((uintptr_t)w->sg[i].addr, w->sg[i].len, w->env->raw.line, &s,
				      &e);
		lines += (e - s) / w->env->raw.line;
	}
	return lines;
}
