/* SPDX-License-Identifier: MIT
 * rundir/rundir.c: the run directory's one owner (docs/run-directory.md).
 *
 * Recognising a run directory, creating and holding it, the path of every
 * name in it, process records added since the last look, and the fold
 * generations.  Nothing outside this file spells a name inside a run
 * directory (the shim uses the format section of rundir/rundir.h only).
 * Interface: rundir/rundir.h.
 */
#define _GNU_SOURCE
#include "rundir/rundir.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/falloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

/* ---- recognising ------------------------------------------------------ */

static int is_dir(const char *dir, const char *name)
{
	char *p = cr_path_join(dir, name);
	struct stat st;
	int yes = stat(p, &st) == 0 && S_ISDIR(st.st_mode);

	free(p);
	return yes;
}

static int is_file(const char *dir, const char *name)
{
	char *p = cr_path_join(dir, name);
	struct stat st;
	int yes = stat(p, &st) == 0 && S_ISREG(st.st_mode);

	free(p);
	return yes;
}

/* 1, 2 or 3 when DIR/run.info is a regular file (not a link) that
 * starts with a run magic line, else 0. */
static int info_format(const char *dir)
{
	static const char *const magic[] = { RUNDIR_RUN_MAGIC_V1 "\n",
					     RUNDIR_RUN_MAGIC_V2 "\n",
					     RUNDIR_RUN_MAGIC "\n" };
	char *info = cr_path_join(dir, RUNDIR_INFO);
	char head[32] = { 0 };
	struct stat st;
	int fd, format = 0;
	ssize_t n = 0;

	if (lstat(info, &st) == 0 && S_ISREG(st.st_mode) &&
	    (fd = open(info, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) >= 0) {
		n = read(fd, head, sizeof(head) - 1);
		close(fd);
	}
	for (int i = 0; i < 3 && n > 0; i++)
		if (!strncmp(head, magic[i], strlen(magic[i])))
			format = i + 1;
	free(info);
	return format;
}

int rundir_format(const char *dir)
{
	return info_format(dir);
}

int rundir_info_id(const char *text, size_t len, char *id, size_t size)
{
	for (size_t at = 0; at < len;) {
		const char *nl = memchr(text + at, '\n', len - at);
		size_t end = nl ? (size_t)(nl - text) : len, n = end - at;
		size_t digits = 6;
		while (digits < n && text[at + digits] >= '0' &&
		       text[at + digits] <= '9')
			digits++;
		if (n > 6 && n - 6 < size && digits == n &&
		    !memcmp(text + at, "start ", 6)) {
			memcpy(id, text + at + 6, n - 6);
			id[n - 6] = '\0';
			return 0;
		}
		at = end + 1;
	}
	return -1;
}

int rundir_run_id(const char *dir, char *id, size_t size)
{
	char *path = cr_path_join(dir, RUNDIR_INFO), *text;
	size_t len;
	struct cr_error e;
	int rc = -1;

	if (cr_read_file(path, &text, &len, &e) == CR_OK) {
		rc = rundir_info_id(text, len, id, size);
		free(text);
	}
	free(path);
	return rc;
}

enum rundir_kind rundir_recognise(const char *dir)
{
	if (info_format(dir))
		return RUNDIR_KIND_RUN;
	if (is_file(dir, RUNDIR_CONTEXTS))
		return RUNDIR_KIND_MERGED;
	if (is_dir(dir, RUNDIR_PROC) || is_file(dir, RUNDIR_JOURNAL))
		return RUNDIR_KIND_PARTS;
	return RUNDIR_KIND_NONE;
}

int rundir_is_ours(const char *dir)
{
	struct stat st;

	return lstat(dir, &st) == 0 && S_ISDIR(st.st_mode) &&
	       st.st_uid == geteuid() && info_format(dir) != 0;
}

/* ---- path names ------------------------------------------------------- */

char *rundir_path(const char *dir, const char *name)
{
	return cr_path_join(dir, name);
}

char *rundir_record_file(const char *dir, const char *id)
{
	return cr_xasprintf("%s/" RUNDIR_PROC "/%s.rec", dir, id);
}

char *rundir_image_dir(const char *dir, const char *id)
{
	return cr_xasprintf("%s/" RUNDIR_IMG "/%s", dir, id);
}

char *rundir_data_file(const char *dir, const char *id)
{
	return cr_xasprintf("%s/" RUNDIR_DATA "/%s", dir, id);
}

/* ---- creating and holding --------------------------------------------- */

/* The counter file the shim maps (rundir.h): all zeros. */
static enum cr_err write_counter(const char *dir, struct cr_error *err)
{
	char *zeros = cr_xcalloc(1, RUNDIR_COUNTER_SIZE);
	char *path = cr_path_join(dir, RUNDIR_COUNTER);
	enum cr_err rc = cr_write_file_atomic(path, zeros,
					      RUNDIR_COUNTER_SIZE, err);

	free(path);
	free(zeros);
	return rc;
}

enum cr_err rundir_create(const char *dir, struct cr_error *err)
{
	static const char *const subdirs[] = { RUNDIR_PROC, RUNDIR_IMG,
					       RUNDIR_UNATTRIBUTED };
	enum cr_err rc = CR_OK;

	for (size_t i = 0; rc == CR_OK && i < 3; i++) {
		char *sub = cr_path_join(dir, subdirs[i]);
		rc = cr_mkdir_p(sub, err);
		free(sub);
	}
	if (rc == CR_OK) {
		/* images append to the journal and never create it */
		char *path = cr_path_join(dir, RUNDIR_JOURNAL);
		rc = cr_write_file_atomic(path, "", 0, err);
		free(path);
	}
	return rc == CR_OK ? write_counter(dir, err) : rc;
}

enum cr_err rundir_lock(const char *dir, int *lock_fd, struct cr_error *err)
{
	return cr_lock_dir(dir, lock_fd, err);
}

pid_t rundir_lock_holder(const char *dir)
{
	return cr_lock_holder(dir);
}

/* ---- records ---------------------------------------------------------- */

static int is_record_name(const char *name, size_t n)
{
	return name[0] != '.' && n > 4 && !strcmp(name + n - 4, ".rec");
}

/* Format 1: every proc/<id>.rec the caller still wants, read whole. */
static enum cr_err proc_records(const char *dir, rundir_want_fn want,
				rundir_record_fn each, void *arg,
				struct cr_error *err)
{
	char *proc = cr_path_join(dir, RUNDIR_PROC);
	DIR *d = opendir(proc);
	struct dirent *de;

	if (!d) {
		enum cr_err e = errno == ENOENT
					? CR_OK
					: cr_error_errno(err, proc, "cannot "
							 "read directory");
		free(proc);
		return e;
	}
	while ((de = readdir(d))) {
		size_t n = strlen(de->d_name);
		char *id, *path, *text;
		struct cr_error ignored;
		size_t len;

		if (!is_record_name(de->d_name, n))
			continue;
		id = cr_xstrdup(de->d_name);
		id[n - 4] = '\0';
		path = cr_path_join(proc, de->d_name);
		if (want(arg, id) &&
		    cr_read_file(path, &text, &len, &ignored) == CR_OK) {
			each(arg, id, text, len, 1);
			free(text);
		}
		free(path);
		free(id);
	}
	closedir(d);
	free(proc);
	return CR_OK;
}

static void read_zx(const char *dir, uint64_t *x, uint64_t *l, uint64_t *n);
static enum cr_err journal_tail(const char *dir, uint64_t from,
				struct cr_buf *out, struct cr_error *err);

/* The journal's frames after CUR's offset: "@r" entries to EACH (those
 * WANT asks for), "@d" frames to DATA.  The offset moves past the last
 * whole frame only: a frame at the end that fails its check may still be
 * being written, and is looked at again next time; a bad frame with whole
 * frames after it is skipped for good (the final load names it). */
static void journal_frames(const char *buf, size_t size, uint64_t at0,
			   struct rundir_cursor *cur, rundir_want_fn want,
			   rundir_record_fn each, rundir_data_fn data,
			   void *arg)
{
	size_t at = 0, good = 0, rlen;
	struct rundir_frame f;
	const char *id, *rest;
	int rc;

	while ((rc = rundir_next_frame(buf, size, &at, &f)) != 0) {
		const char *nl;
		if (rc < 0)
			continue;
		good = at;
		if (!rundir_data_frame(&f, &id, &rest, &rlen)) {
			if (data)
				data(arg, id, rest, rlen, at0 + f.offset);
			continue;
		}
		nl = memchr(f.payload, '\n', f.len);
		if (f.kind != RUNDIR_FRAME_RECORD || f.len < 4 || !nl ||
		    memcmp(f.payload, REC_ID " ", 3))
			continue;
		char *rid = cr_xstrndup(f.payload + 3,
					(size_t)(nl - f.payload) - 3);
		if (!want || want(arg, rid))
			each(arg, rid, f.payload, f.len, 0);
		free(rid);
	}
	cur->journal_offset = at0 + good;
}

/* The records of journal.z (compacted past CUR by another covrun: a
 * fold of a run started again), all of them: a record read twice adds
 * nothing.  It holds no "@d" frame. */
static enum cr_err compacted_records(const char *dir, uint64_t x,
				     struct rundir_cursor *cur,
				     rundir_want_fn want,
				     rundir_record_fn each, void *arg,
				     struct cr_error *err)
{
	char *all;
	size_t len;
	uint64_t at;
	enum cr_err e = rundir_journal_read(dir, &all, &len, err);

	if (e == CR_ECORRUPT) /* named by the final load */
		e = CR_OK;
	if (e)
		return e;
	at = cur->journal_offset;
	/* journal_read gives journal.z's records, then the journal from X */
	journal_frames(all, len, 0, cur, want, each, NULL, arg);
	cur->journal_offset = at > x ? at : x;
	free(all);
	return CR_OK;
}

/* The journal of DIR from FROM, at most MAX bytes (0: all) but whole the
 * frame there: *MORE when more is left. */
static enum cr_err journal_window(const char *dir, uint64_t from,
				  uint64_t max, struct cr_buf *out, int *more,
				  struct cr_error *err);

static enum cr_err journal_records(const char *dir, struct rundir_cursor *cur,
				   rundir_want_fn want, rundir_record_fn each,
				   rundir_data_fn data, void *arg,
				   struct cr_error *err)
{
	struct cr_buf text;
	uint64_t x, l, zn, from;
	enum cr_err e;

	read_zx(dir, &x, &l, &zn);
	if (x > cur->journal_offset) {
		e = compacted_records(dir, x, cur, want, each, arg, err);
		if (e)
			return e;
	}
	cr_buf_init(&text);
	from = cur->journal_offset;
	/* a window without a whole frame (damage, or a frame crossing its
	 * end) while more follows: a wider one, until a frame ends in it */
	for (uint64_t max = cur->max_read;; max *= 2) {
		cr_buf_reset(&text);
		e = journal_window(dir, from, max, &text, &cur->more, err);
		if (!e && text.len)
			journal_frames(text.buf, text.len, from, cur, want,
				       each, data, arg);
		if (e || cur->journal_offset != from || !cur->more || !max)
			break;
	}
	cr_buf_release(&text);
	return e;
}

enum cr_err rundir_records_since(const char *dir, struct rundir_cursor *cur,
				 rundir_want_fn want, rundir_record_fn each,
				 rundir_data_fn data, void *arg,
				 struct cr_error *err)
{
	enum cr_err e = journal_records(dir, cur, want, each, data, arg, err);

	return e ? e : proc_records(dir, want, each, arg, err);
}

/* ---- journal compaction ----------------------------------------------- */

/* journal.zx of DIR: *X, *L and *N (the size journal.z's first L bytes
 * inflate to; X in a journal.zx written before "@d" frames, which had
 * two numbers), all 0 when there is none. */
static void read_zx(const char *dir, uint64_t *x, uint64_t *l, uint64_t *n)
{
	char *path = rundir_path(dir, RUNDIR_JOURNAL_ZX), *text;
	size_t len;
	struct cr_error e;

	*x = *l = *n = 0;
	if (cr_read_file(path, &text, &len, &e) == CR_OK) {
		rundir_journal_zx_parse(text, x, l, n);
		free(text);
	}
	free(path);
}

int rundir_journal_zx_parse(const char *text, uint64_t *x, uint64_t *l,
			    uint64_t *n)
{
	unsigned long long a, b, c;
	int got = sscanf(text, "%llu %llu %llu", &a, &b, &c);

	if (got < 2)
		return -1;
	*x = a;
	*l = b;
	*n = got == 3 ? c : a;
	return 0;
}

static int z_inflate(const void *z, size_t zlen, size_t max,
		     struct cr_buf *out)
{
	z_stream s = { 0 };
	int rc;

	if (inflateInit(&s) != Z_OK)
		return -1;
	s.next_in = (unsigned char *)(uintptr_t)z;
	s.avail_in = (uInt)zlen;
	/* until the input is used up and the last output taken */
	do {
		unsigned char chunk[65536];
		s.next_out = chunk;
		s.avail_out = sizeof(chunk);
		rc = inflate(&s, Z_SYNC_FLUSH);
		cr_buf_add(out, chunk, sizeof(chunk) - s.avail_out);
	} while (rc == Z_OK && (s.avail_in || !s.avail_out) &&
		 out->len <= max);
	if (rc == Z_BUF_ERROR && !s.avail_in)
		rc = Z_OK; /* a flushed stream without its end: all taken */
	inflateEnd(&s);
	return (rc == Z_OK || rc == Z_STREAM_END) && out->len <= max ? 0 : -1;
}

static void z_expand(const char *in, size_t n, struct cr_buf *out);

int rundir_journal_z_inflate(const void *z, size_t zlen, size_t max,
			     struct cr_buf *out, size_t *inflated)
{
	struct cr_buf stream;
	int rc;

	cr_buf_init(&stream);
	rc = z_inflate(z, zlen, max, &stream);
	if (inflated)
		*inflated = stream.len;
	if (!rc)
		z_expand(stream.buf ? stream.buf : "", stream.len, out);
	cr_buf_release(&stream);
	return rc;
}

/* Inflate the first L bytes of journal.z, exactly N bytes, into OUT as
 * the journal frames they stand for: the journal's start without its
 * "@d" frames. */
static enum cr_err inflate_start(const char *dir, uint64_t n, uint64_t l,
				 struct cr_buf *out, struct cr_error *err)
{
	char *path = rundir_path(dir, RUNDIR_JOURNAL_Z), *z;
	size_t zlen;
	struct cr_buf stream;
	enum cr_err e = cr_read_file(path, &z, &zlen, err);

	if (e) { /* missing, not a file: damage, and the rest is read */
		char why[sizeof(err->msg)];
		snprintf(why, sizeof(why), "%s", err->msg);
		e = cr_error_set(err, CR_ECORRUPT, path, -1, "compacted "
				 "journal left out: %s", why);
		free(path);
		return e;
	}
	cr_buf_init(&stream);
	if (zlen < l)
		e = cr_error_set(err, CR_ECORRUPT, path, -1, "shorter than "
				 "journal.zx says");
	else if (z_inflate(z, (size_t)l, (size_t)n, &stream) ||
		 stream.len != n)
		e = cr_error_set(err, CR_ECORRUPT, path, -1, "damaged "
				 "compacted journal (left out)");
	else
		z_expand(stream.buf ? stream.buf : "", stream.len, out);
	cr_buf_release(&stream);
	free(z);
	free(path);
	return e;
}

/* Open the journal of DIR for reading: its descriptor and size, -1 when
 * there is none (CR_OK) or on an error. */
static enum cr_err journal_open(const char *dir, int *fd, uint64_t *size,
				struct cr_error *err)
{
	char *path = rundir_path(dir, RUNDIR_JOURNAL);
	struct stat st;
	enum cr_err e = CR_OK;

	*fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (*fd < 0 || fstat(*fd, &st) < 0) {
		if (*fd >= 0 || errno != ENOENT)
			e = cr_error_errno(err, path, "cannot read journal");
	} else if (!S_ISREG(st.st_mode)) {
		e = cr_error_set(err, CR_ECORRUPT, path, -1, "not a regular "
				 "file");
	} else {
		*size = (uint64_t)st.st_size;
	}
	if (e && *fd >= 0)
		close(*fd);
	if (e)
		*fd = -1;
	free(path);
	return e;
}

/* Append N bytes of journal FD at FROM to OUT. */
static enum cr_err journal_pread(const char *dir, int fd, uint64_t from,
				 size_t n, struct cr_buf *out,
				 struct cr_error *err)
{
	char *tmp = cr_xmalloc(n ? n : 1);
	enum cr_err e = CR_OK;

	if (pread(fd, tmp, n, (off_t)from) != (ssize_t)n) {
		char *path = rundir_path(dir, RUNDIR_JOURNAL);
		e = cr_error_errno(err, path, "cannot read journal");
		free(path);
	} else {
		cr_buf_add(out, tmp, n);
	}
	free(tmp);
	return e;
}

static enum cr_err journal_window(const char *dir, uint64_t from,
				  uint64_t max, struct cr_buf *out, int *more,
				  struct cr_error *err)
{
	uint64_t size = 0, n;
	struct rundir_frame f;
	size_t body;
	int fd;
	enum cr_err e = journal_open(dir, &fd, &size, err);

	*more = 0;
	if (e || fd < 0 || size <= from)
		goto out;
	n = size - from;
	if (max && n > max) /* a header at least: the frame is read whole */
		n = max > RUNDIR_FRAME_HEAD_MAX ? max : RUNDIR_FRAME_HEAD_MAX;
	if (n > size - from)
		n = size - from;
	e = journal_pread(dir, fd, from, (size_t)n, out, err);
	/* a frame longer than the window is read whole */
	body = e ? 0 : rundir_frame_head(out->buf, out->len, 0, &f);
	if (body && body + f.len > out->len && from + body + f.len <= size) {
		e = journal_pread(dir, fd, from + out->len,
				  body + f.len - out->len, out, err);
	}
	*more = !e && from + out->len < size;
out:
	if (fd >= 0)
		close(fd);
	return e;
}

/* Append the journal of DIR from offset FROM to OUT. */
static enum cr_err journal_tail(const char *dir, uint64_t from,
				struct cr_buf *out, struct cr_error *err)
{
	int more;

	return journal_window(dir, from, 0, out, &more, err);
}

enum cr_err rundir_journal_from(const char *dir, uint64_t from, char **buf,
				size_t *len, uint64_t *at,
				struct cr_error *err)
{
	struct cr_buf out;
	uint64_t x, l, n;
	enum cr_err e;

	read_zx(dir, &x, &l, &n);
	*at = from > x ? from : x;
	cr_buf_init(&out);
	e = journal_tail(dir, *at, &out, err);
	*len = e ? 0 : out.len;
	*buf = *len ? out.buf : NULL;
	if (!*len)
		cr_buf_release(&out);
	return e;
}

enum cr_err rundir_journal_read(const char *dir, char **buf, size_t *len,
				struct cr_error *err)
{
	struct cr_buf out;
	uint64_t x, l, n, x2, l2, n2;
	enum cr_err e;

	/* a compaction meanwhile (a reader during the run): read again */
	for (int tries = 0;; tries++) {
		cr_buf_init(&out);
		read_zx(dir, &x, &l, &n);
		e = l ? inflate_start(dir, n, l, &out, err) : CR_OK;
		if (e == CR_ECORRUPT) /* the rest is still read */
			cr_buf_reset(&out);
		if (!e || e == CR_ECORRUPT) {
			struct cr_error e2;
			enum cr_err t = journal_tail(dir, x, &out,
						     e ? &e2 : err);
			if (t && !e)
				e = t;
		}
		read_zx(dir, &x2, &l2, &n2);
		if ((e && e != CR_ECORRUPT) || (x2 == x && l2 == l) ||
		    tries == 3)
			break;
		cr_buf_release(&out);
	}
	if (e && e != CR_ECORRUPT) {
		cr_buf_release(&out);
		return e;
	}
	*len = out.len;
	*buf = out.len ? out.buf : NULL;
	if (!out.len)
		cr_buf_release(&out);
	return e;
}

struct rundir_compactor {
	char *dir;
	z_stream z;
	uint64_t x, zlen;  /* compacted up to x, in zlen bytes of journal.z */
	uint64_t n;        /* that inflate to n bytes */
	int failed;
};

struct rundir_compactor *rundir_compactor_new(const char *dir)
{
	struct rundir_compactor *c = cr_xcalloc(1, sizeof(*c));

	c->dir = cr_xstrdup(dir);
	if (deflateInit(&c->z, 6) != Z_OK)
		c->failed = 1;
	return c;
}

uint64_t rundir_compacted(const struct rundir_compactor *c)
{
	return c->x;
}

void rundir_compactor_free(struct rundir_compactor *c)
{
	if (!c)
		return;
	deflateEnd(&c->z);
	free(c->dir);
	free(c);
}

/* Deflate IN (N bytes) with a sync flush: the stream so far inflates to
 * everything given so far.  Appends to OUT. */
static void deflate_more(struct rundir_compactor *c, const char *in,
			 size_t n, struct cr_buf *out)
{
	unsigned char chunk[65536];

	c->z.next_in = (unsigned char *)in;
	c->z.avail_in = (uInt)n;
	do {
		c->z.next_out = chunk;
		c->z.avail_out = sizeof(chunk);
		deflate(&c->z, Z_SYNC_FLUSH);
		cr_buf_add(out, chunk, sizeof(chunk) - c->z.avail_out);
	} while (c->z.avail_out == 0 || c->z.avail_in);
}

/* journal.z's stream (docs/run-directory.md, "Journal compaction")
 * starts with this line, then holds items "@r <len>\n<entry>" (the
 * entries of one image in one step as one entry, its "id" line once: the
 * three entries of an image cost a third of the frame headers, whose
 * hashes do not compress) and "@x <len>\n<bytes>" (a damaged place of the
 * journal, kept for readers to name).  A stream without the line (written
 * before it) holds the journal's frames as they were. */
#define Z_MAGIC "covrun-journal-z 2\n"
#define Z_ITEM_VERBATIM 'x'

struct z_item {
	char kind;          /* RUNDIR_FRAME_RECORD or Z_ITEM_VERBATIM */
	struct cr_buf text;
};

struct z_step {
	struct z_item *items;
	size_t n, alloc;
	struct strmap ids;  /* image id -> its item + 1 */
	int verbatim_open;  /* the last item takes the next damaged bytes */
};

static struct z_item *z_new_item(struct z_step *s, char kind)
{
	CR_GROW(s->items, s->n + 1, s->alloc);
	s->items[s->n].kind = kind;
	cr_buf_init(&s->items[s->n].text);
	s->verbatim_open = kind == Z_ITEM_VERBATIM;
	return &s->items[s->n++];
}

/* Add the journal's frame F, a whole "@r" entry, to step S: to its
 * image's item (without its "id" line) or as a new item. */
static int z_add_entry(struct z_step *s, const struct rundir_frame *f)
{
	const char *nl = memchr(f->payload, '\n', f->len);
	size_t idlen;
	uint32_t *ix;

	if (!nl || f->len < 4 || memcmp(f->payload, "id ", 3))
		return -1;
	idlen = (size_t)(nl - f->payload) - 3;
	ix = strmap_find(&s->ids, f->payload + 3, idlen);
	if (ix) {
		cr_buf_add(&s->items[*ix - 1].text, nl + 1,
			   f->len - (size_t)(nl + 1 - f->payload));
		s->verbatim_open = 0;
		return 0;
	}
	cr_buf_add(&z_new_item(s, RUNDIR_FRAME_RECORD)->text, f->payload,
		   f->len);
	strmap_put(&s->ids, f->payload + 3, idlen, (uint32_t)s->n);
	return 0;
}

/* The journal's N bytes at IN as items of journal.z's stream, appended to
 * OUT (with Z_MAGIC when FIRST): its whole "@d" frames left out (a fold
 * generation holds them; readers read "@d" frames only in the journal
 * itself, from the generation's mark). */
static void z_step_items(const char *in, size_t n, int first,
			 struct cr_buf *out)
{
	struct z_step s = { 0 };
	size_t at = 0;
	struct rundir_frame f;
	int rc;

	while ((rc = rundir_next_frame(in, n, &at, &f)) != 0) {
		if (rc > 0 && f.kind == RUNDIR_FRAME_DATA)
			continue;
		if (rc > 0 && f.kind == RUNDIR_FRAME_RECORD &&
		    !z_add_entry(&s, &f))
			continue;
		if (!s.verbatim_open)
			z_new_item(&s, Z_ITEM_VERBATIM);
		cr_buf_add(&s.items[s.n - 1].text, in + f.offset,
			   at - f.offset);
	}
	if (first)
		cr_buf_adds(out, Z_MAGIC);
	for (size_t i = 0; i < s.n; i++) {
		char head[RUNDIR_FRAME_HEAD_MAX];
		int hn = snprintf(head, sizeof(head), "@%c %zu\n",
				  s.items[i].kind, s.items[i].text.len);
		cr_buf_add(out, head, (size_t)hn);
		cr_buf_add(out, s.items[i].text.buf, s.items[i].text.len);
		cr_buf_release(&s.items[i].text);
	}
	free(s.items);
	strmap_release(&s.ids);
}

/* The journal frames that journal.z's inflated stream IN (N bytes)
 * stands for, appended to OUT: what cannot be read as items is appended
 * as it is (frame parsing then names it as damage). */
static void z_expand(const char *in, size_t n, struct cr_buf *out)
{
	size_t at = strlen(Z_MAGIC);

	if (n < at || memcmp(in, Z_MAGIC, at)) {
		cr_buf_add(out, in, n);
		return;
	}
	while (n - at >= 4) {
		size_t p = at + 3, len = 0, digits = 0;
		char kind = in[at + 1];
		for (; p < n && in[p] >= '0' && in[p] <= '9' && digits < 20;
		     p++, digits++)
			len = len * 10 + (size_t)(in[p] - '0');
		if (in[at] != '@' || in[at + 2] != ' ' || !digits ||
		    p >= n || in[p] != '\n' || len > n - p - 1 ||
		    (kind != RUNDIR_FRAME_RECORD && kind != Z_ITEM_VERBATIM))
			break;
		if (kind == RUNDIR_FRAME_RECORD) {
			char head[RUNDIR_FRAME_HEAD_MAX];
			cr_buf_add(out, head, rundir_frame_head_format(
				head, kind, len, rundir_hash(in + p + 1, len)));
		}
		cr_buf_add(out, in + p + 1, len);
		at = p + 1 + len;
	}
	if (at < n)
		cr_buf_add(out, in + at, n - at);
}

/* Deflate the journal's N bytes at IN as journal.z's items, with a sync
 * flush: the stream so far inflates to everything given so far.  Appends
 * to OUT; returns the stream's bytes given. */
static size_t deflate_records(struct rundir_compactor *c, const char *in,
			      size_t n, struct cr_buf *out)
{
	struct cr_buf items;

	cr_buf_init(&items);
	z_step_items(in, n, c->n == 0, &items);
	deflate_more(c, items.buf ? items.buf : "", items.len, out);
	n = items.len;
	cr_buf_release(&items);
	return n;
}

/* Append DATA to journal.z (synced before journal.zx names it). */
static enum cr_err append_z(struct rundir_compactor *c,
			    const struct cr_buf *data, struct cr_error *err)
{
	char *path = rundir_path(c->dir, RUNDIR_JOURNAL_Z);
	int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC |
			  O_NOFOLLOW, 0644);
	enum cr_err e = CR_OK;

	if (fd < 0 || write(fd, data->buf, data->len) != (ssize_t)data->len ||
	    fdatasync(fd) < 0)
		e = cr_error_errno(err, path, "cannot write");
	if (fd >= 0)
		close(fd);
	free(path);
	return e;
}

