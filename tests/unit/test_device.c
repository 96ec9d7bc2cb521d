/* SPDX-License-Identifier: MIT */
/* Devices: configs, backend choice and override, errors, words for errors. */
#include <errno.h>

#include "helpers.h"

static const char *forced(void)
{
	const char *f = getenv("DMAB_ARCH");

	return f && *f ? f : NULL;
}

static void test_defaults(void **state)
{
	(void)state;
	struct dmab_device *dev = NULL;
	struct dmab_device_config coherent = {.coherent = true, .numa_node = -1};

	/* a coherent device runs on any backend, the forced one included */
	assert_int_equal(dmab_device_create(&coherent, &dev), 0);
	if (forced())
		assert_string_equal(dmab_device_backend(dev), forced());
	assert_true(dmab_device_line_size(dev) >= 16);
	destroy(dev);

	/* NULL config: a non-coherent device on the best backend */
	int err = dmab_device_create(NULL, &dev);

	if (forced() && strcmp(forced(), "generic") == 0) {
		assert_int_equal(err, -EOPNOTSUPP);
	} else {
		assert_int_equal(err, 0);
		assert_string_not_equal(dmab_device_backend(dev), "generic");
		assert_string_not_equal(dmab_device_backend(dev), "trace");
		destroy(dev);
	}
}

static void test_config_wins_over_env(void **state)
{
	(void)state;
	char *saved = forced() ? strdup(forced()) : NULL;
	struct dmab_device_config cfg = {.numa_node = -1};
	struct dmab_device *dev;

	setenv("DMAB_ARCH", "trace", 1);
	assert_int_equal(dmab_device_create(&cfg, &dev), 0);
	assert_string_equal(dmab_device_backend(dev), "trace");
	assert_int_equal(dmab_device_line_size(dev), 64);
	destroy(dev);

	setenv("DMAB_ARCH", "no-such-backend", 1);
	assert_int_equal(dmab_device_create(&cfg, &dev), -EINVAL);
	assert_true(strstr(dmab_last_error(), "no-such-backend") != NULL);
	assert_true(strstr(dmab_last_error(), "trace") != NULL);
	cfg.backend = "trace";
	assert_int_equal(dmab_device_create(&cfg, &dev), 0);
	destroy(dev);

	if (saved)
		setenv("DMAB_ARCH", saved, 1);
	else
		unsetenv("DMAB_ARCH");
	free(saved);
}

static void test_generic_refuses_noncoherent(void **state)
{
	(void)state;
	struct dmab_device_config cfg = {.backend = "generic", .numa_node = -1, .name = "nic"};
	struct dmab_device *dev = (struct dmab_device *)&cfg; /* must not be written */

	assert_int_equal(dmab_device_create(&cfg, &dev), -EOPNOTSUPP);
	assert_ptr_equal(dev, (struct dmab_device *)&cfg);
	assert_true(strstr(dmab_last_error(), "non-coherent") != NULL);
	assert_true(strstr(dmab_last_error(), "nic") != NULL);
	cfg.coherent = true;
	assert_int_equal(dmab_device_create(&cfg, &dev), 0);
	assert_string_equal(dmab_device_backend(dev), "generic");
	/* a coherent device maps, and nothing is counted as maintenance */
	uint8_t *buf = page_buf(4096);
	struct dmab_sg sg = {.addr = buf, .len = 4096};

	assert_int_equal(dmab_map_sg(dev, &sg, 1, DMAB_FROM_DEVICE, 0), 1);
	assert_int_equal(dmab_unmap_sg(dev, &sg, 1, DMAB_FROM_DEVICE, 0), 0);
	struct dmab_stats s = stats_of(dev);

	assert_int_equal(s.completions + s.lines_cleaned + s.lines_invalidated, 0);
	assert_string_equal(s.backend, "generic");
	destroy(dev);
	free(buf);
}

