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

/* One argument as a shell reads it back: plain, '...', or, when the
 * terminal would act on some of its bytes, bash's $'...' with them
 * escaped (common/inert.c). */
static void add_arg(struct cr_buf *line, const char *a)
{
	cr_buf_addc(line, ' ');
	if (!cr_is_inert(a)) {
		cr_buf_adds(line, "$'");
		cr_buf_add_inert(line, a, "\\'");
		cr_buf_addc(line, '\'');
	} else if (*a && !strpbrk(a, " '\"\\$`")) {
		cr_buf_adds(line, a);
	} else {
		cr_buf_addc(line, '\'');
		for (; *a; a++)
			if (*a == '\'')
				cr_buf_adds(line, "'\\''");
			else
				cr_buf_addc(line, *a);
		cr_buf_addc(line, '\'');
	}
}

/* One line of the tree; every name in it is inert (common/inert.c). */
static void print_line(const struct collect_record *r, const char *lead)
{
	struct cr_buf line;
	char end[64];

	collect_end_describe(r, end, sizeof(end));
	cr_buf_init(&line);
	cr_buf_adds(&line, lead);
	cr_buf_add_inert(&line, r->id, NULL);
	cr_buf_addf(&line, " pid %d %s %s, ", (int)r->pid,
		    collect_role_name(r->role), collect_how_name(r->how));
	cr_buf_add_inert(&line, end, NULL);
	cr_buf_adds(&line, ": ");
	cr_buf_add_inert(&line, r->exe, NULL);
	for (int i = 0; i < r->argc; i++)
		add_arg(&line, r->argv[i]);
	if (r->argv_truncated)
		cr_buf_adds(&line, " ...");
	if (r->label[0]) {
		cr_buf_adds(&line, "  [");
		cr_buf_add_inert(&line, r->label, NULL);
		cr_buf_addc(&line, ']');
	}
	cr_buf_addc(&line, '\n');
	fwrite(line.buf, 1, line.len, stdout);
	cr_buf_release(&line);
}

static void print_node(const struct collect_run *run,
		       const struct collect_tree *tree, size_t i,
		       const char *indent, int last, int top)
{
	const struct collect_record *r = &run->records[i];
	char *lead, *next_indent;

	lead = cr_xasprintf("%s%s", indent,
			    top ? "" : (last ? "`-- " : "|-- "));
	print_line(r, lead);
	free(lead);
	next_indent = cr_xasprintf("%s%s", indent,
				   top ? "" : (last ? "    " : "|   "));
	for (size_t k = 0; k < tree->nkids[i]; k++)
		print_node(run, tree, tree->kids[i][k], next_indent,
			   k + 1 == tree->nkids[i], 0);
	free(next_indent);
}

/* A JSON string of S.  JSON holds only UTF-8: a name that is not valid
 * UTF-8 (argv can be any bytes) is given in its inert form, with \xHH
 * escapes, rather than lost. */
static json_t *json_text(const char *s)
{
	json_t *j = json_string(s);

	if (!j) {
		char *t = cr_inert(s);
		j = json_string(t);
		free(t);
	}
	return j;
}

static json_t *record_json(const struct collect_record *r)
{
	json_t *argv = json_array();
	char end[64];

	for (int i = 0; i < r->argc; i++)
		json_array_append_new(argv, json_text(r->argv[i]));
	collect_end_describe(r, end, sizeof(end));
	return json_pack("{s:o, s:o, s:i, s:i, s:s, s:s, s:b, s:o, s:o, s:o,"
			 " s:o, s:b, s:I, s:I, s:s, s:b}",
			 "id", json_text(r->id), "parent", json_text(r->parent),
			 "pid", (int)r->pid, "ppid", (int)r->ppid,
			 "how", collect_how_name(r->how),
			 "role", collect_role_name(r->role), "instrumented",
			 r->instrumented, "exe", json_text(r->exe),
			 "cwd", json_text(r->cwd), "label", json_text(r->label),
			 "argv", argv, "argv_truncated",
			 r->argv_truncated, "start_ns",
			 (json_int_t)r->start_ns, "end_ns",
			 (json_int_t)r->end_ns, "end", end, "untraced",
			 r->untraced);
}

static int print_json(const struct collect_run *run)
{
	json_t *list = json_array();

	for (size_t i = 0; i < run->nrecords; i++)
		json_array_append_new(list, record_json(&run->records[i]));
	json_t *doc = json_pack("{s:s, s:o}", "format", "covrun-tree-1",
				"processes", list);
	/* Inert like the text tree: ASCII only, or a C1 control (U+009B)
	 * would reach the terminal raw, and DEL, which jansson leaves raw,
	 * escaped too (a byte 0x7f can only be inside a string). */
	char *text = json_dumps(doc, JSON_INDENT(1) | JSON_ENSURE_ASCII);
	json_decref(doc);
	if (!text) {
		errorf("out of memory writing the tree as JSON");
		return CLI_EXIT_FAILURE;
	}
	for (const char *p = text; *p; p++)
		if (*p == 0x7f)
			fputs("\\u007f", stdout);
		else
			putchar(*p);
	putchar('\n');
	free(text);
	return 0;
}

enum { OPT_JSON = CLI_KEY_TREE };

static const struct cli_opt tree_options[] = {
	{ OPT_JSON, "json", NULL, "print the records as JSON (covrun-tree-1)" },
	{ 'h', "help", NULL, "show this help" },
	{ 0, NULL, NULL, NULL },
};

static void usage(void)
{
	printf("usage: covrun tree [--json] [RUNDIR]\n\n"
	       "Show the process tree of a run (default .covrun): image id, "
	       "pid, role, how it\nbegan and ended, executable, argv, "
	       "label.\n\n");
	cli_help(stdout, tree_options);
}

/* The run directory to show (the last one named) and --json: 0, 1 after
 * --help, -1 after an error message. */
static int parse_args(int argc, char **argv, const char **dir, int *json)
{
	struct cli_parser p;
	const char *v;
	int key;

	cli_parser_init(&p, "tree", 0, tree_options, NULL);
	while ((key = cli_parser_next(&p, argc, argv, &v)) > 0) {
		if (key == CLI_OPERAND) {
			*dir = v;
		} else if (key == OPT_JSON) {
			*json = 1;
		} else if (key == 'h') {
			usage();
			break;
		}
	}
	if (key == 0 && p.next < argc) /* after "--" */
		*dir = argv[argc - 1];
	cli_parser_release(&p);
	return key < 0 ? -1 : key > 0;
}

int cmd_tree(int argc, char **argv)
{
	const char *dir = ".covrun";
	int json = 0, rc = parse_args(argc, argv, &dir, &json);
	struct collect_run run;
	struct cr_error err;

	if (rc)
		return rc > 0 ? 0 : CLI_EXIT_FAILURE;
	if (collect_run_load(dir, &run, warn_report, &err) != CR_OK) {
		error_report(&err);
		return CLI_EXIT_FAILURE;
	}
	int status = 0;
	if (json) {
		status = print_json(&run);
	} else {
		struct collect_tree tree;
		collect_tree_build(&run, &tree);
		for (size_t k = 0; k < tree.ntops; k++)
			print_node(&run, &tree, tree.tops[k], "", 1, 1);
		collect_tree_release(&tree);
	}
	collect_run_release(&run);
	return status;
}
