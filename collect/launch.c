/* SPDX-License-Identifier: MIT
 * collect/launch.c: the covrun side of a run.
 *
 * Prepares the run directory, starts the command(s) with the shim in
 * LD_PRELOAD, forwards SIGINT/SIGTERM/SIGHUP, reaps every descendant as a
 * child subreaper (daemons included), enforces --max-processes, and after
 * the run warns about data that was lost or written outside the run.
 * Parts: run directory; environment; starting jobs; the wait loop;
 * ending a process tree; checks after the run.
 */
#define _GNU_SOURCE
#include "collect/collect.h"
#include "rundir/rundir.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

/* ======================= run directory ================================= */

/* Does DIR hold nothing (but the file named SPARE, when not NULL)? */
static int is_empty_dir(const char *dir, const char *spare)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int empty = 1;

	if (!d)
		return 0;
	while (empty && (de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..") &&
		    (!spare || strcmp(de->d_name, spare)))
			empty = 0;
	closedir(d);
	return empty;
}

static enum cr_err in_use(struct cr_error *err, const char *dir, pid_t pid)
{
	if (pid > 0)
		return cr_error_set(err, CR_EBUSY, dir, -1,
				    "in use by covrun (pid %ld): one run "
				    "directory, one run; wait for it or "
				    "choose another --data-dir", (long)pid);
	return cr_error_set(err, CR_EBUSY, dir, -1, "in use by covrun");
}

static enum cr_err not_a_run(const char *dir, struct cr_error *err)
{
	return cr_error_set(err, CR_EUSAGE, dir, -1,
			    "exists and is not a covrun run directory; "
			    "choose another --data-dir");
}

/* DIR.prev may be replaced only when it is an earlier run no one holds. */
static enum cr_err clear_prev(const char *prev, struct cr_error *err)
{
	struct stat st;
	pid_t pid;

	if (lstat(prev, &st) < 0)
		return errno == ENOENT ? CR_OK
				       : cr_error_errno(err, prev, "cannot use");
	if (!rundir_is_ours(prev))
		return cr_error_set(err, CR_EUSAGE, prev, -1,
				    "exists and is not a covrun run: not "
				    "replacing it; move it away, or use "
				    "--force (the earlier run is removed "
				    "instead) or another --data-dir");
	if ((pid = rundir_lock_holder(prev)) != 0)
		return in_use(err, prev, pid);
	return cr_rm_rf(prev, err);
}

/* An earlier run is never mixed with this one: it is removed (--force)
 * or moved to DIR.prev (replacing an older .prev).  We hold DIR. */
static enum cr_err set_aside(const struct collect_opts *opts,
			     const char *dir, const struct collect_ui *ui,
			     struct cr_error *err)
{
	char *prev;
	enum cr_err rc;

	if (!rundir_is_ours(dir))
		return not_a_run(dir, err);
	if (opts->force)
		return cr_rm_rf(dir, err);
	prev = cr_xasprintf("%s.prev", dir);
	rc = clear_prev(prev, err);
	if (rc == CR_OK &&
	    renameat2(AT_FDCWD, dir, AT_FDCWD, prev, RENAME_NOREPLACE) < 0)
		rc = cr_error_errno(err, dir, "cannot move earlier run aside");
	if (rc == CR_OK)
		ui->note("earlier run moved to '%s'", prev);
	free(prev);
	return rc;
}

/* After the earlier run went: a new DIR, held through *LOCK_FD (the
 * lock of the earlier run is released once the new one is held). */
static enum cr_err fresh_dir(const char *dir, int *lock_fd,
			     struct cr_error *err)
{
	int fd;
	enum cr_err rc;

	if (mkdir(dir, 0777) < 0)
		return errno == EEXIST ? in_use(err, dir, rundir_lock_holder(dir))
				       : cr_error_errno(err, dir,
							"cannot create directory");
	rc = rundir_lock(dir, &fd, err);
	if (rc != CR_OK)
		return rc;
	close(*lock_fd);
	*lock_fd = fd;
	return CR_OK;
}

