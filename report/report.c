/* SPDX-License-Identifier: MIT
 * report/report.c: selection, attribution and totals shared by every
 * writer (interface: report/report.h).
 *
 * Parts:
 *   - counts and marks: reading a view of the model, root / child-only /
 *     not covered
 *   - selection: --root, --filter, --exclude, system headers, exclusion
 *     markers
 *   - totals and thresholds
 *   - report_write_all: the one call the CLI makes
 */
#define _GNU_SOURCE
#include "report/internal.h"

#include <assert.h>
#include <errno.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- counts and marks -------------------------------------------------- */

/* The count of VIEW in array ARRAY (line, branch or function) at index I;
 * REPORT_VIEW_CHILD_ONLY is the child view where rp_mark says child-only
 * (root view not above 0), else 0. */
#define VIEW_COUNT(m, f, view, array, i)                                     \
	((view) == REPORT_VIEW_CHILD_ONLY                                     \
		 ? child_only((m), (f)->views[COV_VIEW_ROOT].array[i],       \
			      (f)->views[COV_VIEW_CHILD].array[i])           \
	 : (view) >= (m)->nviews ? 0 : (f)->views[view].array[i])

static int64_t child_only(const struct cov_model *m, int64_t root,
			  int64_t child)
{
	if (m->nviews <= COV_VIEW_CHILD)
		return 0;
	return !rp_ran(root) && rp_ran(child) ? child : 0;
}

int64_t rp_line_count(const struct cov_model *m, const struct cov_file *f,
		      uint32_t view, uint32_t l)
{
	return VIEW_COUNT(m, f, view, line, l);
}

int64_t rp_branch_count(const struct cov_model *m, const struct cov_file *f,
			uint32_t view, uint32_t b)
{
	return VIEW_COUNT(m, f, view, branch, b);
}

int64_t rp_function_count(const struct cov_model *m, const struct cov_file *f,
			  uint32_t view, uint32_t fn)
{
	return VIEW_COUNT(m, f, view, function, fn);
}

enum report_mark rp_mark(int64_t all, int64_t root, int64_t child)
{
	if (rp_ran(root))
		return REPORT_MARK_ROOT;
	if (rp_ran(child))
		return REPORT_MARK_CHILD;
	/* all ran with neither: only when views disagree; call it root */
	return rp_ran(all) ? REPORT_MARK_ROOT : REPORT_MARK_NONE;
}

enum report_mark report_line_mark(const struct cov_model *m,
				  const struct cov_file *f, uint32_t l)
{
	return rp_mark(rp_line_count(m, f, COV_VIEW_ALL, l),
		       rp_line_count(m, f, COV_VIEW_ROOT, l),
		       rp_line_count(m, f, COV_VIEW_CHILD, l));
}

enum report_mark report_branch_mark(const struct cov_model *m,
				    const struct cov_file *f, uint32_t b)
{
	return rp_mark(rp_branch_count(m, f, COV_VIEW_ALL, b),
		       rp_branch_count(m, f, COV_VIEW_ROOT, b),
		       rp_branch_count(m, f, COV_VIEW_CHILD, b));
}

enum report_mark report_function_mark(const struct cov_model *m,
				      const struct cov_file *f, uint32_t fn)
{
	return rp_mark(rp_function_count(m, f, COV_VIEW_ALL, fn),
		       rp_function_count(m, f, COV_VIEW_ROOT, fn),
		       rp_function_count(m, f, COV_VIEW_CHILD, fn));
}

void report_opts_init(struct report_opts *opts)
{
	memset(opts, 0, sizeof(*opts));
	opts->fail_under_line = -1;
	opts->fail_under_branch = -1;
	opts->fail_under_function = -1;
}

/* ---- selection --------------------------------------------------------- */

static const char *const system_prefixes[] = {
	"/usr/include/", "/usr/local/include/", "/usr/lib/", "/usr/lib64/",
	"/usr/libexec/", "/usr/share/",		"/opt/rh/",  "<built-in>",
};

static int is_system(const char *path)
{
	for (size_t i = 0;
	     i < sizeof(system_prefixes) / sizeof(system_prefixes[0]); i++)
		if (!strncmp(path, system_prefixes[i],
			     strlen(system_prefixes[i])))
			return 1;
	return 0;
}

