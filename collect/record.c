/* SPDX-License-Identifier: MIT
 * collect/record.c: reading process records and run directories.
 *
 * The shim (collect/shim.c) writes one record per process image, as text:
 * a first line "covrun-record 1", then one "key value" line per field,
 * values escaped (\\, \n, \t, \xHH).  Keys this version does not know are
 * skipped, so later versions can add fields.  The shim appends the end of
 * an image to its record: a later value of a key replaces an earlier one,
 * and a last line without its newline (an append cut short) is ignored.
 * The format is documented in README.md.  This file turns records back into struct collect_record and
 * loads every record of a run directory.
 */
#define _GNU_SOURCE
#include "collect/collect.h"
#include "rundir/rundir.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

static const char *const how_names[] = { "root", "fork", "exec", "spawn",
					 "unknown" };
static const char *const role_names[] = { "root", "child",
					  "unattributed" };

/* Apply the "end" field: "exit N", "_exit N", "signal N" or "exec". */
static int parse_end(struct collect_record *rec, const char *v)
{
	static const char *const kinds[] = { "", "exit", "_exit", "signal",
					     "exec" };
	const char *sp = strchr(v, ' ');
	size_t n = sp ? (size_t)(sp - v) : strlen(v);
	int64_t st = 0;

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

	if (!strcmp(key, "id")) {
		free(rec->id);
		rec->id = cr_xstrdup(val);
	} else if (!strcmp(key, "parent")) {
		free(rec->parent);
		rec->parent = cr_xstrdup(val);
	} else if (!strcmp(key, "pid") || !strcmp(key, "ppid")) {
		if (parse_i64(val, &num))
			return -1;
		*(key[1] == 'p' ? &rec->ppid : &rec->pid) = (pid_t)num;
	} else if (!strcmp(key, "how")) {
		k = lookup(val, how_names, 5);
		rec->how = k < 0 ? COLLECT_HOW_UNKNOWN : (enum collect_how)k;
	} else if (!strcmp(key, "role")) {
		if ((k = lookup(val, role_names, 3)) < 0)
			return -1;
		rec->role = (enum collect_role)k;
	} else if (!strcmp(key, "instrumented")) {
		rec->instrumented = !strcmp(val, "1");
	} else if (!strcmp(key, "exe") || !strcmp(key, "cwd") ||
		   !strcmp(key, "label")) {
		char **slot = key[0] == 'e' ? &rec->exe
			      : key[0] == 'c' ? &rec->cwd : &rec->label;
		free(*slot);
		*slot = cr_xstrdup(val);
	} else if (!strcmp(key, "start") || !strcmp(key, "finish") ||
		   !strcmp(key, "dumped")) {
		if (parse_i64(val, &num))
			return -1;
		*(key[0] == 's' ? &rec->start_ns
		  : key[0] == 'f' ? &rec->end_ns : &rec->dumped_ns) = num;
	} else if (!strcmp(key, "lost")) {
		free(rec->lost);
		rec->lost = cr_xstrdup(val);
	} else if (!strcmp(key, "arg")) {
		push(&rec->argv, &rec->argc, argv_alloc, val, 0);
	} else if (!strcmp(key, "stripped")) {
		push(&rec->stripped, nstripped, str_alloc, val, 1);
	} else if (!strcmp(key, "argv-truncated")) {
		rec->argv_truncated = 1;
	} else if (!strcmp(key, "end")) {
		return parse_end(rec, val);
	}
	return 0; /* unknown keys belong to later versions */
}

enum cr_err collect_record_parse(const char *text, size_t len,
				 const char *path, struct collect_record *rec,
				 struct cr_error *err)
{
	size_t magic = strlen(COLLECT_RECORD_MAGIC), argv_alloc = 0;
	size_t str_alloc = 0;
	int nstripped = 0;
	const char *p = text, *end = text + len;

	memset(rec, 0, sizeof(*rec));
	rec->how = COLLECT_HOW_UNKNOWN;
	if (len < magic + 1 || memcmp(text, COLLECT_RECORD_MAGIC, magic) ||
	    text[magic] != '\n')
		return cr_error_set(err, CR_ECORRUPT, path, 0,
				    "not a covrun process record");
	p += magic + 1;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			break; /* an update cut short: the record stands */
		const char *sp = memchr(p, ' ', (size_t)(nl - p));
		if (!sp) {
			collect_record_release(rec);
			return cr_error_set(err, CR_ECORRUPT, path, p - text,
					    "malformed record line");
		}
		char key[32];
		size_t klen = (size_t)(sp - p);
		snprintf(key, sizeof(key), "%.*s", (int)klen, p);
		char *val = unescape(sp + 1, (size_t)(nl - sp - 1));
		int bad = apply_field(rec, key, val, &argv_alloc, &str_alloc,
				      &nstripped);
		free(val);
		if (bad) {
			collect_record_release(rec);
			return cr_error_set(err, CR_ECORRUPT, path, p - text,
					    "bad value for '%s'", key);
		}
		p = nl + 1;
	}
	if (!rec->id || !rec->id[0]) {
		collect_record_release(rec);
		return cr_error_set(err, CR_ECORRUPT, path, -1,
				    "record has no image id");
	}
	if (!rec->parent) rec->parent = cr_xstrdup("");
	if (!rec->exe) rec->exe = cr_xstrdup("");
	if (!rec->cwd) rec->cwd = cr_xstrdup("");
	if (!rec->label) rec->label = cr_xstrdup("");
	if (!rec->argv)
		rec->argv = cr_xcalloc(1, sizeof(char *));
	if (!rec->stripped)
		rec->stripped = cr_xcalloc(1, sizeof(char *));
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

static enum cr_err load_one(const char *path, struct collect_record *rec,
			    struct cr_error *err)
{
	char *text;
	size_t len;
	enum cr_err rc = cr_read_file(path, &text, &len, err);

	if (rc != CR_OK)
		return rc;
	rc = collect_record_parse(text, len, path, rec, err);
	free(text);
	return rc;
}

enum cr_err collect_run_load(const char *rundir, struct collect_run *run,
			     void (*warn)(const struct cr_error *),
			     struct cr_error *err)
{
	char *procdir = rundir_path(rundir, RUNDIR_PROC);
	size_t alloc = 0;
	struct dirent *de;
	DIR *d = opendir(procdir);

	memset(run, 0, sizeof(*run));
	if (!d) {
		enum cr_err rc = cr_error_errno(err, procdir,
						"cannot read run directory");
		free(procdir);
		return rc;
	}
	run->dir = cr_path_absolute(rundir);
	while ((de = readdir(d))) {
		if (!is_record_name(de->d_name))
			continue;
		char *path = cr_path_join(procdir, de->d_name);
		struct cr_error e;
		CR_GROW(run->records, run->nrecords + 1, alloc);
		if (load_one(path, &run->records[run->nrecords], &e) == CR_OK) {
			run->nrecords++;
		} else {
			run->nbad++;
			if (warn)
				warn(&e);
		}
		free(path);
	}
	closedir(d);
	free(procdir);
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

void collect_end_describe(const struct collect_record *rec, char *buf,
			  size_t size)
{
	switch (rec->end) {
	case COLLECT_END_NONE:
		snprintf(buf, size, "unknown");
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
