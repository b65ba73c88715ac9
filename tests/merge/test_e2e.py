# SPDX-License-Identifier: MIT
"""End to end: `covrun run` of a forking program, merged by the merge
module, equals the in-place gcov data of the same deterministic run.

The corpus program tests/corpus/forker.c forks workers and execs a helper,
all ending normally (nothing is lost in place).  It runs once in place and
once under `covrun run --no-report`; the model of the run directory
(modeldump runs) must equal the model of the in-place build tree
(modeldump tree) in every line, branch and function count (view ALL), the
per-role views must add up on this loop-free-per-line program, and code
reached only in children must show in CHILD only.
usage: test_e2e.py --covrun BIN --modeldump BIN --corpus DIR --work DIR
"""
import argparse
import json
import os
import shutil
import subprocess
import sys


def run(cmd, cwd=None, ok=(0,)):
    p = subprocess.run(cmd, cwd=cwd, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True)
    if p.returncode not in ok:
        raise RuntimeError("%s: exit %d\n%s" % (cmd, p.returncode,
                                                p.stderr[-3000:]))
    return p


def flat(model, v):
    out = {}
    for f in model["files"]:
        for l in f["lines"]:
            out[(f["path"], "line", l["line"])] = l["count"][v]
            for i, b in enumerate(l["branches"]):
                out[(f["path"], "branch", l["line"], i)] = b["count"][v]
        for fn in f["functions"]:
            out[(f["path"], "function", fn["name"])] = fn["count"][v]
    return out


def main():
    ap = argparse.ArgumentParser()
    for k in ("--covrun", "--modeldump", "--corpus", "--work"):
        ap.add_argument(k, required=True)
    ap.add_argument("--cc", default="gcc-12")
    a = ap.parse_args()
    work = os.path.abspath(a.work)
    a.corpus = os.path.abspath(a.corpus)
    a.covrun = os.path.abspath(a.covrun)
    a.modeldump = os.path.abspath(a.modeldump)
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    run([a.cc, "--coverage", "-O0", os.path.join(a.corpus, "forker.c"),
         "-o", "forker"], cwd=work)
    rundir = os.path.join(work, ".covrun")
    run([a.covrun, "run", "-q", "--no-report", "-d", rundir, "--",
         "./forker"], cwd=work)
    run(["./forker"], cwd=work)
    tree = json.loads(run([a.modeldump, "tree", work]).stdout)
    runs = json.loads(run([a.modeldump, "runs", rundir]).stdout)
    fails = []
    t, r = flat(tree, 0), flat(runs, 0)
    for k in sorted(set(t) | set(r), key=str):
        if t.get(k) != r.get(k):
            fails.append("%r: in place %r, covrun %r" % (k, t.get(k),
                                                         r.get(k)))
    root, child = flat(runs, 1), flat(runs, 2)
    for k in r:
        if k[1] != "function" and root[k] + child[k] != r[k]:
            fails.append("%r: ROOT %d + CHILD %d != ALL %d" %
                         (k, root[k], child[k], r[k]))
    only_child = [k for k in r if k[1] == "line" and child[k] and
                  not root[k]]
    if not only_child:
        fails.append("no line is covered only by child processes")
    roles = sorted(c["role"] for c in runs["contexts"])
    if roles != [0, 1]:
        fails.append("contexts: expected one root and one child, got %r" %
                     runs["contexts"])
    if tree["nskipped"] or runs["nskipped"]:
        fails.append("data was skipped")
    for f in fails[:30]:
        print("FAIL: " + f)
    print("test_e2e: %d lines compared, %d failure(s)" %
          (len([k for k in r if k[1] == "line"]), len(fails)))
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
