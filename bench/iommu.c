/* SPDX-License-Identifier: MIT */
/*
 * dmab-bench --iommu: the emulated IOMMU's two non-coherent table modes side
 * by side. A list of 2560 x 4 KiB (10 MiB) is mapped through the IOMMU and
 * unmapped again, with the data's cleans in the same call: per-PTE (every
 * PTE write cleaned and completed, the kernel's io-pgtable without deferred
 * syncing) against deferred (a call's PTE cleans batched, each line once,
 * one barrier for data and table). Lines and barriers come from the
 * library's counters; times are medians of interleaved rounds (the two
 * modes alternate, the order rotated each round). Unmap's gathered
 * invalidation (one list) is set against one invalidation per page (the
 * same pages as 2560 single mappings).
 *
 * Each line size runs on this CPU's backend when its line is that size, and
 * on the trace backend otherwise (it models any line: exact counts, times of
 * the library's own work without real maintenance), as the JSON says.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dmabatch/trace.h>

#include "bench.h"

#define NENT  2560
#define ESIZE 4096u

enum { M_PER_PTE, M_DEFERRED, M_SINGLES, M_COUNT };
static const char *const mode_names[M_COUNT] = {"per_pte", "deferred", "per_page"};

struct iommu_mode {
	struct dmab_device *dev;
	struct dmab_sg sg[NENT];
	dmab_addr_t single[NENT];
	struct samples map, unmap;
	/* per call, from the counters (the first measured round) */
	uint64_t pte_lines, table_lines, data_lines, barriers, segments, flushes;
	bool counted;
};

struct iommu_line {
	size_t line;
	const char *backend;
	struct iommu_mode m[M_COUNT];
	struct samples ratio; /* deferred / per-PTE map time, per round */
	struct summary s[M_COUNT][2], rs;
};

static int make(const char *backend, size_t line, unsigned mode, struct dmab_device **out)
{
	struct dmab_device_config cfg = {.size = sizeof(cfg),
					 .name = "bench-iommu",
					 .numa_node = -1,
					 .dma_bits = 32,
					 .backend = backend,
					 .line_size = strcmp(backend, "trace") ? 0 : line,
					 .iommu = mode};
	int err = dmab_device_create(&cfg, out);

	if (err)
		fprintf(stderr, "dmab-bench: cannot create an IOMMU device on '%s': %s (%s)\n",
			backend, dmab_strerror(err), dmab_last_error());
	return err;
}

static struct dmab_stats stats(const struct dmab_device *dev)
{
	struct dmab_stats s;

	if (dmab_device_stats(dev, &s))
		memset(&s, 0, sizeof(s));
	return s;
}

/* One round of one mode: dirty the data, map (timed), unmap (timed). */
static int round_of(struct iommu_mode *m, int which, uint8_t *buf, bool measure)
{
	memset(buf, 0x5a, (size_t)NENT * ESIZE);
	struct dmab_stats a = stats(m->dev), b, c;
	uint64_t t0 = now_ns(), t1, t2;
	int r = 0;

	if (which == M_SINGLES) {
		for (int i = 0; i < NENT && !r; i++)
			r = dmab_map_single(m->dev, buf + (size_t)i * ESIZE, ESIZE, DMAB_TO_DEVICE,
					    0, &m->single[i]);
	} else {
		for (int i = 0; i < NENT; i++)
			m->sg[i] = (struct dmab_sg){.addr = buf + (size_t)i * ESIZE, .len = ESIZE};
		r = dmab_map_sg(m->dev, m->sg, NENT, DMAB_TO_DEVICE, 0);
	}
	t1 = now_ns();
	if (r < 0) {
		fprintf(stderr, "dmab-bench: iommu map: %s (%s)\n", dmab_strerror(r),
			dmab_last_error());
		return r;
	}
	b = stats(m->dev);
	if (which == M_SINGLES) {
		for (int i = 0; i < NENT && r >= 0; i++)
			r = dmab_unmap_single(m->dev, m->single[i], ESIZE, DMAB_TO_DEVICE, 0);
	} else {
		r = dmab_unmap_sg(m->dev, m->sg, NENT, DMAB_TO_DEVICE, 0);
	}
	t2 = now_ns();
	if (r < 0) {
		fprintf(stderr, "dmab-bench: iommu unmap: %s (%s)\n", dmab_strerror(r),
			dmab_last_error());
		return r;
	}
	c = stats(m->dev);
	if (!strcmp(dmab_device_backend(m->dev), "trace") && dmab_trace_clear(m->dev))
		return -EINVAL;
	if (!measure)
		return 0;
	if (!m->counted) {
		m->pte_lines = b.iommu_pte_lines - a.iommu_pte_lines;
		m->table_lines = b.iommu_table_lines - a.iommu_table_lines;
		m->data_lines = b.lines_cleaned - a.lines_cleaned - m->pte_lines - m->table_lines;
		m->barriers = b.completions - a.completions;
		m->segments = b.iommu_segments - a.iommu_segments;
		m->flushes = c.iommu_tlb_flushes - b.iommu_tlb_flushes;
		m->counted = true;
	}
	if (samples_push(&m->map, t1 - t0) || samples_push(&m->unmap, t2 - t1))
		return -ENOMEM;
	return 0;
}

