#!/usr/bin/python3
# SPDX-License-Identifier: MIT
# tests/report/check_cli.py: `covrun report` end to end.
#
#   check_cli.py COVRUN
#
# Builds the program of check_gcovr.py (its child calls helper()), runs it
# under `covrun run`, and checks `covrun report` on the run directory:
# helper.c is child-only in JSON and HTML, --fail-under-* exit with status
# 4 and a clear message, bad option values exit 125, --filter/--exclude,
# --cobertura-split, --lcov, --summary=full, a corrupt gcda in a build tree
# gives exit status 3 with a warning naming it while the rest is reported.
# gcc is required: without it the test fails, naming it.
import fractions
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import check_gcovr  # noqa: E402
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "harness"))
from softcheck import check, status  # noqa: E402
import require  # noqa: E402


def run(cmd, cwd, env=None):
    return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True, cwd=cwd, env=env)


def main():
    covrun = os.path.abspath(sys.argv[1])
    gcc = require.tool("gcc", "gcc")
    tmp = tempfile.mkdtemp(prefix="covrun-cli-")
    try:
        src, build = check_gcovr.build_fixture(tmp, gcc)
        r = run([covrun, "run", "--no-report", "--", "./build/prog", "a"],
                tmp)
        if r.returncode != 0 and "--no-report" in r.stderr:
            r = run([covrun, "run", "--", "./build/prog", "a"], tmp)
        check(os.path.isdir(os.path.join(tmp, ".covrun", "proc")),
              "covrun run wrote a run directory: " + r.stderr)
        cases(covrun, tmp, src, build)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if status():
        return 1
    print("covrun report CLI OK")
    return 0


def cobertura_hits(path):
    """{(filename, line): hits} of a Cobertura file's class lines."""
    import xml.etree.ElementTree as ET
    out = {}
    for c in ET.parse(path).getroot().iter("class"):
        for ln in c.findall("lines/line"):
            out[(c.get("filename"), int(ln.get("number")))] = \
                int(ln.get("hits"))
    return out


