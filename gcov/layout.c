/* SPDX-License-Identifier: MIT
 * gcov/layout.c: which lines, branches and functions gcov reports for one
 * object, computed once from its graph.
 *
 * This is gcov's process_all_functions and the structural half of
 * add_line_counts (docs/gcov-format.md §4.2, §4.3): artificial
 * functions are dropped, functions sharing a start line become group
 * functions with private lines, every block's locations are walked to
 * attribute it to lines, and the highest line of each location collects
 * the block and its branch arcs.  The result (struct layout, interface
 * gcov/gcov.h) holds, per reported line, the ids of the blocks and
 * arcs whose counts make up its numbers, so each context's counts need only
 * a solve and a few sums.  Object-wide block and arc numbering puts every
 * function's blocks in one array, in gcov's order.
 */
#define _GNU_SOURCE
#include "gcov/gcov.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* ---- gcov's canonicalize_name ----------------------------------------- */

char *gcov_canonicalize(const char *name)
{
	char *result = cr_xmalloc(strlen(name) + 1);
	const char *base = name, *probe;
	char *ptr = result, *dd_base;
	int slash = 0;

	for (dd_base = ptr; *base; base = probe) {
		size_t len;

		for (probe = base; *probe; probe++)
			if (*probe == '/')
				break;
		len = (size_t)(probe - base);
		if (len == 1 && base[0] == '.') {
			/* elide "." */
		} else if (len == 2 && base[0] == '.' && base[1] == '.') {
			struct stat st;

			*ptr = 0;
			if (dd_base == ptr || stat(result, &st) ||
			    S_ISLNK(st.st_mode)) {
				dd_base = ptr + 2 + slash;
				goto regular;
			}
			while (ptr != dd_base && *ptr != '/')
				ptr--;
			slash = ptr != result;
		} else {
regular:
			if (slash)
				*ptr++ = '/';
			memcpy(ptr, base, len);
			ptr += len;
			slash = 1;
		}
		for (; *probe == '/'; probe++)
			continue;
	}
	*ptr = 0;
	return result;
}

/* ---- slot table -------------------------------------------------------- */

/* Slots are keyed by three integers, looked up once per block location of
 * every function of the object: a table of its own keeps them as integers
 * (common/strmap.c keys are strings, copied) and the layout free of
 * allocations per lookup. */

struct slot_key {
	uint32_t src, fn, line; /* fn UINT32_MAX for a file line */
};

struct build {
	struct layout *lay;
	uint32_t *hash;         /* slot index + 1, 0 = empty */
	size_t hash_size;
	struct slot_key *keys;
	size_t slots_alloc;
	/* appended (slot, id) pairs, per kind, in gcov's order */
	uint32_t *pairs[3];
	size_t npairs[3], pairs_alloc[3];
};

enum { K_CONTRIB = 0, K_BLK = 1, K_BR = 2 };

static size_t key_hash(const struct slot_key *k)
{
	uint64_t h = k->src * 0x9e3779b97f4a7c15ull;

	h ^= (k->fn + 1) * 0xc2b2ae3d27d4eb4full;
	h ^= k->line * 0x165667b19e3779f9ull;
	h ^= h >> 29;
	return (size_t)h;
}

static void rehash(struct build *b)
{
	size_t n = b->hash_size ? b->hash_size * 2 : 1024;

	free(b->hash);
	b->hash = cr_xcalloc(n, sizeof(uint32_t));
	b->hash_size = n;
	for (uint32_t i = 0; i < b->lay->nslots; i++) {
		size_t h = key_hash(&b->keys[i]) & (n - 1);
		while (b->hash[h])
			h = (h + 1) & (n - 1);
		b->hash[h] = i + 1;
	}
}

