/* SPDX-License-Identifier: MIT
 * cli/cli.h: what the verbs of the covrun program share.
 *
 * cli/main.c maps a verb to a cmd_<verb>() function (one file each); every
 * verb parses its options from its own table (struct cli_opt, cli/opts.c)
 * and returns the process exit status.  Only
 * the CLI prints: modules report through struct cr_error (common/common.h).
 */
#ifndef COVRUN_CLI_H
#define COVRUN_CLI_H

#include "common/common.h"

#include <stdio.h>

/* Exit statuses of covrun itself (documented in README.md). */
enum {
	CLI_EXIT_DATA_SKIPPED = 3, /* merge/report: some input was left out */
	CLI_EXIT_THRESHOLD = 4,    /* report: a --fail-under-* was not met */
	CLI_EXIT_EMPTY = 5,        /* report: nothing to report, none written */
	CLI_EXIT_STOPPED = 124,    /* run: stopped by --max-processes */
	CLI_EXIT_FAILURE = 125,    /* covrun itself failed (usage, I/O) */
	CLI_EXIT_NOEXEC = 126,     /* the command is not executable */
	CLI_EXIT_NOTFOUND = 127,   /* the command does not exist */
};

/* Options (cli/opts.c).  Each verb describes its options in one table,
 * an array of struct cli_opt ended by a key of 0; getopt_long parses from
 * it and --help is printed from it.  README.md and doc/covrun.1 document
 * every option of every table (tests/cli/test_options.py checks it). */
struct cli_opt {
	int key;          /* a letter, which is also the short option -KEY,
			   * or a CLI_KEY_* value for a long option alone */
	const char *name; /* the long option, without "--" */
	const char *arg;  /* the value's name in --help; NULL: no value;
			   * "[=X]": an optional value, given as --name=X */
	const char *help; /* --help text, lines separated by '\n'; NULL:
			   * another name of the option before it */
};

/* Keys of long options without a letter: one range per table, so that a
 * verb can parse with two tables (run takes the report options too). */
enum {
	CLI_OPERAND = 1, /* a non-option argument (cli_parser_next) */
	CLI_KEY_MAIN = 0x100,
	CLI_KEY_RUN = 0x200,
	CLI_KEY_REPORT = 0x300,
	CLI_KEY_MERGE = 0x400,
	CLI_KEY_TREE = 0x500,
};

struct option; /* <getopt.h> */
struct cli_parser {
	const char *verb; /* messages say "see 'covrun VERB --help'" */
	const struct cli_opt *tables[2];
	size_t ntables;
	struct option *longopts; /* made from the tables */
	char *shortopts;
	int next; /* after the last option: index of the first operand left */
};

/* Parse with TABLE and MORE (may be NULL).  IN_ORDER: options end at the
 * first operand ("covrun run [OPTIONS] COMMAND ARGS": the command's
 * options are the command's); otherwise options and operands mix and
 * each operand comes back as CLI_OPERAND.  Cannot fail. */
void cli_parser_init(struct cli_parser *p, const char *verb, int in_order,
		     const struct cli_opt *table, const struct cli_opt *more);
/* The key of the next option (CLI_OPERAND: an operand), with *VALUE its
 * value or NULL; 0 when the options are over (P->next: the operands
 * after them, as after "--"); -1 after a one-line error naming the
 * option: unknown, abbreviated, missing or unexpected value. */
int cli_parser_next(struct cli_parser *p, int argc, char **argv,
		    const char **value);
void cli_parser_release(struct cli_parser *p);
/* Print TABLE as the options part of --help. */
void cli_help(FILE *out, const struct cli_opt *table);
/* The key of the option of TABLE that WORD ("--name" or "-k") is
 * exactly, or 0. */
int cli_match(const struct cli_opt *table, const char *word);

int cmd_run(int argc, char **argv);
int cmd_tree(int argc, char **argv);
int cmd_merge(int argc, char **argv);
int cmd_report(int argc, char **argv);

/* Report options shared by "covrun report" and "covrun run"
 * (cli/cmd_report.c).  report_cli_options is their table;
 * report_cli_option takes the option KEY of it with its VALUE:
 * 1 = taken, 0 = not a report option, -1 = error printed.
 * report_cli_write writes every report and prints the summary: 0,
 * CLI_EXIT_THRESHOLD or CLI_EXIT_FAILURE. */
struct report_cli;
struct cov_model;
struct collect_run;
extern const struct cli_opt report_cli_options[];
struct report_cli *report_cli_new(void);
void report_cli_free(struct report_cli *rc);
int report_cli_option(struct report_cli *rc, int key, const char *value);
void report_cli_help(FILE *out);
struct merge_opts;
/* Set the merge options the report options decide: objects no process ran
 * count (unless --executed-only), looked for below the source root. */
void report_cli_merge_opts(const struct report_cli *rc,
			   struct merge_opts *mo);
/* After the options: check what they ask for together ("-" as standard
 * output); 0, or -1 after an error message.  Sends the summary to stderr
 * when a report goes to standard output. */
int report_cli_check(struct report_cli *rc);
int report_cli_write(struct report_cli *rc, const struct cov_model *model,
		     const struct collect_run *run);

/* Messages (cli/msgs.c): "covrun: error: ..." etc. on stderr. */
void errorf(const char *fmt, ...) CR_PRINTF(1, 2);
void warnf(const char *fmt, ...) CR_PRINTF(1, 2);
void notef(const char *fmt, ...) CR_PRINTF(1, 2);
/* Print ERR as an error ("cannot read 'f.gcda': truncated at byte 812"). */
void error_report(const struct cr_error *err);
void warn_report(const struct cr_error *err);
extern int cli_quiet; /* --quiet: notes are not printed */

#endif /* COVRUN_CLI_H */
