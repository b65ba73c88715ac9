/* SPDX-License-Identifier: MIT
 * merge/bundle.c: run directories packed in archives, read in place.
 *
 * A bundle is an archive (.tar.zst, .tar.gz, .tar, .zip: whatever
 * libarchive reads; libarchive is confined to this file) of a run
 * directory or of a merged directory, possibly under a leading directory.
 * It is merged without unpacking to disk, in two passes over the archive:
 * when queued, the process records (proc/<id>.rec) and the contexts file
 * give every image its context, which must exist before reading starts;
 * then a reader thread streams the gcda entries (img/<id>/..., ctx/<id>/...,
 * unattributed/<pid>/...) straight into the counters.  Entry names are
 * only used to find contexts and notes files: nothing is written, so a
 * hostile name cannot escape anywhere; entry sizes are capped.
 * Interface: merge/merge.h (merge_set_add_bundle), merge/internal.h.
 */
#define _GNU_SOURCE
#include "merge/internal.h"
#include "collect/collect.h"

#include <archive.h>
#include <archive_entry.h>
#include <stdlib.h>
#include <string.h>

/* Weak references: programs that link merge/ without libarchive (the
 * fuzz targets) still link; they cannot read bundles. */
#pragma weak archive_read_new
#pragma weak archive_read_support_filter_all
#pragma weak archive_read_support_format_all
#pragma weak archive_read_open_filename
#pragma weak archive_error_string
#pragma weak archive_read_free
#pragma weak archive_read_next_header
#pragma weak archive_entry_pathname
#pragma weak archive_entry_filetype
#pragma weak archive_read_data

struct idctx {
	char *id;              /* owned */
	uint32_t ctx;
};

struct bundle {
	char *path;            /* owned; the archive */
	size_t nimg, img_alloc;
	struct idctx *img;     /* owned; image id -> context (records) */
	size_t nmerged, merged_alloc;
	struct idctx *merged;  /* owned; ctx/<id> -> context */
	uint32_t unattr;       /* context of images without a record */
	int have_unattr;
};

void merge_bundle_free(struct bundle *b)
{
	if (!b)
		return;
	for (size_t i = 0; i < b->nimg; i++)
		free(b->img[i].id);
	for (size_t i = 0; i < b->nmerged; i++)
		free(b->merged[i].id);
	free(b->img);
	free(b->merged);
	free(b->path);
	free(b);
}

void merge_bundle_renumber(struct bundle *b, const uint32_t *newidx)
{
	for (size_t i = 0; i < b->nimg; i++)
		b->img[i].ctx = newidx[b->img[i].ctx];
	for (size_t i = 0; i < b->nmerged; i++)
		b->merged[i].ctx = newidx[b->merged[i].ctx];
	if (b->have_unattr)
		b->unattr = newidx[b->unattr];
}

static struct archive *open_archive(const char *path, struct cr_error *err)
{
	struct archive *a;

	if (!archive_read_new) {
		cr_error_set(err, CR_EUSAGE, path, -1, "bundles cannot be "
			     "read by this program (no libarchive)");
		return NULL;
	}
	a = archive_read_new();
	archive_read_support_filter_all(a);
	archive_read_support_format_all(a);
	if (archive_read_open_filename(a, path, 1 << 16) != ARCHIVE_OK) {
		cr_error_set(err, CR_ECORRUPT, path, -1, "cannot read the "
			     "bundle: %s", archive_error_string(a));
		archive_read_free(a);
		return NULL;
	}
	return a;
}

/* Where the run directory's own names start in entry NAME: the first
 * component that is one of them, or NULL. */
static const char *run_part(const char *name)
{
	static const char *const marks[] = { "proc/", "img/",
					     "unattributed/", "ctx/",
					     "contexts", "run.info" };
	const char *p = name;

	while (*p) {
		for (size_t i = 0; i < sizeof(marks) / sizeof(*marks); i++) {
			size_t n = strlen(marks[i]);
			if (!strncmp(p, marks[i], n) &&
			    (marks[i][n - 1] == '/' || !p[n]))
				return p;
		}
		p = strchr(p, '/');
		if (!p)
			break;
		p++;
	}
	return NULL;
}

/* The whole data of the current entry, at most GCOV_MAX_FILE bytes, into
 * *BUF; -1 on error or when larger. */
