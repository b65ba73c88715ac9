/* SPDX-License-Identifier: MIT
 * tests/harness/unit.h: what the C unit tests share (tests/common,
 * tests/record): a CHECK that counts failures and a main that runs one
 * scenario in a fresh work directory (PROGRAM SCENARIO WORKDIR), printing
 * "<family>.<scenario>: N failure(s)".  Header only: each test program
 * includes it once.
 */
#ifndef COVRUN_TESTS_UNIT_H
#define COVRUN_TESTS_UNIT_H

#include "common/common.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures;

#define CHECK(cond, ...)                                                    \
	do {                                                                \
		if (!(cond)) {                                              \
			failures++;                                         \
			printf("FAIL %s:%d: ", __FILE__, __LINE__);         \
			printf(__VA_ARGS__);                                \
			printf("\n");                                       \
		}                                                           \
	} while (0)

struct unit_scenario {
	const char *name;
	void (*run)(const char *work);
};

/* Run the scenario argv[1] of SCENARIOS in argv[2]/argv[1] (emptied
 * first); 0 when every CHECK held, 1 when one failed, 2 on bad usage. */
static int unit_main(const char *family, const struct unit_scenario *s,
		     size_t n, int argc, char **argv)
{
	struct cr_error err;
	char *work;

	if (argc != 3) {
		fprintf(stderr, "usage: test_%s SCENARIO WORKDIR\n", family);
		return 2;
	}
	work = cr_path_join(argv[2], argv[1]);
	if (cr_rm_rf(work, &err) || cr_mkdir_p(work, &err)) {
		printf("FAIL: %s: %s\n", err.path, err.msg);
		free(work);
		return 1;
	}
	for (size_t i = 0; i < n; i++) {
		if (strcmp(argv[1], s[i].name))
			continue;
		s[i].run(work);
		free(work);
		printf("%s.%s: %d failure(s)\n", family, argv[1], failures);
		return failures ? 1 : 0;
	}
	printf("FAIL: no scenario %s\n", argv[1]);
	free(work);
	return 2;
}

#endif /* COVRUN_TESTS_UNIT_H */
