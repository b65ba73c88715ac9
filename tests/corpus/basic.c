/* Corpus: switch, goto, loops, early returns, macros, one-line code. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CLAMP(x, lo, hi) ((x) < (lo) ? (lo) : (x) > (hi) ? (hi) : (x))
#define SWAP(a, b) do { int t_ = (a); (a) = (b); (b) = t_; } while (0)

static int classify(int c)
{
	switch (c) {
	case 0:
		return 10;
	case 1:
	case 2:
		return 20;
	case 3:
		c += 5;
		/* fall through */
	case 4:
		return c * 2;
	default:
		break;
	}
	if (c < 0)
		return -1;
	return 0;
}

static int find(const int *v, int n, int key)
{
	for (int i = 0; i < n; i++) {
		if (v[i] == key)
			return i;
		if (v[i] > key)
			goto notfound;
	}
notfound:
	return -1;
}

static int one_line_loop(int n) { int s = 0; for (int i = 0; i < n; i++) s += i & 1 ? i : -i; return s; }
static int a1(int x) { return x + 1; } static int a2(int x) { return x ? a1(x) : 0; }

static int nested(int n)
{
	int s = 0;
	for (int i = 0; i < n; i++)
		for (int j = 0; j < i; j++) {
			if ((i + j) % 3 == 0)
				continue;
			if (j > 5)
				break;
			s += CLAMP(i - j, 0, 3);
		}
	while (s > 100)
		s /= 2;
	do { s++; } while (s % 7);
	return s;
}

/* GCC's labels as values: a computed goto */
static int dispatch(const char *ops)
{
	static void *table[] = { &&inc, &&dbl, &&end };
	int v = 1;
#define NEXT goto *table[*ops++ - '0']
	NEXT;
inc:
	v++;
	NEXT;
dbl:
	v *= 2;
	NEXT;
end:
	return v;
#undef NEXT
}

static int never_called(int x)
{
	if (x)
		return 1;
	return 2;
}

int main(int argc, char **argv)
{
	int v[] = { 1, 3, 5, 7, 9, 11 };
	int total = 0, a = 1, b = 2;

	for (int i = -1; i < 7 + argc; i++)
		total += classify(i);
	total += find(v, 6, 7) + find(v, 6, 4) + find(v, 6, 100);
	total += one_line_loop(argc * 5);
	total += a2(argc) + a2(0);
	total += nested(argc * 6);
	SWAP(a, b);
	total += dispatch(argc > 2 ? "01012" : "1102");
	if (argc > 3 && strcmp(argv[1], "never") == 0)
		total += never_called(argc);
	if (total == 12345)
		abort();
	printf("%d %d %d\n", total, a, b);
	return 0;
}