/* Hold the run directory DIR for this run, empty (lock file aside). */
static enum cr_err claim_dir(const struct collect_opts *opts,
			     const char *dir, int *lock_fd,
			     const struct collect_ui *ui, struct cr_error *err)
{
	struct stat st;
	enum cr_err rc;
	pid_t pid;

	if (lstat(dir, &st) < 0) {
		if (errno != ENOENT)
			return cr_error_errno(err, dir, "cannot use");
		if ((rc = cr_mkdir_p(dir, err)) != CR_OK)
			return rc;
	}
	if (lstat(dir, &st) < 0 || !S_ISDIR(st.st_mode))
		return cr_error_set(err, CR_EUSAGE, dir, -1,
				    "exists and is not a directory");
	/* a lock file is created only in an empty directory or a run */
	if (!is_empty_dir(dir, NULL) && !rundir_is_ours(dir))
		return (pid = rundir_lock_holder(dir)) != 0 ? in_use(err, dir, pid)
							: not_a_run(dir, err);
	if ((rc = rundir_lock(dir, lock_fd, err)) != CR_OK)
		return rc == CR_EBUSY ? in_use(err, dir, rundir_lock_holder(dir))
				      : rc;
	/* held: look again, another covrun may have run there meanwhile */
	if (is_empty_dir(dir, RUNDIR_LOCK))
		return CR_OK;
	rc = set_aside(opts, dir, ui, err);
	if (rc == CR_OK)
		rc = fresh_dir(dir, lock_fd, err);
	if (rc != CR_OK) {
		close(*lock_fd);
		*lock_fd = -1;
	}
	return rc;
}

enum cr_err collect_prepare_dir(const struct collect_opts *opts,
				char **abs_dir, int *lock_fd,
				const struct collect_ui *ui,
				struct cr_error *err)
{
	char *dir = cr_path_absolute(opts->data_dir ? opts->data_dir
						    : ".covrun");
	enum cr_err rc;

	*lock_fd = -1;
	rc = claim_dir(opts, dir, lock_fd, ui, err);
	if (rc == CR_OK)
		rc = rundir_create(dir, err);
	if (rc != CR_OK) {
		if (*lock_fd >= 0)
			close(*lock_fd);
		*lock_fd = -1;
		free(dir);
		return rc;
	}
	*abs_dir = dir;
	return CR_OK;
}

static void info_args(struct cr_buf *b, const char *key, char *const *argv)
{
	for (; argv && *argv; argv++) {
		cr_buf_addf(b, "%s ", key);
		for (const char *s = *argv; *s; s++) {
			unsigned char c = (unsigned char)*s;
			if (c == '\\')
				cr_buf_adds(b, "\\\\");
			else if (c == '\n')
				cr_buf_adds(b, "\\n");
			else if (c < 0x20 || c == 0x7f)
				cr_buf_addf(b, "\\x%02x", c);
			else
				cr_buf_addc(b, (char)c);
		}
		cr_buf_addc(b, '\n');
	}
}

/* run.info: what ran and how it ended (README.md, "Run directory"). */
static enum cr_err write_run_info(const char *dir, struct collect_job *jobs,
				  size_t njobs,
				  const struct collect_result *res,
				  struct cr_error *err)
{
	struct cr_buf b;
	char *cwd = getcwd(NULL, 0);
	char *path = rundir_path(dir, RUNDIR_INFO);
	enum cr_err rc;

	cr_buf_init(&b);
	cr_buf_addf(&b, "%s\nstart %lld\ncwd %s\n", RUNDIR_RUN_MAGIC,
		    (long long)res->start_ns, cwd ? cwd : "");
	for (size_t i = 0; i < njobs; i++) {
		cr_buf_addf(&b, "job %zu\n", i);
		info_args(&b, "arg", jobs[i].argv);
		if (jobs[i].done)
			cr_buf_addf(&b, "status %d\n", jobs[i].status);
	}
	if (res->images)
		cr_buf_addf(&b, "images %llu\nfinish %lld\n",
			    (unsigned long long)res->images,
			    (long long)cr_wall_ns());
	rc = cr_write_file_atomic(path, b.buf, b.len, err);
	cr_buf_release(&b);
	free(path);
	free(cwd);
	return rc;
}