static int measure_line(struct iommu_line *L, uint8_t *buf, long iters, long warmup)
{
	static const unsigned modes[M_COUNT] = {DMAB_IOMMU_PER_PTE, DMAB_IOMMU_DEFERRED,
						DMAB_IOMMU_DEFERRED};
	int err = 0;

	for (int k = 0; k < M_COUNT && !err; k++)
		err = make(L->backend, L->line, modes[k], &L->m[k].dev);
	for (long it = 0; it < warmup + iters && !err; it++) {
		uint64_t t[M_COUNT] = {0};

		for (int j = 0; j < M_COUNT && !err; j++) {
			int k = (int)((it + j) % M_COUNT);
			size_t before = L->m[k].map.n;

			err = round_of(&L->m[k], k, buf, it >= warmup);
			if (!err && it >= warmup)
				t[k] = L->m[k].map.v[before];
		}
		if (!err && it >= warmup && t[M_PER_PTE])
			err = samples_push(&L->ratio, (uint64_t)(1e6 * (double)t[M_DEFERRED] /
								 (double)t[M_PER_PTE]));
	}
	for (int k = 0; k < M_COUNT; k++) {
		if (L->m[k].dev && dmab_device_destroy(L->m[k].dev))
			err = -EBUSY;
		summarize(&L->m[k].map, &L->s[k][0]);
		summarize(&L->m[k].unmap, &L->s[k][1]);
	}
	summarize(&L->ratio, &L->rs);
	return err;
}

static void print_line(const struct iommu_line *L)
{
	const struct iommu_mode *p = &L->m[M_PER_PTE], *d = &L->m[M_DEFERRED];

	printf("line %zu bytes (%s backend), %d x %u B through the emulated IOMMU, map_sg -> %llu "
	       "segments:\n",
	       L->line, L->backend, NENT, ESIZE, (unsigned long long)d->segments);
	printf("  %-9s %10s %11s %10s %9s %13s %13s %9s\n", "mode", "pte_lines", "table_lines",
	       "data_lines", "barriers", "map median", "unmap median", "flushes");
	for (int k = 0; k < M_COUNT; k++) {
		const struct iommu_mode *m = &L->m[k];

		printf("  %-9s %10llu %11llu %10llu %9llu %10.1f us %10.1f us %9llu\n",
		       mode_names[k], (unsigned long long)m->pte_lines,
		       (unsigned long long)m->table_lines, (unsigned long long)m->data_lines,
		       (unsigned long long)m->barriers, L->s[k][0].median / 1e3,
		       L->s[k][1].median / 1e3, (unsigned long long)m->flushes);
	}
	printf("  PTE lines deferred/per-PTE: 1/%.1f; map time deferred/per-PTE: median %.3f "
	       "(min %.3f, max %.3f, %zu interleaved rounds)\n",
	       d->pte_lines ? (double)p->pte_lines / (double)d->pte_lines : 0.0, L->rs.median / 1e6,
	       (double)L->rs.min / 1e6, (double)L->rs.max / 1e6, L->rs.n);
}

