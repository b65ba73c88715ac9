/* SPDX-License-Identifier: MIT
 * rundir/rundir.h: the run directory's one owner (docs/run-directory.md).
 *
 * Every name inside a run directory, the frame format of the journal and
 * of the data files, and the rules that recognise a run are defined here
 * and nowhere else.  The format section below is header-only so that the
 * shim (collect/shim.c), which links nothing of covrun's, writes frames by
 * the same definition the readers check them with.
 */
#ifndef COVRUN_RUNDIR_H
#define COVRUN_RUNDIR_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* ======================= format (shared with the shim) ================= */

#define RUNDIR_FORMAT 3
#define RUNDIR_RUN_MAGIC_V1 "covrun-run 1"
#define RUNDIR_RUN_MAGIC_V2 "covrun-run 2"
#define RUNDIR_RUN_MAGIC "covrun-run 3"

/* Names inside a run directory. */
#define RUNDIR_LOCK "lock"
#define RUNDIR_INFO "run.info"
#define RUNDIR_COUNTER "counter"
#define RUNDIR_JOURNAL "journal"        /* process records and counters */
#define RUNDIR_JOURNAL_Z "journal.z"    /* its start, compacted (zlib) */
#define RUNDIR_JOURNAL_ZX "journal.zx"  /* "<X> <L>\n": journal.z's first
					 * L bytes are the journal's first X */
#define RUNDIR_DATA "data"              /* format 2: data/<image> */
#define RUNDIR_IMG "img"                /* img/<image>/<gcda path> */
#define RUNDIR_PROC "proc"              /* format 1: proc/<image>.rec */
#define RUNDIR_UNATTRIBUTED "unattributed"
#define RUNDIR_FOLD "fold"
#define RUNDIR_FOLD_CURRENT "current"  /* fold/current: "N\n" */
#define RUNDIR_FOLD_TAKEN "taken"      /* fold/<N>/taken/ */
#define RUNDIR_FOLD_MARK "mark"        /* fold/<N>/mark: "<W>\n", then
					* ids of images it holds part of */
#define RUNDIR_CONTEXTS "contexts"      /* merged directory: its contexts */
#define RUNDIR_CTX "ctx"                /* merged directory: ctx/<context> */
#define RUNDIR_RUNS "runs"              /* merged directory: "covrun-runs 1",
					 * then the id of each run it holds */
#define RUNDIR_RUNS_MAGIC "covrun-runs 1"
#define RUNDIR_FOLD_IMAGES_V1 "images"  /* format 1: fold/<N>/images */

/* Process records (README.md, "Process records"): the keys and values the
 * shim writes and collect/record.c reads, defined once.  Value lists are
 * in enum order (enum collect_how, collect_role, collect_end). */
#define REC_ID "id"
#define REC_PID "pid"
#define REC_PPID "ppid"
#define REC_PARENT "parent"
#define REC_HOW "how"
#define REC_ROLE "role"
#define REC_EXE "exe"
#define REC_CWD "cwd"
#define REC_LABEL "label"
#define REC_START "start"
#define REC_ARG "arg"
#define REC_ARGV_TRUNCATED "argv-truncated"
#define REC_INSTRUMENTED "instrumented"
#define REC_STRIPPED "stripped"
#define REC_END "end"
#define REC_FINISH "finish"
#define REC_DUMPED "dumped"
#define REC_LOST "lost"
#define REC_UNTRACED "untraced"   /* 1: run without the shim (a leaf) */
#define REC_WITHDRAWN "withdrawn" /* 1: its exec failed: no such image */
#define REC_HOW_NAMES { "root", "fork", "exec", "spawn", "unknown" }
#define REC_ROLE_NAMES { "root", "child", "unattributed" }
#define REC_END_NAMES { "", "exit", "_exit", "signal", "exec" }
#define REC_END_NONE "none" /* an end taken back: an exec that failed */

/* The counter file, shared by every image of a run through mmap: the
 * run's counters in its first page (images started, processes alive),
 * then a cache of the objects an image found to hold no instrumented code,
 * so that the next images need one stat() of such an object instead of
 * reading its symbol table (docs/run-directory.md, "Counter file"). */
