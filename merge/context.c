/* SPDX-License-Identifier: MIT
 * merge/context.c: run directories in, merged run directories out.
 *
 * Reading: a covrun run directory (laid out by rundir/rundir.h) has a
 * process record per image, each image's data (img/<id>/<absolute gcda
 * path>), gcda of images that ran without the shim under
 * unattributed/<pid>/, and what the fold made of finished images.  Each
 * image becomes an input of its context (executable, role, label).  A merged directory, written by
 * merge_set_write, has instead one tree per context under ctx/<id>/ and a
 * contexts file:
 *   covrun-contexts 1
 *   <id> TAB <role> TAB <images> TAB <exe> TAB <label>
 * (values escaped: backslash, tab and newline as \\, \t, \n).
 * Interface: merge/merge.h.
 */
#define _GNU_SOURCE
#include "merge/internal.h"
#include "collect/collect.h"
#include "rundir/rundir.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CONTEXTS_MAGIC "covrun-contexts 1"

static void add_escaped(struct cr_buf *b, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\')
			cr_buf_adds(b, "\\\\");
		else if (*s == '\t')
			cr_buf_adds(b, "\\t");
		else if (*s == '\n')
			cr_buf_adds(b, "\\n");
		else
			cr_buf_addc(b, *s);
	}
}

static char *unescape(const char *s, size_t n)
{
	char *out = cr_xmalloc(n + 1), *o = out;

	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\\' && i + 1 < n) {
			char c = s[++i];
			*o++ = c == 't' ? '\t' : c == 'n' ? '\n' : c;
		} else {
			*o++ = s[i];
		}
	}
	*o = '\0';
	return out;
}

static int is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

enum cr_err merge_parse_contexts(struct merge_set *set, char *text,
				 const char *file, merge_ctx_fn each,
				 void *arg, struct cr_error *err)
{
	char *line, *save = NULL;
	int first = 1;

	for (line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char *f[5];
		int nf = 0;
		char *p = line;

		if (first) {
			first = 0;
			if (strcmp(line, CONTEXTS_MAGIC))
				return cr_error_set(err, CR_ECORRUPT, file, 0,
						    "not a contexts file");
			continue;
		}
		while (nf < 5) {
			char *t = strchr(p, '\t');
			f[nf++] = p;
			if (!t)
				break;
			*t = '\0';
			p = t + 1;
		}
		if (nf != 5) {
			struct cr_error w;
			cr_error_set(&w, CR_ECORRUPT, file, -1, "bad line in "
				     "contexts file (left out)");
			merge_set_warn(set, &w);
			set->nskipped++;
			continue;
		}
		int r = collect_role_from_name(f[1]);
		enum collect_role role = r < 0 ? COLLECT_ROLE_UNATTRIBUTED
					       : (enum collect_role)r;
		char *id = unescape(f[0], strlen(f[0]));
		char *exe = unescape(f[3], strlen(f[3]));
		char *label = unescape(f[4], strlen(f[4]));
		uint32_t c = merge_set_context(set, exe, role, label);
		long n = 1;

		if (cr_parse_long(f[2], 0, 1L << 31, &n))
			n = 1;

		each(set, id, c, n > 0 ? (uint32_t)n : 1, arg);
		free(id);
		free(exe);
		free(label);
	}
	return first ? cr_error_set(err, CR_ECORRUPT, file, 0,
				    "empty contexts file") : CR_OK;
}

