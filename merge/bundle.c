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
 * unattributed/<pid>/...) and the data files (data/<id>, format 2: framed
 * gcda; ctx/<id> of a fold generation) straight into the counters.
 * Entry names are only used to find contexts and notes files: nothing is written, so a
 * hostile name cannot escape anywhere; entry sizes are capped.
 * Interface: merge/merge.h (merge_set_add_bundle), merge/internal.h.
 */
#define _GNU_SOURCE
#include "merge/internal.h"
#include "rundir/rundir.h"
#include "collect/collect.h"

#include <archive.h>
#include <archive_entry.h>
#include <stdlib.h>
#include <string.h>

/* A run directory's names as they start an archive entry's path. */
#define IMG_PART RUNDIR_IMG "/"
#define IMG_LEN (sizeof(IMG_PART) - 1)
#define PROC_PART RUNDIR_PROC "/"
#define PROC_LEN (sizeof(PROC_PART) - 1)
#define DATA_PART RUNDIR_DATA "/"
#define DATA_LEN (sizeof(DATA_PART) - 1)
#define CTX_PART RUNDIR_CTX "/"
#define CTX_LEN (sizeof(CTX_PART) - 1)

struct bundle {
	char *path;            /* owned; the archive */
	struct strmap img;     /* image id -> context (process records) */
	struct strmap merged;  /* ctx/<id> -> context (contexts file) */
	struct strmap images;  /* "img/<id>", "data/<id>", "unattributed/<pid>"
				* -> 1 to read, 0 when another input had it */
	uint32_t unattr;       /* context of images without a record */
	int have_unattr;
	/* fold generations (docs/run-directory.md, "Fold"), per run
	 * directory in the bundle (its path up to "fold/"): */
	struct strmap fold_current; /* prefix -> fold/current's generation */
	struct strmap rundirs;      /* prefixes of run directories (a run
				     * file met: journal, run.info, ...) */
	struct strmap taken;        /* "<prefix>\n<run part>" of a taken
				     * image -> its generation */
	struct fold_contexts *gens; /* contexts files of generations */
	size_t ngens, gens_alloc;
	struct fold_contexts *marks; /* fold/<N>/mark of generations */
	size_t nmarks, marks_alloc;
	/* "@d" frames of journals (docs/run-directory.md, "Data in the
	 * journal"), kept until their generation's mark is known */
	struct bundle_frame *frames;
	size_t nframes, frames_alloc;
	/* frames that failed their check, named once the mark says whether
	 * they are below it: compaction leaves the end of a frame there */
	struct bundle_bad *bad;
	size_t nbad, bad_alloc;
	struct strmap journals;     /* journal entries read */
	struct strmap runs;         /* ids of the runs it holds (run.info,
				     * runs files): claimed once scanned */
	struct strmap run_places;   /* "<id>\n<prefix>": where each is */
	struct strmap z_named;      /* run dir prefix -> the bytes its
				     * journal.zx says journal.z holds */
	struct strmap z_read;       /* run dir prefix -> those read */
	int left_out;               /* another input held one of them */
};

/* Frames that failed their check in journal entry NAME of the run
 * directory PREFIX, one after the other (a damaged place): the first at
 * FIRST, the last at LAST. */
struct bundle_bad {
	char *prefix, *name;
	uint64_t first, last;
};

/* A "@d" frame of the journal of the run directory PREFIX. */
struct bundle_frame {
	char *prefix, *id, *rest; /* rest: "path NUL gcda" */
	size_t len;
	uint64_t offset;
};

/* The contexts file of fold generation GEN of the run directory PREFIX,
 * kept until the first pass knows which generation is current. */
struct fold_contexts {
	char *prefix, *text;
	long gen;
};

/* The largest process record read from a bundle (README.md, "Known
 * limits"): a record is a few hundred bytes, its arguments at most 4 KiB. */
#define RECORD_MAX ((size_t)1 << 20)
/* A journal holds every image's record: 1 GiB is some million images. */
#define JOURNAL_MAX ((size_t)1 << 30)
/* A data file holds one image's gcda (each then held to what its notes
 * file allows): 256 MiB is thousands of objects. */
#define DATA_MAX ((size_t)1 << 28)

void merge_bundle_free(struct bundle *b)
{
	if (!b)
		return;
	strmap_release(&b->img);
	strmap_release(&b->merged);
	strmap_release(&b->images);
	strmap_release(&b->fold_current);
	strmap_release(&b->rundirs);
	strmap_release(&b->taken);
	strmap_release(&b->journals);
	strmap_release(&b->runs);
	strmap_release(&b->run_places);
	strmap_release(&b->z_named);
	strmap_release(&b->z_read);
	for (size_t i = 0; i < b->ngens; i++) {
		free(b->gens[i].prefix);
		free(b->gens[i].text);
	}
	free(b->gens);
	for (size_t i = 0; i < b->nmarks; i++) {
		free(b->marks[i].prefix);
		free(b->marks[i].text);
	}
	free(b->marks);
	for (size_t i = 0; i < b->nframes; i++) {
		free(b->frames[i].prefix);
		free(b->frames[i].id);
		free(b->frames[i].rest);
	}
	free(b->frames);
	for (size_t i = 0; i < b->nbad; i++) {
		free(b->bad[i].prefix);
		free(b->bad[i].name);
	}
	free(b->bad);
	free(b->path);
	free(b);
}

static void renumber(struct strmap *m, const uint32_t *newidx)
{
	for (size_t i = 0; i < m->size; i++)
		if (m->key[i])
			m->val[i] = newidx[m->val[i]];
}

void merge_bundle_renumber(struct bundle *b, const uint32_t *newidx)
{
	renumber(&b->img, newidx);
	renumber(&b->merged, newidx);
	if (b->have_unattr)
		b->unattr = newidx[b->unattr];
}

static struct archive *open_archive(const char *path, struct cr_error *err)
{
	struct archive *a = archive_read_new();

