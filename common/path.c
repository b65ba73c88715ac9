/* SPDX-License-Identifier: MIT
 * common/path.c: path strings and whole-file operations for the tool.
 *
 * Lexical path helpers (join, absolute, dirname), directory creation and
 * removal, and the write-to-temporary-then-rename idiom that keeps every
 * covrun output either complete or absent.
 */
#define _GNU_SOURCE
#include "common/common.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

char *cr_path_join(const char *dir, const char *name)
{
	size_t n = strlen(dir);

	if (name[0] == '/')
		return cr_xstrdup(name);
	if (n && dir[n - 1] == '/')
		return cr_xasprintf("%s%s", dir, name);
	return cr_xasprintf("%s/%s", dir, name);
}

/* Fold "." and ".." in an absolute path, in place. */
static void fold_components(char *path)
{
	char *out = path, *in = path;

	while (*in) {
		while (*in == '/')
			in++;
		if (!*in)
			break;
		char *end = strchrnul(in, '/');
		size_t n = (size_t)(end - in);
		if (n == 1 && in[0] == '.') {
			/* skip */
		} else if (n == 2 && in[0] == '.' && in[1] == '.') {
			while (out > path && *--out != '/')
				;
		} else {
			*out++ = '/';
			memmove(out, in, n);
			out += n;
		}
		in = end;
	}
	if (out == path)
		*out++ = '/';
	*out = '\0';
}

char *cr_path_absolute(const char *path)
{
	char *abs;

	if (path[0] == '/') {
		abs = cr_xstrdup(path);
	} else {
		char *cwd = getcwd(NULL, 0);
		abs = cr_path_join(cwd ? cwd : "/", path);
		free(cwd);
	}
	fold_components(abs);
	return abs;
}

char *cr_path_dirname(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (!slash)
		return cr_xstrdup(".");
	if (slash == path)
		return cr_xstrdup("/");
	return cr_xstrndup(path, (size_t)(slash - path));
}

size_t cr_count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	size_t n = 0;

	if (!d)
		return 0;
	while ((de = readdir(d)))
		n += de->d_name[0] != '.';
	closedir(d);
	return n;
}

static int not_hidden(const struct dirent *de)
{
	return de->d_name[0] != '.';
}

