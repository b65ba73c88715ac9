/* SPDX-License-Identifier: MIT
 * report/report.h: the report module's interface.
 *
 * Every writer reads the data model of merge/merge.h and nothing else (plus,
 * for the processes page and the JSON file, the process records of
 * collect/collect.h when the caller has them).  Reporting is two steps:
 *
 *   1. report_select() applies the filters (--root, --filter, --exclude,
 *      system headers, exclusion markers in the sources) and yields a
 *      struct report_set: the chosen files, sorted by their path relative to
 *      the source root, with what the markers exclude and the source text
 *      (each source is read once per report).  The model is only read.
 *   2. Each writer (report_cobertura, report_html, report_json, report_lcov,
 *      report_summary) writes one output from that set.
 *
 * report_write_all() does both for the outputs named in struct report_opts;
 * it is what "covrun run" and "covrun report" call.  Writers never print:
 * failures come back as enum cr_err plus struct cr_error, and things the
 * user should hear about (a Cobertura file over GitLab's limit) come back
 * in struct report_result.
 *
 * Attribution (docs/design.md): a line, branch or function is "covered by root"
 * when the root view's count is > 0, "child-only" when the root view's count
 * is <= 0 and the child view's count is > 0, "not covered" otherwise.
 */
#ifndef COVRUN_REPORT_H
#define COVRUN_REPORT_H

#include "collect/collect.h"
#include "merge/merge.h"

#include <stdio.h>

/* ---- totals ------------------------------------------------------------ */

/* One kind (lines, branches or functions) split by attribution. */
struct report_split {
	uint64_t valid;	     /* not excluded */
	uint64_t covered;    /* view "all" count > 0 */
	uint64_t root;	     /* covered by a root context */
	uint64_t child_only; /* covered only by child contexts */
};

/* Attribution of one item. */
enum report_mark {
	REPORT_MARK_NONE = 0,  /* not covered */
	REPORT_MARK_ROOT = 1,  /* covered by root (maybe also children) */
	REPORT_MARK_CHILD = 2, /* covered only by child processes */
};

/* ---- options ----------------------------------------------------------- */

enum report_summary_mode {
	REPORT_SUMMARY_NONE = 0,
	REPORT_SUMMARY_TOTAL, /* the totals table */
	REPORT_SUMMARY_FULL,  /* plus one row per directory */
};

/* What to report and where.  Zero-initialise, then set what you need;
 * NULL paths mean "do not write this output". */
struct report_opts {
	/* selection */
	const char *root;	    /* source root; NULL = current directory */
	const char *const *filters; /* ERE; keep files matching any */
	size_t nfilters;	    /* 0 = keep files under the root */
	const char *const *excludes; /* ERE; drop files matching any */
	size_t nexcludes;
	int keep_system; /* keep /usr/include & co */
	int no_markers;	 /* ignore LCOV_EXCL_* etc. in sources */

	/* outputs */
	const char *cobertura; /* Cobertura XML file */
	int cobertura_split;   /* also FILE-root.xml and FILE-child.xml */
	uint64_t cobertura_max_size; /* bytes per file, 0 = one file */
	const char *html;	     /* HTML directory */
	const char *json;	     /* JSON file */
	const char *lcov;	     /* lcov tracefile */
	FILE *summary_out;	     /* where the summary goes (NULL = none) */
	enum report_summary_mode summary;

	/* decoration */
	const char *title;	       /* page title; NULL = "covrun report" */
	const char *version;	       /* tool version for Cobertura/JSON */
	int64_t timestamp;	       /* epoch seconds; 0 = now */
	const struct collect_run *run; /* process records, may be NULL */
	const char *hljs_dir;	       /* highlight.js dir; NULL = Debian's;
					  "" = no syntax highlighting */

	/* thresholds in millionths of a percent (83.8% = 83800000), exact
	 * as the user wrote them; < 0 = not checked (set them to -1!) */
	int64_t fail_under_line, fail_under_branch, fail_under_function;
};

