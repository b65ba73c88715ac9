/* SPDX-License-Identifier: MIT
 * tests/merge/test_readers.c: the gcno/gcda readers on hostile input.
 *
 * usage: test_readers DIR
 * For every X.gcda (with X.gcno) below DIR (the differential test's work
 * directory: GCC 11, GCC 12 and clang files), the readers are fed every
 * truncation of both files and thousands of corrupted copies (byte flips,
 * word replacements); every result must be CR_OK or an error naming the
 * file and an offset inside it, a failed gcda must leave the counters
 * untouched, and whatever parses is laid out, solved and printed.  Run
 * under -DCOVRUN_SANITIZE=ON this finds any out-of-bounds read.  Also:
 * unknown versions (CR_EVERSION naming the version), a version mismatch
 * between gcno and gcda, and a big-endian file built by hand.  And the
 * shim's gcda_strip_zero (collect/recwrite.c): a stripped gcda reads as
 * the one libgcov wrote (counters, functions with counters, the gcda
 * written back), for the corpus's files and for files with functions
 * all zero and placeholders made here; every truncation is safe.
 */
#define _GNU_SOURCE
#include "tests/merge/gcov_json_write.h"
#include "collect/internal.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int failures, pairs;
static int stripped[4]; /* by flavor: gcda with functions left out */
static char tmpdir[] = "/tmp/covrun-readers-XXXXXX";

#define CHECK(cond, ...)                                                  \
	do {                                                              \
		if (!(cond)) {                                            \
			failures++;                                       \
			fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__); \
			fprintf(stderr, __VA_ARGS__);                     \
			fputc('\n', stderr);                              \
		}                                                         \
	} while (0)

static unsigned long long rng = 88172645463325252ull;

static unsigned rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned)rng;
}

static void write_file(const char *path, const unsigned char *d, size_t n)
{
	FILE *f = fopen(path, "wb");

	if (!f || (n && fwrite(d, 1, n, f) != n)) {
		perror(path);
		exit(2);
	}
	fclose(f);
}

static unsigned char *read_all(const char *path, size_t *n)
{
	char *text;
	struct cr_error err;

	if (cr_read_file(path, &text, n, &err))
		return NULL;
	return (unsigned char *)text;
}

/* Everything after a successful gcno parse must run without faults. */
static void exercise(const struct gcno_file *g, const int64_t *ctrs)
{
	struct layout lay;
	struct solve_ws ws;
	struct cr_buf out;

	memset(&ws, 0, sizeof(ws));
	layout_build(g, LAYOUT_NAMES_ABSOLUTE, &lay);
	solve_object(&lay, ctrs, &ws);
	cr_buf_init(&out);
	json_object_write(&lay, &ws, "x.gcda", &out);
	cr_buf_release(&out);
	solve_ws_release(&ws);
	layout_release(&lay);
}

static void check_error(const struct cr_error *err, enum cr_err e,
			const char *path, size_t size, const char *what)
{
	CHECK(e == CR_ECORRUPT || e == CR_EVERSION || e == CR_ESTALE,
	      "%s: unexpected code %d", what, (int)e);
	CHECK(!strcmp(err->path, path), "%s: error names '%s'", what,
	      err->path);
	CHECK(err->offset >= -1 && err->offset <= (long long)size,
	      "%s: offset %lld outside the file (%zu)", what, err->offset,
	      size);
	CHECK(err->msg[0] && !strchr(err->msg, '\n'), "%s: message", what);
}

static void try_gcno(const unsigned char *d, size_t n, const char *what)
{
	struct gcno_file g;
	struct cr_error err;
	enum cr_err e;

	e = gcno_parse(d, n, "t.gcno", &g, &err);
	if (e) {
		check_error(&err, e, "t.gcno", n, what);
		return;
	}
	int64_t *ctrs = cr_xcalloc(g.nctrs + 1, sizeof(int64_t));
	for (uint32_t i = 0; i < g.nctrs; i++)
		ctrs[i] = (int64_t)(rnd() % 7) - 1;
	exercise(&g, ctrs);
	free(ctrs);
	gcno_file_release(&g);
}