/* PATH relative to ROOT when under it, else a copy of PATH. */
static char *relative_to(const char *root, const char *path)
{
	size_t n = strlen(root);

	if (!strcmp(root, "/"))
		return cr_xstrdup(path[0] == '/' ? path + 1 : path);
	if (!strncmp(path, root, n) && path[n] == '/' && path[n + 1])
		return cr_xstrdup(path + n + 1);
	return cr_xstrdup(path);
}

static int is_under(const char *root, const char *path)
{
	size_t n = strlen(root);

	if (!strcmp(root, "/"))
		return path[0] == '/';
	return !strncmp(path, root, n) && path[n] == '/';
}

static int match_any(const regex_t *re, size_t n, const char *rel,
		     const char *abs);

/* Without --root, the root is the current directory; when no selected
 * source lies under it (tests run from an out-of-source build directory),
 * the common directory of the selected sources (those FRE, the compiled
 * --filter patterns, keep) is the root instead, so that report paths stay
 * relative (GitLab ignores absolute Cobertura file names).  Returns that
 * directory (caller frees), or NULL to keep the current directory. */
static char *guess_root(const struct cov_model *model,
			const struct report_opts *opts, const regex_t *fre,
			const char *cwd)
{
	char *common = NULL;

	if (opts->root)
		return NULL;
	for (uint32_t i = 0; i < model->nfiles; i++) {
		const char *path = model->files[i].path;
		if ((!opts->keep_system && is_system(path)) || path[0] != '/')
			continue;
		if (opts->nfilters) {
			char *rel = relative_to(cwd, path);
			int keep = match_any(fre, opts->nfilters, rel, path);
			free(rel);
			if (!keep)
				continue;
		}
		if (is_under(cwd, path)) {
			free(common);
			return NULL;
		}
		if (!common) {
			common = cr_path_dirname(path);
			continue;
		}
		while (strcmp(common, "/") && !is_under(common, path)) {
			char *up = cr_path_dirname(common);
			free(common);
			common = up;
		}
	}
	if (common && !strcmp(common, "/")) {
		free(common);
		return NULL;
	}
	return common;
}

static int compile_all(const char *const *pats, size_t n, regex_t *out,
		       const char *opt, struct cr_error *err)
{
	for (size_t i = 0; i < n; i++) {
		int rc = regcomp(&out[i], pats[i], REG_EXTENDED | REG_NOSUB);
		if (rc) {
			char msg[256];
			regerror(rc, &out[i], msg, sizeof(msg));
			for (size_t j = 0; j < i; j++)
				regfree(&out[j]);
			cr_error_set(err, CR_EUSAGE, NULL, -1,
				     "bad regular expression '%s' for %s: %s",
				     pats[i], opt, msg);
			return -1;
		}
	}
	return 0;
}

static int match_any(const regex_t *re, size_t n, const char *rel,
		     const char *abs)
{
	for (size_t i = 0; i < n; i++)
		if (!regexec(&re[i], rel, 0, NULL, 0) ||
		    !regexec(&re[i], abs, 0, NULL, 0))
			return 1;
	return 0;
}

static int file_cmp(const void *a, const void *b)
{
	const struct report_file *x = a, *y = b;

	return strcmp(x->rel, y->rel);
}

/* Is there a marker "<KIND>_EXCL_<WHAT>" (KIND one of LCOV, GCOVR,
 * COVRUN) in LINE?  Returns a bit set of the markers found. */
enum marker {
	M_LINE = 1 << 0,
	M_START = 1 << 1,
	M_STOP = 1 << 2,
	M_BR_LINE = 1 << 3,
	M_BR_START = 1 << 4,
	M_BR_STOP = 1 << 5,
};

static unsigned markers_in(const char *s, size_t len)
{
	unsigned found = 0;
	const char *end = s + len;

	for (const char *p = s;
	     (p = memmem(p, (size_t)(end - p), "_EXCL_", 6)) != NULL; p += 6) {
		size_t before = (size_t)(p - s);
		int kind = (before >= 4 && !memcmp(p - 4, "LCOV", 4)) ||
			   (before >= 5 && !memcmp(p - 5, "GCOVR", 5)) ||
			   (before >= 6 && !memcmp(p - 6, "COVRUN", 6));
		if (!kind)
			continue;
		const char *w = p + 6;
		size_t left = (size_t)(end - w);
		int br = 0;
		if (left >= 3 && !memcmp(w, "BR_", 3)) {
			br = 1;
			w += 3;
			left -= 3;
		}
		if (left >= 4 && !memcmp(w, "LINE", 4))
			found |= br ? M_BR_LINE : M_LINE;
		else if (left >= 5 && !memcmp(w, "START", 5))
			found |= br ? M_BR_START : M_START;
		else if (left >= 4 && !memcmp(w, "STOP", 4))
			found |= br ? M_BR_STOP : M_STOP;
	}
	return found;
}

