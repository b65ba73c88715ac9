/* SPDX-License-Identifier: MIT
 * merge/internal.h: what the files of merge/ share, and nothing else uses.
 *
 * Parts:
 *   reader   a bounded, sticky-error reader over a read-only file mapping
 *            (reader.c)
 *   gcno     the parsed notes file: functions, blocks, arcs, lines (gcno.c)
 *   gcda     counter records applied to an object's counter array (gcda.c)
 *   layout   per object: which lines, branches and functions gcov reports,
 *            computed once from the graph (layout.c)
 *   solve    arc and block counts from counters, gcov's or llvm-cov's
 *            algorithm (graph.c), line counts with cycles (cycles.c)
 *   json     gcov's JSON shape for one object (json.c)
 * The public interface is merge/merge.h.
 */
#ifndef COVRUN_MERGE_INTERNAL_H
#define COVRUN_MERGE_INTERNAL_H

#include "common/common.h"
#include "merge/merge.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Counts from corrupt or racy data may overflow: they wrap, as in gcov. */
static inline int64_t wadd(int64_t a, int64_t b)
{
	return (int64_t)((uint64_t)a + (uint64_t)b);
}

static inline int64_t wsub(int64_t a, int64_t b)
{
	return (int64_t)((uint64_t)a - (uint64_t)b);
}

/* ---- file mapping and reader (reader.c) -------------------------------- */

/* A whole file mapped read-only (or an empty file: data NULL, size 0). */
struct cr_map {
	const unsigned char *data; /* owned mapping, or the scratch buffer */
	size_t size;               /* bytes */
	int mapped;                /* data is a mapping to unmap */
};

enum cr_err cr_map_open(const char *path, struct cr_map *map,
			struct cr_error *err) CR_WUR;
/* Like cr_map_open, but a file of up to 1 MiB is read into *SCRATCH
 * (grown as needed; the caller frees it), which costs fewer system calls
 * and no page faults for the many small gcda of a merge. */
enum cr_err cr_map_read(const char *path, struct cr_map *map,
			unsigned char **scratch, size_t *scratch_size,
			struct cr_error *err) CR_WUR;
void cr_map_close(struct cr_map *map);

/* Upper bounds on sizes taken from files, checked before allocating. */
#define GCOV_MAX_FILE ((size_t)1 << 31)   /* bytes of one gcno/gcda */

/* Byte-oriented reader.  Once an error is raised (truncation, bad value)
 * it stays raised, reads return 0/NULL and ERR holds the first message. */
struct reader {
	const unsigned char *base; /* start of the file */
	size_t size;               /* current limit (file or record end) */
	size_t pos;                /* offset of the next byte */
	int swap;                  /* file is big-endian */
	int byte_lengths;          /* GCC >= 12: lengths in bytes */
	int failed;                /* sticky error flag */
	const char *path;          /* for messages */
	struct cr_error *err;      /* filled on the first error */
};

void reader_init(struct reader *r, const unsigned char *data, size_t size,
		 const char *path, struct cr_error *err);
/* Raise a CR_ECORRUPT error at byte OFFSET (first error wins). */
void reader_fail(struct reader *r, size_t offset, const char *fmt, ...)
	CR_PRINTF(3, 4);
uint32_t reader_u32(struct reader *r);
int64_t reader_i64(struct reader *r);
/* A string as the format stores it; NULL for the null string (and on
 * error, with r->failed set).  Points into the mapping. */
const char *reader_string(struct reader *r);
/* Bytes from a record length word (words or bytes by format); the value
 * may be a negated length for GCC >= 12 all-zero counters. */
size_t reader_length_bytes(const struct reader *r, uint32_t len);

/* ---- versions ---------------------------------------------------------- */

enum gcov_flavor {
	GCOV_CLANG = 1, /* "408*": clang/LLVM --coverage */
	GCOV_GCC11 = 2, /* "B1..": GCC 11 */
	GCOV_GCC12 = 3, /* "B2..": GCC 12 */
};

#define GCNO_MAGIC 0x67636e6fu
#define GCDA_MAGIC 0x67636461u
#define TAG_FUNCTION 0x01000000u
#define TAG_BLOCKS 0x01410000u
#define TAG_ARCS 0x01430000u
#define TAG_LINES 0x01450000u
#define TAG_COUNTER_ARCS 0x01a10000u
#define TAG_OBJECT_SUMMARY 0xa1000000u
#define TAG_PROGRAM_SUMMARY 0xa3000000u

/* Flavor of the version word V, or 0 when covrun does not read it. */
int gcov_flavor_of(uint32_t v);
/* "B22*" style text of V into BUF (5 bytes). */
void gcov_version_text(uint32_t v, char buf[5]);

