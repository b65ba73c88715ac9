/* SPDX-License-Identifier: MIT
 * collect/check.c: what covrun says after a run about data it could not
 * collect.
 *
 * Nothing may be lost silently (docs/design.md, "Nothing lost"): every image
 * whose record does not say its counters were written ("dumped", README.md
 * "Process records"), with the reason: it could not write them (chroot,
 * setuid), was killed while writing them, ended without a trace
 * (SIGKILL), or still runs; images that ran without the shim, and gcda
 * files written outside the run directory (next to the gcno of every
 * object seen in the run) are each named in a warning.
 */
#define _GNU_SOURCE
#include "collect/collect.h"
#include "rundir/rundir.h"

#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

static void describe_argv(const struct collect_record *r, char *buf,
			  size_t size)
{
	size_t len = 0;

	buf[0] = '\0';
	for (int i = 0; i < r->argc && len + 1 < size; i++) {
		int n = snprintf(buf + len, size - len, "%s%s", i ? " " : "",
				 r->argv[i]);
		if (n < 0)
			break;
		len += (size_t)n;
	}
	if (len >= size - 1 && size > 4)
		memcpy(buf + size - 4, "...", 4);
}

static int alive(pid_t pid)
{
	return kill(pid, 0) == 0 || errno == EPERM;
}

/* Each instrumented object without a symbol table, once. */
static void check_stripped(const struct collect_run *run,
			   const struct collect_ui *ui)
{
	const char **seen = NULL;
	size_t n = 0, alloc = 0;

	for (size_t i = 0; i < run->nrecords; i++) {
		for (char **s = run->records[i].stripped; s && *s; s++) {
			size_t k = 0;
			while (k < n && strcmp(seen[k], *s))
				k++;
			if (k < n)
				continue;
			CR_GROW(seen, n + 1, alloc);
			seen[n++] = *s;
			ui->warn("'%s' is instrumented but stripped: covrun "
				 "cannot write the counts of its processes "
				 "that end with _exit(), a signal or exec, "
				 "nor reset those a fork child copies; keep "
				 "its symbol table (do not strip)", *s);
		}
	}
	free(seen);
}

/* One image whose counters are not (all) in the run: say why. */
static void check_image(const struct collect_record *r,
			const struct collect_ui *ui)
{
	char args[200], end[64];

	describe_argv(r, args, sizeof(args));
	collect_end_describe(r, end, sizeof(end));
	if (r->lost)
		ui->warn("image %s (pid %d: %s) ended (%s) but could not write "
			 "its counts: %s; its coverage is lost", r->id,
			 (int)r->pid, args, end, r->lost);
	else if (alive(r->pid))
		ui->warn("image %s (pid %d: %s) is still running; its coverage "
			 "is not in this run", r->id, (int)r->pid, args);
	else if (r->end == COLLECT_END_NONE)
		ui->warn("image %s (pid %d: %s) ended without a trace (killed "
			 "by SIGKILL?); its coverage is lost", r->id,
			 (int)r->pid, args);
	else
		ui->warn("image %s (pid %d: %s) was killed while writing its "
			 "counts (it was ending: %s); its coverage may be "
			 "incomplete", r->id, (int)r->pid, args, end);
}

/* The loss ledger: every image whose record does not say its counters
 * were written, instrumented or not (an image may load instrumented code
 * after its record was first written), but an untraced one (it can
 * load none). */
static void check_images(const struct collect_run *run,
			 const struct collect_ui *ui)
{
	for (size_t i = 0; i < run->nrecords; i++)
		if (!run->records[i].dumped_ns && !run->records[i].untraced)
			check_image(&run->records[i], ui);
}

/* ---- gcda written outside the run ------------------------------------ */

struct dirset {
	char **dirs;
	size_t n, alloc;
	size_t strip; /* length of the "<run>/img/<id>" part to drop */
	const char *img_root;
};

static struct dirset *walk_set;

static void dirset_add(struct dirset *s, const char *dir)
{
	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(s->dirs[i], dir))
			return;
	CR_GROW(s->dirs, s->n + 1, s->alloc);
	s->dirs[s->n++] = cr_xstrdup(dir);
}

static void add_gcda_dir(struct dirset *s, const char *gcda)
{
	char *dir = cr_path_dirname(gcda);

	dirset_add(s, dir);
	free(dir);
}

/* For img/<id>/home/u/b/x.gcda, remember /home/u/b. */
static int collect_dir(const char *path, const struct stat *st, int flag,
		       struct FTW *ftw)
{
	size_t n = strlen(path), root = strlen(walk_set->img_root);
	const char *rest;

	(void)st;
	if (flag != FTW_F || n < 5 || strcmp(path + n - 5, ".gcda") ||
	    ftw->level < 2)
		return 0;
	rest = strchr(path + root + 1, '/'); /* skip the image id */
	if (!rest)
		return 0;
	add_gcda_dir(walk_set, rest);
	return 0;
}

/* Remember the gcda directories named by the frames of every data file
 * in DATADIR (docs/run-directory.md, "Data files"); damaged frames are
 * the readers' to report. */
