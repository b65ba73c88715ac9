/* SPDX-License-Identifier: MIT
 * tests/report/fixture.h: data models built in code for the report tests
 * (see fixture.c).
 */
#ifndef COVRUN_TESTS_REPORT_FIXTURE_H
#define COVRUN_TESTS_REPORT_FIXTURE_H

#include "report/report.h"

/* Counts of one line, branch or function in the three contexts:
 * [0] root "test", [1] child "worker", [2] child "helper". */
struct fx_line {
	uint32_t line;
	int64_t c[3];
	uint32_t nbr;
	int64_t br[4][3];
};

struct fx_fn {
	const char *name, *dem;
	uint32_t start, end;
	int64_t c[3];
};

struct fx_file {
	const char *rel;  /* relative to the root, or absolute */
	const char *text; /* source text written under the root, or NULL */
	size_t textlen;	  /* 0 = strlen(text) */
	const struct fx_line *lines;
	size_t nlines;
	const struct fx_fn *fns;
	size_t nfns;
};

void fx_build(struct cov_model *m, const char *root,
	      const struct fx_file *files, size_t n);
/* The hand-made fixture (sources written under ROOT). */
void fx_demo(struct cov_model *m, const char *root);
/* NFILES files of NLINES lines each (sources written under ROOT). */
void fx_big(struct cov_model *m, const char *root, unsigned nfiles,
	    unsigned nlines);

#endif
