/* SPDX-License-Identifier: MIT
 * report/html.c: the HTML writer (report_html in report/report.h).
 *
 * Writes a self-contained directory: index.html (totals and the directory
 * tree), one page per source file, processes.html (contexts and process
 * images), style.css, report.js and, when Debian's libjs-highlight.js is
 * installed, a copy of highlight.min.js for syntax highlighting.  Pages
 * come from the templates in templates/ (embedded at build time) through
 * the "{name}" expander of report/template.c; every text taken from the
 * data (paths, source lines, function names, argv, labels) goes through
 * rp_html_escape.  Nothing is fetched from the network.
 *
 * Parts:
 *   - pieces: numbers, bars, cards
 *   - index: the directory tree
 *   - file pages
 *   - processes page
 *   - report_html
 */
#define _GNU_SOURCE
#include "report/internal.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define DEFAULT_HLJS_DIR "/usr/share/javascript/highlight.js"
#define CHUNK_LINES 250 /* lines per content-visibility block */
#define MAX_MARKS 8	/* branch marks shown per line */

struct html {
	const struct report_set *set;
	const struct report_opts *opts;
	const char *dir;
	const char *title;
	char *generator;	  /* owned */
	char **pages;		  /* owned; page name of each set file */
	int hljs;		  /* highlight.min.js was copied */
	struct cr_buf page, body; /* scratch */
};

/* ---- pieces ------------------------------------------------------------- */

static void add_u64(struct cr_buf *b, uint64_t v)
{
	char tmp[24];
	int n = 0;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		cr_buf_addc(b, tmp[--n]);
}

static void add_i64(struct cr_buf *b, int64_t v)
{
	if (v < 0) {
		cr_buf_addc(b, '-');
		add_u64(b, (uint64_t)0 - (uint64_t)v);
	} else {
		add_u64(b, (uint64_t)v);
	}
}

static void add_esc(struct cr_buf *b, const char *s)
{
	if (s)
		rp_html_escape(b, s, strlen(s));
}

/* A count as shown: "?" for a negative one (racing counters). */
static void add_count(struct cr_buf *b, int64_t v)
{
	if (v < 0)
		cr_buf_addc(b, '?');
	else
		add_u64(b, (uint64_t)v);
}

/* Short form of a count for the hits column: 999999, 1.2M, 3.4G. */
static void add_short(struct cr_buf *b, int64_t v)
{
	if (v < 1000000) {
		add_count(b, v);
		return;
	}
	double d = (double)v;
	const char *unit = "M";
	d /= 1e6;
	if (d >= 1000 || d <= -1000) {
		d /= 1000;
		unit = "G";
	}
	if (d >= 1000 || d <= -1000) {
		d /= 1000;
		unit = "T";
	}
	cr_buf_addf(b, "%.1f%s", d, unit);
}

static double pct_of(uint64_t c, uint64_t t)
{
	return t ? 100.0 * (double)c / (double)t : -1;
}

static const char *pct_class(uint64_t c, uint64_t t)
{
	double p = pct_of(c, t);
	if (p < 0)
		return "z";
	return p >= 90 ? "hi" : p >= 75 ? "mid" : "lo";
}

static void add_pct(struct cr_buf *b, uint64_t c, uint64_t t)
{
	char tmp[16];
	cr_buf_adds(b, rp_percent(tmp, sizeof(tmp), c, t));
}

/* Stacked bar root | child-only | not covered. */
static void add_bar(struct cr_buf *b, const struct report_split *s)
{
	if (!s->valid) {
		cr_buf_adds(b, "<div class=\"bar\"></div>");
		return;
	}
	cr_buf_addf(b,
		    "<div class=\"bar\" title=\"root %llu, child-only %llu, "
		    "not covered %llu of %llu\"><i class=\"r\" "
		    "style=\"width:%.2f%%\"></i><i class=\"c\" "
		    "style=\"width:%.2f%%\"></i><i class=\"u\" "
		    "style=\"width:%.2f%%\"></i></div>",
		    (unsigned long long)s->root,
		    (unsigned long long)s->child_only,
		    (unsigned long long)(s->valid - s->covered),
		    (unsigned long long)s->valid, pct_of(s->root, s->valid),
		    pct_of(s->child_only, s->valid),
		    pct_of(s->valid - s->covered, s->valid));
}

/* Card rows for what markers (MARKERS) and --root/--filter/--exclude
 * (FILTERS) took out of the totals of kind K (0 lines, 1 branches, 2
 * functions); nothing when both are 0 or NULL. */
static void add_left_out_rows(struct cr_buf *b, int k,
			      const struct report_left_out *markers,
			      const struct report_left_out *filters)
{
	const struct report_left_out *n[2] = {markers, filters};
	static const char *const what[2] = {"excluded by markers",
					    "left out by filters"};

	for (int i = 0; i < 2; i++) {
		if (!n[i])
			continue;
		uint64_t v = k == 0 ? n[i]->lines
			   : k == 1 ? n[i]->branches : n[i]->functions;
		if (v)
			cr_buf_addf(b, "<li class=\"lo\"><span><span "
				       "class=\"sw x\"></span>%s</span><b>"
				       "%llu</b></li>", what[i],
				    (unsigned long long)v);
	}
}

/* The totals cards; MARKERS and FILTERS (may be NULL) add rows for what
 * exclusions took out. */
