/* SPDX-License-Identifier: MIT
 * gcov/cycles.c: the cycles term of a line count.
 *
 * gcov adds to a line's entering count the transitions of loops that lie
 * entirely on the line: it enumerates elementary circuits among the line's
 * blocks (Hawick-James, as gcov's circuit/unblock/get_cycles_count), and
 * each circuit found adds the minimum working count along it and subtracts
 * that minimum from its arcs (docs/gcov-format.md §4.4).  This is
 * what makes line counts non-linear in the counters (§6).  The search is
 * replicated step for step, including its vectors' erase order.
 * Interface: gcov/gcov.h.
 */
#include "gcov/gcov.h"

#include <stdlib.h>
#include <string.h>

struct ulist {
	uint32_t *v;
	uint32_t n, alloc;
};

struct cyc {
	const struct layout *lay;
	struct solve_ws *ws;
	uint32_t start;
	int64_t count;
	uint32_t *path;          /* arc ids */
	uint32_t npath;
	uint32_t *blocked;       /* block ids */
	struct ulist *lists;     /* parallel to blocked */
	uint32_t nblocked;
};

static long find_blocked(const struct cyc *c, uint32_t b)
{
	for (uint32_t i = 0; i < c->nblocked; i++)
		if (c->blocked[i] == b)
			return (long)i;
	return -1;
}

static void unblock(struct cyc *c, uint32_t u)
{
	long idx = find_blocked(c, u);
	struct ulist l;

	if (idx < 0)
		return;
	l = c->lists[idx];
	memmove(c->blocked + idx, c->blocked + idx + 1,
		(c->nblocked - (uint32_t)idx - 1) * sizeof(uint32_t));
	memmove(c->lists + idx, c->lists + idx + 1,
		(c->nblocked - (uint32_t)idx - 1) * sizeof(struct ulist));
	c->nblocked--;
	for (uint32_t i = 0; i < l.n; i++)
		unblock(c, l.v[i]);
	free(l.v);
}

static void handle_cycle(struct cyc *c)
{
	int64_t min = INT64_MAX;

	for (uint32_t i = 0; i < c->npath; i++)
		if (c->ws->cs[c->path[i]] < min)
			min = c->ws->cs[c->path[i]];
	c->count = wadd(c->count, min);
	for (uint32_t i = 0; i < c->npath; i++)
		c->ws->cs[c->path[i]] = wsub(c->ws->cs[c->path[i]], min);
}

static int path_nonpositive(const struct cyc *c)
{
	for (uint32_t i = 0; i < c->npath; i++)
		if (c->ws->cs[c->path[i]] <= 0)
			return 1;
	return 0;
}

static int usable(const struct cyc *c, uint32_t a)
{
	uint32_t w = c->lay->ga_dst[a];

	return w >= c->start && c->ws->cs[a] > 0 && c->ws->mark[w];
}

static int circuit(struct cyc *c, uint32_t v)
{
	const struct layout *lay = c->lay;
	uint32_t first = lay->gb_succ[v], end = lay->gb_succ[v + 1];
	int found = 0;

	c->blocked[c->nblocked] = v;
	memset(&c->lists[c->nblocked], 0, sizeof(struct ulist));
	c->nblocked++;
	for (uint32_t k = first; k < end; k++) {
		uint32_t a = lay->gsucc[k], w = lay->ga_dst[a];
		if (!usable(c, a))
			continue;
		c->path[c->npath++] = a;
		if (w == c->start) {
			handle_cycle(c);
			found = 1;
		} else if (!path_nonpositive(c) && find_blocked(c, w) < 0) {
			found |= circuit(c, w);
		}
		c->npath--;
	}
	if (found) {
		unblock(c, v);
		return found;
	}
	for (uint32_t k = first; k < end; k++) {
		uint32_t a = lay->gsucc[k], w = lay->ga_dst[a];
		long idx;
		struct ulist *l;
		uint32_t i;

		if (!usable(c, a))
			continue;
		idx = find_blocked(c, w);
		if (idx < 0)
			continue;
		l = &c->lists[idx];
		for (i = 0; i < l->n && l->v[i] != v; i++)
			;
		if (i == l->n) {
			CR_GROW(l->v, l->n + 1, l->alloc);
			l->v[l->n++] = v;
		}
	}
	return found;
}

int64_t slot_cycles(const struct layout *lay, const struct lslot *s,
		    struct solve_ws *ws)
{
	const uint32_t *blk = lay->ids + s->blk;
	struct cyc c;

	memset(&c, 0, sizeof(c));
	c.lay = lay;
	c.ws = ws;
	for (uint32_t i = 0; i < s->nblk; i++) {
		uint32_t b = blk[i];
		ws->mark[b] = 1;
		for (uint32_t k = lay->gb_succ[b]; k < lay->gb_succ[b + 1];
		     k++)
			ws->cs[lay->gsucc[k]] = ws->arc[lay->gsucc[k]];
	}
	/* A path and the blocked set hold distinct blocks of the line. */
	c.path = cr_xmalloc((s->nblk + 1) * sizeof(uint32_t));
	c.blocked = cr_xmalloc((s->nblk + 1) * sizeof(uint32_t));
	c.lists = cr_xmalloc((s->nblk + 1) * sizeof(struct ulist));
	for (uint32_t i = 0; i < s->nblk; i++) {
		c.start = blk[i];
		c.npath = 0;
		circuit(&c, blk[i]);
		for (uint32_t j = 0; j < c.nblocked; j++)
			free(c.lists[j].v);
		c.nblocked = 0;
	}
	for (uint32_t i = 0; i < s->nblk; i++)
		ws->mark[blk[i]] = 0;
	free(c.path);
	free(c.blocked);
	free(c.lists);
	return c.count;
}
