/* SPDX-License-Identifier: MIT
 * common/error.c: struct cr_error, the one way modules report failure.
 *
 * Modules never print: they fill a caller's struct cr_error with a code, the
 * file concerned, an offset and a one-line message (see common/common.h).
 * Only cli/msgs.c turns these into text on stderr.
 */
#include "common/common.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void fill(struct cr_error *err, enum cr_err code, const char *path,
		 long long offset, const char *fmt, va_list ap)
{
	err->code = code;
	err->offset = offset;
	snprintf(err->path, sizeof(err->path), "%s", path ? path : "");
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	for (char *p = err->msg; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
}

enum cr_err cr_error_set(struct cr_error *err, enum cr_err code,
			 const char *path, long long offset, const char *fmt,
			 ...)
{
	va_list ap;

	if (!err)
		return code;
	va_start(ap, fmt);
	fill(err, code, path, offset, fmt, ap);
	va_end(ap);
	return code;
}

enum cr_err cr_error_errno(struct cr_error *err, const char *path,
			   const char *fmt, ...)
{
	int saved = errno;
	enum cr_err code = saved == ENOENT ? CR_ENOENT
			   : saved == ENOMEM ? CR_ENOMEM
					     : CR_EIO;
	va_list ap;
	size_t n;

	if (!err)
		return code;
	va_start(ap, fmt);
	fill(err, code, path, -1, fmt, ap);
	va_end(ap);
	n = strlen(err->msg);
	snprintf(err->msg + n, sizeof(err->msg) - n, ": %s", strerror(saved));
	errno = saved;
	return code;
}

void cr_error_clear(struct cr_error *err)
{
	err->code = CR_OK;
	err->offset = -1;
	err->path[0] = '\0';
	err->msg[0] = '\0';
}

const char *cr_strerror(enum cr_err code)
{
	switch (code) {
	case CR_OK: return "no error";
	case CR_ENOMEM: return "out of memory";
	case CR_EIO: return "input/output error";
	case CR_ECORRUPT: return "corrupt input";
	case CR_ESTALE: return "stale input";
	case CR_EVERSION: return "unknown format version";
	case CR_EUSAGE: return "usage error";
	case CR_ENOENT: return "no such file";
	case CR_EBUSY: return "in use";
	}
	return "unknown error";
}

void cr_bug(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "covrun: BUG: %s:%d: ", file, line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}