static void add_cards(struct cr_buf *b, const struct report_split s[3],
		      const struct report_left_out *markers,
		      const struct report_left_out *filters)
{
	static const char *const kinds[3] = {"Lines", "Branches", "Functions"};

	for (int k = 0; k < 3; k++) {
		cr_buf_addf(b,
			    "<div class=\"card\" id=\"card-%c\"><h3>%s</h3>",
			    "lbf"[k], kinds[k]);
		cr_buf_addf(b, "<div class=\"pct %s\">",
			    pct_class(s[k].covered, s[k].valid));
		add_pct(b, s[k].covered, s[k].valid);
		cr_buf_addf(b, "<span class=\"of\">%llu of %llu</span></div>",
			    (unsigned long long)s[k].covered,
			    (unsigned long long)s[k].valid);
		add_bar(b, &s[k]);
		cr_buf_addf(b,
			    "<ul><li><span><span class=\"sw r\"></span>by "
			    "root</span><b>%llu</b></li>"
			    "<li><span><span class=\"sw c\"></span>only by "
			    "children</span><b>%llu</b></li>"
			    "<li><span><span class=\"sw u\"></span>not "
			    "covered</span><b>%llu</b></li>",
			    (unsigned long long)s[k].root,
			    (unsigned long long)s[k].child_only,
			    (unsigned long long)(s[k].valid - s[k].covered));
		add_left_out_rows(b, k, markers, filters);
		cr_buf_adds(b, "</ul></div>\n");
	}
}

/* "Excluded and left out" on the index: the files behind the cards'
 * excluded rows, so that excluded is never mistaken for absent. */
static void add_left_out_files(struct cr_buf *b, const struct report_set *set)
{
	if (!set->by_markers.files && !set->by_filters.files)
		return;
	cr_buf_adds(b, "<details class=\"leftout\"><summary>Excluded from "
		       "the totals: ");
	cr_buf_addf(b, "%u file%s by exclusion markers, %u file%s left out "
		       "by --root/--filter/--exclude</summary><ul>",
		    set->by_markers.files,
		    set->by_markers.files == 1 ? "" : "s",
		    set->by_filters.files,
		    set->by_filters.files == 1 ? "" : "s");
	for (uint32_t i = 0; i < set->nfiles + set->ndropped; i++) {
		int dropped = i >= set->nfiles;
		const struct report_left_out *n =
			dropped ? &set->dropped[i - set->nfiles].n
				: &set->files[i].excluded;
		if (!n->files)
			continue;
		cr_buf_adds(b, "<li><code>");
		add_esc(b, dropped ? set->dropped[i - set->nfiles].rel
				   : set->files[i].rel);
		cr_buf_addf(b, "</code> %s: %llu lines, %llu branches, %llu "
			       "functions</li>",
			    dropped ? "left out" : "markers",
			    (unsigned long long)n->lines,
			    (unsigned long long)n->branches,
			    (unsigned long long)n->functions);
	}
	cr_buf_adds(b, "</ul></details>\n");
}

static enum cr_err write_page(struct html *h, const char *name,
			      const char *tmpl, const struct rp_var *vars,
			      size_t nvars, struct cr_error *err)
{
	char *path = cr_path_join(h->dir, name);
	enum cr_err rc;

	cr_buf_reset(&h->page);
	rc = rp_expand(&h->page, rp_template_get(tmpl)->data, vars, nvars,
		       tmpl, err);
	if (!rc)
		rc = rp_write(path, h->page.buf, h->page.len, err);
	free(path);
	return rc;
}

/* ---- index: the directory tree ------------------------------------------ */

struct node {
	char *name;	/* owned; one path component (or several after
			   folding single-child directories) */
	int file;	/* index in set->files, -1 for a directory */
	uint32_t *kids; /* owned */
	uint32_t nkids, akids;
	struct report_split s[3];
};

struct tree {
	struct node *n; /* owned; n[0] is the root */
	uint32_t count, alloc;
};

static uint32_t node_new(struct tree *t, const char *name, size_t len,
			 int file)
{
	struct node *n;

	CR_GROW(t->n, t->count + 1, t->alloc);
	n = &t->n[t->count];
	memset(n, 0, sizeof(*n));
	n->name = cr_xstrndup(name, len);
	n->file = file;
	return t->count++;
}

static void node_add_kid(struct tree *t, uint32_t parent, uint32_t kid)
{
	struct node *p = &t->n[parent];
	CR_GROW(p->kids, p->nkids + 1, p->akids);
	p->kids[p->nkids++] = kid;
}