/* ---- gcno (gcno.c) ----------------------------------------------------- */

enum arc_flags {
	ARC_ON_TREE = 1 << 0,     /* spanning tree: no counter */
	ARC_FAKE = 1 << 1,        /* not a real edge */
	ARC_FALLTHROUGH = 1 << 2,
	ARC_THROW = 1 << 8,       /* derived: to a catch handler */
	ARC_CALL_NON_RETURN = 1 << 9,
	ARC_NONLOCAL_RETURN = 1 << 10,
	ARC_UNCONDITIONAL = 1 << 11,
};

struct gcno_arc {
	uint32_t src, dst;  /* block indices in the function */
	uint32_t flags;     /* enum arc_flags */
	int32_t ctr;        /* counter index in the function, -1 on tree */
};

struct gcno_loc {
	uint32_t src;         /* index into gcno_file.srcs */
	uint32_t first_line;  /* into gcno_fn.lines */
	uint32_t nlines;
};

struct gcno_block {
	uint32_t first_succ, nsucc; /* into gcno_fn.succ */
	uint32_t first_pred, npred; /* into gcno_fn.pred */
	uint32_t first_loc, nlocs;  /* into gcno_fn.locs */
	uint8_t exceptional;        /* reachable only through a throw */
	uint8_t has_arcs;           /* an ARCS record was seen */
};

struct gcno_fn {
	uint32_t ident, lineno_checksum, cfg_checksum;
	char *name;             /* owned */
	uint32_t artificial;
	uint32_t src;           /* index into gcno_file.srcs */
	uint32_t start_line, start_column, end_line, end_column;
	uint32_t nblocks, narcs, nlocs, nlines;
	struct gcno_block *blocks; /* owned */
	struct gcno_arc *arcs;  /* owned; creation (file) order */
	uint32_t *succ;         /* owned; arc ids, per block by dst (stable) */
	uint32_t *succ_file;    /* owned; arc ids, per block in file order */
	uint32_t *pred;         /* owned; arc ids, per block, creation order */
	struct gcno_loc *locs;  /* owned */
	uint32_t *lines;        /* owned; each location's lines, ascending
				 * (GCC) or as listed (clang) */
	uint32_t nctrs;         /* arcs not on the tree */
	uint32_t ctr_base;      /* first counter in the object's array */
	uint8_t has_catch;
	uint8_t blocks_seen;
};

struct gcno_file {
	char *path;             /* owned */
	uint32_t version;       /* raw version word */
	int flavor;             /* enum gcov_flavor */
	uint32_t stamp, checksum;
	char *cwd;              /* owned; NULL when the format has none */
	uint32_t nsrcs;
	char **srcs;            /* owned; raw names, first-reference order */
	uint32_t nfns;
	struct gcno_fn *fns;    /* owned; file order */
	uint32_t nctrs;         /* total arc counters of the object */
	uint32_t *ident_sorted; /* owned; fn indices sorted by ident */
};

/* Parse the gcno at PATH.  CR_EVERSION for a format covrun does not read,
 * CR_ECORRUPT (with the byte offset) for malformed input, CR_EIO/ENOENT.
 * On success *OUT is filled; release with gcno_file_release. */
enum cr_err gcno_file_read(const char *path, struct gcno_file *out,
			   struct cr_error *err) CR_WUR;
void gcno_file_release(struct gcno_file *g);
/* The same from SIZE bytes at DATA (PATH names them in errors). */
enum cr_err gcno_parse(const unsigned char *data, size_t size,
		       const char *path, struct gcno_file *out,
		       struct cr_error *err) CR_WUR;
/* Function with IDENT (the last one when duplicated), or -1. */
long gcno_find_ident(const struct gcno_file *g, uint32_t ident);

/* ---- gcda (gcda.c) ----------------------------------------------------- */

struct gcda_info {
	uint32_t version, stamp, checksum; /* checksum 0 before GCC 12 */
	uint32_t runs;        /* from the object or program summary */
	uint64_t sum_max;     /* object summary (GCC) */
	uint32_t nfunctions;  /* function records with counters */
	uint32_t nonzero;     /* counters that are not 0 */
};

/* Add the arc counters of the gcda mapped in DATA/SIZE to CTRS (indexed as
 * the gcno's counters; NULL: only validate and count the non-zero ones in
 * INFO->nonzero).  The whole file is validated first: on any error
 * CTRS is untouched.  Errors: CR_EVERSION (version differs from the
 * gcno's), CR_ESTALE (stamp or function checksums differ from the gcno),
 * CR_ECORRUPT (malformed, with offset).  SEEN (optional, one byte per gcno
 * function) is set for functions that had a counter record. */
