/* SPDX-License-Identifier: MIT
 * merge/fold.c: folding finished images of a run into one aggregate while
 * the run goes on.
 *
 * Every process image writes its own data (docs/design.md, traps 6, 13):
 * without folding, a long run leaves millions of files.  A folder is a
 * thread of covrun run that wakes every 200 ms, learns which images have
 * finished from the records added since its last look, takes their data
 * out of the run (rundir_fold_take) once --fold-batch of them are
 * waiting, sums it into an aggregate it keeps in memory for the whole
 * run, and writes the aggregate as a new generation every 2 seconds, 4
 * batches, or once the data taken holds 4 times the aggregate's disk
 * (docs/run-directory.md, "Fold": the protocol, and why a crash
 * at any step neither loses nor counts an image twice).  The launcher
 * never waits for it; at the end, fewer than a batch are left to merge.
 * Interface: merge/merge.h.
 */
#define _GNU_SOURCE
#include "merge/internal.h"
#include "collect/collect.h"
#include "rundir/rundir.h"

#include <errno.h>
#include <ftw.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define FOLD_TICK_NS 200000000LL        /* look every 200 ms */
#define FOLD_WRITE_NS 2000000000LL      /* write every 2 s, */
#define FOLD_WRITE_BATCHES 4            /* or every 4 batches taken, */
#define FOLD_TAKEN_FACTOR 4             /* or once the data taken holds 4
					 * times the aggregate's blocks */
#define FOLD_TAKE_MIN ((uint64_t)8 << 20) /* a tick takes at most that, or
					    * 8 MiB (take_full) */
/* Compact the journal once this much of it has been read since the last
 * compaction (docs/run-directory.md, "Journal compaction"); the test hook
 * COVRUN_FOLD_COMPACT=<bytes> sets it (tests/README.md). */
#define FOLD_COMPACT_BYTES ((uint64_t)32 << 10)

/* ---- format 1 generations: the list of folded images ------------------ */

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

/* Read fold/<N>/images, written by covrun before format 2 (sorted). */
static void read_images(struct merge_fold_state *st)
{
	char *path = rundir_path(st->dir, RUNDIR_FOLD_IMAGES_V1), *text;
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
	memset(st, 0, sizeof(*st));
	st->generation = rundir_fold_current(rundir);
	if (!st->generation)
		return 0;
	st->dir = rundir_fold_dir(rundir, st->generation);
	read_images(st);
	return 1;
}

int merge_fold_has(const struct merge_fold_state *st, const char *id)
{
	return st->nimages && bsearch(&id, st->images, st->nimages,
				      sizeof(char *), cmp_str) != NULL;
}

/* ---- the folder -------------------------------------------------------- */

/* The "@d" frames of one image read and not summed yet
 * (docs/run-directory.md, "Data in the journal"). */
struct look_image {
	char *id;
	uint32_t key;          /* its context's key + 1 (0: unattributed):
				* the context is made when summed */
	struct cr_buf list;    /* merge_frames_append */
};

/* An image whose record is known and whose data is not folded yet. */
struct pend {
	char *id;                  /* owned */
	struct cr_buf text;        /* its record as read so far */
	struct collect_record rec; /* parsed from text when parsed */
	int parsed, dirty;
};

