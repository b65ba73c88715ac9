// Corpus: C++ exceptions, destructors, catch and rethrow.
#include <cstdio>
#include <stdexcept>
#include <string>
#include <vector>

struct Guard {
	int *n;
	explicit Guard(int *p) : n(p) { ++*n; }
	~Guard() { --*n; }
};

static int thrower(int x)
{
	if (x % 3 == 0)
		throw std::runtime_error("three");
	if (x % 5 == 0)
		throw x;
	return x * 2;
}

static int guarded(int x, int *live)
{
	Guard g(live);
	std::string s = std::to_string(x);
	return thrower(x) + (int)s.size();
}

static int catcher(int x, int *live)
{
	try {
		return guarded(x, live);
	} catch (const std::runtime_error &e) {
		return -1;
	} catch (int v) {
		if (v > 10)
			throw;
		return -2;
	}
}

int main(int argc, char **)
{
	int live = 0, sum = 0;
	std::vector<int> v;
	for (int i = 1; i < 12 + argc; i++) {
		try {
			sum += catcher(i, &live);
		} catch (...) {
			sum += 1000;
		}
		v.push_back(sum);
	}
	std::printf("%d %d %zu\n", sum, live, v.size());
	return 0;
}
