# SPDX-License-Identifier: MIT
"""Differential test: covrun's merge module against gcov and llvm-cov.

Builds the corpus (tests/corpus) with every toolchain below at -O0 and
-O2 with --coverage into a work directory, runs each program twice, then
compares for every object:
  GCC 11/12: `gcov -b --json-format --stdout X.gcda` with covrun's
             `gcovjson X.gcda` (every file, function, line and branch);
  clang 14:  `llvm-cov gcov -t` line counts with covrun's line counts.
Any difference fails, naming configuration, object, file, line, field and
both values.  Every toolchain is required (tools/deps.sh installs them):
a missing compiler or oracle fails the test with a line naming it, and so
does a missing googletest with --gtest.  With --gtest, googletest and
googlemock (from Debian's googletest package) replace the corpus.  Usage:
  difftest.py --gcovjson BIN --corpus DIR --work DIR [--only NAME] [--gtest]
"""
import argparse
import concurrent.futures
import json
import os
import shutil
import subprocess
import sys

PROGRAMS = {
    "basic": ["basic.c"],
    "jmp": ["jmp.c"],
    "linegoto": ["linegoto.c"],
    "lineno": ["lineno.c"],
    "multi": ["multi_a.c", "multi_b.c"],
    "exc": ["exc.cpp"],
    "tmpl": ["tmpl.cpp"],
    "classes": ["classes.cpp", "shapes.cpp"],
}
RUNS = [[], ["x", "y", "z"]]

# the Debian package of every program CONFIGS names
PACKAGES = {"gcc-12": "gcc-12", "g++-12": "g++-12", "gcov-12": "gcc-12",
            "gcc-11": "gcc-11", "g++-11": "g++-11", "gcov-11": "gcc-11",
            "clang-14": "clang-14", "clang++-14": "clang-14",
            "llvm-cov-14": "llvm-14"}
# name, C compiler, C++ compiler, oracle, flags, relative source paths
CONFIGS = [
    ("gcc12-O0", "gcc-12", "g++-12", "gcov-12", ["-O0"], True),
    ("gcc12-O2", "gcc-12", "g++-12", "gcov-12", ["-O2"], False),
    ("gcc11-O0", "gcc-11", "g++-11", "gcov-11", ["-O0"], False),
    ("gcc11-O2", "gcc-11", "g++-11", "gcov-11", ["-O2"], True),
    ("clang14-O0", "clang-14", "clang++-14", "llvm-cov-14", ["-O0"], False),
    ("clang14-O2", "clang-14", "clang++-14", "llvm-cov-14", ["-O2"], True),
]

MAX_REPORT = 40


def run(cmd, cwd, check=True):
    p = subprocess.run(cmd, cwd=cwd, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True)
    if check and p.returncode != 0:
        raise RuntimeError("%s failed (%d): %s" %
                           (" ".join(cmd), p.returncode, p.stderr[-2000:]))
    return p


def build(cfg, prog, corpus, work):
    name, cc, cxx, _, flags, rel = cfg
    d = os.path.join(work, name, prog)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    objs = []
    cpp = any(s.endswith((".cpp", ".cc")) for s in PROGRAMS[prog])
    for src in PROGRAMS[prog]:
        path = os.path.join(corpus, src)
        extra = GTEST_FLAGS if prog == "gtest" else []
        if rel:
            path = os.path.relpath(path, d)
        obj = os.path.splitext(os.path.basename(src))[0] + ".o"
        comp = cxx if src.endswith((".cpp", ".cc")) else cc
        run([comp, "--coverage", "-g"] + flags + extra +
            ["-I", corpus, "-c", path, "-o", obj], d)
        objs.append(obj)
    run([cxx if cpp else cc, "--coverage"] + objs + ["-o", prog] +
        (["-lpthread"] if prog == "gtest" else []), d)
    for args in RUNS:
        run([os.path.join(d, prog)] + args, d, check=False)
    return d


def cmp_value(diffs, where, field, a, b):
    if a != b:
        diffs.append("%s: %s: gcov=%r covrun=%r" % (where, field, a, b))


def compare_gcc(tag, ref, got, diffs):
    rf = ref.get("files", [])
    gf = got.get("files", [])
    cmp_value(diffs, tag, "files", [f["file"] for f in rf],
              [f["file"] for f in gf])
    for a, b in zip(rf, gf):
        where = "%s: %s" % (tag, a["file"])
        fa, fb = a["functions"], b["functions"]
        if len(fa) != len(fb):
            cmp_value(diffs, where, "functions",
                      [f["name"] for f in fa], [f["name"] for f in fb])
        for x, y in zip(fa, fb):
            for k in ("name", "demangled_name", "start_line",
                      "start_column", "end_line", "end_column", "blocks",
                      "blocks_executed", "execution_count"):
                cmp_value(diffs, "%s: function %s" % (where, x["name"]),
                          k, x.get(k), y.get(k))
        la, lb = a["lines"], b["lines"]
        if len(la) != len(lb):
            cmp_value(diffs, where, "line numbers",
                      [l["line_number"] for l in la],
                      [l["line_number"] for l in lb])
        for x, y in zip(la, lb):
            w = "%s: line %s" % (where, x["line_number"])
            for k in ("line_number", "function_name", "count",
                      "unexecuted_block", "branches"):
                cmp_value(diffs, w, k, x.get(k), y.get(k))


