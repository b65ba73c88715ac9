/* SPDX-License-Identifier: MIT
 * merge/merge.c: reading many images into per-context counters.
 *
 * A merge set (struct merge_set, interface merge/merge.h) holds contexts,
 * the queue of inputs (image directories laid out by GCOV_PREFIX, plain
 * build trees, single gcda files) and one entry per object (one gcno).
 * merge_set_read() runs worker threads that take inputs from the queue,
 * walk them for gcda files, parse each object's gcno once (cached, under a
 * per-object lock) and add each gcda's arc counters to the worker's own
 * per-object, per-context arrays; the arrays are summed when the workers
 * end.  Memory therefore grows with the code base times the number of
 * workers, never with the number of images.  Bad data is reported once per
 * (image, file) and only that gcda is left out.  Parts: object table,
 * inputs, workers, reduction.  Model building is in build.c, writing
 * aggregates and reading run directories in context.c.
 */
#define _GNU_SOURCE
#include "merge/internal.h"
#include "rundir/rundir.h"

#include <assert.h>
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- object table ------------------------------------------------------ */

/* Index of the object whose notes file is GCNO, created when new.
 * Caller holds set->lock. */
static uint32_t obj_get(struct merge_set *set, const char *gcno)
{
	size_t len = strlen(gcno);
	uint32_t *idx = strmap_find(&set->obj_index, gcno, len);
	struct mobj *o;

	if (idx)
		return *idx;
	CR_GROW(set->objs, set->nobjs + 1, set->objs_alloc);
	o = cr_xcalloc(1, sizeof(*o));
	o->gcno = cr_xstrdup(gcno);
	pthread_mutex_init(&o->lock, NULL);
	set->objs[set->nobjs] = o;
	strmap_put(&set->obj_index, gcno, len, set->nobjs);
	return set->nobjs++;
}

/* Parse the object's gcno once.  Returns 0 when it is usable (read by
 * covrun, or through gcov). */
static int obj_load(struct mobj *o, int force_fallback)
{
	int ok;

	pthread_mutex_lock(&o->lock);
	if (o->state == MOBJ_UNREAD) {
		enum cr_err e = gcno_file_read(o->gcno, &o->g, &o->gcno_err);
		if (e == CR_OK && force_fallback) {
			gcno_file_release(&o->g);
			o->state = MOBJ_FALLBACK;
		} else if (e == CR_OK) {
			o->state = MOBJ_READ;
		} else {
			o->state = e == CR_EVERSION ? MOBJ_FALLBACK
						    : MOBJ_UNUSABLE;
		}
	}
	ok = o->state == MOBJ_READ || o->state == MOBJ_FALLBACK;
	if (!ok)
		o->nbad_inputs++;
	pthread_mutex_unlock(&o->lock);
	return ok ? 0 : -1;
}

/* ---- the set ----------------------------------------------------------- */

struct merge_set *merge_set_new(const struct merge_opts *opts)
{
	struct merge_set *set = cr_xcalloc(1, sizeof(*set));

	if (opts)
		set->opts = *opts;
	pthread_mutex_init(&set->lock, NULL);
	return set;
}

uint32_t merge_set_context(struct merge_set *set, const char *exe,
			   enum collect_role role, const char *label)
{
	for (uint32_t i = 0; i < set->nctx; i++) {
		struct cov_context *c = &set->ctx[i];
		if (c->role == role && !strcmp(c->exe, exe ? exe : "") &&
		    !strcmp(c->label, label ? label : ""))
			return i;
	}
	CR_GROW(set->ctx, set->nctx + 1, set->ctx_alloc);
	memset(&set->ctx[set->nctx], 0, sizeof(set->ctx[0]));
	set->ctx[set->nctx].exe = cr_xstrdup(exe ? exe : "");
	set->ctx[set->nctx].label = cr_xstrdup(label ? label : "");
	set->ctx[set->nctx].role = role;
	return set->nctx++;
}

static void queue(struct merge_set *set, enum input_kind kind,
		  const char *path, const char *image, uint32_t ctx)
{
	CR_GROW(set->inputs, set->ninputs + 1, set->inputs_alloc);
	set->inputs[set->ninputs].kind = kind;
	set->inputs[set->ninputs].path = cr_xstrdup(path);
	set->inputs[set->ninputs].image = cr_xstrdup(image ? image : "");
	set->inputs[set->ninputs].ctx = ctx;
	set->inputs[set->ninputs].bundle = NULL;
	cr_buf_init(&set->inputs[set->ninputs].frames);
	set->ninputs++;
	if (kind == INPUT_IMAGE || kind == INPUT_FILE || kind == INPUT_DATA)
		set->ctx[ctx].nimages++;
}