/* Free the journal's blocks below UPTO (whole pages): a file system that
 * cannot is left as it is. */
static void punch(const char *dir, uint64_t upto)
{
	char *path = rundir_path(dir, RUNDIR_JOURNAL);
	int fd = open(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
	off_t n = (off_t)(upto & ~(uint64_t)4095);

	if (fd >= 0 && n > 0)
		(void)fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
				0, n);
	if (fd >= 0)
		close(fd);
	free(path);
}

enum cr_err rundir_journal_compact(struct rundir_compactor *c, uint64_t upto,
				   struct cr_error *err)
{
	struct cr_buf raw, z;
	enum cr_err e;
	size_t kept = 0;
	int more;

	if (c->failed || upto <= c->x)
		return CR_OK;
	cr_buf_init(&raw);
	cr_buf_init(&z);
	/* only what is compacted: the counters after the mark can be MBs */
	e = journal_window(c->dir, c->x, upto - c->x, &raw, &more, err);
	if (!e && raw.len < upto - c->x)
		e = cr_error_set(err, CR_ECORRUPT, c->dir, -1, "the journal "
				 "is shorter than what was read of it");
	if (!e) {
		kept = deflate_records(c, raw.buf, (size_t)(upto - c->x), &z);
		e = append_z(c, &z, err);
	}
	if (!e) {
		char *path = rundir_path(c->dir, RUNDIR_JOURNAL_ZX);
		char zx[96];
		snprintf(zx, sizeof(zx), "%llu %llu %llu\n",
			 (unsigned long long)upto,
			 (unsigned long long)(c->zlen + z.len),
			 (unsigned long long)(c->n + kept));
		e = cr_write_file_atomic(path, zx, strlen(zx), err);
		free(path);
	}
	if (!e) {
		c->x = upto;
		c->n += kept;
		c->zlen += z.len;
		punch(c->dir, upto);
	} else {
		c->failed = 1;
	}
	cr_buf_release(&raw);
	cr_buf_release(&z);
	return e;
}