static void tree_build(struct tree *t, const struct report_set *set)
{
	memset(t, 0, sizeof(*t));
	node_new(t, "", 0, -1);
	for (uint32_t i = 0; i < set->nfiles; i++) {
		const char *p = set->files[i].rel;
		uint32_t cur = 0;
		struct report_split s[3];

		if (*p == '/') {
			/* outside the root: a top-level "/" directory */
			uint32_t k;
			for (k = 0; k < t->n[0].nkids; k++)
				if (!strcmp(t->n[t->n[0].kids[k]].name, "/"))
					break;
			if (k < t->n[0].nkids) {
				cur = t->n[0].kids[k];
			} else {
				uint32_t d = node_new(t, "/", 1, -1);
				node_add_kid(t, 0, d);
				cur = d;
			}
			p++;
		}
		for (;;) {
			const char *slash = strchr(p, '/');
			if (!slash)
				break;
			size_t len = (size_t)(slash - p);
			uint32_t k, found = 0;
			if (len) {
				for (k = 0; k < t->n[cur].nkids; k++) {
					struct node *c =
						&t->n[t->n[cur].kids[k]];
					if (c->file < 0 &&
					    strlen(c->name) == len &&
					    !memcmp(c->name, p, len)) {
						found = t->n[cur].kids[k];
						break;
					}
				}
				if (!found) {
					found = node_new(t, p, len, -1);
					node_add_kid(t, cur, found);
				}
				cur = found;
			}
			p = slash + 1;
		}
		uint32_t f = node_new(t, p, strlen(p), (int)i);
		node_add_kid(t, cur, f);
		report_split_files(set, &set->files[i], 1, s);
		memcpy(t->n[f].s, s, sizeof(s));
	}
}

static void tree_sum(struct tree *t, uint32_t id)
{
	struct node *n = &t->n[id];

	for (uint32_t k = 0; k < n->nkids; k++) {
		uint32_t kid = n->kids[k];
		tree_sum(t, kid);
		n = &t->n[id]; /* no realloc here, but stay safe */
		for (int j = 0; j < 3; j++) {
			n->s[j].valid += t->n[kid].s[j].valid;
			n->s[j].covered += t->n[kid].s[j].covered;
			n->s[j].root += t->n[kid].s[j].root;
			n->s[j].child_only += t->n[kid].s[j].child_only;
		}
	}
}

static void tree_release(struct tree *t)
{
	for (uint32_t i = 0; i < t->count; i++) {
		free(t->n[i].name);
		free(t->n[i].kids);
	}
	free(t->n);
}

static void add_num_cell(struct cr_buf *b, const char *cls, uint64_t v)
{
	cr_buf_addf(b, "<td%s%s%s data-v=\"%llu\">", cls ? " class=\"" : "",
		    cls ? cls : "", cls ? "\"" : "", (unsigned long long)v);
	add_u64(b, v);
	cr_buf_adds(b, "</td>");
}

static void add_pct_cell(struct cr_buf *b, uint64_t c, uint64_t t)
{
	cr_buf_addf(b,
		    "<td class=\"%s\" data-v=\"%.4f\" title=\"%llu of "
		    "%llu\">",
		    pct_class(c, t), pct_of(c, t), (unsigned long long)c,
		    (unsigned long long)t);
	add_pct(b, c, t);
	cr_buf_adds(b, "</td>");
}

static int name_cmp_nodes(const struct tree *t, uint32_t a, uint32_t b)
{
	const struct node *x = &t->n[a], *y = &t->n[b];
	if ((x->file < 0) != (y->file < 0))
		return x->file < 0 ? -1 : 1;
	return strcmp(x->name, y->name);
}

static void tree_rows(struct html *h, struct tree *t, uint32_t id,
		      uint32_t parent_row, unsigned depth, uint32_t *row)
{
	struct node *n = &t->n[id];
	struct cr_buf *b = &h->body;
	uint32_t me = ++*row;
	struct cr_buf name;

	cr_buf_init(&name);
	cr_buf_adds(&name, n->name);
	/* fold chains of directories with a single subdirectory */
	while (n->file < 0 && n->nkids == 1 && t->n[n->kids[0]].file < 0) {
		n = &t->n[n->kids[0]];
		if (name.len && name.buf[name.len - 1] != '/')
			cr_buf_addc(&name, '/');
		cr_buf_adds(&name, n->name);
	}
	cr_buf_addf(b, "<tr class=\"%s\" data-id=\"%u\" data-p=\"",
		    n->file < 0 ? "d" : "f", me);
	if (parent_row)
		add_u64(b, parent_row);
	cr_buf_addf(b,
		    "\" data-i=\"%u\"><td class=\"l name\" "
		    "style=\"--d:%u\" data-v=\"",
		    me, depth);
	add_esc(b, name.buf);
	cr_buf_adds(b, "\">");
	if (n->file < 0) {
		cr_buf_adds(b, "<button type=\"button\" class=\"tog\" "
			       "aria-label=\"fold\">&#9662;</button>");
		add_esc(b, name.buf);
		cr_buf_addc(b, '/');
	} else {
		cr_buf_adds(b, "<a href=\"");
		add_esc(b, h->pages[n->file]);
		cr_buf_adds(b, "\">");
		add_esc(b, name.buf);
		cr_buf_adds(b, "</a>");
	}
	cr_buf_adds(b, "</td><td class=\"l barc\" data-v=\"");
	cr_buf_addf(b, "%.4f\">", pct_of(n->s[0].covered, n->s[0].valid));
	add_bar(b, &n->s[0]);
	cr_buf_adds(b, "</td>");
	add_pct_cell(b, n->s[0].covered, n->s[0].valid);
	add_num_cell(b, NULL, n->s[0].root);
	add_num_cell(b, n->s[0].child_only ? "c" : "c z", n->s[0].child_only);
	add_num_cell(b, NULL, n->s[0].valid - n->s[0].covered);
	add_num_cell(b, NULL, n->s[0].valid);
	add_pct_cell(b, n->s[1].covered, n->s[1].valid);
	add_pct_cell(b, n->s[2].covered, n->s[2].valid);
	cr_buf_adds(b, "</tr>\n");
	cr_buf_release(&name);

	/* children: directories first, then files, by name */
	uint32_t *kids = n->kids;
	for (uint32_t i = 1; i < n->nkids; i++) {
		uint32_t v = kids[i], j = i;
		while (j > 0 && name_cmp_nodes(t, kids[j - 1], v) > 0) {
			kids[j] = kids[j - 1];
			j--;
		}
		kids[j] = v;
	}
	for (uint32_t i = 0; i < n->nkids; i++)
		tree_rows(h, t, kids[i], me, depth + 1, row);
}