def cases(covrun, tmp, src, build):
    # the run directory: the default input
    r = run([covrun, "report", "--root", "src", "--json", "out.json",
             "--lcov", "out.info", "--cobertura", "out.xml",
             "--cobertura-split", "--html", "out-html", "--summary=full"],
            tmp)
    check(r.returncode == 0, "report from .covrun: " + r.stderr)
    check("lines: " in r.stdout and "lines in" in r.stdout,
          "summary with directories: " + r.stdout)
    with open(os.path.join(tmp, "out.json")) as f:
        d = json.load(f)
    files = {f["path"]: f for f in d["files"]}
    check(sorted(files) == ["helper.c", "prog.c", "shared.h"],
          "json files %r" % sorted(files))
    hl = [l for l in files["helper.c"]["lines"] if l["count"] > 0]
    check(hl and all(l["root"] == 0 and l["child"] > 0 for l in hl),
          "helper.c is covered only by the child: %r" % hl)
    check(d["totals"]["lines"]["child_only"] >= len(hl), "child_only total")
    check(any(p["role"] == "child" for p in d["processes"]),
          "process records in json")
    check(any(c["role"] == "child" for c in d["contexts"]), "contexts")
    # the split files hold what the summary and HTML call root-reached
    # and child-only: derived from the JSON's per-role counts per line
    for name, want in (("out-root.xml", lambda l: l["root"] > 0),
                       ("out-child.xml",
                        lambda l: l["root"] <= 0 and l["child"] > 0)):
        got = cobertura_hits(os.path.join(tmp, name))
        exp = {(p, l["line"]) for p, f in files.items() for l in f["lines"]
               if want(l)}
        check({k for k, v in got.items() if v > 0} == exp,
              "%s holds exactly %d lines" % (name, len(exp)))
    for f in ("out-root.xml", "out-child.xml", "out.info",
              "out-html/index.html", "out-html/processes.html"):
        check(os.path.exists(os.path.join(tmp, f)), f + " written")
    with open(os.path.join(tmp, "out-html", "processes.html")) as f:
        procs = f.read()
    check("build/prog" in procs and "fork" in procs, "processes page rows")
    page = [n for n in os.listdir(os.path.join(tmp, "out-html"))
            if n.endswith("-helper.c.html")][0]
    with open(os.path.join(tmp, "out-html", page)) as f:
        html = f.read()
    marks = {n: c for c, n in
             re.findall(r'<div class="ln ?(\w?)" id="L(\d+)"', html)}
    check(marks.get("5") == "c" and marks.get("2") == "",
          "helper.c line 5 marked child-only: %r" % marks)
    g = run([require.tool("genhtml", "lcov"), "--quiet", "--branch-coverage",
             "-o", "gh", "out.info"], tmp)
    check(g.returncode == 0, "genhtml on real data: " + g.stderr)

    # thresholds
    r = run([covrun, "report", "--root", "src", "--no-html", "--no-cobertura",
             "--fail-under-line", "99.5", "--fail-under-branch", "1"], tmp)
    check(r.returncode == 4, "threshold exit status 4, got %d" % r.returncode)
    check(re.search(r"error: line coverage \d+\.\d% \(\d+ of \d+\) is below "
                    r"--fail-under-line 99\.5%", r.stderr),
          "threshold message: " + r.stderr)
    r = run([covrun, "report", "--root", "src", "--no-html", "--no-cobertura",
             "--fail-under-line=10", "--fail-under-function", "20%"], tmp)
    check(r.returncode == 0, "thresholds met: %d %s" % (r.returncode,
                                                         r.stderr))
    # nothing selected: a warning, exit 5, and earlier reports kept as
    # they were (an empty Cobertura file reads as line-rate 1.0)
    os.makedirs(os.path.join(tmp, "empty-root"), exist_ok=True)
    with open(os.path.join(tmp, "out.xml"), "rb") as f:
        before = f.read()
    r = run([covrun, "report", "--root", "empty-root", "--cobertura",
             "out.xml", "--html", "out-html", "--json", "e.json"], tmp)
    check(r.returncode == 5 and "nothing to report" in r.stderr,
          "empty report: %d %s" % (r.returncode, r.stderr))
    with open(os.path.join(tmp, "out.xml"), "rb") as f:
        check(f.read() == before, "earlier Cobertura kept")
    check(not os.path.exists(os.path.join(tmp, "e.json")), "no empty JSON")

    # gates compare exact ratios: at exactly the line ratio the gate holds,
    # one millionth of a percent above it fails, and the message shows
    # enough digits to read as below; every failing gate is reported
    tl, tf = d["totals"]["lines"], d["totals"]["functions"]
    exact = fractions.Fraction(100 * tl["covered"], tl["valid"])
    at = exact.numerator * 10**6 // exact.denominator     # millionths, floor
    micro = lambda m: "%d.%06d" % divmod(m, 10**6)
    if at * exact.denominator == exact.numerator * 10**6:   # representable
        r = run([covrun, "report", "--root", "src", "--no-html",
                 "--no-cobertura", "--fail-under-line", micro(at)], tmp)
        check(r.returncode == 0, "gate at the exact ratio holds: " + r.stderr)
    r = run([covrun, "report", "--root", "src", "--no-html", "--no-cobertura",
             "--fail-under-line", micro(at + 1), "--fail-under-function",
             "100"], tmp)
    errs = [l for l in r.stderr.splitlines() if "is below" in l]
    want = 2 if tf["covered"] < tf["valid"] else 1
    check(r.returncode == 4 and len(errs) == want,
          "every failing gate reported: %d %r" % (r.returncode, r.stderr))
    m = re.search(r"line coverage ([\d.]+)% ", errs[0] if errs else "")
    check(m and fractions.Fraction(m.group(1)) <
          fractions.Fraction(micro(at + 1)),
          "shown percentage is visibly below the gate: %r" % errs)
    for bad in (["--fail-under-line", "abc"], ["--fail-under-line", "101"],
                ["--cobertura-max-size", "12"], ["--summary=some"],
                ["--filter", "("], ["--bogus"], ["--root"],
                ["--root", "no-such-dir"], ["--root", "out.json"]):
        r = run([covrun, "report", "--no-html", "--no-cobertura"] + bad, tmp)
        check(r.returncode == 125 and "covrun: error: " in r.stderr,
              "%r is a usage error: %d %s" % (bad, r.returncode, r.stderr))

    # filters
    r = run([covrun, "report", "--root", "src", "--no-html", "--exclude",
             "helper", "--cobertura", "f.xml", "--summary=none"], tmp)
    with open(os.path.join(tmp, "f.xml")) as f:
        x = f.read()
    check(r.returncode == 0 and 'filename="prog.c"' in x and
          "helper.c" not in x, "--exclude")
    check(r.stdout == "", "--summary=none prints nothing")
    env = dict(os.environ, SOURCE_DATE_EPOCH="1234567890")
    r = run([covrun, "report", "--root", "src", "--no-html", "--cobertura",
             "e.xml", "--summary=none"], tmp, env)
    with open(os.path.join(tmp, "e.xml")) as f:
        check('timestamp="1234567890"' in f.read(), "SOURCE_DATE_EPOCH")
    r = run([covrun, "report", "--no-html", "--cobertura", "g.xml",
             "--summary=none"], os.path.join(tmp, "src"))
    check(r.returncode == 125 and ".covrun" in r.stderr,
          "no run directory: clear error: " + r.stderr)

    # a build tree with a corrupt gcda: exit 3, the rest reported
    gcdas = [n for n in os.listdir(build) if n.endswith(".gcda")]
    if not gcdas:  # the run put the data in .covrun: make some in place
        run([os.path.join(build, "prog")], build)
        gcdas = [n for n in os.listdir(build) if n.endswith(".gcda")]
    check(len(gcdas) == 2, "in-place gcda: %r" % gcdas)
    bad = os.path.join(build, sorted(gcdas)[0])
    with open(bad, "r+b") as f:
        f.truncate(30)
    r = run([covrun, "report", build, "--root", src, "--no-html",
             "--cobertura", "t.xml", "--summary=none"], tmp)
    check(r.returncode == 3, "bad data: exit 3, got %d" % r.returncode)
    check(os.path.basename(bad) in r.stderr and "warning" in r.stderr,
          "warning names the bad file: " + r.stderr)
    with open(os.path.join(tmp, "t.xml")) as f:
        check("<class " in f.read(), "the rest is still reported")


if __name__ == "__main__":
    sys.exit(main())