#define RUNDIR_COUNTER_PAGE 4096
#define RUNDIR_OBJECTS_SLOTS 2048
struct rundir_object {
	uint64_t dev, ino, size, ctime_ns;
	uint64_t check; /* rundir_object_check of the rest: the entry is whole */
};
/* The first page, after the two counters: the first objects the run
 * entered, looked up before the cache.  Every image writes that page (the
 * counters), so the objects nearly every image loads (libc, the shell)
 * cost it no page of the cache to fault in. */
#define RUNDIR_HOT_OFFSET 64
#define RUNDIR_HOT_SLOTS \
	((RUNDIR_COUNTER_PAGE - RUNDIR_HOT_OFFSET) / sizeof(struct rundir_object))
/* After the cache: the gcda paths (rundir_hash64, never 0) of which some
 * image wrote an all-zero gcda: the first image that finds an object all
 * zero writes it anyway, so that every object a process loaded appears in
 * the reports, as with gcov; the next ones write nothing for it. */
#define RUNDIR_ZERO_SLOTS 8192
#define RUNDIR_ZERO_OFFSET \
	(RUNDIR_COUNTER_PAGE + RUNDIR_OBJECTS_SLOTS * sizeof(struct rundir_object))
#define RUNDIR_COUNTER_SIZE \
	(RUNDIR_ZERO_OFFSET + RUNDIR_ZERO_SLOTS * sizeof(uint64_t))

/* Frames: "@<kind> <length> <hash>\n" then LENGTH bytes of payload. */
#define RUNDIR_FRAME_RECORD 'r'         /* journal entry */
#define RUNDIR_FRAME_GCDA 'g'           /* data file entry: path NUL gcda */
#define RUNDIR_FRAME_DATA 'd'           /* journal entry: image id NUL
					 * path NUL gcda */
#define RUNDIR_FRAME_HEAD_MAX 40        /* "@g " 20 digits " " 8 hex "\n": 33 */

/* FNV-1a continued over more bytes: the hash of a payload written in
 * pieces (rundir_hash_more(rundir_hash(a, n), b, m) hashes a then b). */
static inline uint32_t rundir_hash_more(uint32_t h, const void *p, size_t n)
{
	const unsigned char *s = p;

	for (size_t i = 0; i < n; i++) {
		h ^= s[i];
		h *= 16777619u;
	}
	return h;
}

/* FNV-1a, 32 bits: the hash that tells a frame cut short from a whole one
 * (docs/run-directory.md, "Frames").  Async-signal-safe. */
static inline uint32_t rundir_hash(const void *p, size_t n)
{
	return rundir_hash_more(2166136261u, p, n);
}


/* A 64-bit hash of a gcda path for the zero table: never 0 (free). */
static inline uint64_t rundir_hash64(const char *s)
{
	uint64_t h = 1469598103934665603u;

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211u;
	}
	return h ? h : 1;
}

/* The check word of an object cache entry: never 0 (free) or 1 (being
 * written by an image that may have died doing so). */
static inline uint64_t rundir_object_check(const struct rundir_object *o)
{
	uint32_t lo = rundir_hash(o, 4 * sizeof(uint64_t));
	uint32_t hi = rundir_hash_more(lo, &o->dev, sizeof(o->dev));

	return ((uint64_t)hi << 32 | lo) | 2;
}

/* Format the header of a frame of KIND whose LEN-byte payload hashes to
 * HASH (rundir_hash) into HEAD; returns its length.  The one writer of
 * frame headers (docs/run-directory.md, "Frames").  Async-signal-safe. */
static inline size_t rundir_frame_head_format(char head[RUNDIR_FRAME_HEAD_MAX],
					      char kind, uint64_t len,
					      uint32_t hash)
{
	static const char hex[] = "0123456789abcdef";
	char digits[20];
	size_t n = 0, nd = 0;

	head[n++] = '@';
	head[n++] = kind;
	head[n++] = ' ';
	do
		digits[nd++] = (char)('0' + len % 10);
	while ((len /= 10) && nd < sizeof(digits));
	while (nd)
		head[n++] = digits[--nd];
	head[n++] = ' ';
	for (int i = 7; i >= 0; i--)
		head[n + (size_t)i] = hex[(hash >> (4 * (7 - i))) & 15];
	n += 8;
	head[n++] = '\n';
	return n;
}

