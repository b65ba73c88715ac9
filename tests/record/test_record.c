/* SPDX-License-Identifier: MIT
 * tests/record/test_record.c: unit tests of the collect pieces that need
 * no process tree: reading process records (collect/record.c, format in
 * README.md, "Process records") and finding a command as execvp does
 * (collect_resolve_command), and reading a journal a window at a time
 * as the fold does (rundir_records_since).  One ctest test per scenario:
 * test_record SCENARIO WORKDIR.  Records are written by hand from the
 * README's format, so expected values come from the format, not from the
 * shim's output.
 */
#define _GNU_SOURCE
#include "collect/collect.h"
#include "rundir/rundir.h"
#include "tests/harness/unit.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>


static enum cr_err parse(const char *text, struct collect_record *rec,
			 struct cr_error *err)
{
	return collect_record_parse(text, strlen(text), "proc/x.rec", rec,
				    err);
}

static void test_fields(const char *work)
{
	static const char text[] =
		"covrun-record 1\n"
		"id img-2\nparent img-1\npid 200\nppid 100\nhow fork\n"
		"role child\ninstrumented 1\nexe /bin/a\\\\b\\nc\n"
		"cwd /tmp\\x09x\nlabel t1\nstart 1000\narg a\narg b c\n"
		"future-key whatever\nend exit 3\nfinish 2000\n";
	struct collect_record r;
	struct cr_error err;

	(void)work;
	CHECK(parse(text, &r, &err) == CR_OK, "parse: %s", err.msg);
	CHECK(!strcmp(r.id, "img-2") && !strcmp(r.parent, "img-1"), "ids");
	CHECK(r.pid == 200 && r.ppid == 100, "pids");
	CHECK(r.how == COLLECT_HOW_FORK && r.role == COLLECT_ROLE_CHILD,
	      "how and role");
	CHECK(r.instrumented == 1, "instrumented");
	CHECK(!strcmp(r.exe, "/bin/a\\b\nc"), "\\\\ and \\n unescaped: %s",
	      r.exe);
	CHECK(!strcmp(r.cwd, "/tmp\tx"), "\\x09 unescaped");
	CHECK(r.argc == 2 && !strcmp(r.argv[0], "a") &&
	      !strcmp(r.argv[1], "b c") && !r.argv[2], "arguments in order");
	CHECK(r.start_ns == 1000 && r.end_ns == 2000, "times");
	CHECK(r.end == COLLECT_END_EXIT && r.status == 3, "end exit 3");
	collect_record_release(&r);
}

static void test_updates(const char *work)
{
	struct collect_record r;
	struct cr_error err;
	char buf[64];

	(void)work;
	/* the shim appends the end; a later value replaces an earlier one */
	CHECK(parse("covrun-record 1\nid i\ninstrumented 0\nend exit 0\n"
		    "instrumented 1\nend signal 9\n", &r, &err) == CR_OK,
	      "parse: %s", err.msg);
	CHECK(r.instrumented == 1 && r.end == COLLECT_END_SIGNAL &&
	      r.status == 9, "later values win");
	collect_end_describe(&r, buf, sizeof(buf));
	CHECK(!strcmp(buf, "signal 9 (SIGKILL)"), "described as '%s'", buf);
	collect_record_release(&r);
	/* an append cut short: the last line has no newline and is ignored */
	CHECK(parse("covrun-record 1\nid i\nend _exit 4\nend exi", &r,
		    &err) == CR_OK, "cut record: %s", err.msg);
	CHECK(r.end == COLLECT_END__EXIT && r.status == 4,
	      "cut line ignored");
	collect_record_release(&r);
	CHECK(parse("covrun-record 1\nid i\nend exec\n", &r, &err) == CR_OK &&
	      r.end == COLLECT_END_EXEC, "end exec");
	collect_record_release(&r);
	CHECK(parse("covrun-record 1\nid i\n", &r, &err) == CR_OK &&
	      r.end == COLLECT_END_NONE, "no end: no trace");
	collect_record_release(&r);
}

static void test_corrupt(const char *work)
{
	static const char *const bad[] = {
		"",
		"covrun-record 2\nid i\n",
		"not a record\n",
		"covrun-record 1\nno-space-here\n",
		"covrun-record 1\nid i\npid twelve\n",
		"covrun-record 1\nid i\nend exit\n",
		"covrun-record 1\nid i\nrole boss\n",
	};
	struct collect_record r;
	struct cr_error err;

	(void)work;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CHECK(parse(bad[i], &r, &err) == CR_ECORRUPT,
		      "case %zu is corrupt", i);
		CHECK(!strcmp(err.path, "proc/x.rec"),
		      "case %zu: the message names the file", i);
	}
}

