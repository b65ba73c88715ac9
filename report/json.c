/* SPDX-License-Identifier: MIT
 * report/json.c: the JSON writer (report_json in report/report.h), the only
 * file of covrun that uses jansson.
 *
 * Format "covrun-1" (documented in README.md):
 *   {"format": "covrun-1", "generator", "root", "timestamp",
 *    "contexts": [{"id", "exe", "role", "label", "images"}],
 *    "processes": [{"id", "parent", "pid", "ppid", "how", "role", "exe",
 *                   "argv", "argv_truncated", "cwd", "label", "start_ns",
 *                   "end_ns", "end", "status"}],
 *    "files": [{"path", "lines": [{"line", "count", "root", "child",
 *                                  "branches": [{"count", "root",
 *                                                "child"}]}],
 *               "functions": [{"name", "demangled", "line", "count",
 *                              "root", "child"}]}],
 *    "totals": {"lines"|"branches"|"functions":
 *               {"valid", "covered", "root", "child_only"}},
 *    "excluded": {"markers"|"filters": {"lines", "branches", "functions",
 *                 "files": [{"path", "lines", "branches", "functions"}]}}}
 * Excluded lines, branches and functions are left out.  Each file is
 * built and serialised on its own, so memory stays at one file's size
 * plus the output text.
 */
#include "report/internal.h"

#include <jansson.h>

#include <stdlib.h>
#include <string.h>
#include <time.h>

static json_t *str(const char *s)
{
	char *c = rp_utf8_clean(s ? s : "", s ? strlen(s) : 0, 0);
	json_t *j = json_string(c);
	free(c);
	return j;
}

static json_t *counts(json_t *o, int64_t all, int64_t root, int64_t child)
{
	json_object_set_new(o, "count", json_integer(all));
	json_object_set_new(o, "root", json_integer(root));
	json_object_set_new(o, "child", json_integer(child));
	return o;
}

static json_t *file_json(const struct report_set *set,
			 const struct report_file *rf)
{
	const struct cov_model *m = set->model;
	const struct cov_file *f = rf->file;
	json_t *o = json_object(), *lines = json_array(), *fns = json_array();

	json_object_set_new(o, "path", str(rf->rel));
	for (uint32_t l = 0; l < f->nlines; l++) {
		const struct cov_line *cl = &f->lines[l];
		json_t *jl, *br;
		if (report_line_excluded(rf, l))
			continue;
		jl = json_object();
		json_object_set_new(jl, "line", json_integer(cl->line));
		counts(jl, rp_line_count(m, f, COV_VIEW_ALL, l),
		       rp_line_count(m, f, COV_VIEW_ROOT, l),
		       rp_line_count(m, f, COV_VIEW_CHILD, l));
		br = json_array();
		for (uint32_t b = 0; b < cl->nbranches; b++) {
			uint32_t bi = cl->first_branch + b;
			if (report_branch_excluded(rf, bi))
				continue;
			json_array_append_new(
				br,
				counts(json_object(),
				       rp_branch_count(m, f, COV_VIEW_ALL, bi),
				       rp_branch_count(m, f, COV_VIEW_ROOT,
						       bi),
				       rp_branch_count(m, f, COV_VIEW_CHILD,
						       bi)));
		}
		json_object_set_new(jl, "branches", br);
		json_array_append_new(lines, jl);
	}
	for (uint32_t i = 0; i < f->nfunctions; i++) {
		const struct cov_function *fn = &f->functions[i];
		json_t *jf;
		if (report_function_excluded(rf, i))
			continue;
		jf = json_object();
		json_object_set_new(jf, "name", str(fn->name));
		json_object_set_new(
			jf, "demangled",
			str(fn->demangled ? fn->demangled : fn->name));
		json_object_set_new(jf, "line", json_integer(fn->start_line));
		counts(jf, rp_function_count(m, f, COV_VIEW_ALL, i),
		       rp_function_count(m, f, COV_VIEW_ROOT, i),
		       rp_function_count(m, f, COV_VIEW_CHILD, i));
		json_array_append_new(fns, jf);
	}
	json_object_set_new(o, "lines", lines);
	json_object_set_new(o, "functions", fns);
	return o;
}


static json_t *contexts_json(const struct cov_model *m)
{
	json_t *a = json_array();

	for (uint32_t i = 0; i < m->ncontexts; i++) {
		const struct cov_context *c = &m->contexts[i];
		json_t *o = json_object();
		json_object_set_new(o, "id", str(c->id));
		json_object_set_new(o, "exe", str(c->exe));
		json_object_set_new(o, "role",
				    json_string(collect_role_name(c->role)));
		json_object_set_new(o, "label", str(c->label));
		json_object_set_new(o, "images", json_integer(c->nimages));
		json_array_append_new(a, o);
	}
	return a;
}




