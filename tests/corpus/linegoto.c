/* Corpus: the non-linear case of docs/gcov-format.md §6 (a one-line loop). */
#include <stdio.h>

static int hop(int from_b, int n)
{
	int s = 0;
	if (from_b) goto B;
	A: s++; if (n-- > 0) goto B; else goto out; B: s += 2; if (n-- > 0) goto A;
out:
	return s;
}

int main(int argc, char **argv)
{
	(void)argv;
	/* one run goes A->B, the other B->A: gcov counts the line once per
	 * run but three times on the summed counters */
	printf("%d\n", argc > 1 ? hop(1, 1) : hop(0, 1));
	return 0;
}