enum cr_err gcda_apply(const struct gcno_file *g, const unsigned char *data,
		       size_t size, const char *path, int64_t *ctrs,
		       uint8_t *seen, struct gcda_info *info,
		       struct cr_error *err) CR_WUR;

/* Append an ordinary gcda for G with counters CTRS to BUF: functions not
 * marked in SEEN (when given) get a placeholder record, as libgcov writes
 * for functions whose code lives in another object.  Cannot fail. */
void gcda_write(const struct gcno_file *g, const int64_t *ctrs,
		const uint8_t *seen, const struct gcda_info *info,
		struct cr_buf *buf);

/* ---- layout: what gcov reports for one object (layout.c) --------------- */

/* One reported line: a source line, or a line of a group function. */
struct lslot {
	uint32_t src;          /* layout source index */
	uint32_t line;
	int32_t group_fn;      /* gcno fn index of a group line, else -1 */
	uint32_t contrib, ncontrib; /* blocks adding their count (ids) */
	uint32_t ext, next;    /* arcs entering the line's blocks (ids) */
	uint32_t blk, nblk;    /* the line's blocks (ids); 0: plain sum */
	uint32_t br, nbr;      /* branch arcs to report (ids) */
	uint8_t unexceptional; /* a non-exceptional block is on the line */
	uint8_t internal;      /* an arc joins two of the line's blocks */
};

struct layout_src {
	char *name;            /* owned; canonical name */
	uint32_t size;         /* gcov's lines.size(): last line + 1 */
	uint32_t nslots;
	uint32_t *slots;       /* owned; file-line slots by line */
	uint32_t nfns;
	uint32_t *fns;         /* owned; reported fns of this source, gcno
				* order */
};

struct layout {
	const struct gcno_file *g;
	uint32_t nsrcs;
	struct layout_src *srcs; /* owned */
	uint32_t *src_of_raw;  /* owned; gcno src index -> layout src */
	uint32_t nblocks, narcs; /* object-wide numbering */
	uint32_t *block_base;  /* owned; per fn */
	uint32_t *arc_base;    /* owned; per fn */
	uint32_t *gb_fn;       /* owned; per block: its function */
	uint8_t *gb_exc;       /* owned; per block: exceptional */
	uint32_t *gb_succ;     /* owned; per block: first of gsucc */
	uint32_t *gsucc;       /* owned; arc ids by block, gcov order */
	uint32_t *ga_src, *ga_dst; /* owned; per arc: blocks */
	uint8_t *reported;     /* owned; per fn */
	uint8_t *is_group;     /* owned; per fn */
	uint32_t *grp_first, *grp_n; /* owned; per fn: its group slots in
				      * slot_order */
	uint32_t *slot_order;  /* owned; group slots by fn, then line */
	uint32_t nslots;
	struct lslot *slots;   /* owned */
	uint32_t nids;
	uint32_t *ids;         /* owned; pool of block and arc ids */
	int clang;             /* llvm-cov semantics */
};

/* How names are canonicalized: as gcov does relative to the current
 * directory (for the JSON oracle), or absolute against the gcno's cwd. */
enum layout_names { LAYOUT_NAMES_GCOV = 0, LAYOUT_NAMES_ABSOLUTE = 1 };

/* Build the layout of G.  Cannot fail (G was validated when read). */
void layout_build(const struct gcno_file *g, enum layout_names names,
		  struct layout *lay);
void layout_release(struct layout *lay);

/* gcov's canonicalize_name (stat relative to the current directory). */
char *gcov_canonicalize(const char *name);

/* ---- solving (graph.c, cycles.c) --------------------------------------- */

/* Working memory of the solver, reusable across objects. */
struct solve_ws {
	int64_t *arc;          /* arc counts, object numbering */
	int64_t *block;        /* block counts */
	int64_t *cs;           /* cycle working counts per arc */
	uint32_t cap_arcs, cap_blocks;
	void *scratch;         /* owned; solver stacks */
	size_t scratch_size;
	uint8_t *mark;         /* per block: on the current line */
	uint32_t *tmp;         /* owned; per block: llvm-cov's incoming arc */
	size_t tmp_cap;
};

void solve_ws_release(struct solve_ws *ws);
/* Arc and block counts of every function of LAY's object from CTRS
 * (counters in gcno order) into WS->arc and WS->block. */
void solve_object(const struct layout *lay, const int64_t *ctrs,
		  struct solve_ws *ws);
/* gcov's count of slot S after solve_object. */
int64_t slot_count(const struct layout *lay, const struct lslot *s,
		   struct solve_ws *ws);
/* gcov's unexecuted_block flag of slot S. */
int slot_unexecuted(const struct layout *lay, const struct lslot *s,
		    const struct solve_ws *ws);
