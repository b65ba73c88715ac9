#!/usr/bin/python3
# SPDX-License-Identifier: MIT
# tests/report/check_gcovr.py: covrun's Cobertura equals gcovr's, line by
# line, on the same in-place gcov data.
#
#   check_gcovr.py COVRUN COBERTURA.RNG
#
# Builds a small C program with --coverage (branches, a loop, a fork, an
# inline function in a header shared by two objects, a function never
# called, an exclusion marker), runs it twice so the gcda are written in
# place, then compares `covrun report BUILD` with Debian's gcovr on every
# line: hits and condition-coverage.  With g++, a C++ program too (class
# with constructor clones and a const overload, a template instantiated
# twice, exceptions).  Two gcovr 5.2 quirks are the only differences
# allowed: it drops zero-count lines that hold only "}", "{", "else" or a
# comment (its _is_non_code), and it counts template lines twice.  gcc, g++,
# gcovr and xmllint are required: a missing one fails the test, naming it.
import os
import re
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "harness"))
from softcheck import check, failures, status  # noqa: E402
import require  # noqa: E402


PROG = r'''#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>
#include "shared.h"

int helper(int x);

static int never(int x)
{
	if (x > 3)
		return x * 2;
	return 0;
}

static int classify(int x)
{
	if (x < 0)
		return -1;
	else if (x == 0)
		return 0;
	switch (x % 3) {
	case 0: return 3;
	case 1: return 1;
	default: return 2;
	}
}

int main(int argc, char **argv)
{
	int sum = 0;
	pid_t pid;

	for (int i = -2; i < argc * 4; i++)
		sum += classify(i) + twice(i);
	if (argc > 1 && argv[1][0] == 'x')
		sum += never(argc); /* LCOV_EXCL_LINE */
	pid = fork();
	if (pid == 0) {
		sum += helper(sum);
		exit(sum & 1);
	}
	waitpid(pid, NULL, 0);
	printf("%d\n", sum > 0 && argc < 100 ? sum : -sum);
	return 0;
}
'''

HELPER = r'''#include "shared.h"

int helper(int x)
{
	int r = 0;
	while (x > 10) {
		r += twice(x);
		x /= 3;
	}
	return r ? r : 1;
}
'''

SHARED = r'''static inline int twice(int x)
{
	return x > 1000 ? x : 2 * x;
}
'''

CPP = r'''#include <stdexcept>
#include <string>
#include <vector>

namespace demo {
class Box {
public:
	explicit Box(int v) : v_(v) {}
	~Box() {}
	int get() const { return v_; }
	int get() { return v_ + 1; }
private:
	int v_;
};

template <typename T> T twice(T x)
{
	return x + x;
}
} // namespace demo

static int may_throw(int x)
{
	if (x > 2)
		throw std::runtime_error("big");
	return x;
}

int main(int argc, char **argv)
{
	demo::Box b(argc);
	const demo::Box c(2);
	std::vector<int> v;
	int sum = b.get() + c.get();
	for (int i = 0; i < 5; i++) {
		try {
			sum += may_throw(i);
		} catch (const std::exception &e) {
			sum -= 1;
		}
	}
	auto add = [&](int k) { return sum + k; };
	sum = add(demo::twice(1)) + (int)demo::twice(2.0);
	std::string s(argv[0]);
	return s.empty() ? sum : 0;
}
'''

# Lines of a template with two instantiations: gcov's text output gives
# the line's total and then each instantiation's count, and gcovr 5.2 adds
# them all up (2 x the count that gcov --json-format and covrun give).
GCOVR_DOUBLES = {("cpp.cc", 16), ("cpp.cc", 18)}

NONCODE = re.compile(r"^\s*(\}|\{|else|\}\s*else\s*\{?|//.*|/\*.*\*/)?\s*$")


def run(cmd, **kw):
    return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True, **kw)


def build_fixture(tmp, gcc):
    """Write the sources under TMP/src, build TMP/build/prog."""
    src = os.path.join(tmp, "src")
    build = os.path.join(tmp, "build")
    os.makedirs(src)
    os.makedirs(build)
    for name, text in (("prog.c", PROG), ("helper.c", HELPER),
                       ("shared.h", SHARED)):
        with open(os.path.join(src, name), "w") as f:
            f.write(text)
    for name in ("prog.c", "helper.c"):
        r = run([gcc, "-O0", "--coverage", "-c", "-o",
                 os.path.join(build, name[:-2] + ".o"),
                 os.path.join(src, name)], cwd=build)
        check(r.returncode == 0, "compile: " + r.stderr)
    r = run([gcc, "--coverage", "-o", os.path.join(build, "prog"),
             os.path.join(build, "prog.o"),
             os.path.join(build, "helper.o")], cwd=build)
    check(r.returncode == 0, "link: " + r.stderr)
    return src, build