struct merge_folder {
	char *dir;                 /* owned; absolute run directory */
	long batch;                /* images per generation written */
	struct merge_set *set;     /* the aggregate, for the whole run */
	long current;              /* generation fold/current names */
	size_t ntaken;             /* taken into current + 1, not written */
	uint64_t taken_bytes;      /* their data files' blocks */
	uint64_t gen_bytes;        /* blocks of the generation last written */
	int64_t written_ns;        /* when a generation was last written */
	struct rundir_cursor cursor;
	uint64_t mark;             /* the journal's "@d" frames below are in
				    * generation current */
	uint64_t summed;           /* ... below are in the aggregate */
	struct strmap counted;     /* images whose frames were summed
				    * (counted in their context) -> OPEN
				    * (no "dumped" or "lost" read: more
				    * frames may come) or SETTLED */
	struct look_image *look;   /* frames read, not summed, by image: a
				    * batch of images at a time (--fold-batch) */
	size_t nlook, look_alloc;
	uint64_t look_bytes;
	struct strmap look_index;  /* id -> look index + 1 */
	char *journal;             /* owned; the journal's path (messages) */
	struct rundir_compactor *compactor; /* NULL: compaction stopped */
	uint64_t compact_bytes;
	uint64_t take_max;         /* test hook: a look's take; 0: take_full */
	struct strmap done;        /* ids of images finished (folded or no
				    * data) -> their context's key + 1 (0:
				    * no record): their records are not
				    * read */
	struct collect_record *keys; /* exe, role, label of those contexts
				      * (a context is made only for data) */
	size_t nkeys, keys_alloc;
	struct strmap key_index;   /* "role exe label" -> keys index */
	struct strmap execd;       /* parents of images begun by exec */
	struct strmap index;       /* id -> pending index + 1 (0: none) */
	struct pend *pending;
	size_t npending, pending_alloc;
	int failed;                /* an error was reported: folding is off */
	pthread_t thread;
	pthread_mutex_t lock;      /* guards stop */
	pthread_cond_t wake;
	int stop;
};

enum { OPEN = 1, SETTLED = 2 }; /* values of merge_folder.counted */

/* Records of finished images are not read again, but for "dumped" or
 * "lost" of an image counted and still open (its process was gone before
 * the fold read all of its frames). */
static int want_record(void *arg, const char *id)
{
	struct merge_folder *f = arg;
	const uint32_t *c = strmap_find(&f->counted, id, strlen(id));

	return !strmap_find(&f->done, id, strlen(id)) || (c && *c == OPEN);
}

/* Does journal entry TEXT say that its image's counters are complete
 * ("dumped" other than 0, or "lost" with a reason)? */
static int says_settled(const char *text, size_t len)
{
	static const char dumped[] = "\n" REC_DUMPED " ";
	static const char lost[] = "\n" REC_LOST " ";
	const char *p = memmem(text, len, dumped, sizeof(dumped) - 1);
	const char *q = memmem(text, len, lost, sizeof(lost) - 1);
	const char *end = text + len;

	p = p ? p + sizeof(dumped) - 1 : NULL;
	q = q ? q + sizeof(lost) - 1 : NULL;
	return (p && p < end && *p >= '1' && *p <= '9') ||
	       (q && q < end && *q != '\n');
}

static struct pend *pend_of(struct merge_folder *f, const char *id)
{
	uint32_t *ix = strmap_find(&f->index, id, strlen(id));
	struct pend *p;

	if (ix && *ix)
		return &f->pending[*ix - 1];
	CR_GROW(f->pending, f->npending + 1, f->pending_alloc);
	p = &f->pending[f->npending++];
	memset(p, 0, sizeof(*p));
	p->id = cr_xstrdup(id);
	cr_buf_init(&p->text);
	if (ix)
		*ix = (uint32_t)f->npending;
	else
		strmap_put(&f->index, id, strlen(id), (uint32_t)f->npending);
	return p;
}

static void got_record(void *arg, const char *id, const char *text,
		       size_t len, int whole)
{
	struct merge_folder *f = arg;
	uint32_t *c = strmap_find(&f->counted, id, strlen(id));
	struct pend *p;

	if (strmap_find(&f->done, id, strlen(id))) {
		if (c && says_settled(text, len))
			*c = SETTLED;
		return;
	}
	p = pend_of(f, id);
	if (whole && p->text.len == len && !memcmp(p->text.buf, text, len))
		return; /* unchanged since the last look */
	if (whole)
		cr_buf_reset(&p->text);
	else if (!p->text.len) /* journal entries: one record, as format 1 */
		cr_buf_adds(&p->text, COLLECT_RECORD_MAGIC "\n");
	cr_buf_add(&p->text, text, len);
	p->dirty = 1;
}

/* Whether counted image P may have frames to come: until its record
 * says "dumped" or "lost" (an exec that failed takes "dumped" back). */
static void settle(struct merge_folder *f, const struct pend *p)
{
	uint32_t *c = strmap_find(&f->counted, p->id, strlen(p->id));

	if (c && p->parsed)
		*c = p->rec.dumped_ns || p->rec.lost ? SETTLED : OPEN;
}

