/* Corpus: setjmp/longjmp, exit from a callee, recursion. */
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>

static jmp_buf env;
static int depth;

static void deep(int n)
{
	depth++;
	if (n == 0)
		longjmp(env, depth);
	deep(n - 1);
	depth--;
}

static int fib(int n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }

static void maybe_exit(int code)
{
	if (code > 100) {
		printf("exiting\n");
		exit(0);
	}
}

int main(int argc, char **argv)
{
	int r;
	volatile int tries = 0;

	(void)argv;
	r = setjmp(env);
	if (r == 0) {
		tries++;
		deep(argc + 2);
	} else if (tries < 3) {
		tries++;
		depth = 0;
		deep(tries);
	}
	printf("%d %d %d\n", r, tries, fib(10 + argc));
	maybe_exit(argc);
	maybe_exit(argc * 1000);
	return 1;
}