	if (!a) {
		cr_error_set(err, CR_ENOMEM, path, -1, "cannot read the "
			     "bundle: out of memory");
		return NULL;
	}
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
	static const char *const marks[] = {
		RUNDIR_PROC "/", RUNDIR_IMG "/", RUNDIR_DATA "/", RUNDIR_JOURNAL,
		RUNDIR_JOURNAL_Z,
		RUNDIR_UNATTRIBUTED "/", RUNDIR_CTX "/", RUNDIR_CONTEXTS,
		RUNDIR_INFO, RUNDIR_RUNS, RUNDIR_JOURNAL_ZX
	};
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

/* Where entry NAME (run part P) lies in a fold: the generation N when
 * P is preceded by "fold/<N>/" (*TAKEN 0) or "fold/<N>/taken/" (*TAKEN
 * 1), *PREFIX_LEN the length of the run directory's path before "fold/";
 * -1 when it is not in a fold. */
static long fold_gen(const char *name, const char *p, int *taken,
		     size_t *prefix_len)
{
	static const char fold[] = RUNDIR_FOLD "/";
	static const char tk[] = RUNDIR_FOLD_TAKEN "/";
	const char *end = p;
	long gen = 0;
	size_t digits = 0;

	*taken = 0;
	if ((size_t)(end - name) > sizeof(tk) - 1 &&
	    !strncmp(end - (sizeof(tk) - 1), tk, sizeof(tk) - 1) &&
	    end[-(long)sizeof(tk)] == '/') {
		*taken = 1;
		end -= sizeof(tk) - 1;
	}
	if (end == name || end[-1] != '/')
		return -1;
	for (end--; end > name && end[-1] >= '0' && end[-1] <= '9';
	     end--, digits++)
		;
	if (!digits || digits > 12)
		return -1;
	for (size_t i = 0; i < digits; i++)
		gen = gen * 10 + (end[i] - '0');
	if ((size_t)(end - name) < sizeof(fold) - 1 ||
	    strncmp(end - (sizeof(fold) - 1), fold, sizeof(fold) - 1))
		return -1;
	end -= sizeof(fold) - 1;
	if (end != name && end[-1] != '/')
		return -1;
	*prefix_len = (size_t)(end - name);
	return gen;
}

/* Is NAME[0, LEN) the path of a run directory in the bundle?  Else a
 * path like "ci/fold/7/" is some user's directory, holding a merged
 * directory, not a fold generation. */
static int is_rundir(const struct bundle *b, const char *name, size_t len)
{
	return strmap_find(&b->rundirs, name, len) ||
	       strmap_find(&b->fold_current, name, len);
}

/* The current fold generation of the run directory whose path in the
 * bundle is NAME[0, LEN): fold/current's, 0 when there is none. */
static long current_gen(const struct bundle *b, const char *name, size_t len)
{
	const uint32_t *k = strmap_find(&b->fold_current, name, len);

	return k ? (long)*k : 0;
}

/* Is the ctx/ entry NAME (run part P) of a merged directory, or of its
 * run directory's current fold generation? */
static int current_generation(const struct bundle *b, const char *name,
			      const char *p)
{
	size_t plen;
	int taken;
	long gen = fold_gen(name, p, &taken, &plen);

	return gen < 0 || !is_rundir(b, name, plen) ||
	       (!taken && gen == current_gen(b, name, plen));
}

#define ENTRY_TOO_LARGE (-2)

/* The whole data of the current entry, at most MAX bytes, into *BUF: its
 * size, -1 on a read error, or ENTRY_TOO_LARGE as soon as more than MAX
 * bytes came (a hostile entry is never held in memory). */
static long read_entry(struct archive *a, unsigned char **buf,
		       size_t *alloc, size_t max)
{
	size_t n = 0;

	for (;;) {
		la_ssize_t r;
		if (!*buf || n == *alloc) {
			if (n > max)
				return ENTRY_TOO_LARGE;
			size_t want = *alloc ? 2 * *alloc : 65536;
			if (want > max + 1)
				want = max + 1;
			*buf = cr_xrealloc(*buf, want);
			*alloc = want;
		}
		r = archive_read_data(a, *buf + n, *alloc - n);
		if (r < 0)
			return -1;
		if (r == 0)
			return (long)n;
		n += (size_t)r;
		if (n > max)
			return ENTRY_TOO_LARGE;
	}
}

static void note_merged(struct merge_set *set, const char *id, uint32_t c,
			uint32_t nimages, void *arg)
{
	struct bundle *b = arg;

	/* the same merged directory twice in one bundle: counted once */
	if (strmap_put(&b->merged, id, strlen(id), c))
		set->ctx[c].nimages += nimages;
}

static uint32_t unattr_ctx(struct merge_set *set, struct bundle *b)
{
	if (!b->have_unattr) {
		b->unattr = merge_set_context(set, "", COLLECT_ROLE_UNATTRIBUTED,
					      "");
		b->have_unattr = 1;
	}
	return b->unattr;
}

/* A process record entry: its image's context.  A bad record is left
 * alone: its image is unattributed. */
static void scan_record(struct merge_set *set, struct bundle *b,
			struct archive *a, const char *name,
			unsigned char **buf, size_t *alloc)
{
	struct collect_record rec;
	struct cr_error w;
	long n = read_entry(a, buf, alloc, RECORD_MAX);

	if (n < 0 || collect_record_parse((char *)*buf, (size_t)n, name, &rec,
					  &w) != CR_OK)
		return;
	strmap_put(&b->img, rec.id, strlen(rec.id),
		   merge_set_context(set, rec.exe, rec.role,
				     rec.label));
	collect_record_release(&rec);
}

/* The journal's compacted start (journal.z, COMPRESSED: one zlib stream,
 * docs/run-directory.md) inflated into *BUF, at most JOURNAL_MAX bytes:
 * its size, or -1.  Whatever it holds beyond what journal.zx names is
 * also in the journal itself: records read twice are the same. */
static long inflate_entry(struct archive *a, unsigned char **buf,
			  size_t *alloc, size_t *stream)
{
	unsigned char *z = NULL;
	size_t zalloc = 0, len;
	long zn = read_entry(a, &z, &zalloc, JOURNAL_MAX);
	struct cr_buf out;

	cr_buf_init(&out);
	if (zn < 0 || rundir_journal_z_inflate(z, (size_t)zn, JOURNAL_MAX,
						&out, stream)) {
		free(z);
		cr_buf_release(&out);
		return -1;
	}
	free(z);
	len = out.len;
	free(*buf);
	*alloc = out.alloc;
	*buf = (unsigned char *)cr_buf_take(&out);
	return (long)len;
}

/* A format-2 journal entry (COMPRESSED: journal.z): the contexts of the
 * images it records (docs/run-directory.md).  Bad frames are left alone:
 * their images are unattributed. */
static void bundle_twice(struct merge_set *set, const struct bundle *b,
			 const char *what)
{
	struct cr_error err;

	cr_error_set(&err, CR_ECORRUPT, b->path, -1, "%s is in the bundle "
		     "twice (counted once)", what);
	merge_set_left_out(set, &err);
}

static void keep_frames(struct bundle *b, const char *name, size_t plen,
			const char *buf, size_t len)
{
	size_t at = 0, rlen;
	struct rundir_frame f;
	const char *id, *rest;
	int rc, in_bad = 0;

	while ((rc = rundir_next_frame(buf, len, &at, &f)) != 0) {
		struct bundle_frame *bf;
		/* the hole compaction leaves reads as zeros: no frame */
		if (rc < 0 && buf[f.offset] == '@') {
			if (!in_bad) { /* a new damaged place */
				CR_GROW(b->bad, b->nbad + 1, b->bad_alloc);
				b->bad[b->nbad].prefix = cr_xstrndup(name, plen);
				b->bad[b->nbad].name = cr_xstrdup(name);
				b->bad[b->nbad++].first = f.offset;
			}
			b->bad[b->nbad - 1].last = f.offset;
		}
		in_bad = rc < 0 && (in_bad || buf[f.offset] == '@');
		if (rc < 0 || rundir_data_frame(&f, &id, &rest, &rlen))
			continue;
		CR_GROW(b->frames, b->nframes + 1, b->frames_alloc);
		bf = &b->frames[b->nframes++];
		bf->prefix = cr_xstrndup(name, plen);
		bf->id = cr_xstrdup(id);
		bf->rest = cr_xmalloc(rlen ? rlen : 1);
		memcpy(bf->rest, rest, rlen);
		bf->len = rlen;
		bf->offset = f.offset;
	}
}

static void scan_journal(struct merge_set *set, struct bundle *b,
			 struct archive *a, const char *name, size_t plen,
			 unsigned char **buf, size_t *alloc, int compressed)
{
	struct collect_run run = { 0 };
	size_t nrec = 0, stream = 0;
	long n = compressed ? inflate_entry(a, buf, alloc, &stream)
			    : read_entry(a, buf, alloc, JOURNAL_MAX);

	if (compressed) /* damaged: named below, not again as missing */
		strmap_put(&b->z_read, name, plen,
			   n < 0 || stream > UINT32_MAX ? UINT32_MAX
							: (uint32_t)stream);

	if (n < 0) {
		struct cr_error err;
		cr_error_set(&err, CR_ECORRUPT, b->path, -1, "entry '%s': "
			     "damaged, or larger than %zu MiB (its records "
			     "and counters left out)", name, JOURNAL_MAX >> 20);
		merge_set_left_out(set, &err);
		return;
	}
	/* journal.z holds no "@d" frame, and its offsets are not the
	 * journal's; an entry given twice is read once */
	if (!compressed && strmap_put(&b->journals, name, strlen(name), 1))
		keep_frames(b, name, plen, (const char *)*buf, (size_t)n);
	else if (!compressed)
		bundle_twice(set, b, name);
	collect_journal_parse((char *)*buf, (size_t)n, name, &run, &nrec,
			      NULL);
	/* damage in journal.z: named, the rest read (the journal's own
	 * damage is named by keep_frames, above the mark only) */
	if (compressed && run.nbad) {
		struct cr_error err;
		cr_error_set(&err, CR_ECORRUPT, b->path, -1, "entry '%s': %s",
			     name, run.first_bad.msg);
		merge_set_left_out(set, &err);
	}
	for (size_t i = 0; i < run.nrecords; i++) {
		const struct collect_record *rec = &run.records[i];
		/* an image's end without its start: the start is in the
		 * journal's compacted part (journal.z), met before or after */
		if (!rec->exe || !rec->exe[0])
			continue;
		strmap_put(&b->img, rec->id, strlen(rec->id),
			   merge_set_context(set, rec->exe, rec->role,
					     rec->label));
	}
	collect_run_release(&run);
}

/* run.info, or a merged directory's runs file (run part P): the runs
 * the bundle holds, claimed once the whole bundle is scanned. */
static void add_run(struct bundle *b, const char *id, const char *name,
		    const char *p)
{
	char *place = cr_xasprintf("%s\n%.*s", id, (int)(p - name), name);

	strmap_put(&b->runs, id, strlen(id), 1);
	strmap_put(&b->run_places, place, strlen(place), 1);
	free(place);
}

static void scan_runs(struct bundle *b, struct archive *a, const char *name,
		      const char *p, unsigned char **buf, size_t *alloc)
{
	long n = read_entry(a, buf, alloc, JOURNAL_MAX);
	char *text, **ids;
	size_t k;

	if (n < 0)
		return;
	text = cr_xstrndup((const char *)*buf, (size_t)n);
	if (!strcmp(p, RUNDIR_INFO)) {
		char id[32];
		if (!rundir_info_id(text, (size_t)n, id, sizeof(id)))
			add_run(b, id, name, p);
	} else if (!merge_parse_runs(text, &ids, &k)) {
		for (size_t i = 0; i < k; i++)
			add_run(b, ids[i], name, p);
		free(ids);
	}
	free(text);
}

/* journal.zx NAME (run part P): how much of journal.z it names, checked
 * once the bundle is scanned (check_compacted). */
static void scan_zx(struct bundle *b, struct archive *a, const char *name,
		    const char *p, unsigned char **buf, size_t *alloc)
{
	long n = read_entry(a, buf, alloc, 4096);
	uint64_t x, l, zn;
	char *text;

	if (n < 0)
		return;
	text = cr_xstrndup((const char *)*buf, (size_t)n);
	if (!rundir_journal_zx_parse(text, &x, &l, &zn) && l && zn &&
	    zn <= UINT32_MAX)
		strmap_put(&b->z_named, name, (size_t)(p - name),
			   (uint32_t)zn);
	free(text);
}

/* A journal.z that journal.zx names but the bundle lacks, or holds cut
 * short: the records it held are lost, which is said (README.md, "Exit
 * status"), as for a run directory. */
static void check_compacted(struct merge_set *set, const struct bundle *b)
{
	for (size_t i = 0; i < b->z_named.size; i++) {
		const char *prefix = b->z_named.key[i];
		uint32_t *got;
		if (!prefix)
			continue;
		got = strmap_find(&b->z_read, prefix, strlen(prefix));
		if (got && *got >= b->z_named.val[i])
			continue;
		struct cr_error w;
		cr_error_set(&w, CR_ECORRUPT, b->path, -1, "entry '%s%s': "
			     "%s (journal.zx names %u bytes of it): the "
			     "records it held are lost", prefix,
			     RUNDIR_JOURNAL_Z, got ? "cut short" : "missing",
			     b->z_named.val[i]);
		merge_set_left_out(set, &w);
	}
}

/* Does the directory PREFIX of B hold an aggregate (a fold generation,
 * or a merged directory's contexts)? */
static int holds_aggregate(const struct bundle *b, const char *prefix,
			   size_t len)
{
	for (size_t i = 0; i < b->ngens; i++)
		if (strlen(b->gens[i].prefix) == len &&
		    !memcmp(b->gens[i].prefix, prefix, len))
			return 1;
	return 0;
}

/* A run under two directories of B, one of them with an aggregate (a run
 * and a merge of it): its images carry ids and are counted once, but the
 * aggregates would both count.  Named; returns 1. */
static int run_twice(struct merge_set *set, const struct bundle *b)
{
	const struct strmap *m = &b->run_places;

	for (size_t i = 0; i < m->size; i++) {
		const char *a = m->key[i], *nl = a ? strchr(a, '\n') : NULL;
		for (size_t j = 0; nl && j < m->size; j++) {
			const char *c = m->key[j];
			size_t idlen = (size_t)(nl - a);
			if (!c || j == i || strncmp(a, c, idlen + 1) ||
			    (!holds_aggregate(b, nl + 1, strlen(nl + 1)) &&
			     !holds_aggregate(b, c + idlen + 1,
					      strlen(c + idlen + 1))))
				continue;
			struct cr_error w;
			cr_error_set(&w, CR_EUSAGE, b->path, -1, "holds run "
				     "%.*s twice, in '%s' and '%s' (a run and "
				     "a merge of it): left out, not counted "
				     "twice", (int)idlen, a, nl + 1,
				     c + idlen + 1);
			merge_set_left_out(set, &w);
			return 1;
		}
	}
	return 0;
}

/* Claim the runs of B (merge_set_claim_runs): 0 when it is left out. */
static int claim_bundle_runs(struct merge_set *set, struct bundle *b)
{
	if (run_twice(set, b))
		return 0;

	char **ids = cr_xmalloc((b->runs.n + 1) * sizeof(*ids));
	size_t n = 0;
	int ok;

	for (size_t i = 0; i < b->runs.size; i++)
		if (b->runs.key[i])
			ids[n++] = b->runs.key[i];
	ok = merge_set_claim_runs(set, ids, n, b->path);
	free(ids);
	return ok;
}

/* The image id of run part KEY ("img/<id>", "data/<id>"), or NULL. */
static const char *image_of(const char *key)
{
	if (!strncmp(key, IMG_PART, IMG_LEN))
		return key + IMG_LEN;
	if (!strncmp(key, DATA_PART, DATA_LEN))
		return key + DATA_LEN;
	return NULL;
}

/* Count the images met in the first pass, now that every record is
 * known; an image another input had is marked not to be read.  An image
 * with both img/<id> and data/<id> (the shim fell back to files for some
 * objects) is one image. */
static void count_images(struct merge_set *set, struct bundle *b)
{
	struct strmap *m = &b->images, mine = { 0 };

	for (size_t i = 0; i < m->size; i++) {
		const char *key = m->key[i], *id;
		uint32_t *k = NULL, c;
		if (!key || !m->val[i])
			continue; /* a taken image its generation holds */
		if ((id = image_of(key))) {
			if (strmap_find(&mine, id, strlen(id)))
				continue; /* its other part: read, counted */
			if (!merge_set_claim_image(set, id, b->path)) {
				m->val[i] = 0;
				continue;
			}
			strmap_put(&mine, id, strlen(id), 1);
			k = strmap_find(&b->img, id, strlen(id));
		}
		/* unattr_ctx may grow set->ctx: index after the call */
		c = k ? *k : unattr_ctx(set, b);
		set->ctx[c].nimages++;
	}
	strmap_release(&mine);
}

/* The contexts file NAME of a merged directory in the bundle, read into
 * *BUF (NUL-terminated): its length, or an error. */
static enum cr_err read_contexts(struct bundle *b, struct archive *a,
				 const char *name, unsigned char **buf,
				 size_t *alloc, size_t *len,
				 struct cr_error *err)
{
	long n = read_entry(a, buf, alloc, CR_READ_MAX);

