/* SPDX-License-Identifier: MIT
 * rundir/rundir.h: the run directory's one owner (docs/run-directory.md).
 *
 * Every name inside a run directory, the frame format of the journal and
 * of the data files, and the rules that recognise a run are defined here
 * and nowhere else.  The format section below is header-only so that the
 * shim (collect/shim.c), which links nothing of covrun's, writes frames by
 * the same definition the readers check them with.
 */
#ifndef COVRUN_RUNDIR_H
#define COVRUN_RUNDIR_H

#include <stddef.h>
#include <stdint.h>

/* ======================= format (shared with the shim) ================= */

#define RUNDIR_FORMAT 2
#define RUNDIR_RUN_MAGIC_V1 "covrun-run 1"
#define RUNDIR_RUN_MAGIC "covrun-run 2"

/* Names inside a run directory. */
#define RUNDIR_LOCK "lock"
#define RUNDIR_INFO "run.info"
#define RUNDIR_COUNTER "counter"
#define RUNDIR_JOURNAL "journal"        /* format 2: process records */
#define RUNDIR_DATA "data"              /* format 2: data/<image> */
#define RUNDIR_IMG "img"                /* img/<image>/<gcda path> */
#define RUNDIR_PROC "proc"              /* format 1: proc/<image>.rec */
#define RUNDIR_UNATTRIBUTED "unattributed"
#define RUNDIR_FOLD "fold"

/* Frames: "@<kind> <length> <hash>\n" then LENGTH bytes of payload. */
#define RUNDIR_FRAME_RECORD 'r'         /* journal entry */
#define RUNDIR_FRAME_GCDA 'g'           /* data file entry: path NUL gcda */
#define RUNDIR_FRAME_HEAD_MAX 32        /* "@g " 20 digits " " 8 hex "\n" */

/* FNV-1a, 32 bits: the hash that tells a frame cut short from a whole one
 * (docs/run-directory.md, "Frames").  Async-signal-safe. */
static inline uint32_t rundir_hash(const void *p, size_t n)
{
	const unsigned char *s = p;
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < n; i++) {
		h ^= s[i];
		h *= 16777619u;
	}
	return h;
}

#endif
