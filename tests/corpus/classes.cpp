// Corpus: virtual calls, inline members from a header, operators.
#include <cstdio>
#include "shapes.h"

int main(int argc, char **)
{
	Shape *v[8];
	Rect ref(3, 3);
	Vec a{1, 2}, b{argc, 0};
	int n = 0;

	for (int i = 0; i < 8; i++)
		v[i] = make_shape(i + argc);
	for (int i = 0; i < 8; i++)
		n += v[i]->name() == "square";
	std::printf("%d %d %d\n", count_big(v, 8, ref), n, (a + b) == a);
	for (int i = 0; i < 8; i++)
		delete v[i];
	return 0;
}
