/* SPDX-License-Identifier: MIT
 * collect/recwrite.c: allocation-free text output for the shim.
 *
 * The shim writes process records from constructors, fork children and
 * signal handlers, where malloc and stdio are off limits.  These helpers
 * append to a fixed buffer and write it with plain system calls.  The
 * format itself is parsed by collect/record.c.
 */
#include "collect/internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
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
