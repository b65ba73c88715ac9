/* SPDX-License-Identifier: MIT
 * report/template.c: the "{name}" template expander of the HTML writer
 * (rp_expand in report/internal.h) and the look-up of the templates that
 * CMake embeds from templates/ into the generated templates_gen.c.
 *
 * The syntax is as small as redis's sdstemplate(): "{name}" is replaced by
 * the variable's value HTML-escaped, "{!name}" by the value as it is (for
 * markup the writer built and escaped itself).  Anything else, including a
 * "{" not followed by an identifier and "}", is copied as it is.
 */
#include "report/internal.h"

#include <string.h>

static int ident_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '_';
}

enum cr_err rp_expand(struct cr_buf *out, const char *text,
		      const struct rp_var *vars, size_t nvars,
		      const char *what, struct cr_error *err)
{
	const char *p = text, *run = text;

	while ((p = strchr(p, '{')) != NULL) {
		const char *name = p + 1;
		int raw = 0;
		size_t n = 0;
		size_t i;

		if (*name == '!') {
			raw = 1;
			name++;
		}
		while (ident_char(name[n]))
			n++;
		if (!n || name[n] != '}') {
			p++;
			continue;
		}
		for (i = 0; i < nvars; i++)
			if (strlen(vars[i].name) == n &&
			    !memcmp(vars[i].name, name, n))
				break;
		if (i == nvars)
			return cr_error_set(err, CR_EUSAGE, what, -1,
					    "unknown template variable '%.*s'",
					    (int)n, name);
		cr_buf_add(out, run, (size_t)(p - run));
		if (raw)
			cr_buf_adds(out, vars[i].value ? vars[i].value : "");
		else if (vars[i].value)
			rp_html_escape(out, vars[i].value,
				       strlen(vars[i].value));
		p = name + n + 1;
		run = p;
	}
	cr_buf_adds(out, run);
	return CR_OK;
}

const struct rp_template *rp_template_get(const char *name)
{
	for (size_t i = 0; i < rp_ntemplates; i++)
		if (!strcmp(rp_templates[i].name, name))
			return &rp_templates[i];
	CR_BUG("template '%s' is not embedded", name);
}