/* ======================= environment =================================== */

static int has_name(const char *entry, const char *name)
{
	size_t n = strlen(name);
	return !strncmp(entry, name, n) && entry[n] == '=';
}

/* The environment of the jobs: ours, minus any identity a covrun above us
 * left, plus the shim (last in LD_PRELOAD: sanitizers want to be first),
 * the run directory, the image limit and the unattributed GCOV_PREFIX. */
static char **make_env(const struct collect_opts *opts, const char *dir)
{
	size_t n = 0, k = 0;
	const char *preload = getenv("LD_PRELOAD");
	char **env;

	while (environ[n])
		n++;
	env = cr_xcalloc(n + 9, sizeof(char *));
	for (size_t i = 0; i < n; i++) {
		const char *e = environ[i];
		if (has_name(e, "LD_PRELOAD") || has_name(e, "COVRUN_DIR") ||
		    has_name(e, "COVRUN_IMAGE") || has_name(e, "GCOV_PREFIX") ||
		    has_name(e, "COVRUN_MAX_PROCESSES") ||
		    has_name(e, "ASAN_OPTIONS") ||
		    (opts->label && has_name(e, "COVRUN_LABEL")))
			continue;
		env[k++] = cr_xstrdup(e);
	}
	if (preload && *preload)
		env[k++] = cr_xasprintf("LD_PRELOAD=%s:%s", preload,
					opts->shim);
	else
		env[k++] = cr_xasprintf("LD_PRELOAD=%s", opts->shim);
	/* ASan wants to come first in LD_PRELOAD; the shim must not stop
	 * a program built with -fsanitize=address from starting. */
	const char *asan = getenv("ASAN_OPTIONS");
	if (asan && *asan && !strstr(asan, "verify_asan_link_order"))
		env[k++] = cr_xasprintf("ASAN_OPTIONS=%s:%s", asan,
					"verify_asan_link_order=0");
	else if (asan && *asan)
		env[k++] = cr_xasprintf("ASAN_OPTIONS=%s", asan);
	else
		env[k++] = cr_xstrdup("ASAN_OPTIONS=verify_asan_link_order=0");
	env[k++] = cr_xasprintf("COVRUN_DIR=%s", dir);
	env[k++] = cr_xasprintf("COVRUN_MAX_PROCESSES=%ld",
				opts->max_processes);
	env[k++] = cr_xasprintf("GCOV_PREFIX=%s/unattributed/%%p", dir);
	if (opts->label)
		env[k++] = cr_xasprintf("COVRUN_LABEL=%s", opts->label);
	env[k] = NULL;
	return env;
}

static void free_env(char **env)
{
	for (char **e = env; *e; e++)
		free(*e);
	free(env);
}

/* Swap in the job's label, if it has one. */
static char **job_env(char **env, const struct collect_job *job,
		      char **label_slot)
{
	size_t n = 0;
	char **out;

	if (!job->label)
		return env;
	while (env[n])
		n++;
	out = cr_xcalloc(n + 2, sizeof(char *));
	for (size_t i = 0, k = 0; i < n; i++)
		if (!has_name(env[i], "COVRUN_LABEL"))
			out[k++] = env[i];
	*label_slot = cr_xasprintf("COVRUN_LABEL=%s", job->label);
	for (n = 0; out[n]; n++)
		;
	out[n] = *label_slot;
	return out;
}

char *collect_find_shim(struct cr_error *err)
{
	static const char *const rel[] = { "../lib/covrun/libcovrun-shim.so" };
	char exe[PATH_MAX];
	ssize_t n;
	const char *over = getenv("COVRUN_SHIM");

	if (over && *over)
		return access(over, R_OK) == 0
			       ? cr_path_absolute(over)
			       : (cr_error_errno(err, over,
						 "cannot use COVRUN_SHIM"),
				  NULL);
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0) {
		cr_error_errno(err, "/proc/self/exe", "cannot find covrun");
		return NULL;
	}
	exe[n] = '\0';
	char *dir = cr_path_dirname(exe);
	char *path = cr_path_join(dir, rel[0]);
	char *abs = cr_path_absolute(path);
	free(dir);
	free(path);
	if (access(abs, R_OK) == 0)
		return abs;
	cr_error_set(err, CR_ENOENT, abs, -1,
		     "the covrun shim is missing (reinstall covrun, or set "
		     "COVRUN_SHIM to its path)");
	free(abs);
	return NULL;
}

