/* SPDX-License-Identifier: MIT
 * examples/prefork-server/server.c: a small prefork server, the kind of
 * multi-process program whose coverage plain gcov gets wrong.
 *
 * The master forks N workers, each connected by two pipes (requests down,
 * replies up), and feeds them requests from a script file (or stdin), one
 * line each, in round-robin order: request i goes to worker i % N, and a
 * worker has at most one request in flight.  The master waits for replies
 * with poll() and prints them in request order at the end, followed by its
 * accounting.  Requests (a tiny line protocol):
 *
 *   fib N          Nth Fibonacci number            (handle_fib)
 *   sum A B ...    sum of the integers             (handle_sum)
 *   echo TEXT      TEXT back                       (handle_echo)
 *   digest TEXT    checksum of TEXT, computed by the helper program
 *                  "digest" that the worker starts with posix_spawn
 *                                                  (handle_digest)
 *   stats          requests this worker has served (handle_stats)
 *   anything else  an error reply                  (handle_unknown)
 *
 * At the end the master sends "quit" to every worker; a worker ends with
 * _exit(0) without flushing anything, as prefork servers usually do.  That
 * is exactly why plain gcov loses every count the workers made: _exit()
 * skips libgcov's destructor.  Request handlers run only in workers;
 * dispatch and accounting run only in the master.
 *
 * usage: server [-w WORKERS] [-d DIGEST] [SCRIPT]
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

#define MAX_WORKERS 16
#define MAX_REQUESTS 4096
#define LINE_MAX_LEN 512

/* ============================ shared =================================== */

/* Write all of BUF to FD; returns 0 or -1. */
static int write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* A line reader over a file descriptor. */
struct line_reader {
	int fd;
	char buf[4096];
	size_t len;
};

/* Read one line (without its newline) into OUT; returns its length, or -1
 * at end of file. */
static int read_line(struct line_reader *r, char *out, size_t size)
{
	for (;;) {
		char *nl = memchr(r->buf, '\n', r->len);
		if (nl) {
			size_t n = (size_t)(nl - r->buf);
			if (n >= size)
				n = size - 1;
			memcpy(out, r->buf, n);
			out[n] = '\0';
			r->len -= (size_t)(nl - r->buf) + 1;
			memmove(r->buf, nl + 1, r->len);
			return (int)n;
		}
		if (r->len == sizeof(r->buf))
			r->len = 0; /* overlong line: drop it */
		ssize_t got = read(r->fd, r->buf + r->len,
				   sizeof(r->buf) - r->len);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			return -1;
		r->len += (size_t)got;
	}
}

/* ============================ worker =================================== */

static const char *digest_path = "./digest";
static unsigned long served;

static void handle_fib(const char *arg, char *out, size_t size)
{
	unsigned long long a = 0, b = 1;
	long n = strtol(arg, NULL, 10);

	for (long i = 0; i < n; i++) {
		unsigned long long t = a + b;
		a = b;
		b = t;
	}
	snprintf(out, size, "%llu", a);
}

static void handle_sum(const char *arg, char *out, size_t size)
{
	long long total = 0;
	char *end;

	for (;;) {
		long long v = strtoll(arg, &end, 10);
		if (end == arg)
			break;
		total += v;
		arg = end;
	}
	snprintf(out, size, "%lld", total);
}

static void handle_echo(const char *arg, char *out, size_t size)
{
	snprintf(out, size, "%s", arg);
}

static void handle_stats(const char *arg, char *out, size_t size)
{
	(void)arg;
	snprintf(out, size, "worker %ld served %lu", (long)getpid(), served);
}

