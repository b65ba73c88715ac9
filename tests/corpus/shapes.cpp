// Corpus: second object of the classes program.
#include "shapes.h"

namespace {
struct Circle : Shape {
	double r;
	explicit Circle(double x) : r(x) {}
	double area() const override { return 3.14159 * r * r; }
};
}

Shape *make_shape(int kind)
{
	switch (kind % 3) {
	case 0:
		return new Rect(kind, kind);
	case 1:
		return new Rect(kind, 2);
	default:
		return new Circle(kind);
	}
}

int count_big(Shape **v, int n, const Shape &ref)
{
	int c = 0;
	for (int i = 0; i < n; i++)
		if (v[i]->bigger(ref))
			c++;
	return c;
}