/* ======================= starting jobs ================================= */

/* 0 when PATH is a file we may execute, else the errno exec would give. */
static int check_exec(const char *path)
{
	struct stat st;

	if (stat(path, &st) < 0)
		return errno == ENOTDIR ? ENOENT : errno;
	if (!S_ISREG(st.st_mode) || eaccess(path, X_OK) < 0)
		return EACCES;
	return 0;
}

int collect_resolve_command(const char *cmd, char **path)
{
	const char *dirs = getenv("PATH"), *p, *end;
	int e = ENOENT, r;

	*path = NULL;
	if (!*cmd)
		return ENOENT;
	if (strchr(cmd, '/')) {
		r = check_exec(cmd);
		if (!r)
			*path = cr_xstrdup(cmd);
		return r;
	}
	for (p = dirs ? dirs : "/bin:/usr/bin"; ; p = end + 1) {
		end = strchrnul(p, ':');
		char *dir = end > p ? cr_xstrndup(p, (size_t)(end - p))
				    : cr_xstrdup(".");
		char *cand = cr_path_join(dir, cmd);
		free(dir);
		r = check_exec(cand);
		if (!r) {
			*path = cand;
			return 0;
		}
		free(cand);
		if (r == EACCES)
			e = EACCES; /* as execvp: a later one may still run */
		if (!*end)
			return e;
	}
}

/* Does the file at PATH start with the ELF magic? */
static int is_elf(const char *path)
{
	char head[4];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	int yes = fd >= 0 && read(fd, head, 4) == 4 &&
		  !memcmp(head, "\177ELF", 4);

	if (fd >= 0)
		close(fd);
	return yes;
}

/* In the child: exec PATH as execvp would, except that a binary the
 * kernel cannot run is not handed to /bin/sh (a shell says "cannot
 * execute binary file"); a script without "#!" still is.  Returns the
 * errno of the failure. */
static int exec_command(const char *path, char *const *argv, char **env)
{
	size_t argc = 0;
	char **sh;

	execve(path, argv, env);
	if (errno != ENOEXEC)
		return errno;
	if (is_elf(path))
		return ENOEXEC;
	while (argv[argc])
		argc++;
	sh = malloc((argc + 2) * sizeof(char *));
	if (!sh)
		return ENOEXEC;
	sh[0] = (char *)"/bin/sh";
	sh[1] = (char *)path;
	for (size_t i = 1; i <= argc; i++)
		sh[i + 1] = argv[i];
	execve("/bin/sh", sh, env);
	return errno;
}

/* Start JOB; a failed exec is reported back through a close-on-exec pipe
 * so that "not found" and "not executable" are told apart. */
static void start_job(struct collect_job *job, char **env,
		      const sigset_t *child_mask)
{
	int fds[2], e = 0;
	pid_t pid;
	char *path;

	job->started = 1;
	e = collect_resolve_command(job->argv[0], &path);
	if (e || pipe2(fds, O_CLOEXEC) < 0) {
		job->exec_errno = e ? e : errno;
		job->done = 1;
		free(path);
		return;
	}
	pid = fork();
	if (pid == 0) {
		sigprocmask(SIG_SETMASK, child_mask, NULL);
		close(fds[0]);
		e = exec_command(path, job->argv, env);
		if (write(fds[1], &e, sizeof(e)) < 0)
			_exit(127);
		_exit(e == ENOENT ? 127 : 126);
	}
	free(path);
	close(fds[1]);
	if (pid < 0) {
		job->exec_errno = errno;
		job->done = 1;
		close(fds[0]);
		return;
	}
	job->pid = pid;
	while (read(fds[0], &e, sizeof(e)) < 0 && errno == EINTR)
		;
	close(fds[0]);
	job->exec_errno = e;
}

