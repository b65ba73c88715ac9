/* SPDX-License-Identifier: MIT
 * report/cobertura.c: the Cobertura XML writer (report_cobertura in
 * report/report.h), the only file of covrun that uses libxml2.
 *
 * Output follows the profile of docs/cobertura.md (what consumers read): the
 * coverage-04 DOCTYPE, exactly one <source> (the absolute root), class
 * filenames relative to it, one class per file named after its basename,
 * one package per directory, every attribute the DTD requires and no
 * other, rates formatted as gcovr formats them, hits clamped to
 * 0..2147483647, branch lines with condition-coverage "P% (k/n)" and one
 * <condition>, methods with name and signature unique per class.
 *
 * Parts:
 *   - classes: each file becomes one <class> element, written into a
 *     memory buffer of its own together with its totals
 *   - parts: classes are grouped into packages, and packages into files no
 *     bigger than --cobertura-max-size (by directory; a directory too big
 *     for one file is cut between classes)
 *   - documents: the prolog, <coverage> with the part's totals, <sources>
 */
#define _GNU_SOURCE
#include "report/internal.h"

#include <libxml/xmlwriter.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define DTD_URL "http://cobertura.sourceforge.net/xml/coverage-04.dtd"

/* One <class> element, ready to be pasted into a document. */
struct chunk {
	char *pkg;  /* owned; package name ('.'-separated) */
	char *name; /* owned; class name */
	const struct report_file *rf;
	char *xml; /* owned */
	size_t len;
	uint64_t lines_valid, lines_covered;
	uint64_t branches_valid, branches_covered;
};

/* ---- classes ------------------------------------------------------------ */

static int64_t clamp_hits(int64_t v)
{
	v = rp_known(v);
	if (v > 2147483647)
		return 2147483647;
	return v;
}

/* Split a demangled name into name and signature at the parenthesis that
 * matches the last ')': "ns::f(int) const" -> "ns::f", "(int) const". */
static void name_and_signature(const char *dem, char **name, char **sig)
{
	const char *close = strrchr(dem, ')');
	int depth = 0;

	if (close) {
		for (const char *p = close; p >= dem; p--) {
			if (*p == ')')
				depth++;
			else if (*p == '(' && --depth == 0) {
				if (p == dem)
					break;
				*name = cr_xstrndup(dem, (size_t)(p - dem));
				*sig = cr_xstrdup(p);
				return;
			}
		}
	}
	*name = cr_xstrdup(dem);
	*sig = cr_xstrdup("()");
}

/* Attribute writers that keep the first failure in *FAIL. */
struct w {
	xmlTextWriterPtr x;
	int fail;
};

static void start(struct w *w, const char *el)
{
	if (xmlTextWriterStartElement(w->x, BAD_CAST el) < 0)
		w->fail = 1;
}

static void end(struct w *w)
{
	if (xmlTextWriterEndElement(w->x) < 0)
		w->fail = 1;
}

static void attr(struct w *w, const char *name, const char *value)
{
	if (xmlTextWriterWriteAttribute(w->x, BAD_CAST name, BAD_CAST value) <
	    0)
		w->fail = 1;
}

static void attr_clean(struct w *w, const char *name, const char *value)
{
	char *v = rp_utf8_clean(value, strlen(value), 1);
	attr(w, name, v);
	free(v);
}

static void attr_u(struct w *w, const char *name, uint64_t v)
{
	char buf[32];
	snprintf(buf, sizeof(buf), "%llu", (unsigned long long)v);
	attr(w, name, buf);
}

/* Cobertura itself and gcovr floor condition-coverage, but some consumers
 * read "0%" as a missed line: some coverage is at least 1% (README,
 * "Rounding"). */
static unsigned condition_percent(uint64_t covered, uint64_t total)
{
	unsigned pct = (unsigned)(100 * covered / total);

	return covered && !pct ? 1 : pct;
}

