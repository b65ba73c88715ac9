/* SPDX-License-Identifier: MIT
 * cli/cmd_tree.c: "covrun tree [--json] [RUNDIR]": the process tree of a
 * run, from its process records (collect/collect.h).
 */
#include "cli/cli.h"
#include "collect/collect.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void print_args(const struct collect_record *r)
{
	for (int i = 0; i < r->argc; i++) {
		const char *a = r->argv[i];
		int plain = *a && !strpbrk(a, " \t\n'\"\\$`");
		if (plain)
			printf(" %s", a);
		else {
			putchar(' ');
			putchar('\'');
			for (; *a; a++)
				if (*a == '\'')
					fputs("'\\''", stdout);
				else if (*a == '\n')
					fputs("\\n", stdout);
				else
					putchar(*a);
			putchar('\'');
		}
	}
	if (r->argv_truncated)
		fputs(" ...", stdout);
}

static void print_node(const struct collect_run *run, size_t i,
		       const char *indent, int last, int top)
{
	const struct collect_record *r = &run->records[i];
	char end[64], *next_indent;

	collect_end_describe(r, end, sizeof(end));
	printf("%s%s%s pid %d %s %s, %s: %s", indent,
	       top ? "" : (last ? "`-- " : "|-- "), r->id, (int)r->pid,
	       collect_role_name(r->role), collect_how_name(r->how), end,
	       r->exe);
	print_args(r);
	if (r->label[0])
		printf("  [%s]", r->label);
	putchar('\n');
	next_indent = cr_xasprintf("%s%s", indent,
				   top ? "" : (last ? "    " : "|   "));
	size_t nkids = 0, seen = 0;
	for (size_t k = 0; k < run->nrecords; k++)
		nkids += !strcmp(run->records[k].parent, r->id);
	for (size_t k = 0; k < run->nrecords; k++)
		if (!strcmp(run->records[k].parent, r->id))
			print_node(run, k, next_indent, ++seen == nkids, 0);
	free(next_indent);
}

static json_t *record_json(const struct collect_record *r)
{
	json_t *argv = json_array();
	char end[64];

	for (int i = 0; i < r->argc; i++)
		json_array_append_new(argv, json_string(r->argv[i]));
	collect_end_describe(r, end, sizeof(end));
	return json_pack("{s:s, s:s, s:i, s:i, s:s, s:s, s:b, s:s, s:s, s:s,"
			 " s:o, s:b, s:I, s:I, s:s}",
			 "id", r->id, "parent", r->parent, "pid", (int)r->pid,
			 "ppid", (int)r->ppid, "how", collect_how_name(r->how),
			 "role", collect_role_name(r->role), "instrumented",
			 r->instrumented, "exe", r->exe, "cwd", r->cwd,
			 "label", r->label, "argv", argv, "argv_truncated",
			 r->argv_truncated, "start_ns",
			 (json_int_t)r->start_ns, "end_ns",
			 (json_int_t)r->end_ns, "end", end);
}

static int print_json(const struct collect_run *run)
{
	json_t *list = json_array();

	for (size_t i = 0; i < run->nrecords; i++)
		json_array_append_new(list, record_json(&run->records[i]));
	json_t *doc = json_pack("{s:s, s:o}", "format", "covrun-tree-1",
				"processes", list);
	json_dumpf(doc, stdout, JSON_INDENT(1));
	putchar('\n');
	json_decref(doc);
	return 0;
}

int cmd_tree(int argc, char **argv)
{
	const char *dir = ".covrun";
	int json = 0;
	struct collect_run run;
	struct cr_error err;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json")) {
			json = 1;
		} else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			printf("usage: covrun tree [--json] [RUNDIR]\n\n"
			       "Show the process tree of a run (default "
			       ".covrun): image id, pid, role, how it began "
			       "and ended, executable, argv, label.\n");
			return 0;
		} else if (argv[i][0] == '-') {
			errorf("unknown option '%s'", argv[i]);
			return CLI_EXIT_FAILURE;
		} else {
			dir = argv[i];
		}
	}
	if (collect_run_load(dir, &run, warn_report, &err) != CR_OK) {
		error_report(&err);
		return CLI_EXIT_FAILURE;
	}
	if (json) {
		print_json(&run);
	} else {
		for (size_t i = 0; i < run.nrecords; i++)
			if (collect_run_find(&run, run.records[i].parent) < 0)
				print_node(&run, i, "", 1, 1);
	}
	collect_run_release(&run);
	return 0;
}
