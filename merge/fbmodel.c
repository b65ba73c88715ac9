/* SPDX-License-Identifier: MIT
 * merge/fbmodel.c: adding gcov's JSON numbers (fallback.c) to the model.
 *
 * Objects read through gcov have no graph, only per-gcda line, branch and
 * function numbers.  After the native objects have filled the model, the
 * files these objects touch are rebuilt: lines are the union by number
 * (branches matched by index), functions the union by mangled name and
 * start line, and every view adds the numbers of its contexts.  New files
 * are appended and the file list is sorted again.
 * Interface: merge/internal.h.
 */
#include "merge/internal.h"

#include <stdlib.h>
#include <string.h>

struct add {
	const char *path;
	const struct fb_entry *e;   /* a line, or */
	const struct fb_func *f;    /* a function */
	uint32_t ctx;
};

static int cmp_add(const void *a, const void *b)
{
	const struct add *x = a, *y = b;
	uint32_t lx = x->e ? x->e->line : x->f->start_line;
	uint32_t ly = y->e ? y->e->line : y->f->start_line;
	int c = strcmp(x->path, y->path);

	if (c)
		return c;
	if (!x->e != !y->e)
		return x->e ? -1 : 1; /* lines first */
	if (lx != ly)
		return lx < ly ? -1 : 1;
	if (x->f)
		return strcmp(x->f->name, y->f->name);
	return 0;
}

static int cmp_file(const void *a, const void *b)
{
	return strcmp(((const struct cov_file *)a)->path,
		      ((const struct cov_file *)b)->path);
}

static struct cov_file *find_file(struct cov_model *m, const char *path)
{
	for (uint32_t i = 0; i < m->nfiles; i++)
		if (!strcmp(m->files[i].path, path))
			return &m->files[i];
	return NULL;
}

/* Rebuild the lines of F with the line additions A[0..n). */
/* The lines of a file merged with gcov's lines A[0..N) (sorted by line):
 * for each new line, where it comes from. */
struct line_plan {
	struct cov_line *lines;  /* owned until taken */
	uint32_t nl, nb;         /* lines, branches */
	uint32_t *from_old;      /* owned; line index in the file, or
				    UINT32_MAX */
	size_t *from_add, *add_end; /* owned; A[from_add..add_end) */
};

static void plan_lines(struct line_plan *p, const struct cov_file *f,
		       const struct add *a, size_t n)
{
	uint32_t cap = f->nlines + (uint32_t)n, i = 0;
	size_t k = 0;

	p->lines = cr_xcalloc(cap + 1, sizeof(*p->lines));
	p->from_old = cr_xmalloc((cap + 1) * sizeof(uint32_t));
	p->from_add = cr_xmalloc((cap + 1) * sizeof(size_t));
	p->add_end = cr_xmalloc((cap + 1) * sizeof(size_t));
	p->nl = p->nb = 0;
	while (i < f->nlines || k < n) {
		uint32_t ln = i < f->nlines ? f->lines[i].line : UINT32_MAX;
		uint32_t lk = k < n ? a[k].e->line : UINT32_MAX;
		uint32_t line = ln < lk ? ln : lk, nbr = 0, l = p->nl++;

		p->lines[l].line = line;
		p->lines[l].function = -1;
		p->from_old[l] = UINT32_MAX;
		p->from_add[l] = k;
		if (ln == line) {
			p->from_old[l] = i;
			nbr = f->lines[i++].nbranches;
		}
		for (; k < n && a[k].e->line == line; k++)
			if (a[k].e->nbr > nbr)
				nbr = a[k].e->nbr;
		p->add_end[l] = k;
		p->lines[l].first_branch = p->nb;
		p->lines[l].nbranches = nbr;
		p->nb += nbr;
	}
}

/* The model's branch flags for gcov's. */
static uint8_t model_flags(uint8_t gcov_flags)
{
	return (gcov_flags & GCOV_BRANCH_THROW ? COV_BRANCH_THROW : 0) |
	       (gcov_flags & GCOV_BRANCH_FALLTHROUGH ? COV_BRANCH_FALLTHROUGH
						      : 0);
}

