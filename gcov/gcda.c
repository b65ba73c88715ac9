/* SPDX-License-Identifier: MIT
 * gcov/gcda.c: the .gcda reader and writer (GCC 11, GCC 12, clang 14).
 *
 * gcda_apply() validates a whole count file against its parsed gcno and
 * only then adds its arc counters, straight from the mapping, to the
 * object's counter array: a truncated or stale file never leaves half of
 * its counts behind.  gcda_write() produces an ordinary gcda that gcov,
 * gcovr and lcov read (docs/gcov-format.md §3, §5).
 * Interface: gcov/gcov.h.
 */
#include "gcov/gcov.h"

#include <stdlib.h>
#include <string.h>

/* A counter payload found by the validation pass. */
struct pending {
	uint32_t fn;      /* gcno function index */
	size_t offset;    /* payload start in the file, 0 for all zero */
};

static uint32_t swap32(uint32_t v)
{
	return (v >> 24) | ((v >> 8) & 0xff00u) | ((v << 8) & 0xff0000u) |
	       (v << 24);
}

static enum cr_err read_header(struct reader *r, const struct gcno_file *g,
			       struct gcda_info *info, struct cr_error *err)
{
	uint32_t magic = reader_u32(r);
	char vt[5], gt[5];

	if (r->failed)
		return CR_ECORRUPT;
	if (magic == swap32(GCDA_MAGIC)) {
		r->swap = 1;
	} else if (magic != GCDA_MAGIC) {
		reader_fail(r, 0, "not a gcda file");
		return CR_ECORRUPT;
	}
	info->version = reader_u32(r);
	if (r->failed)
		return CR_ECORRUPT;
	if (gcov_flavor_of(info->version) != g->flavor) {
		gcov_version_text(info->version, vt);
		gcov_version_text(g->version, gt);
		return cr_error_set(err, CR_EVERSION, r->path, 4,
				    "gcov version '%s' does not match its "
				    "notes file ('%s')", vt, gt);
	}
	r->byte_lengths = g->flavor == GCOV_GCC12;
	info->stamp = reader_u32(r);
	if (g->flavor == GCOV_GCC12)
		info->checksum = reader_u32(r);
	if (r->failed)
		return CR_ECORRUPT;
	if (info->stamp != g->stamp)
		return cr_error_set(err, CR_ESTALE, r->path, 8,
				    "stamp mismatch with notes file '%s' "
				    "(stale data)", g->path);
	return CR_OK;
}

