/* SPDX-License-Identifier: MIT
 * cli/cmd_run.c: "covrun [run] [OPTIONS] [--] COMMAND [ARGS...]" and
 * "covrun [run] [OPTIONS] DIR".
 *
 * Parses options, prepares the run directory and runs the command (or
 * every executable in DIR) through collect/collect.h, then prints what was
 * collected and exits with the command's status.
 */
#define _GNU_SOURCE
#include "cli/cli.h"
#include "collect/collect.h"
#include "merge/merge.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define DEFAULT_MAX_PROCESSES 4096
#define DEFAULT_FOLD_BATCH 128

#define STR(x) #x
#define VALUE_OF(x) STR(x) /* "4096" for DEFAULT_MAX_PROCESSES */

/* The options of "covrun run" besides report_cli_options (cli/cli.h). */
enum {
	OPT_FORCE = CLI_KEY_RUN,
	OPT_WAIT_DESCENDANTS,
	OPT_MAX_PROCESSES,
	OPT_LABEL,
	OPT_FOLD_BATCH,
	OPT_NO_REPORT,
};

/* clang-format off */
static const struct cli_opt run_options[] = {
	{ 'd', "data-dir", "DIR", "run directory (default .covrun)" },
	{ OPT_FORCE, "force", NULL,
	  "remove an earlier run there (default: move\n"
	  "it to DIR.prev)" },
	{ OPT_WAIT_DESCENDANTS, "wait-descendants", "S",
	  "wait S seconds for processes that outlive\n"
	  "the command (default 10)" },
	{ OPT_MAX_PROCESSES, "max-processes", "N",
	  "stop the run when more than N of its\n"
	  "processes run at once (default "
	  VALUE_OF(DEFAULT_MAX_PROCESSES) ";\n"
	  "0 = no limit)" },
	{ OPT_LABEL, "label", "TEXT", "COVRUN_LABEL for the command's processes" },
	{ OPT_FOLD_BATCH, "fold-batch", "N",
	  "while the run goes on, fold finished images\n"
	  "N at a time into one aggregate, written every\n"
	  "2 s, 4N images, or when the data taken holds\n"
	  "4 times its blocks (default " VALUE_OF(DEFAULT_FOLD_BATCH)
	  "; 0 = merge at the end only)" },
	{ 'j', "jobs", "N", "DIR mode: run N tests at once (default 1)" },
	{ OPT_NO_REPORT, "no-report", NULL, "collect only: no merge, no reports" },
	{ 'q', "quiet", NULL, "print warnings and errors only" },
	{ 'h', "help", NULL, "show this help" },
	{ 0, NULL, NULL, NULL },
};

static void usage(FILE *out)
{
	fprintf(out,
"usage: covrun [run] [OPTIONS] [--] COMMAND [ARGS...]\n"
"       covrun [run] [OPTIONS] DIR\n\n"
"Run COMMAND (or every executable file in DIR, in sorted order) so that\n"
"every process image it starts writes its own gcov data and a process\n"
"record into the run directory.  Options end at COMMAND: what follows it\n"
"is the command's own.\n\n");
	cli_help(out, run_options);
	fprintf(out,
"\nAfter the run covrun merges the data and writes reports; these options\n"
"are those of 'covrun report':\n\n");
	report_cli_help(out);
}
/* clang-format on */

/* Folding finished images while the run goes on (merge/fold.c). */
struct fold_ctl {
	long batch;       /* images per generation written; 0 = never fold */
};

struct run_args {
	struct collect_opts opts;
	struct fold_ctl fold;
	struct report_cli *report; /* owned */
	int no_report;
	long jobs;
	char **command; /* first non-option argument onwards */
};

/* A count from 0 to 2^30 for option NAME, or -1 after an error. */
static int parse_count(const char *name, const char *v, long *out)
{
	if (cr_parse_long(v, 0, 1L << 30, out)) {
		errorf("'%s' is not a valid count for '--%s'", v, name);
		return -1;
	}
	return 0;
}

/* Take option KEY (run_options or report_cli_options) with its VALUE;
 * returns 0, or -1 after an error message. */
static int take_option(struct run_args *a, int key, const char *v)
{
	char *end;
	long n;

	switch (key) {
	case OPT_FORCE:
		a->opts.force = 1;
		return 0;
	case 'q':
		a->opts.quiet = cli_quiet = 1;
		return 0;
	case OPT_NO_REPORT:
		a->no_report = 1;
		return 0;
	case 'd':
		a->opts.data_dir = v;
		return 0;
	case OPT_LABEL:
		a->opts.label = v;
		return 0;
	case OPT_WAIT_DESCENDANTS:
		a->opts.wait_descendants = strtod(v, &end);
		if (end == v || *end || !(a->opts.wait_descendants >= 0)) {
			errorf("'%s' is not a number of seconds", v);
			return -1;
		}
		return 0;
	case OPT_FOLD_BATCH:
		return parse_count("fold-batch", v, &a->fold.batch);
	case OPT_MAX_PROCESSES:
		return parse_count("max-processes", v, &a->opts.max_processes);
	case 'j':
		if (parse_count("jobs", v, &n))
			return -1;
		a->jobs = n ? n : 1;
		return 0;
	}
	return report_cli_option(a->report, key, v) > 0 ? 0 : -1;
}