/* One frame of a journal or data file, as rundir_next_frame finds it. */
struct rundir_frame {
	char kind;            /* RUNDIR_FRAME_RECORD or RUNDIR_FRAME_GCDA */
	const char *payload;  /* inside the caller's buffer */
	size_t len;
	size_t offset;        /* of its header line */
};

/* A "@d" frame F: *ID (its image, NUL-terminated in the payload) and
 * the rest, "path NUL gcda" as in a "@g" frame (*REST, *LEN).  0, or -1
 * when F is no such frame. */
static inline int rundir_data_frame(const struct rundir_frame *f,
				    const char **id, const char **rest,
				    size_t *len)
{
	const char *nul;

	if (f->kind != RUNDIR_FRAME_DATA ||
	    !(nul = (const char *)memchr(f->payload, '\0', f->len)) ||
	    nul == f->payload)
		return -1;
	*id = f->payload;
	*rest = nul + 1;
	*len = f->len - (size_t)(nul + 1 - f->payload);
	return 0;
}

/* Parse the header "@<kind> <length> <hash>\n" at BUF[AT]: the offset of
 * the payload, with F's kind and length set, or 0 when it is no header. */
static inline size_t rundir_frame_head(const char *buf, size_t size,
				       size_t at, struct rundir_frame *f)
{
	size_t p = at + 3, len = 0, digits = 0;

	if (size - at < 4 || buf[at] != '@' || buf[at + 2] != ' ')
		return 0;
	for (; p < size && buf[p] >= '0' && buf[p] <= '9' && digits < 20;
	     p++, digits++)
		len = len * 10 + (size_t)(buf[p] - '0');
	if (!digits || p + 10 > size || buf[p] != ' ' || buf[p + 9] != '\n')
		return 0;
	f->kind = buf[at + 1];
	f->len = len;
	f->offset = at;
	return p + 10;
}

/* The hash written in the header whose payload starts at BODY. */
static inline int rundir_frame_hash_ok(const char *buf, size_t body,
				       const struct rundir_frame *f)
{
	static const char digits[] = "0123456789abcdef";
	uint32_t h = rundir_hash(buf + body, f->len);

	for (int i = 7; i >= 0; i--, h >>= 4)
		if (buf[body - 2 - (7 - i)] != digits[h & 15])
			return 0;
	return 1;
}

/* The next frame of BUF from *AT (docs/run-directory.md, "Frames"):
 * 1 with F set and *AT past it, 0 at the end, -1 for a frame cut short or
 * damaged at F->offset, *AT then at the next '@': a frame cut short need
 * not end its line, and the frame after it starts where it stops. */
static inline int rundir_next_frame(const char *buf, size_t size,
				    size_t *at, struct rundir_frame *f)
{
	size_t body;

	if (*at >= size)
		return 0;
	body = rundir_frame_head(buf, size, *at, f);
	if (body && f->len <= size - body && rundir_frame_hash_ok(buf, body, f)) {
		f->payload = buf + body;
		*at = body + f->len;
		return 1;
	}
	f->offset = *at;
	for ((*at)++; *at < size; (*at)++)
		if (buf[*at] == '@')
			break;
	return -1;
}

/* ======================= the module (rundir.c, not for the shim) ======= */

#include "common/common.h"

/* What a directory is, by one rule (docs/run-directory.md):
 *   RUN      run.info is a regular file starting with RUNDIR_RUN_MAGIC_V1
 *            or RUNDIR_RUN_MAGIC;
 *   MERGED   a contexts file: written by covrun merge (or a fold);
 *   PARTS    no run.info, but process records (proc/ or journal): a run
 *            directory put together by hand or cut short, readable as a
 *            run, never moved or removed;
 *   NONE     anything else. */
enum rundir_kind { RUNDIR_KIND_NONE, RUNDIR_KIND_RUN, RUNDIR_KIND_MERGED,
		   RUNDIR_KIND_PARTS };
enum rundir_kind rundir_recognise(const char *dir);
/* Format of the run in DIR: 1 or 2 from run.info, 0 when not a run. */
int rundir_format(const char *dir);
/* A run's identity: the "start" value of its run.info (the wall-clock
 * nanosecond covrun started it at), which a copy or a bundle of the run
 * keeps.  From run.info's TEXT (LEN bytes) into ID (SIZE bytes): 0, or -1
 * when it has none. */