def build_cpp(src, build, gxx):
    """Build BUILD/cppprog from a C++ source (clones, templates, throw)."""
    with open(os.path.join(src, "cpp.cc"), "w") as f:
        f.write(CPP)
    r = run([gxx, "-O0", "--coverage", "-o", os.path.join(build, "cppprog"),
             os.path.join(src, "cpp.cc")], cwd=build)
    check(r.returncode == 0, "compile C++: " + r.stderr)
    run([os.path.join(build, "cppprog")], cwd=build)


def lines_by_file(path):
    doc = ET.parse(path).getroot()
    out = {}
    for c in doc.iter("class"):
        ls = {}
        for l in c.find("lines"):
            ls[int(l.get("number"))] = (int(l.get("hits")),
                                       l.get("condition-coverage"))
        out[c.get("filename")] = ls
    return doc, out


def main():
    covrun, rng = sys.argv[1], sys.argv[2]
    gcc = require.tool("gcc", "gcc")
    gxx = require.tool("g++", "g++")
    gcovr = require.tool("gcovr", "gcovr")
    xmllint = require.tool("xmllint", "libxml2-utils")
    tmp = tempfile.mkdtemp(prefix="covrun-gcovr-")
    try:
        src, build = build_fixture(tmp, gcc)
        run([os.path.join(build, "prog")], cwd=build)
        run([os.path.join(build, "prog"), "a", "b"], cwd=build)
        build_cpp(src, build, gxx)
        want = ["cpp.cc", "helper.c", "prog.c", "shared.h"]

        gx = os.path.join(tmp, "gcovr.xml")
        r = run([gcovr, "-r", src, "--object-directory", build, "--xml",
                 gx, build], cwd=tmp)
        check(r.returncode == 0, "gcovr: " + r.stderr)
        cx = os.path.join(tmp, "covrun.xml")
        r = run([covrun, "report", build, "--root", src, "--cobertura", cx,
                 "--no-html", "--json", os.path.join(tmp, "c.json")],
                cwd=tmp)
        check(r.returncode == 0, "covrun report: %s %s" % (r.stdout,
                                                          r.stderr))
        if failures:
            return 1
        r = run([xmllint, "--noout", "--nonet", "--relaxng", rng, cx])
        check(r.returncode == 0, "covrun.xml valid: " + r.stderr)
        _, g = lines_by_file(gx)
        cdoc, c = lines_by_file(cx)
        check(sorted(g) == sorted(c) == want,
              "same files: gcovr %r covrun %r" % (sorted(g), sorted(c)))
        compared = 0
        for fname in sorted(set(g) & set(c)):
            with open(os.path.join(src, fname)) as f:
                text = f.read().split("\n")
            for n in sorted(set(g[fname]) | set(c[fname])):
                gv, cv = g[fname].get(n), c[fname].get(n)
                if gv is None and cv is not None and cv[0] == 0 and \
                        NONCODE.match(text[n - 1]):
                    continue  # gcovr 5.2's non-code heuristic
                if (fname, n) in GCOVR_DOUBLES and gv and cv and \
                        gv == (2 * cv[0], cv[1]):
                    continue  # gcovr 5.2 counts template lines twice
                check(gv == cv, "%s:%d gcovr %r covrun %r (%s)" %
                      (fname, n, gv, cv, text[n - 1].strip()))
                compared += 1
        check(compared > 30, "compared %d lines" % compared)
        for cl in cdoc.iter("class"):
            ms = [(m.get("name"), m.get("signature"))
                  for m in cl.iter("method")]
            check(len(ms) == len(set(ms)), "methods unique in %s: %r" %
                  (cl.get("filename"), ms))
            if cl.get("filename") == "cpp.cc":
                names = {m[0] for m in ms}
                check({"demo::Box::Box", "demo::Box::get", "main"} <=
                      names, "C++ method names: %r" % sorted(ms))
                check(("demo::Box::get", "() const") in ms,
                      "const overload keeps its signature: %r" % ms)
        check(os.path.basename(cdoc.find("sources/source").text) == "src",
              "source is the root")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if status():
        return 1
    print("covrun Cobertura equals gcovr's on %d lines" % compared)
    return 0


if __name__ == "__main__":
    sys.exit(main())
