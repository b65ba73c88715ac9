/* SPDX-License-Identifier: MIT
 * tests/merge/gcovjson.c: print gcov's JSON for one object, computed by
 * covrun's merge module.
 *
 * usage: gcovjson [--no-data] FILE.gcda...
 * For each argument the notes file is FILE.gcno; one JSON document per
 * line, as `gcov -b --json-format --stdout` prints it.  Used by the
 * differential test (tests/merge/difftest.py).
 */
#include "gcov/gcov.h"
#include "tests/merge/gcov_json_write.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int one(const char *gcda)
{
	size_t n = strlen(gcda);
	char *gcno;
	struct gcno_file g;
	struct layout lay;
	struct solve_ws ws;
	struct cr_error err;
	struct cr_map map;
	struct gcda_info info;
	struct cr_buf out;
	int64_t *ctrs;

	if (n < 5 || strcmp(gcda + n - 5, ".gcda")) {
		fprintf(stderr, "gcovjson: '%s' is not a .gcda\n", gcda);
		return 1;
	}
	gcno = cr_xstrdup(gcda);
	memcpy(gcno + n - 4, "gcno", 4);
	if (gcno_file_read(gcno, &g, &err)) {
		fprintf(stderr, "gcovjson: '%s': %s (at byte %lld)\n",
			err.path, err.msg, err.offset);
		free(gcno);
		return 1;
	}
	free(gcno);
	ctrs = cr_xcalloc(g.nctrs + 1, sizeof(int64_t));
	if (cr_map_open(gcda, &map, &err) == CR_OK) {
		if (gcda_apply(&g, map.data, map.size, gcda, ctrs, NULL,
			       &info, &err)) {
			fprintf(stderr, "gcovjson: '%s': %s (at byte %lld)\n",
			err.path, err.msg, err.offset);
			cr_map_close(&map);
			return 1;
		}
		cr_map_close(&map);
	}
	layout_build(&g, LAYOUT_NAMES_GCOV, &lay);
	memset(&ws, 0, sizeof(ws));
	solve_object(&lay, ctrs, &ws);
	cr_buf_init(&out);
	{
		char *canon = gcov_canonicalize(gcda);
		json_object_write(&lay, &ws, canon, &out);
		free(canon);
	}
	fwrite(out.buf, 1, out.len, stdout);
	cr_buf_release(&out);
	solve_ws_release(&ws);
	layout_release(&lay);
	free(ctrs);
	gcno_file_release(&g);
	return 0;
}

int main(int argc, char **argv)
{
	int rc = 0;

	for (int i = 1; i < argc; i++)
		rc |= one(argv[i]);
	return rc;
}
