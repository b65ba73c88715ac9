# SPDX-License-Identifier: MIT
"""tests/collect/ending_cases.py: images that end while a signal arrives.

Shared by test_collect.py (each scenario once) and test_stress.py (each
scenario ten times while busy loops keep every core busy).  Expected
counts come from the fixtures' control flow (fixtures/ending.c,
tests/python/drive_mp.py, tests/python/covext.c) and are read with gcov itself:
one gcov run reads the gcda of every image of a run (gcov_batch).

  term_race(t, how)  ending.c "term-race N HOW": N children each call
                     child_work() once, tell the parent and end with HOW
                     (_exit, exit, or _exit from a second thread while
                     the signal reaches the first) at once; the parent
                     sends SIGTERM as
                     soon as it is told.  Every child image must hold
                     exactly child_work = 1, its record must say its dump
                     completed, and its recorded end must match the status
                     the parent saw (the shim defers the signal, it does
                     not change its meaning).
  pool_case(t, mode) drive_mp.py ... with: multiprocessing.Pool as a context manager
                     (its __exit__ terminates the workers with SIGTERM)
                     with start method MODE, or ProcessPoolExecutor; the
                     workers' work() calls and loop iterations summed over
                     the child images must equal what the tasks imply.
"""
import contextlib
import json
import os
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "harness"))
sys.path.insert(0, os.path.join(HERE, "..", "python"))
import covtest  # noqa: E402
from covtest import check, eq  # noqa: E402

RACE_CHILDREN = 300
POOL_TASKS = 40
POOL_PARENT_CALLS = 3
# Ledger lines that mean an image's counts are missing.
LOSS_WORDS = ("coverage is lost", "killed while writing", "still running",
              "may be incomplete")


def gcov_batch(t, gcda_name):
    """gcov's view of every image that wrote GCDA_NAME, from one gcov run:
    {image id: {"functions": {name: count}, "lines": {line: count}}}.
    Each image's gcda is copied into its own directory beside a link to
    the gcno it was built with."""
    root = os.path.join(t.dir, "gcov-batch")
    shutil.rmtree(root, ignore_errors=True)
    os.makedirs(root)
    ids, args = [], []
    found = []
    for image in covtest.image_ids(t.data):
        found += [(image, orig, copy)
                  for orig, copy in t.image_gcda_list(image)
                  if os.path.basename(orig) == gcda_name]
    for i, (image, orig, path) in enumerate(found):
        d = os.path.join(root, str(i))
        os.makedirs(d)
        shutil.copy(path, os.path.join(d, gcda_name))
        os.symlink(orig[:-5] + ".gcno",
                   os.path.join(d, gcda_name[:-5] + ".gcno"))
        ids.append(image)
        args.append(os.path.join(str(i), gcda_name))
    out = {}
    if not args:
        return out
    p = subprocess.run([covtest.GCOV, "-b", "--json-format", "--stdout"]
                       + args, cwd=root, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, universal_newlines=True)
    check(p.returncode == 0, "gcov cannot read every image's %s (one was "
          "cut short?): %s" % (gcda_name, p.stderr.strip()[-300:]))
    docs = [json.loads(line) for line in p.stdout.splitlines() if line]
    eq(len(docs), len(ids), "gcov documents")
    for image, doc in zip(ids, docs):
        check(image not in out, "image %s wrote %s twice" % (image,
                                                           gcda_name))
        funcs = {fn["name"]: fn["execution_count"]
                 for f in doc["files"] for fn in f["functions"]}
        lines = {ln["line_number"]: ln["count"]
                 for f in doc["files"] for ln in f["lines"]}
        out[image] = {"functions": funcs, "lines": lines}
    return out


def no_losses(p):
    for line in p.stderr.splitlines():
        check(not any(w in line for w in LOSS_WORDS),
              "covrun reported a loss: " + line)


@contextlib.contextmanager
def busy_cores():
    """Busy loops on every core (plain processes, not under covrun)."""
    procs = [subprocess.Popen(["sh", "-c", "while :; do :; done"],
                              env=covtest.plain_env())
             for _ in range(os.cpu_count() or 2)]
    try:
        yield
    finally:
        for p in procs:
            p.kill()
            p.wait()


