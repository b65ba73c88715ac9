/* SPDX-License-Identifier: MIT
 * common/common.h: the stand-alone helpers every covrun module shares.
 *
 * Error reporting (enum cr_err, struct cr_error), allocation that aborts on
 * out-of-memory (tool side only), a growable string buffer, inert text for
 * the terminal, path helpers and integer parsing.  Nothing here prints
 * except cr_xmalloc's out-of-memory message and CR_BUG; modules fill a
 * struct cr_error and the CLI prints it.  The preload shim uses none of
 * the allocating helpers.
 */
#ifndef COVRUN_COMMON_H
#define COVRUN_COMMON_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define CR_WUR __attribute__((warn_unused_result))
#define CR_PRINTF(a, b) __attribute__((format(printf, a, b)))

enum cr_err {
	CR_OK = 0,
	CR_ENOMEM,   /* allocation failed */
	CR_EIO,      /* a system call failed; errno text is in the message */
	CR_ECORRUPT, /* input is malformed or truncated */
	CR_ESTALE,   /* input does not match its counterpart (stamp, checksum) */
	CR_EVERSION, /* input is of a format version covrun does not read */
	CR_EUSAGE,   /* the caller asked for something impossible */
	CR_ENOENT,   /* a required file or directory does not exist */
	CR_EBUSY,    /* another covrun holds the directory (common/lock.c) */
};

/* A failure as a module reports it: the code, the file it concerns, the byte
 * offset in that file (-1 when none) and one line of text with no newline. */
struct cr_error {
	enum cr_err code;
	long long offset;
	char path[4096];
	char msg[1024];
};

/* Fill ERR (when not NULL) and return CODE.  The message is formatted from
 * FMT; PATH may be NULL.  Cannot fail. */
enum cr_err cr_error_set(struct cr_error *err, enum cr_err code,
			 const char *path, long long offset, const char *fmt,
			 ...) CR_PRINTF(5, 6);

/* Like cr_error_set, appending ": <strerror(errno)>" to the message. */
enum cr_err cr_error_errno(struct cr_error *err, const char *path,
			   const char *fmt, ...) CR_PRINTF(3, 4);

/* Reset ERR to "no error".  Cannot fail. */
void cr_error_clear(struct cr_error *err);

/* A short fixed name for CODE ("corrupt input", ...).  Cannot fail. */
const char *cr_strerror(enum cr_err code);

/* Report a broken invariant (file:line and message) and abort. */
#define CR_BUG(...) cr_bug(__FILE__, __LINE__, __VA_ARGS__)
void cr_bug(const char *file, int line, const char *fmt, ...)
	CR_PRINTF(3, 4) __attribute__((noreturn));

/* Allocation for the tool: on failure print the size asked for and abort. */
void *cr_xmalloc(size_t n);
void *cr_xcalloc(size_t count, size_t size);
void *cr_xrealloc(void *p, size_t n);
char *cr_xstrdup(const char *s);
char *cr_xstrndup(const char *s, size_t n);
char *cr_xasprintf(const char *fmt, ...) CR_PRINTF(1, 2);

/* Grow ARRAY (of element type of *ARRAY) so that index NEED-1 fits. */
#define CR_GROW(array, need, alloc)                                         \
	do {                                                                \
		if ((size_t)(need) > (alloc)) {                             \
			size_t cr_n_ = (alloc) ? (alloc) * 2 : 16;          \
			while (cr_n_ < (size_t)(need))                      \
				cr_n_ *= 2;                                 \
			(array) = cr_xrealloc((array),                      \
					      cr_n_ * sizeof(*(array)));    \
			(alloc) = cr_n_;                                    \
		}                                                           \
	} while (0)

/* A growable NUL-terminated byte string.  buf is never NULL after init. */
struct cr_buf {
	char *buf;    /* owned; NUL-terminated */
	size_t len;   /* bytes used, excluding the NUL */
	size_t alloc; /* bytes allocated */
};

void cr_buf_init(struct cr_buf *b);
void cr_buf_release(struct cr_buf *b);
void cr_buf_reset(struct cr_buf *b);
void cr_buf_add(struct cr_buf *b, const void *data, size_t n);
void cr_buf_adds(struct cr_buf *b, const char *s);
void cr_buf_addc(struct cr_buf *b, char c);
void cr_buf_addf(struct cr_buf *b, const char *fmt, ...) CR_PRINTF(2, 3);
void cr_buf_vaddf(struct cr_buf *b, const char *fmt, va_list ap);
/* Hand the string to the caller, who frees it; B is left empty. */
char *cr_buf_take(struct cr_buf *b);

/* Text a terminal shows and never acts on (common/inert.c), for every
 * name covrun prints: valid UTF-8 other than controls is kept; C0
 * controls, DEL, C1 controls and bytes that start no valid UTF-8 sequence
 * become \n, \r, \t or \xHH; each ASCII character in ALSO (may be NULL)
 * gets a backslash before it.  cr_inert returns the result of S (caller
 * frees); cr_is_inert says whether S is its own result (ALSO NULL). */
void cr_buf_add_inert(struct cr_buf *b, const char *s, const char *also);
/* Length of the valid UTF-8 sequence at S (N > 0 bytes left): 1 to 4, or
 * 0 when S starts none (RFC 3629: no overlong forms or surrogates). */
size_t cr_utf8_len(const unsigned char *s, size_t n);
char *cr_inert(const char *s);
int cr_is_inert(const char *s);