void merge_set_queue_bundle(struct merge_set *set, const char *path,
			    struct bundle *b)
{
	queue(set, INPUT_BUNDLE, path, path, 0);
	set->inputs[set->ninputs - 1].bundle = b;
}

void merge_set_add_image(struct merge_set *set, const char *dir,
			 const char *image, uint32_t ctx)
{
	queue(set, INPUT_IMAGE, dir, image, ctx);
}

void merge_set_add_data_file(struct merge_set *set, const char *file,
			      const char *image, uint32_t ctx)
{
	queue(set, INPUT_DATA, file, image, ctx);
}

void merge_set_add_gcda(struct merge_set *set, const char *gcda,
			const char *image, uint32_t ctx)
{
	queue(set, INPUT_FILE, gcda, image, ctx);
}

void merge_frames_append(struct cr_buf *list, const char *rest, size_t len)
{
	cr_buf_add(list, &len, sizeof(len));
	cr_buf_add(list, rest, len);
}

void merge_set_add_frames(struct merge_set *set, const char *journal,
			  const char *image, uint32_t ctx,
			  struct cr_buf *list, int count)
{
	queue(set, INPUT_FRAMES, journal, image, ctx);
	cr_buf_release(&set->inputs[set->ninputs - 1].frames);
	set->inputs[set->ninputs - 1].frames = *list;
	cr_buf_init(list);
	if (count)
		set->ctx[ctx].nimages++;
}

enum cr_err merge_set_add_tree(struct merge_set *set, const char *dir,
			       uint32_t ctx, struct cr_error *err)
{
	struct stat st;

	if (stat(dir, &st) < 0)
		return cr_error_errno(err, dir, "cannot read '%s'", dir);
	if (!S_ISDIR(st.st_mode))
		return cr_error_set(err, CR_EUSAGE, dir, -1,
				    "'%s' is not a directory", dir);
	queue(set, INPUT_TREE, dir, dir, ctx);
	set->ctx[ctx].nimages = 1;
	return CR_OK;
}

void merge_set_warn(struct merge_set *set, const struct cr_error *e)
{
	pthread_mutex_lock(&set->lock);
	CR_GROW(set->warnings, set->nwarnings + 1, set->warnings_alloc);
	set->warnings[set->nwarnings++] = *e;
	pthread_mutex_unlock(&set->lock);
}

void merge_set_left_out(struct merge_set *set, const struct cr_error *e)
{
	merge_set_warn(set, e);
	set->nskipped++;
}

int merge_set_claim_image(struct merge_set *set, const char *id,
			  const char *where)
{
	struct cr_error w;

	if (strmap_put(&set->images, id, strlen(id), 1))
		return 1;
	cr_error_set(&w, CR_ECORRUPT, where, -1, "image '%s' was already "
		     "read from another input (counted once)", id);
	merge_set_left_out(set, &w);
	return 0;
}

int merge_set_claim_source(struct merge_set *set, const char *path)
{
	struct cr_error w;
	struct stat st;
	char key[48];

	if (stat(path, &st) < 0)
		return 1; /* reading it will say why */
	snprintf(key, sizeof(key), "%llu:%llu", (unsigned long long)st.st_dev,
		 (unsigned long long)st.st_ino);
	if (strmap_put(&set->sources, key, strlen(key), 1))
		return 1;
	cr_error_set(&w, CR_EUSAGE, path, -1, "the same run directory or "
		     "bundle was given twice (counted once)");
	merge_set_left_out(set, &w);
	return 0;
}

int merge_set_claim_runs(struct merge_set *set, char *const *ids, size_t n,
			 const char *where)
{
	struct cr_error w;

	for (size_t i = 0; i < n; i++) {
		if (!strmap_find(&set->runs, ids[i], strlen(ids[i])))
			continue;
		cr_error_set(&w, CR_EUSAGE, where, -1, "holds run %s, which "
			     "another input holds too (a copy, a bundle or a "
			     "merge of it): left out whole, not counted "
			     "twice%s", ids[i], n > 1 ? ", with the other "
			     "runs it holds (give the input that holds the "
			     "most runs first)" : "");
		merge_set_left_out(set, &w);
		return 0;
	}
	for (size_t i = 0; i < n; i++)
		strmap_put(&set->runs, ids[i], strlen(ids[i]), 1);
	return 1;
}

int merge_parse_runs(char *text, char ***ids, size_t *n)
{
	size_t magic = strlen(RUNDIR_RUNS_MAGIC), alloc = 0;
	char *line, *next;

	*ids = NULL;
	*n = 0;
	if (strncmp(text, RUNDIR_RUNS_MAGIC, magic) || text[magic] != '\n')
		return -1;
	for (line = text + magic + 1; *line; line = next) {
		next = strchr(line, '\n');
		next = next ? next + 1 : line + strlen(line);
		if (next[-1] == '\n')
			next[-1] = '\0';
		if (!*line)
			continue;
		CR_GROW(*ids, *n + 1, alloc);
		(*ids)[(*n)++] = line;
	}
	return 0;
}

