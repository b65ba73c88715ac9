/* SPDX-License-Identifier: MIT
 * gcov/fallback.c: objects of a gcov version covrun does not read.
 *
 * covrun does not guess at formats it does not know.  For an object whose
 * notes file has another version (or for every object, when the caller
 * forces it, which the tests do), each gcda is handed to the matching gcov
 * (gcov-<major>, else gcov) as `gcov -b --json-format --stdout`, in a
 * private directory where the gcda and its gcno are linked side by side,
 * and gcov's JSON (read with jansson) is kept per context.  Such numbers are
 * summed per line across images, which is exact except for the lines
 * docs/gcov-format.md §6 calls non-linear, and they cannot be written back as
 * aggregate gcda.  Parts: running gcov, collecting gcov's numbers
 * (fbmodel.c adds them to the model).
 * Interface: gcov/gcov.h.
 */
#define _GNU_SOURCE
#include "gcov/gcov.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

/* ---- running gcov ------------------------------------------------------ */

/* Major version from the version word at byte 4 of a gcov file, or 0. */
static int major_of(const char *gcno)
{
	unsigned char h[8];
	int fd = open(gcno, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	ssize_t n;
	uint32_t v;

	if (fd < 0)
		return 0;
	n = read(fd, h, 8);
	close(fd);
	if (n != 8)
		return 0;
	if (h[0] == 'o' || h[0] == 'a') /* little-endian "oncg"/"adcg" */
		v = (uint32_t)h[4] | (uint32_t)h[5] << 8 |
		    (uint32_t)h[6] << 16 | (uint32_t)h[7] << 24;
	else
		v = (uint32_t)h[7] | (uint32_t)h[6] << 8 |
		    (uint32_t)h[5] << 16 | (uint32_t)h[4] << 24;
	if ((v >> 24) < 'A' || (v >> 24) > 'Z')
		return 0;
	return (int)((v >> 24) - 'A') * 10 + (int)(((v >> 16) & 0xff) - '0');
}

/* Run TOOL -b --json-format --stdout t.gcda in DIR; stdout into OUT.
 * Returns the exit status, or -1 when it could not be started. */
static int run_tool(const char *tool, const char *dir, struct cr_buf *out)
{
	char *argv[] = { (char *)tool, "-b", "--json-format", "--stdout",
			 "t.gcda", NULL };
	posix_spawn_file_actions_t fa;
	int pfd[2], status;
	pid_t pid;
	char buf[65536];
	ssize_t n;

	if (pipe2(pfd, O_CLOEXEC))
		return -1;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, pfd[1], 1);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addchdir_np(&fa, dir);
	if (posix_spawnp(&pid, tool, &fa, NULL, argv, environ)) {
		posix_spawn_file_actions_destroy(&fa);
		close(pfd[0]);
		close(pfd[1]);
		return -1;
	}
	posix_spawn_file_actions_destroy(&fa);
	close(pfd[1]);
	while ((n = read(pfd[0], buf, sizeof(buf))) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		cr_buf_add(out, buf, (size_t)n);
	}
	close(pfd[0]);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

/* ---- collecting gcov's numbers ----------------------------------------- */

/* Field look-ups that read a missing or mistyped field as 0 / NULL /
 * false, as gcov leaves out what does not apply. */
static int64_t jint(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);

	return json_is_integer(v) ? (int64_t)json_integer_value(v) : 0;
}

