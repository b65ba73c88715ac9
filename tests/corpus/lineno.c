/* Corpus: #line directives, code attributed to another file name. */
#include <stdio.h>

static int before(int x)
{
	return x * 2;
}

#line 500 "virtual_lineno.c"
static int moved(int x)
{
	if (x > 2)
		return x - 1;
	return x + 1;
}
#line 20 "lineno.c"

static int after(int x)
{
	int s = 0;
	while (x--)
		s += moved(x);
	return s;
}

int main(int argc, char **argv)
{
	(void)argv;
	printf("%d %d\n", before(argc), after(argc + 4));
	return 0;
}
