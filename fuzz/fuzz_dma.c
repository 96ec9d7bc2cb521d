/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target: input bytes decode to a simulator and one or two devices on
 * it, each with a bounce policy (never, forced, a 32-bit mask, unaligned:
 * the model's device factories, tests/model/model.h), then to a sequence of
 * map / CPU write / device write / device read / sync / batch / unmap calls
 * on random scatter-gather shapes and directions, always a correct DMA
 * discipline. Each mapped entry is bounced exactly when its device's policy
 * says, at an address in the library's pool. After every step the oracle checks that
 * the device read what the CPU handed it and that every byte the CPU owns
 * holds what it should. Any difference is a bug in the library (or the
 * simulator): the target aborts.
 *
 * The oracle's rules are the ownership rules of the DMA API: the CPU writes
 * only bytes it owns, and never a line shared with a buffer the device may
 * write (on real hardware that dirty line would be written back over the
 * device's data; the kernel's debug layer reports such sharing). A bounced
 * entry's device side is its slot: map fills it from the buffer whatever
 * the attributes; sync_for_device refills it except for FROM_DEVICE (the
 * kernel's rule), so a FROM_DEVICE slot keeps what the device (or the map)
 * left there, and that is what the CPU gets back.
 *
 * Half the inputs (a bit of the chaos seed's word) run with the DMA-API
 * checker on for every device (include/dmabatch/debug.h). A correct
 * discipline must then never be reported, with one exception the target
 * predicts itself: a map whose entry has an end line in common with an end
 * line of a live mapping of the same device, one of them writable by the
 * device and neither with SKIP_CPU_SYNC, must fail with the overlap class's
 * errno and change nothing (the checker's overlap rule); the map is then
 * not made.
 *
 * Built with -fsanitize=fuzzer by scripts/fuzz; fuzz/replay.c feeds the
 * committed corpus through the same function in the ctest suite.
 */
#include <dmabatch.h>
#include <dmabatch/debug.h>
#include <dmabatch/sim.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Inputs run per bounce policy, entries bounced, and (MODEL_MASK only
 * bounces above 4 GiB) runs whose arena was there; read by replay.c. */
unsigned long fuzz_policy_runs[MODEL_NPOLICY], fuzz_policy_bounced[MODEL_NPOLICY];
unsigned long fuzz_mask_high_runs;
/* Inputs run with the checker on, and maps it refused for an overlap. */
unsigned long fuzz_checked_runs, fuzz_overlaps_refused;

#define ARENA  8192
#define MAXMAP 8
#define MAXENT 4
#define MAXOPS 400
#define MAXLEN 2048

struct mapping {
	bool live, single, dev_owned;
	unsigned attrs;
	int devi;
	enum dmab_dir dir;
	int n;
	struct dmab_sg sg[MAXENT];
	bool bounced[MAXENT];
};

struct fz {
	const uint8_t *p;
	size_t n;
	struct dmab_sim *sim;
	struct dmab_device *dev[2];
	enum model_policy policy[2];
	int ndev;
	size_t line;
	uint8_t *a;
	uint8_t exp[ARENA];    /* what the CPU must see where it owns memory */
	uint8_t devexp[ARENA]; /* what the device must see in buffers it owns */
	int8_t owner[ARENA];   /* live mapping covering the byte, or -1 */
	uint8_t blocked[ARENA];
	struct mapping m[MAXMAP];
	bool checked;	  /* the checker is on */
	int reports;	  /* reports since the last step */
	char report[320]; /* the last one's text */
	unsigned step;
	const char *op;
};

static void die(struct fz *f, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "fuzz_dma: step %u (%s), line %zu: ", f->step, f->op, f->line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n  last library error: %s\n", dmab_last_error());
	abort();
}

static void ok(struct fz *f, int err, const char *call)
{
	if (err < 0)
		die(f, "%s failed: %s", call, dmab_strerror(err));
}

static void on_report(const struct dmab_debug_report *r, void *arg)
{
	struct fz *f = arg;

	f->reports++;
	snprintf(f->report, sizeof(f->report), "%s", r->text);
}

static uintptr_t line_of(const struct fz *f, const void *p, size_t add)
{
	return ((uintptr_t)p + add) & ~(uintptr_t)(f->line - 1);
}

/* Would the checker refuse mapping @m for an overlap (see the top)? */
static bool overlaps(const struct fz *f, const struct mapping *m)
{
	if (m->attrs & DMAB_ATTR_SKIP_CPU_SYNC)
		return false;
	for (int k = 0; k < MAXMAP; k++) {
		const struct mapping *o = &f->m[k];

		if (!o->live || o->devi != m->devi || (o->attrs & DMAB_ATTR_SKIP_CPU_SYNC) ||
		    (o->dir == DMAB_TO_DEVICE && m->dir == DMAB_TO_DEVICE))
			continue;
		for (int e = 0; e < m->n; e++)
			for (int j = 0; j < o->n; j++) {
				uintptr_t a[2] = {line_of(f, m->sg[e].addr, 0),
						  line_of(f, m->sg[e].addr, m->sg[e].len - 1)};
				uintptr_t b[2] = {line_of(f, o->sg[j].addr, 0),
						  line_of(f, o->sg[j].addr, o->sg[j].len - 1)};

				if (a[0] == b[0] || a[0] == b[1] || a[1] == b[0] || a[1] == b[1])
					return true;
			}
	}
	return false;
}

/* The input, one byte at a time; zeros once it runs out. */
static unsigned get8(struct fz *f)
{
	if (!f->n)
		return 0;
	f->n--;
	return *f->p++;
}

static unsigned get16(struct fz *f)
{
	unsigned lo = get8(f);

	return lo | get8(f) << 8;
}

static uint8_t value(unsigned seed, size_t i)
{
	return (uint8_t)(seed * 97u + i * 13u + (i >> 7));
}

/* A live mapping from @k on that @want accepts, or -1. */
static int pick(struct fz *f, unsigned k, bool (*want)(const struct mapping *))
{
	for (int i = 0; i < MAXMAP; i++) {
		int j = (int)((k + (unsigned)i) % MAXMAP);

		if (f->m[j].live && want(&f->m[j]))
			return j;
	}
	return -1;
}

static bool any(const struct mapping *m)
{
	(void)m;
	return true;
}

static bool dev_owned(const struct mapping *m)
{
	return m->dev_owned;
}

static bool cpu_owned(const struct mapping *m)
{
	return !m->dev_owned;
}

static bool dev_writes(const struct mapping *m)
{
	return m->dev_owned && m->dir != DMAB_TO_DEVICE;
}

static bool dev_reads(const struct mapping *m)
{
	return m->dev_owned && m->dir != DMAB_FROM_DEVICE;
}

static size_t offset(struct fz *f, const void *p)
{
	return (size_t)((const uint8_t *)p - f->a);
}

/*
 * Every byte the CPU owns holds what it should. Bytes the device owns are
 * copied over from the expectation first, so that one memcmp does (the
 * fuzzer's comparison hooks make a byte loop slow).
 */
static void check(struct fz *f)
{
	static uint8_t view[ARENA];

	memcpy(view, f->a, ARENA);
	for (int k = 0; k < MAXMAP; k++) {
		const struct mapping *m = &f->m[k];

		for (int e = 0; m->live && m->dev_owned && e < m->n; e++) {
			size_t off = offset(f, m->sg[e].addr);

			memcpy(view + off, f->exp + off, m->sg[e].len);
		}
	}
	if (memcmp(view, f->exp, ARENA) == 0)
		return;
	for (size_t i = 0; i < ARENA; i++)
		if (view[i] != f->exp[i])
			die(f, "CPU byte %zu is 0x%02x, expected 0x%02x", i, view[i], f->exp[i]);
}

/* Ownership passes; the side that receives learns the buffer's bytes (a
 * FROM_DEVICE slot is not refilled). */
static void hand_over(struct fz *f, struct mapping *m, bool to_device)
{
	for (int e = 0; e < m->n; e++) {
		size_t off = offset(f, m->sg[e].addr), len = m->sg[e].len;

		if (to_device && !(m->bounced[e] && m->dir == DMAB_FROM_DEVICE))
			memcpy(f->devexp + off, f->exp + off, len);
		else if (m->dir != DMAB_TO_DEVICE)
			memcpy(f->exp + off, f->devexp + off, len);
	}
	m->dev_owned = to_device;
}

/*
 * Where a new entry starts: anywhere, or (more interesting, and rare by
 * chance) just after an entry already mapped or being mapped, so that
 * neighbours share lines and batches meet overlapping ranges.
 */
static size_t place(struct fz *f, const struct mapping *cur)
{
	unsigned how = get8(f), pos = get16(f);

	if (!(how & 1))
		return pos % ARENA;
	const struct dmab_sg *near = NULL;
	unsigned n = 0, want = pos % (MAXMAP * MAXENT + MAXENT);

	for (int k = 0; k < MAXMAP; k++)
		for (int e = 0; f->m[k].live && e < f->m[k].n; e++)
			if (n++ == want || !near)
				near = &f->m[k].sg[e];
	for (int e = 0; e < cur->n; e++)
		if (n++ == want || !near)
			near = &cur->sg[e];
	if (!near)
		return pos % ARENA;
	/* from the byte after it to a little over a line further */
	return (offset(f, near->addr) + near->len + (how >> 1) % (f->line + 16)) % ARENA;
}

static void op_map(struct fz *f)
{
	int k = -1;
	unsigned how = get8(f);

	for (int i = 0; i < MAXMAP && k < 0; i++)
		if (!f->m[i].live)
			k = i;
	if (k < 0)
		return;
	struct mapping *m = &f->m[k];
	int want = how & 4 ? 1 : 1 + (int)(get8(f) % MAXENT);

	*m = (struct mapping){.single = how & 4, .dir = (enum dmab_dir)(how % 3)};
	m->devi = (how >> 3) % f->ndev;
	for (int e = 0; e < want; e++) {
		size_t off = place(f, m), len = 1 + get16(f) % MAXLEN;
		bool free_ = true;

		if (len > ARENA - off)
			len = ARENA - off;
		for (size_t i = off; i < off + len && free_; i++)
			free_ = f->owner[i] < 0;
		for (int o = 0; o < m->n && free_; o++) {
			size_t s = offset(f, m->sg[o].addr);

			free_ = off + len <= s || s + m->sg[o].len <= off;
		}
		if (free_)
			m->sg[m->n++] = (struct dmab_sg){.addr = f->a + off, .len = len};
	}
	if (!m->n)
		return;
	/* SKIP_CPU_SYNC: mapped, but the CPU keeps it until sync_for_device. */
	unsigned attrs = how & 0x40 ? DMAB_ATTR_SKIP_CPU_SYNC : 0;
	struct dmab_device *dev = f->dev[m->devi];

	m->attrs = attrs;
	if (f->checked && overlaps(f, m)) {
		int err = m->single ? dmab_map_single(dev, m->sg[0].addr, m->sg[0].len, m->dir,
						      attrs, &m->sg[0].dma_addr)
				    : dmab_map_sg(dev, m->sg, m->n, m->dir, attrs);

		if (err != dmab_debug_errno(DMAB_DEBUG_MAP_OVERLAP) || f->reports != 1)
			die(f, "an overlapping map returned %d with %d reports", err, f->reports);
		f->reports = 0;
		fuzz_overlaps_refused++;
		return;
	}
	if (m->single) {
		ok(f,
		   dmab_map_single(dev, m->sg[0].addr, m->sg[0].len, m->dir, attrs,
				   &m->sg[0].dma_addr),
		   "map_single");
		m->sg[0].dma_len = m->sg[0].len;
	} else if (dmab_map_sg(dev, m->sg, m->n, m->dir, attrs) != m->n) {
		die(f, "map_sg of %d entries failed", m->n);
	}
	m->live = true;
	enum model_policy pol = f->policy[m->devi];

	for (int e = 0; e < m->n; e++) {
		const struct dmab_sg *sg = &m->sg[e];
		size_t off = offset(f, sg->addr);

		memset(f->owner + off, k, sg->len);
		m->bounced[e] = model_bounces(pol, f->line, m->dir, sg->addr, sg->len);
		if (sg->dma_len != sg->len)
			die(f, "entry %d: dma_len %zu for %zu bytes", e, sg->dma_len, sg->len);
		if (m->bounced[e] != (sg->dma_addr != (uintptr_t)sg->addr) ||
		    (m->bounced[e] && !model_in_pool(f->sim, f->a, ARENA, sg->dma_addr)))
			die(f,
			    "entry %d (%zu bytes at %zu, dir %d) on a '%s' device: bus address "
			    "%#llx, expected %s",
			    e, sg->len, off, (int)m->dir, model_policy_name[pol],
			    (unsigned long long)sg->dma_addr,
			    m->bounced[e] ? "a bounce slot" : "the buffer's own");
		/* map fills a slot whatever the attributes */
		if (m->bounced[e])
			memcpy(f->devexp + off, f->exp + off, sg->len);
		fuzz_policy_bounced[pol] += m->bounced[e];
	}
	if (attrs)
		m->dev_owned = false;
	else
		hand_over(f, m, true);
}

static void op_cpu_write(struct fz *f)
{
	size_t off = get16(f) % ARENA, len = 1 + get16(f) % MAXLEN;
	unsigned seed = get8(f);

	memset(f->blocked, 0, sizeof(f->blocked));
	for (int k = 0; k < MAXMAP; k++) {
		const struct mapping *m = &f->m[k];

		if (!m->live || !m->dev_owned)
			continue;
		for (int e = 0; e < m->n; e++) {
			size_t s = offset(f, m->sg[e].addr), end = s + m->sg[e].len;

			if (m->dir != DMAB_TO_DEVICE) {
				s &= ~(f->line - 1);
				end = (end + f->line - 1) & ~(f->line - 1);
			}
			memset(f->blocked + s, 1, (end < ARENA ? end : ARENA) - s);
		}
	}
	for (size_t i = off; i < off + len && i < ARENA; i++) {
		if (f->blocked[i])
			continue;
		f->a[i] = value(seed, i);
		f->exp[i] = f->a[i];
	}
}

static void op_dev_access(struct fz *f, bool write)
{
	int k = pick(f, get8(f), write ? dev_writes : dev_reads);
	unsigned e = get8(f), at = get16(f), n = get16(f), seed = get8(f);
	static uint8_t buf[MAXLEN];

	if (k < 0)
		return;
	const struct dmab_sg *sg = &f->m[k].sg[e % (unsigned)f->m[k].n];
	size_t from = at % sg->len, len = 1 + n % (sg->len - from);
	size_t off = offset(f, sg->addr) + from;

	if (write) {
		for (size_t i = 0; i < len; i++)
			buf[i] = value(seed + 1, i);
		ok(f, dmab_sim_dev_write(f->sim, sg->dma_addr + from, buf, len), "dev_write");
		memcpy(f->devexp + off, buf, len);
		return;
	}
	ok(f, dmab_sim_dev_read(f->sim, sg->dma_addr + from, buf, len), "dev_read");
	for (size_t i = 0; i < len; i++)
		if (buf[i] != f->devexp[off + i])
			die(f, "device read byte %zu as 0x%02x, expected 0x%02x", off + i, buf[i],
			    f->devexp[off + i]);
}

static void sync_one(struct fz *f, struct mapping *m, bool for_device)
{
	struct dmab_device *dev = f->dev[m->devi];
	int err;

	if (m->single && for_device)
		err = dmab_sync_single_for_device(dev, m->sg[0].dma_addr, m->sg[0].len, m->dir);
	else if (m->single)
		err = dmab_sync_single_for_cpu(dev, m->sg[0].dma_addr, m->sg[0].len, m->dir);
	else if (for_device)
		err = dmab_sync_sg_for_device(dev, m->sg, m->n, m->dir);
	else
		err = dmab_sync_sg_for_cpu(dev, m->sg, m->n, m->dir);
	ok(f, err, for_device ? "sync_for_device" : "sync_for_cpu");
	hand_over(f, m, for_device);
}

static void op_sync(struct fz *f, bool for_device)
{
	int k = pick(f, get8(f), for_device ? cpu_owned : dev_owned);

	if (k >= 0)
		sync_one(f, &f->m[k], for_device);
}

/* One batch over several mappings, possibly of both devices: each changes
 * hands. The buffers change owner only at commit. */
static void op_batch(struct fz *f)
{
	unsigned sel = get8(f);
	struct dmab_batch b;
	bool moved[MAXMAP] = {false};

	dmab_batch_init(&b);
	for (int k = 0; k < MAXMAP; k++) {
		struct mapping *m = &f->m[k];

		if (!m->live || !(sel & (1u << k)))
			continue;
		for (int e = 0; e < m->n; e++) {
			struct dmab_device *dev = f->dev[m->devi];
			const struct dmab_sg *sg = &m->sg[e];

			if (m->dev_owned)
				ok(f,
				   dmab_batch_sync_for_cpu(&b, dev, sg->dma_addr, sg->len, m->dir),
				   "batch_sync_for_cpu");
			else
				ok(f,
				   dmab_batch_sync_for_device(&b, dev, sg->dma_addr, sg->len,
							      m->dir),
				   "batch_sync_for_device");
		}
		moved[k] = true;
	}
	ok(f, dmab_batch_commit(&b), "batch_commit");
	for (int k = 0; k < MAXMAP; k++)
		if (moved[k])
			hand_over(f, &f->m[k], !f->m[k].dev_owned);
}

/* A buffer the device owns is unmapped normally; one the CPU owns (after
 * sync_for_cpu, or mapped with SKIP_CPU_SYNC) with SKIP_CPU_SYNC. */
static void unmap(struct fz *f, int k)
{
	struct mapping *m = &f->m[k];
	struct dmab_device *dev = f->dev[m->devi];
	unsigned attrs = m->dev_owned ? 0 : DMAB_ATTR_SKIP_CPU_SYNC;

	if (m->single)
		ok(f, dmab_unmap_single(dev, m->sg[0].dma_addr, m->sg[0].len, m->dir, attrs),
		   "unmap_single");
	else
		ok(f, dmab_unmap_sg(dev, m->sg, m->n, m->dir, attrs), "unmap_sg");
	if (m->dev_owned)
		hand_over(f, m, false);
	for (int e = 0; e < m->n; e++)
		memset(f->owner + offset(f, m->sg[e].addr), -1, m->sg[e].len);
	m->live = false;
}

static void op_unmap(struct fz *f)
{
	int k = pick(f, get8(f), any);

	if (k >= 0)
		unmap(f, k);
}

static void setup(struct fz *f)
{
	unsigned cfg = get8(f), rate = get8(f);
	uint64_t seed = get16(f) | (uint64_t)get16(f) << 16;
	struct dmab_sim_config sc = {
	    .line_size = (size_t)32 << (cfg & 3),
	    .chaos_seed = seed,
	    .chaos_rate = cfg & 4 ? (rate + 1) / 512.0 : 0.0,
	};
	void *mem = NULL;

	f->line = sc.line_size;
	ok(f, dmab_sim_create(&sc, &f->sim), "sim_create");
	f->ndev = cfg & 8 ? 2 : 1;
	f->checked = seed >> 31;
	model_debug = f->checked ? DMAB_DEBUG_CHECK : 0;
	fuzz_checked_runs += f->checked;
	for (int i = 0; i < f->ndev; i++) {
		enum dmab_sync_mode mode =
		    (cfg >> (4 + i)) & 1 ? DMAB_SYNC_PER_ENTRY : DMAB_SYNC_BATCHED;

		/* the top bits pick the first device's policy, the second's next */
		f->policy[i] = (enum model_policy)(((cfg >> 6) + (unsigned)i) % MODEL_NPOLICY);
		ok(f, model_device_create(f->sim, f->policy[i], mode, &f->dev[i]), "device_create");
		if (f->checked)
			ok(f, dmab_debug_set_callback(f->dev[i], on_report, f),
			   "debug_set_callback");
		fuzz_policy_runs[f->policy[i]]++;
	}
	if (posix_memalign(&mem, 4096, ARENA))
		die(f, "out of memory");
	f->a = mem;
	if ((uintptr_t)f->a + ARENA - 1 > UINT32_MAX)
		for (int i = 0; i < f->ndev; i++)
			fuzz_mask_high_runs += f->policy[i] == MODEL_MASK;
	for (size_t i = 0; i < ARENA; i++)
		f->a[i] = value(cfg >> 6, i);
	memcpy(f->exp, f->a, ARENA);
	memset(f->owner, -1, sizeof(f->owner));
	ok(f, dmab_sim_register(f->sim, f->a, ARENA), "sim_register");
}

static void teardown(struct fz *f)
{
	f->op = "teardown";
	for (int k = 0; k < MAXMAP; k++)
		if (f->m[k].live)
			unmap(f, k);
	check(f);
	struct dmab_sim_stats st;

	ok(f, dmab_sim_get_stats(f->sim, &st), "sim_stats");
	if (st.lines_discarded)
		die(f, "%llu changed lines were invalidated away",
		    (unsigned long long)st.lines_discarded);
	ok(f, dmab_sim_unregister(f->sim, f->a, ARENA), "sim_unregister");
	for (int i = 0; i < f->ndev; i++) {
		struct dmab_stats ds;

		ok(f, dmab_device_stats(f->dev[i], &ds), "device_stats");
		if (ds.bounce_slots_used || ds.live_mappings)
			die(f, "device %d: %llu slots, %llu mappings left", i,
			    (unsigned long long)ds.bounce_slots_used,
			    (unsigned long long)ds.live_mappings);
		ok(f, dmab_device_destroy(f->dev[i]), "device_destroy");
	}
	ok(f, dmab_sim_get_stats(f->sim, &st), "sim_stats");
	if (st.regions || st.dev_faults)
		die(f, "%zu regions left, %llu device faults", st.regions,
		    (unsigned long long)st.dev_faults);
	dmab_sim_destroy(f->sim);
	free(f->a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fz f;
	static const char *const names[] = {
	    "map",   "cpu write", "device write", "device read", "sync_for_cpu", "sync_for_device",
	    "batch", "unmap",	  "tick",
	};

	memset(&f, 0, sizeof(f));
	f.p = data;
	f.n = size;
	f.op = "setup";
	setup(&f);
	for (f.step = 0; f.n && f.step < MAXOPS; f.step++) {
		unsigned op = get8(&f) % 9;

		f.op = names[op];
		switch (op) {
		case 0:
			op_map(&f);
			break;
		case 1:
			op_cpu_write(&f);
			break;
		case 2:
		case 3:
			op_dev_access(&f, op == 2);
			break;
		case 4:
		case 5:
			op_sync(&f, op == 5);
			break;
		case 6:
			op_batch(&f);
			break;
		case 7:
			op_unmap(&f);
			break;
		default:
			ok(&f, dmab_sim_tick(f.sim), "sim_tick");
			break;
		}
		check(&f);
		if (f.reports)
			die(&f, "a correct sequence was reported: %s", f.report);
	}
	teardown(&f);
	if (f.reports)
		die(&f, "a correct teardown was reported: %s", f.report);
	return 0;
}
