/* SPDX-License-Identifier: MIT
 * cli/cmd_merge.c: "covrun merge [OPTIONS] INPUT...".
 *
 * Merges run directories (covrun run's, or earlier merges) and plain build
 * trees into one merged run directory: per context an ordinary gcda tree
 * under OUT/ctx/<context id>/ and the contexts file OUT/contexts
 * (merge/merge.h, merge_set_write).  Each problem with the data is warned
 * about once, naming image and file, and the rest is merged; exit status
 * 3 (CLI_EXIT_DATA_SKIPPED) then says that something was left out.
 */
#include "cli/cli.h"
#include "merge/merge.h"
#include "rundir/rundir.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* clang-format off */
static const struct cli_opt merge_options[] = {
	{ 'o', "output", "DIR",
	  "merged run directory to write (required); an\n"
	  "earlier merged directory there is replaced;\n"
	  "one covrun at a time writes it (DIR/lock)" },
	{ 'j', "jobs", "N", "reader threads (default: number of cores)" },
	{ 'q', "quiet", NULL, "no summary line" },
	{ 'h', "help", NULL, "show this help" },
	{ 0, NULL, NULL, NULL },
};

static void usage(FILE *out)
{
	fprintf(out,
"usage: covrun merge [OPTIONS] INPUT...\n"
"\n"
"Merge run directories (written by 'covrun run' or 'covrun merge'),\n"
"bundles of them (.tar.zst, .tar.gz, .zip; read without unpacking) and\n"
"build trees with gcda written in place into one merged run directory:\n"
"counters are summed per context (executable, role, label) and written\n"
"as ordinary gcda files, OUT/ctx/<context>/<absolute gcda path>, with\n"
"the contexts file OUT/contexts.  'covrun report OUT' reads it.\n"
"\n"
"options:\n");
	cli_help(out, merge_options);
	fprintf(out,
"\n"
"exit status: 0 merged; 3 some data or input was left out (each\n"
"problem is reported once, naming image and file); 125 covrun failed\n"
"(or no input could be read).\n");
}
/* clang-format on */

/* What "covrun merge" was asked to do. */
struct merge_args {
	const char *out;
	char **inputs; /* owned array, borrowed strings */
	int ninputs;
	int quiet;
};

/* Options and inputs in any order: 0, 1 after --help, -1 after an
 * error message. */
static int parse_args(struct merge_args *a, struct merge_opts *opts,
		      int argc, char **argv)
{
	struct cli_parser p;
	const char *v;
	long n;
	int key;

	cli_parser_init(&p, "merge", 0, merge_options, NULL);
	while ((key = cli_parser_next(&p, argc, argv, &v)) > 0) {
		if (key == CLI_OPERAND) {
			a->inputs[a->ninputs++] = (char *)v;
		} else if (key == 'h') {
			usage(stdout);
			break;
		} else if (key == 'o') {
			a->out = v;
		} else if (key == 'j' && cr_parse_long(v, 1, 1024, &n)) {
			errorf("bad value for -j: '%s'", v);
			key = -1;
			break;
		} else if (key == 'j') {
			opts->jobs = (int)n;
		} else if (key == 'q') {
			a->quiet = 1;
		}
	}
	for (int i = p.next; key == 0 && i < argc; i++) /* after "--" */
		a->inputs[a->ninputs++] = argv[i];
	cli_parser_release(&p);
	return key < 0 ? -1 : key > 0;
}

static void warn_cb(void *arg, const struct cr_error *e)
{
	(void)arg;
	warn_report(e);
}

/* Progress on a terminal: "merging: 1234/5000 images", at most 10 times
 * a second, erased at the end. */
struct progress {
	int64_t last;
	int shown;
};

static void progress_cb(void *arg, uint32_t done, uint32_t total)
{
	struct progress *p = arg;
	int64_t now = cr_now_ns();

	if (done < total && now - p->last < 100000000)
		return;
	p->last = now;
	p->shown = 1;
	fprintf(stderr, "\rcovrun: merging: %u/%u input%s", done, total,
		total == 1 ? "" : "s");
	if (done == total)
		fprintf(stderr, "\r\033[K");
	fflush(stderr);
}

static int has(const char *dir, const char *name)
{
	char *p = cr_path_join(dir, name);
	struct stat st;
	int r = stat(p, &st) == 0;

	free(p);
	return r;
}

/* A run directory (records, images or a contexts file) or else a tree. */
static enum cr_err add_input(struct merge_set *set, const char *in,
			     struct cr_error *err)
{
	struct stat st;

	if (stat(in, &st) == 0 && S_ISREG(st.st_mode))
		return merge_set_add_bundle(set, in, err);
	if (stat(in, &st) || !S_ISDIR(st.st_mode))
		return cr_error_set(err, CR_ENOENT, in, -1,
				    "'%s' is not a run directory, bundle or "
				    "build tree", in);
	if (rundir_recognise(in) != RUNDIR_KIND_NONE)
		return merge_set_add_run(set, in, err);
	char *abs = cr_path_absolute(in);
	uint32_t ctx = merge_set_context(set, "", COLLECT_ROLE_ROOT, "");
	enum cr_err e = merge_set_add_tree(set, abs, ctx, err);
	free(abs);
	return e;
}

