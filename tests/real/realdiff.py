# SPDX-License-Identifier: MIT
"""Differential test on real code: covrun's report against gcov itself.

Real C projects from Debian source packages (apt-get source, cached in
the work directory) are built with --coverage -O0 and run their own test
suites twice:

  1. plainly (COVRUN_DIR empty: gcda written in place, as without covrun):
     `covrun report --json` of the build tree must equal
     `gcov -b --json-format` on the same gcda;
  2. under `covrun run --no-report`, then `covrun merge -o AGG`:
     `covrun report --json AGG` must equal gcov reading the aggregates
     (real gcda, with the original gcno), summed per view with gcc's own
     `gcov-tool merge`: all contexts (`count`), root contexts (`root`),
     child contexts (`child`).

Every file, every line's count, every branch's count and every function's
count is compared; any difference fails, naming project, phase, file, line
and both values.  Files that several objects compile are summed as
README.md ("Merging", merge/merge.h merge_load_tree) says covrun does:
lines by path and line, branches by index on the line, functions by
mangled name and start line.  Each phase compares two views of the same
data: two runs of a real suite differ by timing.

A missing tool or source package is a failure, never a skip
(tools/test-slow.sh installs what this needs).  Usage:
  realdiff.py --covrun BIN --work DIR [--only NAME] [--keep-going]
"""
import argparse
import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

GCOV = "gcov-12"
GCOV_TOOL = "gcov-tool-12"
CC = "gcc-12"
COVERAGE = "--coverage -O0 -g"

# name, Debian source (pinned: a version the Debian mirror serves),
# commands run once in the unpacked source, configure arguments, the
# project's own test command.  jq: a bison parser and a flex lexer
# (src/parser.c, src/lexer.c).  xz-utils: liblzma's multi-threaded
# encoder and decoder (tests/test_check.c decodes with 2 threads).
PROJECTS = [
    {"name": "jq", "source": "jq=1.6-2.1+deb12u2",
     "prepare": [["autoreconf", "-fi"]],
     "configure": ["--disable-shared", "--disable-docs",
                   "--disable-valgrind", "--disable-maintainer-mode",
                   "--with-oniguruma=yes"],
     "test": ["make", "-j2", "check"]},
    {"name": "xz-utils", "source": "xz-utils=5.4.1-1+deb12u2",
     "prepare": [],
     "configure": ["--disable-shared", "--disable-nls", "--disable-doc",
                   "--disable-scripts"],
     "test": ["make", "-j2", "check"]},
]

TOOLS = ["apt-get", "dpkg-source", "make", CC, GCOV, GCOV_TOOL,
         "autoreconf", "bison", "flex"]

MAX_REPORT = 40


class Failure(Exception):
    pass


def run(cmd, cwd, env=None, ok=(0,), log=None):
    t0 = time.time()
    p = subprocess.run(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True,
                       errors="replace")
    if log:
        with open(log, "a") as f:
            f.write("$ %s  (%s, %.1f s, exit %d)\n%s\n" %
                    (" ".join(cmd), cwd, time.time() - t0, p.returncode,
                     p.stdout))
    if p.returncode not in ok:
        raise Failure("%s (in %s): exit %d\n%s" %
                      (" ".join(cmd), cwd, p.returncode, p.stdout[-3000:]))
    return p


def plain_env():
    """Without covrun, even when this test runs under covrun: COVRUN_DIR
    set to the empty string opts out (README.md, "Environment")."""
    e = dict(os.environ)
    e.pop("GCOV_PREFIX", None)
    e.pop("GCOV_PREFIX_STRIP", None)
    e["COVRUN_DIR"] = ""
    e["LC_ALL"] = "C"
    return e


# ---- source and build ------------------------------------------------------

def fetch(proj, cache):
    """The unpacked, prepared source of PROJ, cached under CACHE."""
    d = os.path.join(cache, proj["source"].replace("=", "_"))
    stamp = os.path.join(d, ".realdiff-prepared")
    if os.path.exists(stamp):
        return d
    shutil.rmtree(d, ignore_errors=True)
    tmp = tempfile.mkdtemp(prefix="fetch-", dir=cache)
    try:
        run(["apt-get", "source", "-q", "--only-source", proj["source"]],
            tmp)
        dirs = [x for x in os.listdir(tmp)
                if os.path.isdir(os.path.join(tmp, x))]
        if len(dirs) != 1:
            raise Failure("apt-get source %s: unpacked %r" %
                          (proj["source"], dirs))
        os.rename(os.path.join(tmp, dirs[0]), d)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    for cmd in proj["prepare"]:
        run(cmd, d, env=plain_env())
    open(stamp, "w").close()
    return d


