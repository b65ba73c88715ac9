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

/* Exit statuses of covrun itself (documented in README.md). */
enum {
	CLI_EXIT_DATA_SKIPPED = 3, /* merge/report: some input was left out */
	CLI_EXIT_THRESHOLD = 4,    /* report: a --fail-under-* was not met */
	CLI_EXIT_STOPPED = 124,    /* run: stopped by --max-processes */
	CLI_EXIT_FAILURE = 125,    /* covrun itself failed (usage, I/O) */
	CLI_EXIT_NOEXEC = 126,     /* the command is not executable */
	CLI_EXIT_NOTFOUND = 127,   /* the command does not exist */
};

int cmd_run(int argc, char **argv);
int cmd_tree(int argc, char **argv);
int cmd_merge(int argc, char **argv);
int cmd_report(int argc, char **argv);

/* Messages (cli/msgs.c): "covrun: error: ..." etc. on stderr. */
void errorf(const char *fmt, ...) CR_PRINTF(1, 2);
void warnf(const char *fmt, ...) CR_PRINTF(1, 2);
void notef(const char *fmt, ...) CR_PRINTF(1, 2);
/* Print ERR as an error ("cannot read 'f.gcda': truncated at byte 812"). */
void error_report(const struct cr_error *err);
void warn_report(const struct cr_error *err);
extern int cli_quiet; /* --quiet: notes are not printed */

#endif /* COVRUN_CLI_H */