static enum cr_err write_index(struct html *h, struct cr_error *err)
{
	const struct report_set *set = h->set;
	struct report_split s[3];
	struct tree t;
	struct cr_buf cards, leftout;
	char nfiles[32], nctx[32], date[64];
	time_t now =
		h->opts->timestamp ? (time_t)h->opts->timestamp : time(NULL);
	struct tm tm;
	enum cr_err rc;
	uint32_t row = 0;

	cr_buf_init(&cards);
	report_split_files(set, NULL, 0, s);
	add_cards(&cards, s, &set->by_markers, &set->by_filters);
	cr_buf_init(&leftout);
	add_left_out_files(&leftout, set);
	tree_build(&t, set);
	tree_sum(&t, 0);
	cr_buf_reset(&h->body);
	/* the root's children are the top rows */
	for (uint32_t i = 1; i < t.n[0].nkids; i++) {
		uint32_t v = t.n[0].kids[i], j = i;
		while (j > 0 &&
		       name_cmp_nodes(&t, t.n[0].kids[j - 1], v) > 0) {
			t.n[0].kids[j] = t.n[0].kids[j - 1];
			j--;
		}
		t.n[0].kids[j] = v;
	}
	for (uint32_t i = 0; i < t.n[0].nkids; i++)
		tree_rows(h, &t, t.n[0].kids[i], 0, 0, &row);
	snprintf(nfiles, sizeof(nfiles), "%u file%s", set->nfiles,
		 set->nfiles == 1 ? "" : "s");
	snprintf(nctx, sizeof(nctx), "%u context%s", set->model->ncontexts,
		 set->model->ncontexts == 1 ? "" : "s");
	gmtime_r(&now, &tm);
	strftime(date, sizeof(date), "%Y-%m-%d %H:%M UTC", &tm);
	struct rp_var vars[] = {
		{"generator", h->generator}, {"title", h->title},
		{"root", set->root},	     {"nfiles", nfiles},
		{"ncontexts", nctx},	     {"date", date},
		{"cards", cards.buf},	     {"rows", h->body.buf},
		{"leftout", leftout.buf},
	};
	rc = write_page(h, "index.html", "index.html", vars,
			sizeof(vars) / sizeof(vars[0]), err);
	cr_buf_release(&cards);
	cr_buf_release(&leftout);
	tree_release(&t);
	return rc;
}

/* ---- file pages --------------------------------------------------------- */

static const char *lang_of(const char *path)
{
	static const char *const cpp[] = {"c",	 "h",	"cc",  "cpp", "cxx",
					  "hpp", "hh",	"hxx", "C",   "H",
					  "inl", "ipp", "tcc", "c++", "h++"};
	const char *dot = strrchr(path, '.');
	const char *slash = strrchr(path, '/');

	if (!dot || (slash && dot < slash))
		return "";
	for (size_t i = 0; i < sizeof(cpp) / sizeof(cpp[0]); i++)
		if (!strcmp(dot + 1, cpp[i]))
			return "cpp";
	if (!strcmp(dot + 1, "py"))
		return "python";
	return "";
}

static const char *mark_class(enum report_mark m)
{
	return m == REPORT_MARK_ROOT	? "r"
	       : m == REPORT_MARK_CHILD ? "c"
					: "u";
}

static void add_counts_title(struct cr_buf *b, const char *what, int64_t all,
			     int64_t root, int64_t child)
{
	cr_buf_adds(b, what);
	add_i64(b, all);
	cr_buf_adds(b, " (root ");
	add_i64(b, root);
	cr_buf_adds(b, ", child ");
	add_i64(b, child);
	cr_buf_adds(b, ")");
	if (all < 0 || root < 0 || child < 0)
		cr_buf_adds(b, "; a negative count: counters raced between "
			       "threads, the item ran an unknown number of "
			       "times");
}

/* "; worker 10, helper 1": the contexts that ran line L, when the model
 * has per-context views and there are few enough contexts to list. */
static void add_contexts_title(struct cr_buf *b, const struct cov_model *m,
			       const struct cov_file *f, uint32_t l)
{
	int first = 1;

	if (m->ncontexts > 16 ||
	    m->nviews < COV_VIEW_FIRST_CONTEXT + m->ncontexts)
		return;
	for (uint32_t c = 0; c < m->ncontexts; c++) {
		int64_t v = f->views[COV_VIEW_FIRST_CONTEXT + c].line[l];
		if (!rp_ran(v))
			continue;
		cr_buf_adds(b, first ? "; by " : ", ");
		add_esc(b, m->contexts[c].id);
		cr_buf_addc(b, ' ');
		add_i64(b, v);
		first = 0;
	}
}