def build(proj, src, work, log):
    """Configure and build PROJ (and its test programs) with --coverage
    in a copy of its source (jq's tests want an in-tree build); reuses an
    earlier build of the same recipe."""
    b = os.path.join(work, proj["name"], "build")
    recipe = json.dumps([proj, CC, COVERAGE, src, "in-tree copy"])
    stamp = os.path.join(b, ".realdiff-built")
    if os.path.exists(stamp) and open(stamp).read() == recipe:
        return b
    shutil.rmtree(b, ignore_errors=True)
    shutil.copytree(src, b, symlinks=True)
    env = plain_env()
    run(["./configure", "CC=" + CC, "CFLAGS=" + COVERAGE,
         "LDFLAGS=--coverage"] + proj["configure"], b, env=env, log=log)
    run(["make", "-j2"], b, env=env, log=log)
    # check programs too, running no test (automake's TESTS=)
    run(["make", "-j2", "check", "TESTS="], b, env=env, log=log)
    with open(stamp, "w") as f:
        f.write(recipe)
    return b


def clean_gcda(tree):
    for p in glob.glob(os.path.join(tree, "**", "*.gcda"), recursive=True):
        os.unlink(p)


# ---- the oracle: gcov ------------------------------------------------------

def gcov_json(gcda, gcno):
    """gcov -b --json-format of GCDA read with GCNO (copied beside each
    other under one base name in a scratch directory)."""
    with tempfile.TemporaryDirectory() as tmp:
        shutil.copy(gcda, os.path.join(tmp, "o.gcda"))
        os.symlink(gcno, os.path.join(tmp, "o.gcno"))
        p = run([GCOV, "-b", "--json-format", "--stdout", "o.gcda"], tmp)
        return json.loads(p.stdout.splitlines()[0])


def add_gcov(acc, doc):
    """Sum gcov's JSON DOC into ACC the way covrun merges a source file
    several objects compile: {abs path: {"lines": {line: count},
    "branches": {line: [counts]}, "functions": {(name, line): count}}}."""
    cwd = doc.get("current_working_directory", "/")
    for f in doc["files"]:
        path = os.path.normpath(os.path.join(cwd, f["file"]))
        a = acc.setdefault(path, {"lines": {}, "branches": {},
                                  "functions": {}})
        for fn in f["functions"]:
            k = (fn["name"], fn["start_line"])
            a["functions"][k] = (a["functions"].get(k, 0) +
                                 fn["execution_count"])
        for ln in f["lines"]:
            n = ln["line_number"]
            a["lines"][n] = a["lines"].get(n, 0) + ln["count"]
            brs = a["branches"].setdefault(n, [])
            for i, br in enumerate(ln["branches"]):
                if i < len(brs):
                    brs[i] += br["count"]
                else:
                    brs.append(br["count"])


def gcov_view(pairs):
    """gcov's view of PAIRS [(gcda, gcno)]."""
    acc = {}
    for gcda, gcno in pairs:
        add_gcov(acc, gcov_json(gcda, gcno))
    return acc


def zero_view(view):
    """VIEW with every count 0: what a view of no context reads."""
    return {p: {"lines": {n: 0 for n in a["lines"]},
                "branches": {n: [0] * len(b)
                             for n, b in a["branches"].items()},
                "functions": {k: 0 for k in a["functions"]}}
            for p, a in view.items()}


def sum_gcda(gcdas, scratch):
    """One gcda holding the summed counters of GCDAS (the same object),
    made by gcc's gcov-tool merge, two flat directories at a time."""
    if len(gcdas) == 1:
        return gcdas[0]
    acc = tempfile.mkdtemp(dir=scratch)
    shutil.copy(gcdas[0], os.path.join(acc, "o.gcda"))
    for g in gcdas[1:]:
        one = tempfile.mkdtemp(dir=scratch)
        shutil.copy(g, os.path.join(one, "o.gcda"))
        out = tempfile.mkdtemp(dir=scratch)
        run([GCOV_TOOL, "merge", "-o", out, acc, one], scratch)
        got = glob.glob(os.path.join(out, "*.gcda"))
        if len(got) != 1:
            raise Failure("gcov-tool merge wrote %r" % got)
        acc = os.path.dirname(got[0])
    return glob.glob(os.path.join(acc, "*.gcda"))[0]


def read_contexts(agg):
    """{context id: role} from AGG/contexts (README.md, "Merging")."""
    with open(os.path.join(agg, "contexts")) as f:
        lines = f.read().splitlines()
    if not lines or lines[0] != "covrun-contexts 1":
        raise Failure("%s/contexts: bad header %r" % (agg, lines[:1]))
    return {l.split("\t")[0]: l.split("\t")[1] for l in lines[1:] if l}


