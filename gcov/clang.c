/* SPDX-License-Identifier: MIT
 * gcov/clang.c: llvm-cov gcov's numbers for clang --coverage files.
 *
 * llvm-cov 14 reads the same graph differently from gcov
 * (docs/gcov-format.md §4.8): it adds a tree arc EXIT->ENTRY to
 * every function, derives tree-arc counts by a depth-first walk over tree
 * arcs taking |excess| (propagateCounts), gives every listed line of a
 * block that block, counts a line as the entering arcs of its blocks (all
 * out-arcs for ENTRY) and adds cycles found by repeated cycle cancelling
 * (augmentOneCycle, getCyclesCount).  Parts: graph (numbering with the
 * added arc), solver, cycles.  Interface: gcov/gcov.h.
 */
#include "gcov/gcov.h"

#include <stdlib.h>
#include <string.h>

/* ---- graph ------------------------------------------------------------- */

/* Renumber arcs so that arc narcs of each function is the added
 * EXIT->ENTRY arc; successor lists are in file order (EXIT's is the added
 * arc). */
static void renumber(struct layout *lay)
{
	const struct gcno_file *g = lay->g;
	uint32_t na = 0, *old_base = lay->arc_base;

	lay->arc_base = cr_xmalloc((g->nfns + 1) * sizeof(uint32_t));
	for (uint32_t f = 0; f < g->nfns; f++) {
		lay->arc_base[f] = na;
		na += g->fns[f].narcs + 1;
	}
	/* branch ids were numbered without the added arcs */
	for (uint32_t s = 0; s < lay->nslots; s++) {
		const struct lslot *sl = &lay->slots[s];
		for (uint32_t i = 0; i < sl->nbr; i++) {
			uint32_t *id = &lay->ids[sl->br + i];
			uint32_t f = lay->gb_fn[lay->ga_src[*id]];
			*id = *id - old_base[f] + lay->arc_base[f];
		}
	}
	free(old_base);
	free(lay->gsucc);
	free(lay->ga_src);
	free(lay->ga_dst);
	lay->narcs = na;
	lay->gsucc = cr_xmalloc((na + 1) * sizeof(uint32_t));
	lay->ga_src = cr_xmalloc((na + 1) * sizeof(uint32_t));
	lay->ga_dst = cr_xmalloc((na + 1) * sizeof(uint32_t));
	for (uint32_t f = 0; f < g->nfns; f++) {
		const struct gcno_fn *fn = &g->fns[f];
		uint32_t bb = lay->block_base[f], ab = lay->arc_base[f];
		uint32_t pos = ab;

		for (uint32_t a = 0; a < fn->narcs; a++) {
			lay->ga_src[ab + a] = bb + fn->arcs[a].src;
			lay->ga_dst[ab + a] = bb + fn->arcs[a].dst;
		}
		lay->ga_src[ab + fn->narcs] = bb + 1;
		lay->ga_dst[ab + fn->narcs] = bb;
		for (uint32_t b = 0; b < fn->nblocks; b++) {
			const struct gcno_block *blk = &fn->blocks[b];
			lay->gb_succ[bb + b] = pos;
			for (uint32_t k = 0; k < blk->nsucc; k++)
				lay->gsucc[pos++] = ab + fn->succ_file[
					blk->first_succ + k];
			if (b == 1)
				lay->gsucc[pos++] = ab + fn->narcs;
		}
	}
	lay->gb_succ[lay->nblocks] = na;
}

/* Entering arcs of each line (collectSourceLine's first sum). */
static void entering(struct layout *lay)
{
	const struct gcno_file *g = lay->g;
	uint8_t *mark = cr_xcalloc(lay->nblocks + 1, 1);
	uint32_t *tmp = NULL;
	size_t ntmp, alloc = 0;

	for (uint32_t s = 0; s < lay->nslots; s++) {
		struct lslot *sl = &lay->slots[s];
		const uint32_t *blk = lay->ids + sl->blk;

		for (uint32_t i = 0; i < sl->nblk; i++)
			mark[blk[i]] = 1;
		ntmp = 0;
		for (uint32_t i = 0; i < sl->nblk; i++) {
			uint32_t gb = blk[i], f = lay->gb_fn[gb];
			uint32_t b = gb - lay->block_base[f];
			const struct gcno_fn *fn = &g->fns[f];
			const struct gcno_block *bl = &fn->blocks[b];

			for (uint32_t k = lay->gb_succ[gb];
			     k < lay->gb_succ[gb + 1]; k++) {
				uint32_t a = lay->gsucc[k];
				if (mark[lay->ga_dst[a]] &&
				    lay->ga_dst[a] != gb)
					sl->internal = 1;
				if (b == 0) {
					CR_GROW(tmp, ntmp + 1, alloc);
					tmp[ntmp++] = a;
				}
			}
			if (b == 0)
				continue;
			for (uint32_t k = 0; k < bl->npred; k++) {
				uint32_t a = lay->arc_base[f] +
					     fn->pred[bl->first_pred + k];
				if (mark[lay->ga_src[a]])
					continue;
				CR_GROW(tmp, ntmp + 1, alloc);
				tmp[ntmp++] = a;
			}
		}
		for (uint32_t i = 0; i < sl->nblk; i++)
			mark[blk[i]] = 0;
		lay->ids = cr_xrealloc(lay->ids, (lay->nids + ntmp + 1) *
				       sizeof(uint32_t));
		sl->ext = lay->nids;
		sl->next = (uint32_t)ntmp;
		if (ntmp)
			memcpy(lay->ids + lay->nids, tmp,
			       ntmp * sizeof(uint32_t));
		lay->nids += (uint32_t)ntmp;
	}
	free(tmp);
	free(mark);
}

