/* SPDX-License-Identifier: MIT
 * report/report.h: the report module's interface.
 *
 * Every writer reads the data model of merge/merge.h and nothing else.
 */
#ifndef COVRUN_REPORT_H
#define COVRUN_REPORT_H

#include "merge/merge.h"

#include <stdio.h>

/* Totals of one view: covered and valid lines, branches, functions. */
struct report_totals {
	uint64_t lines_covered, lines_valid;
	uint64_t branches_covered, branches_valid;
	uint64_t functions_covered, functions_valid;
};

/* Totals of VIEW over every file of MODEL.  Cannot fail. */
void report_totals(const struct cov_model *model, uint32_t view,
		   struct report_totals *out);

#endif /* COVRUN_REPORT_H */