static uint32_t get_slot(struct build *b, uint32_t src, uint32_t fn,
			 uint32_t line)
{
	struct layout *lay = b->lay;
	struct slot_key k = { src, fn, line };
	size_t h;

	if ((lay->nslots + 1) * 2 > b->hash_size)
		rehash(b);
	h = key_hash(&k) & (b->hash_size - 1);
	while (b->hash[h]) {
		struct slot_key *o = &b->keys[b->hash[h] - 1];
		if (o->src == src && o->fn == fn && o->line == line)
			return b->hash[h] - 1;
		h = (h + 1) & (b->hash_size - 1);
	}
	CR_GROW(b->keys, lay->nslots + 1, b->slots_alloc);
	{
		size_t alloc = b->slots_alloc;
		lay->slots = cr_xrealloc(lay->slots,
					 alloc * sizeof(*lay->slots));
	}
	b->keys[lay->nslots] = k;
	memset(&lay->slots[lay->nslots], 0, sizeof(lay->slots[0]));
	lay->slots[lay->nslots].src = src;
	lay->slots[lay->nslots].line = line;
	lay->slots[lay->nslots].group_fn =
		fn == UINT32_MAX ? -1 : (int32_t)fn;
	b->hash[h] = lay->nslots + 1;
	return lay->nslots++;
}

static void add_pair(struct build *b, int kind, uint32_t slot, uint32_t id)
{
	CR_GROW(b->pairs[kind], 2 * (b->npairs[kind] + 1),
		b->pairs_alloc[kind]);
	b->pairs[kind][2 * b->npairs[kind]] = slot;
	b->pairs[kind][2 * b->npairs[kind] + 1] = id;
	b->npairs[kind]++;
}

/* ---- names, groups, flattening ---------------------------------------- */

static void map_sources(struct layout *lay, enum layout_names names)
{
	const struct gcno_file *g = lay->g;
	size_t alloc = 0;

	lay->src_of_raw = cr_xmalloc((g->nsrcs + 1) * sizeof(uint32_t));
	for (uint32_t i = 0; i < g->nsrcs; i++) {
		char *canon;
		uint32_t j;

		if (names == LAYOUT_NAMES_GCOV && lay->clang) {
			/* llvm-cov 14 prints names as recorded */
			canon = cr_xstrdup(g->srcs[i]);
		} else if (names == LAYOUT_NAMES_GCOV) {
			canon = gcov_canonicalize(g->srcs[i]);
		} else {
			char *dir = g->cwd ? cr_xstrdup(g->cwd)
					   : cr_path_dirname(g->path);
			char *abs = cr_path_join(dir, g->srcs[i]);
			char *full = cr_path_absolute(abs);
			canon = gcov_canonicalize(full);
			free(full);
			free(abs);
			free(dir);
		}
		for (j = 0; j < lay->nsrcs; j++)
			if (!strcmp(lay->srcs[j].name, canon))
				break;
		if (j == lay->nsrcs) {
			CR_GROW(lay->srcs, lay->nsrcs + 1, alloc);
			memset(&lay->srcs[j], 0, sizeof(lay->srcs[j]));
			lay->srcs[j].name = canon;
			lay->nsrcs++;
		} else {
			free(canon);
		}
		lay->src_of_raw[i] = j;
	}
}

static int cmp_start(const void *a, const void *b)
{
	const uint64_t *x = a, *y = b;

	return *x < *y ? -1 : *x > *y;
}

static void find_groups(struct layout *lay)
{
	const struct gcno_file *g = lay->g;
	uint64_t *keys = cr_xmalloc((g->nfns + 1) * sizeof(uint64_t) * 2);
	size_t n = 0;

	lay->reported = cr_xcalloc(g->nfns + 1, 1);
	lay->is_group = cr_xcalloc(g->nfns + 1, 1);
	for (uint32_t i = 0; i < g->nfns; i++) {
		const struct gcno_fn *fn = &g->fns[i];
		if (fn->artificial)
			continue;
		lay->reported[i] = 1;
		keys[2 * n] = ((uint64_t)lay->src_of_raw[fn->src] << 32) |
			      fn->start_line;
		keys[2 * n + 1] = i;
		n++;
	}
	qsort(keys, n, 2 * sizeof(uint64_t), cmp_start);
	for (size_t i = 0; i + 1 < n; i++)
		if (keys[2 * i] == keys[2 * i + 2]) {
			lay->is_group[keys[2 * i + 1]] = 1;
			lay->is_group[keys[2 * i + 3]] = 1;
		}
	free(keys);
	if (lay->clang)
		memset(lay->is_group, 0, g->nfns + 1);
}