int rundir_info_id(const char *text, size_t len, char *id, size_t size);
/* The same read from DIR/run.info. */
int rundir_run_id(const char *dir, char *id, size_t size);
/* A run covrun may move or remove: RUN, and a real directory (not a
 * link) owned by the user running covrun, whose run.info is a regular
 * file (README.md, "What covrun moves or removes"). */
int rundir_is_ours(const char *dir);

/* Path names (caller frees): NAME (one of the names above) inside DIR;
 * the record of image ID (format 1); the data of image ID, a directory
 * img/<id> (format 1, static programs) or a file data/<id> (format 2).
 * An image's data is taken, read and deleted through these only. */
char *rundir_path(const char *dir, const char *name);
char *rundir_record_file(const char *dir, const char *id);
char *rundir_image_dir(const char *dir, const char *id);
char *rundir_data_file(const char *dir, const char *id);

/* Create the subdirectories and the counter of a new run in DIR (which
 * exists and is held). */
enum cr_err rundir_create(const char *dir, struct cr_error *err) CR_WUR;
/* Hold DIR (common/lock.c): CR_EBUSY when another covrun holds it. */
enum cr_err rundir_lock(const char *dir, int *lock_fd,
			struct cr_error *err) CR_WUR;
/* Pid of the covrun holding DIR, or 0. */
pid_t rundir_lock_holder(const char *dir);

/* ---- records: what was added since the last look ----------------------
 * RUNDIR_RECORDS_SINCE calls EACH for every record text that is new or
 * may have changed since CUR was last passed: format 1 re-reads
 * proc/<id>.rec of every image WANT(arg, id) still asks for (WHOLE = 1:
 * the text replaces what was known); formats 2 and 3 read the journal
 * from CUR's offset (WHOLE = 0: the text adds to what was known, later
 * keys win), and DATA (when not NULL) is called for each "@d" frame, in
 * journal order, with the frame's image ID, REST ("path NUL gcda", LEN
 * bytes) and its journal OFFSET.  At most MAX_READ bytes of the journal
 * are read at a time (0: all; a longer frame is read whole); *MORE is set
 * when more is there.  CUR starts zeroed. */
struct rundir_cursor {
	uint64_t journal_offset;
	uint64_t max_read;
	int more;
};
typedef int (*rundir_want_fn)(void *arg, const char *id);
typedef void (*rundir_record_fn)(void *arg, const char *id, const char *text,
				 size_t len, int whole);
typedef void (*rundir_data_fn)(void *arg, const char *id, const char *rest,
			       size_t len, uint64_t offset);
enum cr_err rundir_records_since(const char *dir, struct rundir_cursor *cur,
				 rundir_want_fn want, rundir_record_fn each,
				 rundir_data_fn data, void *arg,
				 struct cr_error *err) CR_WUR;
/* The journal of DIR from offset FROM (or from where its compacted start
 * ends, when that is later) to its end: *BUF (caller frees; NULL when
 * empty), *LEN, and *AT, the journal offset of *BUF's first byte.  Its
 * "@d" frames are read there and only there: compaction leaves them out
 * (docs/run-directory.md, "Journal compaction"). */
enum cr_err rundir_journal_from(const char *dir, uint64_t from, char **buf,
				size_t *len, uint64_t *at,
				struct cr_error *err) CR_WUR;

/* ---- journal compaction (docs/run-directory.md, "Journal compaction") --
 * The fold, the one compactor of a run, moves the journal's start into
 * journal.z (one zlib stream, flushed at each step and appended to)
 * without its "@d" frames (which a fold generation holds), then records
 * in journal.zx how far it goes, then frees the journal's blocks below
 * that (a hole: offsets stay, concurrent appends go on).  A reader reads
 * journal.z up to what journal.zx says, then the journal from there. */
/* The whole journal of DIR as one text (caller frees *BUF; *LEN 0 and
 * *BUF NULL without one).  A damaged journal.z: CR_ECORRUPT naming it,
 * with *BUF, *LEN the rest of the journal (to read, after a warning). */
