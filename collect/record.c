/* SPDX-License-Identifier: MIT
 * collect/record.c: reading process records and run directories.
 *
 * The shim (collect/shim.c) writes one record per process image, as text:
 * a first line "covrun-record 1", then one "key value" line per field,
 * values escaped (\\, \n, \t, \xHH).  Keys this version does not know are
 * skipped, so later versions can add fields.  The shim appends the end of
 * an image to its record: a later value of a key replaces an earlier one,
 * and a last line without its newline (an append cut short) is ignored.
 * The format is documented in README.md and docs/run-directory.md.  This
 * file turns records back into struct collect_record and loads every
 * record of a run directory, from its journal (format 2) and proc/
 * (format 1).
 */
#define _GNU_SOURCE
#include "collect/collect.h"
#include "rundir/rundir.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Undo the shim's escaping of one value of N bytes. */
static char *unescape(const char *s, size_t n)
{
	char *out = cr_xmalloc(n + 1), *o = out;

	for (size_t i = 0; i < n; i++) {
		if (s[i] != '\\' || i + 1 == n) {
			*o++ = s[i];
			continue;
		}
		char c = s[++i];
		if (c == 'n') {
			*o++ = '\n';
		} else if (c == 't') {
			*o++ = '\t';
		} else if (c == 'x' && i + 2 < n && hexval(s[i + 1]) >= 0 &&
			   hexval(s[i + 2]) >= 0) {
			*o++ = (char)(hexval(s[i + 1]) * 16 + hexval(s[i + 2]));
			i += 2;
		} else {
			*o++ = c;
		}
	}
	*o = '\0';
	return out;
}

static int parse_i64(const char *s, int64_t *out)
{
	char *end;

	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (errno || end == s || *end)
		return -1;
	*out = v;
	return 0;
}

static int lookup(const char *v, const char *const *names, int n)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(v, names[i]))
			return i;
	return -1;
}

static const char *const how_names[] = REC_HOW_NAMES;
static const char *const role_names[] = REC_ROLE_NAMES;

/* How an image ended, by enum collect_end ("" for none). */
static const char *const end_kinds[] = REC_END_NAMES;

/* Apply the "end" field: "exit N", "_exit N", "signal N" or "exec". */
static int parse_end(struct collect_record *rec, const char *v)
{
	const char *const *kinds = end_kinds;
	const char *sp = strchr(v, ' ');
	size_t n = sp ? (size_t)(sp - v) : strlen(v);
	int64_t st = 0;

	if (!strcmp(v, REC_END_NONE)) { /* taken back: an exec that failed */
		rec->end = COLLECT_END_NONE;
		rec->status = 0;
		return 0;
	}

	for (int k = 1; k < 5; k++) {
		if (strlen(kinds[k]) != n || strncmp(v, kinds[k], n))
			continue;
		if (k != COLLECT_END_EXEC && (!sp || parse_i64(sp + 1, &st)))
			return -1;
		rec->end = (enum collect_end)k;
		rec->status = (int)st;
		return 0;
	}
	return -1;
}

static void push(char ***list, int *n, size_t *alloc, const char *val,
		 int unique)
{
	for (int i = 0; unique && i < *n; i++)
		if (!strcmp((*list)[i], val))
			return; /* repeated by a later update of the record */
	CR_GROW(*list, (size_t)*n + 2, *alloc);
	(*list)[(*n)++] = cr_xstrdup(val);
	(*list)[*n] = NULL;
}

