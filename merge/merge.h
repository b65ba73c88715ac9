/* SPDX-License-Identifier: MIT
 * merge/merge.h: the merge module's interface and covrun's data model.
 *
 * merge/ reads .gcno (flow graphs) and .gcda (arc counters) of GCC 11, GCC 12
 * and clang 14, sums counters per context (executable, role, label), solves
 * each context's flow graph once, and fills the data model below.  report/
 * reads only this model; it never sees raw gcov bytes.
 *
 * The model is one set of source files.  Its *structure* (which lines exist,
 * which branches each line has, which functions there are) comes from the
 * gcno graphs and is the same for every view.  Its *counts* are kept per
 * view: view 0 is all processes together, view 1 the root contexts, view 2
 * the child contexts, and views 3.. one per context when asked for.  Every
 * view's counts are computed from that view's summed counters (line counts
 * are not additive over contexts: see docs/gcov-format.md §6).
 */
#ifndef COVRUN_MERGE_H
#define COVRUN_MERGE_H

#include "collect/collect.h"
#include "common/common.h"

#include <stdint.h>

/* ---- contexts ---------------------------------------------------------- */

/* A context: the images of one executable, role and label. */
struct cov_context {
	char *id;     /* owned; stable short name, also a directory name */
	char *exe;    /* owned; executable path as recorded */
	enum collect_role role;
	char *label;  /* owned; COVRUN_LABEL of the images, "" when none */
	uint32_t nimages; /* images folded into this context */
};

/* ---- views ------------------------------------------------------------- */

enum cov_view_id {
	COV_VIEW_ALL = 0,   /* every context */
	COV_VIEW_ROOT = 1,  /* contexts with role root */
	COV_VIEW_CHILD = 2, /* contexts with role child or unattributed */
	COV_VIEW_FIRST_CONTEXT = 3 /* view 3+i is context i, when present */
};

/* ---- per-file structure ------------------------------------------------ */

enum cov_branch_flags {
	COV_BRANCH_THROW = 1 << 0,       /* exception edge */
	COV_BRANCH_FALLTHROUGH = 1 << 1, /* fall-through edge */
};

struct cov_line {
	uint32_t line;          /* 1-based line number */
	uint32_t first_branch;  /* index into cov_file.branches */
	uint32_t nbranches;     /* branches of this line, in gcov's order */
	int32_t function;       /* index into cov_file.functions, -1 if none */
};

struct cov_branch {
	uint8_t flags;          /* enum cov_branch_flags */
};

struct cov_function {
	char *name;             /* owned; mangled name as in the gcno */
	char *demangled;        /* owned; libiberty's demangling, or name */
	uint32_t start_line, start_column, end_line, end_column;
	uint32_t blocks;        /* blocks excluding entry and exit */
};

/* Counts of one view of one file.  Arrays are parallel to the file's
 * lines, branches and functions. */
struct cov_counts {
	int64_t *line;             /* owned; gcov's line count */
	uint8_t *line_unexecuted;  /* owned; gcov's unexecuted_block flag */
	int64_t *branch;           /* owned; times the arc was taken */
	int64_t *function;         /* owned; execution count */
	uint32_t *function_blocks_executed; /* owned */
};

struct cov_file {
	char *path;          /* owned; absolute source path as compiled */
	uint32_t nlines;
	struct cov_line *lines;       /* owned; sorted by line number */
	uint32_t nbranches;
	struct cov_branch *branches;  /* owned */
	uint32_t nfunctions;
	struct cov_function *functions; /* owned; sorted by start line */
	struct cov_counts *views;     /* owned; cov_model.nviews entries */
};

/* The merged result.  Files are sorted by path. */
struct cov_model {
	uint32_t ncontexts;
	struct cov_context *contexts; /* owned */
	uint32_t nviews;              /* 3, or 3 + ncontexts */
	uint32_t nfiles;
	struct cov_file *files;       /* owned */
	uint32_t nskipped;            /* objects left out for bad data */
	uint32_t nran;                /* objects with data (some gcda read) */
};

/* ---- loading: the merge API ------------------------------------------- */

/* Called once per problem, after reading, in a stable order: ERR names the
 * file (path) and, in the message, the image; that input was left out and
 * everything else was merged. */
typedef void (*merge_warn_fn)(void *arg, const struct cr_error *err);

struct merge_opts {
	int jobs;               /* reader threads; 0 = number of cores */
	int context_views;      /* add views 3.. (one per context) */
	merge_warn_fn warn;     /* may be NULL */
	void *warn_arg;
	/* Objects no process ran count, at zero (gcovr's default, lcov's
	 * --initial): the model also holds every notes file (.gcno) found
	 * below SOURCE_ROOT (may be NULL) and below the common directory of
	 * the notes files of the objects that ran (merge/notes.c). */
	int unexecuted;
	const char *source_root;
};

