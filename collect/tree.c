/* SPDX-License-Identifier: MIT
 * collect/tree.c: the process tree of a run, built once for every reader
 * (`covrun tree`, the HTML processes page).
 *
 * Each record names its parent image; looking parents up through the
 * run's id index makes the tree O(n log n).  A record whose parent is not
 * in the run (the first image, or a parent that left no record) is a top;
 * a record naming itself as its parent is one too.  Every record has at
 * most one parent, so walking down from the tops ends.
 * Interface: collect/collect.h.
 */
#include "collect/collect.h"

#include <assert.h>
#include <stdlib.h>

void collect_tree_build(const struct collect_run *run,
			struct collect_tree *tree)
{
	size_t n = run->nrecords;
	size_t *alloc = cr_xcalloc(n + 1, sizeof(*alloc));
	size_t tops_alloc = 0;

	tree->n = n;
	tree->kids = cr_xcalloc(n + 1, sizeof(*tree->kids));
	tree->nkids = cr_xcalloc(n + 1, sizeof(*tree->nkids));
	tree->tops = NULL;
	tree->ntops = 0;
	for (size_t i = 0; i < n; i++) {
		const char *parent = run->records[i].parent;
		long p = parent && *parent ? collect_run_find(run, parent) : -1;

		assert(p < (long)n);
		if (p < 0 || (size_t)p == i) {
			CR_GROW(tree->tops, tree->ntops + 1, tops_alloc);
			tree->tops[tree->ntops++] = i;
			continue;
		}
		CR_GROW(tree->kids[p], tree->nkids[p] + 1, alloc[p]);
		tree->kids[p][tree->nkids[p]++] = i;
	}
	free(alloc);
}

void collect_tree_release(struct collect_tree *tree)
{
	for (size_t i = 0; tree->kids && i < tree->n; i++)
		free(tree->kids[i]);
	free(tree->kids);
	free(tree->nkids);
	free(tree->tops);
}