static void queue_ctx_dir(struct merge_set *set, const char *id,
			  uint32_t c, uint32_t nimages, void *arg)
{
	const char *dir = arg;
	char *sub = cr_xasprintf("%s/" RUNDIR_CTX "/%s", dir, id);
	char *img = cr_xasprintf("%s:%s", dir, id);
	struct stat st;
	int got = lstat(sub, &st) == 0;

	if (got && S_ISLNK(st.st_mode)) {
		struct cr_error w;
		cr_error_set(&w, CR_EUSAGE, sub, -1, "context '%s': the "
			     "directory is a symbolic link, not followed "
			     "(left out)", id);
		merge_set_left_out(set, &w);
	} else if (got && S_ISREG(st.st_mode)) { /* a fold generation's */
		merge_set_add_data_file(set, sub, img, c);
		/* queued as one image: NIMAGES, 0 included */
		set->ctx[c].nimages = set->ctx[c].nimages - 1 + nimages;
	} else {
		merge_set_add_image(set, sub, img, c);
		set->ctx[c].nimages = set->ctx[c].nimages - 1 + nimages;
	}
	free(sub);
	free(img);
}

/* Queue the aggregates of a merged directory. */
static enum cr_err add_merged(struct merge_set *set, const char *dir,
			      const char *file, struct cr_error *err)
{
	char *text;
	size_t len;
	enum cr_err e = cr_read_file(file, &text, &len, err);

	if (e)
		return e;
	e = merge_parse_contexts(set, text, file, queue_ctx_dir,
				 (void *)dir, err);
	free(text);
	return e;
}


/* Whether SUB, the directory of image ID, is to be read: a directory,
 * not a symbolic link (an image linked to another image, or to /, is
 * warned about and never followed), of an image not read before when
 * CLAIM is set (image ids are unique: a second copy is counted once). */
static int image_dir(struct merge_set *set, const char *sub, const char *id,
		     int claim)
{
	struct stat st;
	struct cr_error w;

	if (lstat(sub, &st) < 0)
		return 0;
	if (S_ISLNK(st.st_mode)) {
		cr_error_set(&w, CR_EUSAGE, sub, -1, "image '%s': the image "
			     "directory is a symbolic link, not followed "
			     "(left out)", id);
		merge_set_left_out(set, &w);
		return 0;
	}
	return S_ISDIR(st.st_mode) &&
	       (!claim || merge_set_claim_image(set, id, sub));
}

void merge_set_add_image_data(struct merge_set *set, const char *base,
			      const char *id, uint32_t ctx)
{
	char *img = rundir_image_dir(base, id);
	char *data = rundir_data_file(base, id);
	int has_img = image_dir(set, img, id, 1);
	struct stat st;

	if (has_img)
		merge_set_add_image(set, img, id, ctx);
	/* format 2 (docs/run-directory.md, "Data files"); an image whose
	 * memory files failed has both, and is one image */
	if (lstat(data, &st) == 0 && S_ISREG(st.st_mode) &&
	    (has_img || merge_set_claim_image(set, id, data))) {
		merge_set_add_data_file(set, data, id, ctx);
		if (has_img)
			set->ctx[ctx].nimages--;
	}
	free(img);
	free(data);
}

static int has_image_dir(const char *base, const char *id);

/* Queue the images of BASE/SUB (SUB: img or data). */
static void add_images_of(struct merge_set *set,
			  const struct collect_run *run, const char *base,
			  const struct merge_fold_state *fold, const char *sub)
{
	char *imgdir = rundir_path(base, sub);
	size_t n;
	char **names = cr_list_dir(imgdir, &n);
	int data = !strcmp(sub, RUNDIR_DATA);

	for (size_t i = 0; names && i < n; i++) {
		long r = collect_run_find(run, names[i]);
		uint32_t c;

		if (fold && merge_fold_has(fold, names[i]))
			continue;
		if (data && has_image_dir(base, names[i]))
			continue; /* queued with img/<id> */
		if (r >= 0) {
			const struct collect_record *rec = &run->records[r];
			c = merge_set_context(set, rec->exe ? rec->exe : "",
					      rec->role,
					      rec->label ? rec->label : "");
		} else {
			c = merge_set_context(set, "", COLLECT_ROLE_UNATTRIBUTED,
					      "");
		}
		merge_set_add_image_data(set, base, names[i], c);
	}
	if (names)
		cr_list_free(names, n);
	free(imgdir);
}