def build_race(t):
    return t.cc("ending", ["ending.c"], flags=["-pthread"])


def parent_statuses(stdout):
    """{pid: "exit N" | "signal N"} as the parent's waitpid saw them."""
    out = {}
    for line in stdout.splitlines():
        word, pid, kind, n = line.split()
        eq(word, "child", "fixture output line")
        check(pid not in out, "child %s reported twice" % pid)
        out[pid] = "%s %s" % (kind, n)
    return out


def term_race(t, how, n=RACE_CHILDREN):
    # per-image counts are read below: no folding (it sums images away)
    p = t.covrun("run", "--no-report", "--fold-batch", "0", "./ending",
                 "term-race", str(n), how, check_rc=0)
    seen = parent_statuses(p.stdout)
    eq(len(seen), n, "children the parent waited for")
    recs = t.records()
    kids = [r for r in recs if r["how"] == "fork"]
    eq(len(kids), n, "child images")
    counts = gcov_batch(t, "ending.gcda")
    ended = "exit 0" if how == "exit" else "_exit 0"
    for r in kids:
        status = seen.get(r["pid"])
        want = {"exit 0": ended, "signal 15": "signal 15"}.get(status)
        check(want, "child %s: status %r" % (r["pid"], status))
        eq(r.get("end"), want, "child %s (parent saw %s): recorded end"
           % (r["pid"], status))
        f = counts.get(r["id"], {}).get("functions", {})
        eq(f.get("child_work"), 1, "child %s: child_work" % r["pid"])
        for fn in ("main", "term_race", "parent_work", "report"):
            eq(f.get(fn), 0, "child %s: %s" % (r["pid"], fn))
        if status == "exit 0":
            eq(f.get("end_as"), 1, "child %s ended by %s: end_as"
               % (r["pid"], how))
    for r in kids:
        check("dumped" in r, "child %s: record says the dump completed"
              % r["pid"])
    root = [r for r in recs if r["how"] == "root"]
    eq(len(root), 1, "root images")
    f = counts[root[0]["id"]]["functions"]
    eq((f["main"], f["term_race"], f["report"], f["parent_work"],
        f["child_work"]), (1, 1, n, 1, 0), "root: main, term_race, report, "
       "parent_work, child_work")
    no_losses(p)
    return seen


def build_pools(t):
    import test_python
    test_python.build_ext(t)
    shutil.copy(os.path.join(os.path.dirname(os.path.abspath(__file__)),
                             "..", "python", "drive_mp.py"), t.dir)


def pool_case(t, mode, tasks=POOL_TASKS, parent_calls=POOL_PARENT_CALLS):
    import test_python
    p = t.covrun("run", "--no-report", "--", "/usr/bin/python3",
                 "drive_mp.py", mode, str(tasks), str(parent_calls), "with",
                 env={"PYTHONDONTWRITEBYTECODE": "1"}, check_rc=0)
    tri = test_python.tri
    eq(p.stdout.strip(), "results %d %d" % (
        sum(tri(i + 1) for i in range(tasks)),
        sum(tri(k + 1) for k in range(parent_calls))), "drive_mp.py output")
    loop = test_python.loop_line()[1]
    recs = {r["id"]: r for r in t.records()}
    counts = gcov_batch(t, "covext.gcda")
    work = iters = 0
    for image, c in counts.items():
        r = recs[image]
        f = c["functions"]
        if r["how"] == "root":
            eq((f["main_work"], f["work"], c["lines"][loop]),
               (parent_calls, 0, sum(range(1, parent_calls + 1))),
               "root: main_work, work, loop iterations")
            continue
        eq(f.get("main_work"), 0, "image %s: main_work" % image)
        work += f.get("work", 0)
        iters += c["lines"].get(loop, 0)
    eq(work, tasks, "work() calls summed over worker images")
    eq(iters, sum(range(1, tasks + 1)), "loop iterations in workers")
    for image in counts:
        r = recs[image]
        check("dumped" in r, "image %s (%s, end %s): dump completed"
              % (image, r["how"], r.get("end")))
    no_losses(p)
