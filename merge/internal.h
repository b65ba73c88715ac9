/* SPDX-License-Identifier: MIT
 * merge/internal.h: what the files of merge/ share, and nothing else uses.
 *
 * merge/ sums gcov data (read with the gcov library, gcov/gcov.h) per
 * context: merge sets and their inputs (merge.c, context.c, bundle.c),
 * the data model (build.c, model.c, fbmodel.c), folding (fold.c) and the
 * objects no process ran (notes.c).  The public interface is
 * merge/merge.h.
 */
#ifndef COVRUN_MERGE_INTERNAL_H
#define COVRUN_MERGE_INTERNAL_H

#include "common/common.h"
#include "gcov/gcov.h"
#include "merge/merge.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* ---- merge sets (merge.c, build.c, context.c) ------------------------- */

#include <pthread.h>

enum input_kind {
	INPUT_IMAGE = 0, /* a GCOV_PREFIX directory: <dir>/<abs gcda path> */
	INPUT_TREE = 1,  /* a build tree: gcda beside its gcno */
	INPUT_FILE = 2,  /* one gcda beside its gcno */
	INPUT_BUNDLE = 3, /* an archive of a run directory (bundle.c) */
	INPUT_DATA = 4,  /* a data file data/<id>: framed gcda (format 2) */
	INPUT_FRAMES = 5, /* an image's "@d" frames of a journal (format 3),
			   * copied (merge_set_add_frames) */
};

struct merge_input {
	enum input_kind kind;
	char *path;            /* owned */
	char *image;           /* owned; image id for messages */
	uint32_t ctx;
	struct bundle *bundle; /* owned; INPUT_BUNDLE */
	struct cr_buf frames;  /* owned; INPUT_FRAMES, released once read */
};

/* A reader thread (merge.c). */
struct worker;

/* Add one gcda of IMAGE in context CTX to the worker's counters: the file
 * GCDA, or SIZE bytes at DATA (named GCDA in messages) when DATA is not
 * NULL.  GCNO is its notes file.  Problems are warned about. */
void merge_worker_gcda(struct worker *w, const char *image, uint32_t ctx,
		       const char *gcda, const char *gcno,
		       const unsigned char *data, size_t size);
/* The largest gcda of notes file GCNO read from a bundle: GCDA_MAX_SLACK
 * + 256 bytes per function + 16 per counter (README.md, "Known limits";
 * libgcov writes 28 per function + 8 per counter, plus a few records), or
 * GCDA_MAX_FALLBACK for an object read through gcov.  0 when GCNO is
 * unusable: that gcda is then counted as left out (reported once per
 * object). */
#define GCDA_MAX_SLACK ((size_t)1 << 20)
#define GCDA_MAX_FALLBACK CR_READ_MAX
size_t merge_worker_gcda_max(struct worker *w, const char *gcno);
/* Every "@g" frame of the data file DATA (SIZE bytes, NAME in messages)
 * of IMAGE in context CTX (docs/run-directory.md, "Data files"); damaged
 * frames are named once and left out.  BOUNDED (read from a bundle): each
 * gcda is held to merge_worker_gcda_max. */
void merge_worker_data(struct worker *w, const char *image, uint32_t ctx,
		       const char *name, const char *data, size_t size,
		       int bounded);
/* Report ERR and count one input left out (thread-safe). */
void merge_worker_warn(struct worker *w, const struct cr_error *err);
/* Scratch buffer of the worker (grown by the caller). */
unsigned char **merge_worker_scratch(struct worker *w, size_t **size);

/* Queue a bundle whose contexts B has already created (merge.c). */
void merge_set_queue_bundle(struct merge_set *set, const char *path,
			    struct bundle *b);
/* Bundles (bundle.c): read every gcda of IN's archive; release. */
void merge_bundle_read(struct worker *w, const struct merge_input *in);
void merge_bundle_free(struct bundle *b);
/* Context I of B is now NEWIDX[I]. */
void merge_bundle_renumber(struct bundle *b, const uint32_t *newidx);

/* What is known of an object's notes file. */
enum mobj_state {
	MOBJ_UNREAD = 0,   /* not read yet */
	MOBJ_READ,         /* read by covrun: g is usable */
	MOBJ_UNUSABLE,     /* missing or bad: gcno_err says why */
	MOBJ_FALLBACK,     /* another gcov version: read through gcov
			      (fallback.c) */
};

