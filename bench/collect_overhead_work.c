/* SPDX-License-Identifier: MIT
 * bench/collect_overhead_work.c: the fork-heavy workload of the collect
 * overhead benchmark; built with --coverage by collect_overhead.sh.
 *
 * The parent starts WORKERS short-lived workers, at most JOBS at a time.
 * Each worker does a little instrumented work (a few hundred branches in
 * a handful of functions) and ends with exit() (END=exit), _exit()
 * (END=_exit), or alternately one and the other (END=mixed, the default).
 * The parent checks every worker's status and prints one line:
 *   "workers N failed F checksum C"
 *
 * usage: collect_overhead_work [WORKERS [JOBS [END]]]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

static unsigned collatz_steps(unsigned long n)
{
	unsigned steps = 0;

	while (n != 1) {
		n = (n & 1) ? 3 * n + 1 : n / 2;
		steps++;
	}
	return steps;
}

static unsigned mix(unsigned h, unsigned v)
{
	h ^= v;
	h *= 16777619u;
	return h;
}

/* The worker's job: a little branchy arithmetic; returns 0..255. */
static int worker_job(long k)
{
	unsigned h = 2166136261u;

	for (long i = 1; i <= 32; i++)
		h = mix(h, collatz_steps((unsigned long)(k * 32 + i)));
	return (int)(h & 0xff);
}

static void worker(long k, int use__exit)
{
	int code = worker_job(k) == 256 ? 1 : 0; /* never 1 */

	if (use__exit)
		_exit(code);
	exit(code);
}

int main(int argc, char **argv)
{
	long workers = argc > 1 ? strtol(argv[1], NULL, 10) : 2000;
	long jobs = argc > 2 ? strtol(argv[2], NULL, 10) : 4;
	const char *end = argc > 3 ? argv[3] : "mixed";
	long started = 0, running = 0, failed = 0;
	unsigned long checksum = 0;

	if (workers < 0 || jobs < 1 || (strcmp(end, "exit") &&
	    strcmp(end, "_exit") && strcmp(end, "mixed"))) {
		fprintf(stderr, "usage: collect_overhead_work [WORKERS [JOBS "
			"[exit|_exit|mixed]]]\n");
		return 2;
	}
	fflush(stdout);
	while (started < workers || running > 0) {
		if (started < workers && running < jobs) {
			int use__exit = !strcmp(end, "_exit") ||
					(!strcmp(end, "mixed") && started % 2);
			pid_t pid = fork();
			if (pid < 0) {
				perror("fork");
				return 1;
			}
			if (pid == 0)
				worker(started, use__exit);
			started++;
			running++;
			continue;
		}
		int status;
		if (wait(&status) < 0) {
			perror("wait");
			return 1;
		}
		running--;
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			failed++;
	}
	for (long k = 0; k < 64; k++)
		checksum += (unsigned long)worker_job(k);
	printf("workers %ld failed %ld checksum %lu\n", workers, failed,
	       checksum);
	return failed ? 1 : 0;
}
