/* SPDX-License-Identifier: MIT
 * merge/fold.c: folding finished images of a run into one aggregate while
 * the run goes on.
 *
 * Every process image writes a gcda per instrumented object it loaded
 * (docs/design.md, traps 6, 13): without folding, a long run leaves millions of
 * files.  covrun run calls merge_fold for images that have finished; their
 * counters are summed per context into an aggregate and their directories
 * are deleted.  Layout inside the run directory:
 *
 *   fold/current             generation number N, written atomically
 *   fold/<N>/contexts, ctx/  the aggregate (merge_set_write)
 *   fold/<N>/images          ids of every image folded into it, one a line
 *
 * Images are deleted only after fold/current names the generation that
 * holds them, and merge_set_add_run skips the images that generation lists:
 * a crash at any moment neither loses nor counts an image twice.
 * Interface: merge/merge.h.
 */
#define _GNU_SOURCE
#include "merge/merge.h"
#include "collect/collect.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void merge_fold_release(struct merge_fold_state *st)
{
	for (size_t i = 0; i < st->nimages; i++)
		free(st->images[i]);
	free(st->images);
	free(st->dir);
	memset(st, 0, sizeof(*st));
}

/* Read fold/<N>/images into ST (sorted). */
static void read_images(struct merge_fold_state *st)
{
	char *path = cr_path_join(st->dir, "images"), *text;
	size_t len, alloc = 0;
	struct cr_error e;

	if (cr_read_file(path, &text, &len, &e) == CR_OK) {
		for (char *line = strtok(text, "\n"); line;
		     line = strtok(NULL, "\n")) {
			CR_GROW(st->images, st->nimages + 1, alloc);
			st->images[st->nimages++] = cr_xstrdup(line);
		}
		free(text);
	}
	free(path);
	if (st->nimages)
		qsort(st->images, st->nimages, sizeof(char *), cmp_str);
}

int merge_fold_current(const char *rundir, struct merge_fold_state *st)
{
	char *path = cr_path_join(rundir, "fold/current"), *text;
	struct cr_error e;
	long gen;

	memset(st, 0, sizeof(*st));
	if (cr_read_file(path, &text, NULL, &e) != CR_OK) {
		free(path);
		return 0;
	}
	free(path);
	text[strcspn(text, "\n")] = '\0';
	if (cr_parse_long(text, 1, 1L << 40, &gen) == 0) {
		st->generation = gen;
		st->dir = cr_xasprintf("%s/fold/%ld", rundir, gen);
		read_images(st);
	}
	free(text);
	return st->dir != NULL;
}

int merge_fold_has(const struct merge_fold_state *st, const char *id)
{
	return st->nimages && bsearch(&id, st->images, st->nimages,
				      sizeof(char *), cmp_str) != NULL;
}

static enum cr_err write_images(const char *gendir,
				const struct merge_fold_state *old,
				const char *const *ids, size_t nids,
				struct cr_error *err)
{
	struct cr_buf b;
	char *path = cr_path_join(gendir, "images");
	enum cr_err e;

	cr_buf_init(&b);
	for (size_t i = 0; i < old->nimages; i++)
		cr_buf_addf(&b, "%s\n", old->images[i]);
	for (size_t i = 0; i < nids; i++)
		cr_buf_addf(&b, "%s\n", ids[i]);
	e = cr_write_file_atomic(path, b.buf, b.len, err);
	cr_buf_release(&b);
	free(path);
	return e;
}

/* Queue the images IDS of RUNDIR into SET with their records' contexts. */
static void queue_images(struct merge_set *set, const char *rundir,
			 const struct collect_run *run, const char *const *ids,
			 size_t nids)
{
	for (size_t i = 0; i < nids; i++) {
		long r = collect_run_find(run, ids[i]);
		char *sub = cr_xasprintf("%s/img/%s", rundir, ids[i]);
		uint32_t c;

		if (r >= 0) {
			const struct collect_record *rec = &run->records[r];
			c = merge_set_context(set, rec->exe,
				rec->role == COLLECT_ROLE_ROOT ? COV_ROLE_ROOT
				: rec->role == COLLECT_ROLE_CHILD
					? COV_ROLE_CHILD : COV_ROLE_UNATTRIBUTED,
				rec->label);
		} else {
			c = merge_set_context(set, "", COV_ROLE_UNATTRIBUTED,
					      "");
		}
		merge_set_add_image(set, sub, ids[i], c);
		free(sub);
	}
}

enum cr_err merge_fold(const char *rundir, const char *const *ids,
		       size_t nids, const struct merge_opts *opts,
		       struct cr_error *err)
{
	struct merge_fold_state old;
	struct collect_run run;
	struct merge_set *set;
	char *gendir = NULL, *cur;
	enum cr_err e;

	if (!nids)
		return CR_OK;
	e = collect_run_load(rundir, &run, NULL, err);
	if (e)
		return e;
	merge_fold_current(rundir, &old);
	set = merge_set_new(opts);
	if (old.dir)
		e = merge_set_add_run(set, old.dir, err);
	if (!e) {
		queue_images(set, rundir, &run, ids, nids);
		e = merge_set_read(set, err);
	}
	if (!e) {
		gendir = cr_xasprintf("%s/fold/%ld", rundir,
				      old.generation + 1);
		e = cr_rm_rf(gendir, err); /* a crashed earlier attempt */
	}
	if (!e)
		e = merge_set_write(set, gendir, err);
	if (!e)
		e = write_images(gendir, &old, ids, nids, err);
	if (!e) {
		/* the switch: from here on the new generation is the data */
		char num[32];
		cur = cr_path_join(rundir, "fold/current");
		snprintf(num, sizeof(num), "%ld\n", old.generation + 1);
		e = cr_write_file_atomic(cur, num, strlen(num), err);
		free(cur);
	}
	if (!e) {
		struct cr_error ignored;
		if (old.dir && cr_rm_rf(old.dir, &ignored))
			(void)0; /* a leftover generation is never read */
		for (size_t i = 0; i < nids; i++) {
			char *sub = cr_xasprintf("%s/img/%s", rundir, ids[i]);
			if (cr_rm_rf(sub, &ignored))
				(void)0; /* listed as folded: never read */
			free(sub);
		}
	}
	merge_set_free(set);
	merge_fold_release(&old);
	collect_run_release(&run);
	free(gendir);
	return e;
}
