/* SPDX-License-Identifier: MIT
 * collect/recwrite.c: allocation-free text output for the shim.
 *
 * The shim writes process records from constructors, fork children and
 * signal handlers, where malloc and stdio are off limits.  These helpers
 * append to a fixed buffer and write it with plain system calls.  The
 * format itself is parsed by collect/record.c.
 */
#include "collect/internal.h"
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

/* Whether a gcda image of N bytes has a non-zero arc counter; 1 when
 * unsure (an unknown version or layout: keep it).  Lengths are words for
 * GCC 11 and clang, bytes for GCC 12, where a negative length is a
 * function whose counters are all zero (docs/gcov-format.md). */
int gcda_has_counts(const void *data, size_t n)
{
	const unsigned char *p = data;
	uint32_t version, c0, c1;
	size_t off;
	int bytes;

	if (n < 12 || word_at(p) != 0x67636461u) /* "gcda", our byte order */
		return 1;
	version = word_at(p + 4);
	c0 = version >> 24;
	c1 = (version >> 16) & 0xff;
	if (c0 == 'B' && (c1 == '1' || c1 == '2'))
		bytes = c1 == '2';
	else if (c0 == '4' && c1 == '0')
		bytes = 0;
	else
		return 1;
	/* the file ends with a zero tag word and no length */
	for (off = bytes ? 16 : 12; off + 4 <= n;) {
		uint32_t tag = word_at(p + off), len;
		if (tag == 0)
			return 0;
		if (n - off < 8)
			return 1;
		len = word_at(p + off + 4);
		off += 8;
		if (bytes && (int32_t)len < 0)
			continue; /* all zero, no payload */
		size_t size = bytes ? len : (size_t)len * 4;
		if (size > n - off)
			return 1;
		if (tag == 0x01a10000u)
			for (size_t i = 0; i < size; i++)
				if (p[off + i])
					return 1;
		off += size;
	}
	return off == n ? 0 : 1;
}
