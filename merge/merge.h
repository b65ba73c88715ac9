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
 * are not additive over contexts: see shared/design/gcov-format.md §6).
 */
#ifndef COVRUN_MERGE_H
#define COVRUN_MERGE_H

#include "common/common.h"

#include <stdint.h>

/* ---- contexts ---------------------------------------------------------- */

enum cov_role { COV_ROLE_ROOT = 0, COV_ROLE_CHILD = 1, COV_ROLE_UNATTRIBUTED = 2 };

/* A context: the images of one executable, role and label. */
struct cov_context {
	char *id;     /* owned; stable short name, also a directory name */
	char *exe;    /* owned; executable path as recorded */
	enum cov_role role;
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
	uint8_t excluded;       /* set by report filters (exclusion markers) */
};

struct cov_branch {
	uint8_t flags;          /* enum cov_branch_flags */
	uint8_t excluded;       /* set by report filters */
};

struct cov_function {
	char *name;             /* owned; mangled name as in the gcno */
	char *demangled;        /* owned; libiberty's demangling, or name */
	uint32_t start_line, start_column, end_line, end_column;
	uint32_t blocks;        /* blocks excluding entry and exit */
	uint8_t excluded;
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
};

/* Release everything MODEL owns; the struct itself is not freed. */
void cov_model_release(struct cov_model *model);

/* C++ NAME demangled as gcov prints it (libiberty, DMGL_PARAMS), or a copy
 * of NAME when it is not a mangled name.  Caller frees.  Cannot fail. */
char *merge_demangle(const char *name);

/* Line N of FILE (binary search), or NULL when the line has no code. */
const struct cov_line *cov_file_find_line(const struct cov_file *file,
					  uint32_t line);

#endif /* COVRUN_MERGE_H */
