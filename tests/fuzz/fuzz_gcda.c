/* SPDX-License-Identifier: MIT
 * tests/fuzz/fuzz_gcda.c: libFuzzer target for the gcda reader
 * (gcov/gcda.c) against a real gcno, named by COVRUN_FUZZ_GCNO (set by
 * tools/fuzz.sh).  A gcda written by a killed process can be anything.
 */
#include "gcov/gcov.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static struct gcno_file gcno;
static int have_gcno = -1;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cr_error err;
	struct gcda_info info;
	int64_t *ctrs;
	uint8_t *seen;

	if (have_gcno < 0) {
		const char *p = getenv("COVRUN_FUZZ_GCNO");
		have_gcno = p && gcno_file_read(p, &gcno, &err) == CR_OK;
		if (!have_gcno) {
			fprintf(stderr, "fuzz_gcda: set COVRUN_FUZZ_GCNO\n");
			abort();
		}
	}
	ctrs = calloc(gcno.nctrs + 1, sizeof(*ctrs));
	seen = calloc(gcno.nfns + 1, 1);
	if (ctrs && seen &&
	    gcda_apply(&gcno, data, size, "fuzz.gcda", ctrs, seen, &info,
		       &err) == CR_OK) {
		struct cr_buf buf;
		cr_buf_init(&buf);
		gcda_write(&gcno, ctrs, seen, &info, &buf);
		cr_buf_release(&buf);
	}
	free(ctrs);
	free(seen);
	return 0;
}