/* Hold OUT (created when missing) for this merge: one covrun at a time
 * writes it (DIR/lock, common/lock.c).  Only an empty directory or an
 * earlier merge gets a lock file. */
static enum cr_err hold_out(const char *out, int *lock_fd,
			    struct cr_error *err)
{
	struct stat st;
	enum cr_err e;
	pid_t pid;

	*lock_fd = -1;
	if (stat(out, &st) && (e = cr_mkdir_p(out, err)) != CR_OK)
		return e;
	if (stat(out, &st) || !S_ISDIR(st.st_mode))
		return cr_error_set(err, CR_EUSAGE, out, -1,
				    "'%s' exists and is not a directory", out);
	if (has(out, RUNDIR_LOCK) && !has(out, RUNDIR_CONTEXTS))
		return (pid = rundir_lock_holder(out)) != 0
			       ? cr_error_set(err, CR_EBUSY, out, -1,
					      "in use by covrun (pid %ld)",
					      (long)pid)
			       : cr_error_set(err, CR_EUSAGE, out, -1,
					      "'%s' is not a merged directory; "
					      "not replacing it", out);
	return rundir_lock(out, lock_fd, err);
}

/* Replace an earlier merge at OUT; refuse to write into anything else. */
static enum cr_err prepare_out(const char *out, int *lock_fd,
			       struct cr_error *err)
{
	struct stat st;
	char *ctx;
	enum cr_err e;

	if (!stat(out, &st) && S_ISDIR(st.st_mode) &&
	    !has(out, RUNDIR_CONTEXTS) &&
	    (rundir_recognise(out) != RUNDIR_KIND_NONE ||
	     has(out, RUNDIR_IMG) || has(out, RUNDIR_CTX)))
		return cr_error_set(err, CR_EUSAGE, out, -1,
				    "'%s' is not a merged directory; "
				    "not replacing it", out);
	if ((e = hold_out(out, lock_fd, err)) != CR_OK)
		return e;
	if (!has(out, RUNDIR_CONTEXTS))
		return CR_OK;
	ctx = rundir_path(out, RUNDIR_CTX);
	e = cr_rm_rf(ctx, err);
	free(ctx);
	return e;
}

int cmd_merge(int argc, char **argv)
{
	struct merge_opts opts = { .warn = warn_cb };
	struct merge_args a = { NULL, NULL, 0, 0 };
	struct merge_set *set = NULL;
	struct cr_error err;
	int status = 0, nbad = 0, lock_fd = -1;
	int64_t t0 = cr_now_ns();
	struct progress prog = { 0, 0 };

	a.inputs = cr_xcalloc((size_t)argc + 1, sizeof(*a.inputs));
	status = parse_args(&a, &opts, argc, argv);
	if (status) {
		status = status > 0 ? 0 : CLI_EXIT_FAILURE;
		goto done;
	}
	if (!a.out || !a.ninputs) {
		errorf("%s (see 'covrun merge --help')",
		       !a.out ? "no output directory: use -o DIR"
			      : "no input to merge");
		status = CLI_EXIT_FAILURE;
		goto done;
	}
	cr_error_clear(&err);
	set = merge_set_new(&opts);
	if (!a.quiet && !cli_quiet && isatty(2))
		merge_set_progress(set, progress_cb, &prog);
	for (int i = 0; i < a.ninputs; i++) {
		struct stat st;
		if (!add_input(set, a.inputs[i], &err))
			continue;
		if (stat(a.inputs[i], &st))
			goto fail; /* no such input: a usage error */
		/* a damaged bundle or unreadable run among others: named,
		 * and the rest is merged (exit status 3) */
		merge_set_left_out(set, &err);
		nbad++;
	}
	if (nbad == a.ninputs) {
		/* the reasons why every input was left out, then the error */
		if (merge_set_read(set, &err))
			error_report(&err);
		errorf("no input could be read");
		status = CLI_EXIT_FAILURE;
		goto done;
	}
	if (merge_set_read(set, &err) || prepare_out(a.out, &lock_fd, &err) ||
	    merge_set_write(set, a.out, &err))
		goto fail;
	if (!a.quiet && !cli_quiet) {
		uint32_t files;
		uint64_t bytes;
		merge_set_stats(set, &files, &bytes);
		notef("merged %u gcda file%s (%.1f MB) from %d input%s into "
		      "'%s' in %.2f s", files, files == 1 ? "" : "s",
		      (double)bytes / 1e6, a.ninputs, a.ninputs == 1 ? "" : "s",
		      a.out, (double)(cr_now_ns() - t0) / 1e9);
	}
	if (merge_set_nskipped(set)) {
		warnf("%u input%s left out for bad or stale data",
		      merge_set_nskipped(set),
		      merge_set_nskipped(set) == 1 ? "" : "s");
		status = CLI_EXIT_DATA_SKIPPED;
	}
	goto done;
fail:
	error_report(&err);
	status = CLI_EXIT_FAILURE;
done:
	if (lock_fd >= 0)
		close(lock_fd);
	merge_set_free(set);
	free(a.inputs);
	return status;
}