/* ---- fold generations ------------------------------------------------- */

long rundir_fold_parse_current(const char *text, size_t len)
{
	char num[32];
	size_t n = len < sizeof(num) - 1 ? len : sizeof(num) - 1;
	long gen;

	memcpy(num, text, n);
	num[n] = '\0';
	num[strcspn(num, "\n")] = '\0';
	return cr_parse_long(num, 1, 1L << 40, &gen) ? 0 : gen;
}

long rundir_fold_current(const char *dir)
{
	char *path = cr_xasprintf("%s/" RUNDIR_FOLD "/" RUNDIR_FOLD_CURRENT,
				  dir), *text;
	struct cr_error e;
	size_t len;
	long gen = 0;

	if (cr_read_file(path, &text, &len, &e) == CR_OK) {
		gen = rundir_fold_parse_current(text, len);
		free(text);
	}
	free(path);
	return gen;
}

char *rundir_fold_dir(const char *dir, long gen)
{
	return cr_xasprintf("%s/" RUNDIR_FOLD "/%ld", dir, gen);
}

char *rundir_fold_taken(const char *dir, long gen)
{
	return cr_xasprintf("%s/" RUNDIR_FOLD "/%ld/" RUNDIR_FOLD_TAKEN, dir, gen);
}

static int cmp_long(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;

	return x < y ? -1 : x > y;
}

