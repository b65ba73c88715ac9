/* SPDX-License-Identifier: MIT
 * report/lcov.c: the lcov tracefile writer (report_lcov in
 * report/report.h).
 *
 * One record per file (TN, SF, FN/FNDA/FNF/FNH, BRDA/BRF/BRH, DA/LF/LH,
 * end_of_record) with the counts of view "all", as geninfo writes them:
 * SF is the absolute path (genhtml reads the source from there), function
 * names are the mangled ones (genhtml --demangle-cpp demangles them),
 * a negative count (racing counters) is written as 1 (README, "Racing
 * counters"), and a branch whose line never ran is "-".
 */
#include "report/internal.h"

#include <stdlib.h>
#include <string.h>

static long long nonneg(int64_t v)
{
	return (long long)rp_known(v);
}

/* lcov function names end at ',' or newline: keep them out. */
static void add_name(struct cr_buf *b, const char *name)
{
	for (const char *p = name; *p; p++)
		cr_buf_addc(b, (*p == ',' || *p == '\n' || *p == '\r') ? '_'
								       : *p);
}

enum cr_err report_lcov(const struct report_set *set, const char *path,
			const struct report_opts *opts, struct cr_error *err)
{
	const struct cov_model *m = set->model;
	struct cr_buf b;
	enum cr_err rc;

	(void)opts;
	cr_buf_init(&b);
	for (uint32_t i = 0; i < set->nfiles; i++) {
		const struct report_file *rf = &set->files[i];
		const struct cov_file *f = rf->file;
		unsigned fnf = 0, fnh = 0, brf = 0, brh = 0, lf = 0, lh = 0;

		cr_buf_adds(&b, "TN:\nSF:");
		add_name(&b, f->path);
		cr_buf_addc(&b, '\n');
		for (uint32_t k = 0; k < f->nfunctions; k++) {
			if (report_function_excluded(rf, k))
				continue;
			cr_buf_addf(&b, "FN:%u,", f->functions[k].start_line);
			add_name(&b, f->functions[k].name);
			cr_buf_addc(&b, '\n');
		}
		for (uint32_t k = 0; k < f->nfunctions; k++) {
			int64_t c;
			if (report_function_excluded(rf, k))
				continue;
			c = rp_function_count(m, f, COV_VIEW_ALL, k);
			cr_buf_addf(&b, "FNDA:%lld,", nonneg(c));
			add_name(&b, f->functions[k].name);
			cr_buf_addc(&b, '\n');
			fnf++;
			fnh += rp_ran(c);
		}
		cr_buf_addf(&b, "FNF:%u\nFNH:%u\n", fnf, fnh);
		for (uint32_t l = 0; l < f->nlines; l++) {
			const struct cov_line *cl = &f->lines[l];
			int64_t lc = rp_line_count(m, f, COV_VIEW_ALL, l);
			if (report_line_excluded(rf, l))
				continue;
			for (uint32_t k = 0; k < cl->nbranches; k++) {
				uint32_t bi = cl->first_branch + k;
				int64_t c;
				if (report_branch_excluded(rf, bi))
					continue;
				c = rp_branch_count(m, f, COV_VIEW_ALL, bi);
				if (rp_ran(lc))
					cr_buf_addf(&b, "BRDA:%u,0,%u,%lld\n",
						    cl->line, k, nonneg(c));
				else
					cr_buf_addf(&b, "BRDA:%u,0,%u,-\n",
						    cl->line, k);
				brf++;
				brh += rp_ran(c);
			}
		}
		cr_buf_addf(&b, "BRF:%u\nBRH:%u\n", brf, brh);
		for (uint32_t l = 0; l < f->nlines; l++) {
			int64_t c;
			if (report_line_excluded(rf, l))
				continue;
			c = rp_line_count(m, f, COV_VIEW_ALL, l);
			cr_buf_addf(&b, "DA:%u,%lld\n", f->lines[l].line,
				    nonneg(c));
			lf++;
			lh += rp_ran(c);
		}
		cr_buf_addf(&b, "LF:%u\nLH:%u\nend_of_record\n", lf, lh);
	}
	rc = rp_write_output(path, b.buf, b.len, err);
	cr_buf_release(&b);
	return rc;
}
