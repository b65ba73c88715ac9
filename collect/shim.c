/* SPDX-License-Identifier: MIT
 * collect/shim.c: the code covrun loads into every process it runs.
 *
 * Built twice: as libcovrun-shim.so, loaded with LD_PRELOAD into every
 * dynamically linked process of a run, and (with COVRUN_RUNTIME) as
 * covrun-rt.o, linked into statically linked programs.  In each process
 * image it
 *   1. gives the image an id, a directory (run/img/<id>) that libgcov
 *      writes to, and entries in the run's journal (its process record,
 *      docs/run-directory.md; collect/record.c reads them);
 *   2. starts a new image in every fork child (resetting the counters the
 *      child copied from its parent) and tells exec'd and spawned images
 *      who their parent was, through COVRUN_IMAGE;
 *   3. writes the counters of images that end without exit(): _exit(),
 *      fatal signals, exec, using collect/gcovsym.c;
 *   4. keeps itself, the run directory and an "unattributed" GCOV_PREFIX
 *      in the environment of every exec and spawn, even a scrubbed one.
 * Parts: state and records; image life cycle; environment; wrappers
 * (exec family, spawn, vfork, _exit, signals, clone).
 *
 * Nothing here may print (unless COVRUN_DEBUG), allocate on paths that can
 * run in a signal handler, or abort its host.
 */
#define _GNU_SOURCE
#include "collect/internal.h"
#include "rundir/rundir.h"

#include <dlfcn.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <link.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>
/* glibc 2.32 tells whether the process has one thread; before it, every
 * image takes the way that holds with threads (install_signal_handlers). */
#if defined(__GLIBC__) && (__GLIBC__ > 2 || __GLIBC_MINOR__ >= 32)
#include <sys/single_threaded.h>
#define ONE_THREAD() (__libc_single_threaded != 0)
#else
#define ONE_THREAD() 0
#endif

extern char **environ;

/* The wrappers replace libc's functions; everything else is hidden. */
#define SHIM_EXPORT __attribute__((visibility("default")))

/* ======================= state and records ============================= */

enum how { HOW_ROOT, HOW_FORK, HOW_EXEC, HOW_SPAWN };
enum end { END_NONE, END_EXIT, END__EXIT, END_SIGNAL, END_EXEC };
static const char *const how_names[] = REC_HOW_NAMES;
static const char *const role_names[] = REC_ROLE_NAMES;

struct image {
	char id[48];      /* <16 hex digits of monotonic ns>-<pid> */
	char parent[48];  /* "" for a root without a covrun parent */
	pid_t pid, ppid;
	enum how how;
	int anc_instr;    /* an ancestor image had instrumented code */
	int64_t start_ns, end_ns;
	enum end end;
	int status;
};

static int active;                 /* COVRUN_DIR was set */
static struct image me;
/* The image's names, set at its start one after the other in names(),
 * then the record buffer.  Each page an image writes first costs a page
 * fault (20 us on a virtual machine with shadow page tables, more than
 * all the rest the shim does at an image's start): in arrays of PATH_MAX
 * bytes of their own, each short name was a page of its own.  Every
 * pointer names "" until shim_init sets it. */
#define RECBUF_SIZE (16384 + RUNDIR_FRAME_HEAD_MAX)
#define LABEL_MAX 512
#define NAMES_SIZE (7 * PATH_MAX + 128 + LABEL_MAX + RECBUF_SIZE)
static char *names(void);

static size_t names_len;
static char no_name[1];
static char *run_dir = no_name;
static char *shim_path __attribute__((unused)) = no_name;
static char *prefix = no_name;  /* what getenv("GCOV_PREFIX") gives */
static size_t prefix_size = 1;
static char *exe = no_name, *cwd = no_name, *label = no_name;
static char *journal_path = no_name; /* "<run_dir>/journal" */
static char *env_unattributed = no_name; /* GCOV_PREFIX=.../%p */
static char *recbuf = no_name;
static int saved_argc;
static char **saved_argv;
/* How far the end of this image has got: its end is being recorded and
 * its counters written (by END_OWNER, a thread id), or both are done. */
enum end_state { END_IDLE, END_ENDING, END_DUMPED };
static volatile int end_state;
static volatile pid_t end_owner;
/* A fatal signal that arrived while another part of the image wrote its
 * end: it takes effect once the counters are written. */
static volatile sig_atomic_t deferred_sig;
/* An asynchronous fatal signal put off because it interrupted the
 * allocator (put_off): it ends the image in any case. */
static volatile sig_atomic_t put_off_sig;
static int put_off_tries;
static timer_t put_off_timer;
static int put_off_timer_sig; /* the signal put_off_timer sends, or 0 */
/* Why this image's counters cannot be written (NULL when they can). */
static const char *lost_reason;
/* The run directory as it was at start: a chroot or another mount
 * namespace makes its path name something else, or nothing. */
static dev_t run_dev;
static ino_t run_ino;
/* The run's journal, open for appending from the image's start, so that
 * its end is recorded even after a chroot or a change of user; checked by
 * device and inode before each use (the program may close the number and
 * reuse it). */
static int jr_fd = -1;
static dev_t jr_dev;
static ino_t jr_ino;
/* This image's whole record is in the journal: later entries add only
 * what changed. */
static int whole_written;
/* The open run directory (see run_dir_fd). */
static int run_fd = -1;
static volatile uint64_t *image_counter; /* shared by the whole run */
static uint64_t *zero_table; /* the run's all-zero gcda paths (rundir.h) */
static long max_images;

/* Environment entries owned by the shim (putenv keeps the pointer). */
static char env_image[128];             /* COVRUN_IMAGE=id/pid/AI */
#ifdef COVRUN_RUNTIME
static char env_prefix[PATH_MAX + 80];  /* GCOV_PREFIX=<prefix> */
#endif

/* The system calls every image's start makes go through syscall(), on
 * the page of mmap(), which it calls anyway: libc's getpid, getppid and
 * clock_gettime (with the vDSO's two data pages) are each a page to
 * fault in (see names()), which costs far more than the system call
 * the vDSO saves. */
