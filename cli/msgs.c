/* SPDX-License-Identifier: MIT
 * cli/msgs.c: the only place where covrun prints diagnostics.
 *
 * Errors, warnings and notes go to stderr, one line each, prefixed with
 * "covrun: ", control characters escaped; reports go to stdout from the
 * verbs themselves.
 */
#include "cli/cli.h"

#include <stdio.h>

int cli_quiet;

/* Names in a message come from the user's processes and files: control
 * characters in them are escaped (common/inert.c), so the message stays
 * one line and the terminal only shows it.  One write per line. */
static void vmsg(const char *kind, const char *fmt, va_list ap)
{
	struct cr_buf text, line;

	cr_buf_init(&text);
	cr_buf_vaddf(&text, fmt, ap);
	cr_buf_init(&line);
	cr_buf_adds(&line, "covrun: ");
	cr_buf_adds(&line, kind);
	cr_buf_add_inert(&line, text.buf, NULL);
	cr_buf_addc(&line, '\n');
	fwrite(line.buf, 1, line.len, stderr);
	cr_buf_release(&line);
	cr_buf_release(&text);
}

void errorf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg("error: ", fmt, ap);
	va_end(ap);
}

void warnf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg("warning: ", fmt, ap);
	va_end(ap);
}

void notef(const char *fmt, ...)
{
	va_list ap;

	if (cli_quiet)
		return;
	va_start(ap, fmt);
	vmsg("", fmt, ap);
	va_end(ap);
}

static void report(void (*out)(const char *, ...), const struct cr_error *e)
{
	if (e->path[0] && e->offset >= 0)
		out("'%s': %s (at byte %lld)", e->path, e->msg, e->offset);
	else if (e->path[0])
		out("'%s': %s", e->path, e->msg);
	else
		out("%s", e->msg);
}

void error_report(const struct cr_error *err)
{
	report(errorf, err);
}

void warn_report(const struct cr_error *err)
{
	report(warnf, err);
}
