/* SPDX-License-Identifier: MIT
 * tests/common/test_common.c: unit tests of common/ (common/common.h), one
 * ctest test per scenario: test_common SCENARIO WORKDIR.
 *
 * Expected values come from the contract in common/common.h and from the
 * standards it cites (RFC 3629 for UTF-8), never from running the code:
 * e.g. "0x7fffffffffffffff + 1 does not fit a long" or "ED A0 80 encodes a
 * surrogate, which RFC 3629 forbids".
 */
#define _GNU_SOURCE
#include "common/common.h"
#include "tests/harness/unit.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>


static void check_str(char *got, const char *want, const char *what)
{
	CHECK(got && !strcmp(got, want), "%s: got '%s', want '%s'", what,
	      got ? got : "(null)", want);
	free(got);
}

static void test_parse_long(const char *work)
{
	long v = 0;

	(void)work;
	CHECK(cr_parse_long("42", 0, 100, &v) == 0 && v == 42, "plain 42");
	CHECK(cr_parse_long("-5", -10, 10, &v) == 0 && v == -5, "negative");
	CHECK(cr_parse_long("101", 0, 100, &v) != 0, "above MAX");
	CHECK(cr_parse_long("-1", 0, 100, &v) != 0, "below MIN");
	CHECK(cr_parse_long("12x", 0, 100, &v) != 0, "trailing garbage");
	CHECK(cr_parse_long("", 0, 100, &v) != 0, "empty string");
	CHECK(cr_parse_long("9223372036854775808", 0, 0x7fffffffffffffffL,
			    &v) != 0, "one above LONG_MAX");
}

static void test_paths(const char *work)
{
	(void)work;
	check_str(cr_path_join("a", "b"), "a/b", "join");
	check_str(cr_path_absolute("/a/./b/../c"), "/a/c", "fold . and ..");
	check_str(cr_path_absolute("/a//b/"), "/a/b", "duplicate slashes");
	check_str(cr_path_absolute("/.."), "/", ".. above the root");
	check_str(cr_path_dirname("a/b/c"), "a/b", "dirname");
	check_str(cr_path_dirname("c"), ".", "dirname without slash");
	check_str(cr_path_dirname("/c"), "/", "dirname at the root");
}

static void test_utf8(const char *work)
{
	static const struct {
		const char *bytes;
		size_t want;
		const char *what;
	} cases[] = {
		{"A", 1, "ASCII"},
		{"\xc3\xa9", 2, "U+00E9"},
		{"\xe2\x82\xac", 3, "U+20AC"},
		{"\xf0\x9f\x98\x80", 4, "U+1F600"},
		{"\xc0\xaf", 0, "overlong '/'"},
		{"\xe0\x80\xaf", 0, "overlong 3-byte '/'"},
		{"\xed\xa0\x80", 0, "surrogate U+D800"},
		{"\xf4\x90\x80\x80", 0, "above U+10FFFF"},
		{"\x80", 0, "lone continuation byte"},
		{"\xe2\x82", 0, "truncated sequence"},
	};

	(void)work;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t n = strlen(cases[i].bytes);
		size_t got = cr_utf8_len((const unsigned char *)cases[i].bytes,
					 n);
		CHECK(got == cases[i].want, "%s: length %zu, want %zu",
		      cases[i].what, got, cases[i].want);
	}
}

static void test_inert(const char *work)
{
	(void)work;
	check_str(cr_inert("plain caf\xc3\xa9"), "plain caf\xc3\xa9",
		  "valid UTF-8 kept");
	check_str(cr_inert("a\nb\tc\rd"), "a\\nb\\tc\\rd", "C0 escapes");
	check_str(cr_inert("\x1b[31m"), "\\x1b[31m", "ESC as \\xHH");
	check_str(cr_inert("\x7f"), "\\x7f", "DEL");
	check_str(cr_inert("\xc2\x9b"), "\\xc2\\x9b", "C1 control CSI");
	check_str(cr_inert("\xff"), "\\xff", "invalid byte");
	CHECK(cr_is_inert("ok name.c"), "plain text is inert");
	CHECK(!cr_is_inert("bad\x1b"), "ESC is not inert");
}