static void flatten(struct layout *lay)
{
	const struct gcno_file *g = lay->g;
	uint32_t nb = 0, na = 0;

	lay->block_base = cr_xmalloc((g->nfns + 1) * sizeof(uint32_t));
	lay->arc_base = cr_xmalloc((g->nfns + 1) * sizeof(uint32_t));
	for (uint32_t i = 0; i < g->nfns; i++) {
		lay->block_base[i] = nb;
		lay->arc_base[i] = na;
		nb += g->fns[i].nblocks;
		na += g->fns[i].narcs;
	}
	lay->nblocks = nb;
	lay->narcs = na;
	lay->gb_fn = cr_xmalloc((nb + 1) * sizeof(uint32_t));
	lay->gb_exc = cr_xcalloc(nb + 1, 1);
	lay->gb_succ = cr_xmalloc((nb + 1) * sizeof(uint32_t));
	lay->gsucc = cr_xmalloc((na + 1) * sizeof(uint32_t));
	lay->ga_src = cr_xmalloc((na + 1) * sizeof(uint32_t));
	lay->ga_dst = cr_xmalloc((na + 1) * sizeof(uint32_t));
	for (uint32_t i = 0; i < g->nfns; i++) {
		const struct gcno_fn *fn = &g->fns[i];
		uint32_t bb = lay->block_base[i], ab = lay->arc_base[i];

		for (uint32_t b = 0; b < fn->nblocks; b++) {
			lay->gb_fn[bb + b] = i;
			lay->gb_exc[bb + b] = fn->blocks[b].exceptional;
			lay->gb_succ[bb + b] = ab + fn->blocks[b].first_succ;
		}
		for (uint32_t a = 0; a < fn->narcs; a++) {
			lay->gsucc[ab + a] = ab + fn->succ[a];
			lay->ga_src[ab + a] = bb + fn->arcs[a].src;
			lay->ga_dst[ab + a] = bb + fn->arcs[a].dst;
		}
	}
	lay->gb_succ[nb] = na;
}

/* ---- attribution (gcov add_line_counts) ------------------------------- */

static int group_line(const struct layout *lay, uint32_t f, uint32_t ln,
		      uint32_t src)
{
	const struct gcno_fn *fn = &lay->g->fns[f];

	return lay->is_group[f] && lay->src_of_raw[fn->src] == src &&
	       fn->start_line <= ln && ln <= fn->end_line;
}

static void attribute_fn(struct build *bd, uint32_t f)
{
	struct layout *lay = bd->lay;
	const struct gcno_fn *fn = &lay->g->fns[f];
	uint32_t bb = lay->block_base[f], ab = lay->arc_base[f];

	for (uint32_t ix = 0; ix < fn->nblocks; ix++) {
		const struct gcno_block *blk = &fn->blocks[ix];
		int64_t line = -1;

		for (uint32_t l = 0; l < blk->nlocs; l++) {
			const struct gcno_loc *loc = &fn->locs[blk->first_loc
							      + l];
			uint32_t src = lay->src_of_raw[loc->src];

			for (uint32_t j = 0; j < loc->nlines; j++) {
				uint32_t ln = fn->lines[loc->first_line + j];
				uint32_t s = get_slot(bd, src,
					group_line(lay, f, ln, src)
					? f : UINT32_MAX, ln);
				add_pair(bd, K_CONTRIB, s, bb + ix);
				if (!blk->exceptional)
					lay->slots[s].unexceptional = 1;
				line = s;
			}
			if (ix == 0 || ix + 1 == fn->nblocks || line < 0)
				continue;
			add_pair(bd, K_BLK, (uint32_t)line, bb + ix);
			for (uint32_t k = 0; k < blk->nsucc; k++) {
				uint32_t a = fn->succ[blk->first_succ + k];
				uint32_t fl = fn->arcs[a].flags;
				if (fl & (ARC_UNCONDITIONAL |
					  ARC_CALL_NON_RETURN))
					continue;
				add_pair(bd, K_BR, (uint32_t)line, ab + a);
			}
		}
	}
}