/* Parse P's record if it changed; note an image begun by exec. */
static void parse_one(struct merge_folder *f, struct pend *p)
{
	struct cr_error e;

	if (!p->dirty)
		return;
	p->dirty = 0;
	if (p->parsed)
		collect_record_release(&p->rec);
	p->parsed = collect_record_parse(p->text.buf, p->text.len, p->id,
					 &p->rec, &e) == CR_OK;
	settle(f, p);
	if (p->parsed && p->rec.how == COLLECT_HOW_EXEC && p->rec.parent &&
	    *p->rec.parent)
		strmap_put(&f->execd, p->rec.parent, strlen(p->rec.parent), 1);
}

static uint32_t context_of(struct merge_set *set,
			   const struct collect_record *r)
{
	return merge_set_context(set, r->exe ? r->exe : "", r->role,
				 r->label ? r->label : "");
}

/* The index in F->keys of R's context (exe, role, label). */
static uint32_t key_of(struct merge_folder *f, const struct collect_record *r)
{
	char *k = cr_xasprintf("%d\x1f%s\x1f%s", (int)r->role,
			       r->exe ? r->exe : "", r->label ? r->label : "");
	uint32_t *ix = strmap_find(&f->key_index, k, strlen(k));

	if (!ix) {
		CR_GROW(f->keys, f->nkeys + 1, f->keys_alloc);
		memset(&f->keys[f->nkeys], 0, sizeof(f->keys[0]));
		f->keys[f->nkeys].exe = cr_xstrdup(r->exe ? r->exe : "");
		f->keys[f->nkeys].label = cr_xstrdup(r->label ? r->label : "");
		f->keys[f->nkeys].role = r->role;
		strmap_put(&f->key_index, k, strlen(k), (uint32_t)f->nkeys++);
		ix = strmap_find(&f->key_index, k, strlen(k));
	}
	free(k);
	return *ix;
}

/* The context key + 1 (0: unattributed) of image ID, whose "@d" frame
 * was just read: its start record precedes its frames in the journal
 * (docs/run-directory.md); an image without a record is unattributed,
 * as readers count it. */
static uint32_t frame_key(struct merge_folder *f, const char *id)
{
	uint32_t *ix = strmap_find(&f->index, id, strlen(id));
	uint32_t *d = strmap_find(&f->done, id, strlen(id));

	if (ix && *ix) {
		struct pend *p = &f->pending[*ix - 1];
		parse_one(f, p);
		return p->parsed ? key_of(f, &p->rec) + 1 : 0;
	}
	return d ? *d : 0;
}

/* The context of key K + 1 (made now: the set's arrays grow at its next
 * read). */
static uint32_t key_context(struct merge_folder *f, uint32_t k)
{
	if (!k)
		return merge_set_context(f->set, "",
					 COLLECT_ROLE_UNATTRIBUTED, "");
	return context_of(f->set, &f->keys[k - 1]);
}

static void got_data(void *arg, const char *id, const char *rest,
		     size_t len, uint64_t offset)
{
	struct merge_folder *f = arg;
	uint32_t *ix;
	struct look_image *li;

	if (offset < f->mark)
		return; /* in the current generation (a fold started again) */
	ix = strmap_find(&f->look_index, id, strlen(id));
	if (!ix || !*ix) {
		CR_GROW(f->look, f->nlook + 1, f->look_alloc);
		li = &f->look[f->nlook++];
		li->id = cr_xstrdup(id);
		li->key = frame_key(f, id);
		cr_buf_init(&li->list);
		strmap_put(&f->look_index, id, strlen(id), (uint32_t)f->nlook);
	} else {
		li = &f->look[*ix - 1];
	}
	merge_frames_append(&li->list, rest, len);
	f->look_bytes += len;
}

static uint64_t take_bound(const struct merge_folder *f);

/* Queue the frames read so far, an input per image, once a batch of
 * images has some or they hold a take's bound: everything read of the
 * journal is then summed.  At the end, fewer than a batch are left to
 * merge (--fold-batch).  Returns how many images were queued. */
