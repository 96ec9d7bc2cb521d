/* SPDX-License-Identifier: MIT */
/*
 * arm64 errata detection (arch/aarch64/errata.c) on fake sysfs trees:
 * affected, unaffected and big.LITTLE mixes, unreadable MIDRs, no tree.
 * Plain C on files, so it runs on every host.
 */
#include <errno.h>

#include "../../arch/aarch64/errata.h"
#include "fake_tree.h"
#include "helpers.h"

#define root fake_root

/* cpu@first .. cpu@first+n-1 with this MIDR_EL1, as the kernel prints it */
static void cpus(unsigned first, unsigned n, unsigned long long midr)
{
	char rel[128], val[32];

	for (unsigned i = first; i < first + n; i++) {
		snprintf(rel, sizeof(rel), "cpu%u/regs/identification/midr_el1", i);
		snprintf(val, sizeof(val), "0x%016llx\n", midr);
		put_file(root, rel, val, strlen(val));
	}
}

#define A53_R0P1 0x410fd031ull
#define A53_R0P2 0x410fd032ull
#define A53_R0P4 0x410fd034ull
#define A53_R1P0 0x411fd030ull
#define A57_R1P0 0x411fd070ull
#define A72_R0P3 0x410fd083ull

static struct dmab__a64_errata scan(void)
{
	struct dmab__a64_errata e;

	assert_int_equal(dmab__a64_errata_scan(root, &e), 0);
	return e;
}

static void test_midr_decode(void **state)
{
	(void)state;
	assert_true(dmab__a64_midr_a53_early(0x410fd030ull));
	assert_true(dmab__a64_midr_a53_early(A53_R0P1));
	assert_true(dmab__a64_midr_a53_early(A53_R0P2));
	assert_false(dmab__a64_midr_a53_early(0x410fd033ull));
	assert_false(dmab__a64_midr_a53_early(A53_R0P4));
	assert_false(dmab__a64_midr_a53_early(A53_R1P0));
	assert_false(dmab__a64_midr_a53_early(0x510fd032ull)); /* not Arm's */
	assert_false(dmab__a64_midr_a53_early(A72_R0P3));
}

static void test_unaffected(void **state)
{
	(void)state;
	cpus(0, 4, A72_R0P3);
	struct dmab__a64_errata e = scan();

	assert_int_equal(e.cpus, 4);
	assert_int_equal(e.known, 4);
	assert_false(e.clean_is_civac);
	assert_string_equal(e.desc, "");
}

static void test_affected(void **state)
{
	(void)state;
	cpus(0, 4, A53_R0P2);
	put_file(root, "cpufreq/policy0/x", "1", 1); /* not a CPU */
	put_file(root, "cpuidle/x", "1", 1);
	struct dmab__a64_errata e = scan();

	assert_int_equal(e.cpus, 4);
	assert_int_equal(e.a53_early, 4);
	assert_true(e.clean_is_civac);
	assert_non_null(strstr(e.desc, "on 4 of 4 CPUs"));
	assert_non_null(strstr(e.desc, "826319"));
	assert_non_null(strstr(e.desc, "DC CIVAC for clean"));
}

/* big.LITTLE: one affected cluster is enough, a fixed A53 is not. */
static void test_big_little(void **state)
{
	(void)state;
	cpus(0, 4, A53_R0P4);
	cpus(4, 2, A72_R0P3);
	struct dmab__a64_errata e = scan();

	assert_int_equal(e.cpus, 6);
	assert_false(e.clean_is_civac);

	cpus(0, 4, A53_R0P1);
	cpus(4, 2, A57_R1P0);
	e = scan();
	assert_int_equal(e.a53_early, 4);
	assert_true(e.clean_is_civac);
	assert_non_null(strstr(e.desc, "on 4 of 6 CPUs"));

	cpus(0, 4, A53_R1P0); /* r1p0: variant 1 */
	e = scan();
	assert_false(e.clean_is_civac);
}

static void test_unreadable(void **state)
{
	(void)state;
	char path[128];

	/* CPUs whose MIDR the kernel does not publish (offline, old kernel) */
	snprintf(path, sizeof(path), "%s/cpu0", root);
	mkdir(path, 0755);
	put_file(root, "cpu1/online", "0\n", 2);
	cpus(2, 1, A72_R0P3);
	put_file(root, "cpu3/regs/identification/midr_el1", "garbage\n", 8);
	struct dmab__a64_errata e = scan();

	assert_int_equal(e.cpus, 4);
	assert_int_equal(e.known, 1);
	assert_false(e.clean_is_civac);

	struct dmab__a64_errata none;
	char missing[80];

	snprintf(missing, sizeof(missing), "%s/nothing-here", root);
	assert_int_equal(dmab__a64_errata_scan(missing, &none), -ENOENT);
	assert_false(none.clean_is_civac);
}

/* Erratum 4311569: the kernel's command-line switch, as a word only. */
static void test_cmdline_double_cmo(void **state)
{
	static const struct {
		const char *line;
		bool on;
	} cases[] = {
	    {"BOOT_IMAGE=/vmlinuz root=/dev/vda arm_si_l1_workaround_4311569\n", true},
	    {"arm_si_l1_workaround_4311569 quiet\n", true},
	    {"quiet arm_si_l1_workaround_4311569=1\n", true},
	    {"quiet arm_si_l1_workaround_4311569=y", true},
	    {"quiet arm_si_l1_workaround_4311569=on\n", true},
	    {"quiet arm_si_l1_workaround_4311569=0\n", false},
	    {"quiet arm_si_l1_workaround_4311569=off\n", false},
	    {"quiet arm_si_l1_workaround_43115690\n", false},
	    {"quiet xarm_si_l1_workaround_4311569\n", false},
	    {"root=/dev/vda quiet\n", false},
	    {"", false},
	};
	char path[128];

	(void)state;
	snprintf(path, sizeof(path), "%s/cmdline", root);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		put_file(root, "cmdline", cases[i].line, strlen(cases[i].line));
		if (dmab__a64_cmdline_double_cmo(path) != cases[i].on)
			fail_msg("\"%s\": expected %s", cases[i].line, cases[i].on ? "on" : "off");
	}
	snprintf(path, sizeof(path), "%s/no-cmdline", root);
	assert_false(dmab__a64_cmdline_double_cmo(path));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_midr_decode),
	    cmocka_unit_test_setup_teardown(test_unaffected, fake_tree_setup, fake_tree_teardown),
	    cmocka_unit_test_setup_teardown(test_affected, fake_tree_setup, fake_tree_teardown),
	    cmocka_unit_test_setup_teardown(test_big_little, fake_tree_setup, fake_tree_teardown),
	    cmocka_unit_test_setup_teardown(test_unreadable, fake_tree_setup, fake_tree_teardown),
	    cmocka_unit_test_setup_teardown(test_cmdline_double_cmo, fake_tree_setup,
					    fake_tree_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
