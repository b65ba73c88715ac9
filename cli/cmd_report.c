/* SPDX-License-Identifier: MIT
 * cli/cmd_report.c: "covrun report [OPTIONS] [INPUT...]", and the report
 * options that "covrun run" shares.
 *
 * An INPUT is a run directory (default .covrun), a bundle, or a plain build
 * tree whose gcda were written in place by an ordinary run.  The data is merged by
 * merge/merge.h, then report/report.h writes Cobertura, HTML, JSON and lcov
 * and prints the summary; --fail-under-* turn a low coverage into exit
 * status 4 (CLI_EXIT_THRESHOLD).
 *
 * Parts:
 *   - shared options: their table report_cli_options (cli/cli.h), which
 *     cmd_run.c parses too, taken one at a time into struct report_cli
 *     (report_cli_option) and written out with report_cli_write
 *   - the verb: inputs, loading, cmd_report
 */
#define _GNU_SOURCE
#include "cli/cli.h"
#include "collect/collect.h"
#include "merge/merge.h"
#include "rundir/rundir.h"
#include "report/report.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* ---- shared options ----------------------------------------------------- */

struct report_cli {
	struct report_opts opts;
	const char **filters, **excludes; /* owned arrays, borrowed strings */
	size_t nfilters, afilters, nexcludes, aexcludes;
	int no_cobertura, no_html;
	int executed_only; /* --executed-only */
	char *split_path; /* owned */
};

/* report_cli_new and friends are declared in cli/cli.h. */

struct report_cli *report_cli_new(void)
{
	struct report_cli *rc = cr_xcalloc(1, sizeof(*rc));

	report_opts_init(&rc->opts);
	rc->opts.cobertura = "coverage.xml";
	rc->opts.html = "coverage-html";
	rc->opts.summary = REPORT_SUMMARY_TOTAL;
	rc->opts.summary_out = stdout;
	rc->opts.version = "covrun " COVRUN_VERSION;
	/* reproducible reports: the time stamp of the sources, when given */
	const char *sde = getenv("SOURCE_DATE_EPOCH");
	long v;
	if (sde && !cr_parse_long(sde, 1, 0x7fffffffL, &v))
		rc->opts.timestamp = v;
	return rc;
}

void report_cli_free(struct report_cli *rc)
{
	if (!rc)
		return;
	free(rc->filters);
	free(rc->excludes);
	free(rc->split_path);
	free(rc);
}

/* The report options (cli/cli.h), in the order --help shows them. */
enum {
	OPT_INCLUDE_SYSTEM = CLI_KEY_REPORT,
	OPT_EXECUTED_ONLY,
	OPT_NO_MARKERS,
	OPT_COBERTURA,
	OPT_NO_COBERTURA,
	OPT_COBERTURA_SPLIT,
	OPT_COBERTURA_MAX_SIZE,
	OPT_HTML,
	OPT_NO_HTML,
	OPT_JSON,
	OPT_LCOV,
	OPT_SUMMARY,
	OPT_TITLE,
	OPT_NO_HIGHLIGHT,
	OPT_FAIL_UNDER_LINE,
	OPT_FAIL_UNDER_BRANCH,
	OPT_FAIL_UNDER_FUNCTION,
};