size_t rundir_fold_pending(const char *dir, long current, long **gens)
{
	char *fold = cr_path_join(dir, RUNDIR_FOLD);
	DIR *d = opendir(fold);
	struct dirent *de;
	size_t n = 0, alloc = 0;

	*gens = NULL;
	while (d && (de = readdir(d))) {
		long g;
		char *taken;
		if (cr_parse_long(de->d_name, 1, 1L << 40, &g) || g <= current)
			continue;
		taken = rundir_fold_taken(dir, g);
		if (access(taken, F_OK) == 0) {
			CR_GROW(*gens, n + 1, alloc);
			(*gens)[n++] = g;
		}
		free(taken);
	}
	if (d)
		closedir(d);
	free(fold);
	if (n)
		qsort(*gens, n, sizeof(long), cmp_long);
	return n;
}

/* Rename FROM to TAKEN/SUB/ID, making TAKEN/SUB first; *MOVED when FROM
 * was there. */
static enum cr_err take_one(const char *from, const char *taken,
			    const char *sub, const char *id, int *moved,
			    struct cr_error *err)
{
	char *dst_dir = cr_xasprintf("%s/%s", taken, sub);
	char *dst = cr_xasprintf("%s/%s", dst_dir, id);
	enum cr_err e = CR_OK;