	if (n < 0)
		return cr_error_set(err, CR_ECORRUPT, b->path, -1, "cannot "
				    "read '%s' in the bundle%s", name,
				    n == ENTRY_TOO_LARGE ? " (too large)"
							 : "");
	*buf = cr_xrealloc(*buf, (size_t)n + 1);
	*alloc = (size_t)n + 1;
	(*buf)[n] = '\0';
	*len = (size_t)n;
	return CR_OK;
}

/* The contexts file NAME (run part P): a merged directory's (gen -1) or a
 * fold generation's, kept until the bundle is scanned (the runs it holds
 * claimed, the current generation known). */
static enum cr_err scan_contexts(struct merge_set *set, struct bundle *b,
				 struct archive *a, const char *name,
				 const char *p, unsigned char **buf,
				 size_t *alloc, struct cr_error *err)
{
	size_t len = 0, plen = 0;
	int taken;
	long gen = fold_gen(name, p, &taken, &plen);
	enum cr_err e = read_contexts(b, a, name, buf, alloc, &len, err);

	if (e)
		return e;
	if (taken)
		return merge_parse_contexts(set, (char *)*buf, b->path,
					    note_merged, b, err);
	if (gen < 0)
		plen = (size_t)(p - name);
	CR_GROW(b->gens, b->ngens + 1, b->gens_alloc);
	b->gens[b->ngens].prefix = cr_xstrndup(name, plen);
	b->gens[b->ngens].text = cr_xstrndup((const char *)*buf, len);
	b->gens[b->ngens++].gen = gen;
	return CR_OK;
}

/* fold/current of a run directory in the bundle (NAME ends with it). */
static void scan_current(struct bundle *b, struct archive *a,
			 const char *name, unsigned char **buf,
			 size_t *alloc)
{
	size_t plen = strlen(name) - strlen(RUNDIR_FOLD "/"
					    RUNDIR_FOLD_CURRENT);
	long n = read_entry(a, buf, alloc, 64);
	long gen = n > 0 ? rundir_fold_parse_current((char *)*buf, (size_t)n)
			 : 0;

	if (gen > 0 && gen <= UINT32_MAX)
		strmap_put(&b->fold_current, name, plen, (uint32_t)gen);
}

/* A generation's mark, fold/<N>/mark (docs/run-directory.md, "Fold"),
 * kept until the current generation is known: 1 when NAME is one. */
static int scan_mark(struct bundle *b, struct archive *a, const char *name,
		     unsigned char **buf, size_t *alloc)
{
	static const char tail[] = "/" RUNDIR_FOLD_MARK;
	size_t n = strlen(name), t = sizeof(tail) - 1, plen;
	struct fold_contexts *m;
	long gen, len;
	int taken;

	if (n <= t || strcmp(name + n - t, tail))
		return 0;
	gen = fold_gen(name, name + n - t + 1, &taken, &plen);
	if (gen < 0 || taken)
		return 0;
	len = read_entry(a, buf, alloc, CR_READ_MAX);
	if (len < 0)
		return 1;
	CR_GROW(b->marks, b->nmarks + 1, b->marks_alloc);
	m = &b->marks[b->nmarks++];
	m->prefix = cr_xstrndup(name, plen);
	m->gen = gen;
	m->text = cr_xmalloc((size_t)len + 1);
	memcpy(m->text, *buf, (size_t)len);
	m->text[len] = '\0';
	return 1;
}

/* The mark *W of the current generation of the run directory PREFIX,
 * and the images it holds part of (OPEN): 0, or -1 when there is a
 * generation without a mark (missing or damaged). */
static int current_mark(const struct bundle *b, const char *prefix,
			uint64_t *w, struct strmap *open)
{
	size_t n = strlen(prefix);
	long cur = current_gen(b, prefix, n);

	*w = 0;
	for (size_t i = 0; cur && i < b->nmarks; i++) {
		if (b->marks[i].gen == cur && !strcmp(b->marks[i].prefix,
						      prefix))
			return rundir_fold_mark_parse(
				b->marks[i].text, strlen(b->marks[i].text),
				w, open);
	}
	return cur ? -1 : 0;
}

/* Name the damaged places of each journal entry at or above their
 * generation's mark, once per entry: below it, compaction may have freed
 * the start of a frame (the journal reads as zeros up to a block
 * boundary, then the rest of that frame), and the generation holds what
 * was there. */
static void name_bad_frames(struct merge_set *set, struct bundle *b)
{
	size_t i = 0;

	/* keep_frames adds an entry's places one after the other */
	while (i < b->nbad) {
		const struct bundle_bad *f = &b->bad[i];
		struct strmap open = { 0 };
		uint64_t w = 0, first = 0;
		size_t n = 0;
		if (is_rundir(b, f->prefix, strlen(f->prefix)))
			current_mark(b, f->prefix, &w, &open);
		strmap_release(&open);
		for (; i < b->nbad && !strcmp(b->bad[i].name, f->name); i++)
			if (b->bad[i].last >= w && !n++)
				first = b->bad[i].first >= w ? b->bad[i].first
							     : b->bad[i].last;
		if (n) {
			struct cr_error err;
			cr_error_set(&err, CR_ECORRUPT, b->path,
				     (long long)first, "entry '%s': a damaged "
				     "frame at offset %" PRIu64 " (%zu damaged "
				     "places in all; left out)", f->name,
				     first, n);
			merge_set_left_out(set, &err);
		}
	}
}

/* Queue the "@d" frames of the bundle's journals, from their current
 * generation's mark (which holds those before), one input per image; an
 * image the generation holds part of is not counted again, and one with
 * img/<id> in the bundle was counted with it (count_images). */
static void queue_frames(struct merge_set *set, struct bundle *b)
{
	struct strmap index = { 0 }, ids = { 0 }, warned = { 0 };
	struct image { const char *prefix, *id; uint64_t w; int open,
		       no_mark; struct cr_buf list; } *v = NULL;
	uint32_t *grp = cr_xcalloc(b->nframes + 1, sizeof(*grp));
	size_t nv = 0, valloc = 0;

	for (size_t i = 0; i < b->nframes; i++) {
		struct bundle_frame *f = &b->frames[i];
		char *key = cr_xasprintf("%s\n%s", f->prefix, f->id);
		uint32_t *ix = strmap_find(&index, key, strlen(key));
		if (!ix) {
			CR_GROW(v, nv + 1, valloc);
			memset(&v[nv], 0, sizeof(v[nv]));
			cr_buf_init(&v[nv].list);
			v[nv].prefix = f->prefix;
			v[nv].id = f->id;
			strmap_put(&index, key, strlen(key), (uint32_t)nv++);
			ix = strmap_find(&index, key, strlen(key));
		}
		grp[i] = *ix;
		free(key);
	}
	for (size_t i = 0; i < nv; i++) {
		struct strmap open = { 0 };
		if (is_rundir(b, v[i].prefix, strlen(v[i].prefix)))
			v[i].no_mark = current_mark(b, v[i].prefix, &v[i].w,
						    &open) != 0;
		v[i].open = strmap_find(&open, v[i].id, strlen(v[i].id)) != NULL;
		strmap_release(&open);
	}
	for (size_t i = 0; i < b->nframes; i++)
		if (b->frames[i].offset >= v[grp[i]].w)
			merge_frames_append(&v[grp[i]].list, b->frames[i].rest,
					    b->frames[i].len);
	for (size_t i = 0; i < nv; i++) {
		char *img = cr_xasprintf(IMG_PART "%s", v[i].id);
		uint32_t *has_img = strmap_find(&b->images, img, strlen(img));
		uint32_t *k = strmap_find(&b->img, v[i].id, strlen(v[i].id));
		/* unattr_ctx may grow set->ctx: index after the call */
		uint32_t c = k ? *k : unattr_ctx(set, b);
		if (v[i].no_mark && v[i].list.len) {
			struct cr_error err;
			if (!strmap_put(&warned, v[i].prefix,
					strlen(v[i].prefix), 1))
				goto next; /* said once per run directory */
			cr_error_set(&err, CR_ECORRUPT, b->path, -1, "'%s"
				     RUNDIR_FOLD "/%ld/" RUNDIR_FOLD_MARK "' is "
				     "missing or damaged: the counters in the "
				     "journal after that generation are left "
				     "out", v[i].prefix,
				     current_gen(b, v[i].prefix,
						 strlen(v[i].prefix)));
			merge_set_left_out(set, &err);
		} else if (v[i].list.len &&
		    !strmap_put(&ids, v[i].id, strlen(v[i].id), 1)) {
			char *what = cr_xasprintf("image '%s'", v[i].id);
			bundle_twice(set, b, what);
			free(what);
		} else if (v[i].list.len &&
		    (has_img || merge_set_claim_image(set, v[i].id, b->path)))
			merge_set_add_frames(set, b->path, v[i].id, c,
					     &v[i].list,
					     !has_img && !v[i].open);
next:
		cr_buf_release(&v[i].list);
		free(img);
	}
	free(v);
	free(grp);
	strmap_release(&index);
	strmap_release(&ids);
	strmap_release(&warned);
	for (size_t i = 0; i < b->nframes; i++) {
		free(b->frames[i].prefix);
		free(b->frames[i].id);
		free(b->frames[i].rest);
	}
	b->nframes = 0; /* copied into the inputs */
}

/* Is NAME a fold/current file (at the top or under a directory)? */
static int is_fold_current(const char *name)
{
	static const char tail[] = RUNDIR_FOLD "/" RUNDIR_FOLD_CURRENT;
	size_t n = strlen(name), t = sizeof(tail) - 1;

	return n >= t && !strcmp(name + n - t, tail) &&
	       (n == t || name[n - t - 1] == '/');
}

/* Once the first pass knows each run directory's current generation:
 * its contexts are read, and the images taken into it or into an earlier
 * one are not (its aggregate holds them; docs/run-directory.md, "Fold").
 * Images taken for a later generation are read like any image. */
static enum cr_err settle_folds(struct merge_set *set, struct bundle *b,
				struct cr_error *err)
{
	enum cr_err e = CR_OK;

