/* SPDX-License-Identifier: MIT
 * gcov/graph.c: flow solving and gcov's per-line, per-function numbers.
 *
 * Parts:
 *   solver   gcov's solve_flow_graph, replicated in its order so that
 *            inconsistent counters give gcov's numbers too
 *            (docs/gcov-format.md §4.1)
 *   lines    line counts: block sums, or entering arcs plus the cycles
 *            term (§4.4; the circuit search is in cycles.c)
 *   sort     libstdc++'s std::sort step for step, because gcov's output
 *            order of functions with equal keys depends on it (§4.7)
 * Interface: gcov/gcov.h.
 */
#include "gcov/gcov.h"

#include <stdlib.h>
#include <string.h>

/* ---- solver ------------------------------------------------------------ */

#define NUM_INF ((int64_t)1 << 40)

struct solve_scratch {
	int64_t *num_succ, *num_pred;
	uint8_t *arc_valid, *blk_valid, *on_valid, *on_invalid;
	uint32_t *valid, *invalid;
};

static void *scratch_get(struct solve_ws *ws, uint32_t nb, uint32_t na,
			 struct solve_scratch *s)
{
	size_t need = (size_t)nb * (2 * sizeof(int64_t) + 4 +
				    2 * sizeof(uint32_t)) + na + 64;
	unsigned char *p;

	if (need > ws->scratch_size) {
		free(ws->scratch);
		ws->scratch = cr_xmalloc(need);
		ws->scratch_size = need;
	}
	p = ws->scratch;
	s->num_succ = (int64_t *)(void *)p;
	p += nb * sizeof(int64_t);
	s->num_pred = (int64_t *)(void *)p;
	p += nb * sizeof(int64_t);
	s->valid = (uint32_t *)(void *)p;
	p += nb * sizeof(uint32_t);
	s->invalid = (uint32_t *)(void *)p;
	p += nb * sizeof(uint32_t);
	s->blk_valid = p;
	p += nb;
	s->on_valid = p;
	p += nb;
	s->on_invalid = p;
	p += nb;
	s->arc_valid = p;
	memset(s->blk_valid, 0, 3 * (size_t)nb + na);
	return ws->scratch;
}

/* Infer the one unknown arc of B (successors when SUCC, else
 * predecessors) and queue the block at its other end. */
static void infer_arc(const struct gcno_fn *fn, uint32_t b, int succ,
		      int64_t *arc, int64_t *blk, struct solve_scratch *s,
		      uint32_t *nval, uint32_t *ninv)
{
	const struct gcno_block *bl = &fn->blocks[b];
	const uint32_t *ids = succ ? fn->succ + bl->first_succ
				   : fn->pred + bl->first_pred;
	uint32_t n = succ ? bl->nsucc : bl->npred;
	int64_t total = blk[b];
	long inv = -1;
	uint32_t o;

	for (uint32_t k = 0; k < n; k++) {
		total = wsub(total, arc[ids[k]]);
		if (!s->arc_valid[ids[k]])
			inv = ids[k];
	}
	if (inv < 0)
		return; /* cannot happen: the counts say one is unknown */
	s->arc_valid[inv] = 1;
	arc[inv] = total;
	if (succ) {
		o = fn->arcs[inv].dst;
		s->num_succ[b]--;
		s->num_pred[o]--;
	} else {
		o = fn->arcs[inv].src;
		s->num_pred[b]--;
		s->num_succ[o]--;
	}
	if (s->blk_valid[o]) {
		int64_t left = succ ? s->num_pred[o] : s->num_succ[o];
		if (left == 1 && !s->on_valid[o]) {
			s->on_valid[o] = 1;
			s->valid[(*nval)++] = o;
		}
	} else {
		int64_t left = succ ? s->num_pred[o] : s->num_succ[o];
		if (left == 0 && !s->on_invalid[o]) {
			s->on_invalid[o] = 1;
			s->invalid[(*ninv)++] = o;
		}
	}
}

