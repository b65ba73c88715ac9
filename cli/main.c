/* SPDX-License-Identifier: MIT
 * cli/main.c: the covrun program's entry point and verb table.
 *
 * "covrun VERB ARGS" dispatches to cmd_VERB (cli/cmd_*.c); a first word that
 * is not a verb means "run", so "covrun ./tests" runs ./tests.
 */
#include "cli/cli.h"

#include <stdio.h>
#include <string.h>

struct verb {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *help;
};

static const struct verb verbs[] = {
	{ "run", cmd_run, "run a command (or every test in a directory)" },
	{ "merge", cmd_merge, "merge run directories into one" },
	{ "report", cmd_report, "write reports from stored data" },
	{ "tree", cmd_tree, "show the process tree of a run" },
};

static void usage(FILE *out)
{
	fprintf(out,
		"usage: covrun [run] [OPTIONS] [--] COMMAND [ARGS...]\n"
		"       covrun [run] [OPTIONS] DIR\n"
		"       covrun VERB [OPTIONS] ...\n\nverbs:\n");
	for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		fprintf(out, "  %-8s %s\n", verbs[i].name, verbs[i].help);
	fprintf(out, "\n'covrun VERB --help' describes each verb.\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return CLI_EXIT_FAILURE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("covrun %s\n", COVRUN_VERSION);
		return 0;
	}
	for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		if (!strcmp(argv[1], verbs[i].name))
			return verbs[i].fn(argc - 1, argv + 1);
	return cmd_run(argc, argv);
}