/* Byte order, whatever the locale (alphasort uses strcoll). */
static int by_bytes(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

char **cr_list_dir(const char *dir, size_t *n)
{
	struct dirent **de;
	char **names;
	int k = scandir(dir, &de, not_hidden, by_bytes);

	*n = 0;
	if (k < 0)
		return NULL;
	names = cr_xcalloc((size_t)k + 1, sizeof(*names));
	for (int i = 0; i < k; i++) {
		names[i] = cr_xstrdup(de[i]->d_name);
		free(de[i]);
	}
	free(de);
	*n = (size_t)k;
	return names;
}

void cr_list_free(char **names, size_t n)
{
	for (size_t i = 0; names && i < n; i++)
		free(names[i]);
	free(names);
}

enum cr_err cr_mkdir_p(const char *dir, struct cr_error *err)
{
	char *p = cr_xstrdup(dir);
	enum cr_err rc = CR_OK;

	for (char *s = p + 1; ; s++) {
		if (*s != '/' && *s != '\0')
			continue;
		char saved = *s;
		*s = '\0';
		if (mkdir(p, 0777) < 0 && errno != EEXIST) {
			rc = cr_error_errno(err, p, "cannot create directory");
			break;
		}
		*s = saved;
		if (!saved)
			break;
	}
	if (rc == CR_OK) {
		struct stat st;
		if (stat(dir, &st) < 0)
			rc = cr_error_errno(err, dir, "cannot create directory");
		else if (!S_ISDIR(st.st_mode))
			rc = cr_error_set(err, CR_EIO, dir, -1,
					  "not a directory");
	}
	free(p);
	return rc;
}

static int remove_one(const char *path, const struct stat *st, int flag,
		      struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	if (remove(path) < 0 && errno != ENOENT)
		return -1;
	return 0;
}

enum cr_err cr_rm_rf(const char *path, struct cr_error *err)
{
	struct stat st;

	if (lstat(path, &st) < 0)
		return errno == ENOENT ? CR_OK
				       : cr_error_errno(err, path, "cannot remove");
	if (nftw(path, remove_one, 64, FTW_DEPTH | FTW_PHYS) < 0)
		return cr_error_errno(err, path, "cannot remove");
	return CR_OK;
}

static int write_all(int fd, const void *data, size_t len)
{
	const char *p = data;

	while (len) {
		ssize_t n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* What fills the temporary file of an atomic write: 0, or -1 (errno). */
struct atomic_fill {
	const void *data; /* bytes to write, or NULL: copy from SRC */
	size_t len;       /* their length, or at most that many of SRC */
	int src;
};

static int fill(int fd, const struct atomic_fill *f)
{
	size_t left = f->len;
	ssize_t n = 0;

	if (f->data)
		return write_all(fd, f->data, f->len);
	/* in the kernel, not through the process: a source cut short ends
	 * the copy early instead of faulting */
	while (left > 0 && ((n = sendfile(fd, f->src, NULL, left)) > 0 ||
			    (n < 0 && errno == EINTR)))
		if (n > 0)
			left -= (size_t)n;
	return left > 0 && n < 0 ? -1 : 0;
}

/* A temporary file beside PATH, filled by F, then renamed to PATH. */
static enum cr_err write_atomic(const char *path, const struct atomic_fill *f,
				struct cr_error *err)
{
	char *tmp = cr_xasprintf("%s.tmp.%ld", path, (long)getpid());
	enum cr_err rc = CR_OK;
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);

	if (fd < 0) {
		rc = cr_error_errno(err, path, "cannot write");
	} else if (fill(fd, f) < 0) {
		rc = cr_error_errno(err, path, "cannot write");
		close(fd);
		unlink(tmp);
	} else if (close(fd) < 0 || rename(tmp, path) < 0) {
		rc = cr_error_errno(err, path, "cannot write");
		unlink(tmp);
	}
	free(tmp);
	return rc;
}

enum cr_err cr_write_file_atomic(const char *path, const void *data,
				 size_t len, struct cr_error *err)
{
	const struct atomic_fill f = { data ? data : "", len, -1 };

	return write_atomic(path, &f, err);
}

enum cr_err cr_write_fd_atomic(const char *path, int src, size_t max,
			       struct cr_error *err)
{
	const struct atomic_fill f = { NULL, max, src };

	return write_atomic(path, &f, err);
}

/* Is the file open at FD the one at ST (same device and inode)? */
static int same_file(int fd, const struct stat *st)
{
	struct stat o;

	return fstat(fd, &o) == 0 && o.st_dev == st->st_dev &&
	       o.st_ino == st->st_ino;
}

static enum cr_err write_fd(int fd, const char *path, const void *data,
			    size_t len, struct cr_error *err)
{
	if (fd == 1 || fd == 2) /* after what stdio holds for that stream */
		fflush(fd == 1 ? stdout : stderr);
	if (write_all(fd, data, len) < 0)
		return cr_error_errno(err, path, "cannot write");
	return CR_OK;
}

/* Write through PATH, which is not a regular file: a link is followed,
 * a FIFO without a reader is an error rather than a wait. */
static enum cr_err write_through(const char *path, const void *data,
				 size_t len, struct cr_error *err)
{
	struct stat st;
	enum cr_err rc;
	int fd;

	if (stat(path, &st) == 0 && (same_file(1, &st) || same_file(2, &st)))
		return write_fd(same_file(1, &st) ? 1 : 2, path, data, len,
				err);
	fd = open(path, O_WRONLY | O_CREAT | O_NOCTTY | O_NONBLOCK |
				O_CLOEXEC, 0666);
	if (fd < 0)
		return cr_error_errno(err, path, "cannot write");
	if (fstat(fd, &st) < 0 ||
	    !(S_ISREG(st.st_mode) || S_ISCHR(st.st_mode) ||
	      S_ISFIFO(st.st_mode))) {
		close(fd);
		return cr_error_set(err, CR_EUSAGE, path, -1,
				    "not writing a report into a directory, "
				    "block device or socket");
	}
	if ((S_ISREG(st.st_mode) && ftruncate(fd, 0) < 0) ||
	    fcntl(fd, F_SETFL, 0) < 0) {
		rc = cr_error_errno(err, path, "cannot write");
		close(fd);
		return rc;
	}
	rc = write_fd(fd, path, data, len, err);
	if (close(fd) < 0 && rc == CR_OK)
		rc = cr_error_errno(err, path, "cannot write");
	return rc;
}

enum cr_err cr_write_output(const char *path, const void *data, size_t len,
			    struct cr_error *err)
{
	struct stat st;

	if (!strcmp(path, "-"))
		return write_fd(1, "<standard output>", data, len, err);
	if (lstat(path, &st) < 0) {
		if (errno != ENOENT)
			return cr_error_errno(err, path, "cannot write");
		return cr_write_file_atomic(path, data, len, err);
	}
	if (S_ISREG(st.st_mode))
		return cr_write_file_atomic(path, data, len, err);
	if (S_ISLNK(st.st_mode) || S_ISCHR(st.st_mode) || S_ISFIFO(st.st_mode))
		return write_through(path, data, len, err);
	return cr_error_set(err, CR_EUSAGE, path, -1,
			    "not writing a report into a directory, block "
			    "device or socket");
}

static const char *file_kind(mode_t m)
{
	return S_ISDIR(m) ? "a directory" : S_ISFIFO(m) ? "a FIFO"
	       : S_ISCHR(m) ? "a character device"
	       : S_ISBLK(m) ? "a block device" : S_ISSOCK(m) ? "a socket"
	       : "not a plain file";
}

enum cr_err cr_open_regular(const char *path, size_t max, int *fd,
			    size_t *size, struct cr_error *err)
{
	struct stat st;
	enum cr_err rc;
	/* O_NONBLOCK: opening a FIFO without a writer would wait forever */
	int f = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);

	*fd = -1;
	if (f < 0)
		return errno == ENOENT
			       ? cr_error_set(err, CR_ENOENT, path, -1,
					      "cannot read: %s",
					      strerror(errno))
			       : cr_error_errno(err, path, "cannot read");
	if (fstat(f, &st) < 0) {
		rc = cr_error_errno(err, path, "cannot read");
	} else if (!S_ISREG(st.st_mode)) {
		rc = cr_error_set(err, CR_EIO, path, -1, "not a regular file "
				  "(%s)", file_kind(st.st_mode));
	} else if ((uint64_t)st.st_size > max) {
		rc = cr_error_set(err, CR_ECORRUPT, path, -1, "too large "
				  "(%lld bytes; at most %zu are read)",
				  (long long)st.st_size, max);
	} else {
		/* back to blocking reads: a regular file never waits */
		fcntl(f, F_SETFL, fcntl(f, F_GETFL) & ~O_NONBLOCK);
		*fd = f;
		*size = (size_t)st.st_size;
		return CR_OK;
	}
	close(f);
	return rc;
}

/* Read FD (PATH) to its end into *OUT, at most MAX bytes: the buffer is
 * sized from the file's SIZE first (copies and reallocations of a growing
 * buffer were most of a report's page faults), and grows only for a file
 * that grows while read. */
static enum cr_err read_all(int fd, const char *path, size_t size, size_t max,
			    char **out, size_t *len, struct cr_error *err)
{
	size_t cap = size + 1, n = 0;
	char *buf = cr_xmalloc(cap);

	for (;;) {
		ssize_t got;
		if (n + 1 == cap) {
			cap *= 2;
			buf = cr_xrealloc(buf, cap);
		}
		got = read(fd, buf + n, cap - 1 - n);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0 || (size_t)got > max - n) { /* grew while read */
			enum cr_err rc = got == 0 ? CR_OK
				: got < 0 ? cr_error_errno(err, path,
							   "cannot read")
				: cr_error_set(err, CR_ECORRUPT, path, -1,
					       "too large (more than %zu "
					       "bytes)", max);
			if (rc) {
				free(buf);
				return rc;
			}
			break;
		}
		n += (size_t)got;
	}
	buf[n] = '\0';
	*out = buf;
	if (len)
		*len = n;
	return CR_OK;
}

enum cr_err cr_read_file_max(const char *path, size_t max, char **out,
			     size_t *len, struct cr_error *err)
{
	size_t size;
	int fd;
	enum cr_err rc = cr_open_regular(path, max, &fd, &size, err);

	if (rc)
		return rc;
	rc = read_all(fd, path, size, max, out, len, err);
	close(fd);
	return rc;
}

enum cr_err cr_read_file(const char *path, char **out, size_t *len,
			 struct cr_error *err)
{
	return cr_read_file_max(path, CR_READ_MAX, out, len, err);
}

int cr_parse_long(const char *s, long min, long max, long *out)
{
	char *end;
	long v;

	if (!s || !*s)
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

int64_t cr_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int64_t cr_wall_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}
