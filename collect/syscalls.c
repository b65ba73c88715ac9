/* SPDX-License-Identifier: MIT
 * collect/syscalls.c: the real functions behind the shim's wrappers.
 *
 * Every libc function the shim replaces is called through this one table
 * (SQLite's aSyscall[] idea): the shared shim resolves it with
 * dlsym(RTLD_NEXT); the static runtime, which wraps nothing by symbol
 * interposition, points it at libc directly.
 */
#define _GNU_SOURCE
#include "collect/internal.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

struct real_calls real;

static void __attribute__((noreturn)) exit_syscall(int status)
{
	for (;;)
		syscall(SYS_exit_group, status);
}

#ifdef COVRUN_RUNTIME
void real_calls_init(void)
{
	real.execve = execve;
	real.execvpe = execvpe;
	real.fexecve = fexecve;
	real.posix_spawn = posix_spawn;
	real.posix_spawnp = posix_spawnp;
	real.sigaction = sigaction;
	real.system = system;
	real.popen = popen;
	real.exit_ = exit_syscall;
}
#else
#define RESOLVE(field, name)                                                \
	do {                                                                \
		if (!real.field)                                            \
			*(void **)&real.field = dlsym(RTLD_NEXT, name);     \
	} while (0)

void real_calls_init(void)
{
	RESOLVE(execve, "execve");
	RESOLVE(execvpe, "execvpe");
	RESOLVE(fexecve, "fexecve");
	RESOLVE(posix_spawn, "posix_spawn");
	RESOLVE(posix_spawnp, "posix_spawnp");
	RESOLVE(sigaction, "sigaction");
	RESOLVE(system, "system");
	RESOLVE(popen, "popen");
	RESOLVE(exit_, "_exit");
	RESOLVE(vfork, "vfork");
	RESOLVE(open, "open");
	RESOLVE(open64, "open64");
	RESOLVE(fdopen, "fdopen");
	RESOLVE(close, "close");
	if (!real.exit_)
		real.exit_ = exit_syscall;
}
#endif