	for (size_t i = 0; i < b->ngens && !e; i++) {
		struct fold_contexts *g = &b->gens[i];
		size_t n = strlen(g->prefix);
		if (g->gen < 0 || !is_rundir(b, g->prefix, n) ||
		    g->gen == current_gen(b, g->prefix, n))
			e = merge_parse_contexts(set, g->text, b->path,
						 note_merged, b, err);
	}
	for (size_t i = 0; i < b->taken.size; i++) {
		const char *key = b->taken.key[i], *nl;
		uint32_t *k;
		if (!key || !(nl = strchr(key, '\n')))
			continue;
		if (!is_rundir(b, key, (size_t)(nl - key)) ||
		    (long)b->taken.val[i] >
			    current_gen(b, key, (size_t)(nl - key)))
			continue;
		k = strmap_find(&b->images, nl + 1, strlen(nl + 1));
		if (k)
			*k = 0;
	}
	return e;
}

/* Remember that image entry NAME (run part KEY, KEYLEN bytes of P) was
 * taken by a fold, when it was. */
static void note_taken(struct bundle *b, const char *name, const char *p,
		       size_t keylen)
{
	size_t plen;
	int taken;
	long gen = fold_gen(name, p, &taken, &plen);
	char *key;

	if (gen < 0 || !taken || gen > UINT32_MAX)
		return;
	key = cr_xasprintf("%.*s\n%.*s", (int)plen, name, (int)keylen, p);
	strmap_put(&b->taken, key, strlen(key), (uint32_t)gen);
	free(key);
}

/* A file only a run directory has (run part P of entry NAME): its path
 * is a run directory's. */
static void note_rundir(struct bundle *b, const char *name, const char *p)
{
	if (!strcmp(p, RUNDIR_INFO) || !strcmp(p, RUNDIR_JOURNAL) ||
	    !strcmp(p, RUNDIR_JOURNAL_Z) ||
	    !strncmp(p, PROC_PART, PROC_LEN))
		strmap_put(&b->rundirs, name, (size_t)(p - name), 1);
}

/* First pass: records and contexts; images counted per context. */
static enum cr_err scan(struct merge_set *set, struct bundle *b,
			struct cr_error *err)
{
	struct archive *a = open_archive(b->path, err);
	struct archive_entry *ent;
	unsigned char *buf = NULL;
	size_t alloc = 0, nentries = 0;
	enum cr_err e = CR_OK;
	int r;