static void obj_release(struct mobj *o)
{
	for (uint32_t c = 0; c < o->nctx_arrays; c++) {
		free(o->ctr[c]);
		free(o->seen[c]);
	}
	free(o->ctr);
	free(o->seen);
	free(o->info);
	free(o->used);
	for (uint32_t c = 0; c < o->fb_nctx; c++)
		fb_data_release(&o->fb[c]);
	free(o->fb);
	if (o->state == MOBJ_READ)
		gcno_file_release(&o->g);
	pthread_mutex_destroy(&o->lock);
	free(o->gcno);
	free(o);
}

void merge_set_free(struct merge_set *set)
{
	if (!set)
		return;
	for (uint32_t i = 0; i < set->nobjs; i++)
		obj_release(set->objs[i]);
	for (uint32_t i = 0; i < set->ninputs; i++) {
		free(set->inputs[i].path);
		free(set->inputs[i].image);
		cr_buf_release(&set->inputs[i].frames);
		merge_bundle_free(set->inputs[i].bundle);
	}
	for (uint32_t i = 0; i < set->nctx; i++) {
		free(set->ctx[i].id);
		free(set->ctx[i].exe);
		free(set->ctx[i].label);
	}
	free(set->ctx);
	free(set->inputs);
	free(set->objs);
	strmap_release(&set->obj_index);
	free(set->warnings);
	strmap_release(&set->images);
	strmap_release(&set->sources);
	strmap_release(&set->runs);
	pthread_mutex_destroy(&set->lock);
	free(set);
}

void merge_set_progress(struct merge_set *set,
			void (*fn)(void *arg, uint32_t done, uint32_t total),
			void *arg)
{
	set->progress = fn;
	set->progress_arg = arg;
}

void merge_set_gcov_fallback(struct merge_set *set, int all)
{
	set->force_fallback = all;
}

uint32_t merge_set_nskipped(const struct merge_set *set)
{
	return set->nskipped;
}

/* ---- workers ----------------------------------------------------------- */

/* A worker's private counters of one object in one context. */
struct tctr {
	int64_t *ctr;          /* NULL while every counter read was 0 */
	uint8_t *seen;
	struct gcda_info info;
	int used;              /* a gcda of this object and context */
};

struct worker {
	struct merge_set *set;
	struct tctr **per_obj;  /* [object] -> [context], lazily */
	size_t nper_obj;
	uint64_t bytes;         /* gcda bytes read */
	uint32_t nfiles;
	unsigned char *scratch; /* owned; small files are read here */
	size_t scratch_size;
	unsigned char *data_buf; /* owned; data files are read here (a
				  * mapping per file cost a TLB shootdown
				  * in every thread of covrun) */
	size_t data_buf_size;
};

static struct tctr *worker_slot(struct worker *w, uint32_t obj,
				uint32_t ctx, const struct gcno_file *g)
{
	struct tctr *t;

	if (obj >= w->nper_obj) {
		size_t n = w->nper_obj ? w->nper_obj : 64;
		while (n <= obj)
			n *= 2;
		w->per_obj = cr_xrealloc(w->per_obj, n * sizeof(*w->per_obj));
		memset(w->per_obj + w->nper_obj, 0,
		       (n - w->nper_obj) * sizeof(*w->per_obj));
		w->nper_obj = n;
	}
	if (!w->per_obj[obj])
		w->per_obj[obj] = cr_xcalloc(w->set->nctx,
					     sizeof(struct tctr));
	t = &w->per_obj[obj][ctx];
	(void)g;
	return t;
}

/* Replace E's message by the text formatted from FMT (truncated). */
static void set_msg(struct cr_error *e, const char *fmt, ...)
	CR_PRINTF(2, 3);
static void set_msg(struct cr_error *e, const char *fmt, ...)
{
	struct cr_buf b;
	va_list ap;
	size_t n;

	cr_buf_init(&b);
	va_start(ap, fmt);
	cr_buf_vaddf(&b, fmt, ap);
	va_end(ap);
	n = b.len < sizeof(e->msg) - 1 ? b.len : sizeof(e->msg) - 1;
	memcpy(e->msg, b.buf, n);
	e->msg[n] = '\0';
	cr_buf_release(&b);
}

static void note_skip(struct merge_set *set)
{
	pthread_mutex_lock(&set->lock);
	set->nskipped++;
	pthread_mutex_unlock(&set->lock);
}

/* Warn about GCDA of IMAGE: "image 'I': <ERR's message> (left out)". */
static void left_out(struct merge_set *set, const char *image,
		     struct cr_error *err)
{
	char msg[sizeof(err->msg)];

