/* SPDX-License-Identifier: MIT
 * tests/merge/modeldump.c: print the data model covrun's merge module
 * builds, as JSON, for tests.
 *
 * usage: modeldump [-j N] [--context-views] [--gcov-fallback] tree DIR
 *        modeldump [-j N] [--context-views] runs DIR...
 *        modeldump [-j N] write OUTDIR RUNDIR...   (merge_set_write)
 * Warnings go to stderr as "warning: MESSAGE".  Exit status 3 when data
 * was left out, as `covrun merge` documents.
 */
#include "merge/merge.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* As cli/msgs.c prints a struct cr_error. */
static void print_err(const char *kind, const struct cr_error *e)
{
	if (e->path[0] && e->offset >= 0)
		fprintf(stderr, "%s: '%s': %s (at byte %lld)\n", kind,
			e->path, e->msg, e->offset);
	else if (e->path[0])
		fprintf(stderr, "%s: '%s': %s\n", kind, e->path, e->msg);
	else
		fprintf(stderr, "%s: %s\n", kind, e->msg);
}

static void warn(void *arg, const struct cr_error *e)
{
	(void)arg;
	print_err("warning", e);
}

static void str(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			putchar('\\');
		putchar(*s);
	}
	putchar('"');
}

static void counts(const struct cov_model *m, const struct cov_file *f,
		   int kind, uint32_t i)
{
	putchar('[');
	for (uint32_t v = 0; v < m->nviews; v++) {
		const struct cov_counts *c = &f->views[v];
		int64_t x = kind == 0 ? c->line[i]
			    : kind == 1 ? c->line_unexecuted[i]
			    : kind == 2 ? c->branch[i]
			    : kind == 3 ? c->function[i]
					: c->function_blocks_executed[i];
		printf("%s%" PRId64, v ? "," : "", x);
	}
	putchar(']');
}

static void dump(const struct cov_model *m)
{
	printf("{\"nskipped\":%u,\"nviews\":%u,\"contexts\":[", m->nskipped,
	       m->nviews);
	for (uint32_t i = 0; i < m->ncontexts; i++) {
		const struct cov_context *c = &m->contexts[i];
		printf("%s{\"id\":", i ? "," : "");
		str(c->id);
		printf(",\"role\":%d,\"images\":%u,\"exe\":", c->role,
		       c->nimages);
		str(c->exe);
		printf(",\"label\":");
		str(c->label);
		putchar('}');
	}
	printf("],\"files\":[");
	for (uint32_t i = 0; i < m->nfiles; i++) {
		const struct cov_file *f = &m->files[i];
		printf("%s{\"path\":", i ? "," : "");
		str(f->path);
		printf(",\"lines\":[");
		for (uint32_t l = 0; l < f->nlines; l++) {
			const struct cov_line *ln = &f->lines[l];
			printf("%s{\"line\":%u,\"function\":%d,\"count\":",
			       l ? "," : "", ln->line, ln->function);
			counts(m, f, 0, l);
			printf(",\"unexecuted\":");
			counts(m, f, 1, l);
			printf(",\"branches\":[");
			for (uint32_t b = 0; b < ln->nbranches; b++) {
				const struct cov_branch *br =
					&f->branches[ln->first_branch + b];
				printf("%s{\"flags\":%d,\"count\":",
				       b ? "," : "", br->flags);
				counts(m, f, 2, ln->first_branch + b);
				putchar('}');
			}
			printf("]}");
		}
		printf("],\"functions\":[");
		for (uint32_t q = 0; q < f->nfunctions; q++) {
			const struct cov_function *fn = &f->functions[q];
			printf("%s{\"name\":", q ? "," : "");
			str(fn->name);
			printf(",\"demangled\":");
			str(fn->demangled);
			printf(",\"start_line\":%u,\"end_line\":%u,"
			       "\"blocks\":%u,\"count\":", fn->start_line,
			       fn->end_line, fn->blocks);
			counts(m, f, 3, q);
			printf(",\"blocks_executed\":");
			counts(m, f, 4, q);
			putchar('}');
		}
		printf("]}");
	}
	printf("]}\n");
}

int main(int argc, char **argv)
{
	struct merge_opts opts = { .warn = warn };
	int fallback = 0;
	struct cov_model m;
	struct cr_error err;
	enum cr_err e;
	int i = 1;

	for (; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "-j") && i + 1 < argc)
			opts.jobs = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--context-views"))
			opts.context_views = 1;
		else if (!strcmp(argv[i], "--gcov-fallback"))
			fallback = 1;
	}
	if (i + 1 >= argc) {
		fprintf(stderr, "usage: modeldump tree DIR | runs DIR... | "
			"write OUT DIR...\n");
		return 2;
	}
	if (!strcmp(argv[i], "tree") && fallback) {
		struct merge_set *set = merge_set_new(&opts);
		uint32_t c = merge_set_context(set, "", COLLECT_ROLE_ROOT, "");
		merge_set_gcov_fallback(set, 1);
		e = merge_set_add_tree(set, argv[i + 1], c, &err);
		if (!e)
			e = merge_set_read(set, &err);
		if (!e)
			e = merge_set_model(set, &m, &err);
		merge_set_free(set);
	} else if (!strcmp(argv[i], "tree")) {
		e = merge_load_tree(argv[i + 1], &opts, &m, &err);
	} else if (!strcmp(argv[i], "runs")) {
		e = merge_load_runs((const char *const *)argv + i + 1,
				    (size_t)(argc - i - 1), &opts, &m, &err);
	} else if (!strcmp(argv[i], "write") && i + 2 < argc) {
		struct merge_set *set = merge_set_new(&opts);
		uint32_t skipped;
		e = CR_OK;
		for (int k = i + 2; k < argc && !e; k++)
			e = merge_set_add_run(set, argv[k], &err);
		if (!e)
			e = merge_set_read(set, &err);
		if (!e)
			e = merge_set_write(set, argv[i + 1], &err);
		skipped = merge_set_nskipped(set);
		merge_set_free(set);
		if (e) {
			print_err("error", &err);
			return 125;
		}
		return skipped ? 3 : 0;
	} else {
		return 2;
	}
	if (e) {
		print_err("error", &err);
		return 125;
	}
	dump(&m);
	e = m.nskipped ? 3 : 0;
	cov_model_release(&m);
	return (int)e;
}