static int status_code(int st)
{
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	if (WIFSIGNALED(st))
		return 128 + WTERMSIG(st);
	return 255;
}

/* ======================= ending a process tree ========================= */

static pid_t read_ppid(const char *pid)
{
	char path[64], buf[512];
	int fd;
	ssize_t n;
	char *close_paren;

	snprintf(path, sizeof(path), "/proc/%s/stat", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	close_paren = strrchr(buf, ')');
	if (!close_paren)
		return -1;
	return (pid_t)strtol(close_paren + 4, NULL, 10);
}

struct proc_table {
	pid_t *pid, *ppid;
	size_t n, alloc, alloc2;
};

static void scan_procs(struct proc_table *t)
{
	DIR *d = opendir("/proc");
	struct dirent *de;

	t->n = 0;
	if (!d)
		return;
	while ((de = readdir(d))) {
		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		pid_t pp = read_ppid(de->d_name);
		if (pp < 0)
			continue;
		CR_GROW(t->pid, t->n + 1, t->alloc);
		CR_GROW(t->ppid, t->n + 1, t->alloc2);
		t->pid[t->n] = (pid_t)strtol(de->d_name, NULL, 10);
		t->ppid[t->n++] = pp;
	}
	closedir(d);
}

/* Send SIG to every descendant of covrun; returns how many there were. */
static size_t signal_descendants(int sig)
{
	struct proc_table t = { 0 };
	char *mark;
	size_t count = 0;
	int changed = 1;

	scan_procs(&t);
	mark = cr_xcalloc(t.n + 1, 1);
	while (changed) {
		changed = 0;
		for (size_t i = 0; i < t.n; i++) {
			if (mark[i])
				continue;
			int parent_marked = t.ppid[i] == getpid();
			for (size_t j = 0; !parent_marked && j < t.n; j++)
				parent_marked = mark[j] &&
						t.pid[j] == t.ppid[i];
			if (parent_marked)
				mark[i] = changed = 1;
		}
	}
	for (size_t i = 0; i < t.n; i++)
		if (mark[i] && kill(t.pid[i], sig) == 0)
			count++;
	free(mark);
	free(t.pid);
	free(t.ppid);
	return count;
}

/* ======================= the wait loop ================================= */

struct loop {
	struct collect_job *jobs;
	size_t njobs, next, running;
	int parallel;
	char **env;
	sigset_t child_mask;
	volatile uint64_t *counter;
	long max_images;
	struct collect_result *res;
	const struct collect_ui *ui;
	const struct collect_opts *opts;
};

static void reap(struct loop *l)
{
	int st;
	pid_t pid;

	while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
		for (size_t i = 0; i < l->njobs; i++) {
			struct collect_job *j = &l->jobs[i];
			if (j->pid == pid && !j->done) {
				j->done = 1;
				j->status = status_code(st);
				l->running--;
			}
		}
	}
}

static void start_more(struct loop *l)
{
	while (!l->res->stopped && !l->res->interrupted &&
	       l->next < l->njobs && l->running < (size_t)l->parallel) {
		struct collect_job *j = &l->jobs[l->next++];
		char *label = NULL;
		char **env = job_env(l->env, j, &label);
		start_job(j, env, &l->child_mask);
		if (env != l->env)
			free(env);
		free(label);
		if (j->exec_errno) {
			j->done = 1;
			j->status = j->exec_errno == ENOENT ? 127 : 126;
			if (j->pid > 0)
				waitpid(j->pid, NULL, 0);
		} else {
			l->running++;
		}
	}
}

static void check_limit(struct loop *l)
{
	int64_t live = l->counter ? (int64_t)l->counter[1] : 0;

	if (l->res->stopped || l->max_images <= 0 || live <= l->max_images)
		return;
	l->res->stopped = 1;
	l->ui->warn("more than %ld processes at once (--max-processes): "
		    "stopping the run and ending its processes",
		    l->max_images);
	for (int pass = 0; pass < 100 && signal_descendants(SIGKILL); pass++) {
		reap(l);
		usleep(10000);
	}
}

/* Some child of covrun (a job, or an orphan it adopted as subreaper) is
 * still running or not yet reaped. */