/* RF's marker arrays, allocated on the first marker. */
static void want_marks(struct report_file *rf)
{
	const struct cov_file *f = rf->file;

	if (rf->line_excluded)
		return;
	rf->line_excluded = cr_xcalloc(f->nlines + 1, 1);
	rf->branch_excluded = cr_xcalloc(f->nbranches + 1, 1);
	rf->function_excluded = cr_xcalloc(f->nfunctions + 1, 1);
}

unsigned report_apply_markers(struct report_file *rf, const char *src,
			      size_t len)
{
	const struct cov_file *file = rf->file;
	unsigned nmarkers = 0;
	int in_region = 0, in_br_region = 0;
	uint32_t lineno = 0, li = 0;
	const char *p = src, *end = src + len;

	/* Fast path: no marker anywhere. */
	if (!memmem(src, len, "_EXCL_", 6))
		return 0;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		unsigned m = markers_in(p, n);
		int ex_line, ex_br;

		lineno++;
		if (m) {
			nmarkers++;
			want_marks(rf);
		}
		if (m & M_START)
			in_region = 1;
		if (m & M_BR_START)
			in_br_region = 1;
		ex_line = in_region || (m & M_LINE);
		ex_br = ex_line || in_br_region || (m & M_BR_LINE);
		if (m & M_STOP)
			in_region = 0;
		if (m & M_BR_STOP)
			in_br_region = 0;

		while (li < file->nlines && file->lines[li].line < lineno)
			li++;
		if (li < file->nlines && file->lines[li].line == lineno) {
			const struct cov_line *cl = &file->lines[li];
			if (ex_line)
				rf->line_excluded[li] = 1;
			if (ex_br)
				memset(rf->branch_excluded + cl->first_branch,
				       1, cl->nbranches);
		}
		if (ex_line)
			for (uint32_t fn = 0; fn < file->nfunctions; fn++)
				if (file->functions[fn].start_line == lineno)
					rf->function_excluded[fn] = 1;
		p = nl ? nl + 1 : end;
	}
	return nmarkers;
}

/* Whether some line of F ran (a file with no line never "ran"). */
static int file_ran(const struct cov_model *m, const struct cov_file *f)
{
	for (uint32_t l = 0; l < f->nlines; l++)
		if (rp_ran(rp_line_count(m, f, COV_VIEW_ALL, l)))
			return 1;
	return !f->nlines;
}

/* Lines of RF with a negative count in the view of every process. */
static void count_negative(const struct cov_model *m, struct report_file *rf)
{
	const struct cov_file *f = rf->file;

	for (uint32_t l = 0; l < f->nlines; l++) {
		if (report_line_excluded(rf, l) ||
		    rp_line_count(m, f, COV_VIEW_ALL, l) >= 0)
			continue;
		if (!rf->nnegative++)
			rf->first_negative = f->lines[l].line;
	}
}

/* What file F has. */
static struct report_left_out items_of(const struct cov_file *f)
{
	struct report_left_out n = { 0, f->nlines, f->nbranches,
				     f->nfunctions };

	n.files = n.lines || n.branches || n.functions;
	return n;
}

/* What exclusion markers take out of RF. */
static struct report_left_out excluded_of(const struct report_file *rf)
{
	const struct cov_file *f = rf->file;
	struct report_left_out n = { 0, 0, 0, 0 };

	for (uint32_t l = 0; l < f->nlines; l++)
		n.lines += report_line_excluded(rf, l);
	for (uint32_t b = 0; b < f->nbranches; b++)
		n.branches += report_branch_excluded(rf, b);
	for (uint32_t fn = 0; fn < f->nfunctions; fn++)
		n.functions += report_function_excluded(rf, fn);
	n.files = n.lines || n.branches || n.functions;
	return n;
}

static void add_left_out(struct report_left_out *to,
			 const struct report_left_out *n)
{
	to->files += n->files;
	to->lines += n->lines;
	to->branches += n->branches;
	to->functions += n->functions;
}

