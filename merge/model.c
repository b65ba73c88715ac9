/* SPDX-License-Identifier: MIT
 * merge/model.c: lifetime and look-ups of the data model (merge/merge.h).
 */
#include "merge/merge.h"

#include <stdlib.h>

static void counts_release(struct cov_counts *c)
{
	free(c->line);
	free(c->line_unexecuted);
	free(c->branch);
	free(c->function);
	free(c->function_blocks_executed);
}

static void file_release(struct cov_file *f, uint32_t nviews)
{
	for (uint32_t i = 0; i < f->nfunctions; i++) {
		free(f->functions[i].name);
		free(f->functions[i].demangled);
	}
	for (uint32_t v = 0; f->views && v < nviews; v++)
		counts_release(&f->views[v]);
	free(f->views);
	free(f->functions);
	free(f->branches);
	free(f->lines);
	free(f->path);
}

void cov_model_release(struct cov_model *model)
{
	for (uint32_t i = 0; i < model->nfiles; i++)
		file_release(&model->files[i], model->nviews);
	for (uint32_t i = 0; i < model->ncontexts; i++) {
		free(model->contexts[i].id);
		free(model->contexts[i].exe);
		free(model->contexts[i].label);
	}
	free(model->files);
	free(model->contexts);
	model->files = NULL;
	model->contexts = NULL;
	model->nfiles = model->ncontexts = 0;
}

const struct cov_line *cov_file_find_line(const struct cov_file *file,
					  uint32_t line)
{
	uint32_t lo = 0, hi = file->nlines;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (file->lines[mid].line < line)
			lo = mid + 1;
		else if (file->lines[mid].line > line)
			hi = mid;
		else
			return &file->lines[mid];
	}
	return NULL;
}
