/* SPDX-License-Identifier: MIT
 * gcov/gcov.h: the gcov library's interface.
 *
 * gcov/ reads what gcc and clang write for --coverage and computes what
 * gcov (or llvm-cov gcov) would print from it; it knows nothing of runs,
 * contexts, folds or bundles (merge/ builds those on top of it).  Parts:
 *   reader   a bounded, sticky-error reader over a read-only file mapping
 *            (reader.c)
 *   gcno     the parsed notes file: functions, blocks, arcs, lines (gcno.c)
 *   gcda     counter records applied to an object's counter array (gcda.c)
 *   layout   per object: which lines, branches and functions gcov reports,
 *            computed once from the graph (layout.c)
 *   solve    arc and block counts from counters, gcov's or llvm-cov's
 *            algorithm (graph.c), line counts with cycles (cycles.c,
 *            clang.c)
 *   names    gcov's demangling and path canonicalisation (demangle.c)
 *   fallback gcov's own JSON for versions covrun does not read
 *            (fallback.c)
 * The formats are described in docs/gcov-format.md.
 */
#ifndef COVRUN_GCOV_H
#define COVRUN_GCOV_H

#include "common/common.h"

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
/* The payload bytes of record TAG (at START, length word LENW), or 0 with
 * a "truncated" error raised when it ends past the current limit. */
size_t reader_record_bytes(struct reader *r, size_t start, uint32_t tag,
			   uint32_t lenw);

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
/* covrun's own record, only in the gcda of run directories' data files
 * (docs/gcov-format.md, section 3): the idents of functions whose arc
 * counters are all zero, in place of their FUNCTION and counter records.
 * No compiler writes this tag. */
#define TAG_COVRUN_ZERO 0xc0c00000u

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
	int dup_idents;         /* some ident names two functions */
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

/* As gcda_apply, for summing many files of which most are all zero: when
 * the file has a non-zero counter, *CTRS (the gcno's counters) and *SEEN
 * are allocated if NULL and the file is added; an all-zero file only
 * fills INFO (nonzero 0).  One validation pass either way. */
enum cr_err gcda_add(const struct gcno_file *g, const unsigned char *data,
		     size_t size, const char *path, int64_t **ctrs,
		     uint8_t **seen, struct gcda_info *info,
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
/* A growing list of arc ids. */
struct arc_list {
	uint32_t *arc;         /* owned */
	size_t n, alloc;
};
void arc_list_add(struct arc_list *list, uint32_t a);
/* The arcs one block GB of line SL adds to the line's entering arcs. */
typedef void (*layout_block_arcs_fn)(struct layout *lay, struct lslot *sl,
				     uint32_t gb, const uint8_t *mark,
				     struct arc_list *out);
/* Fill every line's entering arcs with BLOCK_ARCS (layout.c). */
void layout_entering(struct layout *lay, layout_block_arcs_fn block_arcs);
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

/* ---- names (demangle.c) ------------------------------------------------- */

/* C++ NAME demangled as gcov prints it (libiberty, DMGL_PARAMS), or a copy
 * of NAME when it is not a mangled name.  Caller frees.  Cannot fail. */
char *gcov_demangle(const char *name);

/* ---- gcov's own numbers (fallback.c) ----------------------------------- */

/* Branch flags as gcov's JSON gives them. */
enum gcov_branch_flags {
	GCOV_BRANCH_THROW = 1 << 0,       /* "throw" */
	GCOV_BRANCH_FALLTHROUGH = 1 << 1, /* "fallthrough" */
};

/* gcov's JSON numbers of objects read through the fallback (fallback.c):
 * appended per gcda, summed when the model is built. */
struct fb_entry {
	uint32_t path;         /* index into fb_data.paths */
	uint32_t line;
	int64_t count;
	uint8_t unexec;
	uint32_t nbr;
	int64_t *br;           /* owned; [nbr] */
	uint8_t *brflags;      /* owned; [nbr] enum gcov_branch_flags */
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

#endif /* COVRUN_GCOV_H */