	memcpy(msg, err->msg, sizeof(msg));
	set_msg(err, "image '%s': %s (left out)", image, msg);
	merge_set_warn(set, err);
	note_skip(set);
}

/* A gcda with covrun's TAG_COVRUN_ZERO record (data files), for gcov:
 * the same counters as an ordinary gcda (gcda_write), in B.  Only an
 * object covrun reads itself has such records (collect/recwrite.c), read
 * through gcov when tests ask for it (merge_set_gcov_fallback); 0 when
 * DATA is to be given to gcov as it is. */
static int ordinary_gcda(const char *gcno, const unsigned char *data,
			 size_t size, struct cr_buf *b)
{
	uint32_t tag = TAG_COVRUN_ZERO;
	struct gcno_file g;
	struct gcda_info info;
	struct cr_error err;
	int64_t *ctrs;
	uint8_t *seen;
	int ok;

	if (!memmem(data, size, &tag, 4) || gcno_file_read(gcno, &g, &err))
		return 0;
	ctrs = cr_xcalloc(g.nctrs + 1, sizeof(*ctrs));
	seen = cr_xcalloc(g.nfns + 1, 1);
	ok = gcda_apply(&g, data, size, gcno, ctrs, seen, &info, &err) ==
	     CR_OK;
	if (ok)
		gcda_write(&g, ctrs, seen, &info, b);
	free(ctrs);
	free(seen);
	gcno_file_release(&g);
	return ok;
}

/* Bundle data of an object read through gcov: gcov needs a file. */
static enum cr_err fallback_data(struct mobj *o, const char *gcda,
				 const unsigned char *data, size_t size,
				 struct fb_data *fb, struct cr_error *err)
{
	char path[] = "/tmp/covrun-gcda-XXXXXX";
	int fd = mkstemp(path);
	struct cr_buf b;
	enum cr_err e;

	cr_buf_init(&b);
	if (fd >= 0 && ordinary_gcda(o->gcno, data, size, &b)) {
		data = (const unsigned char *)b.buf;
		size = b.len;
	}
	if (fd < 0)
		return cr_error_errno(err, gcda, "cannot create a temporary "
				      "file");
	if (write(fd, data, size) != (ssize_t)size) {
		e = cr_error_errno(err, gcda, "cannot write a temporary "
				   "file");
		close(fd);
		unlink(path);
		cr_buf_release(&b);
		return e;
	}
	close(fd);
	cr_buf_release(&b);
	e = fallback_gcda(o->gcno, path, fb, err);
	unlink(path);
	return e;
}

/* Is PATH a regular file covrun may read?  ERR says why not. */
static int regular_file(const char *path, struct cr_error *err)
{
	size_t size;
	int fd;

	if (cr_open_regular(path, GCOV_MAX_FILE, &fd, &size, err))
		return 0;
	close(fd);
	return 1;
}

void merge_worker_gcda(struct worker *w, const char *image, uint32_t ctx,
		       const char *gcda, const char *gcno,
		       const unsigned char *data, size_t size)
{
	struct merge_set *set = w->set;
	struct cr_error err;
	struct cr_map map;
	struct gcda_info info;
	struct mobj *o;
	struct tctr *t;
	uint32_t oi;
	enum cr_err e;

	pthread_mutex_lock(&set->lock);
	oi = obj_get(set, gcno);
	o = set->objs[oi];
	pthread_mutex_unlock(&set->lock);
	if (obj_load(o, set->force_fallback)) {
		note_skip(set);
		return; /* reported once per object after reading */
	}
	if (o->state == MOBJ_FALLBACK && !data && !regular_file(gcda, &err)) {
		left_out(set, image, &err);
		return; /* gcov would wait on a FIFO */
	}
	if (o->state == MOBJ_FALLBACK) {
		pthread_mutex_lock(&o->lock);
		if (o->fb_nctx < set->nctx) { /* contexts added since */
			o->fb = cr_xrealloc(o->fb, set->nctx * sizeof(*o->fb));
			memset(o->fb + o->fb_nctx, 0,
			       (set->nctx - o->fb_nctx) * sizeof(*o->fb));
			o->fb_nctx = set->nctx;
		}
		e = data ? fallback_data(o, gcda, data, size, &o->fb[ctx],
					 &err)
			 : fallback_gcda(o->gcno, gcda, &o->fb[ctx], &err);
		if (!e)
			o->has_data = 1;
		pthread_mutex_unlock(&o->lock);
		w->nfiles++;
		if (e)
			left_out(set, image, &err);
		return;
	}
	if (data) {
		map.data = data;
		map.size = size;
		map.mapped = 0;
	} else if (cr_map_read(gcda, &map, &w->scratch, &w->scratch_size,
			       &err)) {
		left_out(set, image, &err);
		return;
	}
	t = worker_slot(w, oi, ctx, &o->g);
	/* Most gcda of a run are all zero: counter arrays are kept only for
	 * (object, context) pairs that ran code. */
	e = gcda_add(&o->g, map.data, map.size, gcda, &t->ctr, &t->seen,
		     &info, &err);
	w->bytes += map.size;
	w->nfiles++;
	cr_map_close(&map);
	if (e) {
		left_out(set, image, &err);
		return;
	}
	t->used = 1;
	t->info.runs += info.runs;
	if (info.sum_max > t->info.sum_max)
		t->info.sum_max = info.sum_max;
	if (!t->info.checksum)
		t->info.checksum = info.checksum;
	t->info.version = info.version;
	t->info.stamp = info.stamp;
}