void layout_clang(struct layout *lay)
{
	renumber(lay);
	entering(lay);
}

/* ---- solver (propagateCounts) ----------------------------------------- */

struct elem {
	uint32_t v;        /* block */
	int64_t pred;      /* tree arc that led here, -1 for a root */
	int in_dst;
	uint32_t i;        /* next pred/succ position */
	uint64_t excess;
};

/* Arcs of block B in llvm-cov's order: predecessors (creation order, the
 * added arc last for ENTRY) then successors (file order, the added arc
 * for EXIT).  Arc NA is the added arc. */
static uint32_t npred_of(const struct gcno_fn *fn, uint32_t b)
{
	return fn->blocks[b].npred + (b == 0);
}

static uint32_t nsucc_of(const struct gcno_fn *fn, uint32_t b)
{
	return fn->blocks[b].nsucc + (b == 1);
}

static uint32_t pred_at(const struct gcno_fn *fn, uint32_t b, uint32_t i)
{
	const struct gcno_block *bl = &fn->blocks[b];

	return i < bl->npred ? fn->pred[bl->first_pred + i] : fn->narcs;
}

static uint32_t succ_at(const struct gcno_fn *fn, uint32_t b, uint32_t i)
{
	const struct gcno_block *bl = &fn->blocks[b];

	return i < bl->nsucc ? fn->succ_file[bl->first_succ + i] : fn->narcs;
}

static int on_tree(const struct gcno_fn *fn, uint32_t a)
{
	return a == fn->narcs || (fn->arcs[a].flags & ARC_ON_TREE);
}

static void propagate(const struct gcno_fn *fn, uint32_t root,
		      int64_t *arc, uint8_t *visited, struct elem *st)
{
	size_t n = 0;

	st[n++] = (struct elem){ root, -1, 0, 0, 0 };
	for (;;) {
		struct elem *u = &st[n - 1];
		uint32_t np = npred_of(fn, u->v), ns = nsucc_of(fn, u->v);

		if (u->i == 0 && visited[u->v]) {
			if (--n == 0)
				break;
			continue;
		}
		visited[u->v] = 1;
		if (u->i < np) {
			uint32_t e = pred_at(fn, u->v, u->i++);
			if ((int64_t)e == u->pred)
				continue;
			if (on_tree(fn, e)) {
				uint32_t src = e == fn->narcs ? 1
					       : fn->arcs[e].src;
				st[n++] = (struct elem){ src, e, 0, 0, 0 };
			} else {
				u->excess += (uint64_t)arc[e];
			}
		} else if (u->i < np + ns) {
			uint32_t e = succ_at(fn, u->v, u->i++ - np);
			if ((int64_t)e == u->pred)
				continue;
			if (on_tree(fn, e)) {
				uint32_t dst = e == fn->narcs ? 0
					       : fn->arcs[e].dst;
				st[n++] = (struct elem){ dst, e, 1, 0, 0 };
			} else {
				u->excess -= (uint64_t)arc[e];
			}
		} else {
			uint64_t ex = u->excess;
			int in_dst = u->in_dst;
			if ((int64_t)ex < 0)
				ex = -ex;
			if (u->pred >= 0)
				arc[u->pred] = (int64_t)ex;
			if (--n == 0)
				break;
			st[n - 1].excess += in_dst ? -ex : ex;
		}
	}
}