static void attr_rate(struct w *w, const char *name, uint64_t c, uint64_t t)
{
	char buf[32];
	attr(w, name, rp_rate(buf, c, t));
}

static void raw(struct w *w, const char *s)
{
	if (xmlTextWriterWriteRaw(w->x, BAD_CAST s) < 0)
		w->fail = 1;
}

/* Write one <line> of line index L. */
static void write_line(struct w *w, const struct cov_model *m,
		       const struct report_file *rf, uint32_t view, uint32_t l,
		       uint64_t *bvalid, uint64_t *bcovered)
{
	const struct cov_file *f = rf->file;
	const struct cov_line *cl = &f->lines[l];
	uint64_t bt = 0, bc = 0;
	char buf[64];

	for (uint32_t b = 0; b < cl->nbranches; b++) {
		uint32_t bi = cl->first_branch + b;
		if (report_branch_excluded(rf, bi))
			continue;
		bt++;
		bc += rp_ran(rp_branch_count(m, f, view, bi));
	}
	start(w, "line");
	attr_u(w, "number", cl->line);
	attr_u(w, "hits", (uint64_t)clamp_hits(rp_line_count(m, f, view, l)));
	if (bt) {
		unsigned pct = condition_percent(bc, bt);
		attr(w, "branch", "true");
		snprintf(buf, sizeof(buf), "%u%% (%llu/%llu)", pct,
			 (unsigned long long)bc, (unsigned long long)bt);
		attr(w, "condition-coverage", buf);
		start(w, "conditions");
		start(w, "condition");
		attr(w, "number", "0");
		attr(w, "type", "jump");
		snprintf(buf, sizeof(buf), "%u%%", pct);
		attr(w, "coverage", buf);
		end(w);
		end(w);
	} else {
		attr(w, "branch", "false");
	}
	end(w);
	if (bvalid) {
		*bvalid += bt;
		*bcovered += bc;
	}
}

/* Totals of the lines of function FN (all functions when FN < 0). */
static void line_totals(const struct cov_model *m,
			const struct report_file *rf, uint32_t view,
			int32_t fn, uint64_t t[4])
{
	const struct cov_file *f = rf->file;

	memset(t, 0, 4 * sizeof(*t));
	for (uint32_t l = 0; l < f->nlines; l++) {
		const struct cov_line *cl = &f->lines[l];
		if (report_line_excluded(rf, l) ||
		    (fn >= 0 && cl->function != fn))
			continue;
		t[0]++;
		t[1] += rp_ran(rp_line_count(m, f, view, l));
		for (uint32_t b = 0; b < cl->nbranches; b++) {
			uint32_t bi = cl->first_branch + b;
			if (report_branch_excluded(rf, bi))
				continue;
			t[2]++;
			t[3] += rp_ran(rp_branch_count(m, f, view, bi));
		}
	}
}

struct method {
	char *name, *sig; /* owned */
	uint32_t fn;	  /* first function of that name and signature */
};

static int method_cmp(const void *a, const void *b)
{
	const struct method *x = a, *y = b;
	int c = strcmp(x->name, y->name);
	if (!c)
		c = strcmp(x->sig, y->sig);
	if (!c)
		c = (x->fn > y->fn) - (x->fn < y->fn);
	return c;
}