size_t merge_worker_gcda_max(struct worker *w, const char *gcno)
{
	struct merge_set *set = w->set;
	struct mobj *o;
	uint32_t oi;

	pthread_mutex_lock(&set->lock);
	oi = obj_get(set, gcno); /* may move set->objs */
	o = set->objs[oi];
	pthread_mutex_unlock(&set->lock);
	if (obj_load(o, set->force_fallback)) {
		note_skip(set);
		return 0; /* reported once per object after reading */
	}
	if (o->state == MOBJ_FALLBACK)
		return GCDA_MAX_FALLBACK;
	/* what libgcov writes: header and summaries, per function its
	 * record and one arc counter record; other counter kinds get as
	 * much again, and a fixed slack covers the rest */
	return GCDA_MAX_SLACK + (size_t)o->g.nfns * 256 +
	       (size_t)o->g.nctrs * 16;
}

void merge_worker_warn(struct worker *w, const struct cr_error *err)
{
	merge_set_warn(w->set, err);
	note_skip(w->set);
}

unsigned char **merge_worker_scratch(struct worker *w, size_t **size)
{
	*size = &w->scratch_size;
	return &w->scratch;
}

static int ends_with(const char *s, size_t n, const char *suffix)
{
	size_t k = strlen(suffix);

	return n >= k && !memcmp(s + n - k, suffix, k);
}

/* Fault injection for tests (tests/README.md, fault hooks): with
 * COVRUN_MERGE_FAULT=opendir:TEXT, opening a directory whose path
 * contains TEXT fails with EACCES, as an unreadable directory does even
 * when the tests run as root. */
static DIR *open_dir(const char *path)
{
	const char *f = getenv("COVRUN_MERGE_FAULT");

	if (f && !strncmp(f, "opendir:", 8) && f[8] && strstr(path, f + 8)) {
		errno = EACCES;
		return NULL;
	}
	return opendir(path);
}

/* A covrun run directory (or merged one) inside a build tree: its gcda are
 * not in-place data (rundir/rundir.h's rule; a directory that merely
 * holds a proc/ is a build's own). */
static int is_run_dir(const char *path)
{
	enum rundir_kind k = rundir_recognise(path);

	return k == RUNDIR_KIND_RUN || k == RUNDIR_KIND_MERGED;
}

/* Walk DIR for gcda files.  ROOT_LEN: length of the image prefix to strip
 * to get the compile-time path (0 for a build tree). */
static void walk(struct worker *w, const struct merge_input *in,
		 struct cr_buf *path, size_t root_len)
{
	DIR *d = open_dir(path->buf);
	struct dirent *de;
	size_t base = path->len;

	if (!d) {
		struct cr_error err;
		cr_error_errno(&err, path->buf, "image '%s': cannot read "
			       "directory", in->image);
		merge_set_warn(w->set, &err);
		note_skip(w->set);
		return;
	}
	while ((de = readdir(d))) {
		const char *n = de->d_name;
		size_t nl = strlen(n);
		int is_dir = de->d_type == DT_DIR;

		if (!strcmp(n, ".") || !strcmp(n, ".."))
			continue;
		path->len = base;
		path->buf[base] = '\0';
		cr_buf_addc(path, '/');
		cr_buf_add(path, n, nl);
		if (de->d_type == DT_UNKNOWN) {
			struct stat st;
			if (lstat(path->buf, &st) == 0)
				is_dir = S_ISDIR(st.st_mode);
		}
		if (is_dir && ends_with(n, nl, ".gcda")) {
			struct cr_error err;
			cr_error_set(&err, CR_EIO, path->buf, -1, "image '%s': "
				     "a directory named like a gcda file "
				     "(left out)", in->image);
			merge_worker_warn(w, &err);
		} else if (is_dir) {
			if (in->kind == INPUT_TREE && is_run_dir(path->buf))
				continue; /* a covrun run inside the tree */
			walk(w, in, path, root_len);
		} else if (ends_with(n, nl, ".gcda")) {
			char *gcno;
			if (root_len)
				gcno = cr_xstrdup(path->buf + root_len);
			else
				gcno = cr_xstrdup(path->buf);
			memcpy(gcno + strlen(gcno) - 4, "gcno", 4);
			merge_worker_gcda(w, in->image, in->ctx, path->buf,
					  gcno, NULL, 0);
			free(gcno);
		}
	}
	closedir(d);
	path->len = base;
	path->buf[base] = '\0';
}

