/* SPDX-License-Identifier: MIT
 * tests/report/fixture.c: data models built in code for the report tests.
 *
 * fx_build() turns a compact description (per line: counts of three
 * contexts, root "test", child "worker", child "helper"; branches; functions)
 * into a struct cov_model with views all / root / child / one per context,
 * and writes the source texts under a directory so that exclusion markers
 * and the HTML pages have something to read.  fx_demo() is the hand-made
 * fixture whose marks the tests check line by line; fx_big() generates a
 * large code base for the size limits and the benchmark.
 */
#define _GNU_SOURCE
#include "tests/report/fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int64_t view_count(const int64_t c[3], uint32_t v)
{
	switch (v) {
	case COV_VIEW_ALL: return c[0] + c[1] + c[2];
	case COV_VIEW_ROOT: return c[0];
	case COV_VIEW_CHILD: return c[1] + c[2];
	default: return c[v - COV_VIEW_FIRST_CONTEXT];
	}
}

static void write_text(const char *root, const struct fx_file *ff)
{
	char *path, *dir;
	struct cr_error err;

	if (!ff->text || ff->rel[0] == '/')
		return;
	path = cr_path_join(root, ff->rel);
	dir = cr_path_dirname(path);
	if (cr_mkdir_p(dir, &err) ||
	    cr_write_file_atomic(path, ff->text,
				 ff->textlen ? ff->textlen : strlen(ff->text),
				 &err)) {
		fprintf(stderr, "fixture: %s\n", err.msg);
		exit(1);
	}
	free(path);
	free(dir);
}

void fx_build(struct cov_model *m, const char *root,
	      const struct fx_file *files, size_t n)
{
	static const char *const ids[3] = {"test", "worker", "helper"};
	static const char *const exes[3] = {"/bin/demo-test", "/bin/demo-test",
					    "/bin/demo-helper"};

	memset(m, 0, sizeof(*m));
	m->ncontexts = 3;
	m->contexts = cr_xcalloc(3, sizeof(*m->contexts));
	for (int i = 0; i < 3; i++) {
		m->contexts[i].id = cr_xstrdup(ids[i]);
		m->contexts[i].exe = cr_xstrdup(exes[i]);
		m->contexts[i].role = i ? COLLECT_ROLE_CHILD : COLLECT_ROLE_ROOT;
		m->contexts[i].label =
			cr_xstrdup(i == 2 ? "label <b>&amp;" : "");
		m->contexts[i].nimages = (uint32_t)(i + 1);
	}
	m->nviews = COV_VIEW_FIRST_CONTEXT + 3;
	m->nfiles = (uint32_t)n;
	m->files = cr_xcalloc(n + 1, sizeof(*m->files));
	for (size_t i = 0; i < n; i++) {
		const struct fx_file *ff = &files[i];
		struct cov_file *f = &m->files[i];
		uint32_t nb = 0;

		write_text(root, ff);
		f->path = ff->rel[0] == '/' ? cr_xstrdup(ff->rel)
					    : cr_path_join(root, ff->rel);
		f->nlines = (uint32_t)ff->nlines;
		f->lines = cr_xcalloc(ff->nlines + 1, sizeof(*f->lines));
		for (size_t l = 0; l < ff->nlines; l++)
			nb += ff->lines[l].nbr;
		f->nbranches = nb;
		f->branches = cr_xcalloc(nb + 1, sizeof(*f->branches));
		f->nfunctions = (uint32_t)ff->nfns;
		f->functions = cr_xcalloc(ff->nfns + 1, sizeof(*f->functions));
		for (size_t k = 0; k < ff->nfns; k++) {
			struct cov_function *fn = &f->functions[k];
			fn->name = cr_xstrdup(ff->fns[k].name);
			fn->demangled =
				cr_xstrdup(ff->fns[k].dem ? ff->fns[k].dem
							  : ff->fns[k].name);
			fn->start_line = ff->fns[k].start;
			fn->end_line = ff->fns[k].end;
			fn->start_column = 1;
			fn->end_column = 1;
		}
		f->views = cr_xcalloc(m->nviews, sizeof(*f->views));
		for (uint32_t v = 0; v < m->nviews; v++) {
			struct cov_counts *c = &f->views[v];
			c->line = cr_xcalloc(ff->nlines + 1, sizeof(int64_t));
			c->line_unexecuted = cr_xcalloc(ff->nlines + 1, 1);
			c->branch = cr_xcalloc(nb + 1, sizeof(int64_t));
			c->function =
				cr_xcalloc(ff->nfns + 1, sizeof(int64_t));
			c->function_blocks_executed =
				cr_xcalloc(ff->nfns + 1, sizeof(uint32_t));
			for (size_t k = 0; k < ff->nfns; k++)
				c->function[k] = view_count(ff->fns[k].c, v);
		}
		nb = 0;
		for (size_t l = 0; l < ff->nlines; l++) {
			const struct fx_line *fl = &ff->lines[l];
			struct cov_line *cl = &f->lines[l];
			cl->line = fl->line;
			cl->first_branch = nb;
			cl->nbranches = fl->nbr;
			cl->function = -1;
			for (size_t k = 0; k < ff->nfns; k++)
				if (fl->line >= ff->fns[k].start &&
				    fl->line <= ff->fns[k].end)
					cl->function = (int32_t)k;
			for (uint32_t v = 0; v < m->nviews; v++) {
				f->views[v].line[l] = view_count(fl->c, v);
				for (uint32_t b = 0; b < fl->nbr; b++)
					f->views[v].branch[nb + b] =
						view_count(fl->br[b], v);
			}
			nb += fl->nbr;
		}
	}
}