	if (!a)
		return CR_ECORRUPT;
	while ((r = archive_read_next_header(a, &ent)) == ARCHIVE_OK) {
		const char *name = archive_entry_pathname(ent);
		const char *p = name ? run_part(name) : NULL;

		nentries++;
		if (name && is_fold_current(name) &&
		    archive_entry_filetype(ent) == AE_IFREG) {
			scan_current(b, a, name, &buf, &alloc);
			continue;
		}
		if (name && archive_entry_filetype(ent) == AE_IFREG &&
		    scan_mark(b, a, name, &buf, &alloc))
			continue;
		if (!p || archive_entry_filetype(ent) != AE_IFREG)
			continue;
		note_rundir(b, name, p);
		if (!strncmp(p, PROC_PART, PROC_LEN) &&
		    strlen(p) > PROC_LEN + 4 &&
		    !strcmp(p + strlen(p) - 4, ".rec")) {
			scan_record(set, b, a, name, &buf, &alloc);
		} else if (!strcmp(p, RUNDIR_JOURNAL)) {
			scan_journal(set, b, a, name, (size_t)(p - name), &buf,
				     &alloc, 0);
		} else if (!strcmp(p, RUNDIR_JOURNAL_Z)) {
			scan_journal(set, b, a, name, (size_t)(p - name), &buf,
				     &alloc, 1);
		} else if (!strcmp(p, RUNDIR_JOURNAL_ZX)) {
			scan_zx(b, a, name, p, &buf, &alloc);
		} else if (!strcmp(p, RUNDIR_INFO) || !strcmp(p, RUNDIR_RUNS)) {
			scan_runs(b, a, name, p, &buf, &alloc);
		} else if (!strcmp(p, RUNDIR_CONTEXTS)) {
			e = scan_contexts(set, b, a, name, p, &buf, &alloc,
					  err);
			if (e)
				break;
		} else if (!strncmp(p, DATA_PART, DATA_LEN) && p[DATA_LEN] &&
			   !strchr(p + DATA_LEN, '/')) {
			strmap_put(&b->images, p, strlen(p), 1);
			note_taken(b, name, p, strlen(p));
		} else if (!strncmp(p, IMG_PART, IMG_LEN) ||
			   !strncmp(p, RUNDIR_UNATTRIBUTED "/",
				    sizeof(RUNDIR_UNATTRIBUTED))) {
			const char *end = strchr(strchr(p, '/') + 1, '/');
			if (end) {
				strmap_put(&b->images, p, (size_t)(end - p), 1);
				note_taken(b, name, p, (size_t)(end - p));
			}
		}
	}
	if (!e && !claim_bundle_runs(set, b))
		b->left_out = 1;
	if (!e && !b->left_out)
		e = settle_folds(set, b, err);
	if (!e && r != ARCHIVE_EOF && !nentries)
		e = cr_error_set(err, CR_ECORRUPT, b->path, -1, "cannot read "
				 "the bundle: %s", archive_error_string(a));
	/* a damaged archive: what precedes the damage is still merged (the
	 * second pass reports the damage) */
	if (!e && !b->left_out) {
		check_compacted(set, b);
		count_images(set, b);
		name_bad_frames(set, b);
		queue_frames(set, b);
	}
	free(buf);
	archive_read_free(a);
	return e;
}

enum cr_err merge_set_add_bundle(struct merge_set *set, const char *path,
				 struct cr_error *err)
{
	struct bundle *b;
	enum cr_err e;

