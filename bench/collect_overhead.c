/* SPDX-License-Identifier: MIT
 * bench/collect_overhead.c: what collection under covrun costs a
 * fork-heavy program, against the same program writing its gcov data in
 * place (plain --coverage), in the same run.
 *
 * Runs the workload (collect_overhead_work, built with --coverage) REPS
 * times each way, alternating the two so that machine noise hits both,
 * and prints one machine-readable line per measurement and a summary:
 *
 *   collect_overhead mode=plain rep=1 workers=2000 jobs=4 end=mixed
 *       wall_s=0.512345
 *   collect_overhead mode=cleanup rep=2 ... wall_s=0.101234
 *   collect_overhead mode=covrun rep=1 ... wall_s=0.601234
 *   collect_overhead summary workers=2000 jobs=4 end=mixed reps=5
 *       plain_median_s=... covrun_median_s=... ratio=1.17
 *       per_image_ms=... cleanup_median_s=...
 *
 * (each on one line).  The plain run deletes the workload's gcda before
 * each repetition.  Before each covrun repetition the previous run
 * directory is deleted, timed on its own (mode=cleanup: what deleting a
 * run costs, not part of the ratio; not measured when there is none
 * yet, as before the first repetition); covrun then starts on a fresh
 * directory.  covrun's wall time includes its own start, waiting and
 * end-of-run checks, not the merge and reports (--no-report).
 * per_image_ms is (covrun - plain) / workers.  Both run in the
 * workload's directory.
 *
 * usage: collect_overhead --covrun PATH --work PATH [--workers N]
 *                         [--jobs N] [--end exit|_exit|mixed] [--reps N]
 *                         [--data-dir DIR]
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Run ARGV in DIR with stdout to /dev/null; returns the exit status or
 * -1. */
static int run(const char *dir, char *const argv[])
{
	pid_t pid = fork();
	int status;

	if (pid < 0)
		return -1;
	if (pid == 0) {
		int fd = open("/dev/null", O_WRONLY);
		if (fd >= 0)
			dup2(fd, 1);
		if (chdir(dir) < 0) {
			perror(dir);
			_exit(127);
		}
		execv(argv[0], argv);
		perror(argv[0]);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static int remove_gcda(const char *path, const struct stat *st, int type,
		       struct FTW *ftw)
{
	size_t n = strlen(path);

	(void)st;
	(void)ftw;
	if (type == FTW_F && n > 5 && !strcmp(path + n - 5, ".gcda"))
		unlink(path);
	return 0;
}

static int remove_any(const char *path, const struct stat *st, int type,
		      struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (type == FTW_DP)
		rmdir(path);
	else
		unlink(path);
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: collect_overhead --covrun PATH --work PATH "
		"[--workers N] [--jobs N]\n"
		"                        [--end exit|_exit|mixed] [--reps N] "
		"[--data-dir DIR]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	const char *covrun = NULL, *work = NULL, *end = "mixed";
	const char *data_dir = NULL;
	char workers[32] = "2000", jobs[32] = "4", data_buf[4200];
	char workdir[4096], work_abs[4096];
	int reps = 5;

	for (int i = 1; i < argc; i++) {
		const char *o = argv[i];
		if (i + 1 >= argc)
			usage();
		if (!strcmp(o, "--covrun"))
			covrun = argv[++i];
		else if (!strcmp(o, "--work"))
			work = argv[++i];
		else if (!strcmp(o, "--workers"))
			snprintf(workers, sizeof(workers), "%s", argv[++i]);
		else if (!strcmp(o, "--jobs"))
			snprintf(jobs, sizeof(jobs), "%s", argv[++i]);
		else if (!strcmp(o, "--end"))
			end = argv[++i];
		else if (!strcmp(o, "--reps"))
			reps = (int)strtol(argv[++i], NULL, 10);
		else if (!strcmp(o, "--data-dir"))
			data_dir = argv[++i];
		else
			usage();
	}
	if (!covrun || !work || reps < 1 || reps > 1000)
		usage();
	if (!realpath(work, work_abs)) {
		perror(work);
		return 1;
	}
	work = work_abs;
	/* The workload's gcda live next to its gcno: in its directory. */
	snprintf(workdir, sizeof(workdir), "%s", work);
	dirname(workdir);
	if (!data_dir) {
		snprintf(data_buf, sizeof(data_buf), "%s/.covrun-bench",
			 workdir);
		data_dir = data_buf;
	}

	char *plain_argv[] = { (char *)work, workers, jobs, (char *)end,
			       NULL };
	char *cov_argv[] = { (char *)covrun, "run", "--quiet", "--no-report",
			     "--force",
			     "--data-dir", (char *)data_dir, "--",
			     (char *)work, workers, jobs, (char *)end, NULL };
	double *t_plain = calloc((size_t)reps, sizeof(double));
	double *t_cov = calloc((size_t)reps, sizeof(double));
	double *t_rm = calloc((size_t)reps, sizeof(double));

	int nrm = 0; /* cleanups measured (not before the first run) */

	if (!t_plain || !t_cov || !t_rm)
		return 1;
	for (int r = 0; r < reps; r++) {
		for (int m = 0; m < 2; m++) {
			/* Alternate which mode goes first. */
			int covmode = (r + m) % 2;
			double t0, t;
			int rc;

			if (!covmode) {
				nftw(workdir, remove_gcda, 16, FTW_PHYS);
			} else if (access(data_dir, F_OK) == 0) {
				t0 = now_s();
				nftw(data_dir, remove_any, 16,
				     FTW_PHYS | FTW_DEPTH);
				t_rm[nrm] = now_s() - t0;
				printf("collect_overhead mode=cleanup rep=%d "
				       "workers=%s jobs=%s end=%s "
				       "wall_s=%.6f\n", r + 1, workers, jobs,
				       end, t_rm[nrm++]);
			}
			t0 = now_s();
			rc = run(workdir, covmode ? cov_argv : plain_argv);
			t = now_s() - t0;
			if (rc != 0) {
				fprintf(stderr,
					"collect_overhead: %s run failed "
					"with status %d\n",
					covmode ? "covrun" : "plain", rc);
				return 1;
			}
			(covmode ? t_cov : t_plain)[r] = t;
			printf("collect_overhead mode=%s rep=%d workers=%s "
			       "jobs=%s end=%s wall_s=%.6f\n",
			       covmode ? "covrun" : "plain", r + 1, workers,
			       jobs, end, t);
			fflush(stdout);
		}
	}
	double mp = median(t_plain, reps), mc = median(t_cov, reps);
	double mr = nrm ? median(t_rm, nrm) : 0.0;
	long nw = strtol(workers, NULL, 10);
	printf("collect_overhead summary workers=%s jobs=%s end=%s reps=%d "
	       "plain_median_s=%.6f covrun_median_s=%.6f ratio=%.3f "
	       "per_image_ms=%.4f cleanup_median_s=%.6f\n",
	       workers, jobs, end, reps, mp, mc, mp > 0 ? mc / mp : 0.0,
	       nw > 0 ? (mc - mp) * 1000.0 / (double)nw : 0.0, mr);
	free(t_rm);
	free(t_plain);
	free(t_cov);
	return 0;
}