static long read_entry(struct archive *a, unsigned char **buf,
		       size_t *alloc)
{
	size_t n = 0;

	for (;;) {
		la_ssize_t r;
		if (!*buf || n == *alloc) {
			size_t want = *alloc ? 2 * *alloc : 65536;
			if (want > GCOV_MAX_FILE)
				return -1;
			*buf = cr_xrealloc(*buf, want);
			*alloc = want;
		}
		r = archive_read_data(a, *buf + n, *alloc - n);
		if (r < 0)
			return -1;
		if (r == 0)
			return (long)n;
		n += (size_t)r;
	}
}

static void add_id(struct idctx **v, size_t *n, size_t *alloc,
		   const char *id, size_t len, uint32_t ctx)
{
	CR_GROW(*v, *n + 1, *alloc);
	(*v)[*n].id = cr_xstrndup(id, len);
	(*v)[*n].ctx = ctx;
	(*n)++;
}

static long find_id(const struct idctx *v, size_t n, const char *id,
		    size_t len)
{
	for (size_t i = 0; i < n; i++)
		if (strlen(v[i].id) == len && !memcmp(v[i].id, id, len))
			return (long)i;
	return -1;
}

struct merged_arg {
	struct bundle *b;
};

static void note_merged(struct merge_set *set, const char *id, uint32_t c,
			uint32_t nimages, void *arg)
{
	struct bundle *b = ((struct merged_arg *)arg)->b;

	add_id(&b->merged, &b->nmerged, &b->merged_alloc, id, strlen(id), c);
	set->ctx[c].nimages += nimages;
}

static uint32_t unattr_ctx(struct merge_set *set, struct bundle *b)
{
	if (!b->have_unattr) {
		b->unattr = merge_set_context(set, "", COV_ROLE_UNATTRIBUTED,
					      "");
		b->have_unattr = 1;
	}
	return b->unattr;
}

/* First pass: records and contexts; images counted per context. */
static enum cr_err scan(struct merge_set *set, struct bundle *b,
			struct cr_error *err)
{
	struct archive *a = open_archive(b->path, err);
	struct archive_entry *ent;
	unsigned char *buf = NULL;
	size_t alloc = 0, nseen = 0, seen_alloc = 0;
	struct idctx *seen = NULL; /* image dirs met, to count images */
	enum cr_err e = CR_OK;
	size_t nentries = 0;
	int r;

	if (!a)
		return CR_ECORRUPT;
	while ((r = archive_read_next_header(a, &ent)) == ARCHIVE_OK) {
		const char *name = archive_entry_pathname(ent);
		const char *p = name ? run_part(name) : NULL;
		long n;

		nentries++;
		if (!p || archive_entry_filetype(ent) != AE_IFREG)
			continue;
		if (!strncmp(p, "proc/", 5) && strlen(p) > 9 &&
		    !strcmp(p + strlen(p) - 4, ".rec")) {
			struct collect_record rec;
			struct cr_error w;
			n = read_entry(a, &buf, &alloc);
			if (n < 0 || collect_record_parse((char *)buf,
				(size_t)n, name, &rec, &w) != CR_OK)
				continue; /* its image is unattributed */
			add_id(&b->img, &b->nimg, &b->img_alloc, rec.id,
			       strlen(rec.id), merge_set_context(set, rec.exe,
				(enum cov_role)(rec.role == COLLECT_ROLE_ROOT
				? COV_ROLE_ROOT : rec.role == COLLECT_ROLE_CHILD
				? COV_ROLE_CHILD : COV_ROLE_UNATTRIBUTED),
				rec.label));
			collect_record_release(&rec);
		} else if (!strcmp(p, "contexts")) {
			struct merged_arg ma = { b };
			n = read_entry(a, &buf, &alloc);
			if (n < 0) {
				e = cr_error_set(err, CR_ECORRUPT, b->path, -1,
						 "cannot read '%s' in the "
						 "bundle", name);
				break;
			}
			buf = cr_xrealloc(buf, (size_t)n + 1);
			alloc = (size_t)n + 1;
			buf[n] = '\0';
			e = merge_parse_contexts(set, (char *)buf, b->path,
						 note_merged, &ma, err);
			if (e)
				break;
		} else if (!strncmp(p, "img/", 4) ||
			   !strncmp(p, "unattributed/", 13)) {
			const char *id = strchr(p, '/') + 1;
			const char *end = strchr(id, '/');
			if (end && find_id(seen, nseen, p,
					   (size_t)(end - p)) < 0)
				add_id(&seen, &nseen, &seen_alloc, p,
				       (size_t)(end - p), 0);
		}
	}
	if (!e && r != ARCHIVE_EOF && !nentries)
		e = cr_error_set(err, CR_ECORRUPT, b->path, -1, "cannot read "
				 "the bundle: %s", archive_error_string(a));
	/* a damaged archive: what precedes the damage is still merged (the
	 * second pass reports the damage) */
	/* count images now that every record is known */
	for (size_t i = 0; !e && i < nseen; i++) {
		const char *id = seen[i].id;
		long k = -1;
		uint32_t c;
		if (!strncmp(id, "img/", 4))
			k = find_id(b->img, b->nimg, id + 4, strlen(id + 4));
		/* unattr_ctx may grow set->ctx: index after the call */
		c = k >= 0 ? b->img[k].ctx : unattr_ctx(set, b);
		set->ctx[c].nimages++;
	}
	for (size_t i = 0; i < nseen; i++)
		free(seen[i].id);
	free(seen);
	free(buf);
	archive_read_free(a);
	return e;
}