/* Set OPTS to defaults: all zero except the thresholds (-1). */
void report_opts_init(struct report_opts *opts);

/* ---- selection --------------------------------------------------------- */

/* Items an exclusion took out of the totals. */
struct report_left_out {
	uint32_t files; /* files it touched (in a total) */
	uint64_t lines, branches, functions;
};

struct rp_source; /* a source's text split into lines (report/) */

struct report_file {
	const struct cov_file *file; /* in the model */
	char *rel;		     /* owned; path relative to the root ('/'-
					separated), absolute when outside it */
	uint32_t nnegative;	     /* lines with a negative count (racing
					counters), and the first of them */
	uint32_t first_negative;
	struct report_left_out excluded; /* by exclusion markers */
	/* Per line, branch and function index of FILE: 1 where an exclusion
	 * marker takes the item out (owned; NULL when nothing is). */
	uint8_t *line_excluded, *branch_excluded, *function_excluded;
	struct rp_source *source; /* owned; NULL when it was not read */
};

static inline int report_line_excluded(const struct report_file *rf,
				       uint32_t l)
{
	return rf->line_excluded && rf->line_excluded[l];
}

static inline int report_branch_excluded(const struct report_file *rf,
					 uint32_t b)
{
	return rf->branch_excluded && rf->branch_excluded[b];
}

static inline int report_function_excluded(const struct report_file *rf,
					   uint32_t fn)
{
	return rf->function_excluded && rf->function_excluded[fn];
}

/* A file of the model left out by --root, --filter or --exclude. */
struct report_dropped {
	char *rel;			/* owned; as report_file.rel */
	struct report_left_out n;	/* its lines, branches, functions */
};

struct report_set {
	const struct cov_model *model;
	char *root; /* owned; absolute root, no trailing '/' */
	uint32_t nfiles;
	struct report_file *files; /* owned; sorted by rel */
	uint32_t nmarker_files; /* files whose sources had exclusion markers */
	struct report_left_out by_markers; /* summed over files */
	uint32_t ndropped;
	struct report_dropped *dropped; /* owned; sorted by rel */
	struct report_left_out by_filters; /* summed over dropped */
	uint32_t nnot_run;	/* selected files of which no line ran */
	uint32_t nunreadable;	/* sources that could not be read */
	uint32_t nrefused;	/* of them, sources that exist but are no
				   regular file or too large: */
	struct cr_error *refused; /* owned; why, one per source */
	uint32_t noutside;	/* selected files outside the root (kept by
				   --filter): their rel is absolute */
	int root_guessed;	/* no --root and no selected source under the
				   current directory: root is the selected
				   sources' common directory */
};

/* Apply the selection options of OPTS to MODEL and fill SET: the files
 * kept, what exclusion markers in their sources take out (unless
 * opts->no_markers), and their source text when markers or the HTML need
 * it.  A source that cannot be read is not an error (it has no markers).
 * Fails with CR_EUSAGE on a bad regular expression.  Release SET with
 * report_set_release. */
enum cr_err report_select(const struct cov_model *model,
			  const struct report_opts *opts,
			  struct report_set *set, struct cr_error *err) CR_WUR;
void report_set_release(struct report_set *set);

/* Mark in RF (whose file is RF->file) what exclusion markers in SRC (LEN
 * bytes) take out: {LCOV,GCOVR,COVRUN}_EXCL_{LINE,START,STOP} and
 * {LCOV,GCOVR,COVRUN}_EXCL_BR_{LINE,START,STOP}.  Returns the number of
 * markers seen.  Cannot fail. */
unsigned report_apply_markers(struct report_file *rf, const char *src,
			      size_t len);

/* Attribution of line index L (branch B, function F) of file F. */
enum report_mark report_line_mark(const struct cov_model *m,
				  const struct cov_file *f, uint32_t l);
