/* SPDX-License-Identifier: MIT
 * merge/fallback.c: objects of a gcov version covrun does not read.
 *
 * covrun does not guess at formats it does not know.  For an object whose
 * notes file has another version (or for every object, when the caller
 * forces it, which the tests do), each gcda is handed to the matching gcov
 * (gcov-<major>, else gcov) as `gcov -b --json-format --stdout`, in a
 * private directory where the gcda and its gcno are linked side by side,
 * and gcov's JSON (read by the small parser below: objects, arrays,
 * strings, integers, literals) is kept per context.  Such numbers are
 * summed per line across images, which is exact except for the lines
 * docs/gcov-format.md §6 calls non-linear, and they cannot be written back as
 * aggregate gcda.  Parts: running gcov, a JSON reader, collecting gcov's
 * numbers (fbmodel.c adds them to the model).
 * Interface: merge/internal.h.
 */
#define _GNU_SOURCE
#include "merge/internal.h"

#include <errno.h>
#include <fcntl.h>
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

/* ---- a JSON reader ----------------------------------------------------- */

enum jtype { J_NULL, J_FALSE, J_TRUE, J_INT, J_STR, J_ARR, J_OBJ };

struct jv {
	enum jtype t;
	int64_t i;          /* J_INT */
	char *s;            /* owned; J_STR */
	size_t n;           /* J_ARR, J_OBJ: items */
	struct jv *items;   /* owned */
	char **keys;        /* owned; J_OBJ */
};

struct jp {
	const char *p, *end;
	int depth;
};

static void jv_free(struct jv *v)
{
	for (size_t i = 0; i < v->n; i++) {
		jv_free(&v->items[i]);
		if (v->keys)
			free(v->keys[i]);
	}
	free(v->items);
	free(v->keys);
	free(v->s);
}

static void skip_ws(struct jp *j)
{
	while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' ||
				 *j->p == '\n' || *j->p == '\r'))
		j->p++;
}

static int put_utf8(struct cr_buf *b, unsigned c)
{
	if (c < 0x80) {
		cr_buf_addc(b, (char)c);
	} else if (c < 0x800) {
		cr_buf_addc(b, (char)(0xc0 | c >> 6));
		cr_buf_addc(b, (char)(0x80 | (c & 0x3f)));
	} else {
		cr_buf_addc(b, (char)(0xe0 | c >> 12));
		cr_buf_addc(b, (char)(0x80 | ((c >> 6) & 0x3f)));
		cr_buf_addc(b, (char)(0x80 | (c & 0x3f)));
	}
	return 0;
}

static int parse_string(struct jp *j, char **out)
{
	struct cr_buf b;

	if (j->p >= j->end || *j->p != '"')
		return -1;
	j->p++;
	cr_buf_init(&b);
	while (j->p < j->end && *j->p != '"') {
		char c = *j->p++;
		if (c != '\\') {
			cr_buf_addc(&b, c);
			continue;
		}
		if (j->p >= j->end)
			break;
		c = *j->p++;
		if (c == 'u' && j->end - j->p >= 4) {
			char hex[5] = { j->p[0], j->p[1], j->p[2], j->p[3],
					0 };
			put_utf8(&b, (unsigned)strtoul(hex, NULL, 16));
			j->p += 4;
		} else {
			cr_buf_addc(&b, c == 'n' ? '\n' : c == 't' ? '\t'
					: c == 'r' ? '\r' : c == 'b' ? '\b'
					: c == 'f' ? '\f' : c);
		}
	}
	if (j->p >= j->end) {
		cr_buf_release(&b);
		return -1;
	}
	j->p++;
	*out = cr_buf_take(&b);
	return 0;
}

static int parse_value(struct jp *j, struct jv *v);

static int parse_items(struct jp *j, struct jv *v, int obj)
{
	size_t alloc = 0;
	char close = obj ? '}' : ']';

	j->p++;
	skip_ws(j);
	if (j->p < j->end && *j->p == close) {
		j->p++;
		return 0;
	}
	for (;;) {
		char *key = NULL;
		skip_ws(j);
		if (obj) {
			if (parse_string(j, &key))
				return -1;
			skip_ws(j);
			if (j->p >= j->end || *j->p != ':') {
				free(key);
				return -1;
			}
			j->p++;
		}
		if (v->n == alloc) {
			alloc = alloc ? 2 * alloc : 8;
			v->items = cr_xrealloc(v->items,
					       alloc * sizeof(*v->items));
			if (obj)
				v->keys = cr_xrealloc(v->keys,
						alloc * sizeof(*v->keys));
		}
		memset(&v->items[v->n], 0, sizeof(v->items[0]));
		if (obj)
			v->keys[v->n] = key;
		v->n++;
		if (parse_value(j, &v->items[v->n - 1]))
			return -1;
		skip_ws(j);
		if (j->p < j->end && *j->p == ',') {
			j->p++;
			continue;
		}
		if (j->p < j->end && *j->p == close) {
			j->p++;
			return 0;
		}
		return -1;
	}
}