static size_t queue_look(struct merge_folder *f)
{
	size_t n = f->nlook;

	if (n < (size_t)f->batch && f->look_bytes < take_bound(f))
		return 0;
	for (size_t i = 0; i < n; i++) {
		struct look_image *li = &f->look[i];
		uint32_t *ix = strmap_find(&f->index, li->id, strlen(li->id));
		int first = strmap_put(&f->counted, li->id, strlen(li->id),
				       OPEN);
		merge_set_add_frames(f->set, f->journal, li->id,
				     key_context(f, li->key), &li->list, first);
		if (ix && *ix)
			settle(f, &f->pending[*ix - 1]);
		cr_buf_release(&li->list);
		free(li->id);
	}
	f->nlook = 0;
	f->taken_bytes += f->look_bytes;
	f->look_bytes = 0;
	f->summed = f->cursor.journal_offset;
	strmap_release(&f->look_index);
	memset(&f->look_index, 0, sizeof(f->look_index));
	return n;
}

/* Parse the records that changed. */
static void parse_pending(struct merge_folder *f)
{
	for (size_t i = 0; i < f->npending; i++)
		parse_one(f, &f->pending[i]);
}

static int alive(pid_t pid)
{
	return kill(pid, 0) == 0 || errno == EPERM;
}

/* Complete data (docs/design.md, trap 10): an image's counters are
 * whole once its record says "dumped" (or "lost": there are none); a
 * record without it (format 1 before "dumped", a process killed) is
 * finished once its process is gone or the image it exec'd has started.
 * A zombie nobody reaps yet is not gone: "dumped" does not wait for it. */
static int finished(const struct merge_folder *f, const struct pend *p)
{
	const struct collect_record *r = &p->rec;

	if (p->parsed && r->untraced) /* no counters, no end to wait for */
		return 1;
	if (!p->parsed || r->end == COLLECT_END_NONE)
		return 0;
	if (r->dumped_ns || r->lost)
		return 1;
	if (r->end == COLLECT_END_EXEC)
		return strmap_find(&f->execd, r->id, strlen(r->id)) != NULL;
	return !alive(r->pid);
}

static void pend_drop(struct merge_folder *f, size_t i)
{
	struct pend *p = &f->pending[i];
	uint32_t *ix = strmap_find(&f->index, p->id, strlen(p->id));

	*ix = 0;
	strmap_put(&f->done, p->id, strlen(p->id),
		   p->parsed ? key_of(f, &p->rec) + 1 : 0);
	if (p->parsed)
		collect_record_release(&p->rec);
	cr_buf_release(&p->text);
	free(p->id);
	if (i + 1 < f->npending) {
		*p = f->pending[f->npending - 1];
		ix = strmap_find(&f->index, p->id, strlen(p->id));
		*ix = (uint32_t)i + 1;
	}
	f->npending--;
}

static size_t count_finished(const struct merge_folder *f)
{
	size_t n = 0;

	for (size_t i = 0; i < f->npending; i++)
		n += finished(f, &f->pending[i]);
	return n;
}

/* Does the data taken since the last generation call for the next one
 * (FOLD_TAKEN_FACTOR times the aggregate's blocks)? */
static int taken_enough(const struct merge_folder *f)
{
	return f->taken_bytes >= FOLD_TAKEN_FACTOR * f->gen_bytes;
}

/* Is a tick's take full?  Held data is bounded: a burst of finished
 * images (PostgreSQL's parallel groups: 200 images, 80 MB of data taken
 * in one tick, against a 2.3 MB aggregate) is folded a bound's worth at
 * a time, each part deleted once its generation is written.  At least
 * FOLD_TAKE_MIN, so that a small aggregate does not make a generation per
 * handful of images. */
static uint64_t take_bound(const struct merge_folder *f)
{
	uint64_t bound = FOLD_TAKEN_FACTOR * f->gen_bytes;

	if (f->take_max)
		return f->take_max;
	return bound < FOLD_TAKE_MIN ? FOLD_TAKE_MIN : bound;
}

static int take_full(const struct merge_folder *f)
{
	return f->taken_bytes >= take_bound(f);
}

/* Once a batch of images has finished, take the data of every finished image into fold/<current + 1>/taken
 * and queue it, until take_full (*MORE set when finished images are
 * left); returns how many were queued. */
