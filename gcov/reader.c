/* SPDX-License-Identifier: MIT
 * gcov/reader.c: read-only file mappings and the bounded byte reader.
 *
 * gcno and gcda files are mapped read-only and parsed in place.  Every
 * integer is loaded with memcpy (GCC >= 12 files are not word-aligned after
 * their first string) and byte-swapped for big-endian files.  Reads past
 * the current limit (the file end or the end of the record being parsed)
 * raise a sticky CR_ECORRUPT error naming the file and the byte offset, so
 * record loops test the flag once.  Interface: gcov/gcov.h.
 */
#include "gcov/gcov.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* Map the SIZE bytes of the open file FD (closed here) into MAP. */
static enum cr_err map_fd(const char *path, int fd, size_t size,
			  struct cr_map *map, struct cr_error *err)
{
	void *p;

	if (size == 0) {
		close(fd);
		return CR_OK;
	}
	p = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (p == MAP_FAILED) {
		enum cr_err e = cr_error_errno(err, path, "cannot map");
		close(fd);
		return e;
	}
	close(fd);
	map->data = p;
	map->size = size;
	map->mapped = 1;
	return CR_OK;
}

/* Empty MAP, then open PATH: a FIFO or device named like a gcda is
 * refused, never waited on. */
static enum cr_err open_for_map(const char *path, struct cr_map *map,
				int *fd, size_t *size, struct cr_error *err)
{
	map->data = NULL;
	map->size = 0;
	map->mapped = 0;
	return cr_open_regular(path, GCOV_MAX_FILE, fd, size, err);
}

enum cr_err cr_map_open(const char *path, struct cr_map *map,
			struct cr_error *err)
{
	size_t size;
	int fd;
	enum cr_err e = open_for_map(path, map, &fd, &size, err);

	if (e)
		return e;
	return map_fd(path, fd, size, map, err);
}

#define SMALL_FILE ((size_t)1 << 20)

enum cr_err cr_map_read(const char *path, struct cr_map *map,
			unsigned char **scratch, size_t *scratch_size,
			struct cr_error *err)
{
	size_t n = 0, size;
	int fd;
	enum cr_err e = open_for_map(path, map, &fd, &size, err);

	if (e)
		return e;
	if (size > SMALL_FILE)
		return map_fd(path, fd, size, map, err);
	if (!*scratch || *scratch_size < SMALL_FILE + 1) {
		/* one size for every small file: a file that grows while
		 * read is cut at SMALL_FILE + 1 bytes, then found corrupt */
		*scratch_size = SMALL_FILE + 1;
		*scratch = cr_xrealloc(*scratch, *scratch_size);
	}
	while (n < *scratch_size) {
		ssize_t r = read(fd, *scratch + n, *scratch_size - n);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			e = cr_error_errno(err, path, "cannot read");
			close(fd);
			return e;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	map->data = *scratch;
	map->size = n;
	return CR_OK;
}

void cr_map_close(struct cr_map *map)
{
	if (map->data && map->mapped)
		munmap((void *)map->data, map->size);
	map->data = NULL;
	map->size = 0;
	map->mapped = 0;
}

void reader_init(struct reader *r, const unsigned char *data, size_t size,
		 const char *path, struct cr_error *err)
{
	memset(r, 0, sizeof(*r));
	r->base = data;
	r->size = size;
	r->path = path;
	r->err = err;
}

void reader_fail(struct reader *r, size_t offset, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (r->failed)
		return;
	r->failed = 1;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	cr_error_set(r->err, CR_ECORRUPT, r->path, (long long)offset, "%s",
		     msg);
}

static uint32_t bswap32(uint32_t v)
{
	return (v >> 24) | ((v >> 8) & 0xff00u) | ((v << 8) & 0xff0000u) |
	       (v << 24);
}

uint32_t reader_u32(struct reader *r)
{
	uint32_t v;

	if (r->failed)
		return 0;
	if (r->pos > r->size || r->size - r->pos < 4) {
		reader_fail(r, r->pos, "truncated");
		return 0;
	}
	memcpy(&v, r->base + r->pos, 4);
	r->pos += 4;
	return r->swap ? bswap32(v) : v;
}

int64_t reader_i64(struct reader *r)
{
	uint64_t lo = reader_u32(r);
	uint64_t hi = reader_u32(r);

	return (int64_t)(lo | (hi << 32));
}

const char *reader_string(struct reader *r)
{
	uint32_t n = reader_u32(r);
	size_t start = r->pos, bytes;
	const char *s;

	if (r->failed || n == 0)
		return NULL;
	bytes = r->byte_lengths ? (size_t)n : (size_t)n * 4;
	if (bytes > r->size - r->pos) {
		reader_fail(r, start - 4, "string of %zu bytes overruns",
			    bytes);
		return NULL;
	}
	s = (const char *)r->base + start;
	if (!memchr(s, '\0', bytes)) {
		reader_fail(r, start - 4, "unterminated string");
		return NULL;
	}
	r->pos += bytes;
	return s;
}

size_t reader_length_bytes(const struct reader *r, uint32_t len)
{
	return r->byte_lengths ? (size_t)len : (size_t)len * 4;
}

size_t reader_record_bytes(struct reader *r, size_t start, uint32_t tag,
			   uint32_t lenw)
{
	size_t len = reader_length_bytes(r, lenw);

	if (len > r->size - r->pos) {
		reader_fail(r, start, "truncated: record 0x%08x of %zu bytes "
			    "ends past the end of the file", tag, len);
		return 0;
	}
	return len;
}

int gcov_flavor_of(uint32_t v)
{
	unsigned c0 = v >> 24, c1 = (v >> 16) & 0xff, c2 = (v >> 8) & 0xff;

	if (c0 == '4' && c1 == '0' && c2 == '8')
		return GCOV_CLANG;
	if (c0 == 'B' && c1 == '1' && c2 >= '0' && c2 <= '9')
		return GCOV_GCC11;
	if (c0 == 'B' && c1 == '2' && c2 >= '0' && c2 <= '9')
		return GCOV_GCC12;
	return 0;
}

void gcov_version_text(uint32_t v, char buf[5])
{
	for (int i = 0; i < 4; i++) {
		unsigned c = (v >> (24 - 8 * i)) & 0xff;
		buf[i] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
	}
	buf[4] = '\0';
}