static void test_buf(const char *work)
{
	struct cr_buf b;

	(void)work;
	cr_buf_init(&b);
	CHECK(b.buf && b.len == 0 && b.buf[0] == 0, "empty after init");
	for (int i = 0; i < 1000; i++)
		cr_buf_addf(&b, "%03d", i % 1000);
	CHECK(b.len == 3000 && strlen(b.buf) == 3000, "3000 bytes");
	CHECK(!memcmp(b.buf + 2997, "999", 3), "last item");
	cr_buf_addc(&b, 'x');
	char *s = cr_buf_take(&b);
	CHECK(strlen(s) == 3001 && s[3000] == 'x', "take");
	CHECK(b.len == 0, "empty after take");
	free(s);
	cr_buf_release(&b);
}

static char *in(const char *work, const char *name)
{
	return cr_path_join(work, name);
}

/* A file of 300,000 bytes (past the stdio and read chunk sizes) is read
 * and copied whole, byte for byte; a copy stops at MAX bytes, and at the
 * end of a source cut short after it was opened (no fault, no error). */
static void test_large_file(const char *work)
{
	struct cr_error err;
	char *big = in(work, "big"), *empty = in(work, "empty"), *data = NULL;
	size_t n = 300000, len = 0, bad = 0;
	char *want = cr_xmalloc(n), *copy = in(work, "copy");
	size_t size = 0;
	int fd;

	for (size_t i = 0; i < n; i++)
		want[i] = (char)('a' + (i * 7 + i / 4099) % 26);
	CHECK(cr_write_file_atomic(big, want, n, &err) == CR_OK &&
	      cr_write_file_atomic(empty, "", 0, &err) == CR_OK, "write");
	CHECK(cr_read_file(big, &data, &len, &err) == CR_OK && len == n &&
	      !memcmp(data, want, n) && data[n] == '\0', "read whole");
	free(data);
	CHECK(cr_open_regular(big, CR_READ_MAX, &fd, &size, &err) == CR_OK &&
	      size == n, "open the source");
	CHECK(cr_write_fd_atomic(copy, fd, n, &err) == CR_OK, "copy: %s",
	      err.msg);
	CHECK(cr_read_file(copy, &data, &len, &err) == CR_OK && len == n &&
	      !memcmp(data, want, n), "copied whole");
	free(data);
	CHECK(lseek(fd, 0, SEEK_SET) == 0 &&
	      cr_write_fd_atomic(copy, fd, 1000, &err) == CR_OK &&
	      cr_read_file(copy, &data, &len, &err) == CR_OK && len == 1000 &&
	      !memcmp(data, want, 1000), "copied up to the limit");
	free(data);
	CHECK(lseek(fd, 0, SEEK_SET) == 0 && truncate(big, 4321) == 0 &&
	      cr_write_fd_atomic(copy, fd, n, &err) == CR_OK &&
	      cr_read_file(copy, &data, &len, &err) == CR_OK && len == 4321 &&
	      !memcmp(data, want, 4321), "a source cut short: what is left");
	free(data);
	close(fd);
	free(copy);
	CHECK(cr_read_file(empty, &data, &len, &err) == CR_OK && !len &&
	      data && !data[0], "empty: read as an empty string");
	free(data);
	for (size_t i = 0; i < n; i++) /* the pattern is not constant */
		bad += want[i] == want[0];
	CHECK(bad < n / 10, "the content varies");
	free(want);
	free(big);
	free(empty);
}

