/* SPDX-License-Identifier: MIT
 * examples/prefork-server/digest.c: the helper program a worker of
 * server.c starts with posix_spawn for "digest" requests.  Prints the
 * FNV-1a hash of its argument, in hex, and exits normally.
 *
 * usage: digest TEXT
 */
#include <stdint.h>
#include <stdio.h>

static uint32_t fnv1a(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 16777619u;
	}
	return h;
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: digest TEXT\n");
		return 2;
	}
	printf("%08x\n", (unsigned)fnv1a(argv[1]));
	return 0;
}