	if (rename(from, dst) == 0) {
		*moved = 1;
	} else if (errno == ENOENT && access(from, F_OK) == 0) {
		e = cr_mkdir_p(dst_dir, err);
		if (!e && rename(from, dst) < 0)
			e = cr_error_errno(err, from, "cannot move to '%s'",
					   dst);
		*moved = !e;
	} else if (errno != ENOENT) {
		e = cr_error_errno(err, from, "cannot move to '%s'", dst);
	}
	free(dst);
	free(dst_dir);
	return e;
}

enum cr_err rundir_fold_take(const char *dir, const char *id, long gen,
			     int *taken, struct cr_error *err)
{
	char *to = rundir_fold_taken(dir, gen);
	char *img = rundir_image_dir(dir, id);
	char *data = rundir_data_file(dir, id);
	enum cr_err e;

	*taken = 0;
	e = take_one(img, to, RUNDIR_IMG, id, taken, err);
	if (!e)
		e = take_one(data, to, RUNDIR_DATA, id, taken, err);
	free(data);
	free(img);
	free(to);
	return e;
}

enum cr_err rundir_fold_mark_write(const char *gendir, uint64_t w,
				   char *const *open, size_t nopen,
				   struct cr_error *err)
{
	char *path = cr_path_join(gendir, RUNDIR_FOLD_MARK);
	struct cr_buf b;
	enum cr_err e;