/* Validation pass: every record, bounds and checksums.  Fills *LIST. */
static enum cr_err scan(struct reader *r, const struct gcno_file *g,
			struct gcda_info *info, struct pending **list,
			size_t *nlist, struct cr_error *err)
{
	size_t alloc = 0;
	long cur = -1;

	while (!r->failed && r->pos < r->size) {
		size_t start = r->pos, len, limit = r->size;
		uint32_t tag = reader_u32(r), lenw;
		int zero = 0;

		if (tag == 0)
			break;
		lenw = reader_u32(r);
		if (r->failed)
			break;
		if (g->flavor != GCOV_CLANG && (int32_t)lenw < 0 &&
		    tag == TAG_COUNTER_ARCS) {
			/* all-zero counters: negated length, no payload */
			len = reader_length_bytes(r,
				(uint32_t)(-(int64_t)(int32_t)lenw));
			zero = 1;
		} else {
			len = reader_record_bytes(r, start, tag, lenw);
			if (r->failed)
				break;
		}
		r->size = zero ? r->pos : r->pos + len;
		if (tag == TAG_OBJECT_SUMMARY && len >= 8) {
			info->runs = reader_u32(r);
			info->sum_max = reader_u32(r);
		} else if (tag == TAG_PROGRAM_SUMMARY && len >= 12) {
			(void)reader_u32(r);
			(void)reader_u32(r);
			info->runs = reader_u32(r);
		} else if (tag == TAG_FUNCTION && len == 12) {
			uint32_t ident = reader_u32(r);
			uint32_t lcs = reader_u32(r), ccs = reader_u32(r);
			/* libgcov writes functions in the notes file's order
			 * (duplicated idents: gcno_find_ident's choice) */
			if (!g->dup_idents && (size_t)(cur + 1) < g->nfns &&
			    g->fns[cur + 1].ident == ident)
				cur++;
			else
				cur = gcno_find_ident(g, ident);
			if (!r->failed && cur >= 0 &&
			    (lcs != g->fns[cur].lineno_checksum ||
			     ccs != g->fns[cur].cfg_checksum))
				return cr_error_set(err, CR_ESTALE, r->path,
					(long long)start, "profile mismatch "
					"for '%s' (stale data)",
					g->fns[cur].name);
		} else if (tag == TAG_COVRUN_ZERO && g->flavor != GCOV_CLANG) {
			/* functions all zero, left out by covrun's shim: as
			 * their records with all-zero counters would be */
			for (size_t k = 0; k + 4 <= len && !r->failed; k += 4) {
				long fn = gcno_find_ident(g, reader_u32(r));
				if (fn < 0 || r->failed)
					continue;
				CR_GROW(*list, *nlist + 1, alloc);
				(*list)[*nlist].fn = (uint32_t)fn;
				(*list)[*nlist].offset = 0;
				(*nlist)++;
				info->nfunctions++;
			}
		} else if (tag == TAG_COUNTER_ARCS && cur >= 0) {
			const struct gcno_fn *fn = &g->fns[cur];
			if (len % 8 || len / 8 != fn->nctrs)
				return cr_error_set(err, CR_ESTALE, r->path,
					(long long)start, "profile mismatch "
					"for '%s' (%zu counters, notes file "
					"has %u; stale data)", fn->name,
					len / 8, fn->nctrs);
			CR_GROW(*list, *nlist + 1, alloc);
			(*list)[*nlist].fn = (uint32_t)cur;
			(*list)[*nlist].offset = zero ? 0 : r->pos;
			(*nlist)++;
			info->nfunctions++;
		}
		r->size = limit;
		if (!r->failed)
			r->pos = start + 8 + (zero ? 0 : len);
	}
	return r->failed ? CR_ECORRUPT : CR_OK;
}

/* Does some payload of LIST hold a non-zero counter? */
static int any_nonzero(const struct gcno_file *g, struct reader *r,
		       const struct pending *list, size_t nlist)
{
	for (size_t i = 0; i < nlist; i++) {
		if (!list[i].offset)
			continue;
		r->pos = list[i].offset;
		for (uint32_t k = 0; k < g->fns[list[i].fn].nctrs; k++)
			if (reader_i64(r))
				return 1;
	}
	return 0;
}

/* The validated payloads of LIST added to CTRS (when given), counting
 * the non-zero counters; SEEN marked. */
static void add_counters(const struct gcno_file *g, struct reader *r,
			 const struct pending *list, size_t nlist,
			 int64_t *ctrs, uint8_t *seen, struct gcda_info *info)
{
	for (size_t i = 0; i < nlist; i++) {
		const struct gcno_fn *fn = &g->fns[list[i].fn];
		int64_t *dst = ctrs ? ctrs + fn->ctr_base : NULL;

		if (seen)
			seen[list[i].fn] = 1;
		if (!list[i].offset)
			continue;
		r->pos = list[i].offset;
		for (uint32_t k = 0; k < fn->nctrs; k++) {
			int64_t v = reader_i64(r);
			if (v)
				info->nonzero++;
			if (ctrs)
				dst[k] = wadd(dst[k], v);
		}
	}
}

/* Validate; then, when ALLOC or some counter is not zero, allocate
 * *CTRS and *SEEN if NULL and add.  One scan for both entry points. */
static enum cr_err apply(const struct gcno_file *g,
			 const unsigned char *data, size_t size,
			 const char *path, int64_t **ctrs, uint8_t **seen,
			 int alloc, struct gcda_info *info,
			 struct cr_error *err)
{
	struct pending *list = NULL;
	size_t nlist = 0;
	struct reader r;
	enum cr_err e;