static void test_resolve(const char *work)
{
	char *path = NULL, *dir = cr_path_join(work, "bin");
	char *plain = cr_path_join(dir, "plain");
	struct cr_error err;
	FILE *f;

	CHECK(cr_mkdir_p(dir, &err) == CR_OK, "mkdir");
	f = fopen(plain, "w");
	CHECK(f != NULL, "create %s", plain);
	if (f)
		fclose(f);
	chmod(plain, 0644); /* not executable */
	setenv("PATH", dir, 1);
	CHECK(collect_resolve_command("plain", &path) == EACCES,
	      "a file we may not execute: EACCES");
	CHECK(collect_resolve_command("nothing-here", &path) == ENOENT,
	      "a missing command: ENOENT");
	chmod(plain, 0755);
	path = NULL;
	CHECK(collect_resolve_command("plain", &path) == 0 && path &&
	      !strcmp(path, plain), "found in PATH: %s", path ? path : "-");
	free(path);
	path = NULL;
	CHECK(collect_resolve_command(plain, &path) == 0,
	      "a name with '/' is taken as is");
	free(path);
	free(plain);
	free(dir);
}

/* Append a frame of KIND with PAYLOAD (N bytes) to F. */
static void put_frame(FILE *f, char kind, const char *payload, size_t n)
{
	char head[RUNDIR_FRAME_HEAD_MAX];
	size_t h = rundir_frame_head_format(head, kind, n,
					    rundir_hash(payload, n));

	fwrite(head, 1, h, f);
	fwrite(payload, 1, n, f);
}

struct seen_frames {
	int data, records;
};

static void on_record(void *arg, const char *id, const char *text,
		      size_t len, int whole)
{
	(void)id;
	(void)text;
	(void)len;
	(void)whole;
	((struct seen_frames *)arg)->records++;
}

static void on_data(void *arg, const char *id, const char *rest, size_t len,
		    uint64_t offset)
{
	(void)id;
	(void)rest;
	(void)len;
	(void)offset;
	((struct seen_frames *)arg)->data++;
}

/* Looks of at most MAX bytes until nothing more comes: what they saw. */
static struct seen_frames read_windows(const char *dir, uint64_t max)
{
	struct rundir_cursor cur = { 0, max, 0 };
	struct seen_frames seen = { 0, 0 };
	struct cr_error err;

	for (int looks = 0; looks < 1000; looks++) {
		uint64_t was = cur.journal_offset;
		CHECK(rundir_records_since(dir, &cur, NULL, on_record, on_data,
					   &seen, &err) == CR_OK,
		      "look: %s", err.msg);
		if (cur.journal_offset == was && !cur.more)
			break;
	}
	return seen;
}

/* A journal read a window at a time (the fold: rundir_records_since
 * with max_read) misses no whole frame: not one behind 1,700 bytes of
 * damage, not one longer than the window, not one crossing a window's
 * end; a frame cut short at the end is left for the next look. */
static void test_journal_window(const char *work)
{
	char *dir = cr_path_join(work, "window");
	char *path = cr_path_join(dir, RUNDIR_JOURNAL);
	char big[5000], data[400];
	struct cr_error err;
	struct seen_frames seen;
	FILE *f;

	CHECK(cr_mkdir_p(dir, &err) == CR_OK, "mkdir");
	f = fopen(path, "w");
	CHECK(f != NULL, "create %s", path);
	if (!f)
		return;
	put_frame(f, RUNDIR_FRAME_RECORD, "id a\npid 1\n", 12);
	for (int i = 0; i < 1700; i++)
		fputc('x', f); /* damage */
	memset(data, 'g', sizeof(data));
	memcpy(data, "a\0/p/x.gcda\0", 13);
	for (int i = 0; i < 3; i++)
		put_frame(f, RUNDIR_FRAME_DATA, data, sizeof(data));
	memset(big, 'g', sizeof(big));
	memcpy(big, "a\0/p/y.gcda\0", 13);
	put_frame(f, RUNDIR_FRAME_DATA, big, sizeof(big)); /* > window */
	put_frame(f, RUNDIR_FRAME_RECORD, "id a\ndumped 5\n", 15);
	fputs("@d 999 00000000\nabc", f); /* being written */
	fclose(f);
	for (uint64_t max = 0; max <= 1000; max += 250) {
		seen = read_windows(dir, max);
		CHECK(seen.data == 4 && seen.records == 2,
		      "windows of %llu bytes: %d data frames (4), %d records "
		      "(2)", (unsigned long long)max, seen.data, seen.records);
	}
	free(path);
	free(dir);
}

/* Offset of F's end (the journal's size so far). */
static uint64_t journal_end(FILE *f)
{
	fflush(f);
	return (uint64_t)ftell(f);
}