enum report_mark report_branch_mark(const struct cov_model *m,
				    const struct cov_file *f, uint32_t b);
enum report_mark report_function_mark(const struct cov_model *m,
				      const struct cov_file *f, uint32_t fn);

/* Split totals over the files FILES[0..N) of SET (all when FILES is NULL):
 * OUT[0] lines, OUT[1] branches, OUT[2] functions.  Cannot fail. */
void report_split_files(const struct report_set *set,
			const struct report_file *files, uint32_t n,
			struct report_split out[3]);

/* ---- writers ----------------------------------------------------------- */

/* What the writers want the user to know (the CLI prints it). */
struct report_result {
	uint64_t cobertura_bytes; /* size of the largest Cobertura file */
	unsigned cobertura_parts; /* files written for the main view */
	int cobertura_too_big;	  /* a file is over GitLab's 10 MiB */
	unsigned html_pages;	  /* pages written */
	int html_highlight;	  /* highlight.js was found and copied */
	int empty;		  /* no selected line has data: nothing was
				     written (an empty report would read as
				     100% to some consumers) */
};

/* A view for report_cobertura beside merge's COV_VIEW_*: the child view's
 * counts of the items no root process reached (the summary's and the
 * HTML's "child-only"), 0 elsewhere. */
#define REPORT_VIEW_CHILD_ONLY ((uint32_t)-1)

#define REPORT_GITLAB_MAX_SIZE ((uint64_t)10 * 1024 * 1024)

/* Write Cobertura XML (coverage-04.dtd) of VIEW to PATH.  With
 * opts->cobertura_max_size, files are split by directory into PATH with
 * "-1", "-2", ... before the extension when one would be too big.
 * Written atomically.  Fails with CR_EIO naming the file. */
enum cr_err report_cobertura(const struct report_set *set, uint32_t view,
			     const char *path, const struct report_opts *opts,
			     struct report_result *res,
			     struct cr_error *err) CR_WUR;

/* Write the HTML report into directory DIR (created when missing): index,
 * one page per file, the processes page, style sheet and script. */
enum cr_err report_html(const struct report_set *set, const char *dir,
			const struct report_opts *opts,
			struct report_result *res,
			struct cr_error *err) CR_WUR;

/* Write the JSON file ("format": "covrun-1") to PATH. */
enum cr_err report_json(const struct report_set *set, const char *path,
			const struct report_opts *opts,
			struct cr_error *err) CR_WUR;

/* Write an lcov tracefile (view "all") to PATH. */
enum cr_err report_lcov(const struct report_set *set, const char *path,
			const struct report_opts *opts,
			struct cr_error *err) CR_WUR;

/* Print the summary table to OUT (MODE: total or full).  Cannot fail. */
void report_summary(FILE *out, const struct report_set *set,
		    enum report_summary_mode mode);

/* Parse a percentage "0" to "100" with at most 6 decimals and an optional
 * '%' into millionths of a percent.  Returns 0, or -1 when S is not one. */
int report_parse_percent(const char *s, int64_t *micro);

/* Check the --fail-under-* thresholds on exact ratios (covered / valid
 * against the threshold as written, no rounding).  Returns the number that
 * failed and puts one line per failed threshold into MSG, separated by
 * newlines, e.g. "line coverage 83.79% (8379 of 10000) is below
 * --fail-under-line 83.8%": the percentage has as many decimals as it
 * takes to show that it is below. */
int report_check_thresholds(const struct report_set *set,
			    const struct report_opts *opts, char *msg,
			    size_t size);

/* Select, then write every output OPTS names (Cobertura, its role split,
 * HTML, JSON, lcov, summary).  Stops at the first failure.  When the
 * selection holds no line, writes nothing and sets res->empty. */
enum cr_err report_write_all(const struct cov_model *model,
			     const struct report_opts *opts,
			     struct report_set *set, struct report_result *res,
			     struct cr_error *err) CR_WUR;

#endif /* COVRUN_REPORT_H */