static int parse_one(struct jp *j, struct jv *v);

static int parse_value(struct jp *j, struct jv *v)
{
	int r;

	skip_ws(j);
	if (j->p >= j->end || j->depth >= 64)
		return -1;
	j->depth++;
	r = parse_one(j, v);
	j->depth--;
	return r;
}

static int parse_one(struct jp *j, struct jv *v)
{
	switch (*j->p) {
	case '{':
		v->t = J_OBJ;
		return parse_items(j, v, 1);
	case '[':
		v->t = J_ARR;
		return parse_items(j, v, 0);
	case '"':
		v->t = J_STR;
		return parse_string(j, &v->s);
	case 't':
	case 'f':
	case 'n': {
		static const char *const lit[] = { "true", "false", "null" };
		static const enum jtype ty[] = { J_TRUE, J_FALSE, J_NULL };
		for (int k = 0; k < 3; k++) {
			size_t n = strlen(lit[k]);
			if ((size_t)(j->end - j->p) >= n &&
			    !memcmp(j->p, lit[k], n)) {
				v->t = ty[k];
				j->p += n;
				return 0;
			}
		}
		return -1;
	}
	default: {
		char num[32];
		size_t n = 0;
		while (j->p < j->end && n < sizeof(num) - 1 &&
		       strchr("+-0123456789.eE", *j->p))
			num[n++] = *j->p++;
		if (!n)
			return -1;
		num[n] = '\0';
		v->t = J_INT;
		v->i = strtoll(num, NULL, 10);
		return 0;
	}
	}
}

static struct jv *jget(struct jv *o, const char *key)
{
	for (size_t i = 0; o && o->t == J_OBJ && i < o->n; i++)
		if (o->keys[i] && !strcmp(o->keys[i], key))
			return &o->items[i];
	return NULL;
}

static int64_t jint(struct jv *o, const char *key)
{
	struct jv *v = jget(o, key);

	return v && v->t == J_INT ? v->i : 0;
}

static const char *jstr(struct jv *o, const char *key)
{
	struct jv *v = jget(o, key);

	return v && v->t == J_STR ? v->s : NULL;
}

static int jtrue(struct jv *o, const char *key)
{
	struct jv *v = jget(o, key);

	return v && v->t == J_TRUE;
}

static size_t jlen(struct jv *a)
{
	return a && a->t == J_ARR ? a->n : 0;
}

/* ---- collecting gcov's numbers ----------------------------------------- */

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

static void add_line(struct fb_data *fb, uint32_t path, struct jv *ln)
{
	struct jv *brs = jget(ln, "branches");
	struct fb_entry *e;
	size_t nb = jlen(brs);

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
		struct jv *b = &brs->items[i];
		e->br[i] = jint(b, "count");
		if (jtrue(b, "throw"))
			e->brflags[i] |= COV_BRANCH_THROW;
		if (jtrue(b, "fallthrough"))
			e->brflags[i] |= COV_BRANCH_FALLTHROUGH;
	}
}

static void add_function(struct fb_data *fb, uint32_t path, struct jv *fn)
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

static enum cr_err parse(struct fb_data *fb, const char *text,
			 const char *gcda, struct cr_error *err)
{
	struct jp j = { text, text + strcspn(text, "\n"), 0 };
	struct jv root, *files;
	const char *cwd;

	memset(&root, 0, sizeof(root));
	if (parse_value(&j, &root) || root.t != J_OBJ) {
		jv_free(&root);
		return cr_error_set(err, CR_ECORRUPT, gcda, -1, "gcov "
				    "fallback: unreadable JSON from gcov");
	}
	files = jget(&root, "files");
	cwd = jstr(&root, "current_working_directory");
	for (size_t i = 0; i < jlen(files); i++) {
		struct jv *f = &files->items[i];
		const char *name = jstr(f, "file");
		struct jv *lines = jget(f, "lines");
		struct jv *fns = jget(f, "functions");
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
		for (size_t k = 0; k < jlen(lines); k++)
			add_line(fb, p, &lines->items[k]);
		for (size_t k = 0; k < jlen(fns); k++)
			add_function(fb, p, &fns->items[k]);
	}
	jv_free(&root);
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