	memset(info, 0, sizeof(*info));
	reader_init(&r, data, size, path, err);
	e = read_header(&r, g, info, err);
	if (!e)
		e = scan(&r, g, info, &list, &nlist, err);
	if (!e) {
		r.size = size;
		if (!alloc && !any_nonzero(g, &r, list, nlist)) {
			free(list);
			return CR_OK; /* nothing to add, nothing allocated */
		}
		if (ctrs && !*ctrs)
			*ctrs = cr_xcalloc(g->nctrs + 1, sizeof(int64_t));
		if (seen && !*seen)
			*seen = cr_xcalloc(g->nfns + 1, 1);
		add_counters(g, &r, list, nlist, ctrs ? *ctrs : NULL,
			     seen ? *seen : NULL, info);
	}
	free(list);
	return e;
}

enum cr_err gcda_apply(const struct gcno_file *g, const unsigned char *data,
		       size_t size, const char *path, int64_t *ctrs,
		       uint8_t *seen, struct gcda_info *info,
		       struct cr_error *err)
{
	return apply(g, data, size, path, ctrs ? &ctrs : NULL,
		     seen ? &seen : NULL, 1, info, err);
}

enum cr_err gcda_add(const struct gcno_file *g, const unsigned char *data,
		     size_t size, const char *path, int64_t **ctrs,
		     uint8_t **seen, struct gcda_info *info,
		     struct cr_error *err)
{
	return apply(g, data, size, path, ctrs, seen, 0, info, err);
}

static void put32(struct cr_buf *b, uint32_t v)
{
	cr_buf_add(b, &v, 4);
}

static void put_len(struct cr_buf *b, const struct gcno_file *g,
		    uint32_t bytes)
{
	put32(b, g->flavor == GCOV_GCC12 ? bytes : bytes / 4);
}

void gcda_write(const struct gcno_file *g, const int64_t *ctrs,
		const uint8_t *seen, const struct gcda_info *info,
		struct cr_buf *b)
{
	put32(b, GCDA_MAGIC);
	put32(b, g->version);
	put32(b, g->stamp);
	if (g->flavor == GCOV_GCC12)
		put32(b, info->checksum);
	if (g->flavor != GCOV_CLANG) {
		put32(b, TAG_OBJECT_SUMMARY);
		put_len(b, g, 8);
		put32(b, info->runs);
		put32(b, (uint32_t)info->sum_max);
	}
	for (uint32_t i = 0; i < g->nfns; i++) {
		const struct gcno_fn *fn = &g->fns[i];
		const int64_t *c = ctrs + fn->ctr_base;
		int zero = 1;

		put32(b, TAG_FUNCTION);
		if (seen && !seen[i]) {
			put32(b, 0);
			continue;
		}
		put_len(b, g, 12);
		put32(b, fn->ident);
		put32(b, fn->lineno_checksum);
		put32(b, fn->cfg_checksum);
		for (uint32_t k = 0; k < fn->nctrs; k++)
			if (c[k])
				zero = 0;
		put32(b, TAG_COUNTER_ARCS);
		if (zero) {
			uint32_t n = g->flavor == GCOV_GCC12 ? fn->nctrs * 8
							     : fn->nctrs * 2;
			put32(b, g->flavor == GCOV_CLANG ? n
				 : (uint32_t)-(int32_t)n);
			if (g->flavor != GCOV_CLANG)
				continue;
			for (uint32_t k = 0; k < 2 * fn->nctrs; k++)
				put32(b, 0);
			continue;
		}
		put_len(b, g, fn->nctrs * 8);
		for (uint32_t k = 0; k < fn->nctrs; k++) {
			uint64_t v = (uint64_t)c[k];
			put32(b, (uint32_t)v);
			put32(b, (uint32_t)(v >> 32));
		}
	}
	if (g->flavor == GCOV_CLANG) {
		put32(b, TAG_PROGRAM_SUMMARY);
		put_len(b, g, 12);
		put32(b, 0);
		put32(b, 0);
		put32(b, info->runs);
	}
	put32(b, 0);
}