static void solve_fn(const struct gcno_fn *fn, const int64_t *ctrs,
		     int64_t *arc, int64_t *blk, struct solve_ws *ws)
{
	uint32_t nb = fn->nblocks, nval = 0, ninv = 0;
	struct solve_scratch s;

	scratch_get(ws, nb, fn->narcs, &s);
	for (uint32_t a = 0; a < fn->narcs; a++)
		arc[a] = 0;
	for (uint32_t b = 0; b < nb; b++) {
		blk[b] = 0;
		s.num_succ[b] = fn->blocks[b].nsucc;
		s.num_pred[b] = fn->blocks[b].npred;
	}
	if (nb >= 2) {
		if (!s.num_pred[0])
			s.num_pred[0] = NUM_INF;
		if (!s.num_succ[1])
			s.num_succ[1] = NUM_INF;
	}
	for (uint32_t b = 0; b < nb; b++) {
		const struct gcno_block *bl = &fn->blocks[b];
		for (uint32_t k = 0; k < bl->nsucc; k++) {
			uint32_t a = fn->succ_file[bl->first_succ + k];
			if (fn->arcs[a].ctr < 0)
				continue;
			arc[a] = ctrs[fn->arcs[a].ctr];
			s.arc_valid[a] = 1;
			s.num_succ[b]--;
			s.num_pred[fn->arcs[a].dst]--;
		}
		s.on_invalid[b] = 1;
		s.invalid[ninv++] = b;
	}
	while (ninv || nval) {
		while (ninv) {
			uint32_t b = s.invalid[--ninv];
			const struct gcno_block *bl = &fn->blocks[b];
			int64_t total = 0;

			s.on_invalid[b] = 0;
			if (!s.num_succ[b]) {
				for (uint32_t k = 0; k < bl->nsucc; k++)
					total = wadd(total, arc[fn->succ[
						bl->first_succ + k]]);
			} else if (!s.num_pred[b]) {
				for (uint32_t k = 0; k < bl->npred; k++)
					total = wadd(total, arc[fn->pred[
						bl->first_pred + k]]);
			} else {
				continue;
			}
			blk[b] = total;
			s.blk_valid[b] = 1;
			s.on_valid[b] = 1;
			s.valid[nval++] = b;
		}
		while (nval) {
			uint32_t b = s.valid[--nval];

			s.on_valid[b] = 0;
			if (s.num_succ[b] == 1)
				infer_arc(fn, b, 1, arc, blk, &s, &nval,
					  &ninv);
			if (s.num_pred[b] == 1)
				infer_arc(fn, b, 0, arc, blk, &s, &nval,
					  &ninv);
		}
	}
}

static void ws_reserve(struct solve_ws *ws, uint32_t nb, uint32_t na)
{
	if (na + 1 > ws->cap_arcs) {
		free(ws->arc);
		free(ws->cs);
		ws->arc = cr_xmalloc((na + 1) * sizeof(int64_t));
		ws->cs = cr_xmalloc((na + 1) * sizeof(int64_t));
		ws->cap_arcs = na + 1;
	}
	if (nb + 1 > ws->cap_blocks) {
		free(ws->block);
		free(ws->mark);
		ws->block = cr_xmalloc((nb + 1) * sizeof(int64_t));
		ws->mark = cr_xcalloc(nb + 1, 1);
		ws->cap_blocks = nb + 1;
	}
}

void solve_object(const struct layout *lay, const int64_t *ctrs,
		  struct solve_ws *ws)
{
	const struct gcno_file *g = lay->g;

	ws_reserve(ws, lay->nblocks, lay->narcs);
	for (uint32_t f = 0; f < g->nfns; f++) {
		const struct gcno_fn *fn = &g->fns[f];
		int64_t *arc = ws->arc + lay->arc_base[f];
		int64_t *blk = ws->block + lay->block_base[f];

		if (lay->clang)
			solve_fn_clang(fn, ctrs + fn->ctr_base, arc, blk);
		else
			solve_fn(fn, ctrs + fn->ctr_base, arc, blk, ws);
	}
}

void solve_ws_release(struct solve_ws *ws)
{
	free(ws->arc);
	free(ws->block);
	free(ws->cs);
	free(ws->scratch);
	free(ws->mark);
	free(ws->tmp);
	memset(ws, 0, sizeof(*ws));
}

/* ---- lines and functions ---------------------------------------------- */

int64_t slot_count(const struct layout *lay, const struct lslot *s,
		   struct solve_ws *ws)
{
	int64_t count = 0;

	if (!s->nblk) {
		for (uint32_t i = 0; i < s->ncontrib; i++)
			count = wadd(count,
				     ws->block[lay->ids[s->contrib + i]]);
		return count;
	}
	for (uint32_t i = 0; i < s->next; i++)
		count = wadd(count, ws->arc[lay->ids[s->ext + i]]);
	if (s->internal)
		count = wadd(count, lay->clang ? slot_cycles_clang(lay, s, ws)
					       : slot_cycles(lay, s, ws));
	return count;
}

int slot_unexecuted(const struct layout *lay, const struct lslot *s,
		    const struct solve_ws *ws)
{
	for (uint32_t i = 0; i < s->ncontrib; i++) {
		uint32_t b = lay->ids[s->contrib + i];
		if (!lay->gb_exc[b] && ws->block[b] == 0)
			return 1;
	}
	return 0;
}

uint32_t fn_blocks_executed(const struct layout *lay, uint32_t f,
			    const struct solve_ws *ws)
{
	const struct gcno_fn *fn = &lay->g->fns[f];
	const int64_t *blk = ws->block + lay->block_base[f];
	uint32_t n = 0;

	for (uint32_t ix = 1; ix + 1 < fn->nblocks; ix++)
		if (blk[ix])
			n++;
	return n;
}

