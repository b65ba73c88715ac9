/* SPDX-License-Identifier: MIT
 * collect/collect.h: the collect module's interface.
 *
 * collect/ runs a command so that every process image it starts writes its
 * gcov data under a directory of its own and leaves a process record.  The
 * pieces: launch.c (the covrun side: run directory, environment, subreaper,
 * signal forwarding, waiting), shim.c (the LD_PRELOAD library loaded into
 * every process), runtime.c (the same for statically linked programs),
 * record.c (the process record format, written atomically), gcovsym.c (how
 * the shim finds each object's gcov dump entry and counters).
 *
 * The run directory's layout is rundir/rundir.h's (docs/run-directory.md).
 */
#ifndef COVRUN_COLLECT_H
#define COVRUN_COLLECT_H

#include "common/common.h"

#include <stdint.h>
#include <sys/types.h>

#define COLLECT_RECORD_MAGIC "covrun-record 1"

enum collect_how { COLLECT_HOW_ROOT, COLLECT_HOW_FORK, COLLECT_HOW_EXEC,
		   COLLECT_HOW_SPAWN, COLLECT_HOW_UNKNOWN };
enum collect_role { COLLECT_ROLE_ROOT, COLLECT_ROLE_CHILD,
		    COLLECT_ROLE_UNATTRIBUTED };
enum collect_end { COLLECT_END_NONE, /* no trace: running, or SIGKILL */
		   COLLECT_END_EXIT, /* exit() or return from main */
		   COLLECT_END__EXIT, /* _exit() / _Exit() */
		   COLLECT_END_SIGNAL, /* killed by a signal (status = signo) */
		   COLLECT_END_EXEC }; /* replaced by exec (a new image) */

/* One process image as its record describes it. */
struct collect_record {
	char *id;          /* owned; unique image id in the run */
	char *parent;      /* owned; parent image id, "" for the first */
	pid_t pid, ppid;
	enum collect_how how;
	enum collect_role role;
	int instrumented;  /* had gcov-instrumented code loaded */
	char *exe, *cwd, *label; /* owned */
	char **argv;       /* owned; NULL-terminated, possibly truncated */
	int argc;          /* entries in argv */
	int argv_truncated;
	int64_t start_ns, end_ns; /* wall clock; end_ns 0 when unknown */
	enum collect_end end;
	int status;        /* exit status, or signal number */
	char **stripped;   /* owned; instrumented objects without a symbol
			      table, NULL-terminated (may be empty) */
	int64_t dumped_ns; /* wall clock when its counters were written, or 0
			      (not yet, or never: killed while writing) */
	char *lost;        /* owned; why its counters could not be written,
			      or NULL */
	int untraced;      /* run without the shim: a program that can
			      neither run instrumented code nor start an
			      image, recorded by the image that exec'd it
			      (its end is not known) */
	int withdrawn;     /* its exec failed: the image never ran (a
			      loaded run leaves such records out) */
};

/* Parse the text of a record.  On CR_ECORRUPT the record is unusable.
 * REC is filled with owned strings; release with collect_record_release. */
enum cr_err collect_record_parse(const char *text, size_t len,
				 const char *path, struct collect_record *rec,
				 struct cr_error *err) CR_WUR;
void collect_record_release(struct collect_record *rec);

/* Every record of a run directory, sorted by start time. */
struct collect_run {
	char *dir;                    /* owned; absolute run directory */
	size_t nrecords;
	struct collect_record *records; /* owned */
	size_t nbad;                  /* records that could not be read */
	struct cr_error first_bad;    /* why, for the first of them */
	size_t *by_id;                /* owned; record indices by image id */
};

/* Load the records of RUNDIR.  A record that cannot be parsed is counted in
 * nbad and reported through WARN (called once per bad record, may be NULL);
 * only an unreadable directory is an error. */
enum cr_err collect_run_load(const char *rundir, struct collect_run *run,
			     void (*warn)(const struct cr_error *),
			     struct cr_error *err) CR_WUR;
void collect_run_release(struct collect_run *run);
/* Add the records of a format-2 journal BUF[0..SIZE) (read from PATH) to
 * RUN, whose records array has *ALLOC entries (0 for a new one); bad
 * frames and records are counted in nbad and reported through WARN
 * (docs/run-directory.md).  RUN is not sorted nor indexed. */
void collect_journal_parse(const char *buf, size_t size, const char *path,
			   struct collect_run *run, size_t *alloc,
			   void (*warn)(const struct cr_error *));
/* Index of the record with image id ID, or -1 (binary search). */
long collect_run_find(const struct collect_run *run, const char *id);

