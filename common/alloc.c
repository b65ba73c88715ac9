/* SPDX-License-Identifier: MIT
 * common/alloc.c: allocation for the covrun tool and the string buffer.
 *
 * The tool treats out-of-memory as fatal (redis's zmalloc does the same):
 * cr_xmalloc prints the size it could not get and aborts.  The preload shim
 * never links this file; it must not abort its host process.
 */
#include "common/common.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void oom(size_t n)
{
	fprintf(stderr, "covrun: out of memory allocating %zu bytes\n", n);
	abort();
}

void *cr_xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p)
		oom(n);
	return p;
}

void *cr_xcalloc(size_t count, size_t size)
{
	void *p = calloc(count ? count : 1, size ? size : 1);

	if (!p)
		oom(count * size);
	return p;
}

void *cr_xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);

	if (!q)
		oom(n);
	return q;
}

char *cr_xstrdup(const char *s)
{
	return cr_xstrndup(s, strlen(s));
}

char *cr_xstrndup(const char *s, size_t n)
{
	char *p = cr_xmalloc(n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *cr_xasprintf(const char *fmt, ...)
{
	struct cr_buf b;
	va_list ap;

	cr_buf_init(&b);
	va_start(ap, fmt);
	cr_buf_vaddf(&b, fmt, ap);
	va_end(ap);
	return cr_buf_take(&b);
}

void cr_buf_init(struct cr_buf *b)
{
	b->alloc = 64;
	b->len = 0;
	b->buf = cr_xmalloc(b->alloc);
	b->buf[0] = '\0';
}

void cr_buf_release(struct cr_buf *b)
{
	free(b->buf);
	b->buf = NULL;
	b->len = b->alloc = 0;
}

void cr_buf_reset(struct cr_buf *b)
{
	b->len = 0;
	b->buf[0] = '\0';
}

static void reserve(struct cr_buf *b, size_t extra)
{
	size_t need = b->len + extra + 1;

	if (need <= b->alloc)
		return;
	while (b->alloc < need)
		b->alloc *= 2;
	b->buf = cr_xrealloc(b->buf, b->alloc);
}

void cr_buf_add(struct cr_buf *b, const void *data, size_t n)
{
	reserve(b, n);
	memcpy(b->buf + b->len, data, n);
	b->len += n;
	b->buf[b->len] = '\0';
}

void cr_buf_adds(struct cr_buf *b, const char *s)
{
	cr_buf_add(b, s, strlen(s));
}

void cr_buf_addc(struct cr_buf *b, char c)
{
	reserve(b, 1);
	b->buf[b->len++] = c;
	b->buf[b->len] = '\0';
}

void cr_buf_vaddf(struct cr_buf *b, const char *fmt, va_list ap)
{
	va_list copy;
	int n;

	va_copy(copy, ap);
	n = vsnprintf(b->buf + b->len, b->alloc - b->len, fmt, copy);
	va_end(copy);
	if (n < 0)
		return;
	if ((size_t)n >= b->alloc - b->len) {
		reserve(b, (size_t)n);
		vsnprintf(b->buf + b->len, b->alloc - b->len, fmt, ap);
	}
	b->len += (size_t)n;
}

void cr_buf_addf(struct cr_buf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	cr_buf_vaddf(b, fmt, ap);
	va_end(ap);
}

char *cr_buf_take(struct cr_buf *b)
{
	char *s = b->buf;

	b->buf = NULL;
	b->len = b->alloc = 0;
	return s;
}
