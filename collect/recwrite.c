/* SPDX-License-Identifier: MIT
 * collect/recwrite.c: allocation-free text output for the shim.
 *
 * The shim writes process records from constructors, fork children and
 * signal handlers, where malloc and stdio are off limits.  These helpers
 * append to a fixed buffer and write it with plain system calls.  The
 * format itself is parsed by collect/record.c.
 */
#include "collect/internal.h"
#include "gcov/gcov.h"
#include "rundir/rundir.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

void out_mem(struct outbuf *o, const char *s, size_t n)
{
	if (o->len + n >= o->cap) {
		o->overflow = 1;
		n = o->cap > o->len + 1 ? o->cap - o->len - 1 : 0;
	}
	memcpy(o->p + o->len, s, n);
	o->len += n;
}

void out_str(struct outbuf *o, const char *s)
{
	out_mem(o, s, strlen(s));
}

void out_u64(struct outbuf *o, uint64_t v)
{
	char tmp[24];
	int i = (int)sizeof(tmp);

	do {
		tmp[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	out_mem(o, tmp + i, sizeof(tmp) - (size_t)i);
}

void out_i64(struct outbuf *o, int64_t v)
{
	if (v < 0) {
		out_mem(o, "-", 1);
		out_u64(o, (uint64_t)0 - (uint64_t)v);
	} else {
		out_u64(o, (uint64_t)v);
	}
}

void out_hex(struct outbuf *o, uint64_t v, int width)
{
	static const char digits[] = "0123456789abcdef";
	char tmp[16];

	if (width > 16)
		width = 16;
	for (int i = width - 1; i >= 0; i--) {
		tmp[i] = digits[v & 15];
		v >>= 4;
	}
	out_mem(o, tmp, (size_t)width);
}

void out_escaped(struct outbuf *o, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '\\') {
			out_mem(o, "\\\\", 2);
		} else if (c == '\n') {
			out_mem(o, "\\n", 2);
		} else if (c == '\t') {
			out_mem(o, "\\t", 2);
		} else if (c < 0x20 || c == 0x7f) {
			out_mem(o, "\\x", 2);
			out_hex(o, c, 2);
		} else {
			out_mem(o, (const char *)&c, 1);
		}
	}
}

void out_end(struct outbuf *o)
{
	if (o->cap == 0)
		return;
	if (o->len >= o->cap)
		o->len = o->cap - 1;
	o->p[o->len] = '\0';
}

int write_atomic(const char *path, const char *tmp, const char *data,
		 size_t len)
{
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);

	if (fd < 0)
		return -1;
	while (len) {
		ssize_t n = write(fd, data, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			close(fd);
			unlink(tmp);
			return -1;
		}
		data += n;
		len -= (size_t)n;
	}
	if (close(fd) < 0 || rename(tmp, path) < 0) {
		unlink(tmp);
		return -1;
	}
	return 0;
}

/* One frame (docs/run-directory.md, "Frames"): its header and the NPARTS
 * pieces of its payload in one writev(), so that appends to a file
 * opened with O_APPEND never interleave with another process's. */
int frame_write(int fd, char kind, const struct iovec *parts, int nparts)
{
	struct iovec iov[8];
	char head[RUNDIR_FRAME_HEAD_MAX];
	uint32_t hash = rundir_hash(NULL, 0);
	size_t len = 0, total;
	ssize_t n;

	if (nparts < 0 || nparts > 7)
		return -1;
	for (int i = 0; i < nparts; i++) {
		len += parts[i].iov_len;
		hash = rundir_hash_more(hash, parts[i].iov_base,
					parts[i].iov_len);
		iov[i + 1] = parts[i];
	}
	iov[0].iov_base = head;
	iov[0].iov_len = rundir_frame_head_format(head, kind, len, hash);
	total = iov[0].iov_len + len;
	do
		n = writev(fd, iov, nparts + 1);
	while (n < 0 && errno == EINTR);
	return n == (ssize_t)total ? 0 : -1;
}

static uint32_t word_at(const unsigned char *p)
{
	uint32_t w;

	memcpy(&w, p, 4);
	return w;
}

/* The layout of a gcda image of N bytes: 1 with *BYTES (lengths in
 * bytes, GCC 12; else in words, GCC 11 and clang) and *HEAD (the header's
 * size) set, or 0 when it is not a version read here. */
