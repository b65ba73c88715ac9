/* Corpus header: inline functions used from several objects. */
#ifndef CORPUS_INL_H
#define CORPUS_INL_H

static inline int inl_square(int x)
{
	return x * x;
}

static inline int inl_pick(int a, int b)
{
	if (a > b)
		return a;
	return b;
}

#define INL_TWICE(e) ((e) + (e))

#endif
