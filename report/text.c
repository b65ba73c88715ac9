/* SPDX-License-Identifier: MIT
 * report/text.c: text helpers of the writers (report/internal.h).
 *
 * UTF-8 cleaning, HTML escaping, rate and percentage formatting, reading
 * source files line by line, atomic output files.
 */
#define _GNU_SOURCE
#include "report/internal.h"

#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Length of the valid UTF-8 sequence at S (at most N bytes), or 0.
 * U+FFFE and U+FFFF (EF BF BE, EF BF BF) are not XML characters. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
	size_t len = cr_utf8_len(s, n);

	if (len == 3 && s[0] == 0xef && s[1] == 0xbf && s[2] >= 0xbe)
		return 0;
	return len;
}

static const char replacement[] = "\xef\xbf\xbd";

char *rp_utf8_clean(const char *s, size_t len, int xml)
{
	struct cr_buf b;
	const unsigned char *p = (const unsigned char *)s;

	cr_buf_init(&b);
	for (size_t i = 0; i < len;) {
		size_t n = utf8_seq(p + i, len - i);
		if (!n || (xml && p[i] < 0x20 && p[i] != '\t' &&
			   p[i] != '\n' && p[i] != '\r')) {
			cr_buf_adds(&b, replacement);
			i += n ? n : 1;
			continue;
		}
		cr_buf_add(&b, p + i, n);
		i += n;
	}
	return cr_buf_take(&b);
}

void rp_html_escape(struct cr_buf *b, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t run = 0; /* start of the current run of plain bytes */

	for (size_t i = 0; i < len;) {
		const char *rep = NULL;
		size_t n = 1;
		unsigned char c = p[i];

		if (c < 0x80) {
			switch (c) {
			case '&': rep = "&amp;"; break;
			case '<': rep = "&lt;"; break;
			case '>': rep = "&gt;"; break;
			case '"': rep = "&quot;"; break;
			case '\'': rep = "&#39;"; break;
			default:
				if ((c < 0x20 && c != '\t') || c == 0x7f)
					rep = replacement;
			}
		} else {
			n = utf8_seq(p + i, len - i);
			if (!n) {
				rep = replacement;
				n = 1;
			}
		}
		if (rep) {
			cr_buf_add(b, s + run, i - run);
			cr_buf_adds(b, rep);
			run = i + n;
		}
		i += n;
	}
	cr_buf_add(b, s + run, len - run);
}

char *rp_rate(char *buf, uint64_t covered, uint64_t total)
{
	double r;

	if (!total) {
		snprintf(buf, 32, "1.0");
		return buf;
	}
	r = (double)covered / (double)total;
	if (r == 0.0) {
		snprintf(buf, 32, "0.0");
		return buf;
	}
	/* Shortest precision that reads back as the same double (Python's
	 * repr), in fixed notation. */
	for (int prec = 1; prec <= 17; prec++) {
		snprintf(buf, 32, "%.*g", prec, r);
		if (strtod(buf, NULL) == r)
			break;
	}
	if (strchr(buf, 'e')) {
		/* small rates: fixed notation with the same digits */
		int exp10 = (int)floor(log10(r));
		for (int prec = 1; prec <= 17; prec++) {
			snprintf(buf, 32, "%.*f", prec - 1 - exp10, r);
			if (strtod(buf, NULL) == r)
				break;
		}
	}
	if (!strchr(buf, '.')) {
		size_t n = strlen(buf);
		snprintf(buf + n, 32 - n, ".0");
	}
	return buf;
}

/* Round 100 * COVERED / TOTAL half up to DIGITS decimals, in exact integer
 * arithmetic, as scaled units (10^DIGITS per percent).  Partial coverage
 * never reaches 100 and some coverage never reaches 0: the nearest
 * displayable value inside the open interval is used instead (README,
 * "Rounding"). */
static uint64_t percent_units(uint64_t covered, uint64_t total, int digits)
{
	unsigned __int128 scale = 100, units;

	for (int d = 0; d < digits; d++)
		scale *= 10;
	units = ((unsigned __int128)covered * scale * 2 + total) /
		((unsigned __int128)total * 2);
	if (covered < total && units >= scale)
		units = scale - 1;
	if (covered > 0 && units == 0)
		units = 1;
	return (uint64_t)units;
}

char *rp_percent_digits(char *buf, size_t size, uint64_t covered,
			uint64_t total, int digits)
{
	uint64_t units, pow10 = 1;

	assert(covered <= total && digits >= 0 && digits <= 9);
	if (!total) {
		snprintf(buf, size, "-");
		return buf;
	}
	for (int d = 0; d < digits; d++)
		pow10 *= 10;
	units = percent_units(covered, total, digits);
	if (digits)
		snprintf(buf, size, "%llu.%0*llu%%",
			 (unsigned long long)(units / pow10), digits,
			 (unsigned long long)(units % pow10));
	else
		snprintf(buf, size, "%llu%%", (unsigned long long)units);
	return buf;
}

char *rp_percent(char *buf, size_t size, uint64_t covered, uint64_t total)
{
	return rp_percent_digits(buf, size, covered, total, 1);
}

int rp_source_read(const char *path, struct rp_source *src)
{
	struct cr_error err;

	return rp_source_load(path, src, &err);
}

int rp_source_load(const char *path, struct rp_source *src,
		   struct cr_error *err)
{
	uint32_t n = 0, alloc = 0;

	memset(src, 0, sizeof(*src));
	if (cr_read_file(path, &src->text, &src->len, err))
		return 0;
	for (size_t i = 0; i <= src->len;) {
		char *nl;
		CR_GROW(src->start, (size_t)n + 2, alloc);
		src->start[n++] = (uint32_t)i;
		nl = memchr(src->text + i, '\n', src->len - i);
		if (!nl)
			break;
		i = (size_t)(nl - src->text) + 1;
		if (i == src->len)
			break; /* final newline: no empty last line */
	}
	CR_GROW(src->start, (size_t)n + 2, alloc);
	/* one past the newline that would end the last line */
	src->start[n] = (uint32_t)src->len +
			(src->len && src->text[src->len - 1] == '\n' ? 0 : 1);
	src->nlines = src->len ? n : 0;
	return 1;
}

void rp_source_release(struct rp_source *src)
{
	free(src->text);
	free(src->start);
	memset(src, 0, sizeof(*src));
}

const char *rp_source_line(const struct rp_source *src, uint32_t n,
			   size_t *len)
{
	const char *s;
	size_t l;

	if (n < 1 || n > src->nlines) {
		*len = 0;
		return "";
	}
	s = src->text + src->start[n - 1];
	l = src->start[n] - src->start[n - 1] - 1;
	if (s + l > src->text + src->len)
		l = (size_t)(src->text + src->len - s);
	if (l && s[l - 1] == '\r')
		l--;
	*len = l;
	return s;
}

char *rp_dirname(const char *rel)
{
	const char *slash = strrchr(rel, '/');

	if (!slash)
		return cr_xstrdup("");
	if (slash == rel)
		return cr_xstrdup("/");
	return cr_xstrndup(rel, (size_t)(slash - rel));
}

enum cr_err rp_write(const char *path, const char *data, size_t len,
		     struct cr_error *err)
{
	return cr_write_file_atomic(path, data, len, err);
}

enum cr_err rp_write_output(const char *path, const char *data, size_t len,
			    struct cr_error *err)
{
	return cr_write_output(path, data, len, err);
}