static void test_bad_configs(void **state)
{
	(void)state;
	struct dmab_device *dev;
	struct dmab_device_config cfg = {.backend = "trace", .numa_node = -1};

	assert_int_equal(dmab_device_create(&cfg, NULL), -EINVAL);
	cfg.dma_bits = 65;
	assert_int_equal(dmab_device_create(&cfg, &dev), -EINVAL);
	cfg.dma_bits = 0;
	cfg.sync_mode = (enum dmab_sync_mode)5;
	assert_int_equal(dmab_device_create(&cfg, &dev), -EINVAL);
	cfg.sync_mode = DMAB_SYNC_BATCHED;
	cfg.numa_node = 4095;
	assert_int_equal(dmab_device_create(&cfg, &dev), -EINVAL);
	cfg.numa_node = -2;
	assert_int_equal(dmab_device_create(&cfg, &dev), -EINVAL);
	cfg.numa_node = 0; /* node 0 always exists, NUMA or not */
	assert_int_equal(dmab_device_create(&cfg, &dev), 0);
	destroy(dev);
	cfg.line_size = 100;
	assert_int_equal(dmab_device_create(&cfg, &dev), -EINVAL);
	cfg.line_size = 4096;
	assert_int_equal(dmab_device_create(&cfg, &dev), -EINVAL);
	cfg.line_size = 128;
	cfg.backend = "generic";
	cfg.coherent = true;
	assert_int_equal(dmab_device_create(&cfg, &dev), -EINVAL);
	assert_true(strstr(dmab_last_error(), "line_size") != NULL);
	assert_int_equal(dmab_device_destroy(NULL), -EINVAL);
	assert_int_equal(dmab_device_stats(NULL, NULL), -EINVAL);
}

/*
 * The config's size field: 0 and the caller's sizeof are this layout; a
 * size that stops right after @sim is the smallest layout there is and
 * leaves later fields at their defaults; anything outside is -EINVAL, with
 * nothing made.
 */
static void test_config_size(void **state)
{
	(void)state;
	struct dmab_device *dev = NULL;
	struct dmab_device_config cfg = {.numa_node = -1, .backend = "trace", .line_size = 128};
	const size_t first = offsetof(struct dmab_device_config, sim) + sizeof(cfg.sim);

	assert_int_equal(dmab_device_create(&cfg, &dev), 0);
	assert_int_equal(dmab_device_line_size(dev), 128);
	destroy(dev);
	cfg.size = sizeof(cfg);
	assert_int_equal(dmab_device_create(&cfg, &dev), 0);
	assert_int_equal(dmab_device_line_size(dev), 128);
	destroy(dev);
	cfg.size = first;
	assert_int_equal(dmab_device_create(&cfg, &dev), 0);
	assert_int_equal(dmab_device_line_size(dev), 128);
	destroy(dev);

	size_t bad[] = {1, first - 1, sizeof(cfg) + 1, (size_t)-1};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		dev = NULL;
		cfg.size = bad[i];
		assert_int_equal(dmab_device_create(&cfg, &dev), -EINVAL);
		assert_null(dev);
		assert_non_null(strstr(dmab_last_error(), "config size"));
	}
}

static void test_dma_bits(void **state)
{
	(void)state;
	struct dmab_device *dev;
	struct dmab_device_config cfg = {.backend = "trace", .numa_node = -1, .dma_bits = 64};
	uint8_t *buf = page_buf(4096);
	dmab_addr_t a;

	assert_int_equal(dmab_device_create(&cfg, &dev), 0);
	assert_int_equal(dmab_map_single(dev, buf, 64, DMAB_TO_DEVICE, 0, &a), 0);
	assert_int_equal(dmab_unmap_single(dev, a, 64, DMAB_TO_DEVICE, 0), 0);
	destroy(dev);
	cfg.dma_bits = 1; /* only bus addresses 0 and 1: nothing real fits */
	assert_int_equal(dmab_device_create(&cfg, &dev), 0);
	assert_int_equal(dmab_map_single(dev, buf, 64, DMAB_TO_DEVICE, 0, &a), -ERANGE);
	destroy(dev);
	free(buf);
}

static void test_words(void **state)
{
	(void)state;
	assert_string_equal(dmab_version(), DMAB_VERSION_STRING);
	assert_string_equal(dmab_strerror(0), "success");
	assert_true(strstr(dmab_strerror(-ERANGE), "DMA mask") != NULL);
	assert_true(strstr(dmab_strerror(-EBUSY), "live mappings") != NULL);
	assert_true(strstr(dmab_strerror(-EOPNOTSUPP), "non-coherent") != NULL);
	assert_non_null(dmab_strerror(-ENOSPC));
	assert_string_equal(dmab_strerror(5), "not an error code");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_defaults),
	    cmocka_unit_test(test_config_wins_over_env),
	    cmocka_unit_test(test_generic_refuses_noncoherent),
	    cmocka_unit_test(test_bad_configs),
	    cmocka_unit_test(test_config_size),
	    cmocka_unit_test(test_dma_bits),
	    cmocka_unit_test(test_words),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