/* The branch marks of line CL (at most MAX_MARKS, then "+N"). */
static void line_branches(struct html *h, const struct report_file *rf,
			  const struct cov_line *cl)
{
	const struct cov_model *m = h->set->model;
	const struct cov_file *f = rf->file;
	struct cr_buf *b = &h->body;

	for (uint32_t k = 0; k < cl->nbranches; k++) {
		uint32_t bi = cl->first_branch + k;
		int64_t all = rp_branch_count(m, f, COV_VIEW_ALL, bi);
		if (k == MAX_MARKS) {
			cr_buf_addf(b, "<span class=\"bmore\" title=\"%u more "
				    "branches\">+%u</span>", cl->nbranches - k,
				    cl->nbranches - k);
			break;
		}
		cr_buf_addf(b, "<i class=\"b %s\" title=\"branch %u%s: ",
			    report_branch_excluded(rf, bi)
				    ? "x"
				    : mark_class(report_branch_mark(m, f, bi)),
			    k, f->branches[bi].flags & COV_BRANCH_THROW
				       ? " (throw)" : "");
		if (rp_ran(all))
			add_counts_title(
				b, "taken ", all,
				rp_branch_count(m, f, COV_VIEW_ROOT, bi),
				rp_branch_count(m, f, COV_VIEW_CHILD, bi));
		else
			cr_buf_adds(b, "not taken");
		if (report_branch_excluded(rf, bi))
			cr_buf_adds(b, "; excluded");
		cr_buf_adds(b, "\"></i>");
	}
}

/* The count cell of line index LI (CL; NULL: a line without code). */
static void line_hits(struct html *h, const struct report_file *rf,
		      const struct cov_line *cl, uint32_t li)
{
	const struct cov_model *m = h->set->model;
	const struct cov_file *f = rf->file;
	struct cr_buf *b = &h->body;
	int64_t all;

	cr_buf_adds(b, "</span><span class=\"ht\"");
	if (!cl) {
		cr_buf_addc(b, '>');
		return;
	}
	all = rp_line_count(m, f, COV_VIEW_ALL, li);
	cr_buf_adds(b, " title=\"");
	add_counts_title(b,
			 report_line_excluded(rf, li) ? "excluded; ran "
						      : "ran ",
			 all, rp_line_count(m, f, COV_VIEW_ROOT, li),
			 rp_line_count(m, f, COV_VIEW_CHILD, li));
	add_contexts_title(b, m, f, li);
	cr_buf_adds(b, "\">");
	add_short(b, all);
}

/* The class of line index LI (CL; NULL: a line without code), counting
 * child-only and missed lines. */
static const char *line_class(struct html *h, const struct report_file *rf,
			      const struct cov_line *cl, uint32_t li,
			      uint64_t *nchild, uint64_t *nmiss)
{
	enum report_mark mk;

	if (!cl)
		return "";
	if (report_line_excluded(rf, li))
		return "x";
	mk = report_line_mark(h->set->model, rf->file, li);
	*nchild += mk == REPORT_MARK_CHILD;
	*nmiss += mk == REPORT_MARK_NONE;
	return mark_class(mk);
}

static void file_lines(struct html *h, const struct report_file *rf,
		       const struct rp_source *src, uint64_t *nchild,
		       uint64_t *nmiss)
{
	const struct cov_file *f = rf->file;
	struct cr_buf *b = &h->body;
	uint32_t last = src->nlines;
	uint32_t li = 0;

	if (f->nlines && f->lines[f->nlines - 1].line > last)
		last = f->lines[f->nlines - 1].line;
	for (uint32_t n = 1; n <= last; n++) {
		const struct cov_line *cl = NULL;
		const char *cls, *text;
		size_t len;

		if ((n - 1) % CHUNK_LINES == 0)
			cr_buf_adds(b, n == 1 ? "<div class=\"ck\">"
					      : "</div><div class=\"ck\">");
		while (li < f->nlines && f->lines[li].line < n)
			li++;
		if (li < f->nlines && f->lines[li].line == n)
			cl = &f->lines[li];
		cls = line_class(h, rf, cl, li, nchild, nmiss);
		cr_buf_adds(b, "<div class=\"ln");
		if (*cls) {
			cr_buf_addc(b, ' ');
			cr_buf_adds(b, cls);
		}
		cr_buf_adds(b, "\" id=\"L");
		add_u64(b, n);
		cr_buf_adds(b, "\"><span class=\"no\">");
		add_u64(b, n);
		line_hits(h, rf, cl, li);
		cr_buf_adds(b, "</span><span class=\"bx\">");
		if (cl)
			line_branches(h, rf, cl);
		cr_buf_adds(b, "</span><code class=\"s\">");
		text = rp_source_line(src, n, &len);
		rp_html_escape(b, text, len);
		cr_buf_adds(b, "</code></div>\n");
	}
	if (last)
		cr_buf_adds(b, "</div>");
}