/* llvm-cov's collectFunction: every line a block lists (file switches
 * ignored: all lines belong to the function's file) gets the block; the
 * block's last listed line gets its branches when it has two or more. */
static void attribute_clang(struct build *bd, uint32_t f)
{
	struct layout *lay = bd->lay;
	const struct gcno_fn *fn = &lay->g->fns[f];
	uint32_t src = lay->src_of_raw[fn->src];
	uint32_t bb = lay->block_base[f], ab = lay->arc_base[f];

	for (uint32_t ix = 0; ix < fn->nblocks; ix++) {
		const struct gcno_block *blk = &fn->blocks[ix];
		int64_t last = -1;
		uint32_t times = 0;

		for (uint32_t l = 0; l < blk->nlocs; l++) {
			const struct gcno_loc *loc = &fn->locs[blk->first_loc
							      + l];
			for (uint32_t j = 0; j < loc->nlines; j++) {
				uint32_t ln = fn->lines[loc->first_line + j];
				uint32_t s = get_slot(bd, src, UINT32_MAX,
						      ln);
				add_pair(bd, K_CONTRIB, s, bb + ix);
				add_pair(bd, K_BLK, s, bb + ix);
				lay->slots[s].unexceptional = 1;
				last = s;
			}
		}
		if (last < 0 || blk->nsucc + (ix == 1) < 2)
			continue;
		/* the block is on its last line once per listing of it,
		 * and llvm-cov prints its branches each time */
		for (uint32_t l = 0; l < blk->nlocs; l++) {
			const struct gcno_loc *loc = &fn->locs[blk->first_loc
							      + l];
			for (uint32_t j = 0; j < loc->nlines; j++)
				if (fn->lines[loc->first_line + j] ==
				    lay->slots[last].line)
					times++;
		}
		while (times--)
			for (uint32_t k = 0; k < blk->nsucc; k++)
				add_pair(bd, K_BR, (uint32_t)last,
					 ab + fn->succ_file[blk->first_succ +
							    k]);
	}
}

/* Copy the appended (slot, id) pairs of KIND into the id pool grouped by
 * slot, keeping their order; set each slot's range via OFF/N fields. */
static void collect_pairs(struct build *bd, int kind)
{
	struct layout *lay = bd->lay;
	size_t n = bd->npairs[kind];
	uint32_t *cnt = cr_xcalloc(lay->nslots + 1, sizeof(uint32_t));
	uint32_t base = lay->nids, pos = base;

	for (size_t i = 0; i < n; i++)
		cnt[bd->pairs[kind][2 * i]]++;
	lay->ids = cr_xrealloc(lay->ids, (lay->nids + n + 1) *
			       sizeof(uint32_t));
	for (uint32_t s = 0; s < lay->nslots; s++) {
		struct lslot *sl = &lay->slots[s];
		uint32_t *off = kind == K_CONTRIB ? &sl->contrib
				: kind == K_BLK ? &sl->blk : &sl->br;
		*off = pos;
		pos += cnt[s];
		cnt[s] = 0;
	}
	for (size_t i = 0; i < n; i++) {
		uint32_t s = bd->pairs[kind][2 * i];
		struct lslot *sl = &lay->slots[s];
		uint32_t *off = kind == K_CONTRIB ? &sl->contrib
				: kind == K_BLK ? &sl->blk : &sl->br;
		lay->ids[*off + cnt[s]++] = bd->pairs[kind][2 * i + 1];
	}
	for (uint32_t s = 0; s < lay->nslots; s++) {
		struct lslot *sl = &lay->slots[s];
		if (kind == K_CONTRIB)
			sl->ncontrib = cnt[s];
		else if (kind == K_BLK)
			sl->nblk = cnt[s];
		else
			sl->nbr = cnt[s];
	}
	lay->nids += (uint32_t)n;
	free(cnt);
}