/* ---- libstdc++ std::sort ---------------------------------------------- */

struct fsort {
	const struct gcno_file *g;
};

static int less(const struct fsort *c, uint32_t a, uint32_t b)
{
	const struct gcno_fn *x = &c->g->fns[a], *y = &c->g->fns[b];

	return x->start_line == y->start_line
	       ? x->start_column < y->start_column
	       : x->start_line < y->start_line;
}

static void swap_u32(uint32_t *a, uint32_t *b)
{
	uint32_t t = *a;

	*a = *b;
	*b = t;
}

static void move_median_to_first(const struct fsort *c, uint32_t *result,
				 uint32_t *a, uint32_t *b, uint32_t *m)
{
	if (less(c, *a, *b)) {
		if (less(c, *b, *m))
			swap_u32(result, b);
		else if (less(c, *a, *m))
			swap_u32(result, m);
		else
			swap_u32(result, a);
	} else if (less(c, *a, *m)) {
		swap_u32(result, a);
	} else if (less(c, *b, *m)) {
		swap_u32(result, m);
	} else {
		swap_u32(result, b);
	}
}

static uint32_t *unguarded_partition(const struct fsort *c, uint32_t *first,
				     uint32_t *last, uint32_t *pivot)
{
	for (;;) {
		while (less(c, *first, *pivot))
			++first;
		--last;
		while (less(c, *pivot, *last))
			--last;
		if (!(first < last))
			return first;
		swap_u32(first, last);
		++first;
	}
}

static void adjust_heap(const struct fsort *c, uint32_t *first,
			ptrdiff_t hole, ptrdiff_t len, uint32_t value)
{
	ptrdiff_t top = hole, child = hole, parent;

	while (child < (len - 1) / 2) {
		child = 2 * (child + 1);
		if (less(c, first[child], first[child - 1]))
			child--;
		first[hole] = first[child];
		hole = child;
	}
	if ((len & 1) == 0 && child == (len - 2) / 2) {
		child = 2 * (child + 1);
		first[hole] = first[child - 1];
		hole = child - 1;
	}
	parent = (hole - 1) / 2;
	while (hole > top && less(c, first[parent], value)) {
		first[hole] = first[parent];
		hole = parent;
		parent = (hole - 1) / 2;
	}
	first[hole] = value;
}

static void heap_sort(const struct fsort *c, uint32_t *first,
		      uint32_t *last)
{
	ptrdiff_t len = last - first;

	if (len >= 2)
		for (ptrdiff_t parent = (len - 2) / 2;; parent--) {
			adjust_heap(c, first, parent, len, first[parent]);
			if (parent == 0)
				break;
		}
	while (last - first > 1) {
		uint32_t v;
		--last;
		v = *last;
		*last = *first;
		adjust_heap(c, first, 0, last - first, v);
	}
}

static void introsort_loop(const struct fsort *c, uint32_t *first,
			   uint32_t *last, int depth)
{
	while (last - first > 16) {
		uint32_t *mid, *cut;
		if (depth == 0) {
			heap_sort(c, first, last);
			return;
		}
		--depth;
		mid = first + (last - first) / 2;
		move_median_to_first(c, first, first + 1, mid, last - 1);
		cut = unguarded_partition(c, first + 1, last, first);
		introsort_loop(c, cut, last, depth);
		last = cut;
	}
}

static void unguarded_linear_insert(const struct fsort *c, uint32_t *last)
{
	uint32_t val = *last, *next = last - 1;

	while (less(c, val, *next)) {
		*last = *next;
		last = next;
		--next;
	}
	*last = val;
}

static void insertion_sort(const struct fsort *c, uint32_t *first,
			   uint32_t *last)
{
	if (first == last)
		return;
	for (uint32_t *i = first + 1; i != last; ++i) {
		if (less(c, *i, *first)) {
			uint32_t val = *i;
			memmove(first + 1, first,
				(size_t)(i - first) * sizeof(*first));
			*first = val;
		} else {
			unguarded_linear_insert(c, i);
		}
	}
}

void gcov_sort_fns(const struct gcno_file *g, uint32_t *v, size_t n)
{
	struct fsort c = { g };
	int lg = 0;

	if (n < 2)
		return;
	while (((size_t)1 << (lg + 1)) <= n)
		lg++;
	introsort_loop(&c, v, v + n, 2 * lg);
	if (n > 16) {
		insertion_sort(&c, v, v + 16);
		for (uint32_t *i = v + 16; i != v + n; ++i)
			unguarded_linear_insert(&c, i);
	} else {
		insertion_sort(&c, v, v + n);
	}
}