/* The process tree of a run (tree.c): each record's children, in record
 * order (start time), and the records whose parent is not in the run. */
struct collect_tree {
	size_t n;        /* records of the run */
	size_t **kids;   /* owned; [record] -> indices of its children */
	size_t *nkids;   /* owned; [record] */
	size_t *tops;    /* owned; records without a parent in the run */
	size_t ntops;
};
void collect_tree_build(const struct collect_run *run,
			struct collect_tree *tree);
void collect_tree_release(struct collect_tree *tree);

const char *collect_how_name(enum collect_how how);
/* "root", "child", "unattributed": the one name table of roles. */
const char *collect_role_name(enum collect_role role);
/* "exit", "_exit", "signal", "exec", or "unknown" (no end recorded). */
const char *collect_end_name(enum collect_end end);
/* The role called NAME, or -1. */
int collect_role_from_name(const char *name);
/* "exit 0", "_exit 3", "signal 9 (SIGKILL)", "exec", "unknown" into BUF. */
void collect_end_describe(const struct collect_record *rec, char *buf,
			  size_t size);

/* ---- running a command (launch.c) -------------------------------------- */

struct collect_opts {
	const char *data_dir;     /* run directory (default ".covrun") */
	int force;                /* replace an earlier run instead of moving it */
	double wait_descendants;  /* seconds to wait for descendants */
	long max_processes;       /* images allowed in one run */
	const char *label;        /* COVRUN_LABEL for the root, or NULL */
	const char *shim;         /* path of libcovrun-shim.so */
	int quiet;
};

/* One command of a run: the single COMMAND, or each test of DIR mode. */
struct collect_job {
	char *const *argv;   /* command and arguments (borrowed) */
	const char *label;   /* COVRUN_LABEL for it, or NULL to inherit */
	pid_t pid;           /* set when started */
	int started, done;
	int status;          /* exit status, 128+signal when killed */
	int exec_errno;      /* errno when it could not be started, else 0 */
};

/* What happened in a run as a whole. */
struct collect_result {
	int stopped;          /* --max-processes stopped the run */
	int interrupted;      /* signal forwarded to the command, else 0 */
	uint64_t images;      /* images counted by the shim */
	size_t still_running; /* processes alive when covrun stopped waiting */
	int64_t start_ns;     /* wall clock at start */
};

/* Hooks the launcher calls to tell the user things (never NULL). */
struct collect_ui {
	void (*warn)(const char *fmt, ...) CR_PRINTF(1, 2);
	void (*note)(const char *fmt, ...) CR_PRINTF(1, 2);
};

/* Prepare the run directory: hold it (DIR/lock, common/lock.c: another
 * covrun there fails with CR_EBUSY naming its pid), then create it, or
 * move or remove an earlier run; only a provable covrun run is ever moved
 * or removed, and DIR.prev is replaced only when it is one.  The absolute
 * path is stored in *ABS_DIR (caller frees); *LOCK_FD holds the directory
 * until the caller closes it (or exits). */
enum cr_err collect_prepare_dir(const struct collect_opts *opts,
				char **abs_dir, int *lock_fd,
				const struct collect_ui *ui,
				struct cr_error *err) CR_WUR;

/* Run JOBS under the shim with run directory ABS_DIR, at most PARALLEL at
 * once, forwarding SIGINT/SIGTERM/SIGHUP, then wait for every descendant
 * (covrun is a child subreaper) up to opts->wait_descendants seconds.
 * Fails only when covrun itself could not work; a command that cannot be
 * started is reported in its job's exec_errno. */
enum cr_err collect_run_jobs(const struct collect_opts *opts,
			     const char *abs_dir, struct collect_job *jobs,
			     size_t njobs, int parallel,
			     const struct collect_ui *ui,
			     struct collect_result *result,
			     struct cr_error *err) CR_WUR;

/* Find CMD as execvp would (a name without '/' is searched in PATH):
 * 0 with *PATH set (caller frees), or ENOENT (not found) or EACCES (no
 * file we may execute).  covrun resolves a command before it touches the
 * run directory, so a typo destroys nothing. */
int collect_resolve_command(const char *cmd, char **path);

/* Path of the shim next to the running covrun binary (caller frees), or
 * NULL with ERR filled when it is not there. */
char *collect_find_shim(struct cr_error *err);

/* Warnings after a run: every image whose record does not say its
 * counters were written (with the reason: lost, killed while writing,
 * ended without a trace, still running), gcda written outside the run
 * directory since START_NS (wall clock). */
void collect_check_losses(const char *abs_dir, int64_t start_ns,
			  const struct collect_ui *ui);

#endif /* COVRUN_COLLECT_H */