/* gcda_add on the same bytes: the same outcome as gcda_apply (E, with
 * counters APPLIED, NONZERO of them not zero in the file), its arrays
 * allocated only for a non-zero counter. */
static void try_gcda_add(const struct gcno_file *g, const unsigned char *d,
			 size_t n, enum cr_err e, const int64_t *applied,
			 uint32_t nonzero, const char *what)
{
	int64_t *ctrs = NULL;
	uint8_t *seen = NULL;
	struct gcda_info info;
	struct cr_error err;

	if (e)
		nonzero = 0;
	CHECK(gcda_add(g, d, n, "t.gcda", &ctrs, &seen, &info, &err) == e,
	      "%s: gcda_add fails as gcda_apply", what);
	CHECK(!ctrs == !nonzero && !seen == !nonzero,
	      "%s: gcda_add allocates only for non-zero counters", what);
	for (uint32_t i = 0; ctrs && i < g->nctrs; i++)
		CHECK(ctrs[i] == applied[i], "%s: gcda_add counter %u", what,
		      i);
	free(ctrs);
	free(seen);
}

static void try_gcda(const struct gcno_file *g, const unsigned char *d,
		     size_t n, const char *what)
{
	int64_t *ctrs = cr_xcalloc(g->nctrs + 1, sizeof(int64_t));
	struct gcda_info info;
	struct cr_error err;
	enum cr_err e;

	e = gcda_apply(g, d, n, "t.gcda", ctrs, NULL, &info, &err);
	if (e) {
		check_error(&err, e, "t.gcda", n, what);
		for (uint32_t i = 0; i < g->nctrs; i++)
			CHECK(ctrs[i] == 0, "%s: counters touched on error",
			      what);
	} else {
		exercise(g, ctrs);
	}
	try_gcda_add(g, d, n, e, ctrs, info.nonzero, what);
	free(ctrs);
}

static void mutate(unsigned char *d, size_t n)
{
	unsigned k = rnd() % 3;

	if (!n)
		return;
	if (k == 0) {
		d[rnd() % n] ^= (unsigned char)(1u << (rnd() % 8));
	} else if (k == 1 && n >= 4) {
		static const uint32_t words[] = { 0, 1, 2, 3, 0xffffffffu,
						  0x7fffffffu, 0x80000000u,
						  0x01000000u, 0x01a10000u,
						  0x01450000u, 0x100 };
		uint32_t w = words[rnd() % (sizeof(words) / 4)];
		memcpy(d + (rnd() % (n - 3) & ~3u), &w, 4);
	} else {
		d[rnd() % n] = (unsigned char)rnd();
	}
}

/* What gcda D (N bytes) reads as: counters, functions with counters, the
 * gcda written back; 0 when it does not read. */
struct readout {
	int64_t *ctrs;
	uint8_t *seen;
	struct gcda_info info;
	struct cr_buf back;
};

static int read_out(const struct gcno_file *g, const unsigned char *d,
		    size_t n, struct readout *o)
{
	struct cr_error err;

	o->ctrs = cr_xcalloc(g->nctrs + 1, sizeof(int64_t));
	o->seen = cr_xcalloc(g->nfns + 1, 1);
	cr_buf_init(&o->back);
	if (gcda_apply(g, d, n, "t.gcda", o->ctrs, o->seen, &o->info, &err))
		return 0;
	gcda_write(g, o->ctrs, o->seen, &o->info, &o->back);
	return 1;
}

static void readout_release(struct readout *o)
{
	free(o->ctrs);
	free(o->seen);
	cr_buf_release(&o->back);
}