enum cr_err rundir_journal_read(const char *dir, char **buf, size_t *len,
				struct cr_error *err) CR_WUR;
/* Inflate ZLEN bytes of journal.z (a flushed zlib stream, perhaps without
 * its end; at most MAX bytes inflated) into OUT as the journal frames they
 * stand for: 0, or -1 when damaged or larger.  *STREAM (when not NULL):
 * the bytes the stream inflated to, which journal.zx's third number
 * names. */
int rundir_journal_z_inflate(const void *z, size_t zlen, size_t max,
			     struct cr_buf *out, size_t *stream);
/* journal.zx's TEXT (NUL-terminated): *X, *L, *N (rundir.c, read_zx);
 * 0, or -1 when it is not one. */
int rundir_journal_zx_parse(const char *text, uint64_t *x, uint64_t *l,
			    uint64_t *n);
struct rundir_compactor;
struct rundir_compactor *rundir_compactor_new(const char *dir);
/* Compact the journal up to UPTO, the end of a whole frame, at most the
 * mark of the current fold generation (its "@d" frames below UPTO are
 * dropped).  An error leaves the directory readable and the compactor
 * stopped for good. */
enum cr_err rundir_journal_compact(struct rundir_compactor *c, uint64_t upto,
				   struct cr_error *err) CR_WUR;
/* How far the journal is compacted. */
uint64_t rundir_compacted(const struct rundir_compactor *c);
void rundir_compactor_free(struct rundir_compactor *c);

/* ---- fold generations (docs/run-directory.md, "Fold") -----------------
 * fold/current names generation N (0: none); fold/<N>/ holds the
 * aggregate (contexts, ctx/).  Making N+1: images' data are taken
 * (renamed) into fold/<N+1>/taken/{img,data}/<id>, summed, the aggregate
 * written to fold/<N+1>, fold/current switched to N+1, then fold/<N> and
 * fold/<N+1>/taken deleted.  A reader counts fold/<current>, the images
 * still in img/ and data/, and every fold/<M>/taken with M > current. */
long rundir_fold_current(const char *dir);
/* The generation a fold/current file's TEXT (LEN bytes) names, 0 when
 * it names none. */
long rundir_fold_parse_current(const char *text, size_t len);
char *rundir_fold_dir(const char *dir, long gen);
/* fold/<gen>/taken: laid out as a run directory's img/ and data/. */
char *rundir_fold_taken(const char *dir, long gen);
/* Generations M > CURRENT that hold taken images, ascending (caller
 * frees *GENS); returns how many. */
size_t rundir_fold_pending(const char *dir, long current, long **gens);
/* Move image ID's data (img/<id>, data/<id>) into fold/<GEN>/taken;
 * *TAKEN is set when there was some.  Atomic per file (rename). */
enum cr_err rundir_fold_take(const char *dir, const char *id, long gen,
			     int *taken, struct cr_error *err) CR_WUR;
/* fold/<N>/mark (docs/run-directory.md, "Fold"): generation N holds
 * every "@d" frame of the journal below its mark W, and, of the images
 * listed (OPEN), perhaps frames after W too: readers count their frames
 * after W but not the images again.  rundir_fold_mark_write writes it in
 * GENDIR; rundir_fold_mark_parse reads TEXT (LEN bytes): *W, and the ids
 * put in OPEN (may be NULL).  rundir_fold_mark_read reads GENDIR's: 0,
 * or -1 (*W 0) when it is missing (a generation of format 2, whose
 * journal has no "@d" frame) or damaged. */
enum cr_err rundir_fold_mark_write(const char *gendir, uint64_t w,
				   char *const *open, size_t nopen,
				   struct cr_error *err) CR_WUR;
int rundir_fold_mark_parse(const char *text, size_t len, uint64_t *w,
			   struct strmap *open);
int rundir_fold_mark_read(const char *gendir, uint64_t *w,
			  struct strmap *open);
/* Make GEN the current generation (atomic). */
enum cr_err rundir_fold_switch(const char *dir, long gen,
			       struct cr_error *err) CR_WUR;
/* After the switch to GEN: delete fold/<GEN-1> and fold/<GEN>/taken
 * (never read again; a failure is harmless). */
void rundir_fold_clean(const char *dir, long gen);

#endif
