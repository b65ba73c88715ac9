/* SPDX-License-Identifier: MIT
 * tests/merge/gcov_json_write.c: gcov's own JSON document for one object.
 *
 * Writes what `gcov -b --json-format --stdout` prints for one gcda, with
 * gcov's file, function and line order (docs/gcov-format.md §4.7,
 * §7), from a layout and a solved workspace.  It exists for the
 * differential test against gcov (tests/merge/gcovjson.c); reports use
 * the data model instead.  It reads merge's layout and solver directly,
 * as a test of their internals may.
 */
#include "tests/merge/gcov_json_write.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

static void json_str(struct cr_buf *b, const char *s)
{
	cr_buf_addc(b, '"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\') {
			cr_buf_addc(b, '\\');
			cr_buf_addc(b, (char)c);
		} else if (c < 0x20) {
			cr_buf_addf(b, "\\u%04x", c);
		} else {
			cr_buf_addc(b, (char)c);
		}
	}
	cr_buf_addc(b, '"');
}

static void emit_line(const struct layout *lay, struct solve_ws *ws,
		      uint32_t slot, const char *fname, struct cr_buf *b,
		      int *first)
{
	const struct lslot *s = &lay->slots[slot];

	if (!*first)
		cr_buf_addc(b, ',');
	*first = 0;
	cr_buf_addf(b, "{\"line_number\":%u,", s->line);
	if (fname) {
		cr_buf_adds(b, "\"function_name\":");
		json_str(b, fname);
		cr_buf_addc(b, ',');
	}
	cr_buf_addf(b, "\"count\":%" PRId64 ",\"unexecuted_block\":%s,"
		    "\"branches\":[", slot_count(lay, s, ws),
		    slot_unexecuted(lay, s, ws) ? "true" : "false");
	for (uint32_t i = 0; i < s->nbr; i++) {
		uint32_t a = lay->ids[s->br + i];
		uint32_t f = lay->gb_fn[lay->ga_src[a]];
		uint32_t fl = lay->g->fns[f].arcs[a - lay->arc_base[f]].flags;
		cr_buf_addf(b, "%s{\"count\":%" PRId64 ",\"throw\":%s,"
			    "\"fallthrough\":%s}", i ? "," : "",
			    ws->arc[a], (fl & ARC_THROW) ? "true" : "false",
			    (fl & ARC_FALLTHROUGH) ? "true" : "false");
	}
	cr_buf_adds(b, "]}");
}

