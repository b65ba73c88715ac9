/* SPDX-License-Identifier: MIT
 * gcov/demangle.c: C++ names demangled exactly as gcov does.
 *
 * gcov prints libiberty's cplus_demangle(name, DMGL_PARAMS) and falls back
 * to the raw name (docs/gcov-format.md §4.6); __cxa_demangle
 * differs in verbose forms, so libiberty is used and confined to this
 * file.  Interface: gcov/gcov.h (gcov_demangle).
 */
#include "gcov/gcov.h"

#include <libiberty/demangle.h>
#include <stdlib.h>

char *gcov_demangle(const char *name)
{
	char *d = cplus_demangle(name, DMGL_PARAMS);
	char *out;

	if (!d)
		return cr_xstrdup(name);
	out = cr_xstrdup(d);
	free(d);
	return out;
}