/* gcda_strip_zero of D: smaller, and read as D is. */
static void try_strip(const struct gcno_file *g, const unsigned char *d,
		      size_t n, const char *what)
{
	unsigned char *out = cr_xmalloc(n + 16);
	size_t m = gcda_strip_zero(d, n, out, n + 16);
	struct readout a, b;

	if (g->flavor == GCOV_CLANG)
		CHECK(!m, "%s: a clang gcda is left as it is", what);
	if (m) {
		int ra = read_out(g, d, n, &a), rb = read_out(g, out, m, &b);
		CHECK(m < n, "%s: stripped to %zu of %zu bytes", what, m, n);
		CHECK(ra && rb, "%s: both read", what);
		CHECK(!ra || !rb ||
		      (!memcmp(a.ctrs, b.ctrs, g->nctrs * sizeof(int64_t)) &&
		       !memcmp(a.seen, b.seen, g->nfns) &&
		       a.info.nfunctions == b.info.nfunctions &&
		       a.info.runs == b.info.runs &&
		       a.back.len == b.back.len &&
		       !memcmp(a.back.buf, b.back.buf, a.back.len)),
		      "%s: the stripped gcda reads as the original", what);
		stripped[g->flavor]++;
		readout_release(&a);
		readout_release(&b);
	}
	free(out);
}

/* Strip every truncation of D, and a gcda written from D's counters with
 * every other function zero and some placeholders. */
static void strip_cases(const struct gcno_file *g, const unsigned char *d,
			size_t n)
{
	struct readout a;
	unsigned char *out = cr_xmalloc(n + 16);

	try_strip(g, d, n, "corpus gcda");
	for (size_t k = 0; k < n; k++) /* ASan: no read or write outside */
		CHECK(gcda_strip_zero(d, k, out, k + 16) <= k + 16,
		      "truncated gcda stripped in bounds");
	free(out);
	if (!read_out(g, d, n, &a))
		return;
	for (uint32_t f = 0; f < g->nfns; f++) {
		if (f % 2 == 0)
			memset(a.ctrs + g->fns[f].ctr_base, 0,
			       g->fns[f].nctrs * sizeof(int64_t));
		else if (!a.ctrs[g->fns[f].ctr_base] && g->fns[f].nctrs)
			a.ctrs[g->fns[f].ctr_base] = 3;
		a.seen[f] = f % 5 != 4;
	}
	cr_buf_reset(&a.back);
	gcda_write(g, a.ctrs, a.seen, &a.info, &a.back);
	try_strip(g, (const unsigned char *)a.back.buf, a.back.len,
		  "gcda with functions all zero and placeholders");
	readout_release(&a);
}

/* The pair of GCDA_PATH: every hostile case when ALL is set (a budget of
 * pairs), else only the stripping cases (every pair). */
static void one_pair(const char *gcda_path, int all)
{
	size_t nno, nda, len = strlen(gcda_path);
	char *gcno_path = cr_xstrdup(gcda_path);
	unsigned char *no, *da, *buf;
	struct gcno_file g;
	struct cr_error err;

	memcpy(gcno_path + len - 4, "gcno", 4);
	no = read_all(gcno_path, &nno);
	da = read_all(gcda_path, &nda);
	if (!no || !da || gcno_file_read(gcno_path, &g, &err)) {
		free(no);
		free(da);
		free(gcno_path);
		return;
	}
	strip_cases(&g, da, nda);
	if (!all) {
		gcno_file_release(&g);
		free(no);
		free(da);
		free(gcno_path);
		return;
	}
	pairs++;
	buf = cr_xmalloc(nno > nda ? nno + 1 : nda + 1);
	/* every truncation (all of them for small files) */
	for (size_t k = 0; k < nno; k += nno > 4096 ? 3 : 1)
		try_gcno(no, k, "truncated gcno");
	for (size_t k = 0; k < nda; k++)
		try_gcda(&g, da, k, "truncated gcda");
	/* random corruption */
	for (int i = 0; i < 300; i++) {
		memcpy(buf, no, nno);
		for (unsigned m = 1 + rnd() % 3; m--;)
			mutate(buf, nno);
		try_gcno(buf, nno, "corrupt gcno");
	}
	for (int i = 0; i < 600; i++) {
		memcpy(buf, da, nda);
		for (unsigned m = 1 + rnd() % 3; m--;)
			mutate(buf, nda);
		try_gcda(&g, buf, nda, "corrupt gcda");
	}
	/* an unknown version is named, not guessed at */
	memcpy(buf, no, nno);
	memcpy(buf + 4, "*39B", 4);
	{
		char path[64];
		struct gcno_file g2;
		snprintf(path, sizeof(path), "%s/v.gcno", tmpdir);
		write_file(path, buf, nno);
		CHECK(gcno_file_read(path, &g2, &err) == CR_EVERSION &&
		      strstr(err.msg, "B93*"), "unknown version: %s",
		      err.msg);
	}
	memcpy(buf, da, nda);
	memcpy(buf + 4, g.flavor == GCOV_GCC12 ? "*31B" : "*22B", 4);
	{
		int64_t *c = cr_xcalloc(g.nctrs + 1, sizeof(int64_t));
		struct gcda_info info;
		CHECK(gcda_apply(&g, buf, nda, "t.gcda", c, NULL, &info,
				 &err) == CR_EVERSION,
		      "gcda version differing from the gcno's");
		free(c);
	}
	gcno_file_release(&g);
	free(buf);
	free(no);
	free(da);
	free(gcno_path);
}