static int64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	syscall(SYS_clock_gettime, id, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static pid_t my_pid(void)
{
	return (pid_t)syscall(SYS_getpid);
}

static pid_t my_parent_pid(void)
{
	return (pid_t)syscall(SYS_getppid);
}

/* The decimal number S starts with (strtol without its locale tables,
 * another page to fault in), 0 when none. */
static long decimal(const char *s)
{
	long n = 0;

	while (s && *s >= '0' && *s <= '9' && n < LONG_MAX / 10)
		n = n * 10 + (*s++ - '0');
	return n;
}

/* A getenv that reads environ directly: safe before the shim is set up
 * and from the shim's own getenv. */
static char *raw_getenv(const char *name)
{
	size_t n = strlen(name);

	for (char **e = environ; e && *e; e++)
		if (!strncmp(*e, name, n) && (*e)[n] == '=')
			return *e + n + 1;
	return NULL;
}

static void out_field(struct outbuf *o, const char *key, const char *val)
{
	out_str(o, key);
	out_str(o, " ");
	out_escaped(o, val);
	out_str(o, "\n");
}

/* The first 64 arguments of ARGV (ARGC of them, or through its NULL),
 * at most 4 kB. */
static void out_args(struct outbuf *o, int argc, char *const argv[])
{
	size_t bytes = 0;
	int i;

	for (i = 0; i < argc && argv && argv[i]; i++) {
		bytes += strlen(argv[i]);
		if (i >= 64 || bytes > 4096)
			break;
		out_field(o, REC_ARG, argv[i]);
	}
	if (argv && i < argc && argv[i])
		out_str(o, REC_ARGV_TRUNCATED " 1\n");
}

/* The fields that can change while the image runs. */
static void out_changing(struct outbuf *o)
{
	static const char *const end_names[] = REC_END_NAMES;

	out_str(o, gcovsym_instrumented() ? REC_INSTRUMENTED " 1\n"
					  : REC_INSTRUMENTED " 0\n");
	for (size_t i = 0; gcovsym_stripped(i); i++)
		out_field(o, REC_STRIPPED,
			  gcovsym_stripped(i)[0] ? gcovsym_stripped(i) : exe);
	if (me.end == END_NONE)
		return;
	out_str(o, REC_END " ");
	out_str(o, end_names[me.end]);
	if (me.end != END_EXEC) {
		out_str(o, " ");
		out_i64(o, me.status);
	}
	out_str(o, "\n" REC_FINISH " ");
	out_i64(o, me.end_ns);
	out_str(o, "\n");
}

/* This image's whole record, for one journal entry: at start when
 * instrumented code is loaded, else once at its end (docs/run-directory.md,
 * "Journal entries").  Async-signal-safe. */
static void out_start(struct outbuf *o, const struct image *im,
		      const char *exe_path, const char *dir, const char *lab,
		      int argc, char *const argv[]);

static void out_whole(struct outbuf *o)
{
	out_start(o, &me, exe, cwd, label, saved_argc, saved_argv);
	out_changing(o);
}

/* The fields of image IM's record that its start decides (an untraced
 * image's are written by the image that execs it). */
static void out_start(struct outbuf *o, const struct image *im,
		      const char *exe_path, const char *dir, const char *lab,
		      int argc, char *const argv[])
{
	out_field(o, REC_ID, im->id);
	out_str(o, REC_PID " ");
	out_i64(o, im->pid);
	out_str(o, "\n" REC_PPID " ");
	out_i64(o, im->ppid);
	out_str(o, "\n");
	out_field(o, REC_PARENT, im->parent);
	out_field(o, REC_HOW, how_names[im->how]);
	out_field(o, REC_ROLE, role_names[im->anc_instr ? 1 : 0]);
	out_field(o, REC_EXE, exe_path);
	out_field(o, REC_CWD, dir);
	out_field(o, REC_LABEL, lab);
	out_str(o, REC_START " ");
	out_i64(o, im->start_ns);
	out_str(o, "\n");
	out_args(o, argc, argv);
}

/* FD if it is still open on the file DEV/INO (a program may close the
 * shim's descriptors or reuse their numbers), else -1. */
static int still_open(int fd, dev_t dev, ino_t ino)
{
	struct stat st;

	return fd >= 0 && fstat(fd, &st) == 0 && st.st_dev == dev &&
	       st.st_ino == ino ? fd : -1;
}

static int journal_fd(void)
{
	return jr_fd = still_open(jr_fd, jr_dev, jr_ino);
}

static int run_dir_fd(void);

/* Open the run directory's journal for appending: through the run
 * directory kept open when there is one (chroot, change of user), else
 * by its path.  Returns the descriptor, or -1. */
static int open_journal_file(void)
{
	int flags = O_WRONLY | O_APPEND | O_CLOEXEC;

	if (run_dir_fd() >= 0)
		return openat(run_fd, RUNDIR_JOURNAL, flags);
	return journal_path[0] ? open(journal_path, flags) : -1;
}

/* Keep the journal open from the image's start (a fork child keeps its
 * parent's: the same file), so that the end of the image is recorded
 * even after a chroot or a change of user. */
static void open_journal(void)
{
	struct stat st;
	int fd;

	if (journal_fd() >= 0)
		return;
	fd = open_journal_file();
	if (fd < 0)
		return;
	if (fstat(fd, &st) < 0) {
		close(fd);
		return;
	}
	jr_fd = fd;
	jr_dev = st.st_dev;
	jr_ino = st.st_ino;
}

/* Append the entry built in O (its buffer starts RUNDIR_FRAME_HEAD_MAX
 * bytes into BUF) as one "@r" frame, in one write() to the journal opened
 * with O_APPEND: concurrent images never interleave (docs/run-directory.md,
 * "Frames").  Async-signal-safe. */
static void append_frame(char *buf, const struct outbuf *o)
{
	char head[RUNDIR_FRAME_HEAD_MAX];
	size_t hlen;
	int fd = journal_fd(), own = 0;

	if (o->overflow)
		return;
	hlen = rundir_frame_head_format(head, RUNDIR_FRAME_RECORD, o->len,
					rundir_hash(o->p, o->len));
	memcpy(buf + RUNDIR_FRAME_HEAD_MAX - hlen, head, hlen);
	if (fd < 0) {
		fd = open_journal_file();
		own = 1;
	}
	if (fd < 0)
		return;
	if (write(fd, buf + RUNDIR_FRAME_HEAD_MAX - hlen, hlen + o->len) < 0)
		(void)0; /* nothing to do: the image stays without it */
	if (own)
		close(fd);
}

/* An entry of this image: "id <id>" first, then the caller's lines. */
static struct outbuf begin_entry(char *buf, size_t size)
{
	struct outbuf o = { buf + RUNDIR_FRAME_HEAD_MAX, 0,
			    size - RUNDIR_FRAME_HEAD_MAX, 0 };

	out_field(&o, REC_ID, me.id);
	return o;
}

/* Start of an image (or its going on after a failed exec): its whole
 * record when instrumented code is loaded; an image without any writes
 * one entry at its end instead, and creates no file.  An image that has
 * an entry already (a failed exec) takes back its end. */
static void write_record(void)
{
	struct outbuf o;

	open_journal();
	if (whole_written) {
		o = begin_entry(recbuf, RECBUF_SIZE);
		out_changing(&o);
		out_str(&o, REC_END " " REC_END_NONE "\n" REC_FINISH " 0\n"
			    REC_DUMPED " 0\n" REC_LOST " \n");
		append_frame(recbuf, &o);
		return;
	}
	if (!gcovsym_instrumented())
		return;
	o = (struct outbuf){ recbuf + RUNDIR_FRAME_HEAD_MAX, 0,
			     RECBUF_SIZE - RUNDIR_FRAME_HEAD_MAX, 0 };
	out_whole(&o);
	append_frame(recbuf, &o);
	whole_written = !o.overflow;
}

/* Add how the image ends, before its counters are written: the whole
 * record if an object loaded since its start (dlopen) made it
 * instrumented, nothing yet if it has none. */
static void append_record_end(void)
{
	struct outbuf o;

	if (!whole_written && !gcovsym_instrumented())
		return;
	if (!whole_written) {
		o = (struct outbuf){ recbuf + RUNDIR_FRAME_HEAD_MAX, 0,
				     RECBUF_SIZE - RUNDIR_FRAME_HEAD_MAX,
				     0 };
		out_whole(&o);
		whole_written = !o.overflow;
	} else {
		o = begin_entry(recbuf, RECBUF_SIZE);
		out_changing(&o);
	}
	append_frame(recbuf, &o);
}

/* Add "dumped <ns>" once the counters are written, or "lost <reason>"
 * when they could not be: an image whose record has neither was killed
 * before its counters were complete (collect/check.c names it).  An
 * image without instrumented code writes its one whole entry here. */
static void append_record_dumped(void)
{
	char buf[512];
	int whole = !whole_written;
	struct outbuf o = whole ? (struct outbuf){ recbuf + RUNDIR_FRAME_HEAD_MAX,
						   0, RECBUF_SIZE -
						   RUNDIR_FRAME_HEAD_MAX, 0 }
				: begin_entry(buf, sizeof(buf));

	if (whole)
		out_whole(&o);
	if (lost_reason) {
		out_field(&o, REC_LOST, lost_reason);
	} else {
		out_str(&o, REC_DUMPED " ");
		out_i64(&o, clock_ns(CLOCK_REALTIME));
		out_str(&o, "\n");
	}
	append_frame(whole ? recbuf : buf, &o);
	if (whole)
		whole_written = !o.overflow;
}

/* ======================= image life cycle ============================== */

static void update_env_image(void)
{
	char now[sizeof(env_image)];
	struct outbuf o = { now, 0, sizeof(now), 0 };

	out_str(&o, "COVRUN_IMAGE=");
	out_str(&o, me.id);
	out_str(&o, "/");
	out_i64(&o, me.pid);
	out_str(&o, "/");
	out_str(&o, me.anc_instr ? "1" : "0");
	out_str(&o, gcovsym_instrumented() ? "1" : "0");
	out_end(&o);
	/* before each fork: writing the same again would cost the parent a
	 * copy-on-write fault per fork (its page was shared by the last) */
	if (strcmp(now, env_image))
		memcpy(env_image, now, strlen(now) + 1);
}

/* Called by the constructor only, before any record is written: the path
 * is built where the record buffer starts (a PATH_MAX buffer on the stack
 * would reach a page the image has not touched yet). */
static void map_counter(void)
{
	struct outbuf o = { recbuf, 0, PATH_MAX + 16, 0 };
	int fd;

	out_str(&o, run_dir);
	out_str(&o, "/counter");
	out_end(&o);
	fd = o.overflow ? -1 : open(recbuf, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return;
	/* Map the object cache only when the file holds it: a page beyond
	 * the end of a file is SIGBUS. */
	struct stat st;
	size_t size = fstat(fd, &st) == 0 &&
				      st.st_size >= (off_t)RUNDIR_COUNTER_SIZE
			      ? RUNDIR_COUNTER_SIZE
			      : RUNDIR_COUNTER_PAGE;
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (p == MAP_FAILED)
		return;
	image_counter = p;
	/* Written first: a shared file page read first is mapped read-only
	 * (the file system tracks writes), and count_image's write would
	 * fault on it a second time. */
	__atomic_fetch_add(&image_counter[0], 0, __ATOMIC_RELAXED);
	if (size == RUNDIR_COUNTER_SIZE) {
		gcovsym_use_cache((char *)p + RUNDIR_HOT_OFFSET,
				  (char *)p + RUNDIR_COUNTER_PAGE);
		zero_table = (uint64_t *)((char *)p + RUNDIR_ZERO_OFFSET);
	}
}

/* The run's shared counters (covrun created the file): images started,
 * and processes alive.  A new process over --max-processes is stopped
 * before it does anything, and so is the process that forked it, so that
 * a fork bomb collapses at once (covrun then ends the rest of the tree). */
static void count_image(enum how how, pid_t forker)
{
	int64_t live;

	if (!image_counter)
		return;
	__atomic_add_fetch(&image_counter[0], 1, __ATOMIC_RELAXED);
	if (how == HOW_EXEC) /* the same process goes on */
		return;
	live = (int64_t)__atomic_add_fetch(&image_counter[1], 1,
					   __ATOMIC_RELAXED);
	if (max_images <= 0 || live <= max_images)
		return;
	if (forker > 0 && my_parent_pid() == forker) /* never covrun itself */
		syscall(SYS_kill, forker, SIGKILL);
	syscall(SYS_kill, my_pid(), SIGKILL);
}

/* What getenv("GCOV_PREFIX") gives libgcov: the image's directory. */
static void set_prefix(void)
{
	struct outbuf p = { prefix, 0, prefix_size, 0 };

	out_str(&p, run_dir);
	out_str(&p, "/img/");
	out_str(&p, me.id);
	out_end(&p);
}

static void begin_image(enum how how, const char *parent, int anc_instr,
			pid_t forker)
{
	struct outbuf o = { me.id, 0, sizeof(me.id), 0 };

	me.pid = my_pid();
	me.ppid = my_parent_pid();
	me.how = how;
	me.anc_instr = anc_instr;
	me.start_ns = clock_ns(CLOCK_REALTIME);
	me.end = END_NONE;
	me.end_ns = 0;
	end_state = END_IDLE;
	deferred_sig = 0;
	put_off_sig = 0;
	put_off_tries = 0;
	put_off_timer_sig = 0; /* timers are not inherited by a fork child */
	lost_reason = NULL;
	whole_written = 0;
	out_hex(&o, (uint64_t)clock_ns(CLOCK_MONOTONIC), 16);
	out_str(&o, "-");
	out_i64(&o, me.pid);
	out_end(&o);
	strncpy(me.parent, parent, sizeof(me.parent) - 1);
	me.parent[sizeof(me.parent) - 1] = '\0';
	set_prefix();
#ifdef COVRUN_RUNTIME
	struct outbuf e = { env_prefix, 0, sizeof(env_prefix), 0 };
	out_str(&e, "GCOV_PREFIX=");
	out_str(&e, prefix);
	out_end(&e);
#endif
	count_image(how, forker);
	update_env_image();
	write_record();
}

#ifndef COVRUN_RUNTIME
/* ======================= counters in one data file ===================== */

/* libgcov writes each object's counters to <GCOV_PREFIX>/<gcda path>.  An
 * open of such a path (the prefix is this image's: getenv below) gets an
 * anonymous memory file instead, and fdopen() of it a stream kept in
 * memory, whose fclose appends the bytes, when some arc counter is
 * non-zero, as one "@d" frame to the journal
 * (docs/run-directory.md, "Data files"): one file per image instead of a
 * directory per path component and a file per object.  A table entry
 * that cannot be made falls back to the real file under img/<id>, which
 * readers still read.  The static runtime wraps nothing by name and keeps
 * img/<id>. */
#define MEM_GCDA_SLOTS 8
/* The descriptors apart from the paths: a fork child reads them all
 * (mem_gcda_forget), and each page it touches is a copy-on-write fault. */
static int mem_gcda_fd[MEM_GCDA_SLOTS]; /* memory file + 1; 0: free, -1: being set up */
/* mem_gcda_path(i): the gcda path of slot I, without the prefix */
static char *mem_gcda_path(int i);
static int mem_gcda_used; /* entries not free: close() looks only then */
/* The gcda path that PATH names under this image's prefix, or NULL.
 * clang puts "/" between the prefix and an absolute path; gcc does not. */
static const char *under_prefix(const char *path)
{
	size_t n, len;

	if (!active || lost_reason || !path || !prefix[0])
		return NULL;
	n = strlen(prefix);
	if (strncmp(path, prefix, n) || path[n] != '/')
		return NULL;
	path += n;
	while (path[1] == '/')
		path++;
	len = strlen(path);
	return len > 5 && !strcmp(path + len - 5, ".gcda") ? path : NULL;
}

/* A memory file for the gcda REST, or -2: open the real file.  A gcda
 * opened without O_CREAT does not exist yet: every dump starts a new one
 * (two dumps of an image are two frames, summed by readers). */
static int mem_gcda_open(const char *rest, int flags)
{
	size_t len = strlen(rest);
	int fd;

	if (!(flags & O_CREAT)) {
		errno = ENOENT;
		return -1;
	}
	if (len >= PATH_MAX)
		return -2;
	for (size_t i = 0; i < MEM_GCDA_SLOTS; i++) {
		int free_slot = 0;
		if (!__atomic_compare_exchange_n(&mem_gcda_fd[i], &free_slot,
						 -1, 0, __ATOMIC_ACQ_REL,
						 __ATOMIC_RELAXED))
			continue;
		fd = memfd_create("covrun-gcda", MFD_CLOEXEC);
		if (fd < 0) {
			__atomic_store_n(&mem_gcda_fd[i], 0, __ATOMIC_RELEASE);
			return -2;
		}
		memcpy(mem_gcda_path(i), rest, len + 1);
		__atomic_add_fetch(&mem_gcda_used, 1, __ATOMIC_ACQ_REL);
		__atomic_store_n(&mem_gcda_fd[i], fd + 1, __ATOMIC_RELEASE);
		return fd;
	}
	return -2;
}

/* The table entry of memory file FD, or -1. */
static int mem_gcda_find(int fd)
{
	if (fd < 0 || !__atomic_load_n(&mem_gcda_used, __ATOMIC_ACQUIRE))
		return -1;
	for (size_t i = 0; i < MEM_GCDA_SLOTS; i++)
		if (__atomic_load_n(&mem_gcda_fd[i], __ATOMIC_ACQUIRE) == fd + 1)
			return (int)i;
	return -1;
}

static void mem_gcda_release(int slot)
{
	__atomic_store_n(&mem_gcda_fd[slot], 0, __ATOMIC_RELEASE);
	__atomic_sub_fetch(&mem_gcda_used, 1, __ATOMIC_ACQ_REL);
}

/* A fork child's entries are its parent's files: closed and forgotten. */
static void mem_gcda_forget(void)
{
	real_calls_init();
	/* read every slot (one claimed by a thread of the parent may not be
	 * counted in mem_gcda_used yet), write only those in use */
	for (size_t i = 0; i < MEM_GCDA_SLOTS; i++) {
		int fd = mem_gcda_fd[i] - 1;
		if (!mem_gcda_fd[i])
			continue;
		if (fd >= 0 && real.close)
			real.close(fd);
		mem_gcda_fd[i] = 0;
	}
	mem_gcda_used = 0;
}

/* Append one frame of KIND with the NPARTS pieces PARTS to the journal
 * (kept open from the start, else opened for this frame): 0 or -1.
 * Async-signal-safe. */
static int journal_append(char kind, const struct iovec *parts, int nparts)
{
	int fd = journal_fd(), own = fd < 0, rc;

	if (own)
		fd = open_journal_file();
	if (fd < 0)
		return -1;
	rc = frame_write(fd, kind, parts, nparts);
	if (own)
		close(fd);
	return rc;
}

/* The zero table (rundir.h): has some image of the run written an
 * all-zero gcda of PATH?  With CLAIM, enter it (after writing it: an
 * image that dies first leaves the next one to write it). */
static int zero_written(const char *path, int claim)
{
	uint64_t h = rundir_hash64(path);

	for (size_t i = 0; zero_table && i < 16; i++) {
		uint64_t *e = &zero_table[(h + i) % RUNDIR_ZERO_SLOTS], seen = 0;
		if (claim && __atomic_compare_exchange_n(e, &seen, h, 0,
							 __ATOMIC_ACQ_REL,
							 __ATOMIC_ACQUIRE))
			return 1;
		if (!claim)
			seen = __atomic_load_n(e, __ATOMIC_ACQUIRE);
		if (seen == h)
			return 1;
		if (!seen)
			return 0;
	}
	return 0;
}

/* Append the gcda P of SIZE (> 0) bytes (entry SLOT, stream buffer with
 * room for a copy after AT) to the journal, when some arc counter is non-zero,
 * or when it is the run's first all-zero gcda of that path (so that the
 * object is reported, at zero); its functions that did not run are left
 * out (gcda_strip_zero: a PostgreSQL backend's gcda were 300 kB, mostly
 * such records). */
static void mem_gcda_write(int slot, char *p, size_t size, size_t at)
{
	struct iovec parts[3];
	int zero = !gcda_has_counts(p, size);
	if (!zero || !zero_written(mem_gcda_path(slot), 0)) {
		char *stripped = p + at;
		size_t cap = gcda_strip_zero(p, size, stripped, size + 16);
		parts[0].iov_base = me.id;
		parts[0].iov_len = strlen(me.id) + 1;
		parts[1].iov_base = mem_gcda_path(slot);
		parts[1].iov_len = strlen(mem_gcda_path(slot)) + 1;
		parts[2].iov_base = cap ? stripped : p;
		parts[2].iov_len = cap ? cap : size;
		if (journal_append(RUNDIR_FRAME_DATA, parts, 3))
			lost_reason = "cannot write the counters to the "
				      "journal";
		else if (zero)
			zero_written(mem_gcda_path(slot), 1);
	}
}

/* ---- the stream libgcov writes a gcda through ---------------------------
 * libgcov (gcc's and clang's) opens a gcda with open(), locks it, then
 * reads and writes it through fdopen().  The descriptor is a memory file
 * (a private lock target); the stream fdopen() gives for it keeps the
 * bytes in the entry's own buffer, with no system call: through the memory
 * file itself, each object cost seven (fstat, read, lseek, write, pread,
 * fcntl, and the page the file allocated).  The gcda starts empty: every
 * dump is a new one (two dumps of an image are two frames). */
struct mem_stream {
	char *buf;       /* mapped, kept for the entry's later gcda */
	size_t cap;      /* bytes mapped */
	size_t len, pos; /* the gcda's size; the stream's position */
};
static struct mem_stream *mem_stream(int slot);

/* Room for NEED bytes in S's buffer, keeping its bytes: 0 or -1.
 * Never malloc: this runs in signal handlers. */
static int stream_room(struct mem_stream *s, size_t need)
{
	size_t cap = s->cap ? s->cap : 65536;
	void *p;

	if (need <= s->cap)
		return 0;
	while (cap < need)
		cap *= 2;
	p = s->buf ? mremap(s->buf, s->cap, cap, MREMAP_MAYMOVE)
		   : mmap(NULL, cap, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return -1;
	s->buf = p;
	s->cap = cap;
	return 0;
}

static ssize_t stream_read(void *cookie, char *out, size_t size)
{
	struct mem_stream *s = mem_stream((int)(intptr_t)cookie);
	size_t n = s->pos < s->len ? s->len - s->pos : 0;

	if (n > size)
		n = size;
	memcpy(out, s->buf + s->pos, n);
	s->pos += n;
	return (ssize_t)n;
}

static ssize_t stream_write(void *cookie, const char *in, size_t size)
{
	struct mem_stream *s = mem_stream((int)(intptr_t)cookie);

	if (s->pos + size < s->pos || stream_room(s, s->pos + size)) {
		lost_reason = "cannot keep the counters in memory";
		return 0;
	}
	memcpy(s->buf + s->pos, in, size);
	s->pos += size;
	if (s->len < s->pos)
		s->len = s->pos;
	return (ssize_t)size;
}

static int stream_seek(void *cookie, off64_t *offset, int whence)
{
	struct mem_stream *s = mem_stream((int)(intptr_t)cookie);
	off64_t base = whence == SEEK_SET   ? 0
		       : whence == SEEK_CUR ? (off64_t)s->pos
		       : whence == SEEK_END ? (off64_t)s->len
					    : -1;

	if (base < 0 || *offset < -base || *offset > (off64_t)1 << 40) {
		errno = EINVAL;
		return -1;
	}
	s->pos = (size_t)(base + *offset);
	*offset = (off64_t)s->pos;
	return 0;
}

/* The gcda is complete: append it (with room for its stripped copy), then
 * close the memory file and free the entry. */
static int stream_close(void *cookie)
{
	int slot = (int)(intptr_t)cookie;
	struct mem_stream *s = mem_stream(slot);
	size_t at = (s->len + 63) & ~(size_t)63;

	if (!lost_reason && s->len) {
		if (stream_room(s, at + s->len + 16))
			lost_reason = "cannot keep the counters in memory";
		else
			mem_gcda_write(slot, s->buf, s->len, at);
	}
	if (real.close)
		real.close(mem_gcda_fd[slot] - 1);
	mem_gcda_release(slot);
	return 0;
}

/* The stream for memory file entry SLOT, or NULL (libgcov then reports
 * that it cannot open the gcda, and the image records the loss). */
static FILE *mem_gcda_stream(int slot, const char *mode)
{
	static const cookie_io_functions_t io = {
		stream_read, stream_write, stream_seek, stream_close
	};
	struct mem_stream *s = mem_stream(slot);
	FILE *f;

	s->len = s->pos = 0;
	f = fopencookie((void *)(intptr_t)slot, mode, io);
	if (!f)
		lost_reason = "cannot open a stream for the counters";
	return f;
}

static int open_common(int (*next)(const char *, int, ...), const char *path,
		       int flags, va_list *ap)
{
	mode_t mode = 0;
	const char *rest = under_prefix(path);
	int fd;

	if ((flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE)
		mode = (mode_t)va_arg(*ap, unsigned int);
	if (rest) {
		fd = mem_gcda_open(rest, flags);
		if (fd != -2)
			return fd;
	}
	if (!next) {
		errno = ENOSYS;
		return -1;
	}
	return next(path, flags, mode);
}

SHIM_EXPORT int open(const char *path, int flags, ...)
{
	va_list ap;
	int fd;

	if (!real.open)
		real_calls_init();
	va_start(ap, flags);
	fd = open_common(real.open, path, flags, &ap);
	va_end(ap);
	return fd;
}

SHIM_EXPORT int open64(const char *path, int flags, ...)
{
	va_list ap;
	int fd;

	if (!real.open64)
		real_calls_init();
	va_start(ap, flags);
	fd = open_common(real.open64, path, flags, &ap);
	va_end(ap);
	return fd;
}

SHIM_EXPORT FILE *fdopen(int fd, const char *mode)
{
	int slot = mem_gcda_find(fd);

	if (!real.fdopen)
		real_calls_init();
	if (slot >= 0)
		return mem_gcda_stream(slot, mode);
	if (!real.fdopen) {
		errno = ENOSYS;
		return NULL;
	}
	return real.fdopen(fd, mode);
}

/* A memory file closed without its stream: its entry is freed, nothing
 * is written (libgcov always writes and closes through the stream). */
SHIM_EXPORT int close(int fd)
{
	int slot = mem_gcda_find(fd);

	if (!real.close)
		real_calls_init();
	if (slot >= 0)
		mem_gcda_release(slot);
	if (!real.close) {
		errno = ENOSYS;
		return -1;
	}
	return real.close(fd);
}
#endif

/* ======================= ending an image ============================== */

/* Is this a process whose start the shim never saw: a child of clone3,
 * syscall(SYS_clone) or a clone(CLONE_VM) that is not a thread?  It
 * copied or shares its parent's image, which it must neither end nor
 * reset; its own counts, if libgcov writes them at exit(), go under
 * unattributed/ (getenv below), where covrun names them in a warning. */
static int foreign_process(void)
{
	return active && my_pid() != me.pid;
}

/* Whether this process may end the image (it is not a foreign one). */
static int owns_image(void)
{
	return active && !foreign_process();
}

/* Every way an image ends (exit, _exit, _Exit, quick_exit, exec, a fatal
 * signal, abort) records its end and writes its counters with every
 * catchable signal blocked: a signal that arrives meanwhile takes effect
 * afterwards (README.md, "Process records").  One thread owns the end;
 * the image's end is written once. */

static void block_all(sigset_t *old)
{
	sigset_t all;

	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, old);
}

enum claim { CLAIM_OWNER, CLAIM_MINE, CLAIM_OTHER, CLAIM_DONE };

/* Take the end of this image for the calling thread.  CLAIM_MINE: this
 * thread already owns it (an exit handler calling _exit, say). */
static enum claim claim_end(void)
{
	int idle = END_IDLE;
	pid_t self = (pid_t)syscall(SYS_gettid);

	if (__atomic_compare_exchange_n(&end_state, &idle, END_ENDING, 0,
					__ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)) {
		end_owner = self;
		return CLAIM_OWNER;
	}
	if (idle == END_DUMPED)
		return CLAIM_DONE;
	return end_owner == self ? CLAIM_MINE : CLAIM_OTHER;
}

/* Another thread owns the end: wait while it writes the counters (up to
 * a minute), then up to 10 s for it to end the process; it applies the
 * signals deferred to it.  An exec that failed gives the image back. */
static void wait_for_owner(void)
{
	struct timespec ms = { 0, 1000 * 1000 };
	int after = 0;

	for (int i = 0; i < 60000 && after < 10000; i++) {
		int state = end_state;
		if (state == END_IDLE)
			return;
		after += state == END_DUMPED;
		nanosleep(&ms, NULL);
	}
}

static void defer_signal(int sig)
{
	sig_atomic_t none = 0;

	__atomic_compare_exchange_n(&deferred_sig, &none, sig, 0,
				    __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
}

/* The run directory, opened before the program calls chroot() (the path
 * then names nothing, or something else) or root gives up its user id:
 * the counters are written through it.  Checked by device and inode
 * before each use. */
/* The run directory is reached through run_fd, not its path. */
static int through_fd;

static int run_dir_fd(void)
{
	return run_fd = still_open(run_fd, run_dev, run_ino);
}

/* "img/<id>", the image's directory relative to the run directory. */
static void image_dir(char *buf, size_t size)
{
	struct outbuf o = { buf, 0, size, 0 };

	out_str(&o, "img/");
	out_str(&o, me.id);
	out_end(&o);
}

/* Where this image's counters go: the journal (the shim), img/<id> (the
 * static runtime: libgcov writes them itself). */
#ifdef COVRUN_RUNTIME
#define COUNTERS_DIR RUNDIR_IMG
#define counters_name image_dir
#else
#define COUNTERS_DIR RUNDIR_JOURNAL
static void counters_name(char *buf, size_t size)
{
	struct outbuf o = { buf, 0, size, 0 };

	out_str(&o, RUNDIR_JOURNAL);
	out_end(&o);
}
#endif

/* Why the counters cannot reach the image's data, or NULL.  Once
 * the run directory is open (chroot, change of user), they are written
 * through it: its path may name nothing, and its ancestors need not be
 * searchable by the new user. */
static const char *dump_blocker_by_path(int dir);

static const char *dump_blocker(void)
{
	int dir = run_dir_fd();

#ifndef COVRUN_RUNTIME
	if (journal_fd() >= 0) { /* open for writing since the start */
		through_fd = dir >= 0;
		return NULL;
	}
#endif
	return dump_blocker_by_path(dir);
}

/* Apart from dump_blocker, whose usual case then needs no page of stack
 * for the path. */
__attribute__((noinline)) static const char *dump_blocker_by_path(int dir)
{
	static char why[96];
	char img[PATH_MAX + 80];
	struct outbuf o = { img, 0, sizeof(img), 0 };
	struct stat st;
	int mode = W_OK | X_OK;

#ifndef COVRUN_RUNTIME
	mode = W_OK;
#endif
	out_str(&o, run_dir);
	out_str(&o, "/" COUNTERS_DIR);
	out_end(&o);
	through_fd = dir >= 0;
	if (through_fd) {
		counters_name(img, sizeof(img));
		if (fstatat(dir, img, &st, AT_SYMLINK_NOFOLLOW) < 0)
			memcpy(img, COUNTERS_DIR, sizeof(COUNTERS_DIR));
		else if (S_ISREG(st.st_mode))
			mode = W_OK; /* the journal */
	} else if (stat(run_dir, &st) < 0 || st.st_dev != run_dev ||
		   st.st_ino != run_ino) {
		return "the run directory is not reachable (chroot?)";
	} else {
		dir = AT_FDCWD;
	}
	if (faccessat(dir, img, mode, AT_EACCESS) == 0)
		return NULL;
	o = (struct outbuf){ why, 0, sizeof(why), 0 };
	out_str(&o, "user ");
	out_i64(&o, (int64_t)geteuid());
	out_str(&o, " may not write the run directory (setuid?)");
	out_end(&o);
	return why;
}

/* Write the counters.  Through the open run directory (chroot, change of
 * user), libgcov is given the image's directory relative to it, made the
 * working directory for the time of the dump (libgcov opens the prefix it
 * is given as is). */
static void dump_counters(void)
{
	int here;

	if (lost_reason)
		return;
	if (!through_fd) {
		gcovsym_dump_all();
		return;
	}
	here = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (here < 0 || fchdir(run_fd) < 0) {
		if (here >= 0)
			close(here);
		lost_reason = "the run directory is not reachable (chroot?)";
		return;
	}
	image_dir(prefix, prefix_size);
	gcovsym_dump_all();
	if (fchdir(here) < 0)
		(void)0; /* nothing better to do: the process is ending */
	close(here);
	set_prefix();
}

/* The counters cannot be written: libgcov must not try (it would create
 * the run directory's path inside a chroot).  Objects it cannot mark are
 * pointed at a path whose first component is longer than NAME_MAX, which
 * no mkdir creates. */
static void skip_dumps(void)
{
	gcovsym_skip_dumps();
	memset(prefix, 'x', NAME_MAX + 2);
	prefix[0] = '/';
	prefix[NAME_MAX + 2] = '\0';
}

/* Record how this image ends, before its counters are written. */
static void record_end(enum end end, int status)
{
	gcovsym_refresh(); /* "instrumented" may have changed (dlopen) */
	me.end = end;
	me.status = status;
	me.end_ns = clock_ns(CLOCK_REALTIME);
	lost_reason = dump_blocker();
	if (lost_reason)
		skip_dumps();
	append_record_end();
}

/* The counters are written (or could not be): record it. */
static void record_dumped(void)
{
	append_record_dumped();
	if (me.end != END_EXEC && image_counter)
		__atomic_sub_fetch(&image_counter[1], 1, __ATOMIC_RELAXED);
	__atomic_store_n(&end_state, END_DUMPED, __ATOMIC_SEQ_CST);
}

/* End the process by SIG with its default action, after the counters
 * are written.  SIG is blocked here; it is the only one unblocked, so it
 * is the one that ends the process. */
static void die_by(int sig)
{
	struct sigaction dfl;
	sigset_t one;

	if (owns_image() && (me.end != END_SIGNAL || me.status != sig)) {
		me.end = END_SIGNAL;
		me.status = sig;
		me.end_ns = clock_ns(CLOCK_REALTIME);
		append_record_end();
	}
	memset(&dfl, 0, sizeof(dfl));
	dfl.sa_handler = SIG_DFL;
	real.sigaction(sig, &dfl, NULL);
	raise(sig);
	sigemptyset(&one);
	sigaddset(&one, sig);
	pthread_sigmask(SIG_UNBLOCK, &one, NULL);
}

/* A signal put off because it interrupted the allocator arrived before
 * the image began to end: it ends the process, as it would have. */
static void apply_put_off(void)
{
	if (put_off_sig)
		die_by(put_off_sig);
}

#ifndef COVRUN_RUNTIME
/* A signal another thread received while this one wrote the end. */
static void apply_deferred(void)
{
	if (deferred_sig)
		die_by(deferred_sig);
	apply_put_off();
}
#endif

/* _exit, _Exit, quick_exit: the process ends at once, as the exit system
 * call would end it; a signal that arrives while the counters are
 * written is discarded, as it would be once the kernel ends the process.
 * Signals stay blocked. */
static void end_at_once(int status)
{
	sigset_t old;

	if (!owns_image())
		return;
	block_all(&old);
	switch (claim_end()) {
	case CLAIM_OWNER:
	case CLAIM_MINE: /* exit() was ending: its dump will not run */
		record_end(END__EXIT, status);
		dump_counters();
		record_dumped();
		apply_put_off();
		break;
	case CLAIM_OTHER:
		wait_for_owner();
		break;
	case CLAIM_DONE:
		break;
	}
}

#ifndef COVRUN_RUNTIME
/* exit() and return from main: registered when main starts, this runs
 * before libgcov's destructors write the counters (they run from the
 * dynamic linker's exit handler, registered before main).  Signals stay
 * blocked until after_exit_dump. */
static sigset_t exit_mask;

static void before_exit_dump(int status, void *arg)
{
	(void)arg;
	if (!owns_image())
		return;
	block_all(&exit_mask);
	switch (claim_end()) {
	case CLAIM_OWNER:
		record_end(END_EXIT, status);
		if (through_fd) {
			/* libgcov's own dump would write inside the chroot;
			 * what destructors count is not collected */
			dump_counters();
			skip_dumps();
		}
		return;
	case CLAIM_OTHER:
		wait_for_owner();
		break;
	default:
		break;
	}
	pthread_sigmask(SIG_SETMASK, &exit_mask, NULL);
}

/* Registered in the constructor, so it runs after libgcov's destructors:
 * the counters are written.  A signal that arrived meanwhile ends the
 * process now, as it would have during the exit of the program. */
static void after_exit_dump(int status, void *arg)
{
	sigset_t old;

	(void)arg;
	if (!owns_image())
		return;
	if (end_state == END_ENDING && me.end == END_EXIT &&
	    end_owner == (pid_t)syscall(SYS_gettid)) {
		record_dumped();
		apply_deferred();
		pthread_sigmask(SIG_SETMASK, &exit_mask, NULL);
		return;
	}
	/* exit() before main started: libgcov has written already */
	block_all(&old);
	if (claim_end() == CLAIM_OWNER) {
		record_end(END_EXIT, status);
		record_dumped();
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
}
#else
/* A static program runs the exit handlers registered by its constructors
 * before its destructors, libgcov's among them, and nothing after them:
 * write the counters here, then zero them, so that libgcov's own dump
 * adds only what the destructors count.  Signals stay blocked; a signal
 * that arrives meanwhile is discarded. */
static void exit_static(int status, void *arg)
{
	sigset_t old;

	(void)arg;
	if (!owns_image())
		return;
	block_all(&old);
	if (claim_end() != CLAIM_OWNER)
		return;
	record_end(END_EXIT, status);
	dump_counters();
	record_dumped();
	gcovsym_reset_all();
}
#endif

/* Fork with every signal blocked, so that a signal cannot reach the
 * child before it is an image of its own (it would write into its
 * parent's).  The shim is loaded at the start (LD_PRELOAD) or linked in,
 * so its thread variables can be in the static TLS block: no call to
 * __tls_get_addr, whose page each fork child would fault in again. */
#define SHIM_TLS __thread __attribute__((tls_model("initial-exec")))
static SHIM_TLS sigset_t fork_mask;

static void fork_prepare(void)
{
	sigset_t old;

	if (!active)
		return;
	/* the mask is saved only when it changed: a write to fork_mask's
	 * page after the last fork would be a copy-on-write fault */
	block_all(&old);
	if (memcmp(&old, &fork_mask, sizeof(old)))
		fork_mask = old;
	gcovsym_refresh();
	update_env_image();
}

/* Nothing written here: each page the parent writes after a fork is a
 * copy-on-write fault (the handlers are registered once active, so
 * fork_prepare has always saved the mask). */
static void fork_parent(void)
{
	if (active)
		pthread_sigmask(SIG_SETMASK, &fork_mask, NULL);
}

static void fork_child(void)
{
	char parent[sizeof(me.id)];
	int anc;

	if (active) {
		memcpy(parent, me.id, sizeof(parent));
		anc = me.anc_instr || gcovsym_instrumented();
		/* The child copied its parent's counters; a fork from
		 * instrumented code resets them (__gcov_fork), any other
		 * fork does not. */
		gcovsym_reset_all();
#ifndef COVRUN_RUNTIME
		mem_gcda_forget();
#endif
		begin_image(HOW_FORK, parent, anc, me.pid);
	}
	fork_parent();
}

/* ======================= fatal signals ================================= */

/* Every signal whose default action ends the process. */
static const int dump_signals[] = { SIGHUP, SIGINT, SIGQUIT, SIGILL,
				    SIGABRT, SIGFPE, SIGSEGV, SIGBUS,
				    SIGPIPE, SIGTERM, SIGUSR1, SIGUSR2,
				    SIGXCPU, SIGXFSZ, SIGSYS, SIGALRM,
				    SIGVTALRM, SIGPROF, SIGIO, SIGSTKFLT,
				    SIGPWR, SIGTRAP };

static int is_dump_signal(int sig)
{
	if (sig >= SIGRTMIN && sig <= SIGRTMAX)
		return 1;
	for (size_t i = 0; i < sizeof(dump_signals) / sizeof(int); i++)
		if (dump_signals[i] == sig)
			return 1;
	return 0;
}

/* If libgcov deadlocks (a signal inside malloc), the process still dies:
 * a timer sends SIGKILL, which no mask holds back. */
static void arm_watchdog(void)
{
	struct sigevent ev;
	struct itimerspec after = { { 0, 0 }, { 10, 0 } };
	timer_t t;

	memset(&ev, 0, sizeof(ev));
	ev.sigev_notify = SIGEV_SIGNAL;
	ev.sigev_signo = SIGKILL;
	if (timer_create(CLOCK_MONOTONIC, &ev, &t) == 0)
		timer_settime(t, 0, &after, NULL);
}

/* The text of the allocator's object (libc, or a sanitizer runtime),
 * of libc and of the dynamic linker: an asynchronous signal that
 * interrupts them anywhere but in a waiting system call may have
 * interrupted malloc, which libgcov's dump calls again (in a
 * single-threaded process glibc's malloc takes no lock, so that corrupts
 * the heap instead of deadlocking).  Each is found from a function it
 * defines, looked up with dlsym: the address of malloc as a program sees
 * it may be a stub in a non-PIE executable (found by the stress tests on
 * Debian's python3). */
#define NUNSAFE 3
static uintptr_t unsafe_lo[NUNSAFE], unsafe_hi[NUNSAFE];

#ifndef COVRUN_RUNTIME
static int find_text(struct dl_phdr_info *info, size_t size, void *data)
{
	uintptr_t *addr = data;

	(void)size;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		uintptr_t lo = info->dlpi_addr + ph->p_vaddr;
		if (ph->p_type != PT_LOAD || !(ph->p_flags & PF_X) ||
		    *addr < lo || *addr >= lo + ph->p_memsz)
			continue;
		*addr = lo;
		addr[1] = lo + ph->p_memsz;
		return 1;
	}
	return 0;
}

static void find_unsafe_text(void)
{
	void *fns[NUNSAFE] = { dlsym(RTLD_NEXT, "malloc"),
			       dlsym(RTLD_DEFAULT, "gnu_get_libc_version"),
			       dlsym(RTLD_DEFAULT, "__tls_get_addr") };

	for (int i = 0; i < NUNSAFE; i++) {
		uintptr_t range[2] = { (uintptr_t)fns[i], 0 };
		if (fns[i] && dl_iterate_phdr(find_text, range)) {
			unsafe_lo[i] = range[0];
			unsafe_hi[i] = range[1];
		}
	}
}
#endif

/* Is the interrupted code waiting in a system call (a place where the
 * allocator's state is whole)?  A system call to be restarted leaves pc
 * at the instruction; one the signal interrupted returns -EINTR just
 * after it.  A call that returned on its own (the allocator's brk or
 * mmap, its heap half updated) does not count: sysmalloc's assertion
 * failures under the stress tests came from there. */
static int waiting_in_syscall(const unsigned char *pc, const ucontext_t *uc)
{
#if defined(__x86_64__)
	long ret = (long)uc->uc_mcontext.gregs[REG_RAX];
	return (pc[0] == 0x0f && pc[1] == 0x05) ||
	       (pc[-2] == 0x0f && pc[-1] == 0x05 && ret == -EINTR);
#elif defined(__aarch64__)
	uint32_t before, at;
	long ret = (long)uc->uc_mcontext.regs[0];
	memcpy(&before, pc - 4, 4);
	memcpy(&at, pc, 4);
	return at == 0xd4000001 || /* svc #0 */
	       (before == 0xd4000001 && ret == -EINTR);
#else
	(void)pc;
	(void)uc;
	return 1;
#endif
}

static int interrupted_allocator(const siginfo_t *si, const void *ctx)
{
	const ucontext_t *uc = ctx;
	uintptr_t pc;

	if (!si || si->si_code > 0 || !uc) /* a fault: it cannot wait */
		return 0;
	/* raise() and abort() of the process itself: the signal arrives
	 * where the program sent it, not inside the allocator */
	if ((si->si_code == SI_TKILL || si->si_code == SI_USER) &&
	    si->si_pid == my_pid())
		return 0;
#if defined(__x86_64__)
	pc = (uintptr_t)uc->uc_mcontext.gregs[REG_RIP];
#elif defined(__aarch64__)
	pc = (uintptr_t)uc->uc_mcontext.pc;
#else
	return 0;
#endif
	for (int i = 0; i < NUNSAFE; i++)
		if (pc >= unsafe_lo[i] + 4 && pc + 4 <= unsafe_hi[i])
			return !waiting_in_syscall((const unsigned char *)pc,
						   uc);
	return 0;
}

/* Send SIG again in a millisecond (at most 100 times): by then the
 * interrupted code has most likely left the allocator. */
static int put_off(int sig)
{
	struct sigevent ev;
	struct itimerspec soon = { { 0, 0 }, { 0, 1000 * 1000 } };

	if (put_off_tries >= 100)
		return 0;
	if (put_off_timer_sig != sig) {
		if (put_off_timer_sig)
			timer_delete(put_off_timer);
		memset(&ev, 0, sizeof(ev));
		ev.sigev_notify = SIGEV_SIGNAL;
		ev.sigev_signo = sig;
		put_off_timer_sig =
			timer_create(CLOCK_MONOTONIC, &ev, &put_off_timer) == 0
				? sig : 0;
	}
	if (!put_off_timer_sig ||
	    timer_settime(put_off_timer, 0, &soon, NULL) < 0)
		return 0;
	put_off_tries++;
	put_off_sig = sig;
	return 1;
}

/* Installed with every catchable signal in sa_mask: the kernel blocks
 * them all before the first instruction of the handler. */
static void on_fatal_signal(int sig, siginfo_t *si, void *ctx)
{
	int saved = errno;

	if (owns_image() && end_state == END_IDLE &&
	    interrupted_allocator(si, ctx) && put_off(sig)) {
		errno = saved;
		return;
	}
	switch (owns_image() ? claim_end() : CLAIM_DONE) {
	case CLAIM_OWNER:
		arm_watchdog();
		record_end(END_SIGNAL, sig);
		dump_counters();
		record_dumped();
		break;
	case CLAIM_MINE: /* the program unblocked it inside an exit handler */
		defer_signal(sig);
		errno = saved;
		return;
	case CLAIM_OTHER:
		defer_signal(sig);
		wait_for_owner();
		break;
	case CLAIM_DONE:
		/* another thread has recorded its end and dumped, and is about
		 * to end the process as recorded (_exit, exit): dying here
		 * first would contradict the record */
		if (owns_image() && end_owner != (pid_t)syscall(SYS_gettid)) {
			defer_signal(sig);
			wait_for_owner();
		}
		break;
	}
	die_by(sig);
	errno = saved;
}

#ifndef COVRUN_RUNTIME
/* Is SA the shim's own handler? */
static int is_mine(const struct sigaction *sa)
{
	return (sa->sa_flags & SA_SIGINFO) &&
	       sa->sa_sigaction == on_fatal_signal;
}
#endif

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* The hexadecimal mask after KEY in STATUS (/proc/self/status), or -1
 * when KEY is not there. */
static int status_mask(const char *status, const char *key, uint64_t *mask)
{
	const char *p = strstr(status, key);

	if (!p)
		return -1;
	for (p += strlen(key); *p == '\t' || *p == ' '; p++)
		;
	for (*mask = 0; hex_digit(*p) >= 0; p++)
		*mask = *mask << 4 | (uint64_t)hex_digit(*p);
	return 0;
}

/* The signals whose action is not the default one, from the "SigIgn"
 * and "SigCgt" lines of /proc/self/status (bit N-1: signal N), into
 * *NOT_DFL: 0, or -1 when the file cannot be read (no /proc).  One read
 * instead of a query per signal: a system call is microseconds on a
 * virtual machine, and there are 54 dump signals. */
static int non_default_signals(uint64_t *not_dfl)
{
	char buf[4096];
	ssize_t n = -1;
	uint64_t ign, cgt;
	int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);

	if (fd >= 0) {
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
	}
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	if (status_mask(buf, "\nSigIgn:", &ign) ||
	    status_mask(buf, "\nSigCgt:", &cgt))
		return -1;
	*not_dfl = ign | cgt;
	return 0;
}

static int is_default(const struct sigaction *sa)
{
	return !(sa->sa_flags & SA_SIGINFO) && sa->sa_handler == SIG_DFL;
}

/* Take the dump signals of a single-threaded image (no constructor before
 * the shim's started a thread) without /proc: with every signal blocked
 * in its one thread, nothing can meet the shim's handler while a signal
 * the program ignores or handles is set to it and put back.  A signal
 * the program itself blocked may be pending, and putting SIG_IGN back
 * would discard it: its action is asked first. */
static void take_signals_alone(const struct sigaction *sa)
{
	sigset_t all, old;
	struct sigaction prev;

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	for (int sig = 1; sig < NSIG; sig++) {
		if (!is_dump_signal(sig))
			continue;
		if (sigismember(&old, sig) == 1) {
			if (real.sigaction(sig, NULL, &prev) == 0 &&
			    is_default(&prev))
				real.sigaction(sig, sa, NULL);
		} else if (real.sigaction(sig, sa, &prev) == 0 &&
			   !is_default(&prev)) {
			real.sigaction(sig, &prev, NULL);
		}
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
}

/* Take every dump signal whose action is the default one (an exec keeps
 * only SIG_DFL and SIG_IGN; a library's constructor may have set a
 * handler).  With another thread running (started by such a
 * constructor), never set and put back: that thread would meet the
 * shim's handler meanwhile, and lose an ignored signal or one the
 * program handles. */
static void install_signal_handlers(void)
{
	struct sigaction sa, old;
	uint64_t not_dfl;
	int known;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_fatal_signal;
	sa.sa_flags = SA_SIGINFO;
	sigfillset(&sa.sa_mask);
	if (ONE_THREAD()) {
		take_signals_alone(&sa);
		return;
	}
	known = non_default_signals(&not_dfl) == 0;
	for (int sig = 1; sig < NSIG; sig++) {
		if (!is_dump_signal(sig))
			continue;
		if (known && sig <= 64 ? !(not_dfl >> (sig - 1) & 1)
		    : real.sigaction(sig, NULL, &old) == 0 && is_default(&old))
			real.sigaction(sig, &sa, NULL);
	}
}

/* ======================= start-up ===================================== */

/* Parse COVRUN_IMAGE ("<id>/<pid>/<anc><instr>") of the image that last
 * owned this environment: the same pid means it exec'd us. */
static void read_parent(enum how *how, char *parent, size_t size, int *anc)
{
	const char *v = raw_getenv("COVRUN_IMAGE");
	const char *s1, *s2;
	long pid;

	*how = HOW_ROOT;
	*anc = 0;
	parent[0] = '\0';
	if (!v || !(s1 = strchr(v, '/')) || !(s2 = strchr(s1 + 1, '/')) ||
	    strlen(s2) < 3 || (size_t)(s1 - v) >= size)
		return;
	memcpy(parent, v, (size_t)(s1 - v));
	parent[s1 - v] = '\0';
	pid = decimal(s1 + 1);
	if (pid == (long)my_pid()) {
		*how = HOW_EXEC;
		*anc = s2[1] == '1';
	} else {
		*how = HOW_SPAWN;
		*anc = s2[1] == '1' || s2[2] == '1';
	}
}

/* SRC into DST (SIZE bytes), cut short if need be; unlike strncpy,
 * writes no padding (see names()). */
static void copy_str(char *dst, size_t size, const char *src)
{
	size_t n = src ? strnlen(src, size - 1) : 0;

	memcpy(dst, src ? src : "", n);
	dst[n] = '\0';
}

/* The end of names(), where the next name goes. */
static char *names_end(void)
{
	return names() + names_len;
}

/* Keep the name written at names_end(): the next one goes after it. */
static char *keep_name(void)
{
	char *name = names_end();

	names_len += strlen(name) + 1;
	return name;
}

/* Keep SRC, at most SIZE bytes with its NUL, in names(). */
static char *copy_name(const char *src, size_t size)
{
	copy_str(names_end(), size, src);
	return keep_name();
}

/* Whether the file open on FD is the program this image runs: its ELF
 * header, program headers and notes (the build ID) are those the kernel
 * mapped (AT_PHDR, AT_PHNUM, AT_ENTRY).  The name the image was run by
 * may since name another file (replaced, or moved by a constructor that
 * ran before the shim's), or never have named it (a binfmt_misc
 * interpreter runs ELF files of another machine).  BUF (EXE_HEAD_SIZE
 * bytes) is the caller's: a buffer on the stack would reach a page of it
 * the image has not touched yet, a page fault more per image. */
enum { EXE_HEAD_SIZE = 2048 };
static int is_running_program(int fd, unsigned char *buf)
{
	const ElfW(Ehdr) *eh = (const void *)buf;
	const ElfW(Phdr) *mem = (const void *)getauxval(AT_PHDR), *ph;
	size_t phnum = getauxval(AT_PHNUM), n;
	ssize_t got = pread(fd, buf, EXE_HEAD_SIZE, 0);
	uintptr_t bias = 0;
	int has_phdr = 0;

	if (got < (ssize_t)sizeof(*eh) || memcmp(buf, ELFMAG, SELFMAG) ||
	    !mem || eh->e_phnum != phnum || eh->e_phentsize != sizeof(*ph) ||
	    eh->e_phoff > (size_t)got ||
	    phnum > ((size_t)got - eh->e_phoff) / sizeof(*ph))
		return 0;
	n = (size_t)got;
	ph = (const void *)(buf + eh->e_phoff);
	if (memcmp(ph, mem, phnum * sizeof(*ph)))
		return 0;
	for (size_t i = 0; i < phnum; i++)
		if (ph[i].p_type == PT_PHDR) {
			bias = (uintptr_t)mem - ph[i].p_vaddr;
			has_phdr = 1;
		}
	if (!has_phdr || eh->e_entry + bias != getauxval(AT_ENTRY))
		return 0;
	for (size_t i = 0; i < phnum; i++)
		if (ph[i].p_type == PT_NOTE &&
		    (ph[i].p_offset > n || ph[i].p_filesz > n - ph[i].p_offset ||
		     memcmp(buf + ph[i].p_offset,
			    (const void *)(bias + ph[i].p_vaddr),
			    ph[i].p_filesz)))
			return 0;
	return 1;
}

/* The executable's path into OUT (PATH_MAX bytes, also the scratch
 * buffer of is_running_program) without /proc, whose
 * first lookup costs a new process tens of microseconds (the kernel
 * builds its /proc entries): the path the image was run by (AT_EXECFN),
 * resolved as readlink("/proc/self/exe") would be, when it names the
 * program that runs and still does once resolved.  A script (AT_EXECFN
 * names it, its interpreter runs), fexecve (/dev/fd/N), a file the image
 * cannot read or any doubt: 0, and /proc it is.  The file's identity
 * goes to gcovsym_exe_file. */
static int exe_by_execfn(char *out)
{
	const char *fn = (const char *)getauxval(AT_EXECFN);
	struct stat st, again;
	int fd, ok;

	if (!fn || !strncmp(fn, "/dev/fd/", 8) || !strncmp(fn, "/proc/", 6))
		return 0;
	/* never blocks on a FIFO, never takes a terminal as controlling */
	fd = open(fn, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0)
		return 0;
	ok = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
	     is_running_program(fd, (unsigned char *)out);
	close(fd);
	if (!ok || !realpath(fn, out) || stat(out, &again) ||
	    again.st_dev != st.st_dev || again.st_ino != st.st_ino)
		return 0;
	gcovsym_exe_file(&st);
	return 1;
}

/* The names of the image, after run_dir (names() has room for them all at
 * their longest, and the record buffer after them). */
static void init_paths(void)
{
	struct outbuf o;

	if (!exe_by_execfn(names_end())) {
		ssize_t n = readlink("/proc/self/exe", names_end(),
				     PATH_MAX - 1);
		names_end()[n > 0 ? n : 0] = '\0';
	}
	exe = keep_name();
	if (!getcwd(names_end(), PATH_MAX))
		names_end()[0] = '\0';
	cwd = keep_name();
	label = copy_name(raw_getenv("COVRUN_LABEL"), LABEL_MAX);
	o = (struct outbuf){ names_end(), 0, PATH_MAX + 64, 0 };
	out_str(&o, "GCOV_PREFIX=");
	out_str(&o, run_dir);
	out_str(&o, "/unattributed/%p");
	out_end(&o);
	env_unattributed = keep_name();
	o = (struct outbuf){ names_end(), 0, PATH_MAX + 16, 0 };
	out_str(&o, run_dir);
	out_str(&o, "/" RUNDIR_JOURNAL);
	out_end(&o);
	journal_path = keep_name();
#ifndef COVRUN_RUNTIME
	Dl_info info;
	if (dladdr((void *)&init_paths, &info) && info.dli_fname)
		shim_path = copy_name(info.dli_fname, PATH_MAX);
#endif
	/* img/<id> or run_dir/img/<id>, or skip_dumps's name */
	prefix_size = strlen(run_dir) + 64;
	if (prefix_size < NAME_MAX + 3)
		prefix_size = NAME_MAX + 3;
	prefix = names_end();
	prefix[0] = '\0';
	names_len += prefix_size;
	recbuf = names_end();
}

#ifndef COVRUN_RUNTIME
/* Two covrun installations can put two copies of the shim into one process
 * (a covrun run inside another's run): only the first one in the global
 * search order works, the others stay inactive.  The marker is compared by
 * its local address, which symbol interposition cannot change. */
static int instance_marker(void)
{
	return 1;
}
SHIM_EXPORT int covrun_shim_instance(void)
	__attribute__((alias("instance_marker")));

/* The first definition in the global search order, bound by the loader
 * (a GOT entry: the symbol has default visibility and may be interposed),
 * which a dlsym(RTLD_DEFAULT) at each image's start would look up again. */
static int (*volatile const first_instance)(void) = covrun_shim_instance;

static int another_shim_is_first(void)
{
	return first_instance != instance_marker;
}
#else
static int another_shim_is_first(void)
{
	return 0;
}
#endif

__attribute__((constructor)) static void shim_init(int argc, char **argv)
{
	const char *dir = raw_getenv("COVRUN_DIR");
	char parent[sizeof(me.parent)];
	enum how how;
	int anc;

	if (!dir || dir[0] != '/' || strlen(dir) >= PATH_MAX - 64 ||
	    another_shim_is_first())
		return;
	real_calls_init();
	run_dir = copy_name(dir, PATH_MAX);
	struct stat st;
	if (stat(run_dir, &st) == 0) {
		run_dev = st.st_dev;
		run_ino = st.st_ino;
	}
	saved_argc = argc;
	saved_argv = argv;
	max_images = decimal(raw_getenv("COVRUN_MAX_PROCESSES"));
	init_paths();
	map_counter();
	read_parent(&how, parent, sizeof(parent), &anc);
	gcovsym_refresh();
	active = 1;
	begin_image(how, parent, anc, 0);
	putenv(env_image);
#ifdef COVRUN_RUNTIME
	putenv(env_prefix);
#else
	putenv(env_unattributed);
#endif
#ifndef COVRUN_RUNTIME
	find_unsafe_text();
#endif
	install_signal_handlers();
	pthread_atfork(fork_prepare, fork_parent, fork_child);
#ifdef COVRUN_RUNTIME
	on_exit(exit_static, NULL);
#else
	on_exit(after_exit_dump, NULL);
#endif
}

/* ======================= wrappers ===================================== */

#ifndef COVRUN_RUNTIME

/* exit()'s first step must run after the dynamic linker registered its
 * own exit handler (which runs libgcov's destructors): __libc_start_main
 * registers it, then calls main, so main is where the shim registers
 * before_exit_dump. */
typedef int (*main_fn)(int, char **, char **);
typedef int (*start_fn)(main_fn, int, char **, void (*)(void),
			void (*)(void), void (*)(void), void *);
static main_fn program_main;

static int main_with_exit_hook(int argc, char **argv, char **envp)
{
	if (active)
		on_exit(before_exit_dump, NULL);
	return program_main(argc, argv, envp);
}

SHIM_EXPORT int __libc_start_main(main_fn main, int argc, char **argv,
				  void (*init)(void), void (*fini)(void),
				  void (*rtld_fini)(void), void *stack_end)
{
	start_fn next;

	*(void **)&next = dlsym(RTLD_NEXT, "__libc_start_main");
	program_main = main;
	return next(main_with_exit_hook, argc, argv, init, fini, rtld_fini,
		    stack_end);
}

SHIM_EXPORT char *getenv(const char *name)
{
	/* libgcov reads GCOV_PREFIX at every dump: each image gets its own
	 * directory without exporting it to children that lack the shim. */
	if (active && name[0] == 'G' && !strncmp(name, "GCOV_PREFIX", 11)) {
		if (!name[11])
			return foreign_process() ? env_unattributed + 12
						 : prefix;
		if (!strcmp(name + 11, "_STRIP"))
			return NULL;
	}
	return raw_getenv(name);
}

/* The environment every new image must get: the caller's, plus the shim
 * in LD_PRELOAD, the run directory, this image's identity and the
 * unattributed GCOV_PREFIX.  Returns a malloc'd array (strings borrowed or
 * owned by the shim's static buffers), or NULL on out-of-memory. */
static char *preload_buf;

static int is_var(const char *entry, const char *name)
{
	size_t n = strlen(name);
	return !strncmp(entry, name, n) && entry[n] == '=';
}

static int has_shim(const char *list)
{
	size_t n = strlen(shim_path);
	const char *p = list;

	while (p && *p) {
		const char *end = strpbrk(p, ": ");
		size_t len = end ? (size_t)(end - p) : strlen(p);
		if (len == n && !strncmp(p, shim_path, n))
			return 1;
		p = end ? end + 1 : NULL;
	}
	return 0;
}

static char *make_preload(const char *old)
{
	size_t n = (old ? strlen(old) : 0) + strlen(shim_path) + 16;
	char *s = malloc(n);

	if (!s)
		return NULL;
	if (old && *old)
		snprintf(s, n, "LD_PRELOAD=%s:%s", old, shim_path);
	else
		snprintf(s, n, "LD_PRELOAD=%s", shim_path);
	return s;
}

/* ASan insists on being first in LD_PRELOAD, which an instrumented
 * program with -fsanitize=address then is not: tell it that is fine. */
static char *asan_buf(void);
enum { ASAN_BUF_SIZE = 4096 };

static char *asan_options(const char *entry)
{
	char *buf = asan_buf();
	const size_t size = ASAN_BUF_SIZE;
	const char *flag = "verify_asan_link_order=0";

	if (entry && strstr(entry, "verify_asan_link_order"))
		return (char *)entry;
	if (entry && strlen(entry) + 32 < size && entry[13])
		snprintf(buf, size, "%s:%s", entry, flag);
	else
		snprintf(buf, size, "ASAN_OPTIONS=%s", flag);
	return buf;
}

/* How many entries build_env may need for ENVP (with its NULL). */
static size_t env_slots(char *const envp[])
{
	size_t n = 0;

	while (envp && envp[n])
		n++;
	return n + 9;
}

/* LD_PRELOAD with the shim added, or NULL when PRELOAD has it already (or
 * out of memory).  A vfork child (FOREIGN) shares its parent's heap: it
 * uses a static buffer the parent never touches. */
static char *vfork_preload_buf(void);
enum { VFORK_PRELOAD_SIZE = 8192 };

static char *preload_entry(const char *preload, int foreign)
{
	char *vfork_preload = vfork_preload_buf();

	if (preload && has_shim(preload))
		return NULL;
	if (!foreign) {
		free(preload_buf);
		return preload_buf = make_preload(preload);
	}
	if (snprintf(vfork_preload, VFORK_PRELOAD_SIZE, "LD_PRELOAD=%s%s%s",
		     preload && *preload ? preload : "",
		     preload && *preload ? ":" : "", shim_path) >=
	    (int)VFORK_PRELOAD_SIZE)
		return NULL;
	return vfork_preload;
}

/* Fill OUT (env_slots(ENVP) entries) with the environment of a new image;
 * 0 when the caller's must be kept (another covrun's run, opted out). */
struct env_bufs {
	char dir[PATH_MAX + 16], label[600], max[48];
};
static struct env_bufs *env_bufs(void);

static int fill_env(char *const envp[], char **out, int foreign)
{
	char *env_dir = env_bufs()->dir, *env_label = env_bufs()->label;
	char *env_max = env_bufs()->max;
	const char *asan = NULL, *preload = NULL;
	size_t n = 0, k = 0;
	int have_label = 0;
	char *pre;

	for (; envp && envp[n]; n++)
		if (is_var(envp[n], "COVRUN_DIR") &&
		    strcmp(envp[n] + 11, run_dir))
			return 0; /* another covrun's run, or opted out */
	for (size_t i = 0; i < n; i++) {
		const char *e = envp[i];
		if (is_var(e, "LD_PRELOAD")) {
			preload = e + 11;
			continue;
		}
		if (is_var(e, "COVRUN_DIR") || is_var(e, "COVRUN_IMAGE") ||
		    is_var(e, "GCOV_PREFIX") ||
		    is_var(e, "COVRUN_MAX_PROCESSES"))
			continue;
		have_label |= is_var(e, "COVRUN_LABEL");
		if (is_var(e, "ASAN_OPTIONS"))
			asan = e;
		else
			out[k++] = (char *)e;
	}
	out[k++] = asan_options(asan);
	pre = preload_entry(preload, foreign);
	if (pre)
		out[k++] = pre;
	else if (preload)
		out[k++] = (char *)preload - 11;
	snprintf(env_dir, sizeof(env_bufs()->dir), "COVRUN_DIR=%s", run_dir);
	out[k++] = env_dir;
	snprintf(env_max, sizeof(env_bufs()->max), "COVRUN_MAX_PROCESSES=%ld",
		 max_images);
	out[k++] = env_max;
	out[k++] = env_image;
	out[k++] = env_unattributed;
	if (!have_label && label[0]) {
		snprintf(env_label, sizeof(env_bufs()->label), "COVRUN_LABEL=%s",
			 label);
		out[k++] = env_label;
	}
	out[k] = NULL;
	return 1;
}

static char **build_env(char *const envp[])
{
	char **out = malloc(env_slots(envp) * sizeof(char *));

	if (out && !fill_env(envp, out, 0)) {
		free(out);
		out = NULL;
	}
	return out;
}

/* Put back into environ what a harness may have removed, for children
 * that libc starts without going through a wrapper (system, popen). */
static void repair_environ(void)
{
	const char *pre = raw_getenv("LD_PRELOAD");
	const char *dir = raw_getenv("COVRUN_DIR");

	if (dir && strcmp(dir, run_dir))
		return; /* another covrun's run, or opted out (COVRUN_DIR=) */

	if (!pre || !has_shim(pre)) {
		/* putenv keeps the string: it lives as long as environ uses
		 * it, so the previous one is never freed. */
		static char *repaired;
		repaired = make_preload(pre);
		if (repaired)
			putenv(repaired);
	}
	if (!raw_getenv("COVRUN_DIR"))
		setenv("COVRUN_DIR", run_dir, 1);
	if (raw_getenv("COVRUN_IMAGE") != env_image + 13)
		putenv(env_image);
	if (raw_getenv("GCOV_PREFIX") != env_unattributed + 12)
		putenv(env_unattributed);
}

static void before_spawn(void)
{
	gcovsym_refresh();
	update_env_image();
}

/* An exec failed: the image goes on, and the counters written before the
 * attempt must not be written again. */
static void resume_image(void)
{
	sigset_t old;

	block_all(&old);
	gcovsym_reset_all();
	me.end = END_NONE;
	me.end_ns = 0;
	lost_reason = NULL;
	set_prefix();
	write_record();
	deferred_sig = 0;
	__atomic_store_n(&end_state, END_IDLE, __ATOMIC_SEQ_CST);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
}

/* Record the end of this image and write its counters with signals
 * blocked; a signal that arrived meanwhile ends the process now, before
 * the exec, as it would have a moment earlier without covrun.  Returns
 * whether this call ended the image. */
static int end_for_exec(void)
{
	sigset_t old;
	int ended = 0;

	block_all(&old);
	switch (claim_end()) {
	case CLAIM_OWNER:
		record_end(END_EXEC, 0);
		dump_counters();
		record_dumped();
		apply_deferred();
		ended = 1;
		break;
	case CLAIM_OTHER:
		wait_for_owner();
		break;
	default: /* ended already (an exec from an exit handler) */
		break;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return ended;
}

/* Exec: record the end of this image and write its counters first (the
 * new image replaces them); exec_failed undoes both.  *ENV is the
 * environment for the new image, or NULL to keep the caller's (another
 * covrun's run, or out of memory).  Returns whether the image was ended. */
static int exec_begin(char *const envp[], char ***env)
{
	real_calls_init();
	*env = NULL;
	if (!active || foreign_process())
		return 0;
	gcovsym_refresh();
	update_env_image();
	*env = build_env(envp);
	return end_for_exec();
}

static int exec_failed(char **env, int rc)
{
	int err = errno;

	resume_image();
	free(env);
	errno = err;
	return rc;
}

/* The exec of a process that shares or copied its parent's image without
 * the shim seeing its start (a vfork child, a clone): the new image's
 * environment goes on the caller's stack (the heap is its parent's), which
 * the exec discards.  Whether ENV (env_slots(ENVP) entries) was filled. */
static int foreign_env(char *const envp[], char **env)
{
	update_env_image(); /* the parent's identity, as the parent has it */
	return fill_env(envp, env, 1);
}

/* ======================= untraced images ============================ */

/* An exec'd program that can neither run instrumented code nor start an
 * image (a leaf program: gcovsym.c) runs without the shim, which would
 * cost it more than the program itself (the load of a preloaded library
 * and the shim's start: page faults, some 90 system calls).  The image
 * that execs it appends its record first, "untraced", and withdraws it
 * when the exec fails (docs/run-directory.md, "Untraced images"). */

/* Whether PATH exec'd with ENVP runs untraced: a path (no search), no
 * run directory kept open (chroot, change of user), nothing preloaded
 * but the shim, no audit library, no LD_LIBRARY_PATH (glibc's libraries
 * from the system's directories), this run's directory, and a leaf
 * program as the run's cache knows it (ST: its file). */
static int untraced_target(const char *path, char *const envp[],
			   struct stat *st)
{
	if (!active || run_fd >= 0 || !path || !strchr(path, '/'))
		return 0;
	if (strlen(path) >= 1024) /* realpath would need the heap */
		return 0;
	for (size_t i = 0; envp && envp[i]; i++) {
		const char *e = envp[i];
		if ((is_var(e, "LD_PRELOAD") && e[11] &&
		     strcmp(e + 11, shim_path)) ||
		    (is_var(e, "LD_AUDIT") && e[9]) ||
		    (is_var(e, "LD_LIBRARY_PATH") && e[16]) ||
		    (is_var(e, "COVRUN_DIR") && strcmp(e + 11, run_dir)))
			return 0;
	}
	return stat(path, st) == 0 && S_ISREG(st->st_mode) &&
	       !(st->st_mode & (S_ISUID | S_ISGID)) && gcovsym_leaf_file(st);
}

/* Append the entry PAYLOAD[0..LEN) to the journal, through the image's
 * descriptor when it is still the journal, else opened for this entry:
 * nothing the image keeps changes (a vfork child shares it). */
static void untraced_append(const char *payload, size_t len)
{
	struct iovec iov = { (void *)payload, len };
	int fd = still_open(jr_fd, jr_dev, jr_ino), own = fd < 0;

	if (own && (fd = open(journal_path, O_WRONLY | O_APPEND | O_CLOEXEC)) < 0)
		return;
	frame_write(fd, RUNDIR_FRAME_RECORD, &iov, 1);
	if (own)
		close(fd);
}

/* The record of the image PATH (ARGV, ENV) will be, image U, into O:
 * as the shim would write it in that image (read_parent).  SCRATCH has
 * room for two paths. */
static void untraced_record(struct outbuf *o, struct image *u,
			    const char *path, char *const argv[],
			    char *const env[], char *scratch)
{
	int foreign = foreign_process();
	const char *lab = label;
	char *dir = scratch + PATH_MAX;

	for (size_t i = 0; env[i]; i++)
		if (is_var(env[i], "COVRUN_LABEL"))
			lab = env[i] + 13;
	u->pid = my_pid();
	u->ppid = my_parent_pid();
	memcpy(u->parent, me.id, sizeof(u->parent));
	u->how = foreign ? HOW_SPAWN : HOW_EXEC;
	u->anc_instr = me.anc_instr || (foreign && gcovsym_instrumented());
	u->start_ns = clock_ns(CLOCK_REALTIME);
	out_start(o, u, realpath(path, scratch) ? scratch : path,
		  getcwd(dir, PATH_MAX) ? dir : "", lab, 1 << 30, argv);
	out_str(o, REC_INSTRUMENTED " 0\n" REC_UNTRACED " 1\n");
}

/* The record buffer and the scratch path of exec_untraced: mapped for
 * the time of one exec, not on the caller's stack (a thread may exec
 * with 16 kB of it), and unmapped before the exec (a vfork child's
 * mappings are its parent's). */
enum { UNTRACED_RECORD = 8192,
       UNTRACED_MAP = UNTRACED_RECORD + 2 * PATH_MAX };

/* Exec the leaf program PATH untraced with the environment ENV (room for
 * env_slots(ENVP) entries); -1 with errno when the exec failed, as
 * execve, or -2 when it must be traced after all (nothing done yet). */
static int exec_untraced_in(const char *path, char *const argv[],
			    char *const envp[], char **env)
{
	struct image u = { 0 };
	char back[sizeof(u.id) + 32], *rec;
	struct outbuf o = { u.id, 0, sizeof(u.id), 0 };
	int foreign = foreign_process(), ended = 0, rc, err;
	size_t k = 0, len;

	update_env_image();
	if (!fill_env(envp, env, 1))
		return -2;
	for (size_t i = 0; env[i]; i++) /* the shim stays out */
		if (!is_var(env[i], "LD_PRELOAD"))
			env[k++] = env[i];
	env[k] = NULL;
	out_hex(&o, (uint64_t)clock_ns(CLOCK_MONOTONIC), 16);
	out_str(&o, "-");
	out_i64(&o, my_pid());
	out_end(&o);
	rec = mmap(NULL, UNTRACED_MAP, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (rec == MAP_FAILED)
		return -2;
	o = (struct outbuf){ rec, 0, UNTRACED_RECORD, 0 };
	untraced_record(&o, &u, path, argv, env, rec + UNTRACED_RECORD);
	if (o.overflow) { /* too long to record whole: traced then */
		munmap(rec, UNTRACED_MAP);
		return -2;
	}
	if (!foreign) {
		ended = end_for_exec();
		if (ended && image_counter) /* the process is counted no more */
			__atomic_sub_fetch(&image_counter[1], 1,
					   __ATOMIC_RELAXED);
	}
	if (image_counter)
		__atomic_add_fetch(&image_counter[0], 1, __ATOMIC_RELAXED);
	len = o.len;
	untraced_append(rec, len);
	munmap(rec, UNTRACED_MAP);
	rc = real.execve(path, argv, env);
	err = errno;
	o = (struct outbuf){ back, 0, sizeof(back), 0 };
	out_field(&o, REC_ID, u.id);
	out_str(&o, REC_WITHDRAWN " 1\n");
	untraced_append(back, o.len);
	if (ended) {
		if (image_counter)
			__atomic_add_fetch(&image_counter[1], 1,
					   __ATOMIC_RELAXED);
		resume_image();
	}
	errno = err;
	return rc;
}

/* The environment's array: on the stack in a vfork child (the heap is
 * its parent's), from the heap otherwise.  -2: not untraced after all. */
static int exec_untraced(const char *path, char *const argv[],
			 char *const envp[])
{
	size_t slots = env_slots(envp);
	char **env;
	int rc;

	if (foreign_process()) {
		char *fenv[slots];
		return exec_untraced_in(path, argv, envp, fenv);
	}
	env = malloc(slots * sizeof(*env));
	if (!env)
		return -2;
	rc = exec_untraced_in(path, argv, envp, env);
	free(env);
	return rc;
}

/* Exec PATH untraced when it is a leaf program: whether it was, with
 * execve's result in *RC. */
static int exec_if_untraced(const char *path, char *const argv[],
			    char *const envp[], int *rc)
{
	struct stat st;

	if (!untraced_target(path, envp, &st))
		return 0;
	*rc = exec_untraced(path, argv, envp);
	return *rc != -2;
}

SHIM_EXPORT int execve(const char *path, char *const argv[], char *const envp[])
{
	char **env;
	int began, rc;

	real_calls_init();
	if (exec_if_untraced(path, argv, envp, &rc))
		return rc;
	if (active && foreign_process()) {
		char *fenv[env_slots(envp)];
		return real.execve(path, argv, foreign_env(envp, fenv) ? fenv : envp);
	}
	began = exec_begin(envp, &env);
	rc = real.execve(path, argv, env ? env : envp);
	return began ? exec_failed(env, rc) : rc;
}

SHIM_EXPORT int execvpe(const char *file, char *const argv[], char *const envp[])
{
	char **env;
	int began, rc;

	real_calls_init();
	if (exec_if_untraced(file, argv, envp, &rc)) /* a path: no search */
		return rc;
	if (active && foreign_process()) {
		char *fenv[env_slots(envp)];
		return real.execvpe(file, argv, foreign_env(envp, fenv) ? fenv : envp);
	}
	began = exec_begin(envp, &env);
	rc = real.execvpe(file, argv, env ? env : envp);
	return began ? exec_failed(env, rc) : rc;
}

SHIM_EXPORT int fexecve(int fd, char *const argv[], char *const envp[])
{
	char **env;
	int began;

	real_calls_init();
	if (active && foreign_process()) {
		char *fenv[env_slots(envp)];
		return real.fexecve(fd, argv, foreign_env(envp, fenv) ? fenv : envp);
	}
	began = exec_begin(envp, &env);
	int rc = real.fexecve(fd, argv, env ? env : envp);

	return began ? exec_failed(env, rc) : rc;
}

SHIM_EXPORT int execv(const char *path, char *const argv[])
{
	return execve(path, argv, environ);
}

SHIM_EXPORT int execvp(const char *file, char *const argv[])
{
	return execvpe(file, argv, environ);
}

/* The execl family: count the arguments after FIRST (through the NULL),
 * then copy them into an array of that size. */
static size_t count_args(va_list *ap)
{
	va_list c;
	size_t n = 1;

	va_copy(c, *ap);
	while (va_arg(c, char *))
		n++;
	va_end(c);
	return n;
}

static void take_args(char **argv, const char *first, size_t n, va_list *ap)
{
	argv[0] = (char *)first;
	for (size_t i = 1; i <= n; i++)
		argv[i] = va_arg(*ap, char *);
}

SHIM_EXPORT int execl(const char *path, const char *arg, ...)
{
	va_list ap;

	va_start(ap, arg);
	size_t n = count_args(&ap);
	char *argv[n + 1];
	take_args(argv, arg, n, &ap);
	va_end(ap);
	return execve(path, argv, environ);
}

SHIM_EXPORT int execlp(const char *file, const char *arg, ...)
{
	va_list ap;

	va_start(ap, arg);
	size_t n = count_args(&ap);
	char *argv[n + 1];
	take_args(argv, arg, n, &ap);
	va_end(ap);
	return execvpe(file, argv, environ);
}

SHIM_EXPORT int execle(const char *path, const char *arg, ...)
{
	va_list ap;

	va_start(ap, arg);
	size_t n = count_args(&ap);
	char *argv[n + 1];
	take_args(argv, arg, n, &ap);
	char **envp = va_arg(ap, char **);
	va_end(ap);
	return execve(path, argv, envp);
}

static int spawn_common(int use_path, pid_t *pid, const char *file,
			const posix_spawn_file_actions_t *fa,
			const posix_spawnattr_t *attr, char *const argv[],
			char *const envp[])
{
	char **env = NULL;
	int rc;

	real_calls_init();
	if (active) {
		before_spawn();
		env = build_env(envp);
	}
	rc = (use_path ? real.posix_spawnp : real.posix_spawn)(
		pid, file, fa, attr, argv, env ? env : envp);
	free(env);
	return rc;
}

SHIM_EXPORT int posix_spawn(pid_t *pid, const char *path,
		const posix_spawn_file_actions_t *fa,
		const posix_spawnattr_t *attr, char *const argv[],
		char *const envp[])
{
	return spawn_common(0, pid, path, fa, attr, argv, envp);
}

SHIM_EXPORT int posix_spawnp(pid_t *pid, const char *file,
		 const posix_spawn_file_actions_t *fa,
		 const posix_spawnattr_t *attr, char *const argv[],
		 char *const envp[])
{
	return spawn_common(1, pid, file, fa, attr, argv, envp);
}

SHIM_EXPORT int system(const char *command)
{
	real_calls_init();
	if (active && command) {
		before_spawn();
		repair_environ();
	}
	return real.system(command);
}

SHIM_EXPORT FILE *popen(const char *command, const char *mode)
{
	real_calls_init();
	if (active) {
		before_spawn();
		repair_environ();
	}
	return real.popen(command, mode);
}

/* vfork stays a vfork (docs/design.md, trap 3): no copy of a large
 * parent's page tables.  The child shares its parent's memory and image:
 * it must not end, dump or reset it (foreign_process), and its exec gets
 * the environment of a new image (foreign_env), recorded as spawned by
 * the parent.  But GCC turns an exec in instrumented code into
 * __gcov_exec*, which would write and reset the parent's counters from
 * the child: a vfork called from instrumented code becomes a fork.
 * Which one is decided before the jump, so no frame of the shim lies
 * between the caller and the real vfork (a vfork child must not return
 * from the function that called vfork).  The static runtime is linked
 * into instrumented programs: there, vfork always becomes a fork. */
#if defined(__x86_64__) && !defined(COVRUN_RUNTIME)
__attribute__((used)) void *covrun_pick_vfork(const void *caller)
{
	real_calls_init();
	if (!active || !real.vfork)
		return real.vfork ? (void *)real.vfork : (void *)fork;
	gcovsym_refresh();
	return gcovsym_instrumented_at(caller) ? (void *)fork
					       : (void *)real.vfork;
}

__asm__(".text\n"
	".globl vfork\n"
	".type vfork, @function\n"
	"vfork:\n"
	"\tmov (%rsp), %rdi\n"    /* the caller's return address */
	"\tsub $8, %rsp\n"        /* keep the call 16-byte aligned */
	"\tcall covrun_pick_vfork\n"
	"\tadd $8, %rsp\n"
	"\tjmp *%rax\n"           /* returns straight to the caller */
	".size vfork, .-vfork\n");
#else
SHIM_EXPORT pid_t vfork(void)
{
	return fork();
}
#endif

SHIM_EXPORT void _exit(int status)
{
	real_calls_init();
	end_at_once(status);
	real.exit_(status);
	for (;;) /* real.exit_ does not return */
		syscall(SYS_exit_group, status);
}

/* glibc's quick_exit and daemon reach _exit inside libc, past the
 * wrapper above. */
SHIM_EXPORT void quick_exit(int status)
{
	void (*next)(int) = (void (*)(int))dlsym(RTLD_NEXT, "quick_exit");

	real_calls_init();
	end_at_once(status);
	if (next)
		next(status);
	for (;;)
		syscall(SYS_exit_group, status);
}

static int no_next(void)
{
	errno = ENOSYS;
	return -1;
}

/* Open the run directory before a chroot or a change of user. */
static void keep_run_dir(void)
{
	int fd;

	if (!active || run_dir_fd() >= 0)
		return;
	fd = open(run_dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	run_fd = fd;
	if (fd >= 0 && run_dir_fd() < 0)
		close(fd); /* not the run directory of the start */
}

/* After chroot() the run directory's path names nothing: keep it open
 * first, to write the counters through it (dump_counters). */
SHIM_EXPORT int chroot(const char *path)
{
	int (*next)(const char *) =
		(int (*)(const char *))dlsym(RTLD_NEXT, "chroot");

	keep_run_dir();
	return next ? next(path) : no_next();
}

/* Root giving up its user id: keep the run directory and the journal
 * open, so that the image's counters and end are appended through them
 * whatever the new user may open.  Images forked after the change share
 * the open journal. */
static void before_user_change(uid_t to)
{
	if (!active || geteuid() != 0 || to == 0 || to == (uid_t)-1)
		return;
	keep_run_dir();
	open_journal();
}

SHIM_EXPORT int setuid(uid_t uid)
{
	int (*next)(uid_t);

	*(void **)&next = dlsym(RTLD_NEXT, "setuid");
	before_user_change(uid);
	return next ? next(uid) : no_next();
}

SHIM_EXPORT int seteuid(uid_t euid)
{
	int (*next)(uid_t);

	*(void **)&next = dlsym(RTLD_NEXT, "seteuid");
	before_user_change(euid);
	return next ? next(euid) : no_next();
}

SHIM_EXPORT int setreuid(uid_t ruid, uid_t euid)
{
	int (*next)(uid_t, uid_t);

	*(void **)&next = dlsym(RTLD_NEXT, "setreuid");
	before_user_change(euid);
	return next ? next(ruid, euid) : no_next();
}

SHIM_EXPORT int setresuid(uid_t ruid, uid_t euid, uid_t suid)
{
	int (*next)(uid_t, uid_t, uid_t);

	*(void **)&next = dlsym(RTLD_NEXT, "setresuid");
	before_user_change(euid);
	return next ? next(ruid, euid, suid) : no_next();
}

SHIM_EXPORT int daemon(int nochdir, int noclose)
{
	pid_t pid = fork();
	int fd;

	if (pid < 0)
		return -1;
	if (pid > 0)
		_exit(0);
	if (setsid() < 0)
		return -1;
	if (!nochdir && chdir("/") < 0)
		return -1;
	if (!noclose && (fd = open("/dev/null", O_RDWR)) >= 0) {
		dup2(fd, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		if (fd > 2)
			close(fd);
	}
	return 0;
}

SHIM_EXPORT void _Exit(int status)
{
	_exit(status);
}

/* Programs may install their own handlers (then they decide how to end);
 * a program that asks for the default action gets the shim's handler, and
 * a query never shows the shim's handler. */
SHIM_EXPORT int sigaction(int sig, const struct sigaction *act, struct sigaction *old)
{
	struct sigaction mine, prev;
	int rc;

	real_calls_init();
	if (!active || !is_dump_signal(sig))
		return real.sigaction(sig, act, old);
	if (act && sig == put_off_sig) /* the program decides anew */
		put_off_sig = 0;
	if (act && !(act->sa_flags & SA_SIGINFO) &&
	    act->sa_handler == SIG_DFL) {
		mine = *act;
		mine.sa_sigaction = on_fatal_signal;
		mine.sa_flags |= SA_SIGINFO;
		sigfillset(&mine.sa_mask);
		act = &mine;
	}
	rc = real.sigaction(sig, act, &prev);
	if (rc == 0 && old) {
		*old = prev;
		if (is_mine(&prev)) {
			old->sa_handler = SIG_DFL;
			old->sa_flags &= ~(SA_RESTART | SA_SIGINFO);
			sigemptyset(&old->sa_mask);
		}
	}
	return rc;
}

SHIM_EXPORT sighandler_t signal(int sig, sighandler_t handler)
{
	struct sigaction sa, old;

	memset(&sa, 0, sizeof(sa));
	memset(&old, 0, sizeof(old));
	sa.sa_handler = handler;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	sigaddset(&sa.sa_mask, sig);
	if (sigaction(sig, &sa, &old) < 0)
		return SIG_ERR;
	return old.sa_handler;
}

/* glibc's clone() without CLONE_VM makes a new process, as fork does, but
 * runs no pthread_atfork handler: the child would keep its parent's image
 * and counters and write them into the parent's image.  Its function runs
 * through clone_child instead, which first does what fork_child does, and
 * writes the counters when the function returns (glibc then ends the child
 * with the exit system call, past every exit handler).  A child that
 * shares memory (CLONE_VM: threads, vfork-like children) shares the image
 * and is left alone.  clone3 and syscall(SYS_clone) cannot be wrapped
 * (README.md, Known limits). */
struct clone_start {
	int (*fn)(void *);
	void *arg;
	sigset_t mask; /* the caller's signal mask */
};

/* Signals stay blocked until the child is an image of its own: a fatal
 * one in between would end the parent's image from the child. */
static int clone_child(void *p)
{
	const struct clone_start *start = p; /* the parent's, copied */
	int rc;

	fork_child();
	pthread_sigmask(SIG_SETMASK, &start->mask, NULL);
	rc = start->fn(start->arg);
	end_at_once(rc); /* glibc ends the child past every exit handler */
	return rc;
}

SHIM_EXPORT int clone(int (*fn)(void *), void *stack, int flags, void *arg,
		      ...)
{
	static int (*next)(int (*)(void *), void *, int, void *, ...);
	struct clone_start start = { fn, arg, { { 0 } } };
	pid_t *ptid, *ctid;
	sigset_t all;
	void *tls;
	va_list ap;
	int rc, err;

	/* glibc reads these three whether or not FLAGS uses them. */
	va_start(ap, arg);
	ptid = va_arg(ap, pid_t *);
	tls = va_arg(ap, void *);
	ctid = va_arg(ap, pid_t *);
	va_end(ap);
	if (!next)
		*(void **)&next = dlsym(RTLD_NEXT, "clone");
	if (!next) {
		errno = ENOSYS;
		return -1;
	}
	if (!active || !fn || (flags & CLONE_VM))
		return next(fn, stack, flags, arg, ptid, tls, ctid);
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &start.mask);
	fork_prepare();
	rc = next(clone_child, stack, flags, &start, ptid, tls, ctid);
	err = errno;
	fork_parent();
	pthread_sigmask(SIG_SETMASK, &start.mask, NULL);
	errno = err;
	return rc;
}

#else /* COVRUN_RUNTIME: link with -Wl,--wrap=_exit */

/* Linking this object pulls libc's pthread code into a static program,
 * which makes libgcov believe threads are active; its __gcov_fork then
 * calls pthread_mutex_init through a weak reference that a static link
 * leaves null unless something references it for real. */
__attribute__((used)) static void *const keep_pthread[] = {
	(void *)pthread_mutex_init, (void *)pthread_mutex_lock,
	(void *)pthread_mutex_unlock
};

SHIM_EXPORT void __wrap__exit(int status)
{
	real_calls_init();
	end_at_once(status);
	real.exit_(status);
	for (;;) /* real.exit_ does not return */
		syscall(SYS_exit_group, status);
}

#endif

/* ======================= buffers ====================================== */

/* The big buffers, as static variables of functions defined last: the
 * shim is compiled with -fno-toplevel-reorder, so they come after every
 * small variable, which an image's start then finds on one page. */
static char *names(void)
{
	/* cppcheck-suppress unassignedVariable ; written through the result */
	static char buf[NAMES_SIZE];
	return buf;
}

#ifndef COVRUN_RUNTIME
/* Used only when the image starts another (exec, spawn). */
static char *asan_buf(void)
{
	static char buf[ASAN_BUF_SIZE];
	return buf;
}

static char *vfork_preload_buf(void)
{
	static char buf[VFORK_PRELOAD_SIZE];
	return buf;
}

static struct env_bufs *env_bufs(void)
{
	static struct env_bufs bufs;
	return &bufs;
}

static char *mem_gcda_path(int i)
{
	/* cppcheck-suppress constVariable ; written through the result */
	static char path[MEM_GCDA_SLOTS][PATH_MAX];
	return path[i];
}

static struct mem_stream *mem_stream(int slot)
{
	static struct mem_stream streams[MEM_GCDA_SLOTS];
	return &streams[slot];
}
#endif