static json_t *processes_json(const struct collect_run *run)
{
	json_t *a = json_array();

	for (size_t i = 0; run && i < run->nrecords; i++) {
		const struct collect_record *r = &run->records[i];
		json_t *o = json_object(), *argv = json_array();
		json_object_set_new(o, "id", str(r->id));
		json_object_set_new(o, "parent", str(r->parent));
		json_object_set_new(o, "pid", json_integer(r->pid));
		json_object_set_new(o, "ppid", json_integer(r->ppid));
		json_object_set_new(o, "how",
				    json_string(collect_how_name(r->how)));
		json_object_set_new(o, "role",
				    json_string(collect_role_name(r->role)));
		json_object_set_new(o, "instrumented",
				    json_boolean(r->instrumented));
		json_object_set_new(o, "exe", str(r->exe));
		for (int k = 0; k < r->argc && r->argv && r->argv[k]; k++)
			json_array_append_new(argv, str(r->argv[k]));
		json_object_set_new(o, "argv", argv);
		json_object_set_new(o, "argv_truncated",
				    json_boolean(r->argv_truncated));
		json_object_set_new(o, "cwd", str(r->cwd));
		json_object_set_new(o, "label", str(r->label));
		json_object_set_new(o, "start_ns", json_integer(r->start_ns));
		json_object_set_new(o, "end_ns", json_integer(r->end_ns));
		json_object_set_new(o, "end",
				    json_string(collect_end_name(r->end)));
		json_object_set_new(o, "status", json_integer(r->status));
		json_object_set_new(o, "untraced", json_boolean(r->untraced));
		json_array_append_new(a, o);
	}
	return a;
}

static json_t *totals_json(const struct report_set *set)
{
	static const char *const kinds[3] = {"lines", "branches", "functions"};
	struct report_split s[3];
	json_t *o = json_object();

	report_split_files(set, NULL, 0, s);
	for (int k = 0; k < 3; k++) {
		json_t *t = json_object();
		json_object_set_new(t, "valid",
				    json_integer((json_int_t)s[k].valid));
		json_object_set_new(t, "covered",
				    json_integer((json_int_t)s[k].covered));
		json_object_set_new(t, "root",
				    json_integer((json_int_t)s[k].root));
		json_object_set_new(t, "child_only",
				    json_integer((json_int_t)s[k].child_only));
		json_object_set_new(o, kinds[k], t);
	}
	return o;
}

static json_t *left_out_json(const char *path,
			     const struct report_left_out *n)
{
	json_t *o = json_object();

	if (path)
		json_object_set_new(o, "path", json_string(path));
	json_object_set_new(o, "lines", json_integer((json_int_t)n->lines));
	json_object_set_new(o, "branches",
			    json_integer((json_int_t)n->branches));
	json_object_set_new(o, "functions",
			    json_integer((json_int_t)n->functions));
	return o;
}

/* {"markers": {lines, branches, functions, files: [{path, ...}]},
 *  "filters": {...}}: what exclusion markers and --root/--filter/
 * --exclude took out of the totals. */
static json_t *excluded_json(const struct report_set *set)
{
	json_t *o = json_object();
	json_t *mk = left_out_json(NULL, &set->by_markers);
	json_t *fl = left_out_json(NULL, &set->by_filters);
	json_t *mfiles = json_array(), *ffiles = json_array();

	for (uint32_t i = 0; i < set->nfiles; i++)
		if (set->files[i].excluded.files)
			json_array_append_new(
				mfiles, left_out_json(set->files[i].rel,
						      &set->files[i].excluded));
	for (uint32_t i = 0; i < set->ndropped; i++)
		json_array_append_new(ffiles,
				      left_out_json(set->dropped[i].rel,
						    &set->dropped[i].n));
	json_object_set_new(mk, "files", mfiles);
	json_object_set_new(fl, "files", ffiles);
	json_object_set_new(o, "markers", mk);
	json_object_set_new(o, "filters", fl);
	return o;
}

/* Append J serialised (compact) to B and release J. */
static int add_json(struct cr_buf *b, json_t *j)
{
	char *s = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER |
					JSON_ENCODE_ANY);
	json_decref(j);
	if (!s)
		return -1;
	cr_buf_adds(b, s);
	free(s);
	return 0;
}

enum cr_err report_json(const struct report_set *set, const char *path,
			const struct report_opts *opts, struct cr_error *err)
{
	struct cr_buf b;
	enum cr_err rc;
	json_t *v;
	int fail = 0;

	cr_buf_init(&b);
	cr_buf_adds(&b, "{\"format\":\"covrun-1\",\"generator\":");
	fail |= add_json(&b, str(opts->version ? opts->version : "covrun"));
	cr_buf_adds(&b, ",\"root\":");
	fail |= add_json(&b, str(set->root));
	cr_buf_addf(&b, ",\"timestamp\":%lld",
		    (long long)(opts->timestamp ? opts->timestamp
						: (int64_t)time(NULL)));
	cr_buf_adds(&b, ",\n\"contexts\":");
	fail |= add_json(&b, contexts_json(set->model));
	cr_buf_adds(&b, ",\n\"processes\":");
	fail |= add_json(&b, processes_json(opts->run));
	cr_buf_adds(&b, ",\n\"files\":[");
	for (uint32_t i = 0; i < set->nfiles; i++) {
		cr_buf_adds(&b, i ? ",\n" : "\n");
		fail |= add_json(&b, file_json(set, &set->files[i]));
	}
	cr_buf_adds(&b, "],\n\"totals\":");
	v = totals_json(set);
	fail |= add_json(&b, v);
	cr_buf_adds(&b, ",\n\"excluded\":");
	fail |= add_json(&b, excluded_json(set));
	cr_buf_adds(&b, "}\n");
	if (fail) {
		cr_buf_release(&b);
		return cr_error_set(err, CR_ENOMEM, path, -1,
				    "cannot serialise JSON");
	}
	rc = rp_write_output(path, b.buf, b.len, err);
	cr_buf_release(&b);
	return rc;
}