/* The branches of the planned lines, with the flags of both sides. */
static struct cov_branch *plan_branches(const struct line_plan *p,
					const struct cov_file *f,
					const struct add *a)
{
	struct cov_branch *branches = cr_xcalloc(p->nb + 1, sizeof(*branches));

	for (uint32_t l = 0; l < p->nl; l++) {
		struct cov_branch *b = branches + p->lines[l].first_branch;
		if (p->from_old[l] != UINT32_MAX) {
			const struct cov_line *o = &f->lines[p->from_old[l]];
			memcpy(b, f->branches + o->first_branch,
			       o->nbranches * sizeof(*b));
		}
		for (size_t q = p->from_add[l]; q < p->add_end[l]; q++)
			for (uint32_t j = 0; j < a[q].e->nbr; j++)
				b[j].flags |= model_flags(a[q].e->brflags[j]);
	}
	return branches;
}

/* View V's counts of F rebuilt for the planned lines: the old counts plus
 * gcov's numbers of the contexts that view holds. */
static void plan_view(struct merge_set *set, uint32_t v, struct cov_file *f,
		      const struct line_plan *p, const struct add *a)
{
	struct cov_counts *c = &f->views[v];
	int64_t *line = cr_xcalloc(p->nl + 1, sizeof(int64_t));
	uint8_t *unex = cr_xcalloc(p->nl + 1, 1);
	int64_t *br = cr_xcalloc(p->nb + 1, sizeof(int64_t));

	for (uint32_t l = 0; l < p->nl; l++) {
		int64_t *bl = br + p->lines[l].first_branch;
		uint32_t old = p->from_old[l];
		if (old != UINT32_MAX) {
			line[l] = c->line[old];
			unex[l] = c->line_unexecuted[old];
			memcpy(bl, c->branch + f->lines[old].first_branch,
			       f->lines[old].nbranches * sizeof(int64_t));
		}
		for (size_t q = p->from_add[l]; q < p->add_end[l]; q++) {
			if (!merge_view_has(set, v, a[q].ctx))
				continue;
			line[l] = wadd(line[l], a[q].e->count);
			unex[l] |= a[q].e->unexec;
			for (uint32_t j = 0; j < a[q].e->nbr; j++)
				bl[j] = wadd(bl[j], a[q].e->br[j]);
		}
	}
	free(c->line);
	free(c->line_unexecuted);
	free(c->branch);
	c->line = line;
	c->line_unexecuted = unex;
	c->branch = br;
}

static void merge_lines(struct merge_set *set, struct cov_model *m,
			struct cov_file *f, const struct add *a, size_t n)
{
	struct line_plan p;
	struct cov_branch *branches;

	plan_lines(&p, f, a, n);
	branches = plan_branches(&p, f, a);
	for (uint32_t v = 0; v < m->nviews; v++)
		plan_view(set, v, f, &p, a);
	free(f->lines);
	free(f->branches);
	f->lines = p.lines;
	f->nlines = p.nl;
	f->branches = branches;
	f->nbranches = p.nb;
	free(p.from_old);
	free(p.from_add);
	free(p.add_end);
}