static void file_functions(struct html *h, const struct report_file *rf,
			   const char *page, struct cr_buf *b)
{
	const struct cov_model *m = h->set->model;
	const struct cov_file *f = rf->file;

	for (uint32_t i = 0; i < f->nfunctions; i++) {
		const struct cov_function *fn = &f->functions[i];
		const char *cls =
			report_function_excluded(rf, i)
				? "x"
				: mark_class(report_function_mark(m, f, i));
		int64_t all = rp_function_count(m, f, COV_VIEW_ALL, i);

		cr_buf_addf(
			b,
			"<tr class=\"fn-%s\" data-i=\"%u\"><td class=\"l\" "
			"data-v=\"",
			cls, i);
		add_esc(b, fn->demangled ? fn->demangled : fn->name);
		cr_buf_addf(b,
			    "\"><span class=\"sw %s\" title=\"%s\"></span>"
			    "<code>",
			    cls,
			    *cls == 'r'	  ? "called by root"
			    : *cls == 'c' ? "called only by children"
			    : *cls == 'x' ? "excluded"
					  : "never called");
		add_esc(b, fn->demangled ? fn->demangled : fn->name);
		cr_buf_addf(b, "</code></td><td data-v=\"%u\"><a href=\"",
			    fn->start_line);
		add_esc(b, page);
		cr_buf_addf(b, "#L%u\">%u</a></td>", fn->start_line,
			    fn->start_line);
		cr_buf_adds(b, "<td data-v=\"");
		add_i64(b, all);
		cr_buf_adds(b, "\">");
		add_count(b, all);
		cr_buf_adds(b, "</td>");
		for (uint32_t v = COV_VIEW_ROOT; v <= COV_VIEW_CHILD; v++) {
			int64_t c = rp_function_count(m, f, v, i);
			cr_buf_adds(b, "<td data-v=\"");
			add_i64(b, c);
			cr_buf_adds(b, "\">");
			add_count(b, c);
			cr_buf_adds(b, "</td>");
		}
		cr_buf_adds(b, "</tr>\n");
	}
}

static enum cr_err write_file_page(struct html *h, uint32_t idx,
				   struct cr_error *err)
{
	const struct report_file *rf = &h->set->files[idx];
	const struct cov_file *f = rf->file;
	static const struct rp_source unread; /* no text, no lines */
	const struct rp_source *src = rf->source ? rf->source : &unread;
	struct report_split s[3];
	struct cr_buf cards, fns, note;
	char nchild_s[24], nmiss_s[24], nfn[16];
	uint64_t nchild = 0, nmiss = 0;
	enum cr_err rc;

	cr_buf_init(&cards);
	cr_buf_init(&fns);
	cr_buf_init(&note);
	report_split_files(h->set, rf, 1, s);
	add_cards(&cards, s, &rf->excluded, NULL);
	file_functions(h, rf, h->pages[idx], &fns);
	if (!rf->source) {
		cr_buf_adds(&note, "<p class=\"note\">The source file <code>");
		add_esc(&note, f->path);
		cr_buf_adds(&note,
			    "</code> could not be read when this report "
			    "was written: only line numbers and counts "
			    "are shown.</p>");
	}
	cr_buf_reset(&h->body);
	file_lines(h, rf, src, &nchild, &nmiss);
	snprintf(nchild_s, sizeof(nchild_s), "%llu",
		 (unsigned long long)nchild);
	snprintf(nmiss_s, sizeof(nmiss_s), "%llu", (unsigned long long)nmiss);
	snprintf(nfn, sizeof(nfn), "%u", f->nfunctions);
	struct rp_var vars[] = {
		{"generator", h->generator},
		{"title", h->title},
		{"path", rf->rel},
		{"cards", cards.buf},
		{"note", note.buf},
		{"nfunctions", nfn},
		{"fnsopen", f->nfunctions <= 12 ? " open" : ""},
		{"functions", fns.buf},
		{"nchild", nchild_s},
		{"nmiss", nmiss_s},
		{"lang", h->hljs ? lang_of(f->path) : ""},
		{"hljs", h->hljs ? "<script src=\"highlight.min.js\" "
				   "defer></script>"
				 : ""},
		{"lines", h->body.buf},
	};
	rc = write_page(h, h->pages[idx], "file.html", vars,
			sizeof(vars) / sizeof(vars[0]), err);
	cr_buf_release(&cards);
	cr_buf_release(&fns);
	cr_buf_release(&note);
	return rc;
}

/* "f12-name.c.html": a page name that is safe on every file system and in
 * an href, unique by its number. */
static char *page_name(uint32_t idx, const char *rel)
{
	const char *base = strrchr(rel, '/');
	struct cr_buf b;
	size_t n = 0;

	base = base ? base + 1 : rel;
	cr_buf_init(&b);
	cr_buf_addf(&b, "f%u-", idx);
	for (const char *p = base; *p && n < 60; p++, n++) {
		char c = *p;
		int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			 (c >= '0' && c <= '9') || c == '.' || c == '_' ||
			 c == '-';
		cr_buf_addc(&b, ok ? c : '_');
	}
	cr_buf_adds(&b, ".html");
	return cr_buf_take(&b);
}

/* ---- processes page ----------------------------------------------------- */



static void end_text(const struct collect_record *r, struct cr_buf *b)
{
	switch (r->end) {
	case COLLECT_END_EXIT: cr_buf_addf(b, "exit %d", r->status); break;
	case COLLECT_END__EXIT: cr_buf_addf(b, "_exit %d", r->status); break;
	case COLLECT_END_SIGNAL: cr_buf_addf(b, "signal %d", r->status); break;
	case COLLECT_END_EXEC: cr_buf_adds(b, "exec"); break;
	default: cr_buf_adds(b, "no trace"); break;
	}
}

