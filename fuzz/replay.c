/* SPDX-License-Identifier: MIT */
/*
 * Runs fuzz_dma.c's target over every file of the directories given, in
 * name order, so that the committed corpus is replayed by ctest with any
 * compiler (libFuzzer needs clang). Exits non-zero if a directory cannot be
 * read or holds no input, or if the inputs leave a bounce policy unrun or
 * (where it can bounce) never bouncing; a failing input aborts inside the
 * target.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
extern unsigned long fuzz_policy_runs[MODEL_NPOLICY], fuzz_policy_bounced[MODEL_NPOLICY];
extern unsigned long fuzz_mask_high_runs;
extern unsigned long fuzz_checked_runs, fuzz_overlaps_refused;

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static int run_file(const char *path)
{
	FILE *fp = fopen(path, "rb");
	uint8_t *buf = NULL;
	size_t len = 0, cap = 0;

	if (!fp) {
		perror(path);
		return -1;
	}
	for (;;) {
		if (len == cap) {
			cap = cap ? cap * 2 : 4096;
			uint8_t *n = realloc(buf, cap);

			if (!n) {
				fclose(fp);
				free(buf);
				return -1;
			}
			buf = n;
		}
		size_t got = fread(buf + len, 1, cap - len, fp);

		if (!got)
			break;
		len += got;
	}
	fclose(fp);
	(void)LLVMFuzzerTestOneInput(buf, len);
	free(buf);
	return 0;
}

int main(int argc, char **argv)
{
	unsigned inputs = 0;

	for (int i = 1; i < argc; i++) {
		struct dirent **names;
		int n = scandir(argv[i], &names, NULL, by_name);

		if (n < 0) {
			perror(argv[i]);
			return 1;
		}
		for (int j = 0; j < n; j++) {
			char path[4096];

			if (names[j]->d_name[0] != '.') {
				snprintf(path, sizeof(path), "%s/%s", argv[i], names[j]->d_name);
				if (run_file(path))
					return 1;
				inputs++;
			}
			free(names[j]);
		}
		free(names);
	}
	printf("replayed %u inputs\n", inputs);
	int bad = !inputs;

	for (int p = 0; p < MODEL_NPOLICY; p++) {
		bool must_bounce = p == MODEL_FORCE || p == MODEL_UNALIGNED ||
				   (p == MODEL_MASK && fuzz_mask_high_runs);

		printf("  %-9s devices %lu, bounced entries %lu\n", model_policy_name[p],
		       fuzz_policy_runs[p], fuzz_policy_bounced[p]);
		if (!fuzz_policy_runs[p] || (must_bounce && !fuzz_policy_bounced[p])) {
			printf("  the corpus does not cover the '%s' policy\n",
			       model_policy_name[p]);
			bad = 1;
		}
	}
	printf("  checker on in %lu inputs, %lu overlapping maps refused\n", fuzz_checked_runs,
	       fuzz_overlaps_refused);
	if (!fuzz_checked_runs) {
		printf("  the corpus does not cover the checker\n");
		bad = 1;
	}
	return bad;
}
