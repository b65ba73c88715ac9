/* SPDX-License-Identifier: MIT
 * gcov/gcno.c: the .gcno reader (GCC 11, GCC 12, clang 14).
 *
 * Parses a notes file into struct gcno_file (gcov/gcov.h): the header
 * (version, stamp, cwd), then per function its blocks, arcs and line
 * locations.  After a function is read, the attributes gcov derives from
 * the graph are computed once: counter indices (non-tree arcs in block
 * order), call-non-return and throw arcs, unconditional arcs, successor
 * order by destination, predecessor lists and exceptional blocks
 * (docs/gcov-format.md §1, §2, §4.1).  Malformed input is
 * CR_ECORRUPT with the byte offset; nothing is asserted on file content.
 */
#include "gcov/gcov.h"

#include <stdlib.h>
#include <string.h>

/* A function being read, before its arrays are final. */
struct fn_build {
	struct gcno_arc *arcs;
	size_t narcs, arcs_alloc;
	struct {
		uint32_t block, src, first_line, nlines;
	} *locs;
	size_t nlocs, locs_alloc;
	uint32_t *lines;
	size_t nlines, lines_alloc;
};

static uint32_t find_src(struct gcno_file *g, const char *name,
			 size_t *alloc)
{
	if (!name)
		name = "<unknown>";
	for (uint32_t i = 0; i < g->nsrcs; i++)
		if (!strcmp(g->srcs[i], name))
			return i;
	CR_GROW(g->srcs, g->nsrcs + 1, *alloc);
	g->srcs[g->nsrcs] = cr_xstrdup(name);
	return g->nsrcs++;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* Stable sort of one block's successor arc ids by destination, as gcov's
 * bubble sort leaves them. */
static void sort_succ(const struct gcno_arc *arcs, uint32_t *ids, uint32_t n)
{
	for (uint32_t i = 1; i < n; i++) {
		uint32_t v = ids[i], j = i;
		while (j > 0 && arcs[ids[j - 1]].dst > arcs[v].dst) {
			ids[j] = ids[j - 1];
			j--;
		}
		ids[j] = v;
	}
}

static void mark_exceptional(struct gcno_fn *fn)
{
	uint32_t *queue = cr_xmalloc(fn->nblocks * sizeof(*queue));
	uint32_t n = 0;

	for (uint32_t i = 0; i < fn->nblocks; i++)
		fn->blocks[i].exceptional = 1;
	fn->blocks[0].exceptional = 0;
	queue[n++] = 0;
	while (n) {
		const struct gcno_block *b = &fn->blocks[queue[--n]];
		for (uint32_t k = 0; k < b->nsucc; k++) {
			const struct gcno_arc *a = &fn->arcs[fn->succ[
				b->first_succ + k]];
			if (!(a->flags & (ARC_FAKE | ARC_THROW)) &&
			    fn->blocks[a->dst].exceptional) {
				fn->blocks[a->dst].exceptional = 0;
				queue[n++] = a->dst;
			}
		}
	}
	free(queue);
}

/* Turn the lists read for FN into its final arrays and derived flags. */
/* Successor and predecessor lists of FN's blocks: each block's arcs are
 * contiguous, in creation order (SUCC_FILE; PRED). */
static void fn_link_arcs(struct gcno_fn *fn)
{
	uint32_t nb = fn->nblocks;
	uint32_t *cnt = cr_xcalloc(nb + 1, sizeof(uint32_t));

	for (uint32_t i = 0; i < fn->narcs; i++)
		cnt[fn->arcs[i].src]++;
	for (uint32_t b = 0, pos = 0; b < nb; b++) {
		fn->blocks[b].first_succ = pos;
		fn->blocks[b].nsucc = 0;
		pos += cnt[b];
	}
	for (uint32_t i = 0; i < fn->narcs; i++) {
		struct gcno_block *b = &fn->blocks[fn->arcs[i].src];
		fn->succ_file[b->first_succ + b->nsucc++] = i;
	}
	memset(cnt, 0, (nb + 1) * sizeof(uint32_t));
	for (uint32_t i = 0; i < fn->narcs; i++)
		cnt[fn->arcs[i].dst]++;
	for (uint32_t b = 0, pos = 0; b < nb; b++) {
		fn->blocks[b].first_pred = pos;
		fn->blocks[b].npred = 0;
		pos += cnt[b];
	}
	for (uint32_t i = 0; i < fn->narcs; i++) {
		struct gcno_block *b = &fn->blocks[fn->arcs[i].dst];
		fn->pred[b->first_pred + b->npred++] = i;
	}
	free(cnt);
}

/* Block B of FN: number its counters, derive its arcs' kinds (fake arcs
 * of a call that may not return, throws, unconditional arcs) and sort its
 * successors as gcov does. */
static void fn_block_arcs(struct gcno_fn *fn, uint32_t b)
{
	struct gcno_block *blk = &fn->blocks[b];
	uint32_t *ids = fn->succ_file + blk->first_succ;
	int catches = 0, non_fake = 0;

	for (uint32_t k = 0; k < blk->nsucc; k++) {
		struct gcno_arc *a = &fn->arcs[ids[k]];
		a->ctr = a->flags & ARC_ON_TREE ? -1 : (int32_t)fn->nctrs++;
		if (!(a->flags & ARC_FAKE)) {
			non_fake++;
		} else if (b) {
			a->flags |= ARC_CALL_NON_RETURN;
			catches = 1;
		} else {
			a->flags |= ARC_NONLOCAL_RETURN;
		}
	}
	for (uint32_t k = 0; catches && k < blk->nsucc; k++) {
		struct gcno_arc *a = &fn->arcs[ids[k]];
		if (!(a->flags & (ARC_FAKE | ARC_FALLTHROUGH))) {
			a->flags |= ARC_THROW;
			fn->has_catch = 1;
		}
	}
	for (uint32_t k = 0; non_fake == 1 && k < blk->nsucc; k++)
		if (!(fn->arcs[ids[k]].flags & ARC_FAKE))
			fn->arcs[ids[k]].flags |= ARC_UNCONDITIONAL;
	memcpy(fn->succ + blk->first_succ, ids, blk->nsucc * sizeof(uint32_t));
	sort_succ(fn->arcs, fn->succ + blk->first_succ, blk->nsucc);
}

/* Locations grouped per block, in creation order; with SORT, each
 * location's lines sorted (gcov sorts them; llvm-cov keeps them as
 * listed: its "last line" of a block is the last listed). */
static void fn_group_locs(struct gcno_fn *fn, struct fn_build *fb, int sort)
{
	uint32_t nb = fn->nblocks;
	uint32_t *cnt = cr_xcalloc(nb + 1, sizeof(uint32_t));

	fn->nlocs = (uint32_t)fb->nlocs;
	fn->locs = cr_xmalloc((fb->nlocs + 1) * sizeof(*fn->locs));
	for (size_t i = 0; i < fb->nlocs; i++)
		cnt[fb->locs[i].block]++;
	for (uint32_t b = 0, pos = 0; b < nb; b++) {
		fn->blocks[b].first_loc = pos;
		fn->blocks[b].nlocs = 0;
		pos += cnt[b];
	}
	free(cnt);
	for (size_t i = 0; i < fb->nlocs; i++) {
		struct gcno_block *b = &fn->blocks[fb->locs[i].block];
		struct gcno_loc *l = &fn->locs[b->first_loc + b->nlocs++];
		l->src = fb->locs[i].src;
		l->first_line = fb->locs[i].first_line;
		l->nlines = fb->locs[i].nlines;
		if (l->nlines && sort)
			qsort(fb->lines + l->first_line, l->nlines,
			      sizeof(uint32_t), cmp_u32);
	}
}

static void fn_finish(struct gcno_fn *fn, struct fn_build *fb, int sort)
{
	fn->narcs = (uint32_t)fb->narcs;
	fn->arcs = fb->arcs;
	fb->arcs = NULL;
	fn->succ = cr_xmalloc((fn->narcs + 1) * sizeof(uint32_t));
	fn->succ_file = cr_xmalloc((fn->narcs + 1) * sizeof(uint32_t));
	fn->pred = cr_xmalloc((fn->narcs + 1) * sizeof(uint32_t));
	fn_link_arcs(fn);
	fn->nctrs = 0;
	for (uint32_t b = 0; b < fn->nblocks; b++)
		fn_block_arcs(fn, b);
	fn_group_locs(fn, fb, sort);
	fn->nlines = (uint32_t)fb->nlines;
	fn->lines = fb->lines;
	fb->lines = NULL;
	fb->nlines = fb->lines_alloc = 0;
	fb->narcs = fb->arcs_alloc = 0;
	fb->nlocs = 0;
	if (fn->has_catch)
		mark_exceptional(fn);
}

static void fn_release(struct gcno_fn *fn)
{
	free(fn->name);
	free(fn->blocks);
	free(fn->arcs);
	free(fn->succ);
	free(fn->succ_file);
	free(fn->pred);
	free(fn->locs);
	free(fn->lines);
}

void gcno_file_release(struct gcno_file *g)
{
	for (uint32_t i = 0; i < g->nfns; i++)
		fn_release(&g->fns[i]);
	for (uint32_t i = 0; i < g->nsrcs; i++)
		free(g->srcs[i]);
	free(g->srcs);
	free(g->fns);
	free(g->cwd);
	free(g->path);
	free(g->ident_sorted);
	memset(g, 0, sizeof(*g));
}

struct ident_pair {
	uint32_t ident, index;
};

static int cmp_ident(const void *a, const void *b)
{
	const struct ident_pair *x = a, *y = b;

	if (x->ident != y->ident)
		return x->ident < y->ident ? -1 : 1;
	return x->index < y->index ? -1 : x->index > y->index;
}

long gcno_find_ident(const struct gcno_file *g, uint32_t ident)
{
	size_t lo = 0, hi = g->nfns;

	/* Last index whose ident is <= IDENT. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (g->fns[g->ident_sorted[mid]].ident <= ident)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0 || g->fns[g->ident_sorted[lo - 1]].ident != ident)
		return -1;
	return (long)g->ident_sorted[lo - 1];
}

/* Parse the header; returns the flavor or 0 with ERR filled. */
static int read_header(struct reader *r, struct gcno_file *g,
		       struct cr_error *err)
{
	uint32_t magic = reader_u32(r);
	char vt[5];

	if (r->failed)
		return 0;
	if (magic != GCNO_MAGIC) {
		if (magic == ((GCNO_MAGIC >> 24) | ((GCNO_MAGIC >> 8) &
			0xff00u) | ((GCNO_MAGIC << 8) & 0xff0000u) |
			(GCNO_MAGIC << 24))) {
			r->swap = 1;
		} else {
			reader_fail(r, 0, "not a gcno file");
			return 0;
		}
	}
	g->version = reader_u32(r);
	g->flavor = gcov_flavor_of(g->version);
	if (r->failed)
		return 0;
	if (!g->flavor) {
		gcov_version_text(g->version, vt);
		cr_error_set(err, CR_EVERSION, g->path, 4,
			     "unsupported gcov version '%s'", vt);
		return 0;
	}
	r->byte_lengths = g->flavor == GCOV_GCC12;
	g->stamp = reader_u32(r);
	if (g->flavor == GCOV_GCC12)
		g->checksum = reader_u32(r);
	if (g->flavor != GCOV_CLANG) {
		const char *cwd = reader_string(r);
		g->cwd = cwd ? cr_xstrdup(cwd) : NULL;
		(void)reader_u32(r); /* has_unexecuted_blocks */
	}
	return r->failed ? 0 : g->flavor;
}

static int is_subtag(uint32_t tag)
{
	return (tag & 0xff000000u) == TAG_FUNCTION && (tag & 0x00ff0000u) &&
	       !(tag & 0xffffu);
}

static void read_function(struct reader *r, struct gcno_file *g,
			  struct gcno_fn *fn, size_t *src_alloc)
{
	const char *name, *src;

	fn->ident = reader_u32(r);
	fn->lineno_checksum = reader_u32(r);
	fn->cfg_checksum = reader_u32(r);
	name = reader_string(r);
	if (g->flavor == GCOV_CLANG) {
		src = reader_string(r);
		fn->start_line = fn->end_line = reader_u32(r);
	} else {
		fn->artificial = reader_u32(r);
		src = reader_string(r);
		fn->start_line = reader_u32(r);
		fn->start_column = reader_u32(r);
		fn->end_line = reader_u32(r);
		fn->end_column = reader_u32(r);
	}
	if (r->failed)
		return;
	fn->name = cr_xstrdup(name ? name : "");
	fn->src = find_src(g, src, src_alloc);
}

static void read_blocks(struct reader *r, struct gcno_file *g,
			struct gcno_fn *fn, size_t len, size_t start,
			size_t cap)
{
	uint32_t n;

	if (fn->blocks_seen) {
		reader_fail(r, start, "second BLOCKS record for '%s'",
			    fn->name);
		return;
	}
	n = g->flavor == GCOV_CLANG ? (uint32_t)(len / 4) : reader_u32(r);
	if (r->failed)
		return;
	if (n < 2 || n > cap) {
		reader_fail(r, start, "bad block count %u for '%s'", n,
			    fn->name);
		return;
	}
	fn->nblocks = n;
	fn->blocks = cr_xcalloc(n, sizeof(*fn->blocks));
	fn->blocks_seen = 1;
}

static void read_arcs(struct reader *r, struct gcno_fn *fn,
		      struct fn_build *fb, size_t len, size_t start)
{
	uint32_t src = reader_u32(r);
	size_t pairs = len >= 4 ? (len / 4 - 1) / 2 : 0;

	if (r->failed)
		return;
	if (!fn->blocks_seen || src >= fn->nblocks ||
	    fn->blocks[src].has_arcs) {
		reader_fail(r, start, "bad arc source block %u in '%s'", src,
			    fn->name);
		return;
	}
	fn->blocks[src].has_arcs = 1;
	while (pairs-- && !r->failed) {
		uint32_t dst = reader_u32(r), flags = reader_u32(r);
		if (r->failed)
			return;
		if (dst >= fn->nblocks) {
			reader_fail(r, r->pos - 8,
				    "bad arc destination %u in '%s'", dst,
				    fn->name);
			return;
		}
		CR_GROW(fb->arcs, fb->narcs + 1, fb->arcs_alloc);
		fb->arcs[fb->narcs].src = src;
		fb->arcs[fb->narcs].dst = dst;
		fb->arcs[fb->narcs].flags =
			flags & (ARC_ON_TREE | ARC_FAKE | ARC_FALLTHROUGH);
		fb->arcs[fb->narcs].ctr = -1;
		fb->narcs++;
	}
}

static void read_lines(struct reader *r, struct gcno_file *g,
		       struct gcno_fn *fn, struct fn_build *fb, size_t start,
		       size_t *src_alloc)
{
	uint32_t blockno = reader_u32(r);
	int have_loc = 0;

	if (r->failed)
		return;
	if (!fn->blocks_seen || blockno >= fn->nblocks) {
		reader_fail(r, start, "bad block %u in lines of '%s'",
			    blockno, fn->name);
		return;
	}
	for (;;) {
		uint32_t ln = reader_u32(r);
		if (r->failed)
			return;
		if (ln) {
			if (!have_loc) {
				reader_fail(r, r->pos - 4,
					    "line without file in '%s'",
					    fn->name);
				return;
			}
			CR_GROW(fb->lines, fb->nlines + 1, fb->lines_alloc);
			fb->lines[fb->nlines++] = ln;
			fb->locs[fb->nlocs - 1].nlines++;
			continue;
		}
		const char *name = reader_string(r);
		if (r->failed || !name)
			return;
		CR_GROW(fb->locs, fb->nlocs + 1, fb->locs_alloc);
		fb->locs[fb->nlocs].block = blockno;
		fb->locs[fb->nlocs].src = find_src(g, name, src_alloc);
		fb->locs[fb->nlocs].first_line = (uint32_t)fb->nlines;
		fb->locs[fb->nlocs].nlines = 0;
		fb->nlocs++;
		have_loc = 1;
	}
}

/* Close the current function (if any). */
static void close_fn(struct reader *r, struct gcno_file *g,
		     struct fn_build *fb, long *cur)
{
	if (*cur < 0)
		return;
	struct gcno_fn *fn = &g->fns[*cur];
	if (!fn->blocks_seen && !r->failed)
		reader_fail(r, r->pos, "function '%s' has no blocks",
			    fn->name);
	if (!r->failed)
		fn_finish(fn, fb, g->flavor != GCOV_CLANG);
	*cur = -1;
}

static void parse_records(struct reader *r, struct gcno_file *g,
			  size_t cap)
{
	size_t fns_alloc = 0, src_alloc = g->nsrcs;
	struct fn_build fb;
	long cur = -1;

	memset(&fb, 0, sizeof(fb));
	while (!r->failed && r->pos < r->size) {
		size_t start = r->pos, len, end, limit = r->size;
		uint32_t tag = reader_u32(r), lenw;

		if (tag == 0)
			break;
		lenw = reader_u32(r);
		if (r->failed)
			break;
		len = reader_record_bytes(r, start, tag, lenw);
		if (r->failed)
			break;
		end = r->pos + len;
		r->size = end;
		if (tag == TAG_FUNCTION) {
			close_fn(r, g, &fb, &cur);
			if (r->failed)
				break;
			CR_GROW(g->fns, g->nfns + 1, fns_alloc);
			memset(&g->fns[g->nfns], 0, sizeof(g->fns[0]));
			cur = g->nfns++;
			read_function(r, g, &g->fns[cur], &src_alloc);
		} else if (cur >= 0 && tag == TAG_BLOCKS) {
			read_blocks(r, g, &g->fns[cur], len, start, cap);
		} else if (cur >= 0 && tag == TAG_ARCS) {
			read_arcs(r, &g->fns[cur], &fb, len, start);
		} else if (cur >= 0 && tag == TAG_LINES) {
			read_lines(r, g, &g->fns[cur], &fb, start,
				   &src_alloc);
		} else if (cur >= 0 && !is_subtag(tag)) {
			close_fn(r, g, &fb, &cur);
		}
		r->size = limit;
		if (!r->failed)
			r->pos = end;
	}
	if (!r->failed)
		close_fn(r, g, &fb, &cur);
	free(fb.arcs);
	free(fb.locs);
	free(fb.lines);
}

enum cr_err gcno_parse(const unsigned char *data, size_t size,
		       const char *path, struct gcno_file *g,
		       struct cr_error *err)
{
	struct ident_pair *pairs;
	struct reader r;
	enum cr_err e;

	memset(g, 0, sizeof(*g));
	g->path = cr_xstrdup(path);
	reader_init(&r, data, size, g->path, err);
	if (!read_header(&r, g, err)) {
		e = r.failed ? CR_ECORRUPT : CR_EVERSION;
		gcno_file_release(g);
		return e;
	}
	parse_records(&r, g, size / 8 + 2);
	if (r.failed) {
		gcno_file_release(g);
		return CR_ECORRUPT;
	}
	for (uint32_t i = 0; i < g->nfns; i++) {
		g->fns[i].ctr_base = g->nctrs;
		g->nctrs += g->fns[i].nctrs;
	}
	pairs = cr_xmalloc((g->nfns + 1) * sizeof(*pairs));
	for (uint32_t i = 0; i < g->nfns; i++) {
		pairs[i].ident = g->fns[i].ident;
		pairs[i].index = i;
	}
	qsort(pairs, g->nfns, sizeof(*pairs), cmp_ident);
	g->ident_sorted = cr_xmalloc((g->nfns + 1) * sizeof(uint32_t));
	for (uint32_t i = 0; i < g->nfns; i++) {
		g->ident_sorted[i] = pairs[i].index;
		if (i && pairs[i].ident == pairs[i - 1].ident)
			g->dup_idents = 1;
	}
	free(pairs);
	return CR_OK;
}

enum cr_err gcno_file_read(const char *path, struct gcno_file *g,
			   struct cr_error *err)
{
	struct cr_map map;
	enum cr_err e;

	memset(g, 0, sizeof(*g));
	e = cr_map_open(path, &map, err);
	if (e)
		return e;
	e = gcno_parse(map.data, map.size, path, g, err);
	cr_map_close(&map);
	return e;
}