/* Apply one "key value" line; -1 when the value is malformed. */
static int apply_field(struct collect_record *rec, const char *key,
		       char *val, size_t *argv_alloc, size_t *str_alloc,
		       int *nstripped)
{
	int64_t num;
	int k;

	if (!strcmp(key, REC_ID)) {
		free(rec->id);
		rec->id = cr_xstrdup(val);
	} else if (!strcmp(key, REC_PARENT)) {
		free(rec->parent);
		rec->parent = cr_xstrdup(val);
	} else if (!strcmp(key, REC_PID) || !strcmp(key, REC_PPID)) {
		if (parse_i64(val, &num))
			return -1;
		*(key[1] == 'p' ? &rec->ppid : &rec->pid) = (pid_t)num;
	} else if (!strcmp(key, REC_HOW)) {
		k = lookup(val, how_names, 5);
		rec->how = k < 0 ? COLLECT_HOW_UNKNOWN : (enum collect_how)k;
	} else if (!strcmp(key, REC_ROLE)) {
		if ((k = lookup(val, role_names, 3)) < 0)
			return -1;
		rec->role = (enum collect_role)k;
	} else if (!strcmp(key, REC_INSTRUMENTED)) {
		rec->instrumented = !strcmp(val, "1");
	} else if (!strcmp(key, REC_EXE) || !strcmp(key, REC_CWD) ||
		   !strcmp(key, REC_LABEL)) {
		char **slot = key[0] == 'e' ? &rec->exe
			      : key[0] == 'c' ? &rec->cwd : &rec->label;
		free(*slot);
		*slot = cr_xstrdup(val);
	} else if (!strcmp(key, REC_START) || !strcmp(key, REC_FINISH) ||
		   !strcmp(key, REC_DUMPED)) {
		if (parse_i64(val, &num))
			return -1;
		*(key[0] == 's' ? &rec->start_ns
		  : key[0] == 'f' ? &rec->end_ns : &rec->dumped_ns) = num;
	} else if (!strcmp(key, REC_LOST)) {
		free(rec->lost);
		/* empty: taken back (an exec that failed, in a journal) */
		rec->lost = val[0] ? cr_xstrdup(val) : NULL;
	} else if (!strcmp(key, REC_ARG)) {
		push(&rec->argv, &rec->argc, argv_alloc, val, 0);
	} else if (!strcmp(key, REC_STRIPPED)) {
		push(&rec->stripped, nstripped, str_alloc, val, 1);
	} else if (!strcmp(key, REC_UNTRACED) || !strcmp(key, REC_WITHDRAWN)) {
		*(key[0] == 'u' ? &rec->untraced : &rec->withdrawn) =
			!strcmp(val, "1");
	} else if (!strcmp(key, REC_ARGV_TRUNCATED)) {
		rec->argv_truncated = 1;
	} else if (!strcmp(key, REC_END)) {
		return parse_end(rec, val);
	}
	return 0; /* unknown keys belong to later versions */
}

/* Parsing state of one record across the entries that make it. */
struct rec_state {
	size_t argv_alloc, str_alloc;
	int nstripped;
	int args_reset; /* the current entry has begun a new argv */
};

/* Apply the "key value" lines of TEXT[0..LEN) to REC; a last line without
 * its newline (an update cut short) is ignored.  Returns the offset of a
 * malformed line (with *WHY set), or -1. */
static long apply_lines(struct collect_record *rec, struct rec_state *st,
			const char *text, size_t len, char *key, size_t ksize)
{
	const char *p = text, *end = text + len;

	st->args_reset = 0;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			break;
		const char *sp = memchr(p, ' ', (size_t)(nl - p));
		if (!sp) {
			snprintf(key, ksize, "%s", "");
			return p - text;
		}
		size_t klen = (size_t)(sp - p);
		snprintf(key, ksize, "%.*s", (int)klen, p);
		if (!strcmp(key, "arg") && !st->args_reset) {
			/* a whole record written again (an exec that
			 * failed) replaces the argument list */
			for (int i = 0; i < rec->argc; i++)
				free(rec->argv[i]);
			rec->argc = 0;
			if (rec->argv)
				rec->argv[0] = NULL;
			st->args_reset = 1;
		}
		char *val = unescape(sp + 1, (size_t)(nl - sp - 1));
		int bad = apply_field(rec, key, val, &st->argv_alloc,
				      &st->str_alloc, &st->nstripped);
		free(val);
		if (bad)
			return p - text;
		p = nl + 1;
	}
	return -1;
}

/* Defaults for fields no entry gave; -1 without an id. */
static int finish_record(struct collect_record *rec)
{
	if (!rec->id || !rec->id[0])
		return -1;
	if (rec->lost && !rec->lost[0]) { /* "lost" cleared (exec failed) */
		free(rec->lost);
		rec->lost = NULL;
	}
	if (!rec->parent) rec->parent = cr_xstrdup("");
	if (!rec->exe) rec->exe = cr_xstrdup("");
	if (!rec->cwd) rec->cwd = cr_xstrdup("");
	if (!rec->label) rec->label = cr_xstrdup("");
	if (!rec->argv)
		rec->argv = cr_xcalloc(1, sizeof(char *));
	if (!rec->stripped)
		rec->stripped = cr_xcalloc(1, sizeof(char *));
	return 0;
}