def aggregate_views(agg, scratch):
    """gcov's views of the aggregates of `covrun merge -o AGG`: {"count":
    all contexts, "root": root contexts, "child": child contexts}."""
    ctxs = read_contexts(agg)
    by_obj = {}  # gcda path -> {ctx: aggregate gcda}
    for cid in ctxs:
        top = os.path.join(agg, "ctx", cid)
        for g in glob.glob(os.path.join(top, "**", "*.gcda"),
                           recursive=True):
            orig = "/" + os.path.relpath(g, top)
            by_obj.setdefault(orig, {})[cid] = g
    if not by_obj:
        raise Failure("%s: no aggregate gcda" % agg)
    views = {}
    for view, roles in (("count", ("root", "child", "unattributed")),
                        ("root", ("root",)), ("child", ("child",))):
        pairs = []
        for orig, per in sorted(by_obj.items()):
            gs = [g for c, g in sorted(per.items()) if ctxs[c] in roles]
            if gs:
                pairs.append((sum_gcda(gs, scratch), orig[:-5] + ".gcno"))
        views[view] = gcov_view(pairs)
    # an object no context of a role ran reads as zero in that view
    for view in ("root", "child"):
        for p, a in zero_view(views["count"]).items():
            views[view].setdefault(p, a)
    return views, ctxs


# ---- covrun's side and the comparison --------------------------------------

def covrun_json(covrun, inputs, out, cwd):
    run([covrun, "report", "-q", "--no-markers", "--include-system",
         "--root", "/", "--no-cobertura", "--no-html", "--summary=none",
         "--json", out] + inputs, cwd)
    with open(out) as f:
        return json.load(f)


def covrun_view(doc, field):
    acc = {}
    for f in doc["files"]:
        path = os.path.normpath(os.path.join(doc.get("root", "/"),
                                             f["path"]))
        a = acc.setdefault(path, {"lines": {}, "branches": {},
                                  "functions": {}})
        for ln in f["lines"]:
            a["lines"][ln["line"]] = ln[field]
            a["branches"][ln["line"]] = [b[field] for b in ln["branches"]]
        for fn in f["functions"]:
            a["functions"][(fn["name"], fn["line"])] = fn[field]
    return acc


def compare(tag, ref, got, diffs):
    """Every file, line, branch and function of gcov's REF against
    covrun's GOT; appends one message per difference to DIFFS."""
    for path in sorted(set(ref) | set(got)):
        w = "%s: %s" % (tag, path)
        if path not in got:
            diffs.append("%s: only in gcov" % w)
            continue
        if path not in ref:
            diffs.append("%s: only in covrun" % w)
            continue
        r, g = ref[path], got[path]
        for n in sorted(set(r["lines"]) | set(g["lines"])):
            a, b = r["lines"].get(n), g["lines"].get(n)
            if a != b:
                diffs.append("%s:%d: line count gcov=%r covrun=%r" %
                             (w, n, a, b))
            a = r["branches"].get(n, [])
            b = g["branches"].get(n, [])
            if a != b:
                diffs.append("%s:%d: branch counts gcov=%r covrun=%r" %
                             (w, n, a, b))
        for k in sorted(set(r["functions"]) | set(g["functions"])):
            a, b = r["functions"].get(k), g["functions"].get(k)
            if a != b:
                diffs.append("%s:%d: function %s count gcov=%r covrun=%r" %
                             (w, k[1], k[0], a, b))


def check_comparison(tag, ref, got, diffs):
    """compare() on REF and GOT, then proof that it can fail on this
    data: some line ran, and a change of one line, branch or function
    count in covrun's view is reported."""
    n = len(diffs)
    compare(tag, ref, got, diffs)
    if len(diffs) > n:
        return
    if not any(c for a in ref.values() for c in a["lines"].values()):
        diffs.append("%s: no line ran" % tag)
        return
    path = next(p for p, a in sorted(got.items()) if a["lines"]
                and a["functions"] and any(a["branches"].values()))
    for kind in ("lines", "branches", "functions"):
        bad = {p: dict(a) for p, a in got.items()}
        items = dict(bad[path][kind])
        k = next(k for k in sorted(items) if items[k] != [])
        items[k] = ([items[k][0] + 1] + items[k][1:]
                    if kind == "branches" else items[k] + 1)
        bad[path][kind] = items
        probe = []
        compare(tag, ref, bad, probe)
        if len(probe) != 1:
            diffs.append("%s: a changed %s count in %s gave %d differences"
                         % (tag, kind[:-1], path, len(probe)))


def totals(view):
    n = [0, 0, 0]
    for a in view.values():
        n[0] += len(a["lines"])
        n[1] += sum(len(b) for b in a["branches"].values())
        n[2] += len(a["functions"])
    return "%d files, %d lines, %d branches, %d functions" % (
        len(view), n[0], n[1], n[2])