/* blocks_executed of function FN after solve_object. */
uint32_t fn_blocks_executed(const struct layout *lay, uint32_t fn,
			    const struct solve_ws *ws);

/* The cycles term of slot S's count (cycles.c). */
int64_t slot_cycles(const struct layout *lay, const struct lslot *s,
		    struct solve_ws *ws);
/* llvm-cov's graph for clang files (clang.c): arc numbering with the
 * added EXIT->ENTRY arc per function, and each line's entering arcs. */
void layout_clang(struct layout *lay);
/* llvm-cov's cycles term of slot S. */
int64_t slot_cycles_clang(const struct layout *lay, const struct lslot *s,
			  struct solve_ws *ws);
void solve_fn_clang(const struct gcno_fn *fn, const int64_t *ctrs,
		    int64_t *arc, int64_t *blk);

/* libstdc++'s std::sort (introsort) of N function indices by
 * (start_line, start_column), replicated step for step. */
void gcov_sort_fns(const struct gcno_file *g, uint32_t *v, size_t n);

/* ---- JSON (json.c) ----------------------------------------------------- */

/* gcov -b --json-format's document for one object into OUT. */
void json_object_write(const struct layout *lay, struct solve_ws *ws,
		       const char *data_file, struct cr_buf *out);

/* ---- string map (strmap.c) --------------------------------------------- */

/* Keys are byte strings without NUL, copied; each maps to a uint32_t.
 * Zero-initialized is empty.  Walk it over key[0..size) (NULL: free). */
struct strmap {
	char **key;            /* owned; [size] */
	uint32_t *val;         /* owned; [size] */
	size_t size, n;        /* slots (a power of 2), keys */
};

/* The value of KEY (LEN bytes), or NULL. */
uint32_t *strmap_find(const struct strmap *m, const char *key, size_t len);
/* Map KEY to VAL; returns 1, or 0 when KEY was there (its value kept). */
int strmap_put(struct strmap *m, const char *key, size_t len, uint32_t val);
void strmap_release(struct strmap *m);

/* ---- merge sets (merge.c, build.c, context.c) ------------------------- */

#include <pthread.h>

enum input_kind {
	INPUT_IMAGE = 0, /* a GCOV_PREFIX directory: <dir>/<abs gcda path> */
	INPUT_TREE = 1,  /* a build tree: gcda beside its gcno */
	INPUT_FILE = 2,  /* one gcda beside its gcno */
	INPUT_BUNDLE = 3, /* an archive of a run directory (bundle.c) */
};

struct merge_input {
	enum input_kind kind;
	char *path;            /* owned */
	char *image;           /* owned; image id for messages */
	uint32_t ctx;
	struct bundle *bundle; /* owned; INPUT_BUNDLE */
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

/* gcov's JSON numbers of objects read through the fallback (fallback.c):
 * appended per gcda, summed when the model is built. */
struct fb_entry {
	uint32_t path;         /* index into fb_data.paths */
	uint32_t line;
	int64_t count;
	uint8_t unexec;
	uint32_t nbr;
	int64_t *br;           /* owned; [nbr] */
	uint8_t *brflags;      /* owned; [nbr] enum cov_branch_flags */
};

struct fb_func {
	uint32_t path;
	char *name, *demangled; /* owned */
	uint32_t start_line, start_column, end_line, end_column, blocks;
	int64_t count;
	uint32_t bexec;
};

struct fb_data {
	char **paths;          /* owned; absolute canonical source paths */
	uint32_t npaths;
	struct fb_entry *e;    /* owned */
	size_t ne, e_alloc;
	struct fb_func *f;     /* owned */
	size_t nf, f_alloc;
};

/* Run gcov on GCDA (notes file GCNO) and append its numbers to FB.
 * CR_EVERSION when no gcov can read it. */
enum cr_err fallback_gcda(const char *gcno, const char *gcda,
			  struct fb_data *fb, struct cr_error *err) CR_WUR;
void fb_data_release(struct fb_data *fb);

/* One object: one notes file and its per-context counters. */
struct mobj {
	char *gcno;            /* owned; path of the notes file */
	pthread_mutex_t lock;  /* guards state and loading */
	int state;             /* 0 not read, 1 usable, 2 unusable,
				* 3 read through gcov (fallback.c) */
	struct fb_data *fb;    /* owned; [context] when state == 3 */
	struct gcno_file g;    /* when state == 1 */
	struct cr_error gcno_err; /* when state == 2 */
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
	uint32_t *obj_hash;    /* owned; object index + 1 */
	size_t obj_hash_size;
	uint32_t nwarnings;
	struct cr_error *warnings; /* owned; reported after reading */
	size_t warnings_alloc;
	uint32_t nskipped;     /* gcda files (or dirs) left out */
	struct strmap images;  /* ids of the images queued, each once */
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