static int children_left(void)
{
	siginfo_t any;

	return !(waitid(P_ALL, 0, &any, WEXITED | WNOHANG | WNOWAIT) < 0 &&
		 errno == ECHILD);
}

/* One step: wait up to 100 ms for a signal, then reap and start jobs. */
static void step(struct loop *l, const sigset_t *waitset)
{
	struct timespec tick = { 0, 100000000L }; /* 100 ms */
	siginfo_t info;
	int sig = sigtimedwait(waitset, &info, &tick);

	if (sig == SIGINT || sig == SIGTERM || sig == SIGHUP) {
		l->res->interrupted = sig;
		for (size_t i = 0; i < l->njobs; i++)
			if (l->jobs[i].started && !l->jobs[i].done)
				kill(l->jobs[i].pid, sig);
		if (l->running == 0)
			signal_descendants(sig);
	}
	reap(l);
	check_limit(l);
	start_more(l);
}

static volatile uint64_t *map_counter(const char *dir)
{
	char *path = rundir_path(dir, RUNDIR_COUNTER);
	int fd = open(path, O_RDWR | O_CLOEXEC);
	void *p = MAP_FAILED;

	free(path);
	if (fd >= 0) {
		p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		close(fd);
	}
	return p == MAP_FAILED ? NULL : p;
}

/* A SIGINT, SIGTERM or SIGHUP that came after the last wait: the run
 * was interrupted (unblocked, it would end covrun before its run.info and
 * reports). */
static void take_pending(struct loop *l, const sigset_t *waitset)
{
	struct timespec zero = { 0, 0 };
	siginfo_t info;
	int sig;

	while ((sig = sigtimedwait(waitset, &info, &zero)) > 0)
		if (sig != SIGCHLD)
			l->res->interrupted = sig;
}

/* After the jobs: wait for descendants (daemons) up to the deadline.  It
 * looks before it waits: a run whose command left nothing behind ends at
 * once, not after a tick. */
static void wait_descendants(struct loop *l, const sigset_t *waitset,
			     double seconds)
{
	int64_t deadline = cr_now_ns() + (int64_t)(seconds * 1e9);

	for (;;) {
		reap(l);
		if (!children_left())
			return;
		if (cr_now_ns() >= deadline) {
			l->res->still_running = 1; /* collect_check_losses names them */
			return;
		}
		step(l, waitset);
	}
}

enum cr_err collect_run_jobs(const struct collect_opts *opts,
			     const char *abs_dir, struct collect_job *jobs,
			     size_t njobs, int parallel,
			     const struct collect_ui *ui,
			     struct collect_result *res,
			     struct cr_error *err)
{
	struct loop l = { jobs, njobs, 0, 0, parallel > 0 ? parallel : 1,
			  NULL, { { 0 } }, NULL, opts->max_processes, res, ui,
			  opts };
	sigset_t waitset;
	enum cr_err rc;

	memset(res, 0, sizeof(*res));
	res->start_ns = cr_wall_ns();
	rc = write_run_info(abs_dir, jobs, njobs, res, err);
	if (rc != CR_OK)
		return rc;
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0)
		return cr_error_errno(err, NULL, "cannot become subreaper");
	sigemptyset(&waitset);
	sigaddset(&waitset, SIGCHLD);
	sigaddset(&waitset, SIGINT);
	sigaddset(&waitset, SIGTERM);
	sigaddset(&waitset, SIGHUP);
	sigprocmask(SIG_BLOCK, &waitset, &l.child_mask);
	l.env = make_env(opts, abs_dir);
	l.counter = map_counter(abs_dir);
	start_more(&l);
	while (l.next < l.njobs || l.running)
		step(&l, &waitset);
	wait_descendants(&l, &waitset, opts->wait_descendants);
	take_pending(&l, &waitset);
	res->images = l.counter ? *l.counter : 0;
	free_env(l.env);
	sigprocmask(SIG_SETMASK, &l.child_mask, NULL);
	if (l.counter)
		munmap((void *)l.counter, 4096);
	return write_run_info(abs_dir, jobs, njobs, res, err);
}