static enum cr_err take_finished(struct merge_folder *f, size_t *queued,
				 int *more, struct cr_error *err)
{
	char *taken = rundir_fold_taken(f->dir, f->current + 1);
	enum cr_err e = CR_OK;

	*queued = 0;
	if (count_finished(f) < (size_t)f->batch) {
		free(taken);
		return CR_OK; /* a batch at a time: the rest is merged at the
			       * end, or folded with the next batch */
	}
	for (size_t i = 0; i < f->npending && !e;) {
		struct pend *p = &f->pending[i];
		int moved = 0;
		if (!finished(f, p)) {
			i++;
			continue;
		}
		if (*queued && take_full(f)) {
			*more = 1;
			break;
		}
		e = rundir_fold_take(f->dir, p->id, f->current + 1, &moved,
				     err);
		if (e)
			break;
		if (moved) {
			char *data = rundir_data_file(taken, p->id);
			struct stat st;
			if (stat(data, &st) == 0)
				f->taken_bytes += (uint64_t)st.st_blocks * 512;
			free(data);
			merge_set_add_image_data(f->set, taken, p->id,
						 context_of(f->set, &p->rec));
			(*queued)++;
		}
		pend_drop(f, i);
	}
	free(taken);
	return e;
}

/* Fault hooks for the crash tests (tests/README.md, fault hooks):
 * COVRUN_FOLD_FAULT=<step>:<generation> kills covrun at STEP (taken,
 * written, switched) of making that generation; sleep:<seconds> makes
 * every generation that long to write (a slow fold). */
static void fault(const char *step, long gen)
{
	const char *v = getenv("COVRUN_FOLD_FAULT");
	size_t n = strlen(step);
	long at;

	if (!v)
		return;
	if (!strncmp(v, "sleep:", 6) && !strcmp(step, "taken") &&
	    !cr_parse_long(v + 6, 0, 3600, &at)) {
		struct timespec ts = { at, 0 };
		nanosleep(&ts, NULL);
	}
	if (!strncmp(v, step, n) && v[n] == ':' &&
	    !cr_parse_long(v + n + 1, 1, 1L << 40, &at) && at == gen)
		raise(SIGKILL);
}

static uint64_t walked_bytes;

static int add_blocks(const char *path, const struct stat *st, int flag,
		      struct FTW *ftw)
{
	(void)path;
	(void)flag;
	(void)ftw;
	walked_bytes += (uint64_t)st->st_blocks * 512;
	return 0;
}

/* The blocks of generation GEN of DIR (fold/<gen>).  Only the fold
 * thread walks (walked_bytes is its own). */
static uint64_t tree_bytes(const char *dir, long gen)
{
	char *gendir = rundir_fold_dir(dir, gen);

	walked_bytes = 0;
	(void)nftw(gendir, add_blocks, 16, FTW_PHYS);
	free(gendir);
	return walked_bytes;
}

/* fold/<gen>/mark: the journal's frames below what was summed are all
 * in the aggregate; of the images counted, those not finished and those
 * with frames read but not summed have frames after it
 * (docs/run-directory.md, "Fold"). */
static enum cr_err write_mark(struct merge_folder *f, const char *gendir,
			      struct cr_error *err)
{
	const struct strmap *m = &f->counted;
	char **open = cr_xcalloc(m->n + 1, sizeof(char *));
	size_t n = 0;
	enum cr_err e;

	for (size_t i = 0; i < m->size; i++) {
		const uint32_t *in_look = m->key[i] ? strmap_find(
			&f->look_index, m->key[i], strlen(m->key[i])) : NULL;
		/* more frames may come, or were read after the mark */
		if (m->key[i] && (m->val[i] == OPEN || (in_look && *in_look)))
			open[n++] = m->key[i];
	}
	e = rundir_fold_mark_write(gendir, f->summed, open, n, err);
	free(open);
	return e;
}

/* Write the aggregate as generation current + 1 and switch to it. */
static enum cr_err write_generation(struct merge_folder *f,
				    struct cr_error *err)
{
	long gen = f->current + 1;
	char *gendir = rundir_fold_dir(f->dir, gen);
	enum cr_err e;