struct proc_tree {
	const struct collect_run *run;
	struct collect_tree tree;
	int64_t t0;    /* first start */
};

static void proc_row(struct html *h, struct proc_tree *pt, size_t i,
		     unsigned depth)
{
	const struct collect_record *r = &pt->run->records[i];
	struct cr_buf *b = &h->body;

	cr_buf_addf(b,
		    "<tr data-i=\"%zu\"><td class=\"tree mono\" "
		    "style=\"--d:%u\" data-v=\"%zu\">",
		    i, depth > 40 ? 40 : depth, i);
	add_esc(b, r->id);
	cr_buf_addf(b,
		    "</td><td data-v=\"%ld\">%ld</td><td class=\"l\">%s"
		    "</td><td class=\"l\"><span class=\"role %s\">%s</span>"
		    "</td><td class=\"l\">",
		    (long)r->pid, (long)r->pid, collect_how_name(r->how),
		    collect_role_name(r->role), collect_role_name(r->role));
	add_esc(b, r->label);
	cr_buf_adds(b, "</td><td class=\"argv mono\"><b>");
	add_esc(b, r->exe);
	cr_buf_adds(b, "</b>");
	for (int k = 1; r->argv && k < r->argc && r->argv[k]; k++) {
		cr_buf_addc(b, ' ');
		add_esc(b, r->argv[k]);
	}
	if (r->argv_truncated)
		cr_buf_adds(b, " &hellip;");
	cr_buf_addf(b, "</td><td data-v=\"%.6f\">%.3f</td>",
		    (double)(r->start_ns - pt->t0) / 1e9,
		    (double)(r->start_ns - pt->t0) / 1e9);
	if (r->end_ns)
		cr_buf_addf(b, "<td data-v=\"%.6f\">%.3f</td>",
			    (double)(r->end_ns - r->start_ns) / 1e9,
			    (double)(r->end_ns - r->start_ns) / 1e9);
	else
		cr_buf_adds(b, "<td data-v=\"-1\">&ndash;</td>");
	cr_buf_adds(b, "<td class=\"l\">");
	end_text(r, b);
	cr_buf_adds(b, "</td></tr>\n");
	for (size_t k = 0; k < pt->tree.nkids[i]; k++)
		proc_row(h, pt, pt->tree.kids[i][k], depth + 1);
}

static void proc_rows(struct html *h, const struct collect_run *run)
{
	struct proc_tree pt;

	pt.run = run;
	pt.t0 = run->nrecords ? run->records[0].start_ns : 0;
	for (size_t i = 0; i < run->nrecords; i++)
		if (run->records[i].start_ns &&
		    run->records[i].start_ns < pt.t0)
			pt.t0 = run->records[i].start_ns;
	collect_tree_build(run, &pt.tree);
	for (size_t k = 0; k < pt.tree.ntops; k++)
		proc_row(h, &pt, pt.tree.tops[k], 0);
	collect_tree_release(&pt.tree);
}

static void context_rows(struct html *h, struct cr_buf *b)
{
	const struct report_set *set = h->set;
	const struct cov_model *m = set->model;
	uint32_t nc = m->ncontexts;
	uint64_t *covered = cr_xcalloc(nc + 1, sizeof(*covered));
	uint64_t *only = cr_xcalloc(nc + 1, sizeof(*only));
	int per_context = m->nviews >= COV_VIEW_FIRST_CONTEXT + nc;

	for (uint32_t i = 0; per_context && i < set->nfiles; i++) {
		const struct report_file *rf = &set->files[i];
		const struct cov_file *f = rf->file;
		for (uint32_t l = 0; l < f->nlines; l++) {
			uint32_t hits = 0, who = 0;
			if (report_line_excluded(rf, l))
				continue;
			for (uint32_t c = 0; c < nc; c++) {
				if (rp_ran(f->views[COV_VIEW_FIRST_CONTEXT + c]
						   .line[l])) {
					covered[c]++;
					hits++;
					who = c;
				}
			}
			if (hits == 1)
				only[who]++;
		}
	}
	for (uint32_t c = 0; c < nc; c++) {
		const struct cov_context *cx = &m->contexts[c];
		cr_buf_addf(b, "<tr data-i=\"%u\"><td class=\"l mono\">", c);
		add_esc(b, cx->id);
		cr_buf_addf(b,
			    "</td><td class=\"l\"><span class=\"role %s\">"
			    "%s</span></td><td class=\"l mono\">",
			    collect_role_name(cx->role),
			    collect_role_name(cx->role));
		add_esc(b, cx->exe);
		cr_buf_adds(b, "</td><td class=\"l\">");
		add_esc(b, cx->label);
		cr_buf_addf(b, "</td><td data-v=\"%u\">%u</td>", cx->nimages,
			    cx->nimages);
		if (per_context)
			cr_buf_addf(b,
				    "<td data-v=\"%llu\">%llu</td>"
				    "<td data-v=\"%llu\">%llu</td>",
				    (unsigned long long)covered[c],
				    (unsigned long long)covered[c],
				    (unsigned long long)only[c],
				    (unsigned long long)only[c]);
		else
			cr_buf_adds(b, "<td data-v=\"-1\">&ndash;</td>"
				       "<td data-v=\"-1\">&ndash;</td>");
		cr_buf_adds(b, "</tr>\n");
	}
	free(covered);
	free(only);
}

