/* SPDX-License-Identifier: MIT
 * cli/cli.h: what the verbs of the covrun program share.
 *
 * cli/main.c maps a verb to a cmd_<verb>() function (one file each); every
 * verb parses its own options and returns the process exit status.  Only
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

int cmd_run(int argc, char **argv);
int cmd_tree(int argc, char **argv);
int cmd_merge(int argc, char **argv);
int cmd_report(int argc, char **argv);

/* Report options shared by "covrun report" and "covrun run"
 * (cli/cmd_report.c).  report_cli_option parses the option at argv[*i]:
 * 1 = taken, 0 = not a report option, -1 = error printed.
 * report_cli_write writes every report and prints the summary: 0,
 * CLI_EXIT_THRESHOLD or CLI_EXIT_FAILURE. */
struct report_cli;
struct cov_model;
struct collect_run;
struct report_cli *report_cli_new(void);
void report_cli_free(struct report_cli *rc);
int report_cli_option(struct report_cli *rc, int argc, char **argv, int *i);
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
int report_cli_write(struct report_cli *rc, struct cov_model *model,
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