static void record_init(struct collect_record *rec)
{
	memset(rec, 0, sizeof(*rec));
	rec->how = COLLECT_HOW_UNKNOWN;
}

enum cr_err collect_record_parse(const char *text, size_t len,
				 const char *path, struct collect_record *rec,
				 struct cr_error *err)
{
	size_t magic = strlen(COLLECT_RECORD_MAGIC);
	struct rec_state st = { 0 };
	char key[32];
	long bad;

	record_init(rec);
	if (len < magic + 1 || memcmp(text, COLLECT_RECORD_MAGIC, magic) ||
	    text[magic] != '\n')
		return cr_error_set(err, CR_ECORRUPT, path, 0,
				    "not a covrun process record");
	bad = apply_lines(rec, &st, text + magic + 1, len - magic - 1, key,
			  sizeof(key));
	if (bad >= 0) {
		collect_record_release(rec);
		return cr_error_set(err, CR_ECORRUPT, path,
				    bad + (long)magic + 1, key[0]
				    ? "bad value for '%s'" : "malformed record "
				    "line%s", key);
	}
	if (finish_record(rec)) {
		collect_record_release(rec);
		return cr_error_set(err, CR_ECORRUPT, path, -1,
				    "record has no image id");
	}
	return CR_OK;
}

void collect_record_release(struct collect_record *rec)
{
	free(rec->id);
	free(rec->parent);
	free(rec->exe);
	free(rec->cwd);
	free(rec->label);
	free(rec->lost);
	for (int i = 0; rec->argv && i < rec->argc; i++)
		free(rec->argv[i]);
	free(rec->argv);
	for (int i = 0; rec->stripped && rec->stripped[i]; i++)
		free(rec->stripped[i]);
	free(rec->stripped);
	memset(rec, 0, sizeof(*rec));
}

static int by_start(const void *a, const void *b)
{
	const struct collect_record *x = a, *y = b;

	if (x->start_ns != y->start_ns)
		return x->start_ns < y->start_ns ? -1 : 1;
	return strcmp(x->id, y->id);
}

static const struct collect_record *sort_records; /* for by_id_cmp */

static int by_id_cmp(const void *a, const void *b)
{
	return strcmp(sort_records[*(const size_t *)a].id,
		      sort_records[*(const size_t *)b].id);
}

/* Lookups by image id are per image (merge, fold): keep them O(log n). */
static void index_by_id(struct collect_run *run)
{
	run->by_id = cr_xcalloc(run->nrecords + 1, sizeof(size_t));
	for (size_t i = 0; i < run->nrecords; i++)
		run->by_id[i] = i;
	sort_records = run->records;
	if (run->nrecords)
		qsort(run->by_id, run->nrecords, sizeof(size_t), by_id_cmp);
	sort_records = NULL;
}

static int is_record_name(const char *name)
{
	size_t n = strlen(name);
	return name[0] != '.' && n > 4 && !strcmp(name + n - 4, ".rec");
}

/* One "@r" entry of the journal: its image id (the payload's first line,
 * "id <id>") and its place in the journal. */
struct jentry {
	const char *id;
	size_t idlen, seq;
	const char *payload;
	size_t len;
};