/* Note file F (relative path REL, owned) as left out by the selection. */
static void drop_file(struct report_set *set, const struct cov_file *f,
		      char *rel)
{
	struct report_dropped *d = &set->dropped[set->ndropped++];

	d->rel = rel;
	d->n = items_of(f);
	add_left_out(&set->by_filters, &d->n);
}

static int dropped_cmp(const void *a, const void *b)
{
	const struct report_dropped *x = a, *y = b;

	return strcmp(x->rel, y->rel);
}

/* Read RF's source once, for its exclusion markers (unless NO_MARKERS)
 * and for the HTML writer (KEEP_TEXT); with neither, only its type and
 * size are checked.  A source that exists but is refused unread (a FIFO, a
 * device, too large) is kept in SET->refused: the caller names it and the
 * report is incomplete (README.md, "Exit status").  What the markers took
 * out of the totals is noted in RF and SET. */
static void read_source(struct report_set *set, struct report_file *rf,
			int no_markers, int keep_text)
{
	const char *path = rf->file->path;
	struct rp_source *src = cr_xcalloc(1, sizeof(*src));
	struct cr_error e;
	size_t size;
	int fd, ok;

	if (no_markers && !keep_text) {
		ok = cr_open_regular(path, CR_READ_MAX, &fd, &size, &e) ==
		     CR_OK;
		if (ok)
			close(fd);
	} else {
		ok = rp_source_load(path, src, &e);
	}
	if (ok && !no_markers && report_apply_markers(rf, src->text,
						      src->len))
		set->nmarker_files++;
	if (!ok) {
		set->nunreadable++;
		if (e.code != CR_ENOENT) {
			set->refused = cr_xrealloc(set->refused,
				(set->nrefused + 1) * sizeof(*set->refused));
			set->refused[set->nrefused++] = e;
		}
	}
	if (ok && keep_text) {
		rf->source = src;
	} else {
		rp_source_release(src);
		free(src);
	}
	rf->excluded = excluded_of(rf);
	add_left_out(&set->by_markers, &rf->excluded);
}

enum cr_err report_select(const struct cov_model *model,
			  const struct report_opts *opts,
			  struct report_set *set, struct cr_error *err)
{
	regex_t *fre = NULL, *xre = NULL;
	enum cr_err rc = CR_OK;

	memset(set, 0, sizeof(*set));
	set->model = model;
	set->root = cr_path_absolute(opts->root ? opts->root : ".");
	if (strlen(set->root) > 1 && set->root[strlen(set->root) - 1] == '/')
		set->root[strlen(set->root) - 1] = '\0';
	fre = cr_xcalloc(opts->nfilters + 1, sizeof(*fre));
	xre = cr_xcalloc(opts->nexcludes + 1, sizeof(*xre));
	if (compile_all(opts->filters, opts->nfilters, fre, "--filter", err)) {
		rc = CR_EUSAGE;
		goto out;
	}
	if (compile_all(opts->excludes, opts->nexcludes, xre, "--exclude",
			err)) {
		for (size_t i = 0; i < opts->nfilters; i++)
			regfree(&fre[i]);
		rc = CR_EUSAGE;
		goto out;
	}
	char *guess = guess_root(model, opts, fre, set->root);
	if (guess) {
		free(set->root);
		set->root = guess;
		set->root_guessed = 1;
	}

	set->files = cr_xcalloc(model->nfiles + 1, sizeof(*set->files));
	set->dropped = cr_xcalloc(model->nfiles + 1, sizeof(*set->dropped));
	for (uint32_t i = 0; i < model->nfiles; i++) {
		const struct cov_file *f = &model->files[i];
		char *rel;

		if (!opts->keep_system && is_system(f->path))
			continue;
		rel = relative_to(set->root, f->path);
		if ((opts->nfilters
			     ? !match_any(fre, opts->nfilters, rel, f->path)
			     : !is_under(set->root, f->path)) ||
		    match_any(xre, opts->nexcludes, rel, f->path)) {
			drop_file(set, f, rel);
			continue;
		}
		struct report_file *rf = &set->files[set->nfiles++];
		rf->file = f;
		rf->rel = rel;
		read_source(set, rf, opts->no_markers, opts->html != NULL);
		set->noutside += rel[0] == '/';
		count_negative(model, rf);
		set->nnot_run += !file_ran(model, f);
	}
	qsort(set->files, set->nfiles, sizeof(*set->files), file_cmp);
	qsort(set->dropped, set->ndropped, sizeof(*set->dropped),
	      dropped_cmp);
	for (size_t i = 0; i < opts->nfilters; i++)
		regfree(&fre[i]);
	for (size_t i = 0; i < opts->nexcludes; i++)
		regfree(&xre[i]);
out:
	free(fre);
	free(xre);
	if (rc)
		report_set_release(set);
	return rc;
}

