/* SPDX-License-Identifier: MIT
 * tests/fuzz/fuzz_gcno.c: libFuzzer target for the gcno reader and the
 * per-object layout built from it (gcov/gcno.c, gcov/layout.c).  A gcno
 * that the reader accepts must be safe to lay out.
 */
#define _GNU_SOURCE
#include "gcov/gcov.h"

#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gcno_file g;
	struct layout lay;
	struct cr_error err;
	char path[64];
	int fd = memfd_create("fuzz.gcno", 0);

	if (fd < 0)
		return 0;
	if (write(fd, data, size) == (ssize_t)size) {
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		if (gcno_file_read(path, &g, &err) == CR_OK) {
			layout_build(&g, LAYOUT_NAMES_ABSOLUTE, &lay);
			layout_release(&lay);
			gcno_file_release(&g);
		}
	}
	close(fd);
	return 0;
}