/* Paths.  All returned strings are owned by the caller. */
char *cr_path_join(const char *dir, const char *name);
/* Absolute form of PATH against the current directory, without resolving
 * links; "." and ".." components are folded lexically. */
char *cr_path_absolute(const char *path);
/* Directory part of PATH ("." when none). */
char *cr_path_dirname(const char *path);
/* Entries of directory DIR not starting with '.'; 0 when unreadable. */
size_t cr_count_entries(const char *dir);
/* The names of DIR's entries but hidden ones ('.' first), sorted by
 * bytes (scandir(3)); NULL when DIR cannot be read.  *N gets how many.
 * Free with cr_list_free. */
char **cr_list_dir(const char *dir, size_t *n);
void cr_list_free(char **names, size_t n);
/* Create DIR and its missing parents (mode 0777 & ~umask). */
enum cr_err cr_mkdir_p(const char *dir, struct cr_error *err) CR_WUR;
/* Remove PATH and everything below it; a missing PATH is not an error. */
enum cr_err cr_rm_rf(const char *path, struct cr_error *err) CR_WUR;
/* Write DATA to PATH atomically: a temporary file beside it, then rename. */
enum cr_err cr_write_file_atomic(const char *path, const void *data,
				 size_t len, struct cr_error *err) CR_WUR;
/* The same with at most MAX bytes read from the open file SRC, copied in
 * the kernel (a large file only passed on); a source cut short meanwhile
 * gives a shorter file, not an error. */
enum cr_err cr_write_fd_atomic(const char *path, int src, size_t max,
			       struct cr_error *err) CR_WUR;
/* Write DATA to the output PATH a user named (a report file): "-" is
 * standard output; a missing or regular file is written atomically as
 * above; a symbolic link, character device or FIFO is opened and written
 * through, never replaced (a link is followed; a path that is covrun's own
 * standard output, as /dev/stdout, is written to it); anything else
 * (directory, block device, socket) is refused with CR_EUSAGE. */
enum cr_err cr_write_output(const char *path, const void *data, size_t len,
			    struct cr_error *err) CR_WUR;
/* The largest file cr_read_file reads (process records, contexts files,
 * sources): README.md, "Known limits". */
#define CR_READ_MAX ((size_t)64 << 20)
/* Open PATH for reading without waiting: a FIFO, device or terminal is
 * never read from, and nothing but a regular file of at most MAX bytes is
 * accepted (CR_EIO "not a regular file (a FIFO)", CR_ECORRUPT "too
 * large"; a missing file is CR_ENOENT).  On success *FD is open
 * (close-on-exec, blocking reads) and *SIZE is its size. */
enum cr_err cr_open_regular(const char *path, size_t max, int *fd,
			    size_t *size, struct cr_error *err) CR_WUR;
/* Read the whole regular file at PATH, at most CR_READ_MAX bytes (see
 * cr_open_regular), into *OUT (NUL-terminated, caller frees). */
enum cr_err cr_read_file(const char *path, char **out, size_t *len,
			 struct cr_error *err) CR_WUR;
/* The same with the limit MAX. */
enum cr_err cr_read_file_max(const char *path, size_t max, char **out,
			     size_t *len, struct cr_error *err) CR_WUR;

/* Hold directory DIR (which exists) for this process: lock DIR/lock
 * (created when missing) without waiting, and write our pid into it.
 * *LOCK_FD stays open while we hold it; the kernel releases the lock when
 * the process ends.  Fails with CR_EBUSY naming the holder's pid when
 * another process holds it.  (common/lock.c) */
enum cr_err cr_lock_dir(const char *dir, int *lock_fd,
			struct cr_error *err) CR_WUR;
/* Pid of the process holding DIR, 0 when none, -1 when unknown.  Never
 * call it for a directory this process holds: closing any descriptor of
 * the lock file drops a POSIX lock. */
pid_t cr_lock_holder(const char *dir);

/* Parse a decimal integer in [MIN, MAX]; the whole string must be used. */
int cr_parse_long(const char *s, long min, long max, long *out);

/* Run WORK(ARGS + k * ARG_SIZE) for k in [0, NTHREADS) at once (ARG_SIZE 0:
 * the same ARGS for all), k = 0 on the calling thread, and wait for all; when a thread cannot be started,
 * the calling thread does its share too (WORK must take the next task
 * from a shared queue, not a fixed slice).  Returns the number of threads
 * that ran.  (common/workers.c) */
int cr_run_workers(int nthreads, void *(*work)(void *), void *args,
		   size_t arg_size);
/* Threads for NTASKS tasks: REQUESTED (<= 0: one per online CPU), at
 * most 64 and at most NTASKS, at least 1. */
int cr_worker_count(long requested, size_t ntasks);

/* String map (common/strmap.c): keys are byte strings without NUL, copied;
 * each maps to a uint32_t.  Zero-initialized is empty.  Walk it over
 * key[0..size) (NULL: free). */
struct strmap {
	char **key;            /* owned; [size] */
	uint32_t *val;         /* owned; [size] */
	size_t size, n;        /* slots (a power of 2), keys */
};

/* The value of KEY (LEN bytes), or NULL. */
uint32_t *strmap_find(const struct strmap *m, const char *key, size_t len);
/* Map KEY to VAL; returns 1, or 0 when KEY was there (its value kept). */
int strmap_put(struct strmap *m, const char *key, size_t len, uint32_t val);
void strmap_release(struct strmap *m);

/* Monotonic and wall-clock time in nanoseconds. */
int64_t cr_now_ns(void);
int64_t cr_wall_ns(void);

#endif /* COVRUN_COMMON_H */
