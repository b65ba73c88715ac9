# SPDX-License-Identifier: MIT
"""tests/python/test_python.py: Python worker processes under covrun.

A C extension (covext.c) built with --coverage is driven from Python
worker processes: multiprocessing with the fork, spawn and forkserver start
methods, concurrent.futures.ProcessPoolExecutor, and pytest with
pytest-xdist -n 2.  Only workers call covext.work(); only the parent (the
test process, the root image) calls covext.main_work().  Each case checks,
with gcov's own reading of each image's gcda:
  - one root image (the Python process covrun started), whose counts are
    exactly the parent's calls and no worker call;
  - covext.work counts only in images with role child, summing over those
    images to exactly the number of calls made, with the loop line summing
    to the iterations those calls imply; main_work is 0 in every child
    (a fork child's copied counters were reset);
  - for the fork-based start methods, the workers are fork images ending
    with _exit 0;
  - nothing was written next to the extension's gcno;
  - the merged report (covrun report --json) shows work() only under
    child and main_work() only under root;
  - the same command without covrun (gcda written in place): the fork,
    forkserver and executor workers end with os._exit() and their counts
    are lost; spawn and xdist workers exit normally and the in-place total
    equals the union covrun collected.
Uses Debian's /usr/bin/python3 (python3-dev, python3-pytest-xdist).
"""
import glob
import json
import os
import shutil
import subprocess
import sys
import sysconfig
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "harness"))
import covtest  # noqa: E402
from covtest import Failure, check, eq  # noqa: E402

PYTHON = "/usr/bin/python3"
TASKS = 10         # covext.work calls made by workers
PARENT_CALLS = 3   # covext.main_work calls made by the parent


def tri(n):
    """What covext computes: sum of range(n)."""
    return n * (n - 1) // 2


def python_config():
    """Include directory and extension suffix of PYTHON (not of whatever
    python runs this file)."""
    out = subprocess.run(
        [PYTHON, "-c", "import sysconfig; print(sysconfig.get_paths()"
         "['include']); print(sysconfig.get_config_var('EXT_SUFFIX'))"],
        check=True, stdout=subprocess.PIPE, universal_newlines=True)
    inc, suffix = out.stdout.split()
    return inc, suffix


def build_ext(case):
    """Compile covext.c with --coverage into the work tree (compile and
    link separately, so the gcno is covext.gcno)."""
    inc, suffix = python_config()
    shutil.copy(os.path.join(HERE, "covext.c"), case.dir)
    subprocess.run([covtest.CC, "-O0", "-g", "--coverage", "-fPIC",
                    "-I" + inc, "-c", "covext.c", "-o", "covext.o"],
                   cwd=case.dir, check=True)
    subprocess.run([covtest.CC, "-shared", "--coverage", "-o",
                    "covext" + suffix, "covext.o"], cwd=case.dir, check=True)


def loop_line():
    with open(os.path.join(HERE, "covext.c")) as f:
        for no, text in enumerate(f, 1):
            if "covext: loop body" in text:
                return ("covext.c", no)
    raise Failure("loop line not found in covext.c")


def env():
    return {"PYTHONDONTWRITEBYTECODE": "1",
            "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1",
            "COVEXT_TASKS": str(TASKS),
            "COVEXT_PARENT_CALLS": str(PARENT_CALLS)}


def run_covrun(case, cmd):
    """covrun run CMD; retried when the machine ran out of processes
    (fork() EAGAIN, seen when other tests fork heavily at the same time),
    which is not what these tests check."""
    for attempt in range(3):
        p = case.covrun("run", "--", *cmd, env=env())
        if p.returncode == 0 or "Resource temporarily unavailable" not in \
                (p.stdout + p.stderr):
            break
        time.sleep(2)
    eq(p.returncode, 0, "covrun exit status")
    return p


def images_and_counts(case):
    return [(r, case.counts(r["id"])) for r in case.records()]


def check_run(case, how_workers):
    """Checks shared by every case, after the covrun run.  Returns the
    images that ran covext.work."""
    line = loop_line()
    recs = images_and_counts(case)
    roots = [(r, c) for r, c in recs if r["how"] == "root"]
    eq(len(roots), 1, "root images")
    root, rc = roots[0]
    eq(root["role"], "root", "root image role")
    eq(root.get("end"), "exit 0", "root image end")
    f = rc["functions"]
    eq(f.get("main_work"), PARENT_CALLS, "root: main_work calls")
    eq(f.get("work"), 0, "root: work calls (workers only)")
    eq(f.get("PyInit_covext"), 1, "root: module initialised")
    eq(rc["lines"].get(line), sum(range(1, PARENT_CALLS + 1)),
       "root: loop iterations of main_work(1..%d)" % PARENT_CALLS)

    workers = []
    for r, c in recs:
        if r is root:
            continue
        f = c["functions"]
        eq(f.get("main_work", 0), 0, "image %s (%s): main_work" %
           (r["id"], r["how"]))
        if f.get("work", 0):
            eq(r["role"], "child", "image %s ran work(): role" % r["id"])
            workers.append((r, c))
    eq(sum(c["functions"]["work"] for r, c in workers), TASKS,
       "work() calls summed over worker images")
    eq(sum(c["lines"].get(line, 0) for r, c in workers),
       sum(range(1, TASKS + 1)),
       "loop iterations of work(1..%d) summed over worker images" % TASKS)
    for r, c in workers:
        eq(r["how"], how_workers, "worker image %s: how" % r["id"])
        if how_workers == "fork":
            eq(r.get("end"), "_exit 0", "worker image %s: end" % r["id"])
        if how_workers == "spawn":  # vfork + exec (docs/design.md, trap 3)
            eq(r["parent"], root["id"], "worker image %s: parent" % r["id"])
    eq(case.stray_gcda(), [], "gcda written next to the gcno")
    check_report(case)
    return workers


