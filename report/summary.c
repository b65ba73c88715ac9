/* SPDX-License-Identifier: MIT
 * report/summary.c: the terminal summary (report_summary in
 * report/report.h).
 *
 * A table of lines, branches and functions: total, covered (all
 * processes), covered by root, covered only by child processes; with
 * REPORT_SUMMARY_FULL one row of lines per directory as well.  It ends with
 * gcovr's "lines: 61.7% (1234 out of 2000)" lines, which the usual CI
 * coverage regexes (GitLab's `coverage:`) pick up.  Paths are printed
 * inert (common/inert.c).
 */
#include "report/internal.h"

#include <stdlib.h>
#include <string.h>

static void row(FILE *out, const char *what, const struct report_split *s)
{
	char all[16], root[16], child[16];

	rp_percent(all, sizeof(all), s->covered, s->valid);
	rp_percent(root, sizeof(root), s->root, s->valid);
	rp_percent(child, sizeof(child), s->child_only, s->valid);
	fprintf(out, "%-10s %9llu %9llu %7s %9llu %7s %9llu %7s\n", what,
		(unsigned long long)s->valid, (unsigned long long)s->covered,
		all, (unsigned long long)s->root, root,
		(unsigned long long)s->child_only, child);
}

static void header(FILE *out, const char *first)
{
	fprintf(out, "%-10s %9s %9s %7s %9s %7s %9s %7s\n", first, "total",
		"covered", "", "by root", "", "child-only", "");
}

struct dir_file {
	char *dir;    /* owned */
	uint32_t idx; /* in set->files */
};

static int dir_file_cmp(const void *a, const void *b)
{
	const struct dir_file *x = a, *y = b;
	int c = strcmp(x->dir, y->dir);
	return c ? c : (x->idx > y->idx) - (x->idx < y->idx);
}

/* Directory rows of lines for --summary=full. */
static void by_directory(FILE *out, const struct report_set *set)
{
	/* files are sorted by rel, but a directory's files are not
	 * contiguous ("a/b.c" < "a/b/c.c" < "a/c.c"): sort by directory */
	uint32_t n = set->nfiles;
	struct dir_file *df = cr_xcalloc(n + 1, sizeof(*df));

	for (uint32_t i = 0; i < n; i++) {
		df[i].dir = rp_dirname(set->files[i].rel);
		df[i].idx = i;
	}
	qsort(df, n, sizeof(*df), dir_file_cmp);
	fprintf(out, "\n");
	header(out, "lines in");
	for (uint32_t i = 0; i < n;) {
		uint32_t j = i;
		struct report_split s[3], acc[3];
		memset(acc, 0, sizeof(acc));
		while (j < n && !strcmp(df[j].dir, df[i].dir)) {
			report_split_files(set, &set->files[df[j].idx], 1, s);
			for (int k = 0; k < 3; k++) {
				acc[k].valid += s[k].valid;
				acc[k].covered += s[k].covered;
				acc[k].root += s[k].root;
				acc[k].child_only += s[k].child_only;
			}
			j++;
		}
		char *d = cr_inert(df[i].dir[0] ? df[i].dir : ".");
		if (strlen(d) > 10) {
			fprintf(out, "%s\n", d);
			row(out, "", &acc[0]);
		} else {
			row(out, d, &acc[0]);
		}
		free(d);
		i = j;
	}
	for (uint32_t i = 0; i < n; i++)
		free(df[i].dir);
	free(df);
}

/* "WHAT: 12 lines, 3 branches, 2 functions[ in 4 files]" */
static void left_out_line(FILE *out, const char *what,
			  const struct report_left_out *n, int in_files)
{
	fprintf(out, "%s: %llu lines, %llu branches, %llu functions", what,
		(unsigned long long)n->lines, (unsigned long long)n->branches,
		(unsigned long long)n->functions);
	if (in_files)
		fprintf(out, " in %u file%s", n->files,
			n->files == 1 ? "" : "s");
	fputc('\n', out);
}

/* What exclusion markers and the selection options took out of the
 * totals, so that "excluded" is never mistaken for "absent"; with FULL,
 * file by file. */
static void left_out(FILE *out, const struct report_set *set, int full)
{
	char name[4200];

	if (set->by_markers.files) {
		left_out_line(out, "\nexcluded by markers", &set->by_markers,
			      1);
		for (uint32_t i = 0; full && i < set->nfiles; i++) {
			if (!set->files[i].excluded.files)
				continue;
			snprintf(name, sizeof(name), "  %s", set->files[i].rel);
			left_out_line(out, name, &set->files[i].excluded, 0);
		}
	}
	if (set->by_filters.files) {
		left_out_line(out, "\nleft out by --root/--filter/--exclude",
			      &set->by_filters, 1);
		for (uint32_t i = 0; full && i < set->ndropped; i++) {
			snprintf(name, sizeof(name), "  %s", set->dropped[i].rel);
			left_out_line(out, name, &set->dropped[i].n, 0);
		}
	}
}

void report_summary(FILE *out, const struct report_set *set,
		    enum report_summary_mode mode)
{
	static const char *const kinds[3] = {"lines", "branches", "functions"};
	struct report_split s[3];
	char pct[16];

	if (mode == REPORT_SUMMARY_NONE)
		return;
	report_split_files(set, NULL, 0, s);
	char *root = cr_inert(set->root); /* a path: any bytes */
	fprintf(out, "coverage of %u source file%s under %s\n", set->nfiles,
		set->nfiles == 1 ? "" : "s", root);
	free(root);
	header(out, "");
	for (int k = 0; k < 3; k++)
		row(out, kinds[k], &s[k]);
	if (set->nnot_run)
		fprintf(out, "\n%u of %u files have no line any process ran (counted at "
			"0%%; --executed-only leaves out objects no process "
			"ran)\n", set->nnot_run, set->nfiles);
	left_out(out, set, mode == REPORT_SUMMARY_FULL);
	if (mode == REPORT_SUMMARY_FULL)
		by_directory(out, set);
	fprintf(out, "\n");
	for (int k = 0; k < 3; k++)
		fprintf(out, "%s: %s (%llu out of %llu)\n", kinds[k],
			rp_percent(pct, sizeof(pct), s[k].covered, s[k].valid),
			(unsigned long long)s[k].covered,
			(unsigned long long)s[k].valid);
	fflush(out);
}
