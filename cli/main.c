/* SPDX-License-Identifier: MIT
 * cli/main.c: the covrun program's entry point and verb table.
 *
 * "covrun VERB ARGS" dispatches to cmd_VERB (cli/cmd_*.c); a first word that
 * is not a verb means "run", so "covrun ./tests" runs ./tests.
 */
#include "cli/cli.h"
#include "collect/collect.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
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

#define NVERBS (sizeof(verbs) / sizeof(verbs[0]))

/* Edit distance of A and B (insertions, deletions, substitutions and
 * swaps of neighbours), or 3 when it is more than 2: all we ask. */
static unsigned distance(const char *a, const char *b)
{
	size_t n = strlen(a), m = strlen(b);
	unsigned d[16][16];

	if (n > 14 || m > 14 || (n > m ? n - m : m - n) > 2)
		return 3;
	for (size_t i = 0; i <= n; i++)
		for (size_t j = 0; j <= m; j++) {
			unsigned v = (unsigned)(i + j); /* i or j is 0 */
			if (i && j) {
				unsigned sub = d[i - 1][j - 1] +
					       (a[i - 1] != b[j - 1]);
				unsigned del = d[i - 1][j] + 1;
				unsigned ins = d[i][j - 1] + 1;
				v = sub < del ? sub : del;
				v = ins < v ? ins : v;
				if (i > 1 && j > 1 && a[i - 1] == b[j - 2] &&
				    a[i - 2] == b[j - 1] &&
				    d[i - 2][j - 2] + 1 < v)
					v = d[i - 2][j - 2] + 1;
			}
			d[i][j] = v;
		}
	return d[n][m] > 2 ? 3 : d[n][m];
}

/* "covrun repot": not a verb, and no such command either.  Returns the
 * verb it is closest to (at most 2 edits), or NULL. */
static const char *near_miss(const char *word)
{
	const char *best = NULL;
	unsigned best_d = 3;
	char *path = NULL;

	if (word[0] == '-' || strchr(word, '/'))
		return NULL;
	for (size_t i = 0; i < NVERBS; i++) {
		unsigned d = distance(word, verbs[i].name);
		if (d < best_d) {
			best_d = d;
			best = verbs[i].name;
		}
	}
	if (!best || collect_resolve_command(word, &path) != ENOENT) {
		free(path);
		return NULL;
	}
	return best;
}

/* Options of covrun alone, before any verb. */
enum { OPT_VERSION = CLI_KEY_MAIN };

static const struct cli_opt main_options[] = {
	{ 'h', "help", NULL, "show this help" },
	{ OPT_VERSION, "version", NULL, "print the version of covrun" },
	{ 0, NULL, NULL, NULL },
};

static void usage(FILE *out)
{
	fprintf(out,
		"usage: covrun [run] [OPTIONS] [--] COMMAND [ARGS...]\n"
		"       covrun [run] [OPTIONS] DIR\n"
		"       covrun VERB [OPTIONS] ...\n\nverbs:\n");
	for (size_t i = 0; i < NVERBS; i++)
		fprintf(out, "  %-8s %s\n", verbs[i].name, verbs[i].help);
	fprintf(out, "\noptions:\n");
	cli_help(out, main_options);
	fprintf(out, "\n'covrun VERB --help' describes each verb.\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return CLI_EXIT_FAILURE;
	}
	if (cli_match(main_options, argv[1]) == 'h') {
		usage(stdout);
		return 0;
	}
	if (cli_match(main_options, argv[1]) == OPT_VERSION) {
		printf("covrun %s\n", COVRUN_VERSION);
		return 0;
	}
	for (size_t i = 0; i < NVERBS; i++)
		if (!strcmp(argv[1], verbs[i].name))
			return verbs[i].fn(argc - 1, argv + 1);
	const char *near = near_miss(argv[1]);
	if (near) {
		errorf("'%s' is neither a covrun verb nor a command; did you "
		       "mean '%s'?", argv[1], near);
		return CLI_EXIT_NOTFOUND;
	}
	return cmd_run(argc, argv);
}