static const char *jstr(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static int jtrue(const json_t *o, const char *key)
{
	return json_is_true(json_object_get(o, key));
}

static uint32_t intern(struct fb_data *fb, const char *path)
{
	for (uint32_t i = fb->npaths; i-- > 0;)
		if (!strcmp(fb->paths[i], path))
			return i;
	fb->paths = cr_xrealloc(fb->paths, (fb->npaths + 1) *
				sizeof(*fb->paths));
	fb->paths[fb->npaths] = cr_xstrdup(path);
	return fb->npaths++;
}

static void add_line(struct fb_data *fb, uint32_t path, const json_t *ln)
{
	const json_t *brs = json_object_get(ln, "branches");
	struct fb_entry *e;
	size_t nb = json_array_size(brs);

	CR_GROW(fb->e, fb->ne + 1, fb->e_alloc);
	e = &fb->e[fb->ne++];
	memset(e, 0, sizeof(*e));
	e->path = path;
	e->line = (uint32_t)jint(ln, "line_number");
	e->count = jint(ln, "count");
	e->unexec = (uint8_t)jtrue(ln, "unexecuted_block");
	e->nbr = (uint32_t)nb;
	e->br = cr_xcalloc(nb + 1, sizeof(int64_t));
	e->brflags = cr_xcalloc(nb + 1, 1);
	for (size_t i = 0; i < nb; i++) {
		const json_t *b = json_array_get(brs, i);
		e->br[i] = jint(b, "count");
		if (jtrue(b, "throw"))
			e->brflags[i] |= GCOV_BRANCH_THROW;
		if (jtrue(b, "fallthrough"))
			e->brflags[i] |= GCOV_BRANCH_FALLTHROUGH;
	}
}

static void add_function(struct fb_data *fb, uint32_t path,
			 const json_t *fn)
{
	const char *name = jstr(fn, "name");
	const char *dem = jstr(fn, "demangled_name");
	struct fb_func *f;

	if (!name)
		return;
	CR_GROW(fb->f, fb->nf + 1, fb->f_alloc);
	f = &fb->f[fb->nf++];
	f->path = path;
	f->name = cr_xstrdup(name);
	f->demangled = cr_xstrdup(dem ? dem : name);
	f->start_line = (uint32_t)jint(fn, "start_line");
	f->start_column = (uint32_t)jint(fn, "start_column");
	f->end_line = (uint32_t)jint(fn, "end_line");
	f->end_column = (uint32_t)jint(fn, "end_column");
	f->blocks = (uint32_t)jint(fn, "blocks");
	f->count = jint(fn, "execution_count");
	f->bexec = (uint32_t)jint(fn, "blocks_executed");
}

/* gcov's JSON is one object on the first line of its output. */
static enum cr_err parse(struct fb_data *fb, const char *text,
			 const char *gcda, struct cr_error *err)
{
	json_error_t jerr;
	json_t *root = json_loadb(text, strcspn(text, "\n"), 0, &jerr);
	const json_t *files = json_object_get(root, "files");
	const char *cwd = jstr(root, "current_working_directory");

	if (!json_is_object(root)) {
		json_decref(root);
		return cr_error_set(err, CR_ECORRUPT, gcda, -1, "gcov "
				    "fallback: unreadable JSON from gcov (%s)",
				    jerr.text);
	}
	for (size_t i = 0; i < json_array_size(files); i++) {
		const json_t *f = json_array_get(files, i);
		const json_t *lines = json_object_get(f, "lines");
		const json_t *fns = json_object_get(f, "functions");
		const char *name = jstr(f, "file");
		char *joined, *abs, *canon;
		uint32_t p;

		if (!name)
			continue;
		joined = cr_path_join(cwd ? cwd : "/", name);
		abs = cr_path_absolute(joined);
		canon = gcov_canonicalize(abs);
		p = intern(fb, canon);
		free(canon);
		free(abs);
		free(joined);
		for (size_t k = 0; k < json_array_size(lines); k++)
			add_line(fb, p, json_array_get(lines, k));
		for (size_t k = 0; k < json_array_size(fns); k++)
			add_function(fb, p, json_array_get(fns, k));
	}
	json_decref(root);
	return CR_OK;
}

enum cr_err fallback_gcda(const char *gcno, const char *gcda,
			  struct fb_data *fb, struct cr_error *err)
{
	char dir[] = "/tmp/covrun-gcov-XXXXXX";
	char *ln_no, *ln_da, *abs_no, *abs_da, *tool;
	struct cr_buf out;
	enum cr_err e = CR_OK;
	int major = major_of(gcno), rc = -1;

	if (!mkdtemp(dir))
		return cr_error_errno(err, gcda, "gcov fallback: cannot "
				      "create a temporary directory");
	ln_no = cr_path_join(dir, "t.gcno");
	ln_da = cr_path_join(dir, "t.gcda");
	abs_no = cr_path_absolute(gcno);
	abs_da = cr_path_absolute(gcda);
	cr_buf_init(&out);
	if (symlink(abs_no, ln_no) || symlink(abs_da, ln_da)) {
		e = cr_error_errno(err, gcda, "gcov fallback: cannot link");
		goto out;
	}
	tool = major ? cr_xasprintf("gcov-%d", major) : cr_xstrdup("gcov");
	rc = run_tool(tool, dir, &out);
	if (rc < 0 && major) {
		cr_buf_reset(&out);
		rc = run_tool("gcov", dir, &out);
	}
	free(tool);
	if (rc != 0 || !out.len)
		e = cr_error_set(err, CR_EVERSION, gcda, -1, "gcov fallback: "
				 "no gcov could read this file (%s %d)",
				 rc < 0 ? "not started" : "exit status", rc);
	else
		e = parse(fb, out.buf, gcda, err);
out:
	unlink(ln_no);
	unlink(ln_da);
	rmdir(dir);
	free(ln_no);
	free(ln_da);
	free(abs_no);
	free(abs_da);
	cr_buf_release(&out);
	return e;
}

void fb_data_release(struct fb_data *fb)
{
	for (uint32_t i = 0; i < fb->npaths; i++)
		free(fb->paths[i]);
	for (size_t i = 0; i < fb->ne; i++) {
		free(fb->e[i].br);
		free(fb->e[i].brflags);
	}
	for (size_t i = 0; i < fb->nf; i++) {
		free(fb->f[i].name);
		free(fb->f[i].demangled);
	}
	free(fb->paths);
	free(fb->e);
	free(fb->f);
	memset(fb, 0, sizeof(*fb));
}