	if (!merge_set_claim_source(set, path))
		return CR_OK;
	b = cr_xcalloc(1, sizeof(*b));
	b->path = cr_xstrdup(path);
	e = scan(set, b, err);
	if (e || b->left_out) {
		merge_bundle_free(b);
		return e;
	}
	/* images of unknown records need their context before reading */
	unattr_ctx(set, b);
	merge_set_queue_bundle(set, path, b);
	return CR_OK;
}

/* Warn about entry NAME of bundle B: "image 'I': <what> (left out)". */
static void entry_warn(struct worker *w, const struct bundle *b,
		       const char *name, const char *image, const char *what)
{
	struct cr_error err;

	cr_error_set(&err, CR_ECORRUPT, b->path, -1, "entry '%s', image "
		     "'%s': %s (left out)", name, image, what);
	merge_worker_warn(w, &err);
}

/* The context of the gcda entry whose run part is P (ID its image or
 * context id, REST the absolute gcda path), or -1 when it is not read. */
static long entry_context(const struct bundle *b, const char *name,
			  const char *p, const char *id, const char *rest)
{
	const uint32_t *k;

	if (!strncmp(p, RUNDIR_CTX "/", sizeof(RUNDIR_CTX))) {
		if (!current_generation(b, name, p))
			return -1;
		k = strmap_find(&b->merged, id, (size_t)(rest - id));
		return k ? (long)*k : -1;
	}
	k = strmap_find(&b->images, p, (size_t)(rest - p));
	if (!k || !*k)
		return -1; /* another input had this image */
	if (!strncmp(p, IMG_PART, IMG_LEN))
		k = strmap_find(&b->img, id, (size_t)(rest - id));
	else
		k = NULL;
	return k ? (long)*k : (long)b->unattr;
}

/* Read the current entry (NAME, run part P, gcda path REST) of B. */
static void read_gcda(struct worker *w, const struct bundle *b,
		      struct archive *a, struct archive_entry *ent,
		      const char *name, const char *p, const char *rest,
		      uint32_t ctx)
{
	struct cr_buf gcno, label, image;
	size_t *alloc, max;
	unsigned char **buf = merge_worker_scratch(w, &alloc);
	long len;

	cr_buf_init(&gcno);
	cr_buf_init(&label);
	cr_buf_init(&image);
	cr_buf_add(&gcno, rest, strlen(rest) - 4);
	cr_buf_adds(&gcno, "gcno");
	cr_buf_addf(&label, "%s!%s", b->path, name);
	cr_buf_addf(&image, "%s:%.*s", b->path, (int)(rest - p), p);
	/* bounded by what its object can need: reading stops at once */
	max = merge_worker_gcda_max(w, gcno.buf);
	if (!max)
		len = -3; /* no usable notes file: counted already */
	else if (archive_entry_size_is_set(ent) &&
		 archive_entry_size(ent) > (la_int64_t)max)
		len = ENTRY_TOO_LARGE;
	else
		len = read_entry(a, buf, alloc, max);
	if (len == ENTRY_TOO_LARGE) {
		char what[128];
		snprintf(what, sizeof(what), "larger than its notes file "
			 "allows (%zu bytes)", max);
		entry_warn(w, b, name, image.buf, what);
	} else if (len == -1) {
		entry_warn(w, b, name, image.buf, "cannot read the entry");
	} else if (len >= 0) {
		merge_worker_gcda(w, image.buf, ctx, label.buf, gcno.buf,
				  *buf, (size_t)len);
	}
	cr_buf_release(&gcno);
	cr_buf_release(&label);
	cr_buf_release(&image);
}

/* Read the data file entry NAME (run part P: "data/<id>", or a fold
 * generation's "ctx/<id>") of B into context CTX. */
static void read_data(struct worker *w, const struct bundle *b,
		      struct archive *a, const char *name, const char *p,
		      uint32_t ctx)
{
	size_t *alloc;
	unsigned char **buf = merge_worker_scratch(w, &alloc);
	struct cr_buf label, image;
	long len;

	cr_buf_init(&label);
	cr_buf_init(&image);
	cr_buf_addf(&label, "%s!%s", b->path, name);
	cr_buf_addf(&image, "%s:%s", b->path, p);
	len = read_entry(a, buf, alloc, DATA_MAX);
	if (len == ENTRY_TOO_LARGE)
		entry_warn(w, b, name, image.buf, "a data file over 256 MiB");
	else if (len < 0)
		entry_warn(w, b, name, image.buf, "cannot read the entry");
	else
		merge_worker_data(w, image.buf, ctx, label.buf,
				  (const char *)*buf, (size_t)len, 1);
	cr_buf_release(&label);
	cr_buf_release(&image);
}

/* The context of data file entry P ("data/<id>" of an image to read, or
 * "ctx/<id>" of a listed context: a fold generation's data file), or -1
 * when P is neither. */
static long data_context(const struct bundle *b, const char *name,
			 const char *p)
{
	const uint32_t *k;

	if (!strncmp(p, DATA_PART, DATA_LEN)) {
		k = strmap_find(&b->images, p, strlen(p));
		if (!k)
			return -1;
		if (!*k)
			return -2; /* another input had this image */
		k = strmap_find(&b->img, p + DATA_LEN, strlen(p + DATA_LEN));
		return k ? (long)*k : (long)b->unattr;
	}
	if (strncmp(p, CTX_PART, CTX_LEN) || strchr(p + CTX_LEN, '/') ||
	    !current_generation(b, name, p))
		return -1;
	k = strmap_find(&b->merged, p + CTX_LEN, strlen(p + CTX_LEN));
	return k ? (long)*k : -1;
}

/* Data file entry NAME (run part P) of B, when it is one: read once.
 * Returns whether it was one. */
static int data_entry(struct worker *w, const struct bundle *b,
		      struct archive *a, struct archive_entry *ent,
		      const char *name, const char *p, struct strmap *done)
{
	long ctx = p ? data_context(b, name, p) : -1;

	if (ctx == -1 || (!strncmp(p, CTX_PART, CTX_LEN) &&
			  archive_entry_filetype(ent) == AE_IFDIR))
		return 0; /* ctx/<id>/: a merged directory's gcda tree */
	if (ctx < 0)
		return 1;
	if (archive_entry_filetype(ent) != AE_IFREG)
		entry_warn(w, b, name, p, "not a regular file");
	else if (!strmap_put(done, p, strlen(p), 1))
		entry_warn(w, b, name, p, "the same data file is in the "
			   "bundle twice (counted once)");
	else
		read_data(w, b, a, name, p, (uint32_t)ctx);
	return 1;
}

/* Note in MET the context of entry NAME (run part P) when it is one of
 * a merged directory's, or of the current fold generation's: ctx/<id>,
 * ctx/<id>/, ctx/<id>/<gcda path>. */
static void note_context(const struct bundle *b, const char *name,
			 const char *p, struct archive_entry *ent,
			 struct strmap *met, int *packed)
{
	const char *id, *end;