static void walk_data(struct dirset *set, const char *datadir)
{
	DIR *d = opendir(datadir);
	struct dirent *de;

	while (d && (de = readdir(d))) {
		char *p, *buf;
		size_t len, at = 0;
		struct rundir_frame f;
		struct cr_error err;
		int rc;
		if (de->d_name[0] == '.')
			continue;
		p = cr_path_join(datadir, de->d_name);
		if (cr_read_file_max(p, (size_t)1 << 34, &buf, &len,
				     &err) == CR_OK) {
			while ((rc = rundir_next_frame(buf, len, &at, &f)))
				if (rc > 0 && f.kind == RUNDIR_FRAME_GCDA &&
				    memchr(f.payload, '\0', f.len))
					add_gcda_dir(set, f.payload);
			free(buf);
		}
		free(p);
	}
	if (d)
		closedir(d);
}

/* The gcda directories of the journal's "@d" frames after the current
 * fold generation's mark (it holds those before). */
static void walk_journal(struct dirset *set, const char *dir, long current)
{
	char *gen = current ? rundir_fold_dir(dir, current) : NULL;
	uint64_t w = 0, at;
	size_t len, pos = 0, rlen;
	struct rundir_frame f;
	struct cr_error err;
	const char *id, *rest;
	char *buf;
	int rc;

	if (gen && rundir_fold_mark_read(gen, &w, NULL))
		w = 0; /* more directories looked at: harmless */
	free(gen);
	if (rundir_journal_from(dir, w, &buf, &len, &at, &err))
		return;
	while (buf && (rc = rundir_next_frame(buf, len, &pos, &f)))
		if (rc > 0 && !rundir_data_frame(&f, &id, &rest, &rlen) &&
		    memchr(rest, '\0', rlen))
			add_gcda_dir(set, rest);
	free(buf);
}

/* Remember the gcda directories seen under ROOT/<one component>/... */
static void walk_tree(struct dirset *set, const char *root)
{
	set->img_root = root;
	walk_set = set;
	nftw(root, collect_dir, 32, FTW_PHYS);
	walk_set = NULL;
}

static void check_outside(const char *dir, int64_t start_ns,
			  const struct collect_ui *ui)
{
	struct dirset set = { 0 };
	char *img = rundir_path(dir, RUNDIR_IMG);
	char *data = rundir_path(dir, RUNDIR_DATA);
	long current = rundir_fold_current(dir), *gens;
	size_t ngens = rundir_fold_pending(dir, current, &gens);

	walk_tree(&set, img);
	walk_data(&set, data);
	walk_journal(&set, dir, current);
	/* images folded during the run: the current generation's data
	 * files fold/<N>/ctx/<context> (gcda trees in directories written
	 * before), and images taken by a fold that did not finish
	 * (docs/run-directory.md, "Fold") */
	if (current) {
		char *gen = rundir_fold_dir(dir, current);
		char *ctx = rundir_path(gen, RUNDIR_CTX);
		walk_tree(&set, ctx);
		walk_data(&set, ctx);
		free(ctx);
		free(gen);
	}
	for (size_t i = 0; i < ngens; i++) {
		char *taken = rundir_fold_taken(dir, gens[i]);
		char *timg = rundir_path(taken, RUNDIR_IMG);
		char *tdata = rundir_path(taken, RUNDIR_DATA);
		walk_tree(&set, timg);
		walk_data(&set, tdata);
		free(timg);
		free(tdata);
		free(taken);
	}
	free(gens);
	for (size_t i = 0; i < set.n; i++) {
		DIR *d = opendir(set.dirs[i]);
		struct dirent *de;
		while (d && (de = readdir(d))) {
			size_t n = strlen(de->d_name);
			if (n < 5 || strcmp(de->d_name + n - 5, ".gcda"))
				continue;
			char *p = cr_path_join(set.dirs[i], de->d_name);
			struct stat st;
			if (stat(p, &st) == 0 &&
			    (int64_t)st.st_mtim.tv_sec * 1000000000 +
					    st.st_mtim.tv_nsec >= start_ns)
				ui->warn("'%s' was written outside the run "
					 "directory during the run (a process "
					 "without covrun's environment?)", p);
			free(p);
		}
		if (d)
			closedir(d);
		free(set.dirs[i]);
	}
	free(set.dirs);
	free(img);
	free(data);
}

void collect_check_losses(const char *abs_dir, int64_t start_ns,
			  const struct collect_ui *ui)
{
	struct collect_run run;
	struct cr_error err;
	struct statvfs vfs;
	char *un = rundir_path(abs_dir, RUNDIR_UNATTRIBUTED);
	size_t nun = cr_count_entries(un);

	if (collect_run_load(abs_dir, &run, NULL, &err) == CR_OK) {
		check_images(&run, ui);
		check_stripped(&run, ui);
		if (run.nbad)
			ui->warn("'%s': %s (%zu place%s); the images of "
				 "records lost are counted as unattributed",
				 run.first_bad.path, run.first_bad.msg,
				 run.nbad, run.nbad == 1 ? "" : "s");
		collect_run_release(&run);
	}
	if (nun)
		ui->warn("%zu process(es) wrote coverage without the covrun "
			 "shim (static program without covrun-rt.o, setuid "
			 "program, or exec that bypassed libc); their data is "
			 "in '%s' and is reported as unattributed", nun, un);
	check_outside(abs_dir, start_ns, ui);
	if (statvfs(abs_dir, &vfs) == 0 && vfs.f_bavail == 0)
		ui->warn("the file system of '%s' is full: coverage data may "
			 "be missing", abs_dir);
	free(un);
}