/* clang-format off */
const struct cli_opt report_cli_options[] = {
	{ 'r', "root", "DIR",
	  "source root: paths in reports are relative\n"
	  "to it, files outside it are left out unless\n"
	  "a --filter keeps them (default: .)" },
	{ 'f', "filter", "REGEX",
	  "keep only files whose path matches (ERE,\n"
	  "searched in the root-relative and the\n"
	  "absolute path; repeatable)" },
	{ 'e', "exclude", "REGEX", "leave out files whose path matches" },
	{ OPT_INCLUDE_SYSTEM, "include-system", NULL,
	  "keep system headers (/usr/include, ...)" },
	{ OPT_EXECUTED_ONLY, "executed-only", NULL,
	  "leave out objects no process ran (by default\n"
	  "every .gcno below the source root and the\n"
	  "build tree counts, at 0% where nothing ran)" },
	{ OPT_NO_MARKERS, "no-markers", NULL,
	  "ignore LCOV_EXCL_*, GCOVR_EXCL_* and\n"
	  "COVRUN_EXCL_* markers in the sources" },
	{ OPT_COBERTURA, "cobertura", "FILE",
	  "Cobertura XML (default coverage.xml)" },
	{ OPT_COBERTURA, "xml", "FILE", NULL },
	{ OPT_NO_COBERTURA, "no-cobertura", NULL, "do not write Cobertura XML" },
	{ OPT_COBERTURA_SPLIT, "cobertura-split", NULL,
	  "also FILE-root.xml (root processes' counts)\n"
	  "and FILE-child.xml (child-only lines)" },
	{ OPT_COBERTURA_MAX_SIZE, "cobertura-max-size", "SIZE",
	  "split Cobertura by directory into\n"
	  "FILE-1.xml, FILE-2.xml, ... of at most SIZE\n"
	  "bytes (k, M suffixes; 'gitlab' = 10M)" },
	{ OPT_HTML, "html", "DIR", "HTML report (default coverage-html)" },
	{ OPT_NO_HTML, "no-html", NULL, "do not write the HTML report" },
	{ OPT_JSON, "json", "FILE", "JSON (format covrun-1)" },
	{ OPT_LCOV, "lcov", "FILE",
	  "lcov tracefile\n"
	  "(a FILE of '-' is standard output; a link,\n"
	  "device or FIFO is written through)" },
	{ OPT_SUMMARY, "summary", "[=MODE]",
	  "terminal summary: total (default), full\n"
	  "(per directory too) or none" },
	{ OPT_TITLE, "title", "TEXT", "title of the HTML report" },
	{ OPT_NO_HIGHLIGHT, "no-highlight", NULL,
	  "no syntax highlighting in the HTML report" },
	{ OPT_FAIL_UNDER_LINE, "fail-under-line", "PCT",
	  "exit with status 4 when line coverage is\n"
	  "below PCT percent (all processes)" },
	{ OPT_FAIL_UNDER_BRANCH, "fail-under-branch", "PCT",
	  "the same for branch coverage" },
	{ OPT_FAIL_UNDER_FUNCTION, "fail-under-function", "PCT",
	  "the same for function coverage" },
	{ 0, NULL, NULL, NULL },
};
/* clang-format on */

void report_cli_help(FILE *out)
{
	fprintf(out, "report options:\n");
	cli_help(out, report_cli_options);
}

/* "10M", "512k", "1048576", "gitlab": bytes, or -1. */
static long long parse_size(const char *s)
{
	char *end;
	double v;

	if (!strcmp(s, "gitlab"))
		return REPORT_GITLAB_MAX_SIZE;
	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || v <= 0)
		return -1;
	if (*end == 'k' || *end == 'K')
		v *= 1024, end++;
	else if (*end == 'M' || *end == 'm')
		v *= 1024 * 1024, end++;
	else if (*end == 'G' || *end == 'g')
		v *= 1024.0 * 1024 * 1024, end++;
	if (!strcmp(end, "iB") || !strcmp(end, "B"))
		end += strlen(end);
	if (*end || v < 4096)
		return -1;
	return (long long)v;
}

static int parse_pct(const char *opt, const char *s, int64_t *out)
{
	if (report_parse_percent(s, out)) {
		errorf("'%s' needs a percentage from 0 to 100 (at most 6 "
		       "decimals), not '%s'", opt, s);
		return -1;
	}
	return 0;
}

