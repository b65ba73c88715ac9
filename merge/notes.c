/* SPDX-License-Identifier: MIT
 * merge/notes.c: objects no process ran (merge_opts.unexecuted).
 *
 * A build leaves a notes file (.gcno) for every object compiled with
 * --coverage; only the objects some process ran have gcda.  Leaving the
 * others out makes coverage look better than it is, so, as gcovr does by
 * default and lcov with --initial, every notes file found below the source
 * root and below the common directory of the notes files of the objects
 * that ran is in the model, at zero where nothing ran.
 *
 * The walk uses fts(3) without following links; it skips hidden
 * directories (.git, covrun's own .covrun) and covrun run directories,
 * reads only regular files, and stops after MAX_ENTRIES entries per
 * directory tree with a warning, so that a root such as a home directory
 * cannot make a report walk forever.
 */
#define _GNU_SOURCE
#include "merge/internal.h"
#include "rundir/rundir.h"

#include <fts.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define MAX_ENTRIES 2000000

static int has_suffix(const char *s, size_t n, const char *suffix)
{
	size_t k = strlen(suffix);

	return n >= k && !memcmp(s + n - k, suffix, k);
}

/* The common directory of the notes files of the objects that ran (the
 * build tree), or NULL when none ran or they share only "/". */
static char *ran_dir(const struct merge_set *set)
{
	char *common = NULL;

	for (uint32_t i = 0; i < set->nobjs; i++) {
		const char *g = set->objs[i]->gcno;
		if (!set->objs[i]->has_data || g[0] != '/')
			continue;
		if (!common) {
			common = cr_path_dirname(g);
			continue;
		}
		size_t n = strlen(common);
		while (n > 1 && !(strncmp(g, common, n) == 0 && g[n] == '/')) {
			char *up = cr_path_dirname(common);
			free(common);
			common = up;
			n = strlen(common);
		}
	}
	if (common && !strcmp(common, "/")) {
		free(common);
		return NULL;
	}
	return common;
}

/* A directory whose notes files are not the build's: hidden, or a covrun
 * run (its files are copies named after the build's). */
static int skip_dir(const FTSENT *e)
{
	enum rundir_kind k;

	if (e->fts_level > 0 && e->fts_name[0] == '.')
		return 1;
	k = rundir_recognise(e->fts_path);
	return k == RUNDIR_KIND_RUN || k == RUNDIR_KIND_MERGED;
}

static void scan(struct merge_set *set, const char *dir)
{
	char *argv[] = { (char *)dir, NULL };
	FTS *fts = fts_open(argv, FTS_PHYSICAL | FTS_NOCHDIR, NULL);
	FTSENT *e;
	long seen = 0;

	if (!fts)
		return;
	while ((e = fts_read(fts))) {
		if (e->fts_info == FTS_D && skip_dir(e)) {
			fts_set(fts, e, FTS_SKIP);
			continue;
		}
		if (++seen > MAX_ENTRIES) {
			struct cr_error w;
			cr_error_set(&w, CR_EUSAGE, dir, -1, "stopped looking "
				     "for notes files of objects no process "
				     "ran after %d entries (see --root)",
				     MAX_ENTRIES);
			if (set->opts.warn)
				set->opts.warn(set->opts.warn_arg, &w);
			break;
		}
		if (e->fts_info == FTS_F &&
		    has_suffix(e->fts_name, e->fts_namelen, ".gcno"))
			merge_set_note_object(set, e->fts_path);
	}
	fts_close(fts);
}

/* Whether directory A lies below (or is) directory B. */
static int is_below(const char *a, const char *b)
{
	size_t n = strlen(b);

	return !strcmp(b, "/") ||
	       (!strncmp(a, b, n) && (a[n] == '/' || !a[n]));
}

void merge_add_unexecuted(struct merge_set *set)
{
	char *root = set->opts.source_root
			     ? cr_path_absolute(set->opts.source_root)
			     : NULL;
	char *build = ran_dir(set);

	if (root && strcmp(root, "/"))
		scan(set, root);
	if (build && !(root && is_below(build, root)))
		scan(set, build);
	free(root);
	free(build);
}