	if (!p || strncmp(p, CTX_PART, CTX_LEN) ||
	    !current_generation(b, name, p))
		return;
	id = p + CTX_LEN;
	end = strchr(id, '/');
	if (end != id && *id)
		strmap_put(met, id, end ? (size_t)(end - id) : strlen(id), 1);
	if (*id && !end && archive_entry_filetype(ent) == AE_IFREG)
		*packed = 1; /* a generation's: every context has one */
}

/* A context its contexts file lists with no entry in the bundle: its
 * data is lost, as a directory's missing ctx/<id> is.  Only said of
 * bundles with fold generations' data files (written for every context):
 * an archiver may leave out the empty directory of a merged directory's
 * context, and covrun before 2026-12 wrote none for an empty context. */
static void warn_missing_contexts(struct worker *w, const struct bundle *b,
				  const struct strmap *met)
{
	for (size_t i = 0; i < b->merged.size; i++) {
		const char *id = b->merged.key[i];
		struct cr_error err;
		if (!id || strmap_find(met, id, strlen(id)))
			continue;
		cr_error_set(&err, CR_ECORRUPT, b->path, -1, "context '%s' is "
			     "listed but not in the bundle (left out)", id);
		merge_worker_warn(w, &err);
	}
}

/* Second pass, in a reader thread. */
void merge_bundle_read(struct worker *w, const struct merge_input *in)
{
	struct bundle *b = in->bundle;
	struct cr_error err;
	struct archive *a = open_archive(b->path, &err);
	struct archive_entry *ent;
	struct strmap done = { 0 }; /* run parts read: each once */
	struct strmap ctx_met = { 0 }; /* contexts with an entry */
	int r, packed = 0;

	if (!a) {
		merge_worker_warn(w, &err);
		return;
	}
	while ((r = archive_read_next_header(a, &ent)) == ARCHIVE_OK) {
		const char *name = archive_entry_pathname(ent);
		const char *p = name ? run_part(name) : NULL;
		const char *id, *rest;
		size_t n = name ? strlen(name) : 0;
		long ctx;

		while (n > 1 && name[n - 1] == '/')
			n--; /* a directory entry */
		note_context(b, name, p, ent, &ctx_met, &packed);
		if (data_entry(w, b, a, ent, name, p, &done))
			continue;
		if (!p || n < 5 || strncmp(name + n - 5, ".gcda", 5))
			continue;
		id = strchr(p, '/') + 1;
		rest = strchr(id, '/');
		if (!rest || (ctx = entry_context(b, name, p, id, rest)) < 0)
			continue;
		if (archive_entry_filetype(ent) != AE_IFREG) {
			entry_warn(w, b, name, p, "not a regular file");
			continue;
		}
		if (!strmap_put(&done, p, strlen(p), 1)) {
			entry_warn(w, b, name, p, "the same gcda is in the "
				   "bundle twice (counted once)");
			continue;
		}
		read_gcda(w, b, a, ent, name, p, rest, (uint32_t)ctx);
	}
	if (r != ARCHIVE_EOF) {
		cr_error_set(&err, CR_ECORRUPT, b->path, -1, "cannot read the "
			     "rest of the bundle: %s (left out)",
			     archive_error_string(a));
		merge_worker_warn(w, &err);
	} else if (packed) {
		warn_missing_contexts(w, b, &ctx_met);
	}
	strmap_release(&done);
	strmap_release(&ctx_met);
	archive_read_free(a);
}