static void test_files(const char *work)
{
	struct cr_error err;
	char *dir = in(work, "a/b/c"), *file = in(work, "a/b/c/f");
	char *data = NULL, *fifo = in(work, "fifo");
	size_t len = 0;

	CHECK(cr_mkdir_p(dir, &err) == CR_OK, "mkdir -p: %s", err.msg);
	CHECK(cr_write_file_atomic(file, "hello", 5, &err) == CR_OK,
	      "atomic write: %s", err.msg);
	CHECK(cr_read_file(file, &data, &len, &err) == CR_OK && len == 5 &&
	      !strcmp(data, "hello"), "read back");
	free(data);
	CHECK(cr_read_file_max(file, 4, &data, &len, &err) == CR_ECORRUPT,
	      "5 bytes over a limit of 4: too large");
	CHECK(strstr(err.path, "a/b/c/f") != NULL, "error names the file");
	CHECK(cr_count_entries(dir) == 1, "one entry (no temporary left)");
	unlink(fifo);
	CHECK(mkfifo(fifo, 0600) == 0, "mkfifo");
	/* no writer: reading would block for ever; the call must not */
	alarm(10);
	CHECK(cr_read_file(fifo, &data, &len, &err) == CR_EIO,
	      "a FIFO is refused, not read");
	alarm(0);
	test_large_file(work);
	char *top = in(work, "a");
	CHECK(cr_rm_rf(top, &err) == CR_OK && access(top, F_OK) != 0,
	      "rm -rf");
	CHECK(cr_rm_rf(top, &err) == CR_OK, "rm -rf of a missing path");
	free(top);
	free(dir);
	free(file);
	free(fifo);
}

static void test_lock(const char *work)
{
	struct cr_error err;
	int fd = -1, st = 0;
	pid_t child;

	CHECK(cr_lock_dir(work, &fd, &err) == CR_OK, "lock: %s", err.msg);
	child = fork();
	if (child == 0) {
		int cfd = -1;
		enum cr_err e = cr_lock_dir(work, &cfd, &err);

		/* the holder is our parent, and says so */
		_exit(e == CR_EBUSY && cr_lock_holder(work) == getppid() ? 0
									 : 1);
	}
	CHECK(child > 0 && waitpid(child, &st, 0) == child &&
	      WIFEXITED(st) && WEXITSTATUS(st) == 0,
	      "a second process gets CR_EBUSY naming the holder");
	close(fd);
}

/* Sorted by bytes (not by locale), hidden entries left out, NULL for a
 * directory that cannot be read. */
static void test_list_dir(const char *work)
{
	static const char *const files[] = { "b", ".hidden", "B", "a10",
					     "a9" };
	char *dir = in(work, "list"), *missing = in(work, "no-such-dir");
	struct cr_error err;
	char **names;
	size_t n = 99;

	CHECK(cr_mkdir_p(dir, &err) == CR_OK, "mkdir: %s", err.msg);
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		char *p = cr_path_join(dir, files[i]);
		CHECK(cr_write_file_atomic(p, "", 0, &err) == CR_OK, "write");
		free(p);
	}
	names = cr_list_dir(dir, &n);
	CHECK(names && n == 4 && !strcmp(names[0], "B") &&
	      !strcmp(names[1], "a10") && !strcmp(names[2], "a9") &&
	      !strcmp(names[3], "b"), "sorted by bytes, no hidden entry");
	cr_list_free(names, n);
	CHECK(cr_list_dir(missing, &n) == NULL && n == 0,
	      "an unreadable directory lists as NULL");
	free(dir);
	free(missing);
}

static const struct unit_scenario scenarios[] = {
	{"parse_long", test_parse_long}, {"paths", test_paths},
	{"utf8", test_utf8},             {"inert", test_inert},
	{"buf", test_buf},               {"files", test_files},
	{"lock", test_lock},             {"list_dir", test_list_dir},
};

int main(int argc, char **argv)
{
	return unit_main("common", scenarios,
			 sizeof(scenarios) / sizeof(scenarios[0]), argc, argv);
}