static int by_image_then_seq(const void *a, const void *b)
{
	const struct jentry *x = a, *y = b;
	size_t n = x->idlen < y->idlen ? x->idlen : y->idlen;
	int c = memcmp(x->id, y->id, n);

	if (c)
		return c;
	if (x->idlen != y->idlen)
		return x->idlen < y->idlen ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* A record or frame that could not be read: counted, the first one's
 * reason kept (merge/ names it), each one passed to WARN. */
static void note_bad(struct collect_run *run, const struct cr_error *e,
		     void (*warn)(const struct cr_error *))
{
	if (!run->nbad++)
		run->first_bad = *e;
	if (warn)
		warn(e);
}

static void add_record(struct collect_run *run, size_t *alloc,
		       const char *text, size_t len, const char *path,
		       void (*warn)(const struct cr_error *))
{
	struct cr_error e;

	CR_GROW(run->records, run->nrecords + 1, *alloc);
	if (collect_record_parse(text, len, path, &run->records[run->nrecords],
				 &e) == CR_OK) {
		if (run->records[run->nrecords].withdrawn)
			collect_record_release(&run->records[run->nrecords]);
		else
			run->nrecords++;
	} else {
		note_bad(run, &e, warn);
	}
}

/* The entries of one image, in journal order, read as one format-1 record
 * (docs/run-directory.md, "Journal entries"). */
static void add_image(struct collect_run *run, size_t *alloc,
		      const struct jentry *e, size_t n, const char *path,
		      void (*warn)(const struct cr_error *))
{
	size_t magic = strlen(COLLECT_RECORD_MAGIC) + 1, len = magic;
	char *text;

	for (size_t i = 0; i < n; i++)
		len += e[i].len;
	text = cr_xmalloc(len);
	memcpy(text, COLLECT_RECORD_MAGIC "\n", magic);
	len = magic;
	for (size_t i = 0; i < n; i++) {
		memcpy(text + len, e[i].payload, e[i].len);
		len += e[i].len;
	}
	add_record(run, alloc, text, len, path, warn);
	free(text);
}

/* The "@r" entries of the journal BUF; a frame cut short or damaged is
 * counted in nbad and reported once (with its offset). */
static struct jentry *journal_entries(const char *buf, size_t size,
				      const char *path, struct collect_run *run,
				      void (*warn)(const struct cr_error *),
				      size_t *n)
{
	struct jentry *out = NULL;
	struct rundir_frame f;
	size_t at = 0, alloc = 0, nbad = 0;
	int rc;

	*n = 0;
	while ((rc = rundir_next_frame(buf, size, &at, &f)) != 0) {
		if (rc > 0 && f.kind == RUNDIR_FRAME_DATA)
			continue; /* counters, read by merge/ */
		if (rc > 0 && f.kind == RUNDIR_FRAME_RECORD && f.len > 3 &&
		    !memcmp(f.payload, REC_ID " ", 3) &&
		    memchr(f.payload, '\n', f.len)) {
			const char *nl = memchr(f.payload, '\n', f.len);
			CR_GROW(out, *n + 1, alloc);
			out[*n] = (struct jentry){ f.payload + 3,
						   (size_t)(nl - f.payload - 3),
						   *n, f.payload, f.len };
			(*n)++;
			continue;
		}
		if (nbad++ == 0) {
			struct cr_error e;
			cr_error_set(&e, CR_ECORRUPT, path, (long long)f.offset,
				     "journal frame cut short or damaged: "
				     "skipped");
			note_bad(run, &e, warn);
		}
	}
	return out;
}

void collect_journal_parse(const char *buf, size_t size, const char *path,
			   struct collect_run *run, size_t *alloc,
			   void (*warn)(const struct cr_error *))
{
	size_t n, i, j;
	struct jentry *e = journal_entries(buf, size, path, run, warn, &n);

	if (n)
		qsort(e, n, sizeof(*e), by_image_then_seq);
	for (i = 0; i < n; i = j) {
		for (j = i + 1; j < n && e[j].idlen == e[i].idlen &&
				!memcmp(e[j].id, e[i].id, e[i].idlen); j++)
			;
		add_image(run, alloc, e + i, j - i, path, warn);
	}
	free(e);
}

/* The whole journal read, records from FROM on without their start
 * entry lost it (a damaged journal.z): who ran their images is unknown,
 * so they are left out, and the images counted as unattributed. */
static void drop_startless(struct collect_run *run, size_t from,
			   const char *path,
			   void (*warn)(const struct cr_error *))
{
	size_t kept = from;

	for (size_t i = from; i < run->nrecords; i++) {
		struct collect_record *rec = &run->records[i];
		if (rec->start_ns) {
			run->records[kept++] = *rec;
			continue;
		}
		struct cr_error bad;
		cr_error_set(&bad, CR_ECORRUPT, path, -1, "the record of "
			     "image '%s' has lost its start", rec->id);
		note_bad(run, &bad, warn);
		collect_record_release(rec);
	}
	run->nrecords = kept;
}

/* Format 2: the process records of the run's journal, if it has one
 * (its compacted start included: rundir_journal_read). */
static enum cr_err load_journal(const char *rundir, struct collect_run *run,
				size_t *alloc,
				void (*warn)(const struct cr_error *),
				struct cr_error *err)
{
	char *path = rundir_path(rundir, RUNDIR_JOURNAL), *text;
	size_t len;
	enum cr_err rc = rundir_journal_read(rundir, &text, &len, err);

	if (rc == CR_ECORRUPT) { /* journal.z: named, the rest read */
		note_bad(run, err, warn);
		rc = CR_OK;
	}
	if (rc == CR_OK && len) {
		size_t from = run->nrecords;
		collect_journal_parse(text, len, path, run, alloc, warn);
		drop_startless(run, from, path, warn);
	}
	if (rc == CR_OK)
		free(text);
	free(path);
	return rc;
}

/* Format 1: one file per record, proc/<id>.rec.  Returns whether the
 * directory exists. */
static int load_proc_dir(const char *rundir, struct collect_run *run,
			 size_t *alloc, void (*warn)(const struct cr_error *))
{
	char *procdir = rundir_path(rundir, RUNDIR_PROC);
	struct dirent *de;
	DIR *d = opendir(procdir);

	if (!d) {
		free(procdir);
		return 0;
	}
	while ((de = readdir(d))) {
		if (!is_record_name(de->d_name))
			continue;
		char *path = cr_path_join(procdir, de->d_name);
		char *text;
		size_t len;
		struct cr_error e;
		if (cr_read_file(path, &text, &len, &e) == CR_OK) {
			add_record(run, alloc, text, len, path, warn);
			free(text);
		} else {
			note_bad(run, &e, warn);
		}
		free(path);
	}
	closedir(d);
	free(procdir);
	return 1;
}

static int has_journal(const char *rundir)
{
	char *path = rundir_path(rundir, RUNDIR_JOURNAL);
	int yes = access(path, F_OK) == 0;

	free(path);
	return yes;
}

enum cr_err collect_run_load(const char *rundir, struct collect_run *run,
			     void (*warn)(const struct cr_error *),
			     struct cr_error *err)
{
	size_t alloc = 0;
	enum cr_err rc;

	memset(run, 0, sizeof(*run));
	if (!load_proc_dir(rundir, run, &alloc, warn) && !has_journal(rundir)) {
		char *procdir = rundir_path(rundir, RUNDIR_PROC);
		rc = cr_error_errno(err, procdir, "cannot read run directory");
		free(procdir);
		return rc;
	}
	rc = load_journal(rundir, run, &alloc, warn, err);
	if (rc != CR_OK) {
		collect_run_release(run);
		return rc;
	}
	run->dir = cr_path_absolute(rundir);
	if (run->nrecords)
		qsort(run->records, run->nrecords, sizeof(*run->records),
		      by_start);
	index_by_id(run);
	return CR_OK;
}

void collect_run_release(struct collect_run *run)
{
	for (size_t i = 0; i < run->nrecords; i++)
		collect_record_release(&run->records[i]);
	free(run->records);
	free(run->by_id);
	free(run->dir);
	memset(run, 0, sizeof(*run));
}

long collect_run_find(const struct collect_run *run, const char *id)
{
	size_t lo = 0, hi = run->nrecords;

	if (!run->by_id) { /* a run built by hand, not loaded */
		for (size_t i = 0; i < run->nrecords; i++)
			if (!strcmp(run->records[i].id, id))
				return (long)i;
		return -1;
	}
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(run->records[run->by_id[mid]].id, id);
		if (c == 0)
			return (long)run->by_id[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

const char *collect_how_name(enum collect_how how)
{
	return how <= COLLECT_HOW_UNKNOWN ? how_names[how] : "unknown";
}

const char *collect_role_name(enum collect_role role)
{
	return role <= COLLECT_ROLE_UNATTRIBUTED ? role_names[role] : "?";
}

const char *collect_end_name(enum collect_end end)
{
	return end > COLLECT_END_NONE && end <= COLLECT_END_EXEC
		       ? end_kinds[end] : "unknown";
}

int collect_role_from_name(const char *name)
{
	return lookup(name, role_names, 3);
}

void collect_end_describe(const struct collect_record *rec, char *buf,
			  size_t size)
{
	switch (rec->end) {
	case COLLECT_END_NONE:
		snprintf(buf, size, rec->untraced ? "untraced" : "unknown");
		break;
	case COLLECT_END_EXIT:
		snprintf(buf, size, "exit %d", rec->status);
		break;
	case COLLECT_END__EXIT:
		snprintf(buf, size, "_exit %d", rec->status);
		break;
	case COLLECT_END_SIGNAL:
		snprintf(buf, size, "signal %d (SIG%s)", rec->status,
			 sigabbrev_np(rec->status) ? sigabbrev_np(rec->status)
						   : "?");
		break;
	case COLLECT_END_EXEC:
		snprintf(buf, size, "exec");
		break;
	}
}
