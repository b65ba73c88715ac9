/* SPDX-License-Identifier: MIT
 * merge/build.c: filling the data model (merge/merge.h) from a merge set.
 *
 * Parts:
 *   objects  per object, in parallel: its layout (what gcov reports) and,
 *            for every view, the counters of the view's contexts summed,
 *            solved once, and turned into line, branch and function
 *            numbers (line counts are not additive over contexts, so each
 *            view is solved from its own summed counters)
 *   files    the structure: source files by path, lines by number (lines
 *            of several objects merged, branches matched by index on the
 *            line), functions by mangled name and start line
 *   counts   each object's numbers added into every view
 * Interface: merge/merge.h; the set is described in merge/internal.h.
 */
#define _GNU_SOURCE
#include "merge/internal.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- objects ----------------------------------------------------------- */

struct objres {
	struct mobj *o;
	struct layout lay;
	uint32_t nviews;
	int64_t *slot;          /* [view][slot] line count */
	uint8_t *unexec;        /* [view][slot] */
	uint32_t nbr;           /* branch references of all slots */
	int64_t *br;            /* [view][nbr] branch counts, slot order */
	int64_t *fn;            /* [view][fn] execution count */
	uint32_t *bexec;        /* [view][fn] blocks executed */
	uint32_t *slot_file;    /* model file of each slot */
	uint32_t *slot_line;    /* model line index of each slot */
	uint32_t *fn_file, *fn_idx; /* model function of each gcno fn */
};

struct build_ctx {
	struct merge_set *set;
	struct objres *res;
	uint32_t nres;
	uint32_t next;
	pthread_mutex_t lock;
	uint32_t nviews;
};

int merge_view_has(const struct merge_set *set, uint32_t v, uint32_t c)
{
	if (v == COV_VIEW_ALL)
		return 1;
	if (v == COV_VIEW_ROOT)
		return set->ctx[c].role == COLLECT_ROLE_ROOT;
	if (v == COV_VIEW_CHILD)
		return set->ctx[c].role != COLLECT_ROLE_ROOT;
	return v - COV_VIEW_FIRST_CONTEXT == c;
}

static void compute(struct build_ctx *bc, struct objres *r,
		    struct solve_ws *ws)
{
	const struct gcno_file *g = &r->o->g;
	const struct layout *lay = &r->lay;
	uint32_t nv = bc->nviews, ns, nf;
	int64_t *sum = cr_xmalloc((g->nctrs + 1) * sizeof(int64_t));

	layout_build(g, LAYOUT_NAMES_ABSOLUTE, &r->lay);
	ns = lay->nslots;
	nf = g->nfns;
	r->nbr = 0;
	for (uint32_t s = 0; s < ns; s++)
		r->nbr += lay->slots[s].nbr;
	r->nviews = nv;
	r->slot = cr_xcalloc((size_t)nv * ns + 1, sizeof(int64_t));
	r->unexec = cr_xcalloc((size_t)nv * ns + 1, 1);
	r->br = cr_xcalloc((size_t)nv * r->nbr + 1, sizeof(int64_t));
	r->fn = cr_xcalloc((size_t)nv * nf + 1, sizeof(int64_t));
	r->bexec = cr_xcalloc((size_t)nv * nf + 1, sizeof(uint32_t));
	for (uint32_t v = 0; v < nv; v++) {
		memset(sum, 0, (g->nctrs + 1) * sizeof(int64_t));
		for (uint32_t c = 0; c < bc->set->nctx; c++) {
			const int64_t *ctr = r->o->ctr[c];
			if (!ctr || !merge_view_has(bc->set, v, c))
				continue;
			for (uint32_t k = 0; k < g->nctrs; k++)
				sum[k] = wadd(sum[k], ctr[k]);
		}
		solve_object(lay, sum, ws);
		for (uint32_t s = 0; s < ns; s++) {
			const struct lslot *sl = &lay->slots[s];
			r->slot[(size_t)v * ns + s] = slot_count(lay, sl, ws);
			r->unexec[(size_t)v * ns + s] =
				(uint8_t)slot_unexecuted(lay, sl, ws);
		}
		for (uint32_t s = 0, k = 0; s < ns; s++) {
			const struct lslot *sl = &lay->slots[s];
			for (uint32_t q = 0; q < sl->nbr; q++)
				r->br[(size_t)v * r->nbr + k++] =
					ws->arc[lay->ids[sl->br + q]];
		}
		for (uint32_t f = 0; f < nf; f++) {
			if (!lay->reported[f])
				continue;
			r->fn[(size_t)v * nf + f] =
				ws->block[lay->block_base[f]];
			r->bexec[(size_t)v * nf + f] =
				fn_blocks_executed(lay, f, ws);
		}
	}
	free(sum);
}