void solve_fn_clang(const struct gcno_fn *fn, const int64_t *ctrs,
		    int64_t *arc, int64_t *blk)
{
	uint8_t *visited = cr_xcalloc(fn->nblocks + 1, 1);
	struct elem *st = cr_xmalloc((fn->nblocks + fn->narcs + 2) *
				     sizeof(*st));
	uint32_t k = 0;

	for (uint32_t b = 0; b < fn->nblocks; b++)
		blk[b] = 0;
	for (uint32_t a = 0; a <= fn->narcs; a++)
		arc[a] = 0;
	for (uint32_t a = 0; a < fn->narcs; a++) {
		if (fn->arcs[a].flags & ARC_ON_TREE)
			continue;
		arc[a] = ctrs[k++];
		blk[fn->arcs[a].src] = wadd(blk[fn->arcs[a].src], arc[a]);
	}
	if (fn->nblocks >= 2) {
		for (uint32_t b = 0; b < fn->nblocks; b++)
			propagate(fn, b, arc, visited, st);
		for (uint32_t a = 0; a < fn->narcs; a++)
			if (fn->arcs[a].flags & ARC_ON_TREE)
				blk[fn->arcs[a].src] =
					wadd(blk[fn->arcs[a].src], arc[a]);
	}
	free(visited);
	free(st);
}

/* ---- cycles (augmentOneCycle, getCyclesCount) ------------------------- */

#define INC_NONE UINT32_MAX
#define INC_ROOT (UINT32_MAX - 1)

static uint64_t augment(const struct layout *lay, struct solve_ws *ws,
			uint32_t src, uint32_t *stack, uint32_t *pos)
{
	uint32_t *inc = ws->tmp;
	size_t n = 0;

	stack[n] = src;
	pos[n++] = 0;
	inc[src] = INC_ROOT;
	for (;;) {
		uint32_t u = stack[n - 1], i = pos[n - 1];
		uint32_t first = lay->gb_succ[u];
		uint32_t a, w;
		uint64_t min;

		if (first + i == lay->gb_succ[u + 1]) {
			ws->mark[u] = 0;
			if (--n == 0)
				break;
			continue;
		}
		pos[n - 1]++;
		a = lay->gsucc[first + i];
		w = lay->ga_dst[a];
		if (ws->cs[a] == 0 || !ws->mark[w] || w == u)
			continue;
		if (inc[w] == INC_NONE) {
			inc[w] = a;
			stack[n] = w;
			pos[n++] = 0;
			continue;
		}
		min = (uint64_t)ws->cs[a];
		for (uint32_t v = u;;) {
			if ((uint64_t)ws->cs[inc[v]] < min)
				min = (uint64_t)ws->cs[inc[v]];
			v = lay->ga_src[inc[v]];
			if (v == w)
				break;
		}
		ws->cs[a] = (int64_t)((uint64_t)ws->cs[a] - min);
		for (uint32_t v = u;;) {
			ws->cs[inc[v]] = (int64_t)((uint64_t)ws->cs[inc[v]] -
						   min);
			v = lay->ga_src[inc[v]];
			if (v == w)
				break;
		}
		return min;
	}
	return 0;
}

int64_t slot_cycles_clang(const struct layout *lay, const struct lslot *s,
			  struct solve_ws *ws)
{
	const uint32_t *blk = lay->ids + s->blk;
	uint32_t *stack = cr_xmalloc((s->nblk + 1) * sizeof(uint32_t));
	uint32_t *pos = cr_xmalloc((s->nblk + 1) * sizeof(uint32_t));
	uint64_t count = 0, d;

	if (ws->tmp_cap < lay->nblocks + 1) {
		free(ws->tmp);
		ws->tmp = cr_xmalloc((lay->nblocks + 1) * sizeof(uint32_t));
		ws->tmp_cap = lay->nblocks + 1;
	}
	for (uint32_t i = 0; i < s->nblk; i++)
		for (uint32_t k = lay->gb_succ[blk[i]];
		     k < lay->gb_succ[blk[i] + 1]; k++)
			ws->cs[lay->gsucc[k]] = ws->arc[lay->gsucc[k]];
	for (;;) {
		for (uint32_t i = 0; i < s->nblk; i++) {
			ws->mark[blk[i]] = 1;
			ws->tmp[blk[i]] = INC_NONE;
		}
		d = 0;
		for (uint32_t i = 0; i < s->nblk; i++)
			if (ws->mark[blk[i]] &&
			    (d = augment(lay, ws, blk[i], stack, pos)) > 0)
				break;
		if (d == 0)
			break;
		count += d; /* unsigned: wraps */
	}
	for (uint32_t i = 0; i < s->nblk; i++)
		ws->mark[blk[i]] = 0;
	free(stack);
	free(pos);
	return (int64_t)count;
}
