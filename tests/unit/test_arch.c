/* SPDX-License-Identifier: MIT */
/*
 * The host's real backend over real memory: the instructions run, the data
 * survives them, the line size is what the CPU says. DMAB_EXPECT_LINE (set by
 * scripts/test for each QEMU CPU model) is the line size the CPU must report.
 */
#include <errno.h>

#include "helpers.h"

static struct dmab_device *real_dev(enum dmab_sync_mode mode)
{
	struct dmab_device_config cfg = {.numa_node = -1, .sync_mode = mode, .name = "real"};
	struct dmab_device *dev = NULL;
	const char *f = getenv("DMAB_ARCH");
	int err = dmab_device_create(&cfg, &dev);

	if (f && strcmp(f, "generic") == 0) {
		/* the portable path must refuse, not pretend */
		assert_int_equal(err, -EOPNOTSUPP);
		return NULL;
	}
	assert_int_equal(err, 0);
	return dev;
}

static void test_line_size(void **state)
{
	(void)state;
	struct dmab_device *dev = real_dev(DMAB_SYNC_BATCHED);

	if (!dev) {
		skip();
		return;
	}
	size_t line = dmab_device_line_size(dev);
	const char *want = getenv("DMAB_EXPECT_LINE");

	print_message("backend %s, line %zu\n", dmab_device_backend(dev), line);
	assert_true(line >= 16 && line <= 2048 && (line & (line - 1)) == 0);
	if (want && *want)
		assert_int_equal(line, strtoul(want, NULL, 10));
	const char *desc = dmab_device_backend_desc(dev);

	print_message("%s\n", desc);
#if defined(__x86_64__)
	assert_string_equal(dmab_device_backend(dev), "x86_64");
	assert_string_equal(desc, "x86_64");
#elif defined(__aarch64__)
	char lines[32];

	assert_string_equal(dmab_device_backend(dev), "aarch64");
	/* qemu-user shows the host's sysfs: no MIDR_EL1 there, no errata */
	assert_non_null(strstr(desc, "aarch64: dc cvac for clean, dc civac for invalidate"));
	assert_non_null(strstr(desc, "dsb sy to complete"));
	snprintf(lines, sizeof(lines), "%zu-byte lines", line);
	assert_non_null(strstr(desc, lines));
	/* the host's /proc/cmdline has no arm_si_l1_workaround_4311569 */
	assert_null(strstr(desc, "4311569"));
#endif
	assert_string_equal(dmab_device_backend_desc(NULL), "");
	destroy(dev);
}

/* cmo_passes = 2 on the real backend: the data survives two loops, and the
 * aarch64 description says the erratum's double loop is on. */
static void test_double_cmo_real(void **state)
{
	(void)state;
	struct dmab_device_config cfg = {.numa_node = -1, .name = "twice", .cmo_passes = 2};
	struct dmab_device *dev = NULL;
	const char *f = getenv("DMAB_ARCH");
	int err = dmab_device_create(&cfg, &dev);

	if (f && strcmp(f, "generic") == 0) {
		assert_int_equal(err, -EOPNOTSUPP);
		skip();
		return;
	}
	assert_int_equal(err, 0);
	uint8_t *buf = page_buf(8192);
	struct dmab_sg sg[2] = {{buf + 3, 4000, 0, 0}, {buf + 4096, 4096, 0, 0}};

	for (size_t i = 0; i < 8192; i++)
		buf[i] = (uint8_t)(i * 7);
	assert_int_equal(dmab_map_sg(dev, sg, 2, DMAB_BIDIRECTIONAL, 0), 2);
	assert_int_equal(dmab_unmap_sg(dev, sg, 2, DMAB_BIDIRECTIONAL, 0), 0);
	for (size_t i = 0; i < 8192; i++)
		assert_int_equal(buf[i], (uint8_t)(i * 7));
	assert_int_equal(stats_of(dev).completions, 2);
#if defined(__aarch64__)
	assert_non_null(strstr(dmab_device_backend_desc(dev), "issued twice"));
	assert_non_null(strstr(dmab_device_backend_desc(dev), "erratum 4311569"));
#endif
	destroy(dev);
	free(buf);
}

/* Every call in every direction and mode, unaligned, over real memory:
 * the data is unchanged and the counters match the line size. */
static void test_real_memory(void **state)
{
	(void)state;
	for (int mode = 0; mode < 2; mode++) {
		struct dmab_device *dev = real_dev((enum dmab_sync_mode)mode);

		if (!dev) {
			skip();
			return;
		}
		size_t line = dmab_device_line_size(dev);
		const size_t n = 64, len = 4096;
		uint8_t *buf = page_buf(n * len + 4096);
		struct dmab_sg *sg = calloc(n, sizeof(*sg));

		for (size_t i = 0; i < n * len + 4096; i++)
			buf[i] = (uint8_t)(i * 7);
		for (size_t i = 0; i < n; i++)
			sg[i] = (struct dmab_sg){.addr = buf + 3 + i * len, .len = len};
		for (int dir = 0; dir < 3; dir++) {
			struct dmab_stats s0 = stats_of(dev);

			assert_int_equal(dmab_map_sg(dev, sg, (int)n, (enum dmab_dir)dir, 0),
					 (int)n);
			assert_int_equal(dmab_sync_sg_for_cpu(dev, sg, (int)n, (enum dmab_dir)dir),
					 0);
			assert_int_equal(
			    dmab_sync_sg_for_device(dev, sg, (int)n, (enum dmab_dir)dir), 0);
			assert_int_equal(dmab_unmap_sg(dev, sg, (int)n, (enum dmab_dir)dir, 0), 0);
			struct dmab_stats s1 = stats_of(dev);
			/* the list covers n*len bytes starting 3 bytes into a line;
			 * per entry, each shared boundary line is issued twice */
			uint64_t lines = mode == DMAB_SYNC_BATCHED
					     ? (n * len + 3 + line - 1) / line
					     : n * ((len + 3 + line - 1) / line);

			assert_int_equal(s1.lines_cleaned - s0.lines_cleaned, 2 * lines);
			if (dir != DMAB_TO_DEVICE)
				assert_int_equal(s1.lines_invalidated - s0.lines_invalidated +
						     s1.lines_clean_invalidated -
						     s0.lines_clean_invalidated,
						 2 * lines);
			assert_int_equal(s1.completions - s0.completions,
					 mode == DMAB_SYNC_BATCHED ? (dir == 1 ? 2 : 4)
								   : (dir == 1 ? 2 : 4) * n);
		}
		for (size_t i = 0; i < n * len + 4096; i++)
			if (buf[i] != (uint8_t)(i * 7))
				fail_msg("byte %zu changed", i);
		dmab_addr_t a;

		assert_int_equal(dmab_map_single(dev, buf, 100, DMAB_BIDIRECTIONAL, 0, &a), 0);
		assert_int_equal(dmab_unmap_single(dev, a, 100, DMAB_BIDIRECTIONAL, 0), 0);
		free(sg);
		free(buf);
		destroy(dev);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_line_size),
	    cmocka_unit_test(test_real_memory),
	    cmocka_unit_test(test_double_cmo_real),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