static enum cr_err write_processes(struct html *h, struct cr_error *err)
{
	const struct collect_run *run = h->opts->run;
	struct cr_buf ctx, note;
	char nprocs[24];
	enum cr_err rc;

	cr_buf_init(&ctx);
	cr_buf_init(&note);
	context_rows(h, &ctx);
	cr_buf_reset(&h->body);
	if (run && run->nrecords)
		proc_rows(h, run);
	else
		cr_buf_adds(&note,
			    "<p class=\"note\">No process records: this "
			    "report was made from gcov data written in "
			    "place, so every count is filed under one "
			    "root context.</p>");
	snprintf(nprocs, sizeof(nprocs), "%zu", run ? run->nrecords : 0);
	struct rp_var vars[] = {
		{"generator", h->generator},
		{"title", h->title},
		{"contexts", ctx.buf},
		{"nprocs", nprocs},
		{"procnote", note.buf},
		{"procs", h->body.buf},
		{"procshide", run && run->nrecords ? "" : " hidden"},
	};
	rc = write_page(h, "processes.html", "processes.html", vars,
			sizeof(vars) / sizeof(vars[0]), err);
	cr_buf_release(&ctx);
	cr_buf_release(&note);
	return rc;
}

/* ---- report_html -------------------------------------------------------- */

/* Remove file pages of an earlier report in DIR ("f<N>-*.html" that this
 * report does not write), so no stale page stays reachable by name. */
static void remove_stale_pages(struct html *h)
{
	DIR *d = opendir(h->dir);
	struct dirent *e;

	if (!d)
		return;
	while ((e = readdir(d)) != NULL) {
		const char *n = e->d_name;
		size_t len = strlen(n);
		const char *p = n + 1;
		int ours = 0;

		if (n[0] != 'f' || len < 7 || strcmp(n + len - 5, ".html"))
			continue;
		while (*p >= '0' && *p <= '9')
			p++;
		if (p == n + 1 || *p != '-')
			continue;
		for (uint32_t i = 0; i < h->set->nfiles && !ours; i++)
			ours = !strcmp(h->pages[i], n);
		if (!ours) {
			char *path = cr_path_join(h->dir, n);
			(void)unlink(path);
			free(path);
		}
	}
	closedir(d);
}

static enum cr_err copy_asset(struct html *h, const char *name,
			      struct cr_error *err)
{
	const struct rp_template *t = rp_template_get(name);
	char *path = cr_path_join(h->dir, name);
	enum cr_err rc = rp_write(path, t->data, t->len, err);

	free(path);
	return rc;
}

/* Copy Debian's highlight.min.js when there is one.  Not finding it is
 * not an error: the pages then show plain text. */
static enum cr_err copy_hljs(struct html *h, struct cr_error *err)
{
	const char *dir =
		h->opts->hljs_dir ? h->opts->hljs_dir : DEFAULT_HLJS_DIR;
	char *src, *dst;
	size_t len = 0;
	struct cr_error ignored;
	enum cr_err rc = CR_OK;
	int fd;

	if (!*dir)
		return CR_OK;
	src = cr_path_join(dir, "highlight.min.js");
	/* copied by the kernel, not read: 850 kB read into the process were
	 * half of a small report's page faults */
	if (!cr_open_regular(src, CR_READ_MAX, &fd, &len, &ignored)) {
		if (len) {
			dst = cr_path_join(h->dir, "highlight.min.js");
			rc = cr_write_fd_atomic(dst, fd, len, err);
			free(dst);
			h->hljs = !rc;
		}
		close(fd);
	}
	free(src);
	return rc;
}

enum cr_err report_html(const struct report_set *set, const char *dir,
			const struct report_opts *opts,
			struct report_result *res, struct cr_error *err)
{
	struct html h;
	enum cr_err rc;

	memset(&h, 0, sizeof(h));
	h.set = set;
	h.opts = opts;
	h.dir = dir;
	h.title = opts->title ? opts->title : "covrun report";
	h.generator =
		cr_xasprintf("%s", opts->version ? opts->version : "covrun");
	cr_buf_init(&h.page);
	cr_buf_init(&h.body);
	h.pages = cr_xcalloc(set->nfiles + 1, sizeof(*h.pages));
	for (uint32_t i = 0; i < set->nfiles; i++)
		h.pages[i] = page_name(i, set->files[i].rel);

	rc = cr_mkdir_p(dir, err);
	if (!rc)
		remove_stale_pages(&h);
	if (!rc)
		rc = copy_asset(&h, "style.css", err);
	if (!rc)
		rc = copy_asset(&h, "report.js", err);
	if (!rc)
		rc = copy_hljs(&h, err);
	if (!rc)
		rc = write_index(&h, err);
	for (uint32_t i = 0; !rc && i < set->nfiles; i++)
		rc = write_file_page(&h, i, err);
	if (!rc)
		rc = write_processes(&h, err);
	if (!rc && res) {
		res->html_pages = set->nfiles + 2;
		res->html_highlight = h.hljs;
	}
	for (uint32_t i = 0; i < set->nfiles; i++)
		free(h.pages[i]);
	free(h.pages);
	free(h.generator);
	cr_buf_release(&h.page);
	cr_buf_release(&h.body);
	return rc;
}