enum cr_err merge_set_add_bundle(struct merge_set *set, const char *path,
				 struct cr_error *err)
{
	struct bundle *b = cr_xcalloc(1, sizeof(*b));
	enum cr_err e;

	b->path = cr_xstrdup(path);
	e = scan(set, b, err);
	if (e) {
		merge_bundle_free(b);
		return e;
	}
	/* images of unknown records need their context before reading */
	unattr_ctx(set, b);
	merge_set_queue_bundle(set, path, b);
	return CR_OK;
}

/* Second pass, in a reader thread. */
void merge_bundle_read(struct worker *w, const struct merge_input *in)
{
	struct bundle *b = in->bundle;
	struct cr_error err;
	struct archive *a = open_archive(b->path, &err);
	struct archive_entry *ent;
	struct cr_buf gcno, label, image;
	size_t *alloc;
	unsigned char **buf = merge_worker_scratch(w, &alloc);
	int r;

	if (!a) {
		merge_worker_warn(w, &err);
		return;
	}
	cr_buf_init(&gcno);
	cr_buf_init(&label);
	cr_buf_init(&image);
	while ((r = archive_read_next_header(a, &ent)) == ARCHIVE_OK) {
		const char *name = archive_entry_pathname(ent);
		const char *p = name ? run_part(name) : NULL;
		const char *id, *rest;
		size_t n = name ? strlen(name) : 0;
		uint32_t ctx;
		long k = -1, len;

		if (!p || archive_entry_filetype(ent) != AE_IFREG ||
		    n < 5 || strcmp(name + n - 5, ".gcda"))
			continue;
		id = strchr(p, '/') + 1;
		rest = strchr(id, '/');
		if (!rest)
			continue;
		if (!strncmp(p, "img/", 4))
			k = find_id(b->img, b->nimg, id, (size_t)(rest - id));
		if (!strncmp(p, "ctx/", 4)) {
			k = find_id(b->merged, b->nmerged, id,
				    (size_t)(rest - id));
			if (k < 0)
				continue;
			ctx = b->merged[k].ctx;
		} else {
			ctx = k >= 0 ? b->img[k].ctx : b->unattr;
		}
		cr_buf_reset(&gcno);
		cr_buf_add(&gcno, rest, strlen(rest) - 4);
		cr_buf_adds(&gcno, "gcno");
		cr_buf_reset(&label);
		cr_buf_addf(&label, "%s!%s", b->path, name);
		cr_buf_reset(&image);
		cr_buf_addf(&image, "%s:%.*s", b->path, (int)(rest - p), p);
		len = read_entry(a, buf, alloc);
		if (len < 0) {
			cr_error_set(&err, CR_ECORRUPT, label.buf, -1,
				     "image '%s': cannot read the entry "
				     "(left out)", image.buf);
			merge_worker_warn(w, &err);
			continue;
		}
		merge_worker_gcda(w, image.buf, ctx, label.buf, gcno.buf,
				  *buf, (size_t)len);
	}
	if (r != ARCHIVE_EOF) {
		cr_error_set(&err, CR_ECORRUPT, b->path, -1, "cannot read the "
			     "rest of the bundle: %s (left out)",
			     archive_error_string(a));
		merge_worker_warn(w, &err);
	}
	cr_buf_release(&gcno);
	cr_buf_release(&label);
	cr_buf_release(&image);
	archive_read_free(a);
}