/* One "@g" frame's payload P (N bytes): the gcda's absolute path, a NUL,
 * then its bytes, read where they lie (the readers load every integer
 * with memcpy: gcov/reader.c).  BOUNDED (a bundle): a gcda larger than
 * its notes file allows is named and left out.  Returns 0, or -1 when
 * the payload has no path. */
static int data_frame(struct worker *w, const char *image, uint32_t ctx,
		      const char *p, size_t n, int bounded)
{
	const char *nul = memchr(p, '\0', n);
	size_t plen, size, max;
	char *gcno;

	if (!nul || nul == p || (plen = (size_t)(nul - p)) < 5 ||
	    memcmp(nul - 5, ".gcda", 5))
		return -1;
	size = n - plen - 1;
	gcno = cr_xstrdup(p);
	memcpy(gcno + plen - 4, "gcno", 4);
	max = bounded ? merge_worker_gcda_max(w, gcno) : SIZE_MAX;
	if (size > max && max) {
		struct cr_error err;
		cr_error_set(&err, CR_ECORRUPT, p, -1, "larger than its notes "
			     "file allows (%zu bytes)", max);
		left_out(w->set, image, &err);
	} else if (max) { /* 0: no usable notes file, counted already */
		merge_worker_gcda(w, image, ctx, p, gcno,
				  (const unsigned char *)nul + 1, size);
	}
	free(gcno);
	return 0;
}

void merge_worker_data(struct worker *w, const char *image, uint32_t ctx,
		       const char *name, const char *data, size_t size,
		       int bounded)
{
	size_t at = 0, bad_at = 0, nbad = 0;
	struct rundir_frame f;
	int rc;

	while ((rc = rundir_next_frame(data, size, &at, &f))) {
		if (rc > 0 && f.kind == RUNDIR_FRAME_GCDA &&
		    !data_frame(w, image, ctx, f.payload, f.len, bounded))
			continue;
		if (!nbad++)
			bad_at = f.offset;
	}
	if (nbad) {
		struct cr_error err;
		cr_error_set(&err, CR_ECORRUPT, name, (long long)bad_at,
			     "a damaged frame at offset %zu of the data file "
			     "'%s'", bad_at, name);
		left_out(w->set, image, &err);
	}
}

/* A data file (docs/run-directory.md, "Data files"): every whole "@g"
 * frame is one gcda; a damaged one is warned about once per file and left
 * out, the others are read.  The same path twice is two inputs, summed. */
static void read_data_file(struct worker *w, const struct merge_input *in)
{
	struct cr_error err;
	struct cr_map map;

	if (cr_map_read(in->path, &map, &w->data_buf, &w->data_buf_size,
			&err)) {
		left_out(w->set, in->image, &err);
		return;
	}
	merge_worker_data(w, in->image, in->ctx, in->path,
			  (const char *)map.data, map.size, 0);
	cr_map_close(&map);
}

/* An image's "@d" frames (merge_set_add_frames), released once read: a
 * fold keeps its inputs for the whole run. */
static void read_frames(struct worker *w, struct merge_input *in)
{
	const char *p = in->frames.buf, *end = p + in->frames.len;

	while (p && end - p >= (ptrdiff_t)sizeof(size_t)) {
		size_t n;
		memcpy(&n, p, sizeof(n));
		p += sizeof(n);
		if (data_frame(w, in->image, in->ctx, p, n, 0)) {
			struct cr_error err;
			cr_error_set(&err, CR_ECORRUPT, in->path, -1, "a frame "
				     "of image '%s' names no gcda", in->image);
			left_out(w->set, in->image, &err);
		}
		p += n;
	}
	cr_buf_release(&in->frames);
}