static int gcda_layout(const unsigned char *p, size_t n, int *bytes,
		       size_t *head, int *gcc)
{
	uint32_t version, c0, c1;

	if (n < 12 || word_at(p) != GCDA_MAGIC) /* our byte order */
		return 0;
	version = word_at(p + 4);
	c0 = version >> 24;
	c1 = (version >> 16) & 0xff;
	if (c0 == 'B' && (c1 == '1' || c1 == '2'))
		*bytes = c1 == '2';
	else if (c0 == '4' && c1 == '0')
		*bytes = 0;
	else
		return 0;
	*gcc = c0 == 'B';
	*head = *bytes ? 16 : 12;
	return n >= *head;
}

/* The record at OFF of P[0..N): its tag, and the size of its payload
 * (*ZERO: GCC's negative length, all zero, no payload).  0 when it is the
 * end (a zero tag) or does not fit. */
static int gcda_record(const unsigned char *p, size_t n, size_t off,
		       int bytes, int gcc, uint32_t *tag, size_t *size,
		       int *zero)
{
	uint32_t len;

	if (n - off < 8)
		return 0;
	*tag = word_at(p + off);
	len = word_at(p + off + 4);
	if (!*tag)
		return 0;
	*zero = gcc && (int32_t)len < 0;
	*size = *zero ? 0 : bytes ? len : (size_t)len * 4;
	return *size <= n - off - 8;
}

static int all_zero(const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return 0;
	return 1;
}

/* Whether a gcda image of N bytes has a non-zero arc counter; 1 when
 * unsure (an unknown version or layout: keep it).  Lengths are words for
 * GCC 11 and clang, bytes for GCC 12; GCC writes a function whose
 * counters are all zero with a negative length (docs/gcov-format.md). */
int gcda_has_counts(const void *data, size_t n)
{
	const unsigned char *p = data;
	size_t off, size;
	uint32_t tag;
	int bytes, gcc, zero;

	if (!gcda_layout(p, n, &bytes, &off, &gcc))
		return 1;
	/* the file ends with a zero tag word and no length */
	for (; gcda_record(p, n, off, bytes, gcc, &tag, &size, &zero);
	     off += 8 + size)
		if (tag == TAG_COUNTER_ARCS && !all_zero(p + off + 8, size))
			return 1;
	return off == n || (n - off >= 4 && !word_at(p + off)) ? 0 : 1;
}

/* Is the function whose FUNCTION record is at OFF all zero: one arc
 * counter record, all zero, then another function or the end?  *NEXT
 * is then where the next record starts. */
static int zero_function(const unsigned char *p, size_t n, size_t off,
			 int bytes, int gcc, size_t *next)
{
	size_t size, at = off + 8 + 12;
	uint32_t tag;
	int zero;

	if (!gcda_record(p, n, at, bytes, gcc, &tag, &size, &zero) ||
	    tag != TAG_COUNTER_ARCS || (!zero && !all_zero(p + at + 8, size)))
		return 0;
	at += 8 + size;
	*next = at;
	return n - at < 8 || word_at(p + at) == TAG_FUNCTION ||
	       (word_at(p + at) & 0xff000000u) != 0x01000000u;
}

size_t gcda_strip_zero(const void *data, size_t n, void *outp, size_t cap)
{
	const unsigned char *p = data;
	unsigned char *out = outp;
	size_t off, w, size, nzero = 0, next;
	uint32_t tag, len;
	int bytes, gcc, zero;

	if (!gcda_layout(p, n, &bytes, &off, &gcc) || !gcc || cap < n + 16)
		return 0;
	memcpy(out, p, off);
	w = off;
	/* kept records from the front, idents from the back (each function
	 * left out frees at least 28 bytes, an ident takes 4) */
	for (; gcda_record(p, n, off, bytes, gcc, &tag, &size, &zero);
	     off += 8 + size) {
		if (tag == TAG_FUNCTION && size == 12 &&
		    zero_function(p, n, off, bytes, gcc, &next)) {
			nzero++;
			memcpy(out + cap - 4 * nzero, p + off + 8, 4);
			size = next - off - 8;
			continue;
		}
		memcpy(out + w, p + off, 8 + size);
		w += 8 + size;
	}
	if (!nzero || (off != n && (n - off < 4 || word_at(p + off))))
		return 0; /* nothing left out, or not the layout expected */
	tag = TAG_COVRUN_ZERO;
	len = bytes ? (uint32_t)(4 * nzero) : (uint32_t)nzero;
	memcpy(out + w, &tag, 4);
	memcpy(out + w + 4, &len, 4);
	w += 8;
	for (size_t i = 1; i <= nzero; i++, w += 4)
		memcpy(out + w, out + cap - 4 * i, 4);
	memcpy(out + w, p + off, n - off); /* the end, as written */
	return w + n - off;
}
