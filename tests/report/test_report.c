/* SPDX-License-Identifier: MIT
 * tests/report/test_report.c: unit tests of report/ and a driver that
 * writes every output of a fixture for the script tests.
 *
 *   report_test unit                  unit tests (exit 0 when all pass)
 *   report_test demo OUTDIR [HLJSDIR] fixture sources under OUTDIR/src,
 *                                     outputs under OUTDIR
 *   report_test big OUTDIR NFILES NLINES MAXSIZE [html]
 *                                     generated code base; Cobertura
 *                                     split at MAXSIZE bytes (0 = none)
 */
#define _GNU_SOURCE
#include "report/internal.h"
#include "tests/report/fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int failures;

#define CHECK(cond)                                                           \
	do {                                                                  \
		if (!(cond)) {                                                \
			fprintf(stderr, "%s:%d: check failed: %s\n",          \
				__FILE__, __LINE__, #cond);                   \
			failures++;                                           \
		}                                                             \
	} while (0)

#define CHECK_STR(got, want)                                                  \
	do {                                                                  \
		const char *g_ = (got), *w_ = (want);                         \
		if (strcmp(g_, w_)) {                                         \
			fprintf(stderr, "%s:%d: got '%s', want '%s'\n",       \
				__FILE__, __LINE__, g_, w_);                  \
			failures++;                                           \
		}                                                             \
	} while (0)

static void test_rate(void)
{
	char b[32];

	CHECK_STR(rp_rate(b, 0, 0), "1.0");
	CHECK_STR(rp_rate(b, 0, 5), "0.0");
	CHECK_STR(rp_rate(b, 1, 2), "0.5");
	CHECK_STR(rp_rate(b, 2, 2), "1.0");
	CHECK_STR(rp_rate(b, 6, 7), "0.8571428571428571");
	CHECK_STR(rp_rate(b, 1, 3), "0.3333333333333333");
	CHECK_STR(rp_rate(b, 2, 3), "0.6666666666666666");
	CHECK_STR(rp_rate(b, 1, 10), "0.1");
	CHECK_STR(rp_rate(b, 1, 100000), "0.00001");
	CHECK_STR(rp_rate(b, 3, 70000), "0.000042857142857142856");
	CHECK_STR(rp_percent(b, sizeof(b), 999999, 1000000), "99.9%");
	CHECK_STR(rp_percent(b, sizeof(b), 1, 3), "33.3%");
	CHECK_STR(rp_percent(b, sizeof(b), 0, 0), "-");
}

/* One rounding rule (README "Rounding"): half up on the exact ratio,
 * never 100.0% unless complete, never 0.0% unless nothing covered. */
static void test_percent(void)
{
	char b[32];
	int64_t m = -7;

	CHECK_STR(rp_percent(b, sizeof(b), 838, 1000), "83.8%");
	CHECK_STR(rp_percent(b, sizeof(b), 8375, 10000), "83.8%"); /* tie */
	CHECK_STR(rp_percent(b, sizeof(b), 8374, 10000), "83.7%");
	CHECK_STR(rp_percent(b, sizeof(b), 8376, 10000), "83.8%");
	CHECK_STR(rp_percent(b, sizeof(b), 2, 3), "66.7%");
	CHECK_STR(rp_percent(b, sizeof(b), 9999, 10000), "99.9%");
	CHECK_STR(rp_percent(b, sizeof(b), 1, 10000), "0.1%");
	CHECK_STR(rp_percent(b, sizeof(b), 0, 7), "0.0%");
	CHECK_STR(rp_percent(b, sizeof(b), 7, 7), "100.0%");
	CHECK_STR(rp_percent(b, sizeof(b), UINT64_MAX - 1, UINT64_MAX),
		  "99.9%");
	CHECK_STR(rp_percent_digits(b, sizeof(b), 8379, 10000, 2), "83.79%");
	CHECK_STR(rp_percent_digits(b, sizeof(b), 1, 3, 0), "33%");
	CHECK_STR(rp_percent_digits(b, sizeof(b), 2, 3, 4), "66.6667%");
	CHECK(report_parse_percent("83.8", &m) == 0 && m == 83800000);
	CHECK(report_parse_percent("100%", &m) == 0 && m == 100000000);
	CHECK(report_parse_percent("0.000001", &m) == 0 && m == 1);
	CHECK(report_parse_percent(".5", &m) == 0 && m == 500000);
	CHECK(report_parse_percent("100.000001", &m) < 0);
	CHECK(report_parse_percent("1.0000001", &m) < 0);
	CHECK(report_parse_percent("", &m) < 0);
	CHECK(report_parse_percent("%", &m) < 0);
	CHECK(report_parse_percent("-1", &m) < 0);
	CHECK(report_parse_percent("12a", &m) < 0);
}

static void test_escape(void)
{
	struct cr_buf b;
	static const char in[] = "<a href='x'>&\"\xff\xc3\xa9\0\t";
	char *c;

	cr_buf_init(&b);
	rp_html_escape(&b, in, sizeof(in) - 1);
	CHECK_STR(b.buf, "&lt;a href=&#39;x&#39;&gt;&amp;&quot;\xef\xbf\xbd"
			 "\xc3\xa9\xef\xbf\xbd\t");
	cr_buf_release(&b);
	c = rp_utf8_clean("a\x01\xed\xa0\x80z", 6, 1);
	CHECK_STR(c, "a\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbdz");
	free(c);
	c = rp_utf8_clean("a\x01\xe2\x82\xac", 5, 0);
	CHECK_STR(c, "a\x01\xe2\x82\xac");
	free(c);
}

static void test_expand(void)
{
	struct cr_buf b;
	struct cr_error err;
	const struct rp_var vars[] = {
		{"a", "<x&>"}, {"b", "<i>"}, {"n", NULL}};

	cr_buf_init(&b);
	CHECK(rp_expand(&b, "{a}|{!b}|{n}|{c|{}|{ a }|x{{a}}", vars, 3, "t",
			&err) == CR_OK);
	CHECK_STR(b.buf, "&lt;x&amp;&gt;|<i>||{c|{}|{ a }|x{&lt;x&amp;&gt;}");
	cr_buf_reset(&b);
	CHECK(rp_expand(&b, "ok {nope}", vars, 3, "t", &err) == CR_EUSAGE);
	CHECK(strstr(err.msg, "nope") != NULL);
	cr_buf_release(&b);
	/* every embedded template is there */
	CHECK(rp_template_get("index.html")->len > 100);
	CHECK(rp_template_get("report.js")->len > 100);
	CHECK(strstr(rp_template_get("style.css")->data, "--child") != NULL);
}

static void test_source(void)
{
	struct rp_source s;
	size_t len;
	const char *l;
	char dir[] = "/tmp/covrun-rtXXXXXX";
	char *p;
	struct cr_error err;

	CHECK(mkdtemp(dir) != NULL);
	p = cr_path_join(dir, "a.c");
	CHECK(!cr_write_file_atomic(p, "one\r\ntwo\n\nfour", 14, &err));
	CHECK(rp_source_read(p, &s));
	CHECK(s.nlines == 4);
	l = rp_source_line(&s, 1, &len);
	CHECK(len == 3 && !memcmp(l, "one", 3));
	l = rp_source_line(&s, 4, &len);
	CHECK(len == 4 && !memcmp(l, "four", 4));
	rp_source_line(&s, 3, &len);
	CHECK(len == 0);
	rp_source_line(&s, 5, &len);
	CHECK(len == 0);
	rp_source_release(&s);
	CHECK(!cr_write_file_atomic(p, "x\ny\n", 4, &err));
	CHECK(rp_source_read(p, &s));
	CHECK(s.nlines == 2);
	l = rp_source_line(&s, 2, &len);
	CHECK(len == 1 && l[0] == 'y');
	rp_source_release(&s);
	CHECK(!rp_source_read("/nonexistent/x.c", &s));
	CHECK(!cr_rm_rf(dir, &err));
	free(p);
}

static const struct report_file *find(const struct report_set *s,
				      const char *rel)
{
	for (uint32_t i = 0; i < s->nfiles; i++)
		if (!strcmp(s->files[i].rel, rel))
			return &s->files[i];
	return NULL;
}

static uint32_t line_index(const struct cov_file *f, uint32_t line)
{
	const struct cov_line *cl = cov_file_find_line(f, line);
	if (!cl)
		CR_BUG("no line %u", line);
	return (uint32_t)(cl - f->lines);
}

static void test_select(void)
{
	char dir[] = "/tmp/covrun-rtXXXXXX";
	struct cov_model m;
	struct report_opts o;
	struct report_set s;
	struct report_split sp[3];
	struct cr_error err;
	const struct report_file *rf;
	char *root, msg[256];

	CHECK(mkdtemp(dir) != NULL);
	root = cr_path_join(dir, "src");
	fx_demo(&m, root);
	report_opts_init(&o);
	o.root = root;
	CHECK(report_select(&m, &o, &s, &err) == CR_OK);
	/* root filter: system and outside files are gone; sorted by rel */
	CHECK(s.nfiles == 4);
	if (s.nfiles == 4) {
		CHECK_STR(s.files[0].rel, "include/evil <&\"'>.h");
		CHECK_STR(s.files[1].rel, "src/main.c");
		CHECK_STR(s.files[2].rel, "src/util/strings.c");
		CHECK_STR(s.files[3].rel, "top.c");
	}
	CHECK(s.nmarker_files == 1);

	/* marks of main.c */
	rf = find(&s, "src/main.c");
	CHECK(rf != NULL);
	if (rf) {
		const struct cov_file *f = rf->file;
		CHECK(report_line_mark(&m, f, line_index(f, 6)) ==
		      REPORT_MARK_CHILD);
		CHECK(report_line_mark(&m, f, line_index(f, 15)) ==
		      REPORT_MARK_NONE);
		CHECK(report_line_mark(&m, f, line_index(f, 19)) ==
		      REPORT_MARK_ROOT);
		CHECK(report_line_mark(&m, f, line_index(f, 27)) ==
		      REPORT_MARK_ROOT);
		/* line 23: branch 0 child-only, branch 1 root */
		CHECK(report_branch_mark(
			      &m, f,
			      f->lines[line_index(f, 23)].first_branch) ==
		      REPORT_MARK_CHILD);
		CHECK(report_function_mark(&m, f, 0) == REPORT_MARK_CHILD);
		CHECK(report_function_mark(&m, f, 1) == REPORT_MARK_NONE);
		report_split_files(&s, rf, 1, sp);
		CHECK(sp[0].valid == 15 && sp[0].covered == 12);
		CHECK(sp[0].root == 6 && sp[0].child_only == 6);
		CHECK(sp[1].valid == 8 && sp[1].covered == 6);
		CHECK(sp[1].root == 2 && sp[1].child_only == 4);
		CHECK(sp[2].valid == 3 && sp[2].root == 1 &&
		      sp[2].child_only == 1);
	}

	/* exclusion markers of strings.c */
	rf = find(&s, "src/util/strings.c");
	CHECK(rf != NULL);
	if (rf) {
		const struct cov_file *f = rf->file;
		uint32_t l10 = line_index(f, 10), l24 = line_index(f, 24);
		CHECK(report_line_excluded(rf, l10));
		CHECK(report_branch_excluded(rf, f->lines[l10].first_branch));
		CHECK(!report_line_excluded(rf, line_index(f, 11)));
		CHECK(report_line_excluded(rf, line_index(f, 17)));
		CHECK(report_line_excluded(rf, line_index(f, 18)));
		CHECK(!report_line_excluded(rf, line_index(f, 23)));
		CHECK(!report_line_excluded(rf, l24));
		for (uint32_t b = 0; b < f->lines[l24].nbranches; b++)
			CHECK(report_branch_excluded(
				rf, f->lines[l24].first_branch + b));
		CHECK(!report_function_excluded(rf, 1));
		CHECK(report_function_excluded(rf, 2)); /* str_debug */
		report_split_files(&s, rf, 1, sp);
		CHECK(sp[0].valid == 9);
		CHECK(sp[1].valid == 0);
		CHECK(sp[2].valid == 3);
	}

	/* thresholds */
	o.fail_under_line = 50000000;
	CHECK(report_check_thresholds(&s, &o, msg, sizeof(msg)) == 0);
	o.fail_under_line = 99500000;
	o.fail_under_function = 99000000;
	CHECK(report_check_thresholds(&s, &o, msg, sizeof(msg)) == 2);
	CHECK(strstr(msg, "line coverage ") == msg);
	CHECK(strstr(msg, "--fail-under-line 99.5%\nfunction coverage ") !=
	      NULL);
	CHECK(strstr(msg, "--fail-under-function 99%") != NULL);
	report_set_release(&s);

	/* --filter / --exclude / system headers */
	{
		const char *filt[] = {"^src/"};
		const char *excl[] = {"strings"};
		report_opts_init(&o);
		o.root = root;
		o.filters = filt;
		o.nfilters = 1;
		o.excludes = excl;
		o.nexcludes = 1;
		CHECK(report_select(&m, &o, &s, &err) == CR_OK);
		CHECK(s.nfiles == 1 && find(&s, "src/main.c"));
		report_set_release(&s);
	}
	{
		const char *filt[] = {"."};
		report_opts_init(&o);
		o.root = root;
		o.filters = filt;
		o.nfilters = 1;
		CHECK(report_select(&m, &o, &s, &err) == CR_OK);
		CHECK(s.nfiles == 5); /* outside.c, not stdio.h */
		CHECK(find(&s, "/elsewhere/outside.c") != NULL);
		report_set_release(&s);
		o.keep_system = 1;
		CHECK(report_select(&m, &o, &s, &err) == CR_OK);
		CHECK(s.nfiles == 6);
		report_set_release(&s);
	}
	{
		const char *bad[] = {"("};
		report_opts_init(&o);
		o.excludes = bad;
		o.nexcludes = 1;
		CHECK(report_select(&m, &o, &s, &err) == CR_EUSAGE);
		CHECK(strstr(err.msg, "--exclude") != NULL);
	}
	cov_model_release(&m);
	CHECK(!cr_rm_rf(dir, &err));
	free(root);
}

/* Markers on a file built in place: unmatched START runs to the end,
 * COVRUN_ markers, branch regions, markers inside longer words. */
static void test_markers(void)
{
	static const struct fx_line lines[] = {
		{ 1, { 1, 0, 0 }, 2, { { 1, 0, 0 }, { 0, 0, 0 } } },
		{ 2, { 1, 0, 0 }, 2, { { 1, 0, 0 }, { 0, 0, 0 } } },
		{ 3, { 1, 0, 0 }, 2, { { 1, 0, 0 }, { 0, 0, 0 } } },
		{ 4, { 1, 0, 0 }, 0, { { 0 } } },
		{ 5, { 0, 0, 0 }, 0, { { 0 } } },
		{ 6, { 0, 0, 0 }, 0, { { 0 } } },
	};
	static const char text[] =
		"x; /* COVRUN_EXCL_BR_START */\n"       /* 1 */
		"y; /* nothing MYLCOV_EXCL_LINEX */\n"  /* 2: LCOV_EXCL_LINE */
		"z; /* COVRUN_EXCL_BR_STOP */\n"        /* 3 */
		"w; // GCOVR_EXCL_BR_LINE\n"            /* 4 */
		"/* LCOV_EXCL_START */ v;\n"            /* 5 */
		"u;\n";                                 /* 6: to the end */
	const struct fx_file ff = { "m.c", NULL, 0, lines, 6, NULL, 0 };
	struct cov_model m;
	struct report_file rf;

	fx_build(&m, "/nonexistent", &ff, 1);
	memset(&rf, 0, sizeof(rf));
	rf.file = &m.files[0];
	CHECK(report_apply_markers(&rf, text, sizeof(text) - 1) == 5);
	CHECK(report_branch_excluded(&rf, 0) && report_branch_excluded(&rf, 1));
	CHECK(!report_line_excluded(&rf, 0));
	/* "MYLCOV_EXCL_LINEX" holds the marker LCOV_EXCL_LINE: lcov and
	 * gcovr match it inside words too */
	CHECK(report_line_excluded(&rf, 1));
	CHECK(report_branch_excluded(&rf, 4) && !report_line_excluded(&rf, 2));
	CHECK(!report_line_excluded(&rf, 3));
	CHECK(report_line_excluded(&rf, 4) && report_line_excluded(&rf, 5));
	free(rf.line_excluded);
	free(rf.branch_excluded);
	free(rf.function_excluded);
	cov_model_release(&m);
}

/* Class names collide when file names differ only in '.', '_' and '$':
 * each gets a suffix, in path order ("x_c", "x_c_2", "x_c_3"). */
static void test_class_names(void)
{
	static const struct fx_line lines[] = {
		{ 1, { 1, 0, 0 }, 0, { { 0 } } },
	};
	const struct fx_file ff[] = {
		{ "a/x$c", NULL, 0, lines, 1, NULL, 0 },
		{ "a/x.c", NULL, 0, lines, 1, NULL, 0 },
		{ "a/x_c", NULL, 0, lines, 1, NULL, 0 },
		{ "b/x.c", NULL, 0, lines, 1, NULL, 0 },
	};
	char dir[] = "/tmp/covrun-rtXXXXXX";
	struct cov_model m;
	struct report_opts o;
	struct report_set s;
	struct report_result res;
	struct cr_error err;
	char *xml, *text = NULL;

	CHECK(mkdtemp(dir) != NULL);
	xml = cr_path_join(dir, "c.xml");
	fx_build(&m, dir, ff, 4);
	report_opts_init(&o);
	o.root = dir;
	CHECK(report_select(&m, &o, &s, &err) == CR_OK);
	CHECK(report_cobertura(&s, COV_VIEW_ALL, xml, &o, &res, &err) ==
	      CR_OK);
	CHECK(cr_read_file(xml, &text, NULL, &err) == CR_OK);
	if (text) {
		const char *a = strstr(text, "name=\"x_c\" filename=\"a/x$c\"");
		const char *b = strstr(text, "name=\"x_c_2\" filename=\"a/x.c\"");
		const char *c = strstr(text, "name=\"x_c_3\" filename=\"a/x_c\"");
		const char *d = strstr(text, "name=\"x_c\" filename=\"b/x.c\"");
		CHECK(a && b && c && d);
	}
	free(text);
	report_set_release(&s);
	cov_model_release(&m);
	unlink(xml);
	rmdir(dir);
	free(xml);
}

static int run_unit(void)
{
	test_rate();
	test_percent();
	test_escape();
	test_expand();
	test_source();
	test_select();
	test_markers();
	test_class_names();
	if (failures)
		fprintf(stderr, "%d check(s) failed\n", failures);
	else
		printf("all report unit tests passed\n");
	return failures ? 1 : 0;
}

/* Four process images: the test, a forked worker that exec'd a helper,
 * and a spawned child still running; argv and label are hostile. */
static char *argv1[] = {"demo-test", "--case", "<script>alert(1)</script>",
			NULL};
static char *argv3[] = {"demo-helper", "a b", "&amp;", NULL};
static struct collect_record records[] = {
	{"img1", "", 100, 1, COLLECT_HOW_ROOT, COLLECT_ROLE_ROOT, 1,
	 "/bin/demo-test", "/tmp", "", argv1, 3, 0, 1700000000000000000LL,
	 1700000001500000000LL, COLLECT_END_EXIT, 0, NULL, 1, NULL, 0, 0},
	{"img2", "img1", 101, 100, COLLECT_HOW_FORK, COLLECT_ROLE_CHILD, 1,
	 "/bin/demo-test", "/tmp", "", argv1, 3, 0, 1700000000100000000LL,
	 1700000000200000000LL, COLLECT_END_EXEC, 0, NULL, 1, NULL, 0, 0},
	{"img3", "img2", 101, 100, COLLECT_HOW_EXEC, COLLECT_ROLE_CHILD, 1,
	 "/bin/demo-helper", "/tmp", "label <b>&amp;", argv3, 3, 1,
	 1700000000200000000LL, 1700000000900000000LL, COLLECT_END_SIGNAL, 9,
	 NULL, 1, NULL, 0, 0},
	{"img4", "img1", 102, 100, COLLECT_HOW_SPAWN, COLLECT_ROLE_CHILD, 0,
	 "/bin/sh", "/tmp", "", argv3, 1, 0, 1700000001000000000LL, 0,
	 COLLECT_END_NONE, 0, NULL, 0, NULL, 0, 0},
};

/* Where demo and big write, below their OUTDIR: the fixture's sources
 * and each report (run_demo, run_big; tests/report/check_*.py read them). */
struct out_paths {
	char *root, *xml, *html, *json, *lcov, *sum;
};

static void out_paths_init(struct out_paths *p, const char *out)
{
	p->root = cr_path_join(out, "src");
	p->xml = cr_path_join(out, "coverage.xml");
	p->html = cr_path_join(out, "html");
	p->json = cr_path_join(out, "coverage.json");
	p->lcov = cr_path_join(out, "coverage.info");
	p->sum = cr_path_join(out, "summary.txt");
}

static void out_paths_release(struct out_paths *p)
{
	free(p->root);
	free(p->xml);
	free(p->html);
	free(p->json);
	free(p->lcov);
	free(p->sum);
}

static int run_demo(const char *out, const char *hljs)
{
	struct collect_run run = { .dir = "/tmp/run", .nrecords = 4,
				   .records = records };

	struct cov_model m;
	struct report_opts o;
	struct report_set s;
	struct report_result res;
	struct cr_error err;
	struct out_paths p;
	FILE *sf;
	int rc;

	out_paths_init(&p, out);
	fx_demo(&m, p.root);
	report_opts_init(&o);
	o.root = p.root;
	o.cobertura = p.xml;
	o.cobertura_split = 1;
	o.html = p.html;
	o.json = p.json;
	o.lcov = p.lcov;
	o.version = "covrun test";
	o.title = "demo <report> & \"co\"";
	o.timestamp = 1700000000;
	o.hljs_dir = hljs;
	o.summary = REPORT_SUMMARY_FULL;
	o.run = &run;
	sf = fopen(p.sum, "w");
	o.summary_out = sf;
	rc = report_write_all(&m, &o, &s, &res, &err);
	fclose(sf);
	if (rc) {
		fprintf(stderr, "report_write_all: %s: %s\n", err.path,
			err.msg);
		return 1;
	}
	printf("pages=%u highlight=%d xml_bytes=%llu parts=%u\n",
	       res.html_pages, res.html_highlight,
	       (unsigned long long)res.cobertura_bytes, res.cobertura_parts);
	report_set_release(&s);
	cov_model_release(&m);
	out_paths_release(&p);
	return 0;
}

static int run_big(const char *out, unsigned nfiles, unsigned nlines,
		   unsigned long long maxsize, int with_html)
{
	struct cov_model m;
	struct report_opts o;
	struct report_set s;
	struct report_result res;
	struct cr_error err;
	struct out_paths p;
	int64_t t0, t1, t2, t3;

	out_paths_init(&p, out);
	t0 = cr_now_ns();
	fx_big(&m, p.root, nfiles, nlines);
	t1 = cr_now_ns();
	report_opts_init(&o);
	o.root = p.root;
	o.cobertura = p.xml;
	o.cobertura_max_size = maxsize;
	o.timestamp = 1700000000;
	o.version = "covrun test";
	if (report_select(&m, &o, &s, &err) ||
	    report_cobertura(&s, COV_VIEW_ALL, p.xml, &o, &res, &err)) {
		fprintf(stderr, "big: %s: %s\n", err.path, err.msg);
		return 1;
	}
	t2 = cr_now_ns();
	if (with_html && report_html(&s, p.html, &o, &res, &err)) {
		fprintf(stderr, "big: %s: %s\n", err.path, err.msg);
		return 1;
	}
	t3 = cr_now_ns();
	printf("files=%u lines=%llu parts=%u max_bytes=%llu too_big=%d "
	       "build_s=%.3f cobertura_s=%.3f html_s=%.3f\n",
	       nfiles, (unsigned long long)nfiles * nlines,
	       res.cobertura_parts, (unsigned long long)res.cobertura_bytes,
	       res.cobertura_too_big, (double)(t1 - t0) / 1e9,
	       (double)(t2 - t1) / 1e9, (double)(t3 - t2) / 1e9);
	report_set_release(&s);
	cov_model_release(&m);
	out_paths_release(&p);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "unit"))
		return run_unit();
	if (argc >= 3 && !strcmp(argv[1], "demo"))
		return run_demo(argv[2], argc >= 4 ? argv[3] : NULL);
	if (argc >= 6 && !strcmp(argv[1], "big"))
		return run_big(argv[2], (unsigned)strtoul(argv[3], NULL, 10),
			       (unsigned)strtoul(argv[4], NULL, 10),
			       strtoull(argv[5], NULL, 10),
			       argc >= 7 && !strcmp(argv[6], "html"));
	fprintf(stderr, "usage: report_test unit | demo OUTDIR [HLJSDIR] | "
			"big OUTDIR NFILES NLINES MAXSIZE [html]\n");
	return 2;
}