static void emit_functions(const struct layout *lay, struct solve_ws *ws,
			   const struct layout_src *src, struct cr_buf *b)
{
	const struct gcno_file *g = lay->g;
	uint32_t *v = cr_xmalloc((src->nfns + 1) * sizeof(uint32_t));

	if (src->nfns)
		memcpy(v, src->fns, src->nfns * sizeof(uint32_t));
	gcov_sort_fns(g, v, src->nfns);
	for (uint32_t i = 0; i < src->nfns; i++) {
		const struct gcno_fn *fn = &g->fns[v[i]];
		char *dem = gcov_demangle(fn->name);

		cr_buf_adds(b, i ? ",{\"name\":" : "{\"name\":");
		json_str(b, fn->name);
		cr_buf_adds(b, ",\"demangled_name\":");
		json_str(b, dem);
		free(dem);
		cr_buf_addf(b, ",\"start_line\":%u,\"start_column\":%u,"
			    "\"end_line\":%u,\"end_column\":%u,"
			    "\"blocks\":%u,\"blocks_executed\":%u,"
			    "\"execution_count\":%" PRId64 "}",
			    fn->start_line, fn->start_column, fn->end_line,
			    fn->end_column, fn->nblocks - 2,
			    fn_blocks_executed(lay, v[i], ws),
			    ws->block[lay->block_base[v[i]]]);
	}
	free(v);
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* gcov's line loop over 1..size, visiting only lines where something
 * happens: a function starts, a line exists, or a function ends. */
static void emit_lines(const struct layout *lay, struct solve_ws *ws,
		       const struct layout_src *src, struct cr_buf *b)
{
	const struct gcno_file *g = lay->g;
	size_t nev = 0, nstack = 0, si = 0;
	uint32_t *ev = cr_xmalloc((2 * src->nfns + src->nslots + 1) *
				  sizeof(uint32_t));
	uint32_t *stack = cr_xmalloc((src->nfns + 1) * sizeof(uint32_t));
	uint32_t *at = cr_xmalloc((src->nfns + 1) * sizeof(uint32_t));
	int first = 1;

	if (lay->clang) {
		/* llvm-cov: every line with blocks, no function names */
		for (uint32_t i = 0; i < src->nslots; i++)
			emit_line(lay, ws, src->slots[i], NULL, b, &first);
		free(ev);
		free(stack);
		free(at);
		return;
	}
	for (uint32_t i = 0; i < src->nfns; i++) {
		const struct gcno_fn *fn = &g->fns[src->fns[i]];
		if (fn->start_line >= 1 && fn->start_line <= src->size)
			ev[nev++] = fn->start_line;
		if (fn->end_line >= 1 && fn->end_line < src->size)
			ev[nev++] = fn->end_line;
	}
	for (uint32_t i = 0; i < src->nslots; i++)
		ev[nev++] = lay->slots[src->slots[i]].line;
	qsort(ev, nev, sizeof(uint32_t), cmp_u32);
	for (size_t e = 0; e < nev; e++) {
		uint32_t ln = ev[e], nat = 0;

		if (e && ev[e - 1] == ln)
			continue;
		for (uint32_t i = 0; i < src->nfns; i++)
			if (g->fns[src->fns[i]].start_line == ln)
				at[nat++] = src->fns[i];
		gcov_sort_fns(g, at, nat);
		for (uint32_t i = 0; i < nat; i++) {
			uint32_t f = at[i];
			if (!lay->is_group[f]) {
				stack[nstack++] = f;
				continue;
			}
			for (uint32_t k = 0; k < lay->grp_n[f]; k++)
				emit_line(lay, ws, lay->slot_order[
					lay->grp_first[f] + k],
					g->fns[f].name, b, &first);
		}
		if (ln >= src->size)
			continue;
		while (si < src->nslots &&
		       lay->slots[src->slots[si]].line < ln)
			si++;
		if (si < src->nslots && lay->slots[src->slots[si]].line == ln)
			emit_line(lay, ws, src->slots[si],
				  nstack ? g->fns[stack[nstack - 1]].name
					 : NULL, b, &first);
		if (nstack && g->fns[stack[nstack - 1]].end_line == ln)
			nstack--;
	}
	free(ev);
	free(stack);
	free(at);
}

void json_object_write(const struct layout *lay, struct solve_ws *ws,
		       const char *data_file, struct cr_buf *b)
{
	cr_buf_adds(b, "{\"format_version\":\"1\",");
	if (lay->g->cwd) {
		cr_buf_adds(b, "\"current_working_directory\":");
		json_str(b, lay->g->cwd);
		cr_buf_addc(b, ',');
	}
	cr_buf_adds(b, "\"data_file\":");
	json_str(b, data_file);
	cr_buf_adds(b, ",\"files\":[");
	for (uint32_t i = 0; i < lay->nsrcs; i++) {
		const struct layout_src *src = &lay->srcs[i];
		cr_buf_adds(b, i ? ",{\"file\":" : "{\"file\":");
		json_str(b, src->name);
		cr_buf_adds(b, ",\"functions\":[");
		emit_functions(lay, ws, src, b);
		cr_buf_adds(b, "],\"lines\":[");
		emit_lines(lay, ws, src, b);
		cr_buf_adds(b, "]}");
	}
	cr_buf_adds(b, "]}\n");
}