	cr_buf_init(&b);
	cr_buf_addf(&b, "%llu\n", (unsigned long long)w);
	for (size_t i = 0; i < nopen; i++)
		cr_buf_addf(&b, "%s\n", open[i]);
	e = cr_write_file_atomic(path, b.buf, b.len, err);
	cr_buf_release(&b);
	free(path);
	return e;
}

int rundir_fold_mark_parse(const char *text, size_t len, uint64_t *w,
			   struct strmap *open)
{
	const char *end = text + len, *line, *nl = memchr(text, '\n', len);
	char num[24];
	long v;

	*w = 0;
	if (!nl || nl == text || (size_t)(nl - text) >= sizeof(num))
		return -1;
	memcpy(num, text, (size_t)(nl - text));
	num[nl - text] = '\0';
	if (cr_parse_long(num, 0, LONG_MAX, &v))
		return -1;
	*w = (uint64_t)v;
	for (line = nl + 1; line < end &&
	     (nl = memchr(line, '\n', (size_t)(end - line))); line = nl + 1)
		if (nl > line && open)
			strmap_put(open, line, (size_t)(nl - line), 1);
	return 0;
}

int rundir_fold_mark_read(const char *gendir, uint64_t *w,
			  struct strmap *open)
{
	char *path = cr_path_join(gendir, RUNDIR_FOLD_MARK), *text;
	struct cr_error e;
	size_t len;
	int rc = -1;

	*w = 0;
	if (cr_read_file(path, &text, &len, &e) == CR_OK) {
		rc = rundir_fold_mark_parse(text, len, w, open);
		free(text);
	}
	free(path);
	return rc;
}

enum cr_err rundir_fold_switch(const char *dir, long gen,
			       struct cr_error *err)
{
	char *cur = cr_xasprintf("%s/" RUNDIR_FOLD "/" RUNDIR_FOLD_CURRENT,
				  dir);
	char num[32];
	enum cr_err e;

	snprintf(num, sizeof(num), "%ld\n", gen);
	e = cr_write_file_atomic(cur, num, strlen(num), err);
	free(cur);
	return e;
}

void rundir_fold_clean(const char *dir, long gen)
{
	char *old = rundir_fold_dir(dir, gen - 1);
	char *taken = rundir_fold_taken(dir, gen);
	struct cr_error ignored;

	/* neither is read again (docs/run-directory.md, "Fold") */
	if (cr_rm_rf(old, &ignored))
		(void)0;
	if (cr_rm_rf(taken, &ignored))
		(void)0;
	free(taken);
	free(old);
}