static void walk(const char *dir, int *budget)
{
	DIR *d = opendir(dir);
	struct dirent *de;

	if (!d)
		return;
	while ((de = readdir(d))) {
		char *p;
		struct stat st;
		size_t n = strlen(de->d_name);
		if (de->d_name[0] == '.')
			continue;
		p = cr_path_join(dir, de->d_name);
		if (stat(p, &st) == 0 && S_ISDIR(st.st_mode)) {
			walk(p, budget);
		} else if (n > 5 && !strcmp(de->d_name + n - 5, ".gcda")) {
			one_pair(p, *budget > 0);
			(*budget)--;
		}
		free(p);
	}
	closedir(d);
}

/* ---- a big-endian GCC 11 pair built by hand ----------------------------- */

struct wbuf {
	unsigned char d[1024];
	size_t n;
	int be;
};

static void w32(struct wbuf *b, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		b->d[b->n + i] = (unsigned char)(b->be ? v >> (24 - 8 * i)
						      : v >> (8 * i));
	b->n += 4;
}

static void wstr(struct wbuf *b, const char *s)
{
	size_t words = strlen(s) / 4 + 1;

	w32(b, (uint32_t)words);
	memset(b->d + b->n, 0, words * 4);
	memcpy(b->d + b->n, s, strlen(s));
	b->n += words * 4;
}

/* main: ENTRY(0) -> 2 -> EXIT(1), 2 -> 3 -> EXIT; counters on 2->3 and
 * 3->1 (the others on the tree). */
static void make_pair(struct wbuf *no, struct wbuf *da, int be)
{
	uint32_t v = ('B' << 24) | ('1' << 16) | ('3' << 8) | '*';
	size_t lenpos;

	no->n = da->n = 0;
	no->be = da->be = be;
	w32(no, GCNO_MAGIC);
	w32(no, v);
	w32(no, 1234);
	wstr(no, "/tmp");
	w32(no, 1);
	w32(no, TAG_FUNCTION);
	lenpos = no->n;
	w32(no, 0);
	w32(no, 7);
	w32(no, 11);
	w32(no, 22);
	wstr(no, "main");
	w32(no, 0);
	wstr(no, "m.c");
	w32(no, 1);
	w32(no, 1);
	w32(no, 5);
	w32(no, 1);
	{
		struct wbuf t = *no;
		t.n = lenpos;
		w32(&t, (uint32_t)((no->n - lenpos - 4) / 4));
		memcpy(no->d + lenpos, t.d + lenpos, 4);
	}
	w32(no, TAG_BLOCKS);
	w32(no, 1);
	w32(no, 4);
	w32(no, TAG_ARCS);
	w32(no, 3);
	w32(no, 0);
	w32(no, 2);
	w32(no, ARC_ON_TREE | ARC_FALLTHROUGH);
	w32(no, TAG_ARCS);
	w32(no, 5);
	w32(no, 2);
	w32(no, 1);
	w32(no, ARC_ON_TREE);
	w32(no, 3);
	w32(no, 0);
	w32(no, TAG_ARCS);
	w32(no, 3);
	w32(no, 3);
	w32(no, 1);
	w32(no, 0);
	w32(no, TAG_LINES);
	w32(no, 7);
	w32(no, 2);
	w32(no, 0);
	wstr(no, "m.c");
	w32(no, 3);
	w32(no, 0);
	w32(no, 0);

	w32(da, GCDA_MAGIC);
	w32(da, v);
	w32(da, 1234);
	w32(da, TAG_FUNCTION);
	w32(da, 3);
	w32(da, 7);
	w32(da, 11);
	w32(da, 22);
	w32(da, TAG_COUNTER_ARCS);
	w32(da, 4);
	w32(da, 5);   /* 2->3, low word */
	w32(da, 0);
	w32(da, 5);   /* 3->1 */
	w32(da, 0);
	w32(da, 0);
}

