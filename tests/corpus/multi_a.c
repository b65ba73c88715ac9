/* Corpus: two objects sharing inline header code (with multi_b.c). */
#include <stdio.h>
#include "inl.h"

int multi_b(int x);

int main(int argc, char **argv)
{
	int s = 0;

	(void)argv;
	for (int i = 0; i < argc + 3; i++)
		s += inl_pick(inl_square(i), multi_b(i));
	printf("%d\n", INL_TWICE(s));
	return 0;
}