static void *build_worker(void *arg)
{
	struct build_ctx *bc = arg;
	struct solve_ws ws;

	memset(&ws, 0, sizeof(ws));
	for (;;) {
		uint32_t i;
		pthread_mutex_lock(&bc->lock);
		i = bc->next++;
		pthread_mutex_unlock(&bc->lock);
		if (i >= bc->nres)
			break;
		compute(bc, &bc->res[i], &ws);
	}
	solve_ws_release(&ws);
	return NULL;
}

static void compute_all(struct build_ctx *bc)
{
	/* every thread gets the same context (ARG_SIZE 0) */
	cr_run_workers(cr_worker_count(bc->set->opts.jobs, bc->nres),
		       build_worker, bc, 0);
}

/* ---- files ------------------------------------------------------------- */

struct fkey {
	const char *path;
	uint32_t res, src;
};

static int cmp_fkey(const void *a, const void *b)
{
	const struct fkey *x = a, *y = b;
	int c = strcmp(x->path, y->path);

	if (c)
		return c;
	return x->res < y->res ? -1 : x->res > y->res;
}

struct lent {
	uint32_t line, res, slot, seq;
};

static int cmp_lent(const void *a, const void *b)
{
	const struct lent *x = a, *y = b;

	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

struct fent {
	const char *name;
	uint32_t line, res, fn, seq;
};

static int cmp_fent(const void *a, const void *b)
{
	const struct fent *x = a, *y = b;
	int c;

	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	c = strcmp(x->name, y->name);
	if (c)
		return c;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Lines of model file F from the (object, source) pairs K[0..n). */
static void file_lines(struct build_ctx *bc, struct cov_file *f,
		       uint32_t fi, const struct fkey *k, size_t n)
{
	struct lent *e = NULL;
	size_t ne = 0, alloc = 0;
	uint32_t nl = 0, nb = 0;

	for (size_t i = 0; i < n; i++) {
		struct objres *r = &bc->res[k[i].res];
		const struct layout *lay = &r->lay;
		const struct layout_src *src = &lay->srcs[k[i].src];

		for (uint32_t j = 0; j < src->nslots; j++) {
			CR_GROW(e, ne + 1, alloc);
			e[ne] = (struct lent){ lay->slots[src->slots[j]].line,
					       k[i].res, src->slots[j],
					       (uint32_t)ne };
			ne++;
		}
		for (uint32_t j = 0; j < src->nfns; j++) {
			uint32_t fn = src->fns[j];
			for (uint32_t q = 0; q < lay->grp_n[fn]; q++) {
				uint32_t s = lay->slot_order[
					lay->grp_first[fn] + q];
				CR_GROW(e, ne + 1, alloc);
				e[ne] = (struct lent){ lay->slots[s].line,
						       k[i].res, s,
						       (uint32_t)ne };
				ne++;
			}
		}
	}
	if (ne)
		qsort(e, ne, sizeof(*e), cmp_lent);
	f->lines = cr_xcalloc(ne + 1, sizeof(*f->lines));
	for (size_t i = 0; i < ne;) {
		size_t j = i;
		uint32_t maxbr = 0;

		while (j < ne && e[j].line == e[i].line) {
			struct objres *r = &bc->res[e[j].res];
			uint32_t nbr = r->lay.slots[e[j].slot].nbr;
			if (nbr > maxbr)
				maxbr = nbr;
			r->slot_file[e[j].slot] = fi;
			r->slot_line[e[j].slot] = nl;
			j++;
		}
		f->lines[nl].line = e[i].line;
		f->lines[nl].first_branch = nb;
		f->lines[nl].nbranches = maxbr;
		f->lines[nl].function = -1;
		nb += maxbr;
		nl++;
		i = j;
	}
	f->nlines = nl;
	f->nbranches = nb;
	f->branches = cr_xcalloc(nb + 1, sizeof(*f->branches));
	for (size_t i = 0; i < ne; i++) {
		struct objres *r = &bc->res[e[i].res];
		const struct layout *lay = &r->lay;
		const struct lslot *sl = &lay->slots[e[i].slot];
		const struct cov_line *ml = &f->lines[r->slot_line[e[i].slot]];

		for (uint32_t q = 0; q < sl->nbr; q++) {
			uint32_t a = lay->ids[sl->br + q];
			uint32_t fn = lay->gb_fn[lay->ga_src[a]];
			uint32_t fl = a - lay->arc_base[fn] <
					      lay->g->fns[fn].narcs
				      ? lay->g->fns[fn].arcs[
					  a - lay->arc_base[fn]].flags : 0;
			struct cov_branch *b =
				&f->branches[ml->first_branch + q];
			if (fl & ARC_THROW)
				b->flags |= COV_BRANCH_THROW;
			if (fl & ARC_FALLTHROUGH)
				b->flags |= COV_BRANCH_FALLTHROUGH;
		}
	}
	free(e);
}

static void file_functions(struct build_ctx *bc, struct cov_file *f,
			   uint32_t fi, const struct fkey *k, size_t n)
{
	struct fent *e = NULL;
	size_t ne = 0, alloc = 0;
	uint32_t nf = 0;

	for (size_t i = 0; i < n; i++) {
		const struct layout *lay = &bc->res[k[i].res].lay;
		const struct layout_src *src = &lay->srcs[k[i].src];
		for (uint32_t j = 0; j < src->nfns; j++) {
			const struct gcno_fn *fn = &lay->g->fns[src->fns[j]];
			CR_GROW(e, ne + 1, alloc);
			e[ne] = (struct fent){ fn->name, fn->start_line,
					       k[i].res, src->fns[j],
					       (uint32_t)ne };
			ne++;
		}
	}
	if (ne)
		qsort(e, ne, sizeof(*e), cmp_fent);
	f->functions = cr_xcalloc(ne + 1, sizeof(*f->functions));
	for (size_t i = 0; i < ne;) {
		size_t j = i;
		const struct gcno_fn *fn =
			&bc->res[e[i].res].lay.g->fns[e[i].fn];
		struct cov_function *mf = &f->functions[nf];

		while (j < ne && e[j].line == e[i].line &&
		       !strcmp(e[j].name, e[i].name)) {
			struct objres *r = &bc->res[e[j].res];
			r->fn_file[e[j].fn] = fi;
			r->fn_idx[e[j].fn] = nf;
			j++;
		}
		mf->name = cr_xstrdup(fn->name);
		mf->demangled = gcov_demangle(fn->name);
		mf->start_line = fn->start_line;
		mf->start_column = fn->start_column;
		mf->end_line = fn->end_line;
		mf->end_column = fn->end_column;
		mf->blocks = fn->nblocks - 2;
		nf++;
		i = j;
	}
	f->nfunctions = nf;
	free(e);
	/* each line belongs to the innermost function spanning it */
	for (uint32_t q = 0; q < nf; q++) {
		const struct cov_function *mf = &f->functions[q];
		uint32_t lo = 0, hi = f->nlines;
		while (lo < hi) {
			uint32_t mid = lo + (hi - lo) / 2;
			if (f->lines[mid].line < mf->start_line)
				lo = mid + 1;
			else
				hi = mid;
		}
		for (; lo < f->nlines && f->lines[lo].line <= mf->end_line;
		     lo++)
			f->lines[lo].function = (int32_t)q;
	}
}

static void build_files(struct build_ctx *bc, struct cov_model *m)
{
	struct fkey *k = NULL;
	size_t nk = 0, alloc = 0;
	size_t nfiles = 0;

	for (uint32_t i = 0; i < bc->nres; i++) {
		const struct layout *lay = &bc->res[i].lay;
		for (uint32_t s = 0; s < lay->nsrcs; s++) {
			if (!lay->srcs[s].nslots && !lay->srcs[s].nfns)
				continue;
			CR_GROW(k, nk + 1, alloc);
			k[nk++] = (struct fkey){ lay->srcs[s].name, i, s };
		}
	}
	if (nk)
		qsort(k, nk, sizeof(*k), cmp_fkey);
	for (size_t i = 0; i < nk; i++)
		if (!i || strcmp(k[i].path, k[i - 1].path))
			nfiles++;
	m->files = cr_xcalloc(nfiles + 1, sizeof(*m->files));
	m->nfiles = (uint32_t)nfiles;
	for (size_t i = 0, fi = 0; i < nk; fi++) {
		size_t j = i;
		struct cov_file *f = &m->files[fi];

		while (j < nk && !strcmp(k[j].path, k[i].path))
			j++;
		f->path = cr_xstrdup(k[i].path);
		file_lines(bc, f, (uint32_t)fi, k + i, j - i);
		file_functions(bc, f, (uint32_t)fi, k + i, j - i);
		i = j;
	}
	free(k);
}

/* ---- counts ------------------------------------------------------------ */

static void alloc_views(struct cov_model *m)
{
	for (uint32_t i = 0; i < m->nfiles; i++) {
		struct cov_file *f = &m->files[i];
		f->views = cr_xcalloc(m->nviews, sizeof(*f->views));
		for (uint32_t v = 0; v < m->nviews; v++) {
			struct cov_counts *c = &f->views[v];
			c->line = cr_xcalloc(f->nlines + 1, sizeof(int64_t));
			c->line_unexecuted = cr_xcalloc(f->nlines + 1, 1);
			c->branch = cr_xcalloc(f->nbranches + 1,
					       sizeof(int64_t));
			c->function = cr_xcalloc(f->nfunctions + 1,
						 sizeof(int64_t));
			c->function_blocks_executed =
				cr_xcalloc(f->nfunctions + 1,
					   sizeof(uint32_t));
		}
	}
}

static void add_counts(struct objres *r, struct cov_model *m)
{
	const struct layout *lay = &r->lay;
	uint32_t ns = lay->nslots, nf = lay->g->nfns;

	for (uint32_t v = 0; v < m->nviews; v++) {
		const int64_t *br = r->br + (size_t)v * r->nbr;
		for (uint32_t s = 0; s < ns; s++) {
			struct cov_file *f = &m->files[r->slot_file[s]];
			struct cov_counts *c = &f->views[v];
			uint32_t li = r->slot_line[s];
			const struct lslot *sl = &lay->slots[s];

			c->line[li] = wadd(c->line[li],
					   r->slot[(size_t)v * ns + s]);
			c->line_unexecuted[li] |=
				r->unexec[(size_t)v * ns + s];
			for (uint32_t q = 0; q < sl->nbr; q++) {
				int64_t *b = &c->branch[f->lines[li]
							.first_branch + q];
				*b = wadd(*b, *br++);
			}
		}
		for (uint32_t fn = 0; fn < nf; fn++) {
			struct cov_counts *c;
			uint32_t be;
			if (!lay->reported[fn] || r->fn_file[fn] == UINT32_MAX)
				continue;
			c = &m->files[r->fn_file[fn]].views[v];
			c->function[r->fn_idx[fn]] =
				wadd(c->function[r->fn_idx[fn]],
				     r->fn[(size_t)v * nf + fn]);
			be = r->bexec[(size_t)v * nf + fn];
			if (be > c->function_blocks_executed[r->fn_idx[fn]])
				c->function_blocks_executed[r->fn_idx[fn]] =
					be;
		}
	}
}

static void objres_release(struct objres *r)
{
	layout_release(&r->lay);
	free(r->slot);
	free(r->unexec);
	free(r->br);
	free(r->fn);
	free(r->bexec);
	free(r->slot_file);
	free(r->slot_line);
	free(r->fn_file);
	free(r->fn_idx);
}

/* Stable short ids: c<index>-<role>-<executable base name>. */
void merge_set_name_contexts(struct merge_set *set)
{
	for (uint32_t i = 0; i < set->nctx; i++) {
		struct cov_context *c = &set->ctx[i];
		const char *base = strrchr(c->exe, '/');
		struct cr_buf b;

		if (c->id)
			continue;
		base = base ? base + 1 : c->exe;
		cr_buf_init(&b);
		cr_buf_addf(&b, "c%u-%s", i, collect_role_name(c->role));
		if (*base)
			cr_buf_addc(&b, '-');
		for (const char *p = base; *p && b.len < 60; p++) {
			char ch = *p;
			int ok = (ch >= 'a' && ch <= 'z') ||
				 (ch >= 'A' && ch <= 'Z') ||
				 (ch >= '0' && ch <= '9') || ch == '.' ||
				 ch == '_' || ch == '-';
			cr_buf_addc(&b, ok ? ch : '_');
		}
		c->id = cr_buf_take(&b);
	}
}

enum cr_err merge_set_model(struct merge_set *set, struct cov_model *m,
			    struct cr_error *err)
{
	struct build_ctx bc;

	(void)err;
	memset(m, 0, sizeof(*m));
	memset(&bc, 0, sizeof(bc));
	if (set->opts.unexecuted)
		merge_add_unexecuted(set);
	merge_set_name_contexts(set);
	m->ncontexts = set->nctx;
	m->contexts = cr_xcalloc(set->nctx + 1, sizeof(*m->contexts));
	for (uint32_t i = 0; i < set->nctx; i++) {
		m->contexts[i] = set->ctx[i];
		m->contexts[i].id = cr_xstrdup(set->ctx[i].id);
		m->contexts[i].exe = cr_xstrdup(set->ctx[i].exe);
		m->contexts[i].label = cr_xstrdup(set->ctx[i].label);
	}
	m->nviews = COV_VIEW_FIRST_CONTEXT +
		    (set->opts.context_views ? set->nctx : 0);
	m->nskipped = set->nskipped;
	bc.set = set;
	bc.nviews = m->nviews;
	pthread_mutex_init(&bc.lock, NULL);
	bc.res = cr_xcalloc(set->nobjs + 1, sizeof(*bc.res));
	for (uint32_t i = 0; i < set->nobjs; i++)
		m->nran += set->objs[i]->has_data;
	for (uint32_t i = 0; i < set->nobjs; i++)
		if (set->objs[i]->state == MOBJ_READ &&
		    (set->objs[i]->has_data || set->objs[i]->unexecuted))
			bc.res[bc.nres++].o = set->objs[i];
	compute_all(&bc);
	for (uint32_t i = 0; i < bc.nres; i++) {
		struct objres *r = &bc.res[i];
		uint32_t ns = r->lay.nslots, nf = r->o->g.nfns;
		r->slot_file = cr_xcalloc(ns + 1, sizeof(uint32_t));
		r->slot_line = cr_xcalloc(ns + 1, sizeof(uint32_t));
		r->fn_file = cr_xmalloc((nf + 1) * sizeof(uint32_t));
		r->fn_idx = cr_xcalloc(nf + 1, sizeof(uint32_t));
		memset(r->fn_file, 0xff, (nf + 1) * sizeof(uint32_t));
	}
	build_files(&bc, m);
	alloc_views(m);
	for (uint32_t i = 0; i < bc.nres; i++) {
		add_counts(&bc.res[i], m);
		objres_release(&bc.res[i]);
	}
	free(bc.res);
	pthread_mutex_destroy(&bc.lock);
	fallback_model(set, m);
	return CR_OK;
}

void merge_set_stats(const struct merge_set *set, uint32_t *files,
		     uint64_t *bytes)
{
	if (files)
		*files = set->files_read;
	if (bytes)
		*bytes = set->bytes_read;
}

enum cr_err merge_load_tree(const char *build_dir,
			    const struct merge_opts *opts,
			    struct cov_model *model, struct cr_error *err)
{
	struct merge_set *set = merge_set_new(opts);
	uint32_t ctx = merge_set_context(set, "", COLLECT_ROLE_ROOT, "");
	char *abs = cr_path_absolute(build_dir);
	enum cr_err e;

	memset(model, 0, sizeof(*model));
	e = merge_set_add_tree(set, abs, ctx, err);
	free(abs);
	if (!e)
		e = merge_set_read(set, err);
	if (!e)
		e = merge_set_model(set, model, err);
	merge_set_free(set);
	return e;
}