/* Add the function additions A[0..n) to F. */
static void merge_functions(struct merge_set *set, struct cov_model *m,
			    struct cov_file *f, const struct add *a, size_t n)
{
	for (size_t k = 0; k < n; k++) {
		const struct fb_func *x = a[k].f;
		uint32_t q;

		for (q = 0; q < f->nfunctions; q++)
			if (f->functions[q].start_line == x->start_line &&
			    !strcmp(f->functions[q].name, x->name))
				break;
		if (q == f->nfunctions) {
			/* keep (start_line, name) order: insert at Q */
			for (q = 0; q < f->nfunctions; q++) {
				const struct cov_function *y =
					&f->functions[q];
				if (y->start_line > x->start_line ||
				    (y->start_line == x->start_line &&
				     strcmp(y->name, x->name) > 0))
					break;
			}
			f->functions = cr_xrealloc(f->functions,
				(f->nfunctions + 1) * sizeof(*f->functions));
			memmove(f->functions + q + 1, f->functions + q,
				(f->nfunctions - q) * sizeof(*f->functions));
			struct cov_function *nf = &f->functions[q];
			memset(nf, 0, sizeof(*nf));
			nf->name = cr_xstrdup(x->name);
			nf->demangled = cr_xstrdup(x->demangled);
			nf->start_line = x->start_line;
			nf->start_column = x->start_column;
			nf->end_line = x->end_line;
			nf->end_column = x->end_column;
			nf->blocks = x->blocks;
			for (uint32_t v = 0; v < m->nviews; v++) {
				struct cov_counts *c = &f->views[v];
				c->function = cr_xrealloc(c->function,
					(f->nfunctions + 2) * sizeof(int64_t));
				c->function_blocks_executed = cr_xrealloc(
					c->function_blocks_executed,
					(f->nfunctions + 2) *
						sizeof(uint32_t));
				memmove(c->function + q + 1, c->function + q,
					(f->nfunctions - q) *
						sizeof(int64_t));
				memmove(c->function_blocks_executed + q + 1,
					c->function_blocks_executed + q,
					(f->nfunctions - q) *
						sizeof(uint32_t));
				c->function[q] = 0;
				c->function_blocks_executed[q] = 0;
			}
			f->nfunctions++;
		}
		for (uint32_t v = 0; v < m->nviews; v++) {
			struct cov_counts *c = &f->views[v];
			if (!merge_view_has(set, v, a[k].ctx))
				continue;
			c->function[q] = wadd(c->function[q], x->count);
			if (x->bexec > c->function_blocks_executed[q])
				c->function_blocks_executed[q] = x->bexec;
		}
	}
	for (uint32_t l = 0; l < f->nlines; l++)
		f->lines[l].function = -1;
	for (uint32_t q = 0; q < f->nfunctions; q++)
		for (uint32_t l = 0; l < f->nlines; l++)
			if (f->lines[l].line >= f->functions[q].start_line &&
			    f->lines[l].line <= f->functions[q].end_line)
				f->lines[l].function = (int32_t)q;
}

static struct cov_file *new_file(struct cov_model *m, const char *path)
{
	struct cov_file *f;

	m->files = cr_xrealloc(m->files, (m->nfiles + 1) * sizeof(*m->files));
	f = &m->files[m->nfiles++];
	memset(f, 0, sizeof(*f));
	f->path = cr_xstrdup(path);
	f->lines = cr_xcalloc(1, sizeof(*f->lines));
	f->branches = cr_xcalloc(1, sizeof(*f->branches));
	f->functions = cr_xcalloc(1, sizeof(*f->functions));
	f->views = cr_xcalloc(m->nviews, sizeof(*f->views));
	for (uint32_t v = 0; v < m->nviews; v++) {
		f->views[v].line = cr_xcalloc(1, sizeof(int64_t));
		f->views[v].line_unexecuted = cr_xcalloc(1, 1);
		f->views[v].branch = cr_xcalloc(1, sizeof(int64_t));
		f->views[v].function = cr_xcalloc(1, sizeof(int64_t));
		f->views[v].function_blocks_executed =
			cr_xcalloc(1, sizeof(uint32_t));
	}
	return f;
}

void fallback_model(struct merge_set *set, struct cov_model *m)
{
	struct add *a = NULL;
	size_t n = 0, alloc = 0;

	for (uint32_t oi = 0; oi < set->nobjs; oi++) {
		struct mobj *o = set->objs[oi];
		if (o->state != MOBJ_FALLBACK || !o->fb)
			continue;
		for (uint32_t c = 0; c < set->nctx && c < o->fb_nctx; c++) {
			const struct fb_data *fb = &o->fb[c];
			for (size_t i = 0; i < fb->ne; i++) {
				CR_GROW(a, n + 1, alloc);
				a[n++] = (struct add){
					fb->paths[fb->e[i].path], &fb->e[i],
					NULL, c };
			}
			for (size_t i = 0; i < fb->nf; i++) {
				CR_GROW(a, n + 1, alloc);
				a[n++] = (struct add){
					fb->paths[fb->f[i].path], NULL,
					&fb->f[i], c };
			}
		}
	}
	if (!n)
		return;
	qsort(a, n, sizeof(*a), cmp_add);
	for (size_t i = 0; i < n;) {
		size_t j = i, k;
		struct cov_file *f = find_file(m, a[i].path);

		while (j < n && !strcmp(a[j].path, a[i].path))
			j++;
		if (!f)
			f = new_file(m, a[i].path);
		for (k = i; k < j && a[k].e; k++)
			;
		merge_lines(set, m, f, a + i, k - i);
		merge_functions(set, m, f, a + k, j - k);
		i = j;
	}
	qsort(m->files, m->nfiles, sizeof(*m->files), cmp_file);
	free(a);
}
