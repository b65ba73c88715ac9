/* SPDX-License-Identifier: MIT
 * bench/exec_cost.c: what one exec'd image costs, by configuration, for
 * bench/exec_cost.sh.  Run under `covrun run`, it starts PROG N times in
 * each configuration, one configuration after the other in every round
 * (so the machine's drift falls on all alike), with fork and execve as
 * system calls (the shim's wrappers would change the environment), and
 * prints the median and 10th/90th percentiles of each configuration's
 * start-to-reaped time and its page faults (from wait4).
 *
 *   exec_cost N PROG NAME=PRELOAD:ACTIVE ...
 *
 * PRELOAD is a library for LD_PRELOAD or "-" for none; ACTIVE 1 keeps
 * covrun's COVRUN_* and GCOV_PREFIX variables (the shim works), 0 drops
 * them (a shim loads and does nothing). */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#define MAX_CONFIGS 8

struct config {
	const char *name;
	char **env;
	double *us;
	long faults;
};

static double now_us(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

static int by_value(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* The environment of configuration SPEC ("NAME=PRELOAD:ACTIVE"). */
static int parse(char *spec, struct config *c, int n)
{
	char *eq = strchr(spec, '='), *colon = strrchr(spec, ':');
	size_t k = 0, count = 0;

	if (!eq || !colon || colon < eq)
		return -1;
	*eq = *colon = '\0';
	c->name = spec;
	while (environ[count])
		count++;
	c->env = calloc(count + 2, sizeof(char *));
	c->us = calloc((size_t)n, sizeof(double));
	if (!c->env || !c->us)
		return -1;
	for (char **e = environ; *e; e++) {
		int ours = !strncmp(*e, "COVRUN_", 7) ||
			   !strncmp(*e, "GCOV_PREFIX", 11);
		if (!strncmp(*e, "LD_PRELOAD=", 11) ||
		    (ours && colon[1] != '1'))
			continue;
		c->env[k++] = *e;
	}
	if (strcmp(eq + 1, "-")) {
		size_t len = strlen(eq + 1) + 12;
		char *p = malloc(len);
		if (!p)
			return -1;
		snprintf(p, len, "LD_PRELOAD=%s", eq + 1);
		c->env[k++] = p;
	}
	return 0;
}

static double run_once(char *prog, char **env, long *faults)
{
	struct rusage ru;
	double start = now_us();
	long pid = syscall(SYS_fork);
	int status;

	if (pid == 0) {
		char *argv[] = { prog, NULL };
		syscall(SYS_execve, prog, argv, env);
		syscall(SYS_exit_group, 127);
	}
	if (pid < 0 || wait4((pid_t)pid, &status, 0, &ru) < 0 ||
	    !WIFEXITED(status) || WEXITSTATUS(status)) {
		fprintf(stderr, "exec_cost: %s failed\n", prog);
		exit(1);
	}
	*faults += ru.ru_minflt;
	return now_us() - start;
}

int main(int argc, char **argv)
{
	struct config c[MAX_CONFIGS];
	int n = argc > 1 ? atoi(argv[1]) : 0, nc = argc - 3;

	if (n < 10 || nc < 1 || nc > MAX_CONFIGS) {
		fprintf(stderr, "usage: exec_cost N PROG NAME=PRELOAD:ACTIVE...\n");
		return 2;
	}
	for (int i = 0; i < nc; i++)
		if (parse(argv[3 + i], &c[i], n)) {
			fprintf(stderr, "exec_cost: bad configuration '%s'\n",
				argv[3 + i]);
			return 2;
		}
	for (int r = 0; r < n; r++)
		for (int i = 0; i < nc; i++)
			c[i].us[r] = run_once(argv[2], c[i].env, &c[i].faults);
	for (int i = 0; i < nc; i++) {
		qsort(c[i].us, (size_t)n, sizeof(double), by_value);
		printf("exec_cost config=%s n=%d median_us=%.1f p10_us=%.1f "
		       "p90_us=%.1f faults=%.1f\n", c[i].name, n,
		       c[i].us[n / 2], c[i].us[n / 10], c[i].us[n * 9 / 10],
		       (double)c[i].faults / n);
	}
	return 0;
}