	/* made first: the crash tests see a generation in the making */
	e = cr_mkdir_p(gendir, err);
	fault("taken", gen);
	if (!e)
		e = merge_set_write_packed(f->set, gendir, err);
	if (!e)
		e = write_mark(f, gendir, err);
	free(gendir);
	if (!e)
		fault("written", gen);
	if (!e)
		e = rundir_fold_switch(f->dir, gen, err);
	if (e)
		return e;
	fault("switched", gen);
	rundir_fold_clean(f->dir, gen);
	f->current = gen;
	f->mark = f->summed;
	f->ntaken = 0;
	f->taken_bytes = 0;
	f->gen_bytes = tree_bytes(f->dir, gen);
	f->written_ns = cr_now_ns();
	return CR_OK;
}

/* Move what was read of the journal into journal.z once there is enough
 * of it: the journal keeps every record of the run, and without this it
 * was what made a long run's directory grow.  A failure is reported once
 * and stops compaction; folding goes on. */
static void compact(struct merge_folder *f)
{
	uint64_t done;
	struct cr_error e;

	if (!f->compactor)
		return;
	/* what the current generation holds: the "@d" frames below the
	 * mark are dropped */
	done = rundir_compacted(f->compactor);
	if (f->mark < done || f->mark - done < f->compact_bytes)
		return;
	if (rundir_journal_compact(f->compactor, f->mark, &e) == CR_OK)
		return;
	if (f->set->opts.warn)
		f->set->opts.warn(f->set->opts.warn_arg, &e);
	rundir_compactor_free(f->compactor);
	f->compactor = NULL;
}

/* One look: records since the last one, finished images taken and
 * summed when a batch is there, a generation written when due (always
 * when FINAL and something was taken). */
static enum cr_err fold_tick(struct merge_folder *f, int final, int *more,
			     struct cr_error *err)
{
	size_t queued, framed;
	enum cr_err e;

	f->cursor.max_read = take_bound(f);
	e = rundir_records_since(f->dir, &f->cursor, want_record, got_record,
				 got_data, f, err);
	if (e)
		return e;
	framed = queue_look(f);
	*more |= f->cursor.more;
	parse_pending(f);
	e = take_finished(f, &queued, more, err);
	if (!e && (queued || framed))
		e = merge_set_read(f->set, err);
	if (e)
		return e;
	f->ntaken += queued + framed;
	/* taken data is held until a generation is written (each rewrite
	 * of the aggregate is then paid for by that much data read) */
	if (f->ntaken &&
	    (final || *more ||
	     f->ntaken >= FOLD_WRITE_BATCHES * (size_t)f->batch ||
	     taken_enough(f) ||
	     cr_now_ns() - f->written_ns >= FOLD_WRITE_NS))
		e = write_generation(f, err);
	if (!e)
		compact(f);
	return e;
}

static void fold_failed(struct merge_folder *f, const struct cr_error *e)
{
	struct cr_error note;

	f->failed = 1;
	if (!f->set->opts.warn)
		return;
	f->set->opts.warn(f->set->opts.warn_arg, e);
	cr_error_set(&note, CR_EIO, f->dir, -1, "folding images while the "
		     "run goes on is off; what is not folded is merged at "
		     "the end");
	f->set->opts.warn(f->set->opts.warn_arg, &note);
}

static void *fold_main(void *arg)
{
	struct merge_folder *f = arg;
	struct cr_error err;
	sigset_t all;
	int stop = 0, more = 0;

	/* signals are the launcher's (collect/launch.c): never here */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);
	/* the last look (stop) also goes on while finished images are left:
	 * at the end fewer than a batch are left to merge (--fold-batch) */
	while (!stop || more) {
		struct timespec until;
		pthread_mutex_lock(&f->lock);
		clock_gettime(CLOCK_MONOTONIC, &until);
		if (!more) /* finished images left by a tick: at once */
			until.tv_nsec += FOLD_TICK_NS;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		while (!f->stop &&
		       pthread_cond_timedwait(&f->wake, &f->lock, &until) !=
			       ETIMEDOUT)
			;
		stop = f->stop;
		pthread_mutex_unlock(&f->lock);
		more = 0;
		if (!f->failed && fold_tick(f, stop, &more, &err))
			fold_failed(f, &err);
	}
	return NULL;
}