static void write_methods(struct w *w, const struct cov_model *m,
			  const struct report_file *rf, uint32_t view)
{
	const struct cov_file *f = rf->file;
	struct method *ms = cr_xcalloc(f->nfunctions + 1, sizeof(*ms));
	uint32_t n = 0;

	for (uint32_t i = 0; i < f->nfunctions; i++) {
		const struct cov_function *fn = &f->functions[i];
		if (report_function_excluded(rf, i))
			continue;
		name_and_signature(fn->demangled ? fn->demangled : fn->name,
				   &ms[n].name, &ms[n].sig);
		ms[n].fn = i;
		n++;
	}
	/* Duplicates (C++ constructor clones, ...) are written once. */
	qsort(ms, n, sizeof(*ms), method_cmp);
	start(w, "methods");
	for (uint32_t i = 0; i < n; i++) {
		uint64_t t[4];
		if (i && !strcmp(ms[i].name, ms[i - 1].name) &&
		    !strcmp(ms[i].sig, ms[i - 1].sig))
			continue;
		line_totals(m, rf, view, (int32_t)ms[i].fn, t);
		start(w, "method");
		attr_clean(w, "name", ms[i].name);
		attr_clean(w, "signature", ms[i].sig);
		attr_rate(w, "line-rate", t[1], t[0]);
		attr_rate(w, "branch-rate", t[3], t[2]);
		attr(w, "complexity", "0.0");
		start(w, "lines");
		for (uint32_t l = 0; l < f->nlines; l++)
			if (!report_line_excluded(rf, l) &&
			    f->lines[l].function == (int32_t)ms[i].fn)
				write_line(w, m, rf, view, l, NULL, NULL);
		end(w);
		end(w);
	}
	end(w);
	for (uint32_t i = 0; i < n; i++) {
		free(ms[i].name);
		free(ms[i].sig);
	}
	free(ms);
}

/* Build the <class> chunk of C->rf for VIEW. */
static int build_class(struct chunk *c, const struct cov_model *m,
		       uint32_t view)
{
	const struct cov_file *f = c->rf->file;
	xmlBufferPtr buf = xmlBufferCreate();
	struct w w = {NULL, 0};
	uint64_t t[4];

	if (!buf)
		return -1;
	w.x = xmlNewTextWriterMemory(buf, 0);
	if (!w.x) {
		xmlBufferFree(buf);
		return -1;
	}
	line_totals(m, c->rf, view, -1, t);
	c->lines_valid = t[0];
	c->lines_covered = t[1];
	c->branches_valid = t[2];
	c->branches_covered = t[3];
	start(&w, "class");
	attr_clean(&w, "name", c->name);
	attr_clean(&w, "filename", c->rf->rel);
	attr_rate(&w, "line-rate", t[1], t[0]);
	attr_rate(&w, "branch-rate", t[3], t[2]);
	attr(&w, "complexity", "0.0");
	write_methods(&w, m, c->rf, view);
	start(&w, "lines");
	for (uint32_t l = 0; l < f->nlines; l++)
		if (!report_line_excluded(c->rf, l))
			write_line(&w, m, c->rf, view, l, NULL, NULL);
	end(&w);
	end(&w);
	raw(&w, "\n");
	if (xmlTextWriterFlush(w.x) < 0)
		w.fail = 1;
	xmlFreeTextWriter(w.x);
	if (!w.fail) {
		c->len = (size_t)xmlBufferLength(buf);
		c->xml = cr_xstrndup((const char *)xmlBufferContent(buf),
				     c->len);
	}
	xmlBufferFree(buf);
	return w.fail ? -1 : 0;
}

static int chunk_cmp(const void *a, const void *b)
{
	const struct chunk *x = a, *y = b;
	int c = strcmp(x->pkg, y->pkg);
	if (!c)
		c = strcmp(x->name, y->name);
	if (!c)
		c = strcmp(x->rf->rel, y->rf->rel);
	return c;
}

/* ---- documents ---------------------------------------------------------- */

/* Write chunks [FIRST, LAST) as one document to PATH; *SIZE gets its
 * size in bytes. */
/* The four totals (lines valid, covered, branches valid, covered) of the
 * chunks CH[FIRST..LAST) into T, added. */
static void chunk_totals(const struct chunk *ch, size_t first, size_t last,
			 uint64_t t[4])
{
	for (size_t i = first; i < last; i++) {
		t[0] += ch[i].lines_valid;
		t[1] += ch[i].lines_covered;
		t[2] += ch[i].branches_valid;
		t[3] += ch[i].branches_covered;
	}
}