static void run_input(struct worker *w, struct merge_input *in)
{
	struct cr_buf path;

	if (in->kind == INPUT_FRAMES) {
		read_frames(w, in);
		return;
	}
	if (in->kind == INPUT_BUNDLE) {
		merge_bundle_read(w, in);
		return;
	}
	if (in->kind == INPUT_DATA) {
		read_data_file(w, in);
		return;
	}
	if (in->kind == INPUT_FILE) {
		char *gcno = cr_xstrdup(in->path);
		size_t n = strlen(gcno);
		if (n > 5)
			memcpy(gcno + n - 4, "gcno", 4);
		merge_worker_gcda(w, in->image, in->ctx, in->path, gcno,
				  NULL, 0);
		free(gcno);
		return;
	}
	cr_buf_init(&path);
	cr_buf_adds(&path, in->path);
	while (path.len > 1 && path.buf[path.len - 1] == '/')
		path.buf[--path.len] = '\0';
	walk(w, in, &path, in->kind == INPUT_IMAGE ? path.len : 0);
	cr_buf_release(&path);
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct merge_set *set = w->set;

	for (;;) {
		uint32_t i;
		pthread_mutex_lock(&set->lock);
		i = set->next_input;
		if (i < set->ninputs) /* inputs queued later: the next read */
			set->next_input++;
		pthread_mutex_unlock(&set->lock);
		if (i >= set->ninputs)
			break;
		run_input(w, &set->inputs[i]);
		if (set->progress) {
			pthread_mutex_lock(&set->lock);
			set->ndone++;
			set->progress(set->progress_arg, set->ndone,
				      set->ninputs);
			pthread_mutex_unlock(&set->lock);
		}
	}
	return NULL;
}

void merge_set_note_object(struct merge_set *set, const char *gcno)
{
	uint32_t oi = obj_get(set, gcno); /* may move set->objs */
	struct mobj *o = set->objs[oi];

	if (o->state != MOBJ_UNREAD)
		return; /* a gcda of it was read, or it was noted already */
	if (obj_load(o, set->force_fallback) || o->state != MOBJ_READ) {
		struct cr_error e = o->gcno_err;
		if (o->state == MOBJ_FALLBACK)
			cr_error_set(&e, CR_EVERSION, gcno, -1, "no process "
				     "ran this object and its notes file is "
				     "of a version only gcov reads (left out)");
		else
			set_msg(&e, "notes file of an object no process ran: "
				"%s (left out)", o->gcno_err.msg);
		if (set->opts.warn)
			set->opts.warn(set->opts.warn_arg, &e);
		set->nskipped++;
		return;
	}
	merge_obj_grow(o, set->nctx + 1);
	o->unexecuted = 1;
}

/* ---- reduction --------------------------------------------------------- */

static void reduce(struct merge_set *set, struct worker *ws, int nw)
{
	for (uint32_t oi = 0; oi < set->nobjs; oi++) {
		struct mobj *o = set->objs[oi];

		if (o->state != MOBJ_READ)
			continue;
		merge_obj_grow(o, set->nctx);
		for (int k = 0; k < nw; k++) {
			struct worker *w = &ws[k];
			if (oi >= w->nper_obj || !w->per_obj[oi])
				continue;
			for (uint32_t c = 0; c < set->nctx; c++) {
				struct tctr *t = &w->per_obj[oi][c];
				if (!t->used)
					continue;
				merge_obj_add(o, c, t->ctr, t->seen,
					      &t->info);
				free(t->ctr);
				free(t->seen);
			}
		}
	}
}

/* Arrays indexed by context grow when a later merge_set_read brings new
 * contexts (a fold keeps one set for the whole run: merge/fold.c). */
void merge_obj_grow(struct mobj *o, uint32_t nctx)
{
	uint32_t old = o->nctx_arrays;

	if (nctx <= old)
		return;
	o->ctr = cr_xrealloc(o->ctr, nctx * sizeof(*o->ctr));
	o->seen = cr_xrealloc(o->seen, nctx * sizeof(*o->seen));
	o->info = cr_xrealloc(o->info, nctx * sizeof(*o->info));
	o->used = cr_xrealloc(o->used, nctx);
	memset(o->ctr + old, 0, (nctx - old) * sizeof(*o->ctr));
	memset(o->seen + old, 0, (nctx - old) * sizeof(*o->seen));
	memset(o->info + old, 0, (nctx - old) * sizeof(*o->info));
	memset(o->used + old, 0, nctx - old);
	o->nctx_arrays = nctx;
}

void merge_obj_add(struct mobj *o, uint32_t c, const int64_t *ctr,
		   const uint8_t *seen, const struct gcda_info *info)
{
	struct gcda_info *oi = &o->info[c];

	assert(o->state == MOBJ_READ && o->ctr && o->seen && o->used);
	if (ctr && !o->ctr[c]) {
		o->ctr[c] = cr_xcalloc(o->g.nctrs + 1, sizeof(int64_t));
		o->seen[c] = cr_xcalloc(o->g.nfns + 1, 1);
	}
	for (uint32_t k = 0; ctr && k < o->g.nctrs; k++)
		o->ctr[c][k] = wadd(o->ctr[c][k], ctr[k]);
	for (uint32_t f = 0; seen && f < o->g.nfns; f++)
		o->seen[c][f] |= seen[f];
	o->used[c] = 1;
	oi->runs += info->runs;
	if (info->sum_max > oi->sum_max)
		oi->sum_max = info->sum_max;
	if (!oi->checksum)
		oi->checksum = info->checksum;
	oi->version = info->version;
	oi->stamp = info->stamp;
	o->has_data = 1;
}