/* Returns 0 and fills A, 1 after --help, -1 after an error. */
static int parse_args(struct run_args *a, int argc, char **argv)
{
	struct cli_parser p;
	const char *v;
	int key;

	memset(a, 0, sizeof(*a));
	a->report = report_cli_new();
	a->opts.data_dir = ".covrun";
	a->opts.wait_descendants = 10;
	a->opts.max_processes = DEFAULT_MAX_PROCESSES;
	a->fold.batch = DEFAULT_FOLD_BATCH;
	a->jobs = 1;
	cli_parser_init(&p, "run", 1, run_options, report_cli_options);
	while ((key = cli_parser_next(&p, argc, argv, &v)) > 0) {
		if (key == 'h') {
			usage(stdout);
			break;
		}
		if (take_option(a, key, v)) {
			key = -1;
			break;
		}
	}
	cli_parser_release(&p);
	if (key)
		return key < 0 ? -1 : 1;
	if (p.next >= argc) {
		errorf("no command to run (see 'covrun run --help')");
		return -1;
	}
	if (report_cli_check(a->report))
		return -1;
	a->command = argv + p.next;
	return 0;
}

static int is_dir(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* DIR mode: every executable regular file of DIR, sorted by name. */
static size_t list_tests(const char *dir, char ***tests)
{
	size_t n, k = 0;
	char **names = cr_list_dir(dir, &n);

	*tests = cr_xcalloc(n + 1, sizeof(char *));
	for (size_t i = 0; i < n; i++) {
		struct stat st;
		char *p = cr_path_join(dir, names[i]);
		if (stat(p, &st) == 0 && S_ISREG(st.st_mode) &&
		    access(p, X_OK) == 0)
			(*tests)[k++] = p;
		else
			free(p);
	}
	cr_list_free(names, n);
	return k;
}

static const struct collect_ui ui = { warnf, notef };

/* "cannot run 'X': ..." for a command that could not be started, in the
 * words of a shell; returns its exit status (126 or 127). */
static int exec_failed(const char *cmd, int e)
{
	if (e == ENOENT && !strchr(cmd, '/'))
		errorf("cannot run '%s': command not found", cmd);
	else if (e == ENOEXEC)
		errorf("cannot run '%s': cannot execute binary file: %s", cmd,
		       strerror(e));
	else
		errorf("cannot run '%s': %s", cmd, strerror(e));
	return e == ENOENT ? CLI_EXIT_NOTFOUND : CLI_EXIT_NOEXEC;
}

/* The exit status of the run, with a message for each failure. */
static int outcome(struct collect_job *jobs, size_t njobs, int dir_mode,
		   const struct collect_result *res, const char *dir)
{
	int status = 0;

	for (size_t i = 0; i < njobs; i++) {
		struct collect_job *j = &jobs[i];
		if (j->exec_errno)
			exec_failed(j->argv[0], j->exec_errno);
		else if (dir_mode && j->done && j->status)
			errorf("test '%s' failed with status %d", j->argv[0],
			       j->status);
		else if (dir_mode && !j->done)
			errorf("test '%s' did not run", j->argv[0]);
		if (!status && (j->status || !j->done))
			status = j->done ? j->status : CLI_EXIT_STOPPED;
	}
	if (res->interrupted)
		notef("interrupted: what was collected is kept in '%s'", dir);
	if (res->stopped)
		return CLI_EXIT_STOPPED;
	return status;
}

static void print_collected(const char *dir, const struct collect_result *r)
{
	struct collect_run run;
	struct cr_error err;
	size_t nroot = 0, nchild = 0, instr = 0;

	(void)r; /* the command's outcome is printed by outcome() */
	if (collect_run_load(dir, &run, NULL, &err) != CR_OK)
		return;
	for (size_t i = 0; i < run.nrecords; i++) {
		nroot += run.records[i].role == COLLECT_ROLE_ROOT;
		nchild += run.records[i].role == COLLECT_ROLE_CHILD;
		instr += run.records[i].instrumented != 0;
	}
	notef("collected %zu process images (%zu root, %zu child; %zu "
	      "instrumented) in '%s'", run.nrecords, nroot, nchild, instr,
	      dir);
	collect_run_release(&run);
}

static void merge_warn(void *arg, const struct cr_error *err)
{
	(void)arg;
	warn_report(err);
}

/* Fold finished images while the run goes on, whatever the options
 * (docs/design.md, traps 6, 13): a thread of its own, so the launcher
 * never waits for it (merge/fold.c).  NULL with --fold-batch 0, or when
 * it cannot start (said; the data is then merged at the end). */
static struct merge_folder *start_fold(const struct fold_ctl *fold,
				       const char *dir)
{
	struct merge_opts mo = { 1, 0, merge_warn, NULL, 0, NULL };
	struct merge_folder *f;
	struct cr_error err;

	if (fold->batch <= 0)
		return NULL;
	f = merge_folder_start(dir, fold->batch, &mo, &err);
	if (!f) {
		warn_report(&err);
		warnf("folding images while the run goes on is off; the data "
		      "is merged at the end");
	}
	return f;
}

/* Merge the run and write the reports; returns 0, CLI_EXIT_THRESHOLD, CLI_EXIT_EMPTY or
 * CLI_EXIT_FAILURE. */
static int merge_and_report(struct run_args *a, const char *dir)
{
	struct merge_opts mo = { 0, 1, merge_warn, NULL, 0, NULL };
	struct cov_model model;
	struct collect_run run;
	struct cr_error err;
	const char *dirs[] = { dir };
	int status;

	memset(&model, 0, sizeof(model));
	report_cli_merge_opts(a->report, &mo);
	if (merge_load_runs(dirs, 1, &mo, &model, &err) != CR_OK) {
		error_report(&err);
		return CLI_EXIT_FAILURE;
	}
	if (collect_run_load(dir, &run, NULL, &err) != CR_OK)
		memset(&run, 0, sizeof(run));
	status = report_cli_write(a->report, &model, run.dir ? &run : NULL);
	if (status == CLI_EXIT_DATA_SKIPPED)
		status = 0; /* run exits with the command's status; the
			     * refused sources were named */
	if (run.dir)
		collect_run_release(&run);
	cov_model_release(&model);
	return status;
}

int cmd_run(int argc, char **argv)
{
	struct run_args a;
	struct collect_result res;
	struct cr_error err;
	struct collect_job *jobs;
	char **tests = NULL, *dir = NULL, *path = NULL;
	size_t njobs = 1;
	int rc = parse_args(&a, argc, argv), dir_mode, lock_fd = -1;

	if (rc) {
		report_cli_free(a.report);
		return rc > 0 ? 0 : CLI_EXIT_FAILURE;
	}
	a.opts.shim = collect_find_shim(&err);
	if (!a.opts.shim) {
		error_report(&err);
		report_cli_free(a.report);
		return CLI_EXIT_FAILURE;
	}
	dir_mode = !a.command[1] && is_dir(a.command[0]);
	/* before the run directory is touched: a typo destroys nothing */
	if (!dir_mode && (rc = collect_resolve_command(a.command[0], &path))) {
		report_cli_free(a.report);
		free((void *)a.opts.shim);
		return exec_failed(a.command[0], rc);
	}
	free(path);
	if (dir_mode && (njobs = list_tests(a.command[0], &tests)) == 0) {
		errorf("'%s' holds no executable file to run", a.command[0]);
		report_cli_free(a.report);
		free((void *)a.opts.shim);
		return CLI_EXIT_FAILURE;
	}
	jobs = cr_xcalloc(njobs, sizeof(*jobs));
	for (size_t i = 0; i < njobs; i++) {
		jobs[i].argv = dir_mode ? cr_xcalloc(2, sizeof(char *))
					: a.command;
		if (dir_mode) {
			((char **)jobs[i].argv)[0] = tests[i];
			const char *base = strrchr(tests[i], '/');
			jobs[i].label = a.opts.label ? a.opts.label
						     : (base ? base + 1
							     : tests[i]);
		}
	}
	if (collect_prepare_dir(&a.opts, &dir, &lock_fd, &ui, &err) == CR_OK) {
		struct merge_folder *folder = start_fold(&a.fold, dir);
		enum cr_err e = collect_run_jobs(&a.opts, dir, jobs, njobs,
						 dir_mode ? (int)a.jobs : 1,
						 &ui, &res, &err);
		merge_folder_stop(folder); /* the remainder, then done */
		rc = e ? CLI_EXIT_FAILURE : 0;
	} else {
		rc = CLI_EXIT_FAILURE;
	}
	if (rc) {
		error_report(&err);
	} else {
		collect_check_losses(dir, res.start_ns, &ui);
		print_collected(dir, &res);
		rc = outcome(jobs, njobs, dir_mode, &res, dir);
		int rs = a.no_report ? 0 : merge_and_report(&a, dir);
		if (rc == 0)
			rc = rs;
	}
	for (size_t i = 0; dir_mode && i < njobs; i++) {
		free(tests[i]);
		free((void *)jobs[i].argv);
	}
	free(tests);
	free(jobs);
	free(dir);
	if (lock_fd >= 0) /* the run directory is free again */
		close(lock_fd);
	free((void *)a.opts.shim);
	report_cli_free(a.report);
	return rc;
}
