// Corpus: templates, many instantiations on one line, lambdas, inline
// member functions from a header.
#include <cstdio>
#include "tmpl.h"

template <int N> int tf(int x) { if (x > N) return x - N; return N; }

template <typename T>
T maxof(T a, T b)
{
	return a > b ? a : b;
}

template <int N> struct Rec { static int run(int x) { return Rec<N - 1>::run(x) + (x & N); } };
template <> struct Rec<0> { static int run(int x) { return x; } };

struct Global {
	int v;
	Global() : v(42) {}
	~Global() { v = 0; }
};
static Global g_global; // a static initializer: an artificial function
static Box<int> g_box(3);

int main(int argc, char **)
{
	int s = 0;
	s += tf<1>(argc) + tf<2>(argc) + tf<3>(argc) + tf<4>(argc) + tf<5>(argc);
	s += tf<6>(argc) + tf<7>(argc) + tf<8>(argc) + tf<9>(argc) + tf<10>(argc);
	s += tf<11>(argc) + tf<12>(argc) + tf<13>(argc) + tf<14>(argc);
	s += tf<15>(argc) + tf<16>(argc) + tf<17>(argc) + tf<18>(argc);
	s += tf<19>(argc) + tf<20>(argc) + tf<21>(argc) + tf<22>(argc);
	s += Rec<24>::run(argc);
	s += maxof(1, argc) + (int)maxof(2.0, 1.0 * argc) + maxof('a', 'b');
	auto l1 = [](int x) { return x + 1; }; auto l2 = [&](int y) { return y * s; };
	s += l1(argc) + l2(2);
	Box<int> bi(argc);
	Box<long> bl(7);
	s += bi.get() + (int)bl.get() + bi.twice() + Box<char>('x').get();
	std::printf("%d %d\n", s, g_global.v + g_box.get());
	return 0;
}