/* An interrupted fold left taken images for a generation after the
 * current one: readers count them, and folding on would hide them. */
static int interrupted_before(const char *dir, long current)
{
	long *gens;
	size_t n = rundir_fold_pending(dir, current, &gens);

	free(gens);
	return n != 0;
}

struct merge_folder *merge_folder_start(const char *rundir, long batch,
					const struct merge_opts *opts,
					struct cr_error *err)
{
	struct merge_folder *f = cr_xcalloc(1, sizeof(*f));
	pthread_condattr_t ca;

	f->dir = cr_path_absolute(rundir);
	f->batch = batch > 0 ? batch : 1;
	f->set = merge_set_new(opts);
	f->current = rundir_fold_current(f->dir);
	f->written_ns = cr_now_ns();
	f->compact_bytes = FOLD_COMPACT_BYTES;
	{
		const char *v = getenv("COVRUN_FOLD_COMPACT");
		long n;
		if (v && !cr_parse_long(v, 1, 1L << 40, &n))
			f->compact_bytes = (uint64_t)n;
		v = getenv("COVRUN_FOLD_TAKE");
		if (v && !cr_parse_long(v, 1, 1L << 40, &n))
			f->take_max = (uint64_t)n;
	}
	if (interrupted_before(f->dir, f->current)) {
		cr_error_set(err, CR_EUSAGE, f->dir, -1, "an earlier fold was "
			     "interrupted");
		goto fail;
	}
	f->journal = rundir_path(f->dir, RUNDIR_JOURNAL);
	if (f->current) {
		char *gendir = rundir_fold_dir(f->dir, f->current);
		enum cr_err e = merge_set_add_run(f->set, gendir, err);
		if (rundir_fold_mark_read(gendir, &f->mark, &f->counted))
			e = cr_error_set(err, CR_ECORRUPT, gendir, -1, "its "
					 "mark is missing or damaged");
		f->summed = f->mark;
		free(gendir);
		if (e || merge_set_read(f->set, err))
			goto fail;
	}
	pthread_mutex_init(&f->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&f->wake, &ca);
	pthread_condattr_destroy(&ca);
	f->compactor = rundir_compactor_new(f->dir);
	if (pthread_create(&f->thread, NULL, fold_main, f) == 0)
		return f;
	rundir_compactor_free(f->compactor);
	cr_error_set(err, CR_EIO, f->dir, -1, "cannot start the fold thread");
	pthread_cond_destroy(&f->wake);
	pthread_mutex_destroy(&f->lock);
fail:
	merge_set_free(f->set);
	strmap_release(&f->counted);
	free(f->journal);
	free(f->dir);
	free(f);
	return NULL;
}

void merge_folder_stop(struct merge_folder *f)
{
	if (!f)
		return;
	pthread_mutex_lock(&f->lock);
	f->stop = 1;
	pthread_cond_signal(&f->wake);
	pthread_mutex_unlock(&f->lock);
	pthread_join(f->thread, NULL);
	pthread_cond_destroy(&f->wake);
	pthread_mutex_destroy(&f->lock);
	for (size_t i = 0; i < f->npending; i++) {
		if (f->pending[i].parsed)
			collect_record_release(&f->pending[i].rec);
		cr_buf_release(&f->pending[i].text);
		free(f->pending[i].id);
	}
	free(f->pending);
	strmap_release(&f->done);
	strmap_release(&f->execd);
	strmap_release(&f->index);
	strmap_release(&f->counted);
	strmap_release(&f->look_index);
	strmap_release(&f->key_index);
	for (size_t i = 0; i < f->nlook; i++) {
		free(f->look[i].id);
		cr_buf_release(&f->look[i].list);
	}
	for (size_t i = 0; i < f->nkeys; i++) {
		free(f->keys[i].exe);
		free(f->keys[i].label);
	}
	free(f->keys);
	free(f->look);
	free(f->journal);
	rundir_compactor_free(f->compactor);
	merge_set_free(f->set);
	free(f->dir);
	free(f);
}
