/* SPDX-License-Identifier: MIT
 * common/inert.c: text that a terminal shows and never acts on.
 *
 * covrun prints names it did not choose: the arguments, executables and
 * labels of the processes it ran, paths of data files.  A terminal acts on
 * control characters in them: ESC and the C1 controls start sequences that
 * set the window title, colours or the cursor, and a newline or carriage
 * return makes one message look like two.  Every message (cli/msgs.c), the
 * text tree and the summary pass such text through cr_buf_add_inert
 * (README.md, "Exit status": every error is one line).
 *
 * Valid UTF-8 other than controls stays readable.  Decoding is strict
 * (RFC 3629: no overlong forms, surrogates or code points past U+10FFFF),
 * so that a byte sequence no terminal would decode the same way is escaped
 * rather than guessed at; libxml2's xmlGetUTF8Char accepts overlong forms
 * and stray continuation bytes.  The report writers use the same decoder.
 */
#include "common/common.h"

#include <stdlib.h>
#include <string.h>

size_t cr_utf8_len(const unsigned char *s, size_t n)
{
	unsigned char lo = 0x80, hi = 0xbf;
	size_t len;

	if (s[0] < 0x80)
		return 1;
	if (s[0] < 0xc2 || s[0] > 0xf4)
		return 0;
	len = s[0] < 0xe0 ? 2 : s[0] < 0xf0 ? 3 : 4;
	if (s[0] == 0xe0)
		lo = 0xa0; /* overlong */
	else if (s[0] == 0xed)
		hi = 0x9f; /* surrogates */
	else if (s[0] == 0xf0)
		lo = 0x90; /* overlong */
	else if (s[0] == 0xf4)
		hi = 0x8f; /* past U+10FFFF */
	if (n < len || s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < len; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	return len;
}

static void add_escaped_byte(struct cr_buf *b, unsigned char c)
{
	if (c == '\n')
		cr_buf_adds(b, "\\n");
	else if (c == '\r')
		cr_buf_adds(b, "\\r");
	else if (c == '\t')
		cr_buf_adds(b, "\\t");
	else
		cr_buf_addf(b, "\\x%02x", c);
}

void cr_buf_add_inert(struct cr_buf *b, const char *s, const char *also)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s);

	for (size_t i = 0; i < n;) {
		size_t len = cr_utf8_len(p + i, n - i);
		int c1 = len == 2 && p[i] == 0xc2 && p[i + 1] < 0xa0;

		if (len == 1 && p[i] >= 0x20 && p[i] != 0x7f) {
			if (also && strchr(also, p[i]))
				cr_buf_addc(b, '\\');
			cr_buf_addc(b, (char)p[i]);
		} else if (len > 1 && !c1) {
			cr_buf_add(b, p + i, len);
		} else {
			/* C0, DEL, a C1 control (U+0080 to U+009F) or a
			 * byte that starts no valid sequence */
			len = len ? len : 1;
			for (size_t k = 0; k < len; k++)
				add_escaped_byte(b, p[i + k]);
		}
		i += len;
	}
}

char *cr_inert(const char *s)
{
	struct cr_buf b;

	cr_buf_init(&b);
	cr_buf_add_inert(&b, s, NULL);
	return cr_buf_take(&b);
}

int cr_is_inert(const char *s)
{
	char *t = cr_inert(s);
	int same = !strcmp(s, t);

	free(t);
	return same;
}
