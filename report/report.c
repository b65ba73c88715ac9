/* SPDX-License-Identifier: MIT
 * report/report.c: totals over the data model, shared by every writer.
 */
#include "report/report.h"

#include <string.h>

void report_totals(const struct cov_model *model, uint32_t view,
		   struct report_totals *out)
{
	memset(out, 0, sizeof(*out));
	for (uint32_t i = 0; i < model->nfiles; i++) {
		const struct cov_file *f = &model->files[i];
		const struct cov_counts *c = &f->views[view];
		for (uint32_t l = 0; l < f->nlines; l++) {
			if (f->lines[l].excluded)
				continue;
			out->lines_valid++;
			out->lines_covered += c->line[l] > 0;
		}
		for (uint32_t b = 0; b < f->nbranches; b++) {
			if (f->branches[b].excluded)
				continue;
			out->branches_valid++;
			out->branches_covered += c->branch[b] > 0;
		}
		for (uint32_t fn = 0; fn < f->nfunctions; fn++) {
			if (f->functions[fn].excluded)
				continue;
			out->functions_valid++;
			out->functions_covered += c->function[fn] > 0;
		}
	}
}