static void json_mode(FILE *f, const struct iommu_line *L, int k)
{
	const struct iommu_mode *m = &L->m[k];
	const struct summary *s = L->s[k];

	fprintf(f,
		"{\"pte_lines\": %llu, \"barriers\": %llu, \"median_ns\": %.0f, "
		"\"table_lines\": %llu, \"data_lines\": %llu, \"segments\": %llu, "
		"\"min_ns\": %llu, \"max_ns\": %llu, \"runs\": %zu, \"unmap_median_ns\": %.0f, "
		"\"unmap_tlb_flushes\": %llu}",
		(unsigned long long)m->pte_lines, (unsigned long long)m->barriers, s[0].median,
		(unsigned long long)m->table_lines, (unsigned long long)m->data_lines,
		(unsigned long long)m->segments, (unsigned long long)s[0].min,
		(unsigned long long)s[0].max, s[0].n, s[1].median, (unsigned long long)m->flushes);
}

static int write_json(const char *path, const struct iommu_line *L, int n)
{
	FILE *f = fopen(path, "w");

	if (!f) {
		fprintf(stderr, "dmab-bench: cannot write %s: %s\n", path, strerror(errno));
		return -errno;
	}
	fprintf(f,
		"{\n  \"schema\": \"dmab-bench/1\",\n  \"kind\": \"iommu\",\n  "
		"\"library_version\": \"%s\",\n  \"entries\": %d,\n  \"entry_size\": %u,\n  "
		"\"dir\": \"TO_DEVICE\",\n  \"results\": [",
		dmab_version(), NENT, ESIZE);
	for (int i = 0; i < n; i++) {
		fprintf(f, "%s\n    {\"iommu\": {\"line_size\": %zu, \"backend\": \"%s\", ",
			i ? "," : "", L[i].line, L[i].backend);
		fprintf(f, "\"per_pte\": ");
		json_mode(f, &L[i], M_PER_PTE);
		fprintf(f, ", \"deferred\": ");
		json_mode(f, &L[i], M_DEFERRED);
		fprintf(f, ", \"per_page\": ");
		json_mode(f, &L[i], M_SINGLES);
		fprintf(f,
			", \"map_time_ratio\": {\"median\": %.4f, \"min\": %.4f, \"max\": %.4f}}}",
			L[i].rs.median / 1e6, (double)L[i].rs.min / 1e6, (double)L[i].rs.max / 1e6);
	}
	fprintf(f, "\n  ]\n}\n");
	if (fclose(f)) {
		fprintf(stderr, "dmab-bench: cannot write %s: %s\n", path, strerror(errno));
		return -EIO;
	}
	return 0;
}

int bench_iommu(struct bench_env *env, const struct bench_opts *o)
{
	static struct iommu_line L[2];
	const size_t lines[2] = {64, 256};
	long iters = o->iterations ? o->iterations : 21;
	long warmup = o->warmup_given ? o->warmup : 2;
	void *buf = NULL;
	int err = 0;

	if (posix_memalign(&buf, 4096, (size_t)NENT * ESIZE)) {
		fprintf(stderr, "dmab-bench: out of memory\n");
		return 1;
	}
	for (int i = 0; i < 2 && !err; i++) {
		memset(&L[i], 0, sizeof(L[i]));
		L[i].line = lines[i];
		L[i].backend = env->raw.line == lines[i] ? raw_arch : "trace";
		err = measure_line(&L[i], buf, iters, warmup);
		if (!err)
			print_line(&L[i]);
	}
	free(buf);
	if (!err && o->json)
		err = write_json(o->json, L, 2);
	for (int i = 0; i < 2; i++) {
		for (int k = 0; k < M_COUNT; k++) {
			samples_free(&L[i].m[k].map);
			samples_free(&L[i].m[k].unmap);
		}
		samples_free(&L[i].ratio);
	}
	return err ? 1 : 0;
}
