/* SPDX-License-Identifier: MIT */
/*
 * Bounced mappings on the simulator, against the oracle (oracle.h): for
 * every direction, single and sg, aligned and unaligned, batched, per-entry
 * and through an explicit batch, every line size, chaos off and on, and
 * three reasons to bounce (forced; beyond a 32-bit mask; unaligned, which
 * mixes bounced and direct entries in one list): the device reads exactly
 * what the CPU wrote, the CPU gets exactly what the device wrote, what the
 * device did not write keeps the CPU's bytes, and the bytes around every
 * buffer keep theirs. The device sees only slot addresses for bounced
 * entries; the pool is simulator memory because the library registered it.
 *
 * One difference from the never-bouncing suite: between the two transfers
 * the CPU does not write FROM_DEVICE buffers (see oracle_run()).
 */
#include "oracle.h"

static void run_matrix(bool chaos)
{
	struct oracle_totals t = oracle_matrix(MODEL_FORCE, MODEL_UNALIGNED, chaos, 0);

	assert_true(t.bounced > t.runs);
	/* chaos on must have done something, or this test proves nothing */
	if (chaos)
		assert_true(t.events > t.runs * 10);
	else
		assert_int_equal(t.events, 0);
}

static void test_bounce_oracle_no_chaos(void **state)
{
	(void)state;
	run_matrix(false);
}

static void test_bounce_oracle_chaos(void **state)
{
	(void)state;
	run_matrix(true);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_bounce_oracle_no_chaos),
	    cmocka_unit_test(test_bounce_oracle_chaos),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