static int cmp_err(const void *a, const void *b)
{
	const struct cr_error *x = a, *y = b;
	int c = strcmp(x->path, y->path);

	return c ? c : strcmp(x->msg, y->msg);
}

static int cmp_ctx(const void *a, const void *b, void *arg)
{
	const struct cov_context *ctx = arg;
	const struct cov_context *x = &ctx[*(const uint32_t *)a];
	const struct cov_context *y = &ctx[*(const uint32_t *)b];
	int c;

	if (x->role != y->role)
		return x->role < y->role ? -1 : 1;
	c = strcmp(x->exe, y->exe);
	return c ? c : strcmp(x->label, y->label);
}

/* Contexts in a canonical order (role, executable, label), whatever the
 * order of the inputs: context ids and views do not depend on it.  Done
 * before any counter exists; inputs and bundles are renumbered. */
static void sort_contexts(struct merge_set *set)
{
	uint32_t n = set->nctx, *order, *newidx;
	struct cov_context *sorted;

	if (n < 2)
		return;
	order = cr_xmalloc(n * sizeof(*order));
	newidx = cr_xmalloc(n * sizeof(*newidx));
	for (uint32_t i = 0; i < n; i++)
		order[i] = i;
	qsort_r(order, n, sizeof(*order), cmp_ctx, set->ctx);
	sorted = cr_xmalloc(set->ctx_alloc * sizeof(*sorted));
	for (uint32_t i = 0; i < n; i++) {
		sorted[i] = set->ctx[order[i]];
		newidx[order[i]] = i;
	}
	free(set->ctx);
	set->ctx = sorted;
	for (uint32_t i = 0; i < set->ninputs; i++) {
		set->inputs[i].ctx = newidx[set->inputs[i].ctx];
		if (set->inputs[i].bundle)
			merge_bundle_renumber(set->inputs[i].bundle, newidx);
	}
	free(order);
	free(newidx);
}

enum cr_err merge_set_read(struct merge_set *set, struct cr_error *err)
{
	int nw = cr_worker_count(set->opts.jobs,
				 set->ninputs - set->next_input);
	struct worker *ws;

	/* contexts are renumbered only before any counter exists */
	if (!set->nreads++)
		sort_contexts(set);
	ws = cr_xcalloc((size_t)nw, sizeof(*ws));
	for (int k = 0; k < nw; k++)
		ws[k].set = set;
	nw = cr_run_workers(nw, worker_main, ws, sizeof(*ws));
	reduce(set, ws, nw);
	for (int k = 0; k < nw; k++) {
		for (size_t i = 0; i < ws[k].nper_obj; i++)
			free(ws[k].per_obj[i]);
		free(ws[k].per_obj);
		free(ws[k].scratch);
		free(ws[k].data_buf);
		set->bytes_read += ws[k].bytes;
		set->files_read += ws[k].nfiles;
	}
	free(ws);
	/* one report per object whose notes file is unusable */
	for (uint32_t oi = 0; oi < set->nobjs; oi++) {
		struct mobj *o = set->objs[oi];
		struct cr_error e;
		if (o->reported || (o->state != MOBJ_UNUSABLE &&
				    o->state != MOBJ_FALLBACK))
			continue;
		o->reported = 1; /* once, however many reads */
		if (o->state == MOBJ_FALLBACK && !set->force_fallback) {
			e = o->gcno_err;
			set_msg(&e, "%s: read through gcov's JSON instead "
				"(counts summed per line)", o->gcno_err.msg);
			CR_GROW(set->warnings, set->nwarnings + 1,
				set->warnings_alloc);
			set->warnings[set->nwarnings++] = e;
		}
		if (o->state != MOBJ_UNUSABLE)
			continue;
		e = o->gcno_err;
		set_msg(&e, "notes file: %s (%u gcda file%s left out)",
			o->gcno_err.msg, o->nbad_inputs,
			o->nbad_inputs == 1 ? "" : "s");
		CR_GROW(set->warnings, set->nwarnings + 1,
			set->warnings_alloc);
		set->warnings[set->nwarnings++] = e;
	}
	if (set->nwarnings)
		qsort(set->warnings, set->nwarnings, sizeof(*set->warnings),
		      cmp_err);
	for (uint32_t i = 0; i < set->nwarnings && set->opts.warn; i++)
		set->opts.warn(set->opts.warn_arg, &set->warnings[i]);
	set->nwarnings = 0; /* said; a later read says only its own */
	(void)err;
	return CR_OK;
}