/* Append arc A to LIST. */
void arc_list_add(struct arc_list *list, uint32_t a)
{
	CR_GROW(list->arc, list->n + 1, list->alloc);
	list->arc[list->n++] = a;
}

/* Each line's entering arcs (lslot.ext, .next) and whether an arc joins
 * two of its blocks (lslot.internal): BLOCK_ARCS adds what one block of
 * the line contributes, given MARK, the line's blocks flagged.  gcc and
 * llvm-cov choose the arcs differently (gcc_block_arcs below, clang.c);
 * the marking and the storing are the same. */
void layout_entering(struct layout *lay, layout_block_arcs_fn block_arcs)
{
	uint8_t *mark = cr_xcalloc(lay->nblocks + 1, 1);
	struct arc_list tmp = { 0 };

	for (uint32_t s = 0; s < lay->nslots; s++) {
		struct lslot *sl = &lay->slots[s];
		const uint32_t *blk = lay->ids + sl->blk;

		sl->ext = sl->next = 0;
		if (!sl->nblk)
			continue;
		for (uint32_t i = 0; i < sl->nblk; i++)
			mark[blk[i]] = 1;
		tmp.n = 0;
		for (uint32_t i = 0; i < sl->nblk; i++)
			block_arcs(lay, sl, blk[i], mark, &tmp);
		for (uint32_t i = 0; i < sl->nblk; i++)
			mark[blk[i]] = 0;
		/* blk is not read past here: the realloc may move ids */
		lay->ids = cr_xrealloc(lay->ids, (lay->nids + tmp.n + 1) *
				       sizeof(uint32_t));
		sl->ext = lay->nids;
		sl->next = (uint32_t)tmp.n;
		if (tmp.n)
			memcpy(lay->ids + lay->nids, tmp.arc,
			       tmp.n * sizeof(uint32_t));
		lay->nids += (uint32_t)tmp.n;
	}
	free(tmp.arc);
	free(mark);
}

/* gcc: the arcs entering block GB from outside the line (gcov's first sum
 * in accumulate_line_info); an arc from inside makes the line internal. */
static void gcc_block_arcs(struct layout *lay, struct lslot *sl, uint32_t gb,
			   const uint8_t *mark, struct arc_list *out)
{
	uint32_t f = lay->gb_fn[gb];
	const struct gcno_fn *fn = &lay->g->fns[f];
	const struct gcno_block *b = &fn->blocks[gb - lay->block_base[f]];

	for (uint32_t k = 0; k < b->npred; k++) {
		uint32_t a = lay->arc_base[f] + fn->pred[b->first_pred + k];
		if (mark[lay->ga_src[a]]) {
			sl->internal = 1;
			continue;
		}
		arc_list_add(out, a);
	}
}

/* ---- per-source lists -------------------------------------------------- */

static int cmp_slot(const void *a, const void *b, void *arg)
{
	const struct layout *lay = arg;
	const struct lslot *x = &lay->slots[*(const uint32_t *)a];
	const struct lslot *y = &lay->slots[*(const uint32_t *)b];
	int64_t fx = x->group_fn, fy = y->group_fn;

	if (x->src != y->src)
		return x->src < y->src ? -1 : 1;
	if (fx != fy)
		return fx < fy ? -1 : 1;
	return x->line < y->line ? -1 : x->line > y->line;
}