static int has_image_dir(const char *base, const char *id)
{
	char *img = rundir_image_dir(base, id);
	struct stat st;
	int has = lstat(img, &st) == 0;

	free(img);
	return has;
}

/* Queue every image of BASE/img and BASE/data (BASE: the run directory
 * or a fold's taken images) but those a format-1 fold lists as folded. */
static void add_images(struct merge_set *set, const struct collect_run *run,
		       const char *base, const struct merge_fold_state *fold)
{
	add_images_of(set, run, base, fold, RUNDIR_IMG);
	add_images_of(set, run, base, fold, RUNDIR_DATA);
}

static void add_unattributed(struct merge_set *set, const char *dir)
{
	char *unattr = rundir_path(dir, RUNDIR_UNATTRIBUTED);
	size_t n;
	char **names = cr_list_dir(unattr, &n);

	for (size_t i = 0; names && i < n; i++) {
		char *sub = cr_path_join(unattr, names[i]);
		char *img = cr_xasprintf(RUNDIR_UNATTRIBUTED "/%s", names[i]);
		uint32_t c = merge_set_context(set, "", COLLECT_ROLE_UNATTRIBUTED,
					       "");
		/* pids repeat across runs: not claimed */
		if (image_dir(set, sub, img, 0))
			merge_set_add_image(set, sub, img, c);
		free(sub);
		free(img);
	}
	if (names)
		cr_list_free(names, n);
	free(unattr);
}

/* The run's process records; a run without any is read as unattributed
 * images, with a warning. */
static enum cr_err load_records(struct merge_set *set, const char *dir,
				struct collect_run *run, struct cr_error *err)
{
	char *proc = rundir_path(dir, RUNDIR_PROC), *imgdir;
	int have = is_dir(proc);
	enum cr_err e = CR_OK;

	free(proc);
	memset(run, 0, sizeof(*run));
	if (have)
		return collect_run_load(dir, run, NULL, err);
	imgdir = rundir_path(dir, RUNDIR_IMG);
	if (is_dir(imgdir)) {
		struct cr_error w;
		cr_error_set(&w, CR_ENOENT, dir, -1, "run has no process "
			     "records (" RUNDIR_PROC "/); its images are "
			     "counted as unattributed");
		merge_set_warn(set, &w);
	}
	free(imgdir);
	return e;
}

/* The "@d" frames of one image, in journal order. */
struct image_frames {
	char *id;
	struct cr_buf list; /* merge_frames_append */
};

/* Group the "@d" frames of BUF (the journal JOURNAL from offset AT) by
 * image; a damaged frame is named once. */
static struct image_frames *frames_by_image(struct merge_set *set,
					    const char *journal,
					    const char *buf, size_t len,
					    uint64_t at0, size_t *n)
{
	struct image_frames *v = NULL;
	struct strmap index = { 0 };
	size_t at = 0, alloc = 0, rlen, nbad = 0;
	struct rundir_frame f;
	const char *id, *rest;
	int rc;

	*n = 0;
	while ((rc = rundir_next_frame(buf, len, &at, &f)) != 0) {
		uint32_t *ix;
		if (rc < 0 && buf[f.offset] == '@' && !nbad++) {
			struct cr_error err;
			unsigned long long off = at0 + f.offset;
			cr_error_set(&err, CR_ECORRUPT, journal, (long long)off,
				     "a damaged frame at offset %llu of the "
				     "journal '%s' (left out)", off, journal);
			merge_set_left_out(set, &err);
		}
		if (rc < 0 || rundir_data_frame(&f, &id, &rest, &rlen))
			continue;
		ix = strmap_find(&index, id, strlen(id));
		if (!ix) {
			CR_GROW(v, *n + 1, alloc);
			v[*n].id = cr_xstrdup(id);
			cr_buf_init(&v[*n].list);
			strmap_put(&index, id, strlen(id), (uint32_t)*n);
			ix = strmap_find(&index, id, strlen(id));
			(*n)++;
		}
		merge_frames_append(&v[*ix].list, rest, rlen);
	}
	strmap_release(&index);
	return v;
}