/* <coverage ...> with its totals T, and <sources> naming ROOT. */
static void write_head(struct w *w, const uint64_t t[4], const char *root,
		       const struct report_opts *opts)
{
	char stamp[32];
	char *r = rp_utf8_clean(root, strlen(root), 1);

	snprintf(stamp, sizeof(stamp), "%lld",
		 (long long)(opts->timestamp ? opts->timestamp
					     : (int64_t)time(NULL)));
	if (xmlTextWriterStartDocument(w->x, "1.0", "UTF-8", NULL) < 0 ||
	    xmlTextWriterWriteDTD(w->x, BAD_CAST "coverage", NULL,
				  BAD_CAST DTD_URL, NULL) < 0)
		w->fail = 1;
	raw(w, "\n");
	start(w, "coverage");
	attr_rate(w, "line-rate", t[1], t[0]);
	attr_rate(w, "branch-rate", t[3], t[2]);
	attr_u(w, "lines-covered", t[1]);
	attr_u(w, "lines-valid", t[0]);
	attr_u(w, "branches-covered", t[3]);
	attr_u(w, "branches-valid", t[2]);
	attr(w, "complexity", "0.0");
	attr_clean(w, "version", opts->version ? opts->version : "covrun");
	attr(w, "timestamp", stamp);
	raw(w, "\n");
	start(w, "sources");
	start(w, "source");
	if (xmlTextWriterWriteString(w->x, BAD_CAST r) < 0)
		w->fail = 1;
	free(r);
	end(w);
	end(w);
	raw(w, "\n");
}

/* <packages>: one <package> per run of chunks CH[FIRST..LAST) with the
 * same package name (they are sorted), holding their classes. */
static void write_packages(struct w *w, const struct chunk *ch, size_t first,
			   size_t last)
{
	start(w, "packages");
	for (size_t i = first; i < last;) {
		size_t j = i;
		uint64_t p[4] = {0, 0, 0, 0};
		while (j < last && !strcmp(ch[j].pkg, ch[i].pkg))
			j++;
		chunk_totals(ch, i, j, p);
		raw(w, "\n");
		start(w, "package");
		attr_clean(w, "name", ch[i].pkg);
		attr_rate(w, "line-rate", p[1], p[0]);
		attr_rate(w, "branch-rate", p[3], p[2]);
		attr(w, "complexity", "0.0");
		start(w, "classes");
		raw(w, "\n");
		for (size_t k = i; k < j; k++)
			raw(w, ch[k].xml);
		end(w);
		end(w);
		i = j;
	}
	end(w);
}

/* The error for a document of SIZE bytes over --cobertura-max-size: it
 * names the largest class, which no split can make smaller. */
static enum cr_err too_big(const struct chunk *ch, size_t first, size_t last,
			   const struct report_opts *opts, const char *path,
			   uint64_t size, struct cr_error *err)
{
	size_t big = first;

	for (size_t i = first; i < last; i++)
		if (ch[i].len > ch[big].len)
			big = i;
	return cr_error_set(err, CR_EUSAGE, path, -1,
			    "would be %llu bytes, over --cobertura-max-"
			    "size %llu: the XML of '%s' alone is %llu "
			    "bytes (one source file is never split)",
			    (unsigned long long)size,
			    (unsigned long long)opts->cobertura_max_size,
			    ch[big].rf->rel, (unsigned long long)ch[big].len);
}

static enum cr_err write_doc(const struct chunk *ch, size_t first, size_t last,
			     const char *root, const struct report_opts *opts,
			     const char *path, uint64_t *size,
			     struct cr_error *err)
{
	xmlBufferPtr buf = xmlBufferCreate();
	struct w w = {NULL, 0};
	uint64_t t[4] = {0, 0, 0, 0};
	enum cr_err rc;

