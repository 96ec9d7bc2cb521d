/* SPDX-License-Identifier: MIT */
/*
 * The oracle (oracle.h), on a device that never bounces: for every
 * direction, single and sg, aligned and unaligned, batched, per-entry and
 * through an explicit batch, chaos off and on, and every line size, the
 * device sees exactly what the CPU wrote (TO_DEVICE, BIDIRECTIONAL), the CPU
 * sees exactly what the device wrote (FROM_DEVICE, BIDIRECTIONAL) and what it
 * did not write keeps the CPU's bytes, and every byte next to a buffer keeps
 * what the CPU put there.
 */
#include "oracle.h"

static void run_matrix(bool chaos)
{
	struct oracle_totals t = oracle_matrix(MODEL_NEVER, MODEL_NEVER, chaos, chaos ? 4 : 1);

	assert_int_equal(t.bounced, 0);
	/* chaos on must have done something, or this test proves nothing */
	if (chaos)
		assert_true(t.events > t.runs * 10);
	else
		assert_int_equal(t.events, 0);
}

static void test_oracle_no_chaos(void **state)
{
	(void)state;
	run_matrix(false);
}

static void test_oracle_chaos(void **state)
{
	(void)state;
	run_matrix(true);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_oracle_no_chaos),
	    cmocka_unit_test(test_oracle_chaos),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