void report_set_release(struct report_set *set)
{
	for (uint32_t i = 0; i < set->nfiles; i++) {
		struct report_file *rf = &set->files[i];
		free(rf->rel);
		free(rf->line_excluded);
		free(rf->branch_excluded);
		free(rf->function_excluded);
		if (rf->source)
			rp_source_release(rf->source);
		free(rf->source);
	}
	free(set->files);
	for (uint32_t i = 0; i < set->ndropped; i++)
		free(set->dropped[i].rel);
	free(set->dropped);
	free(set->root);
	free(set->refused);
	memset(set, 0, sizeof(*set));
}

/* ---- totals and thresholds --------------------------------------------- */

static void split_add(struct report_split *s, int64_t all,
		      enum report_mark mark)
{
	s->valid++;
	s->covered += rp_ran(all);
	s->root += mark == REPORT_MARK_ROOT;
	s->child_only += mark == REPORT_MARK_CHILD;
}

void report_split_files(const struct report_set *set,
			const struct report_file *files, uint32_t n,
			struct report_split out[3])
{
	const struct cov_model *m = set->model;

	if (!files) {
		files = set->files;
		n = set->nfiles;
	}
	memset(out, 0, 3 * sizeof(*out));
	assert(n <= set->nfiles);
	for (uint32_t i = 0; i < n; i++) {
		const struct report_file *rf = &files[i];
		const struct cov_file *f = rf->file;
		for (uint32_t l = 0; l < f->nlines; l++)
			if (!report_line_excluded(rf, l))
				split_add(&out[0], rp_line_count(m, f, 0, l),
					  report_line_mark(m, f, l));
		for (uint32_t b = 0; b < f->nbranches; b++)
			if (!report_branch_excluded(rf, b))
				split_add(&out[1], rp_branch_count(m, f, 0, b),
					  report_branch_mark(m, f, b));
		for (uint32_t fn = 0; fn < f->nfunctions; fn++)
			if (!report_function_excluded(rf, fn))
				split_add(&out[2],
					  rp_function_count(m, f, 0, fn),
					  report_function_mark(m, f, fn));
	}
}

int report_parse_percent(const char *s, int64_t *micro)
{
	int64_t whole = 0, frac = 0;
	int ndigits = 0, nfrac = 0;
	const char *p = s;

	for (; *p >= '0' && *p <= '9' && ndigits < 4; p++, ndigits++)
		whole = whole * 10 + (*p - '0');
	if (*p == '.')
		for (p++; *p >= '0' && *p <= '9' && nfrac < 6; p++, nfrac++)
			frac = frac * 10 + (*p - '0');
	if (*p == '%')
		p++;
	if (*p || (!ndigits && !nfrac))
		return -1;
	for (int k = nfrac; k < 6; k++)
		frac *= 10;
	*micro = whole * 1000000 + frac;
	return *micro > 100000000 ? -1 : 0;
}

/* Whether COVERED / VALID >= MICRO millionths of a percent, exactly. */
static int gate_met(uint64_t covered, uint64_t valid, int64_t micro)
{
	return (unsigned __int128)covered * 100000000u >=
	       (unsigned __int128)(uint64_t)micro * valid;
}

/* "83.8%" from millionths of a percent, without trailing zeros. */
static void format_micro(char *buf, size_t size, int64_t micro)
{
	int len = snprintf(buf, size, "%lld.%06lld", (long long)(micro / 1000000),
			   (long long)(micro % 1000000));

	while (len > 0 && buf[len - 1] == '0')
		buf[--len] = '\0';
	if (len > 0 && buf[len - 1] == '.')
		buf[--len] = '\0';
	snprintf(buf + len, size - (size_t)len, "%%");
}

/* The actual percentage with the fewest decimals (at least one) whose
 * rounded value is visibly below the threshold WANT. */
