#!/usr/bin/python3
# SPDX-License-Identifier: MIT
# tests/report/check_unexecuted.py: objects no process ran count at 0%.
#
#   check_unexecuted.py COVRUN
#
# An out-of-source build (as ctest runs it) links prog from main.c and
# used.c and also compiles never.c, which no process runs (a gcno without
# any gcda).  By default covrun's report holds never.c with gcov's own
# view of its notes file alone (gcov "assuming not executed"): the same
# lines, branches and functions, all zero; the summary says how many files
# no process ran; --executed-only leaves never.c out.  A FIFO named like a
# notes file in the build tree is not read (no hang).
import json
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "harness"))
from softcheck import check, failures  # noqa: E402

MAIN = "int used(int);\nint main(int c, char **v)\n{\n\t(void)v;\n" \
       "\treturn used(c) > 5;\n}\n"
USED = "int used(int n)\n{\n\treturn n * 2;\n}\n"
NEVER = "int never(int x)\n{\n\tif (x > 3)\n\t\treturn x - 1;\n" \
        "\treturn x + 1;\n}\n\nint never_too(void)\n{\n\treturn 7;\n}\n"


def run(cmd, cwd, **kw):
    return subprocess.run(cmd, cwd=cwd, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True, timeout=120,
                          **kw)


def gcov_alone(build):
    """gcov's view of never.gcno without data: {line: (count, nbranches)}
    and the function names."""
    r = run(["gcov", "-b", "--json-format", "--stdout", "never.gcda"], build)
    f = json.loads(r.stdout.splitlines()[0])["files"][0]
    return ({ln["line_number"]: (ln["count"], len(ln["branches"]))
             for ln in f["lines"]},
            sorted(fn["name"] for fn in f["functions"]))


def main():
    covrun = os.path.abspath(sys.argv[1])
    tmp = tempfile.mkdtemp(prefix="covrun-unexecuted-")
    try:
        src, build = os.path.join(tmp, "src"), os.path.join(tmp, "build")
        os.makedirs(src)
        os.makedirs(build)
        for name, text in (("main.c", MAIN), ("used.c", USED),
                           ("never.c", NEVER)):
            with open(os.path.join(src, name), "w") as f:
                f.write(text)
        for name in ("main", "used", "never"):
            subprocess.run(["gcc", "--coverage", "-O0", "-c", "-o",
                            name + ".o", os.path.join(src, name + ".c")],
                           cwd=build, check=True)
        subprocess.run(["gcc", "--coverage", "-o", "prog", "main.o",
                        "used.o"], cwd=build, check=True)
        os.mkfifo(os.path.join(build, "trap.gcno"))
        want_lines, want_fns = gcov_alone(build)
        cases(covrun, build, want_lines, want_fns)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if failures:
        return 1
    print("unexecuted objects OK")
    return 0


def never_of(path):
    with open(path) as f:
        d = json.load(f)
    files = {f["path"]: f for f in d["files"]}
    return files, d["totals"]


def cases(covrun, build, want_lines, want_fns):
    r = run([covrun, "--json", "r.json", "--no-html", "--no-cobertura",
             "./prog"], build)
    check(r.returncode == 0, "run: %d %s" % (r.returncode, r.stderr))
    files, totals = never_of(os.path.join(build, "r.json"))
    check(sorted(files) == ["main.c", "never.c", "used.c"],
          "never.c is in the report: %r" % sorted(files))
    nv = files.get("never.c", {"lines": [], "functions": []})
    got = {ln["line"]: (ln["count"], len(ln["branches"])) for ln in nv["lines"]}
    check(got == want_lines, "never.c as gcov sees it alone: %r, want %r" %
          (got, want_lines))
    check(sorted(fn["name"] for fn in nv["functions"]) == want_fns,
          "never.c's functions: %r" % nv["functions"])
    check("1 of 3 files have no line any process ran" in r.stdout,
          "summary says so: " + r.stdout)
    # the same from the run directory, and the build tree in place
    r = run([covrun, "report", "--json", "t.json", "--no-html",
             "--no-cobertura", "--root", "../src"], build)
    check(r.returncode == 0 and
          "never.c" in never_of(os.path.join(build, "t.json"))[0],
          "report from the run directory: " + r.stderr)
    # --executed-only: today's view without never.c
    r = run([covrun, "report", "--executed-only", "--json", "e.json",
             "--no-html", "--no-cobertura"], build)
    files_e, totals_e = never_of(os.path.join(build, "e.json"))
    check(r.returncode == 0 and sorted(files_e) == ["main.c", "used.c"],
          "--executed-only leaves never.c out: %r" % sorted(files_e))
    check(totals["lines"]["valid"] ==
          totals_e["lines"]["valid"] + len(want_lines),
          "never.c's lines are added to the total, uncovered")
    check(totals["lines"]["covered"] == totals_e["lines"]["covered"],
          "and none of them covered")


if __name__ == "__main__":
    sys.exit(main())
