// Corpus header: classes with inline and virtual members, used by two
// objects (classes.cpp, shapes.cpp).
#ifndef CORPUS_SHAPES_H
#define CORPUS_SHAPES_H

#include <string>

struct Shape {
	virtual ~Shape() {}
	virtual double area() const = 0;
	virtual std::string name() const { return "shape"; }
	bool bigger(const Shape &o) const { return area() > o.area(); }
};

struct Rect : Shape {
	double w, h;
	Rect(double a, double b) : w(a), h(b) {}
	double area() const override { return w * h; }
	std::string name() const override { return w == h ? "square" : "rect"; }
};

struct Vec {
	int x, y;
	Vec operator+(const Vec &o) const { return Vec{x + o.x, y + o.y}; }
	bool operator==(const Vec &o) const { return x == o.x && y == o.y; }
};

Shape *make_shape(int kind);
int count_big(Shape **v, int n, const Shape &ref);

#endif
