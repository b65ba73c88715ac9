/* Corpus: a root process that forks workers and execs a helper image, all
 * ending normally, so in-place gcov data and covrun's per-image data
 * describe the same run (tests/merge/test_e2e.py). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static int work(int kind, int n)
{
	int s = 0;
	for (int i = 0; i < n; i++) {
		if (kind == 0)
			s += i;
		else if (kind == 1)
			s -= i;
		else
			s ^= i;
	}
	return s;
}

static void child(int kind)
{
	printf("child %d: %d\n", kind, work(kind, 10 + kind));
	exit(0);
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "helper")) {
		printf("helper: %d\n", work(2, 5));
		return 0;
	}
	for (int k = 0; k < 3; k++) {
		pid_t p = fork();
		if (p == 0)
			child(k);
		waitpid(p, NULL, 0);
	}
	pid_t p = fork();
	if (p == 0) {
		execl(argv[0], argv[0], "helper", (char *)NULL);
		_exit(127);
	}
	waitpid(p, NULL, 0);
	printf("root: %d\n", work(0, 3));
	return 0;
}