/* One object: one notes file and its per-context counters. */
struct mobj {
	char *gcno;            /* owned; path of the notes file */
	pthread_mutex_t lock;  /* guards state and loading */
	enum mobj_state state;
	struct fb_data *fb;    /* owned; [context] when MOBJ_FALLBACK */
	struct gcno_file g;    /* when MOBJ_READ */
	struct cr_error gcno_err; /* when MOBJ_UNUSABLE */
	uint32_t nbad_inputs;  /* gcda left out for want of the gcno */
	int64_t **ctr;         /* owned; [context] -> counters, NULL when
				* none or all zero */
	uint8_t *used;         /* owned; [context] a gcda was read */
	uint8_t **seen;        /* owned; [context] -> functions with data */
	struct gcda_info *info; /* owned; [context] */
	int has_data;          /* some context has counters */
	int unexecuted;        /* known from its notes file alone: no
				* process ran it (merge/notes.c) */
	uint32_t nctx_arrays;  /* contexts ctr, seen, info, used hold */
	uint32_t fb_nctx;      /* contexts fb holds */
	uint8_t reported;      /* its notes file's problem was reported */
};

struct merge_set {
	struct merge_opts opts;
	pthread_mutex_t lock;  /* guards the fields below during reading */
	uint32_t nctx;
	struct cov_context *ctx; /* owned */
	size_t ctx_alloc;
	uint32_t ninputs, next_input;
	struct merge_input *inputs; /* owned */
	size_t inputs_alloc;
	uint32_t nobjs;
	struct mobj **objs;    /* owned */
	size_t objs_alloc;
	struct strmap obj_index; /* notes file path -> index in objs */
	uint32_t nwarnings;
	struct cr_error *warnings; /* owned; reported after reading */
	size_t warnings_alloc;
	uint32_t nskipped;     /* gcda files (or dirs) left out */
	struct strmap images;  /* ids of the images queued, each once */
	struct strmap runs;    /* ids of the runs queued (rundir.h) */
	struct strmap sources; /* run directories and bundles queued, by
				* "device:inode", each once */
	int force_fallback;    /* read every object through gcov */
	void (*progress)(void *arg, uint32_t done, uint32_t total);
	void *progress_arg;
	uint32_t ndone;        /* inputs read */
	uint64_t bytes_read;   /* gcda bytes read */
	uint32_t files_read;   /* gcda files read */
	uint32_t nreads;       /* merge_set_read calls so far: inputs queued
				* after one are added to what was read */
};

/* Add the objects no process ran (merge/notes.c): after reading, when
 * opts.unexecuted is set. */
void merge_add_unexecuted(struct merge_set *set);
/* Known from its notes file GCNO alone: load it now; it is in the model
 * at zero unless it is already known (merge.c). */
void merge_set_note_object(struct merge_set *set, const char *gcno);

/* Record a warning (thread-safe). */
void merge_set_warn(struct merge_set *set, const struct cr_error *e);
/* Image ids are unique: claim ID for the input WHERE (before reading).
 * Returns 1 when ID is new; 0 when another input had it, which is
 * warned about and counted as left out.  Single-threaded. */
int merge_set_claim_image(struct merge_set *set, const char *id,
			  const char *where);
/* The same for the run directory or bundle PATH (by device and inode, so
 * a path through a symbolic link is the same input). */
int merge_set_claim_source(struct merge_set *set, const char *path);
/* The same for the runs IDS[0..N) an input holds (its run.info, or a
 * merged directory's runs file: rundir.h): 1 when none was claimed
 * before, and all are then; 0 when one was (a run and a copy, a bundle
 * or a merge of it: the input WHERE is warned about and left out). */
int merge_set_claim_runs(struct merge_set *set, char *const *ids, size_t n,
			 const char *where);
/* The ids of a runs file's TEXT (modified; rundir.h, RUNDIR_RUNS) into
 * *IDS (owned array of pointers into TEXT), *N of them: 0, or -1 when it
 * is not a runs file. */
int merge_parse_runs(char *text, char ***ids, size_t *n);
/* The contexts file (context.c): for each line, the context is created
 * and EACH(set, id, context, images, ARG) called.  TEXT is modified. */
typedef void (*merge_ctx_fn)(struct merge_set *set, const char *id,
			     uint32_t ctx, uint32_t nimages, void *arg);
enum cr_err merge_parse_contexts(struct merge_set *set, char *text,
				 const char *file, merge_ctx_fn each,
				 void *arg, struct cr_error *err) CR_WUR;

/* Whether view V counts context C (build.c). */
int merge_view_has(const struct merge_set *set, uint32_t v, uint32_t c);
/* Add the numbers of objects read through gcov to MODEL (fbmodel.c). */
void fallback_model(struct merge_set *set, struct cov_model *model);
/* Give every context without one its stable short id (build.c). */
void merge_set_name_contexts(struct merge_set *set);
/* Grow O's per-context arrays to NCTX contexts (new ones empty). */
void merge_obj_grow(struct mobj *o, uint32_t nctx);
/* Add counters of one context to object O (single-threaded). */
void merge_obj_add(struct mobj *o, uint32_t ctx, const int64_t *ctr,
		   const uint8_t *seen, const struct gcda_info *info);

#endif /* COVRUN_MERGE_INTERNAL_H */