	if (!buf || !(w.x = xmlNewTextWriterMemory(buf, 0))) {
		if (buf)
			xmlBufferFree(buf);
		return cr_error_set(err, CR_ENOMEM, path, -1,
				    "cannot create XML writer");
	}
	chunk_totals(ch, first, last, t);
	write_head(&w, t, root, opts);
	write_packages(&w, ch, first, last);
	end(&w);
	if (xmlTextWriterEndDocument(w.x) < 0 || xmlTextWriterFlush(w.x) < 0)
		w.fail = 1;
	xmlFreeTextWriter(w.x);
	*size = (uint64_t)xmlBufferLength(buf);
	if (w.fail)
		rc = cr_error_set(err, CR_EIO, path, -1, "cannot write XML");
	else if (opts->cobertura_max_size && *size > opts->cobertura_max_size)
		rc = too_big(ch, first, last, opts, path, *size, err);
	else
		rc = rp_write_output(path, (const char *)xmlBufferContent(buf),
				     (size_t)xmlBufferLength(buf), err);
	xmlBufferFree(buf);
	return rc;
}

/* ---- parts -------------------------------------------------------------- */

/* Whether PATH is a Cobertura part covrun wrote: a regular file (not a
 * link) of this user whose root element names covrun as its version.
 * Only such a file is ever removed. */
static int is_our_part(const char *path)
{
	char head[1024];
	struct stat st;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0)
		return 0;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_uid != geteuid() ||
	    (n = read(fd, head, sizeof(head) - 1)) <= 0) {
		close(fd);
		return 0;
	}
	close(fd);
	head[n] = '\0';
	return strstr(head, "<coverage ") && strstr(head, " version=\"covrun");
}

/* Parts FROM, FROM+1, ... of an earlier report with more parts would be
 * read with this one (a CI glob "coverage-*.xml"): remove those covrun
 * wrote, up to the first that is not there. */
static void remove_stale_parts(const char *path, size_t from)
{
	for (size_t k = from;; k++) {
		char num[32];
		snprintf(num, sizeof(num), "%zu", k);
		char *pp = rp_path_with_suffix(path, num);
		int ours = is_our_part(pp);
		if (ours)
			unlink(pp);
		free(pp);
		if (!ours)
			return;
	}
}

/* Bytes of a document around its classes, and per package (estimates on
 * the safe side). */
#define DOC_OVERHEAD (1024 + 2 * 4096)
#define PKG_OVERHEAD 256

/* One chunk per selected file, with its package (directory, '.'-
 * separated) and class name, sorted; class names made unique per package:
 * "a_c", "a_c_2", ... (two names collide when the file names differ only
 * in '.' and '_'). */
static struct chunk *make_chunks(const struct report_set *set)
{
	struct chunk *ch = cr_xcalloc(set->nfiles + 1, sizeof(*ch));
	size_t n = set->nfiles;

	for (size_t i = 0; i < n; i++) {
		char *dir = rp_dirname(set->files[i].rel);
		const char *base = strrchr(set->files[i].rel, '/');
		ch[i].rf = &set->files[i];
		for (char *p = dir; *p; p++)
			if (*p == '/')
				*p = '.';
		ch[i].pkg = dir;
		ch[i].name = cr_xstrdup(base ? base + 1 : set->files[i].rel);
		/* ReportGenerator drops classes with '$' (nested classes) */
		for (char *p = ch[i].name; *p; p++)
			if (*p == '.' || *p == '$')
				*p = '_';
	}
	qsort(ch, n, sizeof(*ch), chunk_cmp);
	/* from the last one, so that each compares with a name unchanged */
	for (size_t i = n; i-- > 1;) {
		size_t first = i;
		while (first > 0 && !strcmp(ch[first - 1].pkg, ch[i].pkg) &&
		       !strcmp(ch[first - 1].name, ch[i].name))
			first--;
		for (size_t k = first + 1; k <= i; k++) {
			char *nn = cr_xasprintf("%s_%zu", ch[k].name,
						k - first + 1);
			free(ch[k].name);
			ch[k].name = nn;
		}
		i = first;
	}
	return ch;
}

/* Where to cut the N chunks into documents of at most MAX bytes (0: one
 * document): whole packages while they fit, else between classes.  CUT
 * gets the first chunk of each document and N at the end; returns the
 * number of documents. */