/* ---- the demo fixture ----------------------------------------------------
 */

static const char main_c[] =
	"/* demo: a program whose worker runs in a child */\n" /* 1 */
	"#include <stdio.h>\n"
	"#include <unistd.h>\n"
	"\n"
	"static int worker(int n)\n" /* 5 */
	"{\n"
	"\tint sum = 0;\n"
	"\tfor (int i = 0; i < n; i++)\n"
	"\t\tsum += i;\n"
	"\treturn sum;\n" /* 10 */
	"}\n"
	"\n"
	"static int unused(void)\n"
	"{\n"
	"\treturn 42;\n" /* 15 */
	"}\n"
	"\n"
	"int main(int argc, char **argv)\n"
	"{\n"
	"\t(void)argv;\n" /* 20 */
	"\tif (argc > 5)\n"
	"\t\treturn unused();\n"
	"\tif (fork() == 0)\n"
	"\t\treturn worker(10) > 0 ? 0 : 1;\n"
	"\tprintf(\"parent\\n\");\n" /* 25 */
	"\treturn 0;\n"
	"}\n";

static const struct fx_line main_lines[] = {
	{6, {0, 1, 0}, 0, {{0}}},
	{7, {0, 1, 0}, 0, {{0}}},
	{8, {0, 11, 0}, 2, {{0, 10, 0}, {0, 1, 0}}},
	{9, {0, 10, 0}, 0, {{0}}},
	{10, {0, 1, 0}, 0, {{0}}},
	{14, {0, 0, 0}, 0, {{0}}},
	{15, {0, 0, 0}, 0, {{0}}},
	{19, {1, 0, 0}, 0, {{0}}},
	{21, {1, 0, 0}, 2, {{0, 0, 0}, {1, 0, 0}}},
	{22, {0, 0, 0}, 0, {{0}}},
	{23, {1, 0, 0}, 2, {{0, 1, 0}, {1, 0, 0}}},
	{24, {0, 1, 0}, 2, {{0, 1, 0}, {0, 0, 0}}},
	{25, {1, 0, 0}, 0, {{0}}},
	{26, {1, 0, 0}, 0, {{0}}},
	{27, {1, 1, 0}, 0, {{0}}},
};