/* The counters in DIR's journal (docs/run-directory.md, "Data in the
 * journal"): its "@d" frames from the current fold generation's mark,
 * which holds those below; an image the generation holds part of (OPEN)
 * is not counted again, and one with img/<id> (the shim fell back to
 * files for some objects) was counted with it. */
static void add_journal_data(struct merge_set *set, const char *dir,
			     const struct collect_run *run,
			     const struct merge_fold_state *fold)
{
	struct strmap open = { 0 };
	uint64_t w = 0;
	int no_mark = fold->dir && rundir_fold_mark_read(fold->dir, &w, &open);
	char *buf = NULL, *journal = rundir_path(dir, RUNDIR_JOURNAL);
	struct image_frames *v = NULL;
	size_t len, n = 0;
	uint64_t at;
	struct cr_error e;

	if (rundir_journal_from(dir, w, &buf, &len, &at, &e))
		merge_set_left_out(set, &e);
	else if (buf)
		v = frames_by_image(set, journal, buf, len, at, &n);
	if (no_mark && n) { /* where the generation's counters end: lost */
		cr_error_set(&e, CR_ECORRUPT, fold->dir, -1, "its mark is "
			     "missing or damaged: the counters in the journal "
			     "after the generation are left out");
		merge_set_left_out(set, &e);
		for (size_t i = 0; i < n; i++) {
			cr_buf_release(&v[i].list);
			free(v[i].id);
		}
		n = 0;
	}
	for (size_t i = 0; i < n; i++) {
		long r = collect_run_find(run, v[i].id);
		const struct collect_record *rec = r >= 0 ? &run->records[r]
							  : NULL;
		uint32_t c = merge_set_context(set,
			rec && rec->exe ? rec->exe : "",
			rec ? rec->role : COLLECT_ROLE_UNATTRIBUTED,
			rec && rec->label ? rec->label : "");
		int with_img = has_image_dir(dir, v[i].id);
		if (with_img || merge_set_claim_image(set, v[i].id, journal))
			merge_set_add_frames(set, journal, v[i].id, c,
					     &v[i].list, !with_img &&
					     !strmap_find(&open, v[i].id,
							  strlen(v[i].id)));
		cr_buf_release(&v[i].list);
		free(v[i].id);
	}
	free(v);
	free(buf);
	free(journal);
	strmap_release(&open);
}

/* What a fold made (docs/run-directory.md, "Fold"): the current
 * generation's aggregate, and the images taken by an attempt that did not
 * finish (generations after the current one).  Never the current
 * generation's own taken images: its aggregate holds them. */
static enum cr_err add_folded(struct merge_set *set, const char *dir,
			      const struct collect_run *run,
			      const struct merge_fold_state *fold,
			      struct cr_error *err)
{
	enum cr_err e = CR_OK;
	long *gens;
	size_t n;

	if (fold->dir) {
		char *fc = rundir_path(fold->dir, RUNDIR_CONTEXTS);
		e = add_merged(set, fold->dir, fc, err);
		free(fc);
	}
	n = e ? 0 : rundir_fold_pending(dir, fold->generation, &gens);
	for (size_t i = 0; i < n; i++) {
		char *taken = rundir_fold_taken(dir, gens[i]);
		add_images(set, run, taken, NULL);
		free(taken);
	}
	if (!e)
		free(gens);
	return e;
}

/* A fold/current that names no generation (damaged, or not a file):
 * the images folded so far are lost, which is said, not kept quiet. */
static void check_fold_current(struct merge_set *set, const char *dir)
{
	char *path = rundir_path(dir, RUNDIR_FOLD "/" RUNDIR_FOLD_CURRENT);
	struct stat st;

	if (lstat(path, &st) == 0) {
		struct cr_error w;
		cr_error_set(&w, CR_ECORRUPT, path, -1, "names no fold "
			     "generation: the images folded during the run "
			     "are left out");
		merge_set_left_out(set, &w);
	}
	free(path);
}

