/* SPDX-License-Identifier: MIT
 * common/workers.c: the one way covrun runs work on several threads.
 *
 * Reading count files (merge/merge.c) and solving objects
 * (merge/build.c) both take tasks from a shared queue on a few threads
 * and wait for all of them.  Interface: common/common.h.
 */
#include "common/common.h"

#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

#define MAX_WORKERS 64

int cr_worker_count(long requested, size_t ntasks)
{
	long n = requested;

	if (n <= 0)
		n = sysconf(_SC_NPROCESSORS_ONLN);
	if (n <= 0)
		n = 1;
	if (n > MAX_WORKERS)
		n = MAX_WORKERS;
	if ((size_t)n > ntasks)
		n = ntasks ? (long)ntasks : 1;
	return (int)n;
}

int cr_run_workers(int nthreads, void *(*work)(void *), void *args,
		   size_t arg_size)
{
	pthread_t th[MAX_WORKERS];
	char *base = args;
	int nt = nthreads < 1 ? 1
		 : nthreads > MAX_WORKERS ? MAX_WORKERS : nthreads;

	for (int k = 1; k < nt; k++)
		if (pthread_create(&th[k], NULL, work,
				   base + (size_t)k * arg_size)) {
			nt = k;
			break;
		}
	work(base);
	for (int k = 1; k < nt; k++)
		pthread_join(th[k], NULL);
	return nt;
}