static void format_below(char *buf, size_t size, uint64_t covered,
			 uint64_t valid, int64_t want)
{
	for (int d = 1; d <= 9; d++) {
		rp_percent_digits(buf, size, covered, valid, d);
		int64_t shown = 0, frac = 0;
		int nfrac = 0;
		const char *p = buf;
		for (; *p >= '0' && *p <= '9'; p++)
			shown = shown * 10 + (*p - '0');
		for (p++; *p >= '0' && *p <= '9' && nfrac < 6; p++, nfrac++)
			frac = frac * 10 + (*p - '0');
		for (; nfrac < 6; nfrac++)
			frac *= 10;
		if (shown * 1000000 + frac < want)
			return;
	}
}

int report_check_thresholds(const struct report_set *set,
			    const struct report_opts *opts, char *msg,
			    size_t size)
{
	static const char *const what[3] = {"line", "branch", "function"};
	struct report_split s[3];
	int64_t want[3] = {opts->fail_under_line, opts->fail_under_branch,
			   opts->fail_under_function};
	int failed = 0;
	size_t used = 0;

	if (size)
		msg[0] = '\0';
	report_split_files(set, NULL, 0, s);
	for (int k = 0; k < 3; k++) {
		char have[48], need[32];
		if (want[k] < 0 || !s[k].valid ||
		    gate_met(s[k].covered, s[k].valid, want[k]))
			continue;
		format_below(have, sizeof(have), s[k].covered, s[k].valid,
			     want[k]);
		format_micro(need, sizeof(need), want[k]);
		if (used < size) {
			int n = snprintf(msg + used, size - used,
				 "%s%s coverage %s (%llu of %llu) is below "
				 "--fail-under-%s %s",
				 failed ? "\n" : "", what[k], have,
				 (unsigned long long)s[k].covered,
				 (unsigned long long)s[k].valid, what[k],
				 need);
			used += n > 0 ? (size_t)n : 0;
		}
		failed++;
	}
	return failed;
}

/* ---- report_write_all --------------------------------------------------- */

char *rp_path_with_suffix(const char *path, const char *suffix)
{
	const char *slash = strrchr(path, '/');
	const char *dot = strrchr(path, '.');

	if (!dot || (slash && dot < slash) ||
	    dot == (slash ? slash + 1 : path))
		return cr_xasprintf("%s-%s", path, suffix);
	return cr_xasprintf("%.*s-%s%s", (int)(dot - path), path, suffix, dot);
}

enum cr_err report_write_all(const struct cov_model *model,
			     const struct report_opts *opts,
			     struct report_set *set, struct report_result *res,
			     struct cr_error *err)
{
	enum cr_err rc;

	memset(res, 0, sizeof(*res));
	rc = report_select(model, opts, set, err);
	if (rc)
		return rc;
	struct report_split totals[3];
	report_split_files(set, NULL, 0, totals);
	if (!totals[0].valid) {
		res->empty = 1;
		return CR_OK;
	}
	if (opts->cobertura) {
		rc = report_cobertura(set, COV_VIEW_ALL, opts->cobertura, opts,
				      res, err);
		if (!rc && opts->cobertura_split) {
			static const enum collect_role roles[2] = {
				COLLECT_ROLE_ROOT, COLLECT_ROLE_CHILD};
			static const uint32_t views[2] = {
				COV_VIEW_ROOT, REPORT_VIEW_CHILD_ONLY};
			for (int r = 0; r < 2 && !rc; r++) {
				struct report_result sub;
				char *p = rp_path_with_suffix(
					opts->cobertura,
					collect_role_name(roles[r]));
				memset(&sub, 0, sizeof(sub));
				rc = report_cobertura(set, views[r],
						      p, opts, &sub, err);
				free(p);
				if (sub.cobertura_too_big)
					res->cobertura_too_big = 1;
			}
		}
		if (rc)
			return rc;
	}
	if (opts->html && (rc = report_html(set, opts->html, opts, res, err)))
		return rc;
	if (opts->json && (rc = report_json(set, opts->json, opts, err)))
		return rc;
	if (opts->lcov && (rc = report_lcov(set, opts->lcov, opts, err)))
		return rc;
	if (opts->summary_out && opts->summary != REPORT_SUMMARY_NONE)
		report_summary(opts->summary_out, set, opts->summary);
	return CR_OK;
}