/* Claim the runs of merged directory DIR (its runs file; one without
 * claims nothing): 0 when DIR is to be left out. */
static int claim_merged_runs(struct merge_set *set, const char *dir)
{
	char *path = rundir_path(dir, RUNDIR_RUNS), *text, **ids;
	size_t len, n;
	struct cr_error e;
	int ok = 1;

	if (cr_read_file(path, &text, &len, &e) == CR_OK) {
		if (!merge_parse_runs(text, &ids, &n)) {
			ok = merge_set_claim_runs(set, ids, n, dir);
			free(ids);
		}
		free(text);
	}
	free(path);
	return ok;
}

/* Claim the run of run directory DIR (run.info): 0 when DIR is to be
 * left out.  Without an identity it is read, and said to be unchecked
 * when the fold has summed images of it. */
static int claim_run(struct merge_set *set, const char *dir)
{
	char id[32], *one = id;
	struct merge_fold_state fold;
	struct cr_error e;

	if (!rundir_run_id(dir, id, sizeof(id)))
		return merge_set_claim_runs(set, &one, 1, dir);
	if (merge_fold_current(dir, &fold)) {
		cr_error_set(&e, CR_ECORRUPT, dir, -1, "run.info missing or "
			     "without its start: the images the fold summed "
			     "are counted, but a copy of this run among the "
			     "inputs would be counted twice");
		merge_set_left_out(set, &e);
	}
	merge_fold_release(&fold);
	return 1;
}

enum cr_err merge_set_add_run(struct merge_set *set, const char *rundir,
			      struct cr_error *err)
{
	char *dir = cr_path_absolute(rundir);
	char *cfile = rundir_path(dir, RUNDIR_CONTEXTS);
	struct merge_fold_state fold;
	struct collect_run run;
	struct stat st;
	enum cr_err e = CR_OK;

	if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
		e = cr_error_set(err, CR_ENOENT, dir, -1, "'%s' is not a run "
				 "directory", rundir);
		goto out;
	}
	if (!merge_set_claim_source(set, dir))
		goto out;
	if (stat(cfile, &st) == 0) {
		if (claim_merged_runs(set, dir))
			e = add_merged(set, dir, cfile, err);
		goto out;
	}
	if (!claim_run(set, dir))
		goto out;
	if ((e = load_records(set, dir, &run, err)))
		goto out;
	if (run.nbad) { /* named by its first place; counts stay whole */
		struct cr_error w = run.first_bad;
		size_t n = strlen(w.msg);
		if (run.nbad > 1)
			snprintf(w.msg + n, sizeof(w.msg) - n, " (and %zu more "
				 "places)", run.nbad - 1);
		n = strlen(w.msg);
		snprintf(w.msg + n, sizeof(w.msg) - n, "; the images of "
			 "records lost are counted as unattributed");
		merge_set_left_out(set, &w);
	}
	if (!merge_fold_current(dir, &fold))
		check_fold_current(set, dir);
	e = add_folded(set, dir, &run, &fold, err);
	if (!e) {
		add_images(set, &run, dir, &fold);
		add_journal_data(set, dir, &run, &fold);
		add_unattributed(set, dir);
	}
	merge_fold_release(&fold);
	collect_run_release(&run);
out:
	free(dir);
	free(cfile);
	return e;
}

/* Creating files is what costs (docs/design.md, trap 13): an all-zero aggregate
 * is written only for an object that no context executed, once (in the
 * first context that loaded it), so that the object stays in the merged
 * data.  Other all-zero (object, context) pairs add nothing to any count.
 * Returns that context, or UINT32_MAX. */