/* The "@r" frames journal.z of DIR stands for, counted by image id. */
static void count_compacted(const char *dir, int *a, int *b, int *other)
{
	char *path = cr_path_join(dir, RUNDIR_JOURNAL_Z), *z;
	size_t zlen, at = 0;
	struct cr_buf out;
	struct rundir_frame f;
	struct cr_error err;
	int rc;

	*a = *b = *other = 0;
	cr_buf_init(&out);
	CHECK(cr_read_file(path, &z, &zlen, &err) == CR_OK, "read %s", path);
	CHECK(rundir_journal_z_inflate(z, zlen, (size_t)1 << 20, &out, NULL) == 0,
	      "inflate %s", path);
	while ((rc = rundir_next_frame(out.buf, out.len, &at, &f)) != 0) {
		if (rc > 0 && f.kind == RUNDIR_FRAME_RECORD &&
		    !strncmp(f.payload, "id a\n", 5))
			(*a)++;
		else if (rc > 0 && f.kind == RUNDIR_FRAME_RECORD &&
			 !strncmp(f.payload, "id b\n", 5))
			(*b)++;
		else
			(*other)++;
	}
	cr_buf_release(&out);
	free(z);
	free(path);
}

static const struct collect_record *find(const struct collect_run *run,
					 const char *id)
{
	long i = collect_run_find(run, id);

	return i < 0 ? NULL : &run->records[i];
}

/* Compaction (docs/run-directory.md, "Journal compaction") keeps the
 * entries of an image compacted in one step as one entry, leaves out
 * "@d" frames and keeps a damaged place for readers to name: two images
 * of three entries each, interleaved with counters and damage, compacted
 * in two steps (image a's last entry in the second), read back whole. */
static void test_journal_compact(const char *work)
{
	char *dir = cr_path_join(work, "compact");
	char *path = cr_path_join(dir, RUNDIR_JOURNAL);
	static const char data[] = "a\0/p/x.gcda\0gcda bytes";
	struct rundir_compactor *c;
	struct collect_run run;
	const struct collect_record *ra, *rb;
	struct cr_error err;
	uint64_t step1, step2;
	int na, nb, other;
	FILE *f;

	CHECK(cr_mkdir_p(dir, &err) == CR_OK, "mkdir");
	f = fopen(path, "w");
	CHECK(f != NULL, "create %s", path);
	if (!f)
		return;
#define PUT(text) put_frame(f, RUNDIR_FRAME_RECORD, text, strlen(text))
	PUT("id a\npid 1\nexe /bin/a\nstart 10\narg a1\narg a2\n"
	    "instrumented 1\n");
	PUT("id b\npid 2\nparent a\nexe /bin/b\nstart 11\n"
	    "instrumented 1\n");
	put_frame(f, RUNDIR_FRAME_DATA, data, sizeof(data));
	fputs("@r 40 0badf00d\nid b\ncut short", f); /* damage */
	PUT("id a\ninstrumented 1\nend exit 3\nfinish 20\n");
	PUT("id b\nend signal 9\nfinish 21\n");
	PUT("id b\ndumped 22\n");
	step1 = journal_end(f);
	PUT("id a\ndumped 23\n");
	step2 = journal_end(f);
	PUT("id c\npid 3\nstart 12\n"); /* after the mark */
#undef PUT
	fclose(f);
	c = rundir_compactor_new(dir);
	CHECK(rundir_journal_compact(c, step1, &err) == CR_OK,
	      "compact to %llu: %s", (unsigned long long)step1, err.msg);
	count_compacted(dir, &na, &nb, &other);
	CHECK(na == 1 && nb == 1 && other == 1, "one entry per image in a "
	      "step and the damage: a %d (1), b %d (1), other %d (1)", na,
	      nb, other);
	CHECK(rundir_journal_compact(c, step2, &err) == CR_OK,
	      "compact to %llu: %s", (unsigned long long)step2, err.msg);
	rundir_compactor_free(c);
	count_compacted(dir, &na, &nb, &other);
	CHECK(na == 2 && nb == 1 && other == 1, "a's last entry in its own "
	      "step: a %d (2), b %d (1), other %d (1)", na, nb, other);
	CHECK(collect_run_load(dir, &run, NULL, &err) == CR_OK, "load: %s",
	      err.msg);
	ra = find(&run, "a");
	rb = find(&run, "b");
	CHECK(run.nrecords == 3 && run.nbad == 1, "3 records (%zu), the "
	      "damage named once (%zu)", run.nrecords, run.nbad);
	CHECK(ra && ra->pid == 1 && ra->argc == 2 && ra->end_ns == 20 &&
	      ra->end == COLLECT_END_EXIT && ra->status == 3 &&
	      ra->dumped_ns == 23, "image a whole");
	CHECK(rb && rb->pid == 2 && !strcmp(rb->parent, "a") &&
	      rb->end == COLLECT_END_SIGNAL && rb->status == 9 &&
	      rb->dumped_ns == 22, "image b whole");
	CHECK(find(&run, "c") != NULL, "image c, after the mark");
	collect_run_release(&run);
	free(path);
	free(dir);
}

static const struct unit_scenario scenarios[] = {
	{"fields", test_fields},   {"updates", test_updates},
	{"corrupt", test_corrupt}, {"resolve", test_resolve},
	{"journal_window", test_journal_window},
	{"journal_compact", test_journal_compact},
};

int main(int argc, char **argv)
{
	return unit_main("record", scenarios,
			 sizeof(scenarios) / sizeof(scenarios[0]), argc, argv);
}
