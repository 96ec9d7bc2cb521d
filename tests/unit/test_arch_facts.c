/* SPDX-License-Identifier: MIT */
/*
 * The riscv64 backend's block size (arch/riscv64/facts.c) from
 * riscv_hwprobe's answer or a device tree, on fake trees: plain C on files,
 * so it runs on every host.
 */
#include <errno.h>

#include "../../arch/riscv64/facts.h"
#include "fake_tree.h"
#include "helpers.h"

#define root fake_root

static void hart(const char *cpu, const void *v, size_t n)
{
	char rel[128];

	snprintf(rel, sizeof(rel), "cpus/%s/riscv,cbom-block-size", cpu);
	put_file(root, rel, v, n);
}

static const unsigned char be64[4] = {0, 0, 0, 64}, be128[4] = {0, 0, 0, 128},
			   be48[4] = {0, 0, 0, 48};

static int size_of(long hw, size_t *line, char *why, size_t whylen)
{
	*line = 0;
	why[0] = '\0';
	return dmab__rv_block_size(hw, root, line, why, whylen);
}

static void test_hwprobe_wins(void **state)
{
	(void)state;
	char why[300];
	size_t line;

	hart("cpu@0", be128, 4); /* the kernel's answer is taken first */
	assert_int_equal(size_of(64, &line, why, sizeof(why)), 0);
	assert_int_equal(line, 64);
	assert_int_equal(size_of(100, &line, why, sizeof(why)), -ENODEV);
	assert_non_null(strstr(why, "not a power of two"));
	assert_int_equal(line, 0);
}

static void test_device_tree(void **state)
{
	(void)state;
	char why[300];
	size_t line;

	hart("cpu@0", be64, 4);
	hart("cpu@1", be64, 4);
	hart("cpu@2", be64, 4);
	put_file(root, "cpus/#size-cells", "\0\0\0\0", 4); /* not a cpu@ node */
	assert_int_equal(size_of(0, &line, why, sizeof(why)), 0);
	assert_int_equal(line, 64);
	assert_int_equal(size_of(-ENOSYS, &line, why, sizeof(why)), 0);
	assert_int_equal(line, 64);
}

static void test_refusals(void **state)
{
	(void)state;
	char why[300];
	size_t line;

	/* no tree at all: both sources named */
	assert_int_equal(size_of(0, &line, why, sizeof(why)), -ENODEV);
	assert_non_null(strstr(why, "does not know key 12"));
	assert_non_null(strstr(why, "no device tree"));
	assert_int_equal(size_of(-ENOSYS, &line, why, sizeof(why)), -ENODEV);
	assert_non_null(strstr(why, "riscv_hwprobe failed"));
	/* harts without the property */
	put_file(root, "cpus/cpu@0/compatible", "riscv", 5);
	assert_int_equal(size_of(0, &line, why, sizeof(why)), -ENODEV);
	assert_non_null(strstr(why, "no riscv,cbom-block-size on the 1 cpu@"));
	/* one hart with, one without: not every hart has Zicbom */
	hart("cpu@1", be64, 4);
	assert_int_equal(size_of(0, &line, why, sizeof(why)), -ENODEV);
	assert_non_null(strstr(why, "cpu@0 has no riscv,cbom-block-size"));
	/* harts that disagree */
	hart("cpu@0", be128, 4);
	assert_int_equal(size_of(0, &line, why, sizeof(why)), -ENODEV);
	assert_non_null(strstr(why, "disagree"));
	/* a malformed value */
	hart("cpu@0", be64, 3);
	assert_int_equal(size_of(0, &line, why, sizeof(why)), -ENODEV);
	assert_non_null(strstr(why, "3 bytes"));
	/* an implausible one */
	hart("cpu@0", be48, 4);
	hart("cpu@1", be48, 4);
	assert_int_equal(size_of(0, &line, why, sizeof(why)), -ENODEV);
	assert_non_null(strstr(why, "48, not a power of two"));
	assert_int_equal(line, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_hwprobe_wins, fake_tree_setup, fake_tree_teardown),
	    cmocka_unit_test_setup_teardown(test_device_tree, fake_tree_setup, fake_tree_teardown),
	    cmocka_unit_test_setup_teardown(test_refusals, fake_tree_setup, fake_tree_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