static uint32_t zero_home(const struct merge_set *set, const struct mobj *o)
{
	uint32_t first = UINT32_MAX;

	for (uint32_t c = 0; c < set->nctx; c++) {
		if (o->ctr[c])
			return UINT32_MAX;
		if (o->used[c] && first == UINT32_MAX)
			first = c;
	}
	return first;
}

static int cmp_obj_path(const void *a, const void *b, void *arg)
{
	const struct merge_set *set = arg;

	return strcmp(set->objs[*(const uint32_t *)a]->gcno,
		      set->objs[*(const uint32_t *)b]->gcno);
}

/* The objects with data to write, sorted by path (a directory is then
 * created once, not once per file); *MAXCTR gets the largest counter
 * count.  Objects read through gcov are warned about: no gcda can be
 * written for them. */
static uint32_t *objects_to_write(struct merge_set *set, uint32_t *n,
				  uint32_t *maxctr)
{
	uint32_t *objs = cr_xmalloc((set->nobjs + 1) * sizeof(uint32_t));

	*n = *maxctr = 0;
	for (uint32_t oi = 0; oi < set->nobjs; oi++) {
		struct mobj *o = set->objs[oi];
		if (o->state == MOBJ_FALLBACK && o->has_data) {
			struct cr_error w;
			cr_error_set(&w, CR_EVERSION, o->gcno, -1, "read "
				     "through gcov: no aggregate gcda can be "
				     "written for this object (left out)");
			if (set->opts.warn)
				set->opts.warn(set->opts.warn_arg, &w);
			set->nskipped++;
			continue;
		}
		if (o->state != MOBJ_READ || !o->has_data)
			continue;
		/* a context made since the last read (a fold's) */
		merge_obj_grow(o, set->nctx);
		objs[(*n)++] = oi;
		if (o->g.nctrs > *maxctr)
			*maxctr = o->g.nctrs;
	}
	if (*n)
		qsort_r(objs, *n, sizeof(*objs), cmp_obj_path, set);
	return objs;
}

/* What merge_set_write writes: the objects with data (objects_to_write),
 * each one's zero_home (found once, not once per context), and a
 * counter array of zeros for the all-zero ones. */
struct to_write {
	uint32_t *objs, n;
	uint32_t *home;
	int64_t *zero;
};

/* Does context C write object I of W: used, with counts or as its
 * zero_home? */
static int writes(const struct merge_set *set, const struct to_write *w,
		  uint32_t i, uint32_t c)
{
	const struct mobj *o = set->objs[w->objs[i]];

	return o->used[c] && (o->ctr[c] || c == w->home[i]);
}

/* Object O's gcda for context C, appended to B. */
static void context_gcda(const struct mobj *o, uint32_t c,
			 const int64_t *zero, struct cr_buf *b)
{
	gcda_write(&o->g, o->ctr[c] ? o->ctr[c] : zero,
		   o->ctr[c] ? o->seen[c] : NULL, &o->info[c], b);
}

/* OUTDIR/ctx/<context id>/<gcda path> of every object OBJS[0..N) that
 * context C writes. */
static enum cr_err write_context(struct merge_set *set, uint32_t c,
				 const char *outdir, const struct to_write *w,
				 struct cr_error *err)
{
	struct cr_buf b, path;
	char *lastdir = NULL;
	enum cr_err e = CR_OK;

	cr_buf_init(&b);
	cr_buf_init(&path);
	/* the context's directory even when empty: listed without it, it
	 * reads as data lost (see pack_context) */
	cr_buf_addf(&path, "%s/" RUNDIR_CTX "/%s", outdir, set->ctx[c].id);
	e = cr_mkdir_p(path.buf, err);
	for (uint32_t i = 0; i < w->n && !e; i++) {
		struct mobj *o = set->objs[w->objs[i]];
		char *d;
		if (!writes(set, w, i, c))
			continue;
		cr_buf_reset(&path);
		cr_buf_addf(&path, "%s/" RUNDIR_CTX "/%s%s%s", outdir,
			    set->ctx[c].id, o->gcno[0] == '/' ? "" : "/",
			    o->gcno);
		memcpy(path.buf + path.len - 4, "gcda", 4);
		d = cr_path_dirname(path.buf);
		if (!lastdir || strcmp(d, lastdir)) {
			e = cr_mkdir_p(d, err);
			free(lastdir);
			lastdir = d;
		} else {
			free(d);
		}
		if (e)
			break;
		cr_buf_reset(&b);
		context_gcda(o, c, w->zero, &b);
		e = cr_write_file_atomic(path.buf, b.buf, b.len, err);
	}
	free(lastdir);
	cr_buf_release(&b);
	cr_buf_release(&path);
	return e;
}