def check_excluded(tag, doc, diffs):
    """With --no-markers, --include-system and --root /, nothing may be
    left out of the totals."""
    for kind, e in doc.get("excluded", {}).items():
        if e.get("lines") or e.get("branches") or e.get("functions"):
            diffs.append("%s: excluded by %s: %r" % (tag, kind, e))


# ---- the two phases ----------------------------------------------------------

def phase_plain(a, proj, b, work, log, diffs):
    clean_gcda(b)
    run(proj["test"], b, env=plain_env(), log=log)
    doc = covrun_json(a.covrun, [b], os.path.join(work, "plain.json"), work)
    check_excluded("%s plain" % proj["name"], doc, diffs)
    pairs = [(g, g[:-5] + ".gcno") for g in
             sorted(glob.glob(os.path.join(b, "**", "*.gcda"),
                              recursive=True))]
    if not pairs:
        raise Failure("%s: the plain run wrote no gcda" % proj["name"])
    ref = gcov_view(pairs)
    check_comparison("%s plain" % proj["name"], ref,
                     covrun_view(doc, "count"), diffs)
    print("%s plain: %d objects, %s" % (proj["name"], len(pairs),
                                        totals(ref)))


def phase_run(a, proj, b, work, log, diffs):
    clean_gcda(b)
    rundir = os.path.join(work, "covrun-run")
    agg = os.path.join(work, "agg")
    run([a.covrun, "run", "-q", "--no-report", "--force", "-d", rundir,
         "--"] + proj["test"], b, env=plain_env_without_opt_out(), log=log)
    stray = glob.glob(os.path.join(b, "**", "*.gcda"), recursive=True)
    if stray:
        diffs.append("%s run: gcda written in place: %s" %
                     (proj["name"], stray[0]))
    shutil.rmtree(agg, ignore_errors=True)
    run([a.covrun, "merge", "-q", "-o", agg, rundir], work, log=log)
    doc = covrun_json(a.covrun, [agg], os.path.join(work, "run.json"),
                      work)
    check_excluded("%s run" % proj["name"], doc, diffs)
    scratch = os.path.join(work, "scratch")
    shutil.rmtree(scratch, ignore_errors=True)
    os.makedirs(scratch)
    views, ctxs = aggregate_views(agg, scratch)
    compare("%s run root" % proj["name"], views["root"],
            covrun_view(doc, "root"), diffs)
    compare("%s run child" % proj["name"], views["child"],
            covrun_view(doc, "child"), diffs)
    check_comparison("%s run count" % proj["name"], views["count"],
                     covrun_view(doc, "count"), diffs)
    print("%s run: %d contexts, %s" % (proj["name"], len(ctxs),
                                       totals(views["count"])))


def plain_env_without_opt_out():
    """The environment for `covrun run`: the caller's, without an opt-out
    or a gcov prefix of an enclosing run."""
    e = dict(os.environ)
    for k in ("GCOV_PREFIX", "GCOV_PREFIX_STRIP", "COVRUN_DIR"):
        e.pop(k, None)
    e["LC_ALL"] = "C"
    return e


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--covrun", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--only", default=None)
    a = ap.parse_args()
    a.covrun = os.path.abspath(a.covrun)
    top = os.path.abspath(a.work)
    missing = [t for t in TOOLS if not shutil.which(t)]
    if missing:
        print("realdiff: FAIL: missing tools: %s (sh tools/test-slow.sh "
              "installs them)" % " ".join(missing))
        return 1
    cache = os.path.join(top, "cache")
    os.makedirs(cache, exist_ok=True)
    diffs = []
    projects = [p for p in PROJECTS if not a.only or p["name"] == a.only]
    for proj in projects:
        t0 = time.time()
        work = os.path.join(top, proj["name"])
        os.makedirs(work, exist_ok=True)
        log = os.path.join(work, "log.txt")
        open(log, "w").close()
        try:
            src = fetch(proj, cache)
            b = build(proj, src, top, log)
            t1 = time.time()
            phase_plain(a, proj, b, work, log, diffs)
            phase_run(a, proj, b, work, log, diffs)
        except Failure as e:
            diffs.append("%s: %s (log: %s)" % (proj["name"], e, log))
            continue
        print("%s: build %.0f s, tests and comparison %.0f s" %
              (proj["name"], t1 - t0, time.time() - t1))
    for d in diffs[:MAX_REPORT]:
        print(d)
    if len(diffs) > MAX_REPORT:
        print("... %d more differences" % (len(diffs) - MAX_REPORT))
    print("realdiff: %d projects, %d differences" % (len(projects),
                                                     len(diffs)))
    return 1 if diffs or not projects else 0


if __name__ == "__main__":
    sys.exit(main())