def parse_llvm(text):
    """{source: {line: count}}, {source: {line: [branch counts]}} from
    llvm-cov gcov -t -b -c output."""
    out, brs = {}, {}
    cur = curb = None
    last = None
    for line in text.splitlines():
        if line.startswith("branch ") and curb is not None:
            w = line.split()
            curb.setdefault(last, []).append(
                0 if "never" in w else int(w[3]))
            continue
        parts = line.split(":", 2)
        if len(parts) < 3:
            continue
        count, num = parts[0].strip(), parts[1].strip()
        if num == "0" and parts[2].startswith("Source:"):
            cur = out.setdefault(parts[2][len("Source:"):], {})
            curb = brs.setdefault(parts[2][len("Source:"):], {})
            continue
        if num.isdigit():
            last = int(num)
        if cur is None or count == "-" or not num.isdigit():
            continue
        if count == "#####":
            count = "0"
        cur[int(num)] = int(count.rstrip("*"))
    return out, brs


def compare_clang(tag, parsed, got, diffs):
    ref, refb = parsed
    mine, mineb = {}, {}
    for f in got.get("files", []):
        m = mine.setdefault(f["file"], {})
        mb = mineb.setdefault(f["file"], {})
        for l in f["lines"]:
            m[l["line_number"]] = m.get(l["line_number"], 0) + l["count"]
            if l["branches"]:
                mb[l["line_number"]] = [b["count"] for b in l["branches"]]
    for src, lines in refb.items():
        if not ref.get(src):
            continue  # llvm-cov prints nothing for a missing source file
        for ln in sorted(set(lines) | set(mineb.get(src, {}))):
            cmp_value(diffs, "%s: %s: line %d" % (tag, src, ln), "branches",
                      lines.get(ln), mineb.get(src, {}).get(ln))
    for src, lines in ref.items():
        m = mine.get(src)
        if m is None:
            if lines:
                diffs.append("%s: %s: missing in covrun" % (tag, src))
            continue
        for ln in sorted(set(lines) | set(m)):
            if ln in lines or ln in m:
                # llvm-cov does not print lines past the end of the file
                if ln not in lines and ln > max(lines or [0]):
                    continue
                cmp_value(diffs, "%s: %s: line %d" % (tag, src, ln),
                          "count", lines.get(ln), m.get(ln))


def check(cfg, d, gcovjson, diffs):
    name, _, _, oracle, _, _ = cfg
    n = 0
    for f in sorted(os.listdir(d)):
        if not f.endswith(".gcda"):
            continue
        n += 1
        tag = "%s/%s/%s" % (name, os.path.basename(d), f)
        got = run([gcovjson, f], d)
        mine = json.loads(got.stdout.splitlines()[0])
        if oracle.startswith("llvm-cov"):
            ref = run([oracle, "gcov", "-t", "-b", "-c", f], d)
            compare_clang(tag, parse_llvm(ref.stdout), mine, diffs)
        else:
            ref = run([oracle, "-b", "--json-format", "--stdout", f], d)
            compare_gcc(tag, json.loads(ref.stdout.splitlines()[0]), mine,
                        diffs)
    if n == 0:
        diffs.append("%s/%s: no gcda written" % (name, os.path.basename(d)))


GTEST = "/usr/src/googletest"


def gtest_programs(corpus):
    """googletest + googlemock and two of their samples (Debian package
    googletest): 14k functions of template-heavy C++."""
    if not os.path.isdir(GTEST):
        return {}
    g, m = GTEST + "/googletest", GTEST + "/googlemock"
    return {"gtest": [g + "/src/gtest-all.cc", m + "/src/gmock-all.cc",
                      g + "/samples/sample1.cc",
                      g + "/samples/sample1_unittest.cc",
                      g + "/samples/sample3_unittest.cc",
                      g + "/src/gtest_main.cc"]}


GTEST_FLAGS = ["-I" + GTEST + "/googletest/include",
               "-I" + GTEST + "/googletest",
               "-I" + GTEST + "/googlemock/include",
               "-I" + GTEST + "/googlemock"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--gcovjson", required=True)
    ap.add_argument("--corpus", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--only", default=None)
    ap.add_argument("-j", type=int, default=2)
    ap.add_argument("--gtest", action="store_true",
                    help="googletest instead of the corpus")
    a = ap.parse_args()
    if a.gtest:
        # three configurations: both GCCs, -O0 and -O2, and clang
        CONFIGS[:] = [c for c in CONFIGS
                      if c[0] in ("gcc12-O0", "gcc11-O2", "clang14-O0")]
        PROGRAMS.clear()
        PROGRAMS.update(gtest_programs(a.corpus))
        if not PROGRAMS:
            print("FAIL: difftest: googletest sources missing at %s "
                  "(Debian package 'googletest')" % GTEST)
            return 1
    configs = [c for c in CONFIGS if not a.only or a.only in c[0]]
    missing = sorted({t for c in configs for t in (c[1], c[2], c[3])
                      if not shutil.which(t)})
    if missing or not configs:
        for t in missing:
            print("FAIL: difftest: required toolchain program '%s' is "
                  "missing (Debian package '%s')" % (t, PACKAGES[t]))
        if not configs:
            print("FAIL: difftest: no configuration matches --only %s" %
                  a.only)
        return 1
    jobs = [(c, p) for c in configs for p in PROGRAMS]
    diffs = []
    with concurrent.futures.ThreadPoolExecutor(a.j) as ex:
        futs = [(c, ex.submit(build, c, p, os.path.abspath(a.corpus),
                              os.path.abspath(a.work))) for c, p in jobs]
        for c, fut in futs:
            check(c, fut.result(), os.path.abspath(a.gcovjson), diffs)
    for d in diffs[:MAX_REPORT]:
        print(d)
    if len(diffs) > MAX_REPORT:
        print("... %d more differences" % (len(diffs) - MAX_REPORT))
    print("difftest: %d configurations, %d programs, %d differences" %
          (len(configs), len(PROGRAMS), len(diffs)))
    return 1 if diffs else 0


if __name__ == "__main__":
    sys.exit(main())