def check_report(case):
    """The merged view (covrun report --json): work() only under child,
    main_work() only under root."""
    out = os.path.join(case.dir, "report.json")
    case.covrun("report", "--root", case.dir, "--json", out, "--no-html",
                "--no-cobertura", "--summary=none", case.data, data=False,
                check_rc=0)
    with open(out) as f:
        doc = json.load(f)
    files = {f["path"]: f for f in doc["files"]}
    check("covext.c" in files, "covext.c not in the report: %r"
          % sorted(files))
    fns = {fn["name"]: fn for fn in files["covext.c"]["functions"]}
    eq((fns["work"]["root"], fns["work"]["child"]), (0, TASKS),
       "report: work (root, child)")
    eq((fns["main_work"]["root"], fns["main_work"]["child"]),
       (PARENT_CALLS, 0), "report: main_work (root, child)")
    lines = {l["line"]: l for l in files["covext.c"]["lines"]}
    loop = lines[loop_line()[1]]
    eq((loop["root"], loop["child"]),
       (sum(range(1, PARENT_CALLS + 1)), sum(range(1, TASKS + 1))),
       "report: loop line (root, child)")


def plain_counts(case, cmd):
    """Run CMD without covrun, gcda written in place; returns gcov's
    function counts of covext."""
    for p in glob.glob(os.path.join(case.dir, "*.gcda")):
        os.remove(p)
    e = covtest.plain_env(env())
    for attempt in range(3):
        p = subprocess.run(cmd, cwd=case.dir, env=e, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, universal_newlines=True,
                           timeout=120)
        if p.returncode == 0 or "Resource temporarily unavailable" \
                not in p.stdout:
            break
        time.sleep(2)
    sys.stdout.write(p.stdout)
    eq(p.returncode, 0, "plain run exit status")
    doc = covtest.gcov_json(os.path.join(case.dir, "covext.gcda"),
                            os.path.join(case.dir, "covext.gcno"))
    return {fn["name"]: fn["execution_count"]
            for fl in doc["files"] for fn in fl["functions"]}


def mp_case(mode, how_workers, lost_in_place):
    def test(case):
        build_ext(case)
        shutil.copy(os.path.join(HERE, "drive_mp.py"), case.dir)
        cmd = [PYTHON, "drive_mp.py", mode, str(TASKS), str(PARENT_CALLS)]
        p = run_covrun(case, cmd)
        want = "results %d %d" % (sum(tri(i + 1) for i in range(TASKS)),
                                  sum(tri(k + 1)
                                      for k in range(PARENT_CALLS)))
        check(want in p.stdout, "output lacks %r" % want)
        check_run(case, how_workers)
        plain = plain_counts(case, cmd)
        eq(plain.get("main_work"), PARENT_CALLS, "plain run: main_work")
        eq(plain.get("work"), 0 if lost_in_place else TASKS,
           "plain run: work() calls %s" %
           ("(lost: workers end with os._exit)" if lost_in_place
            else "(workers exit normally)"))
    return test


def test_xdist(case):
    build_ext(case)
    shutil.copy(os.path.join(HERE, "conftest_xdist.py"),
                os.path.join(case.dir, "conftest.py"))
    shutil.copy(os.path.join(HERE, "xdist_cases.py"), case.dir)
    cmd = [PYTHON, "-m", "pytest", "-p", "xdist.plugin", "-p",
           "no:cacheprovider", "-n", "2", "-q", "xdist_cases.py"]
    p = run_covrun(case, cmd)
    check("%d passed" % TASKS in p.stdout, "pytest did not pass %d tests"
          % TASKS)
    workers = check_run(case, "spawn")
    for r, c in workers:
        check("import sys;exec(eval(sys.stdin.readline()))" in r["argv"],
              "worker image %s is not an execnet worker: %r"
              % (r["id"], r["argv"]))
    plain = plain_counts(case, cmd)
    eq(plain.get("main_work"), PARENT_CALLS, "plain run: main_work")
    eq(plain.get("work"), TASKS, "plain run: work() (workers exit normally)")


TESTS = {
    "mp_fork": mp_case("fork", "fork", True),
    # Python's subprocess vforks, and a vfork stays one: the worker is a
    # spawn of the parent's image (docs/design.md, trap 3).
    "mp_spawn": mp_case("spawn", "spawn", False),
    "mp_forkserver": mp_case("forkserver", "fork", True),
    "executor": mp_case("executor", "fork", True),
    "xdist": test_xdist,
}

if __name__ == "__main__":
    covtest.main(TESTS)
