#!/usr/bin/python3
# SPDX-License-Identifier: MIT
# tests/report/check_accounting.py: what exclusion markers and filters take
# out of the totals is said, never silent.
#
#   check_accounting.py COVRUN
#
# A program of two files, built and run in place: main.c wraps a function
# in LCOV_EXCL_START/STOP, other.c is left out with --exclude.  The expected
# numbers come from gcov's own JSON for the same data: the lines, branches
# and functions inside the marked region, and everything of other.c.  The
# summary, the JSON ("excluded") and the HTML index must say exactly those,
# and each source is read once per report (strace counts the opens).
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "harness"))
from softcheck import check, failures  # noqa: E402
from covtest import strace_env, strace_per_process  # noqa: E402

MAIN = r"""int other(int);

/* LCOV_EXCL_START */
static int scan(int c)
{
	if (c > 2)
		return c * 2;
	return c + 1;
}
/* LCOV_EXCL_STOP */

int main(int argc, char **argv)
{
	(void)argv;
	return scan(argc) + other(argc) > 100;
}
"""
OTHER = r"""int other(int n)
{
	int s = 0;
	for (int i = 0; i < n; i++)
		s += i;
	return s;
}
"""


def gcov_json(tmp, gcda):
    r = subprocess.run(["gcov", "-b", "--json-format", "--stdout", gcda],
                       cwd=tmp, stdout=subprocess.PIPE,
                       stderr=subprocess.DEVNULL, text=True, check=True)
    d = json.loads(r.stdout.splitlines()[0])
    return next(f for f in d["files"] if not f["file"].startswith("/usr"))


def items(f, first=0, last=1 << 30):
    """(lines, branches, functions) of gcov file F within [FIRST, LAST]."""
    ls = [ln for ln in f["lines"] if first <= ln["line_number"] <= last]
    return (len(ls), sum(len(ln["branches"]) for ln in ls),
            sum(1 for fn in f["functions"]
                if first <= fn["start_line"] <= last))


def main():
    covrun = os.path.abspath(sys.argv[1])
    tmp = tempfile.mkdtemp(prefix="covrun-accounting-")
    try:
        for name, text in (("main.c", MAIN), ("other.c", OTHER)):
            with open(os.path.join(tmp, name), "w") as f:
                f.write(text)
        subprocess.run(["gcc", "--coverage", "-O0", "-o", "prog", "main.c",
                        "other.c"], cwd=tmp, check=True)
        subprocess.run(["./prog"], cwd=tmp,
                       env=dict(os.environ, COVRUN_DIR=""))
        src = MAIN.splitlines()
        start = 1 + next(i for i, s in enumerate(src) if "EXCL_START" in s)
        stop = 1 + next(i for i, s in enumerate(src) if "EXCL_STOP" in s)
        gm = gcov_json(tmp, "prog-main.gcda")
        go = gcov_json(tmp, "prog-other.gcda")
        marked = items(gm, start, stop)
        dropped = items(go)
        check(all(marked) and all(dropped), "fixture: %r %r" %
              (marked, dropped))
        cases(covrun, tmp, marked, dropped)
        read_once(covrun, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if failures:
        return 1
    print("exclusion accounting OK")
    return 0


def cases(covrun, tmp, marked, dropped):
    r = subprocess.run([covrun, "report", "--root", ".", "--exclude",
                        "other", "--summary=full", "--json", "r.json",
                        "--html", "h", "."], cwd=tmp,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True)
    check(r.returncode == 0, "report: %d %s" % (r.returncode, r.stderr))
    want_m = ("excluded by markers: %d lines, %d branches, %d functions "
              "in 1 file" % marked)
    want_f = ("left out by --root/--filter/--exclude: %d lines, %d "
              "branches, %d functions in 1 file" % dropped)
    check(want_m in r.stdout, "summary says %r: %s" % (want_m, r.stdout))
    check(want_f in r.stdout, "summary says %r: %s" % (want_f, r.stdout))
    check(re.search(r"^  main\.c: %d lines" % marked[0], r.stdout, re.M) and
          re.search(r"^  other\.c: %d lines" % dropped[0], r.stdout, re.M),
          "full summary names the files")
    with open(os.path.join(tmp, "r.json")) as f:
        ex = json.load(f)["excluded"]
    for key, want, path in (("markers", marked, "main.c"),
                            ("filters", dropped, "other.c")):
        got = ex[key]
        check((got["lines"], got["branches"], got["functions"]) == want and
              [x["path"] for x in got["files"]] == [path],
              "JSON excluded.%s: %r, want %r in %s" % (key, got, want, path))
    with open(os.path.join(tmp, "h", "index.html")) as f:
        index = f.read()
    rows = re.findall(r'<li class="lo"><span><span class="sw x"></span>'
                      r'([a-z ]+)</span><b>(\d+)</b>', index)
    want = [("excluded by markers", marked[0]),
            ("left out by filters", dropped[0]),
            ("excluded by markers", marked[1]),
            ("left out by filters", dropped[1]),
            ("excluded by markers", marked[2]),
            ("left out by filters", dropped[2])]
    check([(a, int(b)) for a, b in rows] == want,
          "HTML cards: %r, want %r" % (rows, want))
    check("<code>main.c</code> markers" in index and
          "<code>other.c</code> left out" in index,
          "HTML index names the files")


def read_once(covrun, tmp):
    """Each source is read once per report, markers and HTML together
    (strace counts the opens of main.c by covrun)."""
    log = os.path.join(tmp, "strace.log")
    env = strace_env()
    r = subprocess.run(["strace", "-ff", "-e", "trace=open,openat",
                        "-o", log, covrun, "report", "--root", ".",
                        "--html", "h2", "--json", "r2.json", "."],
                       cwd=tmp, env=env, stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE, text=True)
    check(r.returncode == 0, "strace report: %d %s" % (r.returncode,
                                                         r.stderr))
    # one file per thread: a call is never split over two lines
    opens = [ln for lines in strace_per_process(log).values()
             for ln in lines if "main.c\"" in ln and "= -1" not in ln]
    check(len(opens) == 1, "main.c opened %d times, want 1: %r" %
          (len(opens), opens))


if __name__ == "__main__":
    sys.exit(main())