/* --root: a mistyped root would silently give an empty report. */
static int set_root(struct report_cli *rc, const char *v)
{
	struct stat st;

	if (stat(v, &st) < 0) {
		errorf("--root '%s': %s", v, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		errorf("--root '%s' is not a directory", v);
		return -1;
	}
	rc->opts.root = v;
	return 0;
}

static void add_regex(const char ***list, size_t *n, size_t *alloc,
		      const char *v)
{
	CR_GROW(*list, *n + 1, *alloc);
	(*list)[(*n)++] = v;
}

static int set_summary(struct report_cli *rc, const char *v)
{
	if (!v || !strcmp(v, "total"))
		rc->opts.summary = REPORT_SUMMARY_TOTAL;
	else if (!strcmp(v, "full"))
		rc->opts.summary = REPORT_SUMMARY_FULL;
	else if (!strcmp(v, "none"))
		rc->opts.summary = REPORT_SUMMARY_NONE;
	else {
		errorf("'--summary' is total, full or none, not '%s'", v);
		return -1;
	}
	return 0;
}

static int set_max_size(struct report_cli *rc, const char *v)
{
	long long n = parse_size(v);

	if (n < 0) {
		errorf("'--cobertura-max-size' needs a size of at least 4k "
		       "(for example 10M or gitlab), not '%s'", v);
		return -1;
	}
	rc->opts.cobertura_max_size = (uint64_t)n;
	return 0;
}

/* The outputs: where each report goes, which are left out, and how the
 * HTML looks.  Returns 1 when KEY is one of those options, else 0. */
static int set_output(struct report_cli *rc, int key, const char *v)
{
	switch (key) {
	case OPT_COBERTURA:
		rc->opts.cobertura = v;
		rc->no_cobertura = 0;
		return 1;
	case OPT_NO_COBERTURA:
		rc->no_cobertura = 1;
		return 1;
	case OPT_COBERTURA_SPLIT:
		rc->opts.cobertura_split = 1;
		return 1;
	case OPT_HTML:
		rc->opts.html = v;
		rc->no_html = 0;
		return 1;
	case OPT_NO_HTML:
		rc->no_html = 1;
		return 1;
	case OPT_JSON:
		rc->opts.json = v;
		return 1;
	case OPT_LCOV:
		rc->opts.lcov = v;
		return 1;
	case OPT_TITLE:
		rc->opts.title = v;
		return 1;
	case OPT_NO_HIGHLIGHT:
		rc->opts.hljs_dir = "";
		return 1;
	}
	return 0;
}

/* Take the report option KEY (report_cli_options) with its VALUE.
 * Returns 1 when it was one, 0 when it is not a report option, -1 after
 * printing an error. */
int report_cli_option(struct report_cli *rc, int key, const char *v)
{
	int err = 0;

	switch (key) {
	case 'r':
		err = set_root(rc, v);
		break;
	case 'f':
		add_regex(&rc->filters, &rc->nfilters, &rc->afilters, v);
		break;
	case 'e':
		add_regex(&rc->excludes, &rc->nexcludes, &rc->aexcludes, v);
		break;
	case OPT_INCLUDE_SYSTEM:
		rc->opts.keep_system = 1;
		break;
	case OPT_EXECUTED_ONLY:
		rc->executed_only = 1;
		break;
	case OPT_NO_MARKERS:
		rc->opts.no_markers = 1;
		break;
	case OPT_COBERTURA_MAX_SIZE:
		err = set_max_size(rc, v);
		break;
	case OPT_SUMMARY:
		err = set_summary(rc, v);
		break;
	case OPT_FAIL_UNDER_LINE:
		err = parse_pct("--fail-under-line", v,
				&rc->opts.fail_under_line);
		break;
	case OPT_FAIL_UNDER_BRANCH:
		err = parse_pct("--fail-under-branch", v,
				&rc->opts.fail_under_branch);
		break;
	case OPT_FAIL_UNDER_FUNCTION:
		err = parse_pct("--fail-under-function", v,
				&rc->opts.fail_under_function);
		break;
	default:
		return set_output(rc, key, v);
	}
	return err ? -1 : 1;
}

int report_cli_check(struct report_cli *rc)
{
	const char *out[3] = { rc->no_cobertura ? NULL : rc->opts.cobertura,
			       rc->opts.json, rc->opts.lcov };
	int to_stdout = 0;

	for (int i = 0; i < 3; i++)
		to_stdout += out[i] && !strcmp(out[i], "-");
	if (to_stdout > 1) {
		errorf("only one report can go to standard output ('-')");
		return -1;
	}
	if (out[0] && !strcmp(out[0], "-") &&
	    (rc->opts.cobertura_split || rc->opts.cobertura_max_size)) {
		errorf("'--cobertura -' cannot be split into several files");
		return -1;
	}
	if (!rc->no_html && rc->opts.html && !strcmp(rc->opts.html, "-")) {
		errorf("'--html' needs a directory, not '-'");
		return -1;
	}
	if (to_stdout) /* the report alone on standard output */
		rc->opts.summary_out = stderr;
	return 0;
}

/* Write every report RC asks for from MODEL (and the process records RUN,
 * may be NULL), print the summary and warnings.  Returns 0,
 * CLI_EXIT_DATA_SKIPPED when a source was refused unread (a FIFO, a
 * device, too large), CLI_EXIT_THRESHOLD when a --fail-under-* was not
 * met, or
 * CLI_EXIT_FAILURE after printing an error. */
/* One warning per source file whose counters raced (negative counts), the
 * first few files only. */
static void warn_negative(const struct report_set *set)
{
	uint32_t nfiles = 0;

	for (uint32_t i = 0; i < set->nfiles; i++) {
		const struct report_file *rf = &set->files[i];
		if (!rf->nnegative || ++nfiles > 10)
			continue;
		warnf("'%s:%u': %u line%s with a negative count: counters "
		      "raced between threads (build with "
		      "-fprofile-update=atomic); reported as covered, count "
		      "unknown", rf->rel, rf->first_negative, rf->nnegative,
		      rf->nnegative == 1 ? "" : "s");
	}
	if (nfiles > 10)
		warnf("%u more files have negative counts", nfiles - 10);
}

int report_cli_write(struct report_cli *rc, const struct cov_model *model,
		     const struct collect_run *run)
{
	struct report_set set;
	struct report_result res;
	struct cr_error err;
	char msg[512];
	int status = 0;

	rc->opts.filters = rc->filters;
	rc->opts.nfilters = rc->nfilters;
	rc->opts.excludes = rc->excludes;
	rc->opts.nexcludes = rc->nexcludes;
	rc->opts.run = run;
	if (rc->no_cobertura)
		rc->opts.cobertura = NULL;
	if (rc->no_html)
		rc->opts.html = NULL;
	if (cli_quiet && rc->opts.summary == REPORT_SUMMARY_TOTAL)
		rc->opts.summary = REPORT_SUMMARY_NONE;
	cr_error_clear(&err);
	if (!model->nran) { /* 0% reports would replace good ones */
		warnf("no coverage data was collected: no report written "
		      "(earlier ones are kept)");
		return CLI_EXIT_EMPTY;
	}
	if (report_write_all(model, &rc->opts, &set, &res, &err)) {
		error_report(&err);
		if (set.root)
			report_set_release(&set);
		return CLI_EXIT_FAILURE;
	}
	if (set.root_guessed)
		notef("no source file under the current directory: the source "
		      "root is '%s' (choose it with --root)", set.root);
	if (res.empty) {
		warnf("nothing to report: no source file under '%s' has a "
		      "line with coverage data (see --root and --filter); no "
		      "report written, earlier ones are kept", set.root);
		report_set_release(&set);
		return CLI_EXIT_EMPTY;
	}
	if (set.noutside && rc->opts.cobertura)
		warnf("%u file%s outside the source root '%s': Cobertura XML "
		      "names %s by absolute path, which GitLab ignores; "
		      "choose a --root that holds every file",
		      set.noutside, set.noutside == 1 ? " lies" : "s lie",
		      set.root, set.noutside == 1 ? "it" : "them");
	warn_negative(&set);
	for (uint32_t i = 0; i < set.nrefused; i++)
		warn_report(&set.refused[i]);
	if (set.nrefused)
		status = CLI_EXIT_DATA_SKIPPED;
	if (set.nunreadable)
		warnf("%u source file%s could not be read: the HTML report "
		      "shows their counts without source text",
		      set.nunreadable, set.nunreadable == 1 ? "" : "s");
	if (res.cobertura_too_big)
		warnf("'%s' is %.1f MiB: GitLab refuses Cobertura files over "
		      "10 MiB; split it with --cobertura-max-size gitlab",
		      rc->opts.cobertura,
		      (double)res.cobertura_bytes / (1024.0 * 1024.0));
	if (rc->opts.cobertura && res.cobertura_parts > 1)
		notef("Cobertura XML split into %u files by directory",
		      res.cobertura_parts);
	if (rc->opts.html)
		notef("HTML report: %s/index.html", rc->opts.html);
	if (report_check_thresholds(&set, &rc->opts, msg, sizeof(msg))) {
		for (char *line = strtok(msg, "\n"); line;
		     line = strtok(NULL, "\n"))
			errorf("%s", line);
		status = CLI_EXIT_THRESHOLD;
	}
	report_set_release(&set);
	return status;
}

/* ---- the verb ----------------------------------------------------------- */

/* The options of "covrun report" besides report_cli_options. */
static const struct cli_opt report_options[] = {
	{ 'q', "quiet", NULL, "print warnings and errors only" },
	{ 'h', "help", NULL, "show this help" },
	{ 0, NULL, NULL, NULL },
};

/* clang-format off */
static void usage(FILE *out)
{
	fprintf(out,
"usage: covrun report [OPTIONS] [INPUT...]\n\n"
"Write coverage reports from stored data.  An INPUT is a run directory\n"
"(default .covrun), a bundle of one (.tar.zst, .tar.gz, .zip), or a build\n"
"tree holding gcno and gcda files written in place by an ordinary run\n"
"(all of its counts then form one root context).\n\n");
	cli_help(out, report_options);
	fprintf(out, "\n");
	report_cli_help(out);
	fprintf(out,
"\nexit status: 0 reports written; 3 some input was left out (bad or stale\n"
"data, named in warnings); 4 a --fail-under-* threshold was not met;\n"
"5 nothing to report (no report written); 125 covrun failed (usage, I/O).\n");
}
/* clang-format on */

static void warn_cb(const struct cr_error *e)
{
	warn_report(e);
}

static void merge_warn_cb(void *arg, const struct cr_error *e)
{
	(void)arg;
	warn_report(e);
}

static int is_dir(const char *dir, const char *name)
{
	char *p = cr_path_join(dir, name);
	struct stat st;
	int r = !stat(p, &st) && S_ISDIR(st.st_mode);

	free(p);
	return r;
}

/* A covrun run directory (or one written by covrun merge), as opposed to
 * a build tree with gcda in place: rundir/rundir.h's one rule. */
static int is_run_dir(const char *dir)
{
	return rundir_recognise(dir) != RUNDIR_KIND_NONE;
}

/* Append the records of run directory DIR to RUN (which owns them). */
static void add_records(struct collect_run *run, const char *dir)
{
	struct collect_run one;
	struct cr_error err;

	if (!is_dir(dir, RUNDIR_PROC))
		return;
	memset(&one, 0, sizeof(one));
	if (collect_run_load(dir, &one, warn_cb, &err)) {
		warn_report(&err);
		return;
	}
	run->records =
		cr_xrealloc(run->records, (run->nrecords + one.nrecords + 1) *
						  sizeof(*run->records));
	if (one.nrecords) /* none: a journal whose records were all lost */
		memcpy(run->records + run->nrecords, one.records,
		       one.nrecords * sizeof(*one.records));
	run->nrecords += one.nrecords;
	if (!run->nbad && one.nbad)
		run->first_bad = one.first_bad;
	run->nbad += one.nbad;
	if (!run->dir)
		run->dir = cr_xstrdup(one.dir ? one.dir : dir);
	one.nrecords = 0; /* moved */
	collect_run_release(&one);
}

/* Is INPUTS[I] the same directory as an earlier input (say, through a
 * symbolic link)?  Its records are then shown once; the merge warns. */
static int given_before(char **inputs, int i)
{
	struct stat a, b;

	if (stat(inputs[i], &a))
		return 0;
	for (int k = 0; k < i; k++)
		if (!stat(inputs[k], &b) && a.st_dev == b.st_dev &&
		    a.st_ino == b.st_ino)
			return 1;
	return 0;
}

/* Load INPUTS (run directories and build trees) into MODEL, and the
 * process records of the run directories into RUN. */
void report_cli_merge_opts(const struct report_cli *rc,
			   struct merge_opts *mo)
{
	mo->unexecuted = !rc->executed_only;
	mo->source_root = rc->opts.root ? rc->opts.root : ".";
}

static enum cr_err load_inputs(const struct report_cli *cli, char **inputs,
			       int n, struct cov_model *model,
			       struct collect_run *run, struct cr_error *err)
{
	struct merge_opts mo;
	char *dflt[1] = {".covrun"};
	int nruns = 0;
	struct stat st;

	memset(&mo, 0, sizeof(mo));
	mo.context_views = 1;
	mo.warn = merge_warn_cb;
	report_cli_merge_opts(cli, &mo);
	if (!n) {
		if (stat(dflt[0], &st) || !S_ISDIR(st.st_mode))
			return cr_error_set(err, CR_ENOENT, NULL, -1,
					    "no run directory '.covrun' here: "
					    "name a run directory or a build "
					    "tree");
		inputs = dflt;
		n = 1;
	}
	for (int i = 0; i < n; i++) {
		if (stat(inputs[i], &st) == 0 && S_ISREG(st.st_mode)) {
			nruns++; /* a bundle (a damaged one is left out) */
			continue;
		}
		if (stat(inputs[i], &st) || !S_ISDIR(st.st_mode))
			return cr_error_set(err, CR_ENOENT, inputs[i], -1,
					    "not a run directory, bundle or "
					    "build tree");
		if (is_run_dir(inputs[i])) {
			pid_t pid = cr_lock_holder(inputs[i]);
			if (pid)
				warnf("'%s' is in use by covrun (pid %ld): the "
				      "run is not over, the reports show what "
				      "it has written so far", inputs[i],
				      (long)pid);
			nruns++;
			if (!given_before(inputs, i))
				add_records(run, inputs[i]);
		}
	}
	if (nruns == n)
		return merge_load_runs((const char *const *)inputs, (size_t)n,
				       &mo, model, err);
	if (n == 1)
		return merge_load_tree(inputs[0], &mo, model, err);

	/* a mix: build trees count as one root context each */
	struct merge_set *set = merge_set_new(&mo);
	enum cr_err rc = CR_OK;
	for (int i = 0; i < n && !rc; i++) {
		struct cr_error bad;
		if (stat(inputs[i], &st) == 0 && S_ISREG(st.st_mode)) {
			if (merge_set_add_bundle(set, inputs[i], &bad))
				merge_set_left_out(set, &bad);
		} else if (is_run_dir(inputs[i])) {
			rc = merge_set_add_run(set, inputs[i], err);
		} else {
			uint32_t ctx = merge_set_context(set, inputs[i],
							 COLLECT_ROLE_ROOT, "");
			rc = merge_set_add_tree(set, inputs[i], ctx, err);
		}
	}
	if (!rc)
		rc = merge_set_read(set, err);
	if (!rc)
		rc = merge_set_model(set, model, err);
	merge_set_free(set);
	return rc;
}

/* Options and inputs of "covrun report", in any order: 0 and the inputs
 * in INPUTS (*N of them), 1 after --help, -1 after an error. */
static int parse_args(struct report_cli *rc, int argc, char **argv,
		      char **inputs, int *n)
{
	struct cli_parser p;
	const char *v;
	int key;

	cli_parser_init(&p, "report", 0, report_options, report_cli_options);
	while ((key = cli_parser_next(&p, argc, argv, &v)) > 0) {
		if (key == CLI_OPERAND) {
			inputs[(*n)++] = (char *)v;
		} else if (key == 'h') {
			usage(stdout);
			break;
		} else if (key == 'q') {
			cli_quiet = 1;
		} else if (report_cli_option(rc, key, v) <= 0) {
			key = -1;
			break;
		}
	}
	for (int i = p.next; key == 0 && i < argc; i++) /* after "--" */
		inputs[(*n)++] = argv[i];
	cli_parser_release(&p);
	return key < 0 ? -1 : key > 0;
}

int cmd_report(int argc, char **argv)
{
	struct report_cli *rc = report_cli_new();
	char **inputs = cr_xcalloc((size_t)argc + 1, sizeof(*inputs));
	int ninputs = 0, status;
	struct cov_model model;
	struct collect_run run;
	struct cr_error err;

	memset(&model, 0, sizeof(model));
	memset(&run, 0, sizeof(run));
	status = parse_args(rc, argc, argv, inputs, &ninputs);
	if (status) {
		status = status > 0 ? 0 : CLI_EXIT_FAILURE;
		goto out;
	}
	if (report_cli_check(rc)) {
		status = CLI_EXIT_FAILURE;
		goto out;
	}
	cr_error_clear(&err);
	if (load_inputs(rc, inputs, ninputs, &model, &run, &err)) {
		error_report(&err);
		status = CLI_EXIT_FAILURE;
		goto out;
	}
	status = report_cli_write(rc, &model, run.nrecords ? &run : NULL);
	if (!status && model.nskipped) {
		warnf("%u object%s left out for bad or stale data",
		      model.nskipped, model.nskipped == 1 ? "" : "s");
		status = CLI_EXIT_DATA_SKIPPED;
	}
out:
	cov_model_release(&model);
	collect_run_release(&run);
	report_cli_free(rc);
	free(inputs);
	return status;
}