/* OUTDIR/ctx/<context id> as one data file (docs/run-directory.md,
 * "Fold"): a frame per object that context C writes, its payload the
 * gcda path, NUL, the gcda.  Files are what a fold generation costs: a
 * tree per context made the fold create and delete thousands of files a
 * second on a real suite.  OUTDIR is new (the generation's directory):
 * nothing is replaced, and fold/current is what commits it. */
static enum cr_err pack_context(struct merge_set *set, uint32_t c,
				const char *outdir, const struct to_write *w,
				struct cr_error *err)
{
	struct cr_buf b, gcda;
	char *path = cr_xasprintf("%s/" RUNDIR_CTX "/%s", outdir,
				  set->ctx[c].id);
	enum cr_err e;

	cr_buf_init(&b);
	cr_buf_init(&gcda);
	for (uint32_t i = 0; i < w->n; i++) {
		struct mobj *o = set->objs[w->objs[i]];
		char head[RUNDIR_FRAME_HEAD_MAX];
		size_t plen = strlen(o->gcno) + 1;
		uint32_t hash;
		if (!writes(set, w, i, c))
			continue;
		cr_buf_reset(&gcda);
		cr_buf_add(&gcda, o->gcno, plen);
		memcpy(gcda.buf + plen - 5, "gcda", 4);
		context_gcda(o, c, w->zero, &gcda);
		hash = rundir_hash(gcda.buf, gcda.len);
		cr_buf_add(&b, head, rundir_frame_head_format(
			head, RUNDIR_FRAME_GCDA, gcda.len, hash));
		cr_buf_add(&b, gcda.buf, gcda.len);
	}
	/* written even empty: a context listed without its file reads as
	 * data lost (a context whose images ran nothing that another
	 * context did not run has nothing to write) */
	e = cr_write_file_atomic(path, b.buf ? b.buf : "", b.len, err);
	free(path);
	cr_buf_release(&b);
	cr_buf_release(&gcda);
	return e;
}

/* OUTDIR/contexts: one line per context. */
static enum cr_err write_contexts_file(const struct merge_set *set,
				       const char *outdir,
				       struct cr_error *err)
{
	struct cr_buf b;
	char *path = cr_xasprintf("%s/" RUNDIR_CONTEXTS, outdir);
	enum cr_err e;

	cr_buf_init(&b);
	cr_buf_adds(&b, CONTEXTS_MAGIC "\n");
	for (uint32_t c = 0; c < set->nctx; c++) {
		const struct cov_context *x = &set->ctx[c];
		add_escaped(&b, x->id);
		cr_buf_addf(&b, "\t%s\t%u\t", collect_role_name(x->role),
			    x->nimages);
		add_escaped(&b, x->exe);
		cr_buf_addc(&b, '\t');
		add_escaped(&b, x->label);
		cr_buf_addc(&b, '\n');
	}
	e = cr_mkdir_p(outdir, err);
	if (!e)
		e = cr_write_file_atomic(path, b.buf, b.len, err);
	free(path);
	cr_buf_release(&b);
	return e;
}

/* OUTDIR/runs: the runs whose data the aggregate holds (so that merging
 * it again with one of them does not count that one twice); none when it
 * holds no run that says who it is. */
