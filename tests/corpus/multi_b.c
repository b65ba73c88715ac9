/* Corpus: second object of the multi program. */
#include "inl.h"

int multi_b(int x)
{
	if (x & 1)
		return inl_square(x + 1);
	return inl_pick(x, 3);
}