static void source_lists(struct layout *lay)
{
	const struct gcno_file *g = lay->g;
	uint32_t *order = cr_xmalloc((lay->nslots + 1) * sizeof(uint32_t));

	for (uint32_t s = 0; s < lay->nslots; s++)
		order[s] = s;
	qsort_r(order, lay->nslots, sizeof(uint32_t), cmp_slot, lay);
	lay->slot_order = order;
	lay->grp_first = cr_xcalloc(g->nfns + 1, sizeof(uint32_t));
	lay->grp_n = cr_xcalloc(g->nfns + 1, sizeof(uint32_t));
	for (uint32_t i = 0; i < lay->nslots;) {
		const struct lslot *sl = &lay->slots[order[i]];
		uint32_t j = i;

		while (j < lay->nslots &&
		       lay->slots[order[j]].src == sl->src &&
		       lay->slots[order[j]].group_fn == sl->group_fn)
			j++;
		if (sl->group_fn < 0) {
			struct layout_src *src = &lay->srcs[sl->src];
			src->nslots = j - i;
			src->slots = cr_xmalloc((j - i) * sizeof(uint32_t));
			memcpy(src->slots, order + i,
			       (j - i) * sizeof(uint32_t));
		} else {
			lay->grp_first[sl->group_fn] = i;
			lay->grp_n[sl->group_fn] = j - i;
		}
		i = j;
	}
	for (uint32_t f = 0; f < g->nfns; f++) {
		struct layout_src *src;
		if (!lay->reported[f])
			continue;
		src = &lay->srcs[lay->src_of_raw[g->fns[f].src]];
		src->fns = cr_xrealloc(src->fns, (src->nfns + 1) *
				       sizeof(uint32_t));
		src->fns[src->nfns++] = f;
	}
}

static void source_sizes(struct layout *lay)
{
	const struct gcno_file *g = lay->g;

	for (uint32_t f = 0; f < g->nfns; f++) {
		const struct gcno_fn *fn = &g->fns[f];
		if (!lay->reported[f])
			continue;
		for (uint32_t l = 0; l < fn->nlocs; l++) {
			const struct gcno_loc *loc = &fn->locs[l];
			struct layout_src *src;
			uint32_t last;

			if (!loc->nlines)
				continue;
			last = fn->lines[loc->first_line + loc->nlines - 1];
			src = &lay->srcs[lay->src_of_raw[loc->src]];
			if (last != UINT32_MAX && last + 1 > src->size)
				src->size = last + 1;
		}
	}
}

void layout_build(const struct gcno_file *g, enum layout_names names,
		  struct layout *lay)
{
	struct build bd;

	memset(lay, 0, sizeof(*lay));
	memset(&bd, 0, sizeof(bd));
	lay->g = g;
	lay->clang = g->flavor == GCOV_CLANG;
	bd.lay = lay;
	map_sources(lay, names);
	find_groups(lay);
	flatten(lay);
	for (uint32_t f = 0; f < g->nfns; f++) {
		if (!lay->reported[f])
			continue;
		if (lay->clang)
			attribute_clang(&bd, f);
		else
			attribute_fn(&bd, f);
	}
	for (int k = 0; k < 3; k++)
		collect_pairs(&bd, k);
	if (lay->clang)
		layout_clang(lay);
	else
		layout_entering(lay, gcc_block_arcs);
	source_sizes(lay);
	source_lists(lay);
	for (int k = 0; k < 3; k++)
		free(bd.pairs[k]);
	free(bd.hash);
	free(bd.keys);
}

void layout_release(struct layout *lay)
{
	for (uint32_t i = 0; i < lay->nsrcs; i++) {
		free(lay->srcs[i].name);
		free(lay->srcs[i].slots);
		free(lay->srcs[i].fns);
	}
	free(lay->srcs);
	free(lay->src_of_raw);
	free(lay->block_base);
	free(lay->arc_base);
	free(lay->gb_fn);
	free(lay->gb_exc);
	free(lay->gb_succ);
	free(lay->gsucc);
	free(lay->ga_src);
	free(lay->ga_dst);
	free(lay->reported);
	free(lay->is_group);
	free(lay->grp_first);
	free(lay->grp_n);
	free(lay->slot_order);
	free(lay->slots);
	free(lay->ids);
	memset(lay, 0, sizeof(*lay));
}