static const struct fx_fn main_fns[] = {
	{"worker", NULL, 5, 11, {0, 1, 0}},
	{"unused", NULL, 13, 16, {0, 0, 0}},
	{"main", NULL, 18, 27, {1, 0, 0}},
};

static const char strings_c[] = "#include <string.h>\n" /* 1 */
				"\n"
				"int str_len(const char *s)\n"
				"{\n"
				"\treturn (int)strlen(s);\n" /* 5 */
				"}\n"
				"\n"
				"int str_never(const char *s)\n"
				"{\n"
				"\tif (!s) /* LCOV_EXCL_LINE */\n" /* 10 */
				"\t\treturn -1;\n"
				"\treturn 0;\n"
				"}\n"
				"\n"
				"/* GCOVR_EXCL_START */\n" /* 15 */
				"int str_debug(void)\n"
				"{\n"
				"\treturn 1;\n"
				"}\n"
				"/* GCOVR_EXCL_STOP */\n" /* 20 */
				"\n"
				"int str_check(const char *s)\n"
				"{\n"
				"\tif (s && *s) /* LCOV_EXCL_BR_LINE */\n"
				"\t\treturn 1;\n" /* 25 */
				"\treturn 0;\n"
				"}\n";

static const struct fx_line strings_lines[] = {
	{4, {2, 1, 0}, 0, {{0}}},
	{5, {2, 1, 0}, 0, {{0}}},
	{9, {0, 0, 0}, 0, {{0}}},
	{10, {0, 0, 0}, 2, {{0, 0, 0}, {0, 0, 0}}},
	{11, {0, 0, 0}, 0, {{0}}},
	{12, {0, 0, 0}, 0, {{0}}},
	{17, {0, 0, 0}, 0, {{0}}},
	{18, {0, 0, 0}, 0, {{0}}},
	{23, {0, 0, 1}, 0, {{0}}},
	{24, {0, 0, 1}, 4, {{0, 0, 1}, {0, 0, 0}, {0, 0, 1}, {0, 0, 0}}},
	{25, {0, 0, 1}, 0, {{0}}},
	{26, {0, 0, 0}, 0, {{0}}},
};

static const struct fx_fn strings_fns[] = {
	{"str_len", NULL, 3, 6, {2, 1, 0}},
	{"str_never", NULL, 8, 13, {0, 0, 0}},
	{"str_debug", NULL, 16, 19, {0, 0, 0}},
	{"str_check", NULL, 22, 27, {0, 0, 1}},
};

/* Hostile source: markup, quotes, invalid UTF-8 and a NUL byte. */
static const char evil_h[] =
	"/* </script><script>alert(\"x\")</script> <!-- & --> */\n"
	"static inline int evil(void) { return '<'; } /* \"q\" & 'q' */\n"
	"#define BAD \"\xff\xfe not utf-8 \x01\"\n"
	"<img src=x onerror=alert(1)> {title} {!rows}\n"
	"int nul = 0; /* \0 */\n";

static const struct fx_line evil_lines[] = {
	{2, {3, 0, 0}, 0, {{0}}},
	{5, {0, 0, 0}, 0, {{0}}},
};

static const struct fx_fn evil_fns[] = {
	{"_ZN2ns4evilISt6vectorIiSaIiEEEEiPKc",
	 "ns::evil<std::vector<int, std::allocator<int> > >(char const*) & "
	 "<script>",
	 2,
	 2,
	 {3, 0, 0}},
};

static const char top_c[] = "int top(void)\n"
			    "{\n"
			    "\treturn 1;\n"
			    "}\n"
			    "int racy(void) { return 0; }\n";

static const struct fx_line top_lines[] = {
	{2, {3000000000LL, 2000000000LL, 0}, 0, {{0}}},
	{3, {3000000000LL, 2000000000LL, 0}, 0, {{0}}},
	{5, {-3, 0, 0}, 0, {{0}}},
};

