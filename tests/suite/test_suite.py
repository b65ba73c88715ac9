#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""tests/suite/test_suite.py: the test suite and the sources keep the rules
of tests/README.md, checked on the repository itself.

  test_suite.py SCENARIO SOURCE_ROOT WORK_DIR

Scenarios:
  names              every ctest test is named <family>.<scenario>, the
                     family being a directory of tests/ (tests/README.md)
  self_contained     no test, CMake file or tool script reads a path outside
                     the repository (a design folder beside it, "../...")
  no_skip_in_ci      no test can skip on its own: the only way to skip is
                     tests/harness/require.py's capability(), which fails
                     when CI is set, and only the tests listed in
                     SKIP_ALLOWED may declare ctest's SKIP_RETURN_CODE
  citations          every document a code comment cites (*.md) exists in
                     the repository, at the path given or beside the file
  missing_toolchain  merge.difftest fails, naming each program, when
                     clang-14 and llvm-cov-14 are not in PATH
  missing_clang      merge.model_gcc12 fails, naming clang-14, when it is
                     not in PATH (its clang part used to return silently)
  missing_xmllint    report.outputs fails, naming xmllint, when it is not
                     in PATH (it used to skip its validation silently)
"""
import os
import re
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "harness"))
import require  # noqa: E402

CODE_EXT = (".c", ".h", ".py", ".sh", ".txt", ".cmake", ".rng")
SKIP_ALLOWED = {"collect.data_dir_full"}   # needs root to mount a tmpfs


def files(root, exts=CODE_EXT, under=""):
    """Tracked-looking files of ROOT (no build trees, no .git, not the
    benchmarks' work directory of third-party sources: bench/README.md)."""
    top = os.path.join(root, under)
    for d, subdirs, names in os.walk(top):
        subdirs[:] = sorted(s for s in subdirs if not s.startswith(".") and
                            not s.startswith("build") and
                            s != "bench-work")
        for n in sorted(names):
            if n.endswith(exts) or n == "run":
                yield os.path.join(d, n)


def read(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        return f.read()


def rel(root, path):
    return os.path.relpath(path, root)


def comments(path, text):
    """(line number, text) of every comment line of a C, Python, shell or
    CMake file."""
    out = []
    if path.endswith((".c", ".h")):
        for m in re.finditer(r"/\*.*?\*/|//[^\n]*", text, re.S):
            first = text.count("\n", 0, m.start()) + 1
            for i, line in enumerate(m.group(0).split("\n")):
                out.append((first + i, line))
        return out
    in_doc = False
    for i, line in enumerate(text.split("\n"), 1):
        s = line.strip()
        if path.endswith(".py") and s.count('"""') % 2 == 1:
            in_doc = not in_doc
            out.append((i, line))
        elif in_doc or "#" in line:
            out.append((i, line if in_doc else line[line.index("#"):]))
    return out


def test_self_contained(root, work):
    bad = []
    outside = re.compile(r"\.\./shared|shared/(cobertura|design)|"
                         r"CMAKE_SOURCE_DIR\}/\.\.|top/\.\./")
    for under in ("tests", "tools", ".ci", "CMakeLists.txt"):
        if under.endswith(".txt"):
            paths = [os.path.join(root, under)]
        else:
            paths = files(root, under=under)
        for p in paths:
            for i, line in enumerate(read(p).split("\n"), 1):
                if outside.search(line) and not p.endswith("test_suite.py"):
                    bad.append("%s:%d: reads outside the repository: %s" %
                               (rel(root, p), i, line.strip()))
    return bad


def test_no_skip_in_ci(root, work):
    bad = []
    skip = re.compile(r"(exit|return)\s*\(?\s*77\b|print\(\s*[\"']SKIP")
    for p in files(root, exts=(".py", ".sh"), under="tests"):
        if p.endswith(os.path.join("harness", "require.py")):
            continue
        for i, line in enumerate(read(p).split("\n"), 1):
            if skip.search(line):
                bad.append("%s:%d: skips on its own (use require.py): %s" %
                           (rel(root, p), i, line.strip()))
    for p in files(root, exts=("CMakeLists.txt",), under="tests"):
        text = read(p)
        for m in re.finditer(r"set_tests_properties\(([^)]*)\)", text, re.S):
            if "SKIP_RETURN_CODE" not in m.group(1):
                continue
            names = set(m.group(1).split("PROPERTIES")[0].split())
            if not names <= SKIP_ALLOWED:
                line = text.count("\n", 0, m.start()) + 1
                bad.append("%s:%d: SKIP_RETURN_CODE for %s" %
                           (rel(root, p), line,
                            " ".join(sorted(names - SKIP_ALLOWED))))
    return bad


def test_citations(root, work):
    bad = []
    cite = re.compile(r"(?<![\w/.-])((?:\.\./)*[\w./-]*[\w-]\.md)\b")
    for p in files(root):
        for i, line in comments(p, read(p)):
            for m in cite.finditer(line):
                doc = m.group(1)
                here = os.path.join(os.path.dirname(p), doc)
                top = os.path.join(root, doc)
                inside = [q for q in (here, top) if os.path.isfile(q) and
                          os.path.realpath(q).startswith(
                              os.path.realpath(root) + os.sep)]
                if not inside:
                    bad.append("%s:%d: cites %s, not a document of the "
                               "repository" % (rel(root, p), i, doc))
    return bad


def test_names(root, work):
    r = subprocess.run([os.environ["CTEST"], "-N"], cwd=os.environ["BUILD"],
                       stdout=subprocess.PIPE, text=True)
    names = re.findall(r"^\s*Test\s+#\d+: (\S+)", r.stdout, re.M)
    families = {d for d in os.listdir(os.path.join(root, "tests"))
                if os.path.isfile(os.path.join(root, "tests", d,
                                               "CMakeLists.txt"))}
    bad = [] if names else ["ctest -N listed no test: %s" % r.stdout]
    for n in names:
        if not re.fullmatch(r"[a-z]+(\.[a-z0-9]+(_[a-z0-9]+)*)+", n) or \
                n.split(".")[0] not in families:
            bad.append("test %s is not <family>.<scenario>" % n)
    return bad


def cut_path(work, keep):
    """A directory holding links to the programs KEEP only (for PATH)."""
    d = os.path.join(work, "bin")
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    for t in keep:
        os.symlink(require.tool(t, t), os.path.join(d, t))
    return d


def run_cut(cmd, path, cwd):
    env = dict(os.environ, PATH=path, CI="true")
    return subprocess.run(cmd, env=env, cwd=cwd, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, timeout=120)


def test_missing_toolchain(root, work):
    gcc = ["gcc-12", "g++-12", "gcov-12", "gcc-11", "g++-11", "gcov-11"]
    path = cut_path(work, gcc)
    r = run_cut([sys.executable, os.path.join(root, "tests", "merge",
                                              "difftest.py"),
                 "--gcovjson", "/nonexistent/gcovjson",
                 "--corpus", os.path.join(root, "tests", "corpus"),
                 "--work", os.path.join(work, "difftest")], path, work)
    bad = []
    if r.returncode == 0:
        bad.append("difftest succeeded without clang-14: %s" % r.stdout)
    for t in ("clang-14", "clang++-14", "llvm-cov-14"):
        if not re.search(r"^FAIL: .*'%s'" % re.escape(t), r.stdout, re.M):
            bad.append("difftest did not name %s: %s" % (t, r.stdout))
    for t in gcc:
        if "'%s'" % t in r.stdout:
            bad.append("difftest named %s, which is there" % t)
    return bad


def test_missing_clang(root, work):
    path = cut_path(work, ["gcc-12", "g++-12", "gcov-12"])
    r = run_cut([sys.executable, os.path.join(root, "tests", "merge",
                                              "test_model.py"),
                 "--modeldump", "/nonexistent/modeldump",
                 "--corpus", os.path.join(root, "tests", "corpus"),
                 "--work", os.path.join(work, "model"), "--cc", "gcc-12"],
                path, work)
    bad = []
    if r.returncode == 0:
        bad.append("test_model passed without clang-14: %s" % r.stdout)
    if not re.search(r"^FAIL: .*'clang-14'", r.stdout, re.M):
        bad.append("no line naming clang-14: %s" % r.stdout[-2000:])
    return bad


def test_missing_xmllint(root, work):
    report_test = os.environ["REPORT_TEST"]
    r = run_cut([sys.executable, os.path.join(root, "tests", "report",
                                              "check_outputs.py"),
                 report_test, os.path.join(root, "tests", "report",
                                           "cobertura.rng")],
                cut_path(work, []), work)
    bad = []
    if r.returncode == 0:
        bad.append("report.outputs passed without xmllint: %s" % r.stdout)
    if not re.search(r"^FAIL: .*'xmllint'.*libxml2-utils", r.stdout, re.M):
        bad.append("no line naming xmllint: %s" % r.stdout)
    return bad


def main():
    scenario, root, work = sys.argv[1], sys.argv[2], sys.argv[3]
    root = os.path.abspath(root)
    work = os.path.join(os.path.abspath(work), scenario)
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    bad = globals()["test_" + scenario](root, work)
    for b in bad:
        print("FAIL: " + b)
    print("suite.%s: %d problem(s)" % (scenario, len(bad)))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