static size_t cut_points(const struct chunk *ch, size_t n, uint64_t max,
			 size_t *cut)
{
	size_t ncut = 0;
	uint64_t used = DOC_OVERHEAD;

	cut[ncut++] = 0;
	for (size_t i = 0; max && i < n;) {
		size_t j = i;
		uint64_t pkg = PKG_OVERHEAD;
		while (j < n && !strcmp(ch[j].pkg, ch[i].pkg))
			pkg += ch[j++].len;
		if (used + pkg <= max) {
			used += pkg;
		} else if (i != cut[ncut - 1] && DOC_OVERHEAD + pkg <= max) {
			cut[ncut++] = i;
			used = DOC_OVERHEAD + pkg;
		} else {
			/* the package alone is too big: cut between classes */
			for (size_t k = i; k < j; k++) {
				uint64_t c = ch[k].len + PKG_OVERHEAD;
				if (used + c > max && k != cut[ncut - 1]) {
					cut[ncut++] = k;
					used = DOC_OVERHEAD;
				}
				used += c;
			}
		}
		i = j;
	}
	cut[ncut] = n;
	return ncut;
}

/* Write the documents PATH-1.xml, PATH-2.xml, ... between the NCUT cut
 * points, and remove what is left of an earlier split into more parts. */
static enum cr_err write_parts(const struct report_set *set,
			       const struct chunk *ch, const size_t *cut,
			       size_t ncut, const char *path,
			       const struct report_opts *opts,
			       struct report_result *res, struct cr_error *err)
{
	for (size_t p = 0; p < ncut; p++) {
		char num[32];
		uint64_t size = 0;
		enum cr_err rc;
		snprintf(num, sizeof(num), "%zu", p + 1);
		char *pp = rp_path_with_suffix(path, num);
		rc = write_doc(ch, cut[p], cut[p + 1], set->root, opts, pp,
			       &size, err);
		free(pp);
		if (rc)
			return rc;
		if (size > res->cobertura_bytes)
			res->cobertura_bytes = size;
	}
	res->cobertura_parts = (unsigned)ncut;
	remove_stale_parts(path, ncut + 1);
	/* a single file of an earlier run would be read twice; a link or
	 * device there is the user's, not an earlier run's */
	if (is_our_part(path) && unlink(path) && errno != ENOENT)
		return cr_error_errno(err, path, "cannot remove");
	return CR_OK;
}

enum cr_err report_cobertura(const struct report_set *set, uint32_t view,
			     const char *path, const struct report_opts *opts,
			     struct report_result *res, struct cr_error *err)
{
	struct chunk *ch = make_chunks(set);
	size_t *cut = cr_xcalloc(set->nfiles + 2, sizeof(*cut));
	size_t n = set->nfiles, ncut;
	enum cr_err rc = CR_OK;

	for (size_t i = 0; i < n && !rc; i++)
		if (build_class(&ch[i], set->model, view))
			rc = cr_error_set(err, CR_ENOMEM, path, -1,
					  "cannot write XML of '%s'",
					  ch[i].rf->rel);
	ncut = rc ? 0 : cut_points(ch, n, opts->cobertura_max_size, cut);
	if (ncut == 1) {
		uint64_t size = 0;
		rc = write_doc(ch, 0, n, set->root, opts, path, &size, err);
		res->cobertura_parts = 1;
		res->cobertura_bytes = size;
		if (!rc)
			remove_stale_parts(path, 1);
	} else if (ncut > 1) {
		rc = write_parts(set, ch, cut, ncut, path, opts, res, err);
	}
	if (!rc && res->cobertura_bytes > REPORT_GITLAB_MAX_SIZE)
		res->cobertura_too_big = 1;
	for (size_t i = 0; i < n; i++) {
		free(ch[i].pkg);
		free(ch[i].name);
		free(ch[i].xml);
	}
	free(ch);
	free(cut);
	return rc;
}