static const struct fx_fn top_fns[] = {
	{"top", NULL, 1, 4, {3000000000LL, 2000000000LL, 0}},
	/* two clones with one demangled name: one Cobertura method */
	{"_ZN1AC2Ev", "A::A()", 5, 5, {0, 0, 0}},
	{"_ZN1AC1Ev", "A::A()", 5, 5, {0, 0, 0}},
};

static const struct fx_line sys_lines[] = {
	{10, {1, 0, 0}, 0, {{0}}},
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

void fx_demo(struct cov_model *m, const char *root)
{
	const struct fx_file files[] = {
		{"src/main.c", main_c, 0, main_lines, N(main_lines), main_fns,
		 N(main_fns)},
		{"src/util/strings.c", strings_c, 0, strings_lines,
		 N(strings_lines), strings_fns, N(strings_fns)},
		{"include/evil <&\"'>.h", evil_h, sizeof(evil_h) - 1,
		 evil_lines, N(evil_lines), evil_fns, N(evil_fns)},
		{"top.c", top_c, 0, top_lines, N(top_lines), top_fns,
		 N(top_fns)},
		{"/usr/include/stdio.h", NULL, 0, sys_lines, N(sys_lines),
		 NULL, 0},
		{"/elsewhere/outside.c", NULL, 0, sys_lines, N(sys_lines),
		 NULL, 0},
	};
	fx_build(m, root, files, N(files));
}

/* ---- a big generated code base -------------------------------------------
 */

void fx_big(struct cov_model *m, const char *root, unsigned nfiles,
	    unsigned nlines)
{
	struct fx_file *files = cr_xcalloc(nfiles + 1, sizeof(*files));
	struct fx_line *lines = cr_xcalloc((size_t)nlines + 1, sizeof(*lines));
	unsigned nfn = nlines / 10 ? nlines / 10 : 1;
	struct fx_fn *fns = cr_xcalloc(nfn + 1, sizeof(*fns));
	char **names = cr_xcalloc(nfiles + 1, sizeof(*names));
	char **fnames = cr_xcalloc(nfn + 1, sizeof(*fnames));
	struct cr_buf text;

	cr_buf_init(&text);
	for (unsigned l = 0; l < nlines; l++) {
		struct fx_line *fl = &lines[l];
		fl->line = l + 1;
		fl->c[0] = (l % 7) ? (int64_t)(l % 13) : 0;
		fl->c[1] = (l % 5 == 0) ? 2 : 0;
		fl->c[2] = (l % 11 == 0) ? 1 : 0;
		if (l % 4 == 1) {
			fl->nbr = 2;
			fl->br[0][0] = fl->c[0];
			fl->br[1][1] = fl->c[1];
		}
	}
	for (unsigned k = 0; k < nfn; k++) {
		fnames[k] = cr_xasprintf("function_%u", k);
		fns[k].name = fnames[k];
		fns[k].start = k * 10 + 1;
		fns[k].end = k * 10 + 10;
		fns[k].c[0] = k % 3;
		fns[k].c[1] = k % 4 == 0;
	}
	for (unsigned l = 0; l < nlines; l++) {
		if (l % 10 == 0)
			cr_buf_addf(&text, "int function_%u(int x)\n", l / 10);
		else
			cr_buf_addf(&text,
				    "\tx = x * %u + (x >> 3); /* %u */\n", l,
				    l);
	}
	for (unsigned i = 0; i < nfiles; i++) {
		names[i] = cr_xasprintf("mod%02u/sub%u/file%04u.c", i / 40,
					(i / 8) % 5, i);
		files[i].rel = names[i];
		files[i].text = text.buf;
		files[i].lines = lines;
		files[i].nlines = nlines;
		files[i].fns = fns;
		files[i].nfns = nfn;
	}
	fx_build(m, root, files, nfiles);
	for (unsigned i = 0; i < nfiles; i++)
		free(names[i]);
	for (unsigned k = 0; k < nfn; k++)
		free(fnames[k]);
	free(names);
	free(fnames);
	free(files);
	free(lines);
	free(fns);
	cr_buf_release(&text);
}
