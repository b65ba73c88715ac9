/* SPDX-License-Identifier: MIT
 * tests/merge/gcov_json_write.h: gcov's JSON for one object (the test
 * side of the differential test; tests/merge/gcov_json_write.c).
 */
#ifndef COVRUN_TESTS_GCOV_JSON_WRITE_H
#define COVRUN_TESTS_GCOV_JSON_WRITE_H

#include "gcov/gcov.h"

/* gcov -b --json-format's document for one object into OUT. */
void json_object_write(const struct layout *lay, struct solve_ws *ws,
		       const char *data_file, struct cr_buf *out);

#endif
