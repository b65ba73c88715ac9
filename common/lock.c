/* SPDX-License-Identifier: MIT
 * common/lock.c: one covrun at a time in a directory.
 *
 * A run directory (and a "covrun merge -o" output) is held through the
 * file DIR/lock and a POSIX record lock on it (fcntl F_SETLK), taken
 * without waiting.  The kernel drops the lock when its holder ends, so a
 * crashed covrun never leaves a stale lock, and F_GETLK names the holder's
 * pid; the pid is also written into the file for people and for readers
 * in another pid namespace.  README.md, "Run directory", documents it.
 *
 * A POSIX lock belongs to the process and is dropped when the process
 * closes any descriptor of the file: covrun opens DIR/lock only here.
 */
#define _GNU_SOURCE
#include "common/common.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define LOCK_MAGIC "covrun-lock 1"

static void whole_file(struct flock *fl, short type)
{
	memset(fl, 0, sizeof(*fl));
	fl->l_type = type;
	fl->l_whence = SEEK_SET;
}

/* The pid written in the lock file open at FD, or 0. */
static pid_t written_pid(int fd)
{
	char buf[128];
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
	const char *p;
	long v;

	if (n <= 0)
		return 0;
	buf[n] = '\0';
	p = strstr(buf, "\npid ");
	if (!p || sscanf(p + 5, "%ld", &v) != 1 || v <= 0)
		return 0;
	return (pid_t)v;
}

/* Pid of the process holding the lock on FD, 0 when none, -1 when it is
 * held by a process we cannot see. */
static pid_t holder_of(int fd)
{
	struct flock fl;

	whole_file(&fl, F_WRLCK);
	if (fcntl(fd, F_GETLK, &fl) < 0 || fl.l_type == F_UNLCK)
		return 0;
	if (fl.l_pid > 0)
		return fl.l_pid;
	pid_t p = written_pid(fd);
	return p > 0 ? p : -1;
}

pid_t cr_lock_holder(const char *dir)
{
	char *path = cr_path_join(dir, "lock");
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	struct stat st;
	pid_t pid = 0;

	free(path);
	if (fd < 0)
		return 0;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode))
		pid = holder_of(fd);
	close(fd);
	return pid;
}

static enum cr_err busy(struct cr_error *err, const char *dir, pid_t pid)
{
	if (pid > 0)
		return cr_error_set(err, CR_EBUSY, dir, -1,
				    "in use by covrun (pid %ld)", (long)pid);
	return cr_error_set(err, CR_EBUSY, dir, -1, "in use by covrun");
}

/* Lock the file open at FD (PATH): CR_OK with *MOVED set when PATH no
 * longer names it (the previous holder moved DIR aside before we locked:
 * try again), CR_EBUSY when another process holds it. */
static enum cr_err take(int fd, const char *path, const char *dir,
			int *moved, struct cr_error *err)
{
	struct flock fl;
	struct stat a, b;

	if (fstat(fd, &a) < 0)
		return cr_error_errno(err, path, "cannot lock");
	if (!S_ISREG(a.st_mode))
		return cr_error_set(err, CR_EUSAGE, path, -1,
				    "is not a covrun lock file");
	whole_file(&fl, F_WRLCK);
	if (fcntl(fd, F_SETLK, &fl) < 0)
		return errno == EACCES || errno == EAGAIN
			       ? busy(err, dir, holder_of(fd))
			       : cr_error_errno(err, path, "cannot lock");
	*moved = stat(path, &b) < 0 || a.st_dev != b.st_dev ||
		 a.st_ino != b.st_ino;
	return CR_OK;
}

static enum cr_err write_pid(int fd, const char *path, struct cr_error *err)
{
	char text[64];
	int n = snprintf(text, sizeof(text), "%s\npid %ld\n", LOCK_MAGIC,
			 (long)getpid());

	if (ftruncate(fd, 0) < 0 || pwrite(fd, text, (size_t)n, 0) != n)
		return cr_error_errno(err, path, "cannot write");
	return CR_OK;
}

enum cr_err cr_lock_dir(const char *dir, int *lock_fd, struct cr_error *err)
{
	char *path = cr_path_join(dir, "lock");
	enum cr_err rc = CR_OK;
	int fd = -1, moved = 1;

	for (int tries = 0; rc == CR_OK && moved && tries < 10; tries++) {
		if (fd >= 0)
			close(fd);
		fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC |
					O_NONBLOCK, 0666);
		if (fd < 0)
			rc = cr_error_errno(err, path, "cannot lock");
		else
			rc = take(fd, path, dir, &moved, err);
	}
	if (rc == CR_OK && moved)
		rc = busy(err, dir, 0);
	if (rc == CR_OK)
		rc = write_pid(fd, path, err);
	if (rc != CR_OK && fd >= 0)
		close(fd);
	free(path);
	*lock_fd = rc == CR_OK ? fd : -1;
	return rc;
}