static void endian(void)
{
	struct wbuf no, da;
	int64_t counts[2][2];

	for (int be = 0; be < 2; be++) {
		char path[64];
		struct gcno_file g;
		struct cr_error err;
		struct gcda_info info;
		int64_t ctrs[2] = { 0, 0 };

		make_pair(&no, &da, be);
		snprintf(path, sizeof(path), "%s/e.gcno", tmpdir);
		write_file(path, no.d, no.n);
		if (gcno_file_read(path, &g, &err)) {
			CHECK(0, "hand-made gcno (be=%d): %s at %lld", be,
			      err.msg, err.offset);
			continue;
		}
		CHECK(g.nfns == 1 && !strcmp(g.fns[0].name, "main") &&
		      g.fns[0].nblocks == 4 && g.nctrs == 2 &&
		      !strcmp(g.cwd, "/tmp"), "hand-made gcno parsed (be=%d)",
		      be);
		CHECK(gcda_apply(&g, da.d, da.n, "e.gcda", ctrs, NULL, &info,
				 &err) == CR_OK, "hand-made gcda (be=%d): %s",
		      be, err.msg);
		counts[be][0] = ctrs[0];
		counts[be][1] = ctrs[1];
		gcno_file_release(&g);
	}
	CHECK(counts[0][0] == 5 && counts[1][0] == 5 && counts[1][1] == 5,
	      "big- and little-endian files read alike");
}

int main(int argc, char **argv)
{

	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 2;
	}
	endian();
	/* 4 pairs of each compiler and level (readdir order once left
	 * GCC 11 out) */
	if (argc > 1) {
		DIR *d = opendir(argv[1]);
		struct dirent *de;
		while (d && (de = readdir(d))) {
			int budget = 4;
			char *p = cr_path_join(argv[1], de->d_name);
			if (de->d_name[0] != '.')
				walk(p, &budget);
			free(p);
		}
		if (d)
			closedir(d);
	}
	{
		char p[80];
		snprintf(p, sizeof(p), "%s/t.gcno", tmpdir);
		unlink(p);
		snprintf(p, sizeof(p), "%s/v.gcno", tmpdir);
		unlink(p);
		snprintf(p, sizeof(p), "%s/e.gcno", tmpdir);
		unlink(p);
		rmdir(tmpdir);
	}
	if (argc > 1) {
		CHECK(stripped[GCOV_GCC11] && stripped[GCOV_GCC12],
		      "stripped gcda of GCC 11 (%d) and GCC 12 (%d)",
		      stripped[GCOV_GCC11], stripped[GCOV_GCC12]);
	}
	printf("test_readers: %d file pairs (%d, %d stripped: GCC 11, 12), "
	       "%d failure(s)\n", pairs, stripped[GCOV_GCC11],
	       stripped[GCOV_GCC12], failures);
	if (argc > 1 && pairs == 0) {
		fprintf(stderr, "no gcda/gcno pairs under %s\n", argv[1]);
		return 1;
	}
	return failures ? 1 : 0;
}