static enum cr_err write_runs_file(const struct merge_set *set,
				   const char *outdir, struct cr_error *err)
{
	struct cr_buf b;
	char *path = rundir_path(outdir, RUNDIR_RUNS);
	struct stat st;
	enum cr_err e = CR_OK;

	if (!set->runs.n) { /* a fold generation; an earlier merge's goes */
		if (lstat(path, &st) == 0 && S_ISREG(st.st_mode) &&
		    unlink(path) < 0)
			e = cr_error_errno(err, path, "cannot remove");
		free(path);
		return e;
	}
	cr_buf_init(&b);
	cr_buf_adds(&b, RUNDIR_RUNS_MAGIC "\n");
	for (size_t i = 0; i < set->runs.size; i++)
		if (set->runs.key[i])
			cr_buf_addf(&b, "%s\n", set->runs.key[i]);
	e = cr_write_file_atomic(path, b.buf, b.len, err);
	free(path);
	cr_buf_release(&b);
	return e;
}

/* The aggregate at OUTDIR: each context written by WRITE, the runs file,
 * then the contexts file. */
static enum cr_err write_set(struct merge_set *set, const char *outdir,
			     enum cr_err (*write)(struct merge_set *, uint32_t,
						  const char *,
						  const struct to_write *,
						  struct cr_error *),
			     struct cr_error *err)
{
	char *path = cr_xasprintf("%s/" RUNDIR_CONTEXTS, outdir);
	char *ctx = cr_xasprintf("%s/" RUNDIR_CTX, outdir);
	struct to_write w = { 0 };
	uint32_t maxctr;
	enum cr_err e = CR_OK;

	merge_set_name_contexts(set);
	/* replace an earlier merge there (its data was read, if it was an
	 * input): context ids may have changed */
	if (access(path, F_OK) == 0)
		e = cr_rm_rf(ctx, err);
	free(path);
	if (!e)
		e = cr_mkdir_p(ctx, err);
	free(ctx);
	if (!e) {
		w.objs = objects_to_write(set, &w.n, &maxctr);
		w.zero = cr_xcalloc(maxctr + 1, sizeof(int64_t));
		w.home = cr_xmalloc((w.n + 1) * sizeof(uint32_t));
		for (uint32_t i = 0; i < w.n; i++)
			w.home[i] = zero_home(set, set->objs[w.objs[i]]);
	}
	for (uint32_t c = 0; !e && c < set->nctx; c++)
		e = write(set, c, outdir, &w, err);
	free(w.zero);
	free(w.home);
	free(w.objs);
	if (!e)
		e = write_runs_file(set, outdir, err);
	return e ? e : write_contexts_file(set, outdir, err);
}

enum cr_err merge_set_write(struct merge_set *set, const char *outdir,
			    struct cr_error *err)
{
	return write_set(set, outdir, write_context, err);
}

enum cr_err merge_set_write_packed(struct merge_set *set, const char *outdir,
				   struct cr_error *err)
{
	return write_set(set, outdir, pack_context, err);
}

enum cr_err merge_load_runs(const char *const *dirs, size_t ndirs,
			    const struct merge_opts *opts,
			    struct cov_model *model, struct cr_error *err)
{
	struct merge_set *set = merge_set_new(opts);
	enum cr_err e = CR_OK;

	memset(model, 0, sizeof(*model));
	for (size_t i = 0; i < ndirs && !e; i++) {
		struct stat st;
		struct cr_error bad;
		if (stat(dirs[i], &st) == 0 && S_ISREG(st.st_mode)) {
			/* one damaged bundle among others: the rest is
			 * merged (README.md, "Exit status") */
			if (merge_set_add_bundle(set, dirs[i], &bad))
				merge_set_left_out(set, &bad);
		} else {
			e = merge_set_add_run(set, dirs[i], err);
		}
	}
	if (!e)
		e = merge_set_read(set, err);
	if (!e)
		e = merge_set_model(set, model, err);
	merge_set_free(set);
	return e;
}