/* Fill MODEL from a plain build tree: every .gcda under BUILD_DIR (written
 * in place by ordinary runs, as gcovr reads them) with the .gcno beside
 * it.  All data is one context (role root), so views ALL and ROOT are
 * equal and CHILD is all zero.  Lines, branches and functions of a source
 * file that several objects compile (headers, templates) are merged by
 * path and line: counts summed, branches matched by their index on the
 * line, functions keyed by mangled name and start line.  Bad data (corrupt
 * or stale gcda, missing gcno) is reported through OPTS->warn and counted
 * in MODEL->nskipped; only an unreadable BUILD_DIR is an error.  OPTS may
 * be NULL.  Release MODEL with cov_model_release. */
enum cr_err merge_load_tree(const char *build_dir,
			    const struct merge_opts *opts,
			    struct cov_model *model,
			    struct cr_error *err) CR_WUR;

/* Fill MODEL from covrun run directories, directories written by `covrun
 * merge`, and bundles (DIRS entries that are files).  Images are grouped
 * into contexts (executable, role, label) from their process records;
 * images without a record form the unattributed context.  Counters are
 * summed per context and every view's counts are computed from that view's
 * summed counters.  Contexts are in a canonical order (role, executable,
 * label) whatever the order of DIRS; their ids are c<index>-<role>[-<exe
 * base name>].  Errors as merge_load_tree; an unreadable run directory is
 * an error. */
enum cr_err merge_load_runs(const char *const *dirs, size_t ndirs,
			    const struct merge_opts *opts,
			    struct cov_model *model,
			    struct cr_error *err) CR_WUR;

/* The lower-level interface behind both: a merge set collects contexts and
 * inputs, reads them in parallel (merge_set_read, after the inputs are
 * queued), then fills a model and/or writes per-context aggregates (both
 * may be done).  A set is used by one thread.  Inputs queued after a read
 * are added to what was read by the next merge_set_read: a fold keeps one
 * set for a whole run (merge/fold.c). */
struct merge_set;

/* A new, empty set; OPTS is copied (may be NULL).  Free with
 * merge_set_free.  Cannot fail. */
struct merge_set *merge_set_new(const struct merge_opts *opts);
void merge_set_free(struct merge_set *set);

/* Index of the context (EXE, ROLE, LABEL), created when new. */
uint32_t merge_set_context(struct merge_set *set, const char *exe,
			   enum collect_role role, const char *label);

/* Queue inputs of context CTX: an image directory written with
 * GCOV_PREFIX=DIR (DIR/<absolute gcda path>, gcno at the absolute path),
 * one gcda beside its gcno, or a build tree (every gcda below DIR, each
 * beside its gcno).  IMAGE names the image in messages. */
void merge_set_add_image(struct merge_set *set, const char *dir,
			 const char *image, uint32_t ctx);
/* Queue a data file (docs/run-directory.md, "Data files"): each frame is
 * one gcda, named by its absolute path, gcno beside that path. */
void merge_set_add_data_file(struct merge_set *set, const char *file,
			     const char *image, uint32_t ctx);
void merge_set_add_gcda(struct merge_set *set, const char *gcda,
			const char *image, uint32_t ctx);
/* Queue the "@d" frames of image IMAGE (docs/run-directory.md, "Data in
 * the journal") of context CTX, read from the journal JOURNAL (named in
 * messages): LIST holds them as merge_frames_append made it, and is
 * taken (left empty).  COUNT: the image is counted in its context (not
 * when a fold generation counted it already). */
void merge_frames_append(struct cr_buf *list, const char *rest, size_t len);
void merge_set_add_frames(struct merge_set *set, const char *journal,
			  const char *image, uint32_t ctx,
			  struct cr_buf *list, int count);
enum cr_err merge_set_add_tree(struct merge_set *set, const char *dir,
			       uint32_t ctx, struct cr_error *err) CR_WUR;

/* Queue the data of image ID, found in BASE laid out as a run directory
 * (BASE/img/<id>, BASE/data/<id>): the run directory itself, or a fold's
 * taken images (rundir/rundir.h).  The one place an image's data is
 * queued. */
void merge_set_add_image_data(struct merge_set *set, const char *base,
			      const char *id, uint32_t ctx);

/* Queue a run directory: process records (proc/), images (img/),
 * unattributed images, or the aggregates and contexts file of a directory
 * written by merge_set_write.  Fails only when RUNDIR cannot be read. */
enum cr_err merge_set_add_run(struct merge_set *set, const char *rundir,
			      struct cr_error *err) CR_WUR;

/* ---- folding while a run goes on (merge/fold.c) ------------------------ */

