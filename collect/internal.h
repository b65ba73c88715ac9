/* SPDX-License-Identifier: MIT
 * collect/internal.h: declarations shared by the pieces of the preload shim
 * and the static runtime (shim.c, syscalls.c, gcovsym.c, recwrite.c).
 * Only collect/ includes this file.
 *
 * Everything here runs inside the user's processes, possibly in a signal
 * handler or in the child of a fork of a multi-threaded program: no malloc,
 * no stdio, no locks, nothing that can abort the host.
 */
#ifndef COVRUN_COLLECT_INTERNAL_H
#define COVRUN_COLLECT_INTERNAL_H

#include <signal.h>
#include <spawn.h>
#include <stddef.h>
#include <stdio.h>
#include <stdint.h>
#include <sys/types.h>

/* ---- syscalls.c: the real functions behind the ones the shim wraps ---- */

struct real_calls {
	int (*execve)(const char *, char *const[], char *const[]);
	int (*execvpe)(const char *, char *const[], char *const[]);
	int (*fexecve)(int, char *const[], char *const[]);
	int (*posix_spawn)(pid_t *, const char *,
			   const posix_spawn_file_actions_t *,
			   const posix_spawnattr_t *, char *const[],
			   char *const[]);
	int (*posix_spawnp)(pid_t *, const char *,
			    const posix_spawn_file_actions_t *,
			    const posix_spawnattr_t *, char *const[],
			    char *const[]);
	int (*sigaction)(int, const struct sigaction *, struct sigaction *);
	int (*system)(const char *);
	FILE *(*popen)(const char *, const char *);
	void (*exit_)(int); /* never returns */
	pid_t (*vfork)(void);
	int (*open)(const char *, int, ...);
	int (*open64)(const char *, int, ...);
	FILE *(*fdopen)(int, const char *);
	int (*close)(int);
};
extern struct real_calls real;
/* Resolve the table with dlsym(RTLD_NEXT); idempotent. */
void real_calls_init(void);

/* ---- gcovsym.c: each loaded object's gcov entry points --------------- */

/* Rescan loaded objects when the set changed since the last scan. */
void gcovsym_refresh(void);
/* Use the run's cache of objects without instrumented code (rundir.h:
 * RUNDIR_HOT_SLOTS, then RUNDIR_OBJECTS_SLOTS struct rundir_object in the
 * mapped counter file). */
void gcovsym_use_cache(void *hot_slots, void *slots);
/* The executable's file as found by the path it was run by (ST): the
 * object cache is asked about it first (a hint: see scan_file). */
struct stat;
void gcovsym_exe_file(const struct stat *st);
/* Whether the run's cache says the file ST is a leaf program, which runs
 * untraced (gcovsym.c, "leaf programs"). */
int gcovsym_leaf_file(const struct stat *st);
/* Is any loaded object instrumented (as of the last scan)? */
int gcovsym_instrumented(void);
/* Whether the code at PC belongs to an instrumented object (1 when it
 * belongs to no object the loader knows). */
int gcovsym_instrumented_at(const void *pc);
/* Name of the I-th instrumented object that has no symbol table (""
 * for the executable), or NULL after the last. */
const char *gcovsym_stripped(size_t i);
/* Write every instrumented object's counters now (libgcov's own code). */
void gcovsym_dump_all(void);
/* Zero every counter and clear "already dumped", as __gcov_reset does. */
void gcovsym_reset_all(void);
/* Mark every object "already dumped" (GCC's libgcov), so that neither
 * gcovsym_dump_all nor libgcov's exit-time dump writes anything. */
void gcovsym_skip_dumps(void);

/* ---- recwrite.c: allocation-free text building ------------------------ */

struct outbuf {
	char *p;      /* start of the buffer */
	size_t len;   /* bytes used */
	size_t cap;   /* capacity */
	int overflow; /* set once something did not fit */
};
void out_str(struct outbuf *o, const char *s);
void out_mem(struct outbuf *o, const char *s, size_t n);
void out_u64(struct outbuf *o, uint64_t v);
void out_i64(struct outbuf *o, int64_t v);
void out_hex(struct outbuf *o, uint64_t v, int width);
/* Append S with record escaping (\\, \n, \t, \xHH for control bytes). */
void out_escaped(struct outbuf *o, const char *s);
/* Terminate with NUL (truncating if needed). */
void out_end(struct outbuf *o);

/* Write LEN bytes to PATH atomically (temporary name, then rename);
 * returns 0 or -1.  Async-signal-safe. */
int write_atomic(const char *path, const char *tmp, const char *data,
		 size_t len);

/* Append one frame of KIND whose payload is the NPARTS (at most 7)
 * pieces PARTS, with one writev(); 0, or -1 when it was not written
 * whole.  Async-signal-safe. */
struct iovec;
int frame_write(int fd, char kind, const struct iovec *parts, int nparts);
/* Whether the gcda image DATA[0..N) has a non-zero arc counter (1 when
 * unsure).  Async-signal-safe. */
int gcda_has_counts(const void *data, size_t n);
/* The gcda image DATA[0..N) (GCC 11 or 12) written into OUT (CAP bytes,
 * at least N + 16) with the records of its functions whose counters are
 * all zero replaced by one TAG_COVRUN_ZERO record of their idents
 * (docs/gcov-format.md, section 3): its new size, or 0 when it is to be
 * written as it is (another version or layout, no such function).
 * Async-signal-safe. */
size_t gcda_strip_zero(const void *data, size_t n, void *out, size_t cap);

#endif /* COVRUN_COLLECT_INTERNAL_H */