/* Run the digest helper on ARG with posix_spawn and read its one line. */
static void handle_digest(const char *arg, char *out, size_t size)
{
	posix_spawn_file_actions_t fa;
	char *argv[] = { (char *)digest_path, (char *)arg, NULL };
	struct line_reader r = { 0 };
	int fds[2], status;
	pid_t pid;

	if (pipe(fds) < 0) {
		snprintf(out, size, "error pipe");
		return;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
	posix_spawn_file_actions_addclose(&fa, fds[0]);
	posix_spawn_file_actions_addclose(&fa, fds[1]);
	int rc = posix_spawn(&pid, digest_path, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(fds[1]);
	if (rc != 0) {
		close(fds[0]);
		snprintf(out, size, "error spawn %s", strerror(rc));
		return;
	}
	r.fd = fds[0];
	if (read_line(&r, out, size) < 0)
		snprintf(out, size, "error no output");
	close(fds[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
}

static void handle_unknown(const char *cmd, char *out, size_t size)
{
	snprintf(out, size, "error unknown request '%s'", cmd);
}

/* Serve requests from IN, replying on OUT, until "quit" or end of file;
 * never returns. */
static void worker_main(int in, int out)
{
	struct line_reader r = { .fd = in };
	char line[LINE_MAX_LEN], reply[LINE_MAX_LEN + 32];
	char body[sizeof(reply) + 2];

	while (read_line(&r, line, sizeof(line)) >= 0) {
		char *arg = strchr(line, ' ');
		if (arg)
			*arg++ = '\0';
		else
			arg = line + strlen(line);
		if (!strcmp(line, "quit"))
			break;
		served++;
		if (!strcmp(line, "fib"))
			handle_fib(arg, reply, sizeof(reply));
		else if (!strcmp(line, "sum"))
			handle_sum(arg, reply, sizeof(reply));
		else if (!strcmp(line, "echo"))
			handle_echo(arg, reply, sizeof(reply));
		else if (!strcmp(line, "digest"))
			handle_digest(arg, reply, sizeof(reply));
		else if (!strcmp(line, "stats"))
			handle_stats(arg, reply, sizeof(reply));
		else
			handle_unknown(line, reply, sizeof(reply));
		int n = snprintf(body, sizeof(body), "%s\n", reply);
		if (write_all(out, body, (size_t)n) < 0)
			break;
	}
	/* Like most prefork servers: leave without running atexit handlers
	 * or flushing stdio inherited from the master. */
	_exit(0);
}

/* ============================ master =================================== */

struct worker {
	pid_t pid;
	int req_fd;            /* master writes requests here */
	struct line_reader rep; /* master reads replies here */
	long busy;             /* index of the request in flight, or -1 */
	unsigned long handled; /* requests this worker answered */
};

static struct worker workers[MAX_WORKERS];
static int nworkers;
static char *requests[MAX_REQUESTS]; /* owned */
static char *replies[MAX_REQUESTS];  /* owned */
static long nrequests;

/* Fork worker K with its two pipes; returns 0 or -1. */
static int start_worker(int k)
{
	int down[2], up[2];
	pid_t pid;

	if (pipe(down) < 0 || pipe(up) < 0)
		return -1;
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		close(down[1]);
		close(up[0]);
		for (int i = 0; i < k; i++) { /* earlier workers' pipes */
			close(workers[i].req_fd);
			close(workers[i].rep.fd);
		}
		worker_main(down[0], up[1]);
	}
	close(down[0]);
	close(up[1]);
	workers[k].pid = pid;
	workers[k].req_fd = down[1];
	workers[k].rep.fd = up[0];
	workers[k].rep.len = 0;
	workers[k].busy = -1;
	return 0;
}

/* Record worker W's reply to its request in flight. */
static void account(struct worker *w, const char *reply)
{
	replies[w->busy] = strdup(reply);
	w->handled++;
	w->busy = -1;
}

/* Wait until at least one reply arrived and file it; returns 0 or -1. */
static int collect_replies(void)
{
	struct pollfd pfd[MAX_WORKERS];
	char line[LINE_MAX_LEN + 64];

	for (int i = 0; i < nworkers; i++) {
		pfd[i].fd = workers[i].busy >= 0 ? workers[i].rep.fd : -1;
		pfd[i].events = POLLIN;
		pfd[i].revents = 0;
	}
	while (poll(pfd, (nfds_t)nworkers, -1) < 0)
		if (errno != EINTR)
			return -1;
	for (int i = 0; i < nworkers; i++) {
		if (!pfd[i].revents)
			continue;
		if (read_line(&workers[i].rep, line, sizeof(line)) < 0)
			return -1;
		account(&workers[i], line);
	}
	return 0;
}

/* Send request I to worker I % N, waiting for that worker to be free. */
static int dispatch(long i)
{
	struct worker *w = &workers[i % nworkers];
	char buf[LINE_MAX_LEN + 2];

	while (w->busy >= 0)
		if (collect_replies() < 0)
			return -1;
	int n = snprintf(buf, sizeof(buf), "%s\n", requests[i]);
	w->busy = i;
	return write_all(w->req_fd, buf, (size_t)n);
}

static int any_busy(void)
{
	for (int i = 0; i < nworkers; i++)
		if (workers[i].busy >= 0)
			return 1;
	return 0;
}

/* Read the request script: one request a line, '#' starts a comment. */
static int load_requests(FILE *in)
{
	char line[LINE_MAX_LEN];

	while (fgets(line, sizeof(line), in)) {
		line[strcspn(line, "\r\n")] = '\0';
		if (!line[0] || line[0] == '#')
			continue;
		if (nrequests == MAX_REQUESTS) {
			fprintf(stderr, "server: more than %d requests\n",
				MAX_REQUESTS);
			return -1;
		}
		requests[nrequests++] = strdup(line);
	}
	return 0;
}

/* Tell every worker to quit and reap it; returns how many failed. */
static int stop_workers(void)
{
	int failed = 0;

	for (int i = 0; i < nworkers; i++) {
		write_all(workers[i].req_fd, "quit\n", 5);
		close(workers[i].req_fd);
	}
	for (int i = 0; i < nworkers; i++) {
		int status;
		while (waitpid(workers[i].pid, &status, 0) < 0)
			if (errno != EINTR) {
				status = -1;
				break;
			}
		if (status != 0) {
			fprintf(stderr, "server: worker %ld ended badly\n",
				(long)workers[i].pid);
			failed++;
		}
		close(workers[i].rep.fd);
	}
	return failed;
}

static void print_summary(void)
{
	for (long i = 0; i < nrequests; i++)
		printf("%ld %s -> %s\n", i, requests[i],
		       replies[i] ? replies[i] : "(no reply)");
	for (int i = 0; i < nworkers; i++)
		printf("worker %d handled %lu\n", i, workers[i].handled);
}

int main(int argc, char **argv)
{
	FILE *in = stdin;
	int opt, failed;

	nworkers = 3;
	while ((opt = getopt(argc, argv, "w:d:")) != -1) {
		switch (opt) {
		case 'w':
			nworkers = atoi(optarg);
			break;
		case 'd':
			digest_path = optarg;
			break;
		default:
			fprintf(stderr,
				"usage: server [-w WORKERS] [-d DIGEST] "
				"[SCRIPT]\n");
			return 2;
		}
	}
	if (nworkers < 1 || nworkers > MAX_WORKERS) {
		fprintf(stderr, "server: workers must be 1..%d\n",
			MAX_WORKERS);
		return 2;
	}
	if (optind < argc && !(in = fopen(argv[optind], "r"))) {
		perror(argv[optind]);
		return 1;
	}
	if (load_requests(in) < 0)
		return 1;
	for (int k = 0; k < nworkers; k++)
		if (start_worker(k) < 0) {
			perror("server: cannot start worker");
			return 1;
		}
	for (long i = 0; i < nrequests; i++)
		if (dispatch(i) < 0) {
			perror("server: dispatch");
			return 1;
		}
	while (any_busy())
		if (collect_replies() < 0) {
			perror("server: reply");
			return 1;
		}
	failed = stop_workers();
	print_summary();
	for (long i = 0; i < nrequests; i++) {
		free(requests[i]);
		free(replies[i]);
	}
	return failed ? 1 : 0;
}