/* The current fold generation of a run directory: its directory and the
 * sorted ids of the images a format-1 covrun listed as folded into it
 * (fold/<N>/images; format 2 lists none: docs/run-directory.md). */
struct merge_fold_state {
	long generation;  /* 0 when nothing was folded */
	char *dir;        /* owned; <run>/fold/<generation>, or NULL */
	char **images;    /* owned; sorted image ids */
	size_t nimages;
};

/* Fill ST from RUNDIR/fold/current; returns 1 when there is a generation,
 * 0 when not (ST is then empty).  Release with merge_fold_release. */
int merge_fold_current(const char *rundir, struct merge_fold_state *st);
void merge_fold_release(struct merge_fold_state *st);
/* Is image ID folded into ST's generation? */
int merge_fold_has(const struct merge_fold_state *st, const char *id);

/* Fold finished images while a run goes on (docs/run-directory.md,
 * "Fold"): a thread that wakes every 200 ms and, once BATCH images whose
 * records say they finished are waiting, takes their data out of RUNDIR
 * and sums it into an aggregate it keeps in memory; the aggregate is
 * written as a new generation every 2 seconds or 4 batches, whichever
 * comes first, and when the folder stops.  Problems are
 * reported through OPTS->warn (a file left out; an error turns folding
 * off, and what is not folded is merged at the end).  NULL with ERR
 * filled when it cannot start. */
struct merge_folder;
struct merge_folder *merge_folder_start(const char *rundir, long batch,
					const struct merge_opts *opts,
					struct cr_error *err);
/* Fold what has finished, write it, and stop the thread; frees F. */
void merge_folder_stop(struct merge_folder *f);

/* Queue a bundle: an archive (.tar.zst, .tar.gz, .tar, .zip) of a run
 * directory or merged directory, read without unpacking it.  Its process
 * records and contexts file are read now; fails when PATH is not a
 * readable archive. */
enum cr_err merge_set_add_bundle(struct merge_set *set, const char *path,
				 struct cr_error *err) CR_WUR;

/* Read every queued input with OPTS->jobs threads.  Problems are
 * reported through OPTS->warn; cannot fail otherwise. */
enum cr_err merge_set_read(struct merge_set *set,
			   struct cr_error *err) CR_WUR;

/* Fill MODEL (see merge_load_tree) from what was read. */
enum cr_err merge_set_model(struct merge_set *set, struct cov_model *model,
			    struct cr_error *err) CR_WUR;

/* Write OUTDIR as a merged run directory: for every context C and object
 * that C executed an ordinary gcda at OUTDIR/ctx/<C id>/<absolute gcda
 * path> (an object no context executed is written once, all zero, so that
 * it stays in the data), and the contexts file OUTDIR/contexts (README.md
 * describes it).  gcov run on
 * such a gcda with the original gcno gives the context's counts.  An
 * earlier merged directory at OUTDIR is replaced. */
enum cr_err merge_set_write(struct merge_set *set, const char *outdir,
			    struct cr_error *err) CR_WUR;

/* As merge_set_write, with each context's gcda as one data file
 * OUTDIR/ctx/<C id> (docs/run-directory.md, "Fold"): what a fold
 * generation is, and what merge_set_add_run reads back. */
enum cr_err merge_set_write_packed(struct merge_set *set, const char *outdir,
				   struct cr_error *err) CR_WUR;

/* Objects whose notes file has a gcov version covrun does not read are
 * read through that version's gcov (`gcov -b --json-format`; numbers
 * summed per line across images, no aggregate gcda).  With ALL set, every
 * object is read that way (for tests).  Cannot fail. */
void merge_set_gcov_fallback(struct merge_set *set, int all);

/* Call FN(ARG, DONE, TOTAL) while merge_set_read runs, after each input
 * (image or tree) is read; FN is called from reader threads, one at a
 * time, and must be quick.  Cannot fail. */
void merge_set_progress(struct merge_set *set,
			void (*fn)(void *arg, uint32_t done, uint32_t total),
			void *arg);

/* Report E through OPTS->warn (after reading, in order) and count one
 * input left out: for a caller that could not queue an input (a
 * damaged bundle, an unreadable run directory) and goes on without it. */
void merge_set_left_out(struct merge_set *set, const struct cr_error *e);

/* Inputs (gcda files or directories) left out for bad data so far. */
uint32_t merge_set_nskipped(const struct merge_set *set);
/* gcda files and bytes read by merge_set_read. */
void merge_set_stats(const struct merge_set *set, uint32_t *files,
		     uint64_t *bytes);

/* Release everything MODEL owns; the struct itself is not freed. */
void cov_model_release(struct cov_model *model);


/* Line N of FILE (binary search), or NULL when the line has no code. */
const struct cov_line *cov_file_find_line(const struct cov_file *file,
					  uint32_t line);

#endif /* COVRUN_MERGE_H */
