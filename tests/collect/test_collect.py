# SPDX-License-Identifier: MIT
"""tests/collect/test_collect.py: every way a process starts and ends.

Each test builds tests/collect/fixtures/forks.c (and helper.c) with
--coverage, runs one mode under covrun, and checks the process records and
per-image counts.  Expected counts come from the fixture's control flow:
CHILD_CALLS = 3 calls of child_work() in a child, PRE_CALLS = 5 of
pre_work() before a fork, one parent_work() in the parent at the end,
"helper N" calls helper_work() N times.  Counts are read with gcov.
"""
import json
import os
import re
import shutil
import signal
import struct
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "harness"))
from covtest import Case, check, eq, main, COVRUN  # noqa: E402
import covtest  # noqa: E402
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ending_cases  # noqa: E402
import require  # noqa: E402

CHILD_CALLS = 3
PRE_CALLS = 5


def build(t):
    t.cc("helper", ["helper.c"])
    t.cc("nocov.o", ["nocov.c"], flags=["-c"], coverage=False)
    return t.cc("forks", ["forks.c"], flags=["nocov.o", "-pthread"])


def one(recs, **want):
    found = [r for r in recs if all(r.get(k) == v for k, v in want.items())]
    eq(len(found), 1, "images matching %r" % want)
    return found[0]


def fork_case(t, mode, end):
    """Run MODE: the root forks one child that calls child_work()
    CHILD_CALLS times and ends as END says."""
    build(t)
    t.covrun("./forks", mode, check_rc=0)
    recs = t.records()
    eq(len(recs), 2, "images")
    root = one(recs, how="root")
    child = one(recs, how="fork")
    eq(root["role"], "root", "root role")
    eq(root["end"], "exit 0", "root end")
    eq(child["parent"], root["id"], "child's parent")
    eq(child["role"], "child", "child role")
    eq(child["end"], end, "child end")
    eq(t.fn_count(child["id"], "child_work"), CHILD_CALLS,
       "child_work in child image")
    eq(t.fn_count(child["id"], "parent_work"), 0, "parent_work in child")
    # The child's copy of the parent's counters was reset at fork.
    eq(t.fn_count(child["id"], "main"), 0, "main entries in child")
    eq(t.fn_count(root["id"], "child_work"), 0, "child_work in root")
    eq(t.fn_count(root["id"], "parent_work"), 1, "parent_work in root")
    eq(t.fn_count(root["id"], "main"), 1, "main in root")
    return root, child


def test_fork_return(t):
    fork_case(t, "return", "exit 0")


def test_fork_exit_underscore(t):
    fork_case(t, "_exit", "_exit 7")


def test_fork_abort(t):
    fork_case(t, "abort", "signal 6")


def test_fork_sigterm(t):
    fork_case(t, "sigterm", "signal 15")


def test_fork_sigint(t):
    fork_case(t, "sigint", "signal 2")


def test_fork_sigkill(t):
    build(t)
    p = t.covrun("./forks", "sigkill", check_rc=0)
    recs = t.records()
    child = one(recs, how="fork")
    check("end" not in child, "a SIGKILLed child has no end")
    eq(t.image_gcda(child["id"]), {}, "gcda of the killed child")
    check("image %s (pid %s: ./forks sigkill) ended without a trace"
          % (child["id"], child["pid"]) in p.stderr,
          "warning naming the killed child")


def test_quick_exit(t):
    fork_case(t, "quick_exit", "_exit 5")


def test_fork_sigalrm(t):
    fork_case(t, "alarm", "signal %d" % signal.SIGALRM)


def test_fork_realtime_signal(t):
    fork_case(t, "rtsig", "signal %d" % (signal.SIGRTMIN + 2))


def test_daemon3(t):
    """daemon(3) ends its caller with libc's internal _exit."""
    build(t)
    t.covrun("./forks", "daemon3", check_rc=0)
    recs = t.records()
    root = one(recs, how="root")
    d = one(recs, how="fork")
    eq(root["end"], "_exit 0", "the caller of daemon() ends by _exit")
    eq(t.fn_count(root["id"], "pre_work"), 1, "caller's counts kept")
    eq(t.fn_count(d["id"], "child_work"), CHILD_CALLS, "daemon's counts")
    eq(t.fn_count(d["id"], "pre_work"), 0, "no copy of the caller's")


def test_asan_program(t):
    """A program built with -fsanitize=address runs under the shim."""
    t.cc("helper", ["helper.c"])
    t.cc("nocov.o", ["nocov.c"], flags=["-c"], coverage=False)
    t.cc("forks", ["forks.c"], flags=["nocov.o", "-pthread",
                                      "-fsanitize=address"])
    t.covrun("./forks", "_exit", check_rc=0,
             env={"ASAN_OPTIONS": "detect_leaks=0"})
    child = one(t.records(), how="fork")
    eq(t.fn_count(child["id"], "child_work"), CHILD_CALLS, "child_work")


def test_nested_covrun(t):
    """A covrun inside a run keeps its own run directory."""
    build(t)
    inner = os.path.join(t.dir, "inner")
    # the outer run holds no instrumented image: nothing to report (5)
    t.covrun(COVRUN, "--data-dir", inner, "--no-report", "./forks",
             "_exit", check_rc=5)
    outer = t.records()
    check(all(os.path.basename(r["exe"]) == "covrun" for r in outer),
          "the outer run holds only the inner covrun")
    # The inner covrun's fork child ends, for the outer run, by exec into
    # the inner run: its counters are written and its end is recorded.
    eq([r["end"] for r in outer if r["how"] == "fork"], ["exec"],
       "end of the inner covrun's child in the outer run")
    t.data = inner
    child = one(t.records(), how="fork")
    eq(t.fn_count(child["id"], "child_work"), CHILD_CALLS, "inner counts")


def test_nested_two_installations(t):
    """The inner covrun is another installation: two copies of the shim
    end up in LD_PRELOAD, and only one of them may record."""
    prefix = os.path.join(t.dir, "prefix")
    subprocess.run(["cmake", "--install", os.environ["COVRUN_BUILD"],
                    "--prefix", prefix], check=True,
                   stdout=subprocess.DEVNULL)
    build(t)
    inner = os.path.join(t.dir, "inner")
    # the outer run holds no instrumented image: nothing to report (5)
    t.covrun(os.path.join(prefix, "bin", "covrun"), "--data-dir", inner,
             "--no-report", "./forks", "_exit", check_rc=5)
    t.data = inner
    recs = t.records()
    eq(sorted(r["how"] for r in recs), ["fork", "root"], "inner images")
    child = one(recs, how="fork")
    eq(t.fn_count(child["id"], "child_work"), CHILD_CALLS, "inner counts")


def test_stripped_warning(t):
    build(t)
    t.cc("stripped", ["forks.c"], flags=["nocov.o", "-pthread", "-s"])
    p = t.covrun("./stripped", "return", check_rc=0)
    check("'%s' is instrumented but stripped" % os.path.join(t.dir,
                                                             "stripped")
          in p.stderr, "warning names the stripped program: " + p.stderr)
    root = one(t.records(), how="root")
    eq(root["instrumented"], "1", "a stripped program is instrumented")


def test_limit_counts_live_processes(t):
    """60 commands one after another never exceed a limit of 10."""
    build(t)
    t.covrun("--max-processes", "10", "./forks", "sequential", "60",
             check_rc=0)
    recs = t.records()
    eq(sorted(helper_counts(t, recs)), [1] * 60, "every helper ran")


def test_report_root_guess(t):
    """Run from an out-of-source build directory, as ctest does: the
    report's root falls back to the sources' directory."""
    src = os.path.join(t.dir, "src")
    bld = os.path.join(t.dir, "build")
    os.makedirs(src)
    os.makedirs(bld)
    for f in ("forks.c", "nocov.c", "helper.c"):
        subprocess.run(["cp", t.fixture(f), src], check=True)
    subprocess.run(["gcc", "-c", os.path.join(src, "nocov.c")], cwd=bld,
                   check=True)
    subprocess.run(["gcc", "--coverage", "-o", "forks",
                    os.path.join(src, "forks.c"), "nocov.o", "-pthread"],
                   cwd=bld, check=True)
    p = subprocess.run([COVRUN, "./forks", "_exit"], cwd=bld,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       universal_newlines=True)
    sys.stderr.write(p.stderr)
    eq(p.returncode, 0, "status")
    check("the source root is '%s'" % src in p.stderr, "note names root")
    with open(os.path.join(bld, "coverage.xml")) as f:
        xml = f.read()
    check('filename="forks.c"' in xml, "file relative to the guessed root")
    check("<source>%s</source>" % src in xml, "source element")
    # with --filter the root is guessed from the files the filter keeps
    p = subprocess.run([COVRUN, "report", "--filter", "forks",
                        "--cobertura", "f.xml", "--no-html"], cwd=bld,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       universal_newlines=True)
    eq(p.returncode, 0, "report --filter status: " + p.stderr)
    with open(os.path.join(bld, "f.xml")) as f:
        xml = f.read()
    check('filename="forks.c"' in xml and "<source>%s</source>" % src in xml,
          "--filter keeps Cobertura file names relative: " + xml[:600])
    # a --root that does not hold a kept file: covrun says so
    p = subprocess.run([COVRUN, "report", "--root", ".", "--filter", "forks",
                        "--cobertura", "g.xml", "--no-html"], cwd=bld,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       universal_newlines=True)
    check(re.search(r"warning: 1 file lies outside the source root .*"
                    r"absolute path", p.stderr),
          "absolute Cobertura file names are named: " + p.stderr)


def test_vfork_exec(t):
    build(t)
    t.covrun("./forks", "vfork", check_rc=0)
    recs = t.records()
    eq(len(recs), 3, "images")
    root = one(recs, how="root")
    pre = one(recs, how="fork")
    helper = one(recs, how="exec")
    eq(pre["parent"], root["id"], "vfork child's parent")
    eq(helper["parent"], pre["id"], "exec'd image's parent")
    eq(helper["pid"], pre["pid"], "exec keeps the pid")
    eq(helper["role"], "child", "helper role")
    eq(os.path.basename(helper["exe"]), "helper", "helper exe")
    # The parent's counts after the vfork are not lost and not filed
    # under the child.
    eq(t.fn_count(root["id"], "pre_work"), 2, "pre_work in root")
    eq(t.fn_count(root["id"], "after_vfork_work"), 1, "after vfork")
    eq(t.fn_count(root["id"], "parent_work"), 1, "parent_work in root")
    for fn in ("pre_work", "after_vfork_work", "parent_work", "main"):
        eq(t.fn_count(pre["id"], fn), 0, fn + " in the vfork child")
    eq(t.fn_count(helper["id"], "helper_work"), 4, "helper_work")


def build_vforker(t):
    """vforker.c (instrumented) calls vfork from vfork_plain.c, a shared
    library built without --coverage, as a runtime's spawn code (Python's
    _posixsubprocess) is."""
    t.cc("helper", ["helper.c"])
    src = t.fixture("vfork_plain.c")
    subprocess.run(["cc", "-O0", "-g", "-shared", "-fPIC", "-o",
                    "libvfork_plain.so", src], cwd=t.dir, check=True)
    t.cc("vforker", ["vforker.c"],
         flags=["-L.", "-lvfork_plain", "-Wl,-rpath,$ORIGIN"])


def vfork_root_counts(t, root):
    """The parent's counts, by vforker.c's control flow: pre_work twice
    before the vfork, after_work and main once after it."""
    eq(t.fn_count(root["id"], "pre_work"), 2, "pre_work in root")
    eq(t.fn_count(root["id"], "after_work"), 1, "after_work in root")
    eq(t.fn_count(root["id"], "main"), 1, "main in root")


def test_vfork_plain_exec(t):
    """A vfork from uninstrumented code stays a vfork (vforker exits 91
    when the parent does not see the child's write to its memory): the
    child shares the parent's image, its exec (with an environment that lost
    covrun, repaired by the shim) starts a spawned image whose parent is
    the vfork parent's."""
    build_vforker(t)
    t.covrun("./vforker", "exec", check_rc=0)
    recs = t.records()
    eq(len(recs), 2, "images")
    root = one(recs, how="root")
    helper = one(recs, how="spawn")
    eq(helper["parent"], root["id"], "exec'd image's parent")
    eq(helper["role"], "child", "helper role")
    eq(os.path.basename(helper["exe"]), "helper", "helper exe")
    eq(root["end"], "exit 0", "root end")
    vfork_root_counts(t, root)
    eq(t.fn_count(helper["id"], "helper_work"), 4, "helper_work")


def test_vfork_plain_exit(t):
    """A vfork child that _exits neither ends nor writes its parent's
    image."""
    build_vforker(t)
    t.covrun("./vforker", "exit", check_rc=0)
    recs = t.records()
    eq(len(recs), 1, "images")
    root = one(recs, how="root")
    eq(root["end"], "exit 0", "root end")
    vfork_root_counts(t, root)


def test_uninstrumented_fork(t):
    build(t)
    t.covrun("./forks", "uninstrumented-fork", check_rc=0)
    recs = t.records()
    root = one(recs, how="root")
    child = one(recs, how="fork")
    eq(t.fn_count(root["id"], "pre_work"), PRE_CALLS, "pre_work in root")
    eq(t.fn_count(child["id"], "pre_work"), 0, "pre_work in child")
    eq(t.fn_count(child["id"], "child_work"), 1, "child_work in child")
    eq(t.fn_count(child["id"], "main"), 0, "main in child")


def helper_counts(t, recs):
    out = []
    for r in recs:
        if os.path.basename(r["exe"]) == "helper":
            out.append(t.fn_count(r["id"], "helper_work"))
    return sorted(out)


def ancestors(recs, rec):
    by_id = {r["id"]: r for r in recs}
    chain = []
    while rec["parent"] in by_id:
        rec = by_id[rec["parent"]]
        chain.append(rec)
    return chain


def test_spawn_family(t):
    build(t)
    t.covrun("./forks", "spawn", check_rc=0)
    recs = t.records()
    root = one(recs, how="root")
    eq(helper_counts(t, recs), [2, 3, 5, 6], "helper_work per helper image")
    for r in recs:
        if r is root:
            continue
        eq(r["role"], "child", "role of %s" % r["exe"])
        check(root in ancestors(recs, r), "%s descends from the root"
              % r["id"])
    spawned = [r for r in recs if r["how"] == "spawn"]
    check(spawned, "posix_spawn/system/popen images are 'spawn'")
    eq(t.fn_count(root["id"], "parent_work"), 1, "parent_work in root")


def test_scrubbed_environment(t):
    build(t)
    p = t.covrun("./forks", "scrub", check_rc=0)
    recs = t.records()
    eq(helper_counts(t, recs), [7, 8, 9], "helper_work per helper image")
    eq(t.stray_gcda(), [], "gcda written into the build tree")
    check("outside the run directory" not in p.stderr, "no stray warning")


def test_stray_gcda_warning(t):
    """A gcda written next to its gcno during the run is reported."""
    build(t)
    p = t.covrun("./forks", "stray", check_rc=0)
    stray = os.path.join(t.dir, "helper.gcda")
    check(os.path.exists(stray), "the raw exec wrote into the build tree")
    # covrun knows the directory from forks.gcda of the root image.
    check("'%s' was written outside the run directory" % stray in p.stderr,
          "warning names the stray gcda")


def test_opt_out(t):
    """COVRUN_DIR= (empty) before an exec: that command and its children
    run as without covrun, gcda in place; the rest is still collected."""
    build(t)
    p = t.covrun("./forks", "opt-out", check_rc=0)
    recs = t.records()
    eq(helper_counts(t, recs), [], "helper images in the run")
    gcda = os.path.join(t.dir, "helper.gcda")
    check(os.path.exists(gcda), "helper wrote its gcda in place")
    doc = __import__("covtest").gcov_json(gcda, gcda[:-5] + ".gcno")
    n = sum(fn["execution_count"] for f in doc["files"]
            for fn in f["functions"] if fn["name"] == "helper_work")
    eq(n, 2 + 3, "helper_work in place")
    root = one(recs, how="root")
    eq(t.fn_count(root["id"], "parent_work"), 1, "root still collected")


def json_counts(path):
    """{file: {line: (count, root, child, [branch counts])}} of a covrun
    JSON report."""
    import json
    with open(path) as f:
        doc = json.load(f)
    return {f["path"]: {ln["line"]: (ln["count"], ln["root"], ln["child"],
                                     [b["count"] for b in ln["branches"]])
                        for ln in f["lines"]} for f in doc["files"]}


def folded_images(data):
    """Images the current fold generation of run directory DATA holds: the
    sum of its contexts file's image counts (docs/run-directory.md)."""
    with open(os.path.join(data, "fold", "current")) as f:
        gen = os.path.join(data, "fold", f.read().strip())
    with open(os.path.join(gen, "contexts")) as f:
        return sum(int(line.split("\t")[2]) for line in f.read().split("\n")[1:]
                   if line)


def test_fold_during_run(t):
    """Finished images are folded into one aggregate while the run goes
    on; the result equals merging everything at the end."""
    build(t)
    n = 150
    t.covrun("--fold-batch", "10", "--json", "fold.json", "./forks",
             "many", str(n), check_rc=0)
    current = os.path.join(t.data, "fold", "current")
    check(os.path.exists(current), "a fold happened")
    with open(current) as f:
        gen = f.read().strip()
    eq(sorted(os.listdir(os.path.join(t.data, "fold"))), sorted(["current", gen]),
       "one generation left, no taken images")
    # a generation is its contexts file, one data file per context
    # (docs/run-directory.md, "Fold"), not a gcda tree per context, and
    # its mark in the journal
    gendir = os.path.join(t.data, "fold", gen)
    with open(os.path.join(gendir, "contexts")) as f:
        ctx_ids = [l.split("\t")[0] for l in f.read().splitlines()[1:]]
    check(ctx_ids, "contexts listed")
    files = [os.path.relpath(os.path.join(d, n), gendir)
             for d, _, names in os.walk(gendir) for n in names]
    eq(sorted(files), sorted(["contexts", "mark"] +
                             [os.path.join("ctx", c) for c in ctx_ids]),
       "generation files")
    folded = folded_images(t.data)
    left = covtest.image_ids(t.data)
    check(folded >= 10, "images folded: %d" % folded)
    with_images = [r for r in t.records() if r.get("instrumented") == "1"]
    eq(folded + len(left), len(with_images), "every image accounted")
    folded_counts = json_counts(os.path.join(t.dir, "fold.json"))
    t.data = os.path.join(t.dir, "nofold")
    t.covrun("run", "--data-dir", t.data, "--fold-batch", "0", "--json",
             "nofold.json", "./forks", "many", str(n), check_rc=0,
             data=False)
    check(not os.path.exists(os.path.join(t.data, "fold")), "no fold")
    plain = json_counts(os.path.join(t.dir, "nofold.json"))
    eq(folded_counts, plain, "folded result against merging at the end")
    fns = {}
    import json
    with open(os.path.join(t.dir, "fold.json")) as f:
        for fl in json.load(f)["files"]:
            for fn in fl["functions"]:
                fns[fn["name"]] = (fn["count"], fn["root"], fn["child"])
    eq(fns["child_work"], (3 * n, 0, 3 * n), "child_work all/root/child")
    eq(fns["helper_work"], (2 * ((n + 2) // 3), 0, 2 * ((n + 2) // 3)),
       "helper_work (every third child execs helper 2)")
    # a damaged fold/current loses the aggregate: said, exit status 3
    t.data = os.path.join(t.dir, ".covrun")
    with open(current, "w") as f:
        f.write("junk\n")
    p = t.covrun("report", "--json", "damaged.json", t.data, data=False)
    # 3: data left out; 5 when no image was left unfolded to report
    check(p.returncode in (3, 5), "report with a damaged fold/current: "
          "exit status %d: %s" % (p.returncode, p.stderr))
    check("'%s': names no fold generation" % current in p.stderr,
          "the damaged file is named: " + p.stderr)


def test_fold_take_bounded(t):
    """One look of the fold takes at most its bound of data and looks
    again at once while finished images are left (docs/run-directory.md,
    "Fold"): with the bound at one byte, every look takes one image and
    writes a generation, so generations number about the images folded
    (one look taking every finished image made about one generation per
    batch of 10), and the last look goes on until fewer than a batch are
    left; the counts equal merging everything at the end."""
    build(t)
    n = 120
    t.covrun("--fold-batch", "10", "--json", "fold.json", "./forks",
             "many", str(n), check_rc=0, env={"COVRUN_FOLD_TAKE": "1"})
    with open(os.path.join(t.data, "fold", "current")) as f:
        gen = int(f.read().strip())
    folded = folded_images(t.data)
    check(folded >= 20, "images folded: %d" % folded)
    check(gen * 2 >= folded, "generations %d for %d images folded: one "
          "look took more than its bound" % (gen, folded))
    # the last look went on while images were left (--fold-batch: fewer
    # than a batch left to merge at the end)
    left = covtest.image_ids(t.data)
    check(len(left) < 10, "%d images left unfolded" % len(left))
    folded_counts = json_counts(os.path.join(t.dir, "fold.json"))
    t.data = os.path.join(t.dir, "nofold")
    t.covrun("run", "--data-dir", t.data, "--fold-batch", "0", "--json",
             "nofold.json", "./forks", "many", str(n), check_rc=0,
             data=False)
    eq(folded_counts, json_counts(os.path.join(t.dir, "nofold.json")),
       "folded result against merging at the end")


def merged_images(t, source):
    """Images per context of SOURCE merged (`covrun merge -o`): the
    contexts file's counts, summed."""
    out = os.path.join(t.dir, "merged")
    t.covrun("merge", "-o", out, source, check_rc=0, data=False)
    with open(os.path.join(out, "contexts")) as f:
        return sum(int(line.split("\t")[2])
                   for line in f.read().split("\n")[1:] if line)


def test_fold_image_counts(t):
    """Every image counted once: 40 images of 10 objects each (10 frames)
    folded one image at a time with looks of 300 bytes, so that an
    image's frames fall on both sides of a generation's mark while its
    process is already gone; and a generation whose mark is lost is said
    (exit 3), its counters never counted twice."""
    ten_objects(t)
    script = "for i in $(seq 40); do ./ten; done"
    t.covrun("--no-report", "--fold-batch", "1", "sh", "-c", script,
             check_rc=0, env={"COVRUN_FOLD_TAKE": "300"})
    check(os.path.exists(os.path.join(t.data, "fold", "current")),
          "folded")
    eq(merged_images(t, t.data), 40, "images counted")
    t.covrun("report", "--json", "fold.json", t.data, check_rc=0,
             data=False)
    fns = fixture_functions(os.path.join(t.dir, "fold.json"))
    eq(fns.get("f1"), (40 * F1_CALLS, 40 * F1_CALLS, 0), "f1")
    eq(fns.get("main"), (40, 40, 0), "main")
    # in parallel, with batches of 5: a generation is written while the
    # frames of an image whose process is gone are still to be read (the
    # mark lists it); at the end fewer than a batch are left after the
    # mark (a race: the old mark counted such an image twice in one run
    # of about six)
    for run in range(5):
        d = os.path.join(t.dir, "par%d" % run)
        t.covrun("run", "-q", "--no-report", "--fold-batch", "5",
                 "--data-dir", d, "sh", "-c",
                 "for i in $(seq 60); do ./ten & done; wait", check_rc=0,
                 data=False, env={"COVRUN_FOLD_TAKE": "700"})
        eq(merged_images(t, d), 60, "images counted, parallel run %d"
           % run)
        shutil.rmtree(os.path.join(t.dir, "merged"))
    # the mark lost: the journal's counters after it are not counted
    # (they may also be in the generation), and that is said
    with open(os.path.join(t.data, "fold", "current")) as f:
        mark = os.path.join(t.data, "fold", f.read().strip(), "mark")
    with open(mark, "w") as f:
        f.write("garbage\n")
    p = t.covrun("report", "--json", "lost.json", t.data, data=False)
    eq(p.returncode, 3, "exit status with the mark damaged")
    check("mark is missing or damaged" in p.stderr, "said: " + p.stderr)
    fns = fixture_functions(os.path.join(t.dir, "lost.json"))
    check(fns.get("main", (0,))[0] <= 40, "main not counted twice: %r"
          % (fns.get("main"),))


def test_fold_context_without_data(t):
    """A context whose images ran nothing another context did not run
    (p2 loads lib.o, which p1 runs, and calls nothing instrumented) has
    nothing to write: its fold data file, and its directory in `covrun
    merge -o`, are still there, empty, so that reading them back loses
    nothing (listed without them, it read as data lost: exit 3)."""
    src = {"lib.c": "int lib_work(int x) { return x * 2 + 1; }\n",
           "p1.c": "int lib_work(int);\n"
                   "int main(void) { return lib_work(3) != 7; }\n",
           "p2.c": "int lib_work(int);\n"
                   "int (*volatile keep)(int) = lib_work;\n"
                   "int main(void) { return 0; }\n"}
    for name, text in src.items():
        with open(os.path.join(t.dir, name), "w") as f:
            f.write(text)
    def cc(*args):
        subprocess.run([covtest.CC, "-O0"] + list(args), cwd=t.dir,
                       check=True)
    cc("--coverage", "-c", "lib.c")
    cc("-c", "p1.c")
    cc("-c", "p2.c")
    cc("--coverage", "-o", "p1", "p1.o", "lib.o")
    cc("--coverage", "-o", "p2", "p2.o", "lib.o")
    t.covrun("--fold-batch", "1", "--json", "run.json", "sh", "-c",
             "./p1 && sleep 0.3 && ./p2 && sleep 0.3", check_rc=0)
    with open(os.path.join(t.data, "fold", "current")) as f:
        gen = os.path.join(t.data, "fold", f.read().strip())
    with open(os.path.join(gen, "contexts")) as f:
        ids = [l.split("\t")[0] for l in f.read().splitlines()[1:]]
    eq(len(ids), 2, "two contexts folded (p1, p2)")
    for c in ids:
        check(os.path.isfile(os.path.join(gen, "ctx", c)),
              "context %s has its data file" % c)
    want = json_counts(os.path.join(t.dir, "run.json"))
    eq(want["lib.c"][1][0], 1, "lib_work ran once (in p1)")
    p = t.covrun("report", "--json", "again.json", t.data, data=False)
    eq(p.returncode, 0, "report of the run: " + p.stderr)
    eq(json_counts(os.path.join(t.dir, "again.json")), want, "again")
    merged = os.path.join(t.dir, "merged")
    t.covrun("merge", "-o", merged, t.data, check_rc=0, data=False)
    for c in ids:
        check(os.path.isdir(os.path.join(merged, "ctx", c)),
              "merged context %s has its directory" % c)
    p = t.covrun("report", "--json", "merged.json", merged, data=False)
    eq(p.returncode, 0, "report of the merged directory: " + p.stderr)
    eq(json_counts(os.path.join(t.dir, "merged.json")), want, "merged")
    # packed in archives: the same; one without a listed context's data
    # file is named and the rest counted (exit 3), as a directory is
    import tarfile
    gone = "fold/%s/ctx/%s" % (os.path.basename(gen), ids[1])
    for name, drop in (("run.tar.gz", None), ("cut.tar.gz", gone)):
        bundle = os.path.join(t.dir, name)
        with tarfile.open(bundle, "w:gz") as tar:
            tar.add(t.data, arcname="run", filter=lambda ti: None
                    if drop and ti.name == "run/" + drop else ti)
        p = t.covrun("report", "--json", name + ".json", bundle,
                     data=False)
        if drop:
            eq(p.returncode, 3, "a bundle without %s: exit status" % drop)
            check("context '%s' is listed but not in the bundle" % ids[1]
                  in p.stderr, "the context is named: " + p.stderr)
        else:
            eq(p.returncode, 0, "report of the bundle: " + p.stderr)
            eq(json_counts(os.path.join(t.dir, name + ".json")), want,
               "the bundle")
    # the merged directory zipped without directory entries (its empty
    # context is then no entry at all), under a path that looks like a
    # fold generation's: read as the merged directory it is
    import zipfile
    zipped = os.path.join(t.dir, "merged.zip")
    with zipfile.ZipFile(zipped, "w") as z:
        for d, _, names in os.walk(merged):
            for n in names:
                path = os.path.join(d, n)
                z.write(path, "ci/fold/7/" + os.path.relpath(path, merged))
    p = t.covrun("report", "--json", "zip.json", zipped, data=False)
    eq(p.returncode, 0, "report of the zipped merged directory: " + p.stderr)
    eq(json_counts(os.path.join(t.dir, "zip.json")), want, "zipped")


def test_fold_interrupted(t):
    """A fold interrupted after switching generations but before deleting
    its images (format 1's list of images folded, in a format-2 run
    directory): the images it lists are not counted twice."""
    build(t)
    t.covrun("--fold-batch", "0", "--json", "whole.json", "./forks", "many",
             "30", check_rc=0)
    want = json_counts(os.path.join(t.dir, "whole.json"))
    covtest.to_format2(t.data)
    part = os.path.join(t.dir, "part")
    imgs = covtest.image_ids(t.data)[:12]
    os.makedirs(os.path.join(part, "img"))
    os.makedirs(os.path.join(part, "data"))
    subprocess.run(["cp", "-a", os.path.join(t.data, "proc"),
                    os.path.join(t.data, "journal"), part], check=True)
    for i in imgs:
        for sub in ("img", "data"):
            if os.path.exists(os.path.join(t.data, sub, i)):
                subprocess.run(["cp", "-a", os.path.join(t.data, sub, i),
                                os.path.join(part, sub)], check=True)
    gen = os.path.join(t.data, "fold", "1")
    t.covrun("merge", "-o", gen, part, check_rc=0, data=False)
    with open(os.path.join(gen, "images"), "w") as f:
        f.write("".join(i + "\n" for i in imgs))
    with open(os.path.join(t.data, "fold", "current"), "w") as f:
        f.write("1\n")
    t.covrun("report", "--json", "again.json", t.data, check_rc=0,
             data=False)
    eq(json_counts(os.path.join(t.dir, "again.json")), want,
       "aggregate plus the listed images still on disk")


def fixture_functions(path):
    """{function: (count, root, child)} of a covrun JSON report."""
    import json
    with open(path) as f:
        return {fn["name"]: (fn["count"], fn["root"], fn["child"])
                for fl in json.load(f)["files"] for fn in fl["functions"]}


def forks_many_functions(fns, n, runs=1):
    """child_work and helper_work of RUNS runs of "forks many N": each
    child runs child_work 3 times, every third execs helper 2."""
    c = 3 * n * runs
    eq(fns["child_work"], (c, 0, c), "child_work all/root/child")
    h = 2 * ((n + 2) // 3) * runs
    eq(fns["helper_work"], (h, 0, h), "helper_work")


def run_count(data):
    """Images with data in run DATA and in every fold/<M>/taken."""
    n = len(covtest.image_ids(data))
    fold = os.path.join(data, "fold")
    for g in os.listdir(fold) if os.path.isdir(fold) else []:
        n += len(covtest.image_ids(os.path.join(fold, g, "taken")))
    return n


def test_fold_no_report_bounded(t):
    """--no-report folds too, while the run goes on: 600 short
    instrumented processes never leave more than a few batches of images
    on disk, and the counts are exact."""
    build(t)
    n = 600
    proc = subprocess.Popen([COVRUN, "-d", t.data, "--force", "--no-report",
                             "--fold-batch", "40", "./forks", "many",
                             str(n)], cwd=t.dir, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, universal_newlines=True)
    peak = 0
    while proc.poll() is None:
        try:
            peak = max(peak, run_count(t.data))
        except OSError:
            pass  # an image taken while it was listed
        time.sleep(0.05)
    out, err = proc.communicate()
    sys.stderr.write(err)
    eq(proc.returncode, 0, "covrun exit status")
    # without folding every image stays (the peak is n); the fold runs
    # beside the command, so how far it lags depends on the machine (an
    # ASan build lags more): at most half of them is the bound
    check(peak <= n // 2, "images on disk at most: %d (of %d)" % (peak, n))
    check(os.path.exists(os.path.join(t.data, "fold", "current")),
          "folded with --no-report")
    t.covrun("report", "--json", "r.json", t.data, check_rc=0, data=False)
    forks_many_functions(fixture_functions(os.path.join(t.dir, "r.json")),
                         n)


def wait_run_quiet(t):
    """Wait until every process recorded in the run has ended (covrun was
    killed: its command's processes go on without it)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        recs = t.records()
        alive = [r for r in recs if os.path.exists("/proc/%s" % r["pid"])
                 and "end" not in r]
        if not alive:
            time.sleep(0.3)
            if len(t.records()) == len(recs):
                return
        time.sleep(0.1)
    raise AssertionError("the run's processes did not end")


FOLD_TWICE = "./forks many 40; sleep 1.5; ./forks many 40"


def fold_crash(t, step):
    """covrun killed at STEP of making fold generation 2 (the fault hook,
    tests/README.md): what is on disk still counts every image once."""
    build(t)
    t.covrun("run", "--data-dir", os.path.join(t.dir, "whole"),
             "--fold-batch", "0", "--json", "whole.json", "sh", "-c",
             FOLD_TWICE, check_rc=0, data=False)
    p = t.covrun("run", "--no-report", "--fold-batch", "10", "sh", "-c",
                 FOLD_TWICE, env={"COVRUN_FOLD_FAULT": step + ":2"})
    eq(p.returncode, -signal.SIGKILL, "covrun killed at " + step)
    wait_run_quiet(t)
    fold = os.path.join(t.data, "fold")
    with open(os.path.join(fold, "current")) as f:
        current = f.read().strip()
    eq(current, "2" if step == "switched" else "1", "fold/current")
    if step == "switched":
        check(os.path.isdir(os.path.join(fold, "1")),
              "generation 1 not deleted yet")
    else:
        check(covtest.image_ids(t.data), "images summed into generation 2 "
              "still after generation 1's mark")
    eq(os.path.exists(os.path.join(fold, "2", "contexts")),
       step != "taken", "generation 2 written")
    report_as_whole(t, t.data, "again.json",
                    "after a crash at %s: the same counts as merging at the "
                    "end" % step)
    # the same directory packed in an archive: the bundle reader counts
    # fold/current's generation and the images taken after it, never an
    # older generation or the images its aggregate holds
    import tarfile
    bundle = os.path.join(t.dir, "crashed.tar.gz")
    with tarfile.open(bundle, "w:gz") as tar:
        tar.add(t.data, arcname="run")
    report_as_whole(t, bundle, "bundle.json",
                    "after a crash at %s, from a bundle" % step)


def report_as_whole(t, source, out, what):
    """`covrun report` of SOURCE (a run directory or bundle) into OUT
    counts what whole.json (the same run merged at the end) does."""
    t.covrun("report", "--json", out, source, check_rc=0, data=False)
    eq(json_counts(os.path.join(t.dir, out)),
       json_counts(os.path.join(t.dir, "whole.json")), what)
    forks_many_functions(fixture_functions(os.path.join(t.dir, out)), 40, 2)


def test_fold_crash_taken(t):
    fold_crash(t, "taken")


def test_fold_crash_written(t):
    fold_crash(t, "written")


def test_fold_crash_switched(t):
    fold_crash(t, "switched")


def test_fold_signal_forwarded(t):
    """The launcher forwards a signal at once while a fold is in progress:
    the fold runs in a thread of its own (a fault hook makes it slow)."""
    build(t)
    script = ('trap "echo got > got; exit 3" TERM; ./forks many 20; '
              'sleep 30 & wait')
    proc = subprocess.Popen([COVRUN, "-d", t.data, "--force", "--no-report",
                             "--fold-batch", "5", "sh", "-c", script],
                            cwd=t.dir, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, universal_newlines=True,
                            env=dict(os.environ,
                                     COVRUN_FOLD_FAULT="sleep:6"))
    gen = os.path.join(t.data, "fold", "1")
    deadline = time.monotonic() + 30
    while not os.path.isdir(gen) and time.monotonic() < deadline:
        time.sleep(0.02)
    check(os.path.isdir(gen), "a fold is in progress")
    sent = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    got = os.path.join(t.dir, "got")
    while not os.path.exists(got) and time.monotonic() < sent + 10:
        time.sleep(0.02)
    delay = time.monotonic() - sent
    check(os.path.exists(got) and delay < 2,
          "the command got SIGTERM after %.2f s" % delay)
    check(not os.path.exists(os.path.join(t.data, "fold", "current")),
          "the fold was still in progress then")
    proc.communicate(timeout=60)
    eq(proc.returncode, 3, "covrun exit status (the command's)")


def test_v1_run_directory(t):
    """New runs say format 2; a format 1 run directory (run.info
    "covrun-run 1", fold/<N>/images) still reports, and is still an
    earlier run that covrun moves aside."""
    build(t)
    t.covrun("--fold-batch", "0", "--json", "want.json", "./forks", "many",
             "30", check_rc=0)
    info = os.path.join(t.data, "run.info")
    with open(info) as f:
        lines = f.read().split("\n")
    eq(lines[0], "covrun-run 3", "run.info magic of a new run")
    with open(info, "w") as f:
        f.write("\n".join(["covrun-run 1"] + lines[1:]))
    t.covrun("report", "--json", "v1.json", t.data, check_rc=0, data=False)
    eq(json_counts(os.path.join(t.dir, "v1.json")),
       json_counts(os.path.join(t.dir, "want.json")), "v1 run reported")
    p = t.covrun("run", "--data-dir", t.data, "--fold-batch", "0",
                 "--no-report", "./forks", "many", "1", check_rc=0,
                 data=False)
    check("moved to" in p.stderr + p.stdout, "v1 run moved aside")
    with open(info + "") as f:
        eq(f.readline().strip(), "covrun-run 3", "the new run")
    with open(os.path.join(t.data + ".prev", "run.info")) as f:
        eq(f.readline().strip(), "covrun-run 1", "the v1 run kept")


def test_daemon(t):
    build(t)
    start = time.monotonic()
    t.covrun("./forks", "daemon", check_rc=0)
    check(time.monotonic() - start >= 0.3, "covrun waited for the daemon")
    recs = t.records()
    root = one(recs, how="root")
    d = [r for r in recs if len(ancestors(recs, r)) == 2]
    eq(len(d), 1, "grandchild images")
    eq(d[0]["end"], "exit 0", "daemon end")
    eq(t.fn_count(d[0]["id"], "daemon_work"), 1, "daemon_work")
    eq(t.fn_count(root["id"], "daemon_work"), 0, "daemon_work in root")


def test_daemon_outlives_wait(t):
    build(t)
    start = time.monotonic()
    p = t.covrun("--wait-descendants", "0.5", "./forks", "long-daemon",
                 check_rc=0)
    check(time.monotonic() - start < 4, "covrun stopped waiting")
    recs = t.records()
    d = [r for r in recs if len(ancestors(recs, r)) == 2]
    eq(len(d), 1, "daemon images")
    check("image %s (pid %s: ./forks long-daemon) is still running"
          % (d[0]["id"], d[0]["pid"]) in p.stderr, "warning names it")
    os.kill(int(d[0]["pid"]), signal.SIGKILL)


def test_corrupt_record(t):
    build(t)
    t.covrun("./forks", "return", check_rc=0)
    bad = os.path.join(t.data, "proc", "bad.rec")
    with open(bad, "w") as f:
        f.write("covrun-record 1\nid x\npid not-a-number\n")
    p = t.covrun("tree", t.data, check_rc=0, data=False)
    check("'%s': bad value for 'pid'" % bad in p.stderr,
          "warning names the record: " + p.stderr)
    eq(p.stdout.count(" pid "), 2, "the other records are shown")
    # An end appended by a process killed while writing it: the record
    # stands, without its end.
    cut = os.path.join(t.data, "proc", "cut.rec")
    with open(cut, "w") as f:
        f.write("covrun-record 1\nid cut-1\npid 1\nppid 0\nparent \n"
                "how root\nrole root\nexe /x\ncwd /\nlabel \nstart 1\n"
                "arg a\narg a\ninstrumented 1\nend _exi")
    p = t.covrun("tree", "--json", t.data, check_rc=0, data=False)
    doc = __import__("json").loads(p.stdout)
    rec = [x for x in doc["processes"] if x["id"] == "cut-1"][0]
    eq(rec["end"], "unknown", "end of a record whose append was cut")
    eq(rec["argv"], ["a", "a"], "repeated arguments kept")


def run_files(rundir):
    return sorted(os.path.relpath(os.path.join(d, f), rundir)
                  for d, _, fs in os.walk(rundir) for f in fs)


def test_ends_when_nothing_is_left(t):
    """Once the command's last process is reaped, covrun stops waiting at
    once: no timed wait of the launcher runs out after it (it waited one
    100 ms tick for nothing, a tenth of a second on every run).  strace
    shows the launcher's waits: the one that returns the command's
    SIGCHLD must be its last that times out."""
    log = os.path.join(t.dir, "strace.log")
    p = subprocess.run(["strace", "-f", "-o", log, "-e",
                        "trace=rt_sigtimedwait,exit_group", COVRUN, "run",
                        "--data-dir", t.data, "--force", "--no-report",
                        "/bin/true"], cwd=t.dir, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, universal_newlines=True,
                       timeout=120, env=covtest.strace_env())
    eq(p.returncode, 0, "covrun status")
    with open(log) as f:
        lines = f.read().splitlines()
    ended = [i for i, l in enumerate(lines) if "SIGCHLD" in l and
             re.search(r"= 17|\(SIGCHLD\)$", l)]
    check(ended, "the launcher's wait returned the command's SIGCHLD")
    # a wait of zero (the last look for a pending SIGINT) is no wait
    idle = [l for l in lines[ended[-1]:] if "EAGAIN" in l and
            "{tv_sec=0, tv_nsec=0}" not in l]
    eq(idle, [], "timed waits that ran out after the command ended")


def test_uninstrumented_no_files(t):
    """Format 2: an image without instrumented code creates no file, it
    appends one journal entry (docs/run-directory.md)."""
    t.covrun("sh", "-c", "/bin/true", check_rc=None)
    baseline = run_files(t.data)
    t.covrun("sh", "-c", "for i in $(seq 50); do /bin/true; done",
             check_rc=None)
    eq(run_files(t.data), baseline, "files after 50 /bin/true")
    trues = [r for r in t.records() if os.path.basename(r["exe"]) == "true"]
    eq(len(trues), 50, "records of /bin/true")
    # the first scanned /bin/true; the others ran untraced (a leaf)
    eq(sorted({r.get("end", r.get("untraced")) for r in trues}),
       ["1", "exit 0"], "their ends")
    eq(len(covtest.read_frames(os.path.join(t.data, "journal"))[0]),
       len(t.records()), "one journal entry per uninstrumented image")


def test_untraced_leaf(t):
    """A leaf program (glibc's libraries only, importing nothing that
    starts a process or loads code) runs without the shim once the run's
    cache knows it: the image that execs it appends its record, untraced
    (docs/run-directory.md, "Untraced images").  A program that could
    start an image, one with another library preloaded, and an
    instrumented one stay traced."""
    build(t)
    other = t.cc("libother.so", ["other.c"], flags=["-shared", "-fPIC"],
                 coverage=False)
    script = ("/bin/true; /bin/true a; /bin/true b; sh -c :; sh -c :; "
              "LD_PRELOAD=%s /bin/true c; ./forks return" % other)
    p = t.covrun("--no-report", "sh", "-c", script, check_rc=0)
    recs = t.records()
    top = one(recs, how="root")
    trues = {tuple(r.get("argv", [])): r for r in recs
             if r["exe"] == os.path.realpath("/bin/true")}
    eq(sorted(trues), [("/bin/true",), ("/bin/true", "a"),
                       ("/bin/true", "b"), ("/bin/true", "c")],
       "images of /bin/true")
    first, pre = trues[("/bin/true",)], trues[("/bin/true", "c")]
    eq((first.get("end"), first.get("untraced")), ("exit 0", None),
       "the first /bin/true (the cache learns it)")
    eq((pre.get("end"), pre.get("untraced")), ("exit 0", None),
       "/bin/true with another library preloaded")
    for arg in ("a", "b"):
        r = trues[("/bin/true", arg)]
        eq((r.get("untraced"), r.get("end"), r.get("dumped"),
            r.get("instrumented"), r["parent"], r["cwd"]),
           ("1", None, None, "0", top["id"], os.path.realpath(t.dir)),
           "untraced /bin/true %s" % arg)
    shells = [r for r in recs if r["exe"] == os.path.realpath("/bin/sh")
              and r["how"] != "root"]
    eq([(r.get("untraced"), "end" in r) for r in shells],
       [(None, True)] * 2, "sh -c : (it imports fork)")
    forks = [r for r in recs
             if r["exe"] == os.path.realpath(os.path.join(t.dir, "forks"))]
    eq([r.get("untraced") for r in forks], [None, None],
       "the instrumented program and its fork child")
    check("warning" not in p.stderr, "no image in the loss ledger: %r"
          % p.stderr)
    tree = t.covrun("tree", t.data, data=False, check_rc=0).stdout
    eq(sum("untraced: /usr/bin/true" in line or
           "untraced: %s" % os.path.realpath("/bin/true") in line
           for line in tree.splitlines()), 2, "untraced in covrun tree")


LEAF_SHAPES = {
    # a leaf: the positive control
    "leaf_ok": "int main(void)\n{\n\treturn 0;\n}\n",
    # NSS lookups load modules through libc's own dlopen
    "nss": "#include <pwd.h>\nint main(int argc, char **argv)\n{\n"
           "\t(void)argv;\n\treturn argc > 9 && getpwnam(\"root\");\n}\n",
    # glibc's other public name of fork
    "alias": "extern int __fork(void);\nint main(int argc, char **argv)\n"
             "{\n\t(void)argv;\n\treturn argc > 9 ? __fork() : 0;\n}\n",
    # its own system call instruction (as Go's runtime makes them)
    "rawsys": "int main(int argc, char **argv)\n{\n\tlong r = 39;\n"
              "\t(void)argv;\n\tif (argc > 9)\n\t\t__asm__ volatile "
              "(\"syscall\" : \"+a\"(r) : : \"rcx\", \"r11\", \"memory\");"
              "\n\treturn 0;\n}\n",
    # a 16 kB thread stack execs a leaf
    "stack": "#include <pthread.h>\n#include <unistd.h>\n"
             "static void *run(void *p)\n{\n\t(void)p;\n"
             "\texecl(\"./leaf_ok\", \"./leaf_ok\", \"from-thread\", "
             "(char *)0);\n\treturn 0;\n}\nint main(void)\n{\n"
             "\tpthread_attr_t a;\n\tpthread_t t;\n"
             "\tpthread_attr_init(&a);\n"
             "\tpthread_attr_setstacksize(&a, 16384);\n"
             "\tpthread_create(&t, &a, run, 0);\n"
             "\tpthread_join(t, 0);\n\treturn 1;\n}\n",
}


def test_untraced_not_leaves(t):
    """What stays traced (the review of the first version lost the
    children or the counters of each): a program that looks names up
    (NSS), calls __fork, makes its own system call, has an RPATH, or was
    built with --coverage and has a .symtab without libgcov's symbols, or
    whose section headers lie about .dynsym's strings; and a leaf run
    with LD_LIBRARY_PATH set.  A thread with a 16 kB stack
    execs a leaf untraced."""
    for name, src in LEAF_SHAPES.items():
        with open(os.path.join(t.dir, name + ".c"), "w") as f:
            f.write(src)
        t.cc(name, [os.path.join(t.dir, name + ".c")], coverage=False,
             flags=["-pthread"] if name == "stack" else [])
    t.cc("rpath", [os.path.join(t.dir, "leaf_ok.c")], coverage=False,
         flags=["-Wl,-rpath," + t.dir])
    # section headers that lie: .dynsym's strings are said to be itself
    # (the loader reads what PT_DYNAMIC names; names read there were
    # none that starts a process)
    t.cc("lied", [os.path.join(t.dir, "alias.c")], coverage=False)
    with open(os.path.join(t.dir, "lied"), "r+b") as f:
        elf = f.read()
        shoff, = struct.unpack_from("<Q", elf, 0x28)
        shentsize, shnum = struct.unpack_from("<HH", elf, 0x3a)
        for i in range(shnum):
            at = shoff + i * shentsize
            if struct.unpack_from("<I", elf, at + 4)[0] == 11:  # DYNSYM
                f.seek(at + 40)  # sh_link
                f.write(struct.pack("<I", i))
    t.cc("gcovstrip", [os.path.join(t.dir, "leaf_ok.c")])
    subprocess.run(["strip", "-K", "main", "gcovstrip"], cwd=t.dir,
                   check=True)
    time.sleep(2.2)  # the cache enters files whose change time is 2 s old
    progs = ["leaf_ok", "nss", "alias", "rawsys", "rpath", "gcovstrip",
             "lied"]
    script = "".join("./%s; ./%s 2; " % (p, p) for p in progs)
    script += "LD_LIBRARY_PATH=%s ./leaf_ok 3; ./stack" % t.dir
    t.covrun("--no-report", "sh", "-c", script, check_rc=None)
    recs = t.records()
    seconds = {}
    for r in recs:
        name = os.path.basename(r["exe"])
        if r["argv"][1:] in (["2"], ["3"], ["from-thread"]):
            seconds[name, r["argv"][-1]] = r.get("untraced")
    want = {(p, "2"): None for p in progs}
    want["leaf_ok", "2"] = "1"
    want["leaf_ok", "3"] = None
    want["leaf_ok", "from-thread"] = "1"
    eq(seconds, want, "untraced ('1') among the second runs")
    eq(one(recs, exe=os.path.realpath(os.path.join(t.dir, "stack")))
       .get("end"), "exec", "the 16 kB thread's exec")


def test_untraced_live_count(t):
    """An untraced image is not among the live processes (--max-processes):
    the fork child that execs it is counted no more, so 30 /bin/true run
    one after the other by bash's fork children under --max-processes 3
    all run (a count left behind stops the run at the fourth)."""
    p = t.covrun("--max-processes", "3", "--no-report", "bash", "-c",
                 "for i in $(seq 30); do /bin/true $i; done", check_rc=None)
    check("--max-processes" not in p.stderr, "run stopped: %r" % p.stderr)
    trues = [r for r in t.records()
             if r["exe"] == os.path.realpath("/bin/true")]
    eq(len(trues), 30, "images of /bin/true")
    eq(sum(r.get("untraced") == "1" for r in trues), 29, "untraced ones")


UNTRACED_FAIL = """import errno, os, subprocess
subprocess.run(["/bin/true"], check=True)
big = ["x" * 100000] * 40
try:
    subprocess.run(["/bin/true"] + big)
    print("ran")
except OSError as e:
    print(errno.errorcode.get(e.errno))
pid = os.fork()
if pid == 0:
    try:
        os.execv("/bin/true", ["/bin/true"] + big)
    except OSError:
        os._exit(7)
print(os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]))
subprocess.run(["/bin/true", "after"], check=True)
"""


def test_untraced_exec_failed(t):
    """An exec of a leaf program that fails (E2BIG) withdraws the record
    written before it, from a vfork child (subprocess) as from a fork
    child, whose own image goes on and ends."""
    p = t.covrun("--no-report", sys.executable, "-c", UNTRACED_FAIL,
                 check_rc=None)
    eq(p.stdout.split(), ["E2BIG", "7"], "the failed execs")
    recs = t.records()
    trues = [r for r in recs if r["exe"] == os.path.realpath("/bin/true")]
    eq(sorted(tuple(r["argv"]) for r in trues),
       [("/bin/true",), ("/bin/true", "after")], "images of /bin/true")
    eq(one(recs, how="fork").get("end"), "_exit 7", "the fork child's end")


def frame(payload):
    return b"@r %d %08x\n" % (len(payload), covtest.fnv1a(payload)) + payload


def test_journal_cut_frame(t):
    """A journal frame cut short (a writer killed) or damaged is skipped
    with a message naming the journal; the frames after it are read."""
    build(t)
    t.covrun("./forks", "return", check_rc=0)
    journal = os.path.join(t.data, "journal")
    before = len(t.records())
    late = (b"id late-1\npid 7\nppid 1\nparent \nhow root\nrole root\n"
            b"exe /late\ncwd /\nlabel \nstart 1\n")
    damaged = bytearray(frame(b"id bad-1\npid 8\n"))
    damaged[-3] ^= 1
    with open(journal, "ab") as f:
        f.write(frame(late)[:-10] + bytes(damaged) + frame(late))
    p = t.covrun("tree", "--json", t.data, check_rc=0, data=False)
    check("'%s'" % journal in p.stderr and "cut short" in p.stderr,
          "warning names the journal: " + p.stderr)
    eq(p.stderr.count("cut short"), 1, "one warning per file")
    ids = [x["id"] for x in __import__("json").loads(p.stdout)["processes"]]
    eq(len(ids), before + 1, "records before and after the bad frames")
    check("late-1" in ids and "bad-1" not in ids, "ids read: %r" % ids)


F1_CALLS = 4


def ten_objects(t, cc=None, out="ten"):
    """A program of 10 objects of which 2 run: main.c calls f1() (in o1.c)
    F1_CALLS times; o2.c .. o9.c are linked in but never called."""
    srcs = ["main.c"] + ["o%d.c" % i for i in range(1, 10)]
    with open(os.path.join(t.dir, "main.c"), "w") as f:
        f.write("int f1(int);\nint main(void)\n{\n\tint s = 0;\n"
                "\tfor (int i = 0; i < %d; i++)\n\t\ts += f1(i);\n"
                "\treturn s < 0;\n}\n" % F1_CALLS)
    for i in range(1, 10):
        with open(os.path.join(t.dir, "o%d.c" % i), "w") as f:
            f.write("int f%d(int x)\n{\n\treturn x > 1 ? x : -x;\n}\n"
                    % i)
    return t.cc(out, [os.path.join(t.dir, s) for s in srcs], cc=cc)


def data_frames(t, image_id):
    """The "@d" frames of one image in the journal: [(gcda path, gcda
    bytes)]."""
    bad = covtest.read_frames(os.path.join(t.data, "journal"))[1]
    eq(bad, [], "damaged frames in the journal")
    return [(p.encode(), g) for p, g in t.data_frames(image_id)]


def journal_frame(iid, gcda_path, gcda):
    """A "@d" frame (docs/run-directory.md, "Data in the journal")."""
    return covtest.frame("d", iid.encode() + b"\0" + gcda_path + b"\0" +
                         gcda)


def test_data_stream(t):
    """libgcov writes each gcda through a stream the shim keeps in memory
    (docs/run-directory.md, "Data files"): the memory file it opens is
    only locked and closed, never read, written, sought or stat'ed (each
    of those was a system call per object of every image).  gcc 11's and
    clang 14's runtimes write through it as gcc 12's does (clang's seeks
    to the end and asks the size first): the counts of two runs of the
    ten-object program are its control flow's."""
    ten_objects(t)
    log = os.path.join(t.dir, "stream.log")
    subprocess.run(["strace", "-ff", "-o", log, "-e",
                    "trace=memfd_create,read,write,pread64,lseek,"
                    "newfstatat,fstat,close,fcntl",
                    COVRUN, "run", "--data-dir", t.data, "--force",
                    "--no-report", "./ten"],
                   cwd=t.dir, check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, timeout=120,
                   env=covtest.strace_env())
    uses, opened = [], 0
    for lines in covtest.strace_per_process(log).values():
        memfds = set()
        for line in lines:
            m = re.match(r"(\w+)\((\d+)?.*= (-?\d+)", line)
            if not m:
                continue
            call, fd, rc = m.groups()
            if call == "memfd_create" and '"covrun-gcda"' in line:
                memfds.add(rc)
                opened += 1
            elif fd in memfds:
                if call == "close":
                    memfds.discard(fd)
                elif call != "fcntl" or "F_SETLK" not in line:
                    uses.append(line)
    eq(opened, 10, "memory files opened (one per object)")
    eq(uses[:4], [], "system calls on the memory files but lock and close")
    for cc in ("gcc-11", "clang-14"):
        check(shutil.which(cc), "%s is required (tools/deps.sh)" % cc)
        name = "ten-" + cc
        ten_objects(t, cc=cc, out=name)
        t.covrun("sh", "-c", "./%s && ./%s" % (name, name), check_rc=0)
        t.covrun("report", "--json", cc + ".json", t.data, data=False,
                 check_rc=0)
        fns = fixture_functions(os.path.join(t.dir, cc + ".json"))
        eq({k: v[0] for k, v in fns.items()},
           dict({"main": 2, "f1": 2 * F1_CALLS},
                **{"f%d" % i: 0 for i in range(2, 10)}),
           "%s: calls of two runs" % cc)


def test_data_file_large(t):
    """A gcda larger than the first buffer of the shim's stream (64 KiB:
    docs/run-directory.md, "Data in the journal") is kept whole: 3,000
    functions, function i called i % 7 + 1 times (counted by gcov from
    the frame, and by covrun's report; 3,000 function records of at least
    28 bytes make more than 80 KiB)."""
    n = 3000
    with open(os.path.join(t.dir, "big.c"), "w") as f:
        for i in range(n):
            f.write("int f%d(int x) { return x + %d; }\n" % (i, i))
        f.write("int main(void)\n{\n\tint s = 0;\n")
        for i in range(n):
            f.write("\tfor (int k = 0; k < %d; k++) s += f%d(k);\n"
                    % (i % 7 + 1, i))
        f.write("\treturn s == -1;\n}\n")
    t.cc("big", [os.path.join(t.dir, "big.c")])
    t.covrun("--no-report", "./big", check_rc=0)
    frames = [g for _, p, g in covtest.journal_data(t.data)
              if p.endswith("big.gcda")]
    eq(len(frames), 1, "frames of big.c")
    check(len(frames[0]) > 80 * 1024, "a gcda of %d bytes" % len(frames[0]))
    t.covrun("report", "--json", "cov.json", t.data, data=False,
             check_rc=0)
    fns = fixture_functions(os.path.join(t.dir, "cov.json"))
    eq({"f%d" % i: fns.get("f%d" % i, (None,))[0] for i in range(n)},
       {"f%d" % i: i % 7 + 1 for i in range(n)}, "calls of f0..f2999")


def test_data_file_per_image(t):
    """Format 3: an image with 10 instrumented objects of which 2 ran
    appends its counters to the journal and creates no file.  The run's
    first image writes all 10 (8 at zero: every object appears in the
    reports); the second writes 2 frames (main.c's and o1.c's gcda), and
    gcov reads the counts of the control flow from them."""
    ten_objects(t)
    t.covrun("sh", "-c", "./ten && ./ten", check_rc=0)
    tens = sorted((r for r in t.records()
                   if os.path.basename(r["exe"]) == "ten"),
                  key=lambda r: int(r["start"]))
    eq(sorted({i for i, _, _ in covtest.journal_data(t.data)}),
       sorted(r["id"] for r in tens), "images with frames")
    eq(os.path.exists(os.path.join(t.data, "data")), False, "data/")
    for r in tens:
        eq(os.path.exists(os.path.join(t.data, "img", r["id"])), False,
           "img/<id> of the image")
    first, second = [sorted(p.decode() for p, _ in data_frames(t, r["id"]))
                     for r in tens]
    eq(first, sorted([os.path.join(t.dir, "ten-main.gcda")] +
                     [os.path.join(t.dir, "ten-o%d.gcda" % i)
                      for i in range(1, 10)]), "the first image's frames")
    eq(second, [os.path.join(t.dir, "ten-main.gcda"),
                os.path.join(t.dir, "ten-o1.gcda")], "the second's")
    counts = t.counts(tens[1]["id"])["functions"]
    eq(counts.get("main"), 1, "main")
    eq(counts.get("f1"), F1_CALLS, "f1")
    eq(sorted(k for k in counts if k not in ("main", "f1")), [],
       "functions of objects that did not run")
    # A function that did not run is left out of the frame, its ident
    # kept in covrun's record (docs/gcov-format.md, section 3): the
    # function record (8 + 12 bytes) and its counters' header (8) become
    # 4 bytes of one record with an 8-byte header, 16 bytes less than the
    # gcda libgcov writes in place for o2..o9 (one function each, never
    # called).
    subprocess.run(["./ten"], cwd=t.dir, check=True)
    zero_tag = struct.pack("<I", 0xc0c00000)
    for path, gcda in data_frames(t, tens[0]["id"]):
        name = os.path.basename(path.decode())
        if name in ("ten-main.gcda", "ten-o1.gcda"):
            check(zero_tag not in gcda, "%s: nothing left out" % name)
            continue
        with open(path.decode(), "rb") as f:
            plain = f.read()
        eq(len(gcda), len(plain) - 16, "%s: bytes in the frame" % name)
        check(zero_tag in gcda, "%s: covrun's record" % name)


def test_bundle_data_files(t):
    """A run directory packed in an archive (a CI artifact) merges like
    the directory: its journal's "@d" frames are read from the archive, an
    image counted once; a damaged frame in the archive's journal is named
    and the rest counted."""
    import tarfile
    ten_objects(t)
    t.covrun("--no-report", "sh", "-c", "./ten && ./ten", check_rc=0)
    ids = sorted({i for i, _, _ in covtest.journal_data(t.data)})
    eq(len(ids), 2, "images with frames to pack")
    bundle = os.path.join(t.dir, "run.tar.gz")
    with tarfile.open(bundle, "w:gz") as tar:
        tar.add(t.data, arcname="run")
    want = os.path.join(t.dir, "dir.json")
    got = os.path.join(t.dir, "bundle.json")
    t.covrun("report", "--json", want, "--root", t.dir, t.data, data=False,
             check_rc=0)
    t.covrun("report", "--json", got, "--root", t.dir, bundle, data=False,
             check_rc=0)
    main_c = "main.c"  # paths relative to --root
    eq(json_counts(got), json_counts(want), "the bundle's counts")
    f1_line = max(json_counts(want)[main_c])  # "return s < 0;" ran twice
    eq(json_counts(got)[main_c][f1_line][0], 2, "main.c's last line")
    # the same bundle twice: each image counted once
    p = t.covrun("report", "--json", got, "--root", t.dir, bundle, bundle,
                 data=False)
    eq(json_counts(got), json_counts(want), "the bundle given twice")
    # a damaged frame: named, the other image still counted
    path = os.path.join(t.data, "journal")
    with open(path, "rb") as f:
        raw = bytearray(f.read())
    first = raw.find(("@d ").encode())
    raw[first + 60] ^= 0xff
    bad = os.path.join(t.dir, "bad.tar")
    with tarfile.open(bad, "w") as tar:
        tar.add(t.data, arcname="run", filter=lambda ti: None
                if ti.name == "run/journal" else ti)
        info = tarfile.TarInfo("run/journal")
        info.size = len(raw)
        import io
        tar.addfile(info, io.BytesIO(bytes(raw)))
    p = t.covrun("report", "--json", got, "--root", t.dir, bad, data=False,
                 check_rc=3)
    check("damaged frame" in p.stderr and "run/journal" in p.stderr,
          "the damaged frame named: %r" % p.stderr)
    eq(json_counts(got)[main_c][f1_line][0] >= 1, True,
       "the other image counted")


def test_journal_compaction(t):
    """The fold moves what it has read of the journal into journal.z and
    frees the journal's blocks below it (docs/run-directory.md, "Journal
    compaction"; COVRUN_FOLD_COMPACT sets how often): every record is still
    read, by covrun, from a bundle and after a compaction cut short; a
    damaged, missing or unusable journal.z is named (exit status 3), the
    rest read, every count kept.  forks many 300: the root, 300 fork
    children, and 100 helpers exec'd by every third child."""
    import tarfile
    build(t)
    plain = os.path.join(t.dir, "plain-run")
    t.covrun("run", "--data-dir", plain, "--force", "--no-report",
             "./forks", "many", "300", data=False, check_rc=0)
    t.covrun("--no-report", "./forks", "many", "300", check_rc=0,
             env={"COVRUN_FOLD_COMPACT": "4096"})
    with open(os.path.join(t.data, "journal.zx")) as f:
        x, zlen = (int(v) for v in f.read().split()[:2])
    st = os.stat(os.path.join(t.data, "journal"))
    check(x > 4096 * 8, "compacted %d bytes" % x)
    check(st.st_blocks * 512 <= st.st_size - x + 8192,
          "journal blocks freed below %d: %d allocated of %d" %
          (x, st.st_blocks * 512, st.st_size))
    recs = t.records()
    eq(len(recs), 401, "records")
    eq(sum(1 for r in recs if "dumped" in r), 401, "records dumped")
    tree = json.loads(t.covrun("tree", "--json", t.data, data=False,
                               check_rc=0).stdout)
    eq(len(tree["processes"]), 401, "processes in covrun tree")
    want = os.path.join(t.dir, "plain.json")
    got = os.path.join(t.dir, "compacted.json")
    t.covrun("report", "--json", want, "--root", t.dir, plain, data=False,
             check_rc=0)
    t.covrun("report", "--json", got, "--root", t.dir, t.data, data=False,
             check_rc=0)
    eq(json_counts(got), json_counts(want), "counts, compacted or not")
    # compaction frees whole blocks below X: the block holding X keeps
    # the end of a frame before it, which may hold an '@' (seen: 6 runs
    # in 10 under load); X is a frame's end (the mark's W), so the bytes
    # before it are only ever the rest of a folded frame
    with open(os.path.join(t.data, "journal"), "r+b") as f:
        f.seek(x - 24)
        f.write(b"@d\x00\x01rest of a frame@\x00\x00")
    t.covrun("report", "--json", got, "--root", t.dir, t.data, data=False,
             check_rc=0)
    eq(json_counts(got), json_counts(want), "counts, a frame's end at X")
    bundle = os.path.join(t.dir, "run.tar.gz")
    with tarfile.open(bundle, "w:gz") as tar:
        tar.add(t.data, arcname="run")
    t.covrun("report", "--json", got, "--root", t.dir, bundle, data=False,
             check_rc=0)
    eq(json_counts(got), json_counts(want), "counts from a bundle")
    # cut short after appending to journal.z, before journal.zx named it
    with open(os.path.join(t.data, "journal.z"), "ab") as f:
        f.write(b"\x00\x01 not yet named by journal.zx")
    eq(len(t.records()), 401, "records with an unnamed tail")
    t.covrun("report", "--json", got, "--root", t.dir, t.data, data=False,
             check_rc=0)
    eq(json_counts(got), json_counts(want), "counts with an unnamed tail")
    # damaged within what journal.zx names: named, the rest still read
    # (as for an unreadable record: its images count as unattributed)
    with open(os.path.join(t.data, "journal.z"), "r+b") as f:
        f.seek(zlen // 2)
        f.write(b"\xff" * 16)
    p = t.covrun("tree", "--json", t.data, data=False, check_rc=0)
    check("journal.z" in p.stderr and "damaged" in p.stderr,
          "damaged journal.z named: %r" % p.stderr)
    check(len(json.loads(p.stdout)["processes"]) < 401,
          "the records after journal.z still read")
    # the same for merge and report: exit status 3, journal.z named, and
    # every count kept (the folded ones in the fold's aggregates, the
    # images whose start records were lost as unattributed)
    def totals(counts):
        return {f: {n: v[0] for n, v in lines.items()}
                for f, lines in counts.items()}
    z = os.path.join(t.data, "journal.z")
    for what, make in (("damaged", lambda: None),
                       ("missing", lambda: None),
                       ("a FIFO", lambda: os.mkfifo(z)),
                       ("a directory", lambda: os.mkdir(z))):
        make()
        p = t.covrun("report", "--json", got, "--root", t.dir, t.data,
                     data=False, check_rc=3, timeout=60)
        check("journal.z" in p.stderr and "unattributed" in p.stderr,
              "journal.z %s: named: %r" % (what, p.stderr))
        eq(totals(json_counts(got)), totals(json_counts(want)),
           "journal.z %s: counts" % what)
        if os.path.isdir(z):
            os.rmdir(z)
        elif os.path.lexists(z):  # the damaged one, then what was made
            os.unlink(z)
    # in a bundle: journal.z missing, or cut short, while journal.zx
    # names its bytes: named, exit 3
    for what, make in (("missing", lambda: None),
                       ("cut short", lambda: open(z, "wb").close())):
        make()
        with tarfile.open(bundle, "w:gz") as tar:
            tar.add(t.data, arcname="run")
        p = t.covrun("report", "--json", got, "--root", t.dir, bundle,
                     data=False, check_rc=3, timeout=60)
        check("journal.z" in p.stderr and what in p.stderr,
              "bundle, journal.z %s: named: %r" % (what, p.stderr))
        eq(totals(json_counts(got)), totals(json_counts(want)),
           "bundle, journal.z %s: counts" % what)


def test_data_file_all_zero(t):
    """An object whose counters all stayed at zero (a library loaded,
    never called, by an uninstrumented program) is written once per run,
    by the first image that finds it so, and by no other: it appears in
    the reports at zero, as gcov's in-place gcda make it appear, while the
    next images write no data file."""
    with open(os.path.join(t.dir, "lib.c"), "w") as f:
        f.write("int lib_fn(int x)\n{\n\treturn x ? 1 : 2;\n}\n")
    with open(os.path.join(t.dir, "plain.c"), "w") as f:
        f.write("int lib_fn(int);\nint main(int argc, char **argv)\n"
                "{\n\t(void)argv;\n\treturn argc > 99 ? lib_fn(1) : 0;"
                "\n}\n")
    t.cc("libcovz.so", [os.path.join(t.dir, "lib.c")],
         flags=["-shared", "-fPIC"])
    t.cc("plain", [os.path.join(t.dir, "plain.c")], coverage=False,
         flags=["-L.", "-lcovz", "-Wl,-rpath," + t.dir])
    t.covrun("--no-report", "--fold-batch", "0", "sh", "-c",
             "./plain && ./plain", check_rc=0)
    plains = sorted((r for r in t.records()
                     if os.path.basename(r["exe"]) == "plain"),
                    key=lambda r: int(r["start"]))
    eq(len(plains), 2, "images of ./plain")
    for r in plains:
        eq(r.get("instrumented"), "1", "the image has instrumented code")
        check("dumped" in r, "counters dumped: %r" % r)
    eq([(i, p) for i, p, _ in covtest.journal_data(t.data)],
       [(plains[0]["id"], os.path.join(t.dir, "libcovz.so-lib.gcda"))],
       "frames: the first image's only")
    t.covrun("report", "--json", "cov.json", "--root", t.dir, t.data,
             data=False, check_rc=0)
    counts = json_counts(os.path.join(t.dir, "cov.json"))
    lib = [n for n in counts if n.endswith("lib.c")]
    eq(len(lib), 1, "lib.c in the report (%s)" % sorted(counts))
    eq(sorted({c[0] for c in counts[lib[0]].values()}), [0],
       "lib.c's line counts")


def with_constructor_lib(t, lib, lib_src, prog, prog_src):
    """Build PROG (instrumented) from PROG_SRC, linked with the shared
    library LIB (not instrumented) from LIB_SRC, whose constructor runs
    before the shim's."""
    for name, src in ((lib, lib_src), (prog, prog_src)):
        with open(os.path.join(t.dir, name + ".c"), "w") as f:
            f.write(src)
    t.cc("lib%s.so" % lib, [os.path.join(t.dir, lib + ".c")],
         coverage=False, flags=["-shared", "-fPIC", "-pthread"])
    t.cc(prog, [os.path.join(t.dir, prog + ".c")],
         flags=["-L.", "-l" + lib, "-pthread", "-Wl,-rpath," + t.dir])


def test_ignored_signal_kept(t):
    """A signal the program ignores (inherited SIG_IGN) stays ignored while
    the shim takes the others, even for a thread that a library's
    constructor started before the shim's: it sends SIGUSR1 to the process
    over and over, and the program must live.  (Setting the handler and
    putting SIG_IGN back let that thread meet the handler: 5 deaths in 20.)
    Thirty runs.  Then the program sets SIGUSR1's default action itself
    and raises it: it dies by it, its end and counters recorded (the shim
    leaves an ignored signal alone, and takes it once the program sets
    the default action)."""
    spam = ("#include <pthread.h>\n#include <signal.h>\n"
            "#include <unistd.h>\nvolatile int spam_stop;\n"
            "static void *loop(void *a)\n{\n\t(void)a;\n"
            "\twhile (!spam_stop)\n\t\tkill(getpid(), SIGUSR1);\n"
            "\treturn 0;\n}\n__attribute__((constructor)) static "
            "void start(void)\n{\n\tpthread_t t;\n"
            "\tpthread_create(&t, 0, loop, 0);\n\tpthread_detach(t);"
            "\n}\n")
    prog = ("#include <signal.h>\n#include <stdio.h>\n"
            "#include <unistd.h>\n"
            "extern volatile int spam_stop;\n"
            "int main(int argc, char **argv)\n{\n"
            "\t(void)argv;\n\tusleep(1000);\n\tspam_stop = 1;\n"
            "\tputs(\"survived\");\n\tfflush(stdout);\n"
            "\tif (argc > 1) {\n\t\tsignal(SIGUSR1, SIG_DFL);\n"
            "\t\traise(SIGUSR1);\n\t\tputs(\"not ended\");\n"
            "\t}\n\treturn 0;\n}\n")
    with_constructor_lib(t, "spam", spam, "prog", prog)
    deaths = 0
    for _ in range(30):
        p = t.covrun("--no-report", "-q", "sh", "-c",
                     "trap '' USR1; exec ./prog")
        deaths += p.returncode != 0 or "survived" not in p.stdout
    eq(deaths, 0, "runs in which the ignored SIGUSR1 ended the program")
    p = t.covrun("--no-report", "-q", "sh", "-c",
                 "trap '' USR1; exec ./prog die")
    check("not ended" not in p.stdout, "SIGUSR1, set to its default "
          "action, ended the program: %r" % p.stdout)
    prog = [r for r in t.records() if os.path.basename(r["exe"]) == "prog"]
    eq(len(prog), 1, "images of ./prog")
    eq(prog[0].get("end"), "signal %d" % signal.SIGUSR1, "its end")
    check("dumped" in prog[0], "its counters written: %r" % prog[0])


def test_handler_kept_at_start(t):
    """A handler a library's constructor set before the shim's start gets
    every signal, even those a thread of that library sends while the
    shim takes its signals: the shim never sets a signal whose action is
    not the default and puts it back (setting every one and putting back
    the others lost one realtime signal in each run).  strace delays every
    sigaction by 3 ms to hold that moment open; the thread queues
    SIGRTMIN+3 (queued, never merged) until main tells it to stop."""
    h = ("#include <pthread.h>\n#include <signal.h>\n"
         "#include <unistd.h>\nvolatile int h_stop;\n"
         "volatile long h_sent, h_got;\n"
         "static void on(int s)\n{\n\t(void)s;\n"
         "\t__atomic_add_fetch(&h_got, 1, __ATOMIC_SEQ_CST);\n}\n"
         "static void *loop(void *a)\n{\n\tunion sigval v;\n"
         "\t(void)a;\n\tv.sival_int = 0;\n\twhile (!h_stop)\n"
         "\t\tif (sigqueue(getpid(), SIGRTMIN + 3, v) == 0)\n"
         "\t\t\t__atomic_add_fetch(&h_sent, 1, "
         "__ATOMIC_SEQ_CST);\n\treturn 0;\n}\n"
         "pthread_t h_thread;\n"
         "__attribute__((constructor)) static void start(void)\n"
         "{\n\tsignal(SIGRTMIN + 3, on);\n"
         "\tpthread_create(&h_thread, 0, loop, 0);\n}\n")
    # main waits for the sender, then up to a second for the signals it
    # queued: a lost one never comes
    hp = ("#include <pthread.h>\n#include <stdio.h>\n"
          "#include <unistd.h>\n"
          "extern volatile int h_stop;\n"
          "extern volatile long h_sent, h_got;\n"
          "extern pthread_t h_thread;\n"
          "int main(void)\n{\n\tusleep(2000);\n\th_stop = 1;\n"
          "\tpthread_join(h_thread, 0);\n"
          "\tfor (int i = 0; i < 1000 && h_got < h_sent; i++)\n"
          "\t\tusleep(1000);\n"
          "\tprintf(\"sent %ld got %ld\\n\", h_sent, h_got);\n"
          "\treturn 0;\n}\n")
    with_constructor_lib(t, "h", h, "hp", hp)
    for _ in range(3):
        p = subprocess.run(["strace", "-f", "-qq", "-o", os.devnull,
                            "-e", "trace=rt_sigaction", "-e",
                            "inject=rt_sigaction:delay_exit=3000", COVRUN,
                            "run", "--data-dir", t.data, "--force",
                            "--no-report", "-q", "./hp"], cwd=t.dir,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           universal_newlines=True, timeout=300,
                           env=covtest.strace_env())
        eq(p.returncode, 0, "status: " + p.stderr)
        m = re.search(r"sent (\d+) got (\d+)", p.stdout)
        check(m and int(m.group(1)) > 0, "signals sent: %r" % p.stdout)
        eq(m.group(2), m.group(1), "signals the handler got, of those sent")


def test_signals_without_proc(t):
    """Where /proc/self/status cannot be read (no /proc in the image's
    mount namespace), the shim asks each signal's action instead: an
    inherited SIG_IGN of SIGUSR1 stays (the program sends it to itself
    and lives), and SIGTERM, at its default, ends the image with its end
    and counters recorded (without the handler, no end would be)."""
    with open(os.path.join(t.dir, "noproc.c"), "w") as f:
        f.write("#include <signal.h>\n#include <stdio.h>\n"
                "#include <unistd.h>\nint main(void)\n{\n"
                "\tFILE *s = fopen(\"/proc/self/status\", \"r\");\n"
                "\tprintf(\"status %s\\n\", s ? \"read\" : \"none\");\n"
                "\tkill(getpid(), SIGUSR1);\n\tputs(\"survived\");\n"
                "\tfflush(stdout);\n\tkill(getpid(), SIGTERM);\n"
                "\tputs(\"not ended\");\n\treturn 0;\n}\n")
    t.cc("noproc", [os.path.join(t.dir, "noproc.c")])
    probe = subprocess.run(["unshare", "-m", "sh", "-c",
                            "mount -t tmpfs none /proc"],
                           stderr=subprocess.DEVNULL)
    require.capability(probe.returncode == 0,
                       "cannot hide /proc in a mount namespace (needs root)")
    p = t.covrun("--no-report", "-q", "unshare", "-m", "sh", "-c",
                 "mount -t tmpfs none /proc && trap '' USR1 && "
                 "exec ./noproc")
    eq(p.stdout.split("\n")[:2], ["status none", "survived"],
       "no /proc; the ignored SIGUSR1 kept")
    check("not ended" not in p.stdout, "SIGTERM ended it: %r" % p.stdout)
    prog = [r for r in t.records() if os.path.basename(r["exe"]) ==
            "noproc" or r["argv"][:1] == ["./noproc"]]
    eq(len(prog), 1, "images of ./noproc")
    eq(prog[0].get("end"), "signal %d" % signal.SIGTERM, "its end")
    check("dumped" in prog[0], "its counters written: %r" % prog[0])


def test_start_without_proc(t):
    """An image's start reads nothing under /proc (its first lookup there
    costs a new process tens of microseconds): the executable's path is
    the one it was run by, resolved (a relative path, a symbolic link, a
    script whose interpreter runs), and a single-threaded image takes its
    signals with every one blocked and puts back the actions that were
    not the default.  A signal the program had blocked and ignored stays
    pending through that (putting SIG_IGN back would discard it), a
    handler set by a library's constructor stays, and SIGTERM at its
    default ends the image with its end and counters recorded."""
    with open(os.path.join(t.dir, "plain.c"), "w") as f:
        f.write("int main(void)\n{\n\treturn 0;\n}\n")
    plain = t.cc("plain", [os.path.join(t.dir, "plain.c")], coverage=False)
    os.symlink("plain", os.path.join(t.dir, "link-to-plain"))
    script = os.path.join(t.dir, "script.sh")
    with open(script, "w") as f:
        f.write("#!/bin/sh\nexit 0\n")
    os.chmod(script, 0o755)
    log = os.path.join(t.dir, "start.log")
    subprocess.run(["strace", "-ff", "-o", log, "-e", "trace=%file",
                    COVRUN, "run", "--data-dir", t.data, "--force",
                    "--no-report", "sh", "-c",
                    "./plain; ./link-to-plain; ./script.sh; /bin/true; "
                    "/bin/true"],
                   cwd=t.dir, check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, timeout=120,
                   env=covtest.strace_env())
    trues = [lines for lines in covtest.strace_per_process(log).values()
             if any(line.startswith('execve("/bin/true"') for line in lines)]
    eq(len(trues), 2, "processes that ran /bin/true")
    # the first /bin/true of the run reads it (the object cache is empty)
    eq(sum(any("/proc/" in line for line in lines) for lines in trues), 1,
       "images of /bin/true that looked under /proc")
    exes = sorted(r["exe"] for r in t.records() if r["how"] != "root")
    eq(exes, sorted([os.path.realpath(plain)] * 2 +
                    [os.path.realpath("/bin/sh")] +
                    [os.path.realpath("/bin/true")] * 2),
       "executables of the images")
    lib = ("#include <signal.h>\nvolatile int on_usr2;\n"
           "static void usr2(int s)\n{\n\t(void)s;\n\ton_usr2 = 1;\n}\n"
           "__attribute__((constructor)) static void start(void)\n{\n"
           "\tsignal(SIGUSR2, usr2);\n}\n")
    prog = ("#include <signal.h>\n#include <stdio.h>\n"
            "#include <unistd.h>\nextern volatile int on_usr2;\n"
            "static volatile sig_atomic_t on_usr1;\n"
            "static void usr1(int s)\n{\n\t(void)s;\n\ton_usr1 = 1;\n}\n"
            "int main(void)\n{\n\tsigset_t one;\n"
            "\tsignal(SIGUSR1, usr1);\n\tsigemptyset(&one);\n"
            "\tsigaddset(&one, SIGUSR1);\n"
            "\tsigprocmask(SIG_UNBLOCK, &one, 0);\n"
            "\traise(SIGUSR2);\n"
            "\tprintf(\"usr1 %d usr2 %d\\n\", on_usr1, on_usr2);\n"
            "\tfflush(stdout);\n\tkill(getpid(), SIGTERM);\n"
            "\tputs(\"not ended\");\n\treturn 0;\n}\n")
    with_constructor_lib(t, "usr2", lib, "pending", prog)
    launch = ("import os, signal\n"
              "signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGUSR1})\n"
              "signal.signal(signal.SIGUSR1, signal.SIG_IGN)\n"
              "os.kill(os.getpid(), signal.SIGUSR1)\n"
              "os.execv('./pending', ['./pending'])\n")
    p = t.covrun("--no-report", "-q", sys.executable, "-c", launch)
    eq(p.stdout.split("\n")[:1], ["usr1 1 usr2 1"],
       "the pending SIGUSR1 delivered, the constructor's handler kept")
    check("not ended" not in p.stdout, "SIGTERM ended it: %r" % p.stdout)
    rec = one(t.records(), exe=os.path.realpath(
        os.path.join(t.dir, "pending")))
    eq(rec.get("end"), "signal %d" % signal.SIGTERM, "its end")
    check("dumped" in rec, "its counters written: %r" % rec)


def test_start_signals_blocked(t):
    """A single-threaded image sets each dump signal and puts back an
    action that was not the default with every signal blocked: SIGTERM,
    ignored by the shell and so by its children, is sent to their process
    group over and over while strace holds each sigaction open for a
    millisecond, and no image dies of it (without the block, 10 of 15
    did)."""
    with open(os.path.join(t.dir, "plain.c"), "w") as f:
        # fork: not a leaf program, which would run untraced
        f.write("#include <unistd.h>\nint main(int argc, char **argv)\n"
                "{\n\t(void)argv;\n\treturn argc > 9 ? fork() : 0;\n}\n")
    t.cc("plain", [os.path.join(t.dir, "plain.c")], coverage=False)
    pgid_file = os.path.join(t.dir, "pgid")
    script = ("trap '' TERM; echo $$ > pgid.new && mv pgid.new pgid; "
              "for i in $(seq 15); do ./plain; done")
    p = subprocess.Popen(["strace", "-f", "-qq", "-o", os.devnull, "-e",
                          "trace=rt_sigaction", "-e",
                          "inject=rt_sigaction:delay_exit=1000", COVRUN,
                          "run", "--data-dir", t.data, "--force",
                          "--no-report", "-q", "setsid", "-w", "sh", "-c",
                          script], cwd=t.dir, env=covtest.strace_env(),
                         stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
    sent = 0
    deadline = time.monotonic() + 120
    while p.poll() is None and time.monotonic() < deadline:
        try:
            with open(pgid_file) as f:
                os.killpg(int(f.read()), signal.SIGTERM)
            sent += 1
        except (OSError, ValueError):
            pass
        time.sleep(0.0005)
    eq(p.wait(timeout=60), 0, "covrun's status")
    check(sent > 100, "SIGTERMs sent: %d" % sent)
    plains = [r for r in t.records() if os.path.basename(r["exe"]) == "plain"]
    eq(sorted(r.get("end") for r in plains), ["exit 0"] * 15,
       "ends of the 15 images (%d SIGTERMs sent)" % sent)


def test_start_name_moved(t):
    """The name an image was run by (AT_EXECFN) is taken only for the
    program that runs: a library's constructor, which runs before the
    shim's, moves the link ./cur the image was run by to /bin/true (which
    the run's object cache knows has no instrumented code) or to a FIFO.
    The image is still its own program, instrumented, its counts written
    at _exit (the shim's doing: with the other name the image was taken
    for /bin/true and its counts were lost); the FIFO is not waited on."""
    with open(os.path.join(t.dir, "flip.c"), "w") as f:
        f.write("#include <stdio.h>\n#include <stdlib.h>\n"
                "#include <unistd.h>\n__attribute__((constructor)) "
                "static void flip(void)\n{\n"
                "\tconst char *to = getenv(\"FLIP_TO\");\n"
                "\tif (to) {\n\t\tunlink(\"cur.new\");\n"
                "\t\tif (symlink(to, \"cur.new\") == 0)\n"
                "\t\t\trename(\"cur.new\", \"cur\");\n\t}\n}\n")
    with open(os.path.join(t.dir, "inst.c"), "w") as f:
        f.write("#include <unistd.h>\nint main(void)\n{\n\t_exit(3);\n}\n")
    t.cc("libflip.so", [os.path.join(t.dir, "flip.c")], coverage=False,
         flags=["-shared", "-fPIC"])
    inst = t.cc("inst", [os.path.join(t.dir, "inst.c")],
                flags=["-Wl,--no-as-needed", "-L.", "-lflip",
                       "-Wl,-rpath," + t.dir])
    os.mkfifo(os.path.join(t.dir, "fifo"))
    cur = os.path.join(t.dir, "cur")
    for to in ("/bin/true", "fifo"):
        if os.path.lexists(cur):
            os.unlink(cur)
        os.symlink("inst", cur)
        t.covrun("--no-report", "-q", "sh", "-c", "/bin/true; ./cur",
                 env=dict(os.environ, FLIP_TO=to), timeout=60)
        rec = one(t.records(), exe=os.path.realpath(inst))
        eq((rec.get("instrumented"), rec.get("end")), ("1", "_exit 3"),
           "./cur moved to %s: instrumented, its end" % to)
        eq(t.fn_count(rec["id"], "main"), 1, "main, counted (%s)" % to)


def test_object_cache_first_page(t):
    """The first objects a run enters in its object cache go to the
    counter file's first page, after the two counters (rundir.h,
    RUNDIR_HOT_OFFSET): every image writes that page anyway, so libc and
    the shell cost it no other page.  The entries of libc and /bin/sh
    are read back (device, inode, size, change time in ns, check word:
    five 64-bit words each); the two counters count the images."""
    t.covrun("--no-report", "sh", "-c", "/bin/true; /bin/true", check_rc=0)
    with open(os.path.join(t.data, "counter"), "rb") as f:
        page = f.read(4096)
    started = struct.unpack_from("<Q", page, 0)[0]
    eq(started, len(t.records()), "images started (first counter)")
    entries = set()
    for off in range(64, 4096 - 39, 40):
        dev, ino, size, ctime, check_word = struct.unpack_from("<5Q", page,
                                                               off)
        if check_word == 0:
            break
        entries.add((dev, ino, size, ctime))
    ldd = subprocess.run(["ldd", "/bin/true"], capture_output=True,
                         text=True, check=True).stdout
    libc = re.search(r"=> (\S*libc\.so\.6)", ldd).group(1)
    for path in (libc, "/bin/sh"):
        st = os.stat(path)
        eq((st.st_dev, st.st_ino, st.st_size, st.st_ctime_ns) in entries,
           True, "entry of %s in the first page" % path)


def test_object_cache_beyond_first_page(t):
    """Objects entered once the first page's entries are all taken go to
    the cache after it (rundir.h, RUNDIR_OBJECTS_SLOTS): a program
    linking 120 uninstrumented libraries (more than the first page holds:
    (4096 - 64) / 40 = 100, and libc and the shell come first) is run
    twice in one run; the first image reads each library (the dynamic
    loader opens it, the shim opens it again), the second one only
    loads them."""
    libs = 120
    names = []
    for i in range(libs):
        src = os.path.join(t.dir, "l%d.c" % i)
        with open(src, "w") as f:
            f.write("int l%d(void)\n{\n\treturn %d;\n}\n" % (i, i))
        t.cc("libl%d.so" % i, [src], coverage=False,
             flags=["-shared", "-fPIC"])
        names.append("-ll%d" % i)
    with open(os.path.join(t.dir, "many.c"), "w") as f:
        f.write("int l0(void);\nint main(void)\n{\n\treturn l0();\n}\n")
    t.cc("many", [os.path.join(t.dir, "many.c")], coverage=False,
         flags=["-L.", "-Wl,--no-as-needed"] + names +
         ["-Wl,-rpath," + t.dir])
    time.sleep(2.5)  # entered only once their change time is 2 s old
    log = os.path.join(t.dir, "many.log")
    subprocess.run(["strace", "-ff", "-o", log, "-e", "trace=openat,execve",
                    COVRUN, "run", "--data-dir", t.data, "--force",
                    "--no-report", "sh", "-c", "./many; ./many"],
                   cwd=t.dir, check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, timeout=120,
                   env=covtest.strace_env())
    opens = []
    for lines in covtest.strace_per_process(log).values():
        if not any(line.startswith('execve("./many"') for line in lines):
            continue
        opens.append(sum(1 for line in lines if re.search(
            r'openat\(.*/libl\d+\.so", .*= \d+$', line)))
    eq(sorted(opens), [libs, 2 * libs],
       "opens of the libraries by the two images")


def test_object_cache(t):
    """The run's cache of objects without instrumented code (rundir.h,
    "counter file"): an object is read once per run, not once per image;
    an object changed in place during the run (same path and inode) is
    read again, so its instrumented code is found."""
    with open(os.path.join(t.dir, "lib.c"), "w") as f:
        f.write("int lib_fn(int x)\n{\n\treturn x ? 1 : 2;\n}\n")
    with open(os.path.join(t.dir, "plain.c"), "w") as f:
        f.write("int lib_fn(int);\nint main(int argc, char **argv)\n"
                "{\n\t(void)argv;\n\treturn lib_fn(argc) - 1;\n}\n")
    t.cc("libcovi.so", [os.path.join(t.dir, "lib.c")],
         flags=["-shared", "-fPIC"])
    t.cc("libcovc.so", [os.path.join(t.dir, "lib.c")], coverage=False,
         flags=["-shared", "-fPIC"])
    shutil.copy(os.path.join(t.dir, "libcovc.so"),
                os.path.join(t.dir, "libcovp.so"))
    t.cc("plain", [os.path.join(t.dir, "plain.c")], coverage=False,
         flags=["-L.", "-lcovc", "-Wl,-rpath," + t.dir])
    t.covrun("--no-report", "sh", "-c",
             "./plain && ./plain && cp libcovi.so libcovc.so && ./plain",
             check_rc=0)
    plains = sorted((r for r in t.records()
                     if os.path.basename(r["exe"]) == "plain"),
                    key=lambda r: int(r["start"]))
    eq([r.get("instrumented") for r in plains], ["0", "0", "1"],
       "instrumented, before and after the library was replaced")
    eq(plains[2]["id"] in covtest.image_ids(t.data), True,
       "counters of the image with the instrumented library")
    # Each image's own opens of libc and of the shim: the dynamic loader
    # opens each once; the first image to look reads libc, the next
    # ones stat() it; nothing reads the shim.
    log = os.path.join(t.dir, "strace.log")
    for old in covtest.strace_per_process(log):
        os.unlink("%s.%s" % (log, old))
    # /bin/true would run untraced (a leaf program): forker imports fork
    with open(os.path.join(t.dir, "forker.c"), "w") as f:
        f.write("#include <unistd.h>\nint main(int argc, char **argv)\n"
                "{\n\t(void)argv;\n\treturn argc > 9 ? fork() : 0;\n}\n")
    t.cc("forker", [os.path.join(t.dir, "forker.c")], coverage=False)
    subprocess.run(["strace", "-ff", "-o", log, "-e", "trace=openat,execve",
                    COVRUN, "run", "--data-dir", t.data, "--force",
                    "--no-report", "sh", "-c", "./forker; ./forker; "
                    "cp libcovp.so libcovc.so; ./plain; ./plain"],
                   cwd=t.dir, check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, timeout=120,
                   env=covtest.strace_env())
    images, opens = {"forker": [], "plain": []}, {}
    for pid, lines in covtest.strace_per_process(log).items():
        for line in lines:
            for exe in images:
                if 'execve("' in line and '/%s"' % exe in line and \
                        pid not in images[exe]:
                    images[exe].append(pid)
            for name in ("libc.so.6", "libcovrun-shim.so", "libcovc.so"):
                if "openat(" in line and name in line and \
                        "= -1" not in line:
                    opens[pid, name] = opens.get((pid, name), 0) + 1
    eq([len(v) for v in images.values()], [2, 2], "images in %s" % log)
    for pid in images["forker"]:
        eq(opens.get((pid, "libcovrun-shim.so")), 1,
           "opens of the shim by image %s" % pid)
        eq(opens.get((pid, "libc.so.6")), 1,
           "opens of libc by image %s (sh read it first)" % pid)
    # a library changed under 2 s ago is read by every image (a file
    # system with coarse times could give its replacement the same key)
    for pid in images["plain"]:
        eq(opens.get((pid, "libcovc.so")), 2,
           "opens of the just changed library by image %s" % pid)


def test_data_file_damaged_frame(t):
    """A damaged "@d" frame of the journal is left out with a message
    naming the journal, once; the image's other frames are still
    counted."""
    import tarfile
    ten_objects(t)
    t.covrun("--no-report", "./ten", check_rc=0)
    path = os.path.join(t.data, "journal")
    with open(path, "rb") as f:
        raw = bytearray(f.read())
    main_gcda = (os.path.join(t.dir, "ten-main.gcda") + "\0").encode()
    at = raw.find(main_gcda)
    check(at > 0, "main.c's frame in the journal")
    raw[at + len(main_gcda) + 20] ^= 0xff  # inside its gcda: hash fails
    with open(path, "wb") as f:
        f.write(raw)
    bundle = os.path.join(t.dir, "run.tar")
    with tarfile.open(bundle, "w") as tar:
        tar.add(t.data, arcname="run")
    # the directory names the journal; a bundle, the archive and its entry
    for given, named in ((t.data, "'%s'" % path),
                         (bundle, "entry 'run/journal': a damaged frame")):
        p = t.covrun("report", "--json", "cov.json", given, data=False)
        check(named in p.stderr and "damaged frame" in p.stderr,
              "the warning names %s: %s" % (named, p.stderr))
        eq(p.stderr.count("damaged frame"), 1, "one warning per file")
        eq(p.returncode, 3, "exit status: an input left out")
        fns = fixture_functions(os.path.join(t.dir, "cov.json"))
        eq(fns.get("f1"), (F1_CALLS, F1_CALLS, 0), "f1 from the other frame")
        eq(fns.get("main", (0, 0, 0))[0], 0, "main's frame left out")


def test_data_file_same_path_twice(t):
    """The same gcda path twice among an image's frames (two dumps of an
    image) is two inputs, summed."""
    ten_objects(t)
    t.covrun("--no-report", "./ten", check_rc=0)
    root = one(t.records(), how="root")
    path = os.path.join(t.data, "journal")
    o1 = [(p, g) for p, g in data_frames(t, root["id"])
          if p.endswith(b"/ten-o1.gcda")]
    eq(len(o1), 1, "o1.c's frames")
    with open(path, "ab") as f:
        f.write(journal_frame(root["id"], o1[0][0], o1[0][1]))
    t.covrun("report", "--json", "cov.json", t.data, data=False,
             check_rc=0)
    fns = fixture_functions(os.path.join(t.dir, "cov.json"))
    eq(fns.get("f1"), (2 * F1_CALLS, 2 * F1_CALLS, 0), "f1 summed")
    eq(fns.get("main"), (1, 1, 0), "main once")


def test_data_dir_full(t):
    build(t)
    full = os.path.join(t.dir, "full")
    os.makedirs(full)
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16k", "tmpfs",
                       full], stderr=subprocess.DEVNULL).returncode:
        require.capability(False, "cannot mount a small tmpfs (needs root)")
    try:
        with open(os.path.join(full, "filler"), "wb") as f:
            try:
                f.write(b"x" * (64 * 1024))
            except OSError:
                pass
        p = t.covrun("run", "--data-dir", os.path.join(full, "run"),
                     "./forks", "return", data=False)
        eq(p.returncode, 125, "status when the data dir is full")
        check("No space left on device" in p.stderr, "message: " + p.stderr)
    finally:
        subprocess.run(["umount", full])


def test_preload_replaced(t):
    build(t)
    other = t.cc("libother.so", ["other.c"], flags=["-shared", "-fPIC"],
                 coverage=False)
    p = t.covrun("./forks", "preload", other, check_rc=0)
    recs = t.records()
    # Through system() and execve the shim is put back: attributed.
    eq(helper_counts(t, recs), [2, 3], "attributed helper images")
    # The raw execve bypassed libc: its data is unattributed, and in no
    # other image's directory.
    un = os.path.join(t.data, "unattributed")
    dirs = os.listdir(un)
    eq(len(dirs), 1, "unattributed processes")
    gc = [os.path.join(dp, f) for dp, _, fs in os.walk(un) for f in fs]
    eq([os.path.basename(g) for g in gc], ["helper.gcda"], "unattributed")
    for r in recs:
        for orig in t.image_gcda(r["id"]):
            if orig.endswith("/helper.gcda"):
                eq(os.path.basename(r["exe"]), "helper",
                   "image holding helper.gcda")
    check("without the covrun shim" in p.stderr, "unattributed warning")


def test_threads_race(t):
    """Racing counters: nothing crashes, and covrun's merged numbers are
    exactly what gcov reads from the same (only) image, negative branch
    counts included (docs/design.md, trap 12)."""
    build(t)
    t.covrun("--json", "cov.json", "./forks", "threads", check_rc=0)
    root = one(t.records(), how="root")
    n = t.fn_count(root["id"], "thread_work")
    check(0 < n <= 4 * 200000, "thread_work count %d in range" % n)
    eq(t.fn_count(root["id"], "parent_work"), 1, "parent_work")
    import json
    from covtest import gcov_json
    orig, copy = [(o, c) for o, c in t.image_gcda(root["id"]).items()
                  if o.endswith("forks.gcda")][0]
    want = {}
    for f in gcov_json(copy, orig[:-5] + ".gcno")["files"]:
        if f["file"].endswith("forks.c"):
            for ln in f["lines"]:
                want[ln["line_number"]] = (
                    ln["count"], [b["count"] for b in ln["branches"]])
    with open(os.path.join(t.dir, "cov.json")) as f:
        doc = json.load(f)
    got = {}
    for f in doc["files"]:
        if f["path"].endswith("forks.c"):
            for ln in f["lines"]:
                got[ln["line"]] = (ln["count"],
                                   [b["count"] for b in ln["branches"]])
    check(want, "gcov read the image")
    eq(got, want, "covrun's line and branch counts against gcov's")


def test_thread_fork(t):
    build(t)
    t.covrun("./forks", "thread-fork", check_rc=0)
    recs = t.records()
    root = one(recs, how="root")
    kids = [r for r in recs if r["how"] == "fork"]
    eq(len(kids), 3, "fork children")
    for k in kids:
        eq(t.fn_count(k["id"], "child_work"), CHILD_CALLS, "child_work")
        eq(t.fn_count(k["id"], "thread_work"), 0, "thread_work in child")
        eq(k["end"], "_exit 0", "child end")
    check(t.fn_count(root["id"], "thread_work") > 0, "threads in root")


def test_static_runtime(t):
    build(t)
    rt = os.path.join(os.path.dirname(os.path.dirname(COVRUN)), "lib",
                      "covrun", "covrun-rt.o")
    t.cc("static_forks", ["forks.c"],
         flags=["nocov.o", rt, "-static", "-pthread", "-Wl,--wrap=_exit"])
    t.covrun("./static_forks", "_exit", check_rc=0)
    recs = t.records()
    eq(len(recs), 2, "images")
    root = one(recs, how="root")
    child = one(recs, how="fork")
    eq(child["end"], "_exit 7", "child end")
    eq(t.fn_count(child["id"], "child_work"), CHILD_CALLS, "child_work")
    eq(t.fn_count(child["id"], "main"), 0, "main in child")
    eq(t.fn_count(root["id"], "parent_work"), 1, "parent_work")


def test_fork_bomb(t):
    build(t)
    start = time.monotonic()
    p = t.covrun("--max-processes", "40", "./forks", "bomb", timeout=60)
    eq(p.returncode, 124, "exit status of a stopped run")
    check("more than 40 processes at once" in p.stderr, "message")
    check(time.monotonic() - start < 30, "stopped promptly")
    check(len(t.records()) <= 40, "records of images over the limit")
    out = subprocess.run(["pgrep", "-f", os.path.join(t.dir, "forks")],
                         stdout=subprocess.PIPE)
    eq(out.stdout, b"", "fork bomb processes left")


def test_tree(t):
    build(t)
    t.covrun("./forks", "spawn", check_rc=0)
    p = t.covrun("tree", "--json", t.data, check_rc=0, data=False)
    import json
    doc = json.loads(p.stdout)
    recs = t.records()
    eq(sorted((x["id"], x["parent"]) for x in doc["processes"]),
       sorted((r["id"], r["parent"]) for r in recs), "tree links")
    p = t.covrun("tree", t.data, check_rc=0, data=False)
    for r in recs:
        check(r["id"] in p.stdout, "text tree shows " + r["id"])


def test_bad_command(t):
    p = t.covrun("./does-not-exist")
    eq(p.returncode, 127, "status for a missing command")
    check("cannot run './does-not-exist'" in p.stderr, "message")
    with open(os.path.join(t.dir, "plain.txt"), "w") as f:
        f.write("not a program\n")
    p = t.covrun("./plain.txt")
    eq(p.returncode, 126, "status for a non-executable")
    check("cannot run './plain.txt': Permission denied" in p.stderr,
          "message")


def test_bad_data_dir(t):
    build(t)
    p = t.covrun("run", "--data-dir", "/proc/covrun-test", "./forks",
                 "return", data=False)
    eq(p.returncode, 125, "status for an unwritable data dir")
    check("'/proc/covrun-test" in p.stderr, "message names the directory")
    other = os.path.join(t.dir, "mine")
    os.makedirs(other)
    with open(os.path.join(other, "keep.txt"), "w") as f:
        f.write("user data\n")
    p = t.covrun("run", "--data-dir", other, "./forks", "return",
                 data=False)
    eq(p.returncode, 125, "status for a foreign directory")
    check("is not a covrun run directory" in p.stderr, "message")
    check(os.path.exists(os.path.join(other, "keep.txt")), "data kept")


def test_earlier_run_moved_aside(t):
    build(t)
    cmd = ["run", "--data-dir", t.data, "./forks", "return"]
    t.covrun(*cmd, check_rc=0, data=False)
    first = {r["id"] for r in t.records()}
    p = t.covrun(*cmd, check_rc=0, data=False)
    check("earlier run moved to" in p.stderr, "note")
    second = {r["id"] for r in t.records()}
    check(not (first & second), "runs are never mixed")
    prev = covtest.journal_records(t.data + ".prev")
    eq(sorted(prev), sorted(first),
       "earlier run kept in .prev")


def test_missing_shim(t):
    bindir = os.path.join(t.dir, "bin")
    os.makedirs(bindir)
    lone = os.path.join(bindir, "covrun")
    subprocess.run(["cp", COVRUN, lone], check=True)
    env = dict(os.environ)
    env.pop("COVRUN_SHIM", None)
    p = subprocess.run([lone, "true"], cwd=t.dir, env=env,
                       stderr=subprocess.PIPE, universal_newlines=True)
    eq(p.returncode, 125, "status without the shim")
    check("libcovrun-shim.so" in p.stderr and "missing" in p.stderr,
          "message names the shim: " + p.stderr)


def interrupt_case(t, sig):
    """Send SIG to covrun while its command sleeps: covrun forwards it,
    the command's counts are written by the shim's handler and kept."""
    build(t)
    proc = subprocess.Popen([COVRUN, "--data-dir", t.data, "--force",
                             "./forks", "sleep"], cwd=t.dir,
                            stderr=subprocess.PIPE,
                            universal_newlines=True)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and not t.records():
        time.sleep(0.05)
    time.sleep(0.2)
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=30)
    sys.stderr.write(err)
    eq(proc.returncode, 128 + sig, "status after the signal")
    check("interrupted" in err, "message")
    root = one(t.records(), how="root")
    eq(root["end"], "signal %d" % sig, "root end")
    eq(t.fn_count(root["id"], "pre_work"), 1, "counts kept")


def test_interrupt(t):
    interrupt_case(t, signal.SIGINT)


def test_sigterm_forwarded(t):
    interrupt_case(t, signal.SIGTERM)


def test_sighup_forwarded(t):
    interrupt_case(t, signal.SIGHUP)


def test_installed(t):
    """After cmake --install, covrun finds its shim next to itself."""
    prefix = os.path.join(t.dir, "prefix")
    subprocess.run(["cmake", "--install", os.environ["COVRUN_BUILD"],
                    "--prefix", prefix], check=True,
                   stdout=subprocess.DEVNULL)
    build(t)
    env = dict(os.environ)
    env.pop("COVRUN_SHIM", None)
    p = subprocess.run([os.path.join(prefix, "bin", "covrun"), "--data-dir",
                        t.data, "./forks", "_exit"], cwd=t.dir, env=env,
                       stderr=subprocess.PIPE, universal_newlines=True)
    sys.stderr.write(p.stderr)
    eq(p.returncode, 0, "status")
    child = one(t.records(), how="fork")
    eq(t.fn_count(child["id"], "child_work"), CHILD_CALLS, "child_work")
    check(os.path.exists(os.path.join(prefix, "lib", "covrun",
                                      "covrun-rt.o")), "runtime installed")


def test_dir_mode(t):
    build(t)
    tests = os.path.join(t.dir, "tests")
    os.makedirs(tests)
    for name, body in (("b-fails", "./helper 2\nexit 3\n"),
                       ("a-ok", "./helper 1\n"),
                       ("c-ok", "./helper 4\n")):
        path = os.path.join(tests, name)
        with open(path, "w") as f:
            f.write("#!/bin/sh\ncd %s\n%s" % (t.dir, body))
        os.chmod(path, 0o755)
    with open(os.path.join(tests, "README"), "w") as f:
        f.write("not executable: skipped\n")
    for jobs in ("1", "2"):
        p = t.covrun("-j", jobs, "tests")
        eq(p.returncode, 3, "status of DIR mode with a failing test")
        check("test '%s/b-fails' failed with status 3" % "tests"
              in p.stderr, "failing test named: " + p.stderr)
        recs = t.records()
        roots = [r for r in recs if r["role"] == "root"]
        eq(sorted({r["label"] for r in roots}), ["a-ok", "b-fails", "c-ok"],
           "one root per test, labelled")
        helpers = {r["label"]: t.fn_count(r["id"], "helper_work")
                   for r in recs if r["exe"].endswith("/helper")}
        eq(helpers, {"a-ok": 1, "b-fails": 2, "c-ok": 4}, "helper counts")


CLONES = 10   # children of "clones fork" (fixtures/clones.c)
VM_CALLS = 4  # clone_work() calls of the first "clones vm" child
RAW_CALLS = 2  # clone_work() calls of the "clones raw" child


def build_clones(t):
    t.cc("vmspawn.o", ["vmspawn.c"], flags=["-c"], coverage=False)
    t.cc("clones", ["clones.c"], flags=["vmspawn.o"])


def test_clone_children(t):
    """glibc clone() without CLONE_VM runs no pthread_atfork handler: each
    child is still an image of its own, its copy of the parent's counters
    reset, however it ends (fixtures/clones.c)."""
    build_clones(t)
    t.covrun("./clones", "fork", str(CLONES), check_rc=0)
    recs = t.records()
    eq(len(recs), 1 + CLONES, "images")
    root = one(recs, how="root")
    eq(root["end"], "exit 0", "root end")
    for fn, want in (("root_work", 1), ("main", 1), ("parent_work", 1),
                     ("clone_work", 0)):
        eq(t.fn_count(root["id"], fn), want, fn + " in the root image")
    # Child I returns I, or calls exit(I) or _exit(I), by I % 3: its end
    # status tells which child an image is.
    kids = {int(r.get("end", "? -1").split()[-1]): r
            for r in recs if r is not root}
    eq(sorted(kids), list(range(CLONES)), "end statuses of the children")
    for i, kid in sorted(kids.items()):
        what = "clone child %d" % i
        eq((kid["how"], kid["role"], kid["parent"]),
           ("fork", "child", root["id"]), what + ": how, role, parent")
        eq(kid["end"], ("exit %d" if i % 3 == 1 else "_exit %d") % i,
           what + " end")
        eq(t.fn_count(kid["id"], "clone_work"), i + 1,
           what + ": clone_work")
        for fn in ("root_work", "main", "parent_work"):
            eq(t.fn_count(kid["id"], fn), 0, what + ": " + fn)


def test_clone_shared_memory(t):
    """A clone() child that shares its parent's memory (CLONE_VM, with and
    without CLONE_VFORK) shares its image, as a thread does: one image,
    nothing reset, nothing lost."""
    build_clones(t)
    t.covrun("./clones", "vm", check_rc=0)
    recs = t.records()
    eq(len(recs), 1, "images")
    root = recs[0]
    eq((root["how"], root["end"]), ("root", "exit 0"), "root how, end")
    for fn, want in (("root_work", 1), ("main", 1), ("parent_work", 1),
                     ("clone_work", VM_CALLS + 2 * VM_CALLS)):
        eq(t.fn_count(root["id"], fn), want, fn + " in the root image")


def test_clone_vm_exec(t):
    """clone(CLONE_VM | CLONE_VFORK) children that exec, as a runtime's
    spawn function makes them, share the parent's memory: their exec,
    failed or not, and their _exit neither end nor reset the parent's
    image."""
    t.cc("helper", ["helper.c"])
    build_clones(t)
    t.covrun("./clones", "vm-exec", check_rc=0)
    recs = t.records()
    eq(len(recs), 2, "images: the root and the helper it started")
    root = one(recs, how="root")
    helper = one(recs, how="spawn")
    eq(root["end"], "exit 0", "root end")
    for fn in ("root_work", "main", "parent_work"):
        eq(t.fn_count(root["id"], fn), 1, fn + " in the root image")
    eq((helper["parent"], helper["role"], helper["end"]),
       (root["id"], "child", "exit 0"), "helper parent, role, end")
    eq(t.fn_count(helper["id"], "helper_work"), 3, "helper_work")


def test_clone_raw_syscall(t):
    """A child of the clone system call itself runs no wrapper: its copy
    of the parent's counters stays out of the parent's image, its data
    goes under unattributed/ with a warning, and the parent's record keeps
    its own end."""
    build_clones(t)
    p = t.covrun("./clones", "raw", check_rc=0)
    recs = t.records()
    eq(len(recs), 1, "images")
    root = recs[0]
    eq(root["end"], "exit 0", "root end")
    for fn, want in (("root_work", 1), ("main", 1), ("parent_work", 1),
                     ("clone_work", 0)):
        eq(t.fn_count(root["id"], fn), want, fn + " in the root image")
    # unattributed/<pid>/<absolute gcda path>: the child's own counts
    un = os.path.join(t.data, "unattributed")
    gcda = [os.path.join(d, f) for d, _, fs in os.walk(un) for f in fs]
    eq(len(gcda), 1, "unattributed gcda files")
    pid_dir = os.path.join(un, os.path.relpath(gcda[0], un).split("/")[0])
    orig = "/" + os.path.relpath(gcda[0], pid_dir)
    doc = __import__("covtest").gcov_json(gcda[0], orig[:-5] + ".gcno")
    n = sum(fn["execution_count"] for f in doc["files"]
            for fn in f["functions"] if fn["name"] == "clone_work")
    eq(n, RAW_CALLS, "clone_work in the unattributed data")
    check("without the covrun shim" in p.stderr, "warning: " + p.stderr)


def inert(raw):
    r"""README.md, "Exit status": how covrun shows bytes RAW (bytes) on a
    terminal.  Valid UTF-8 stays, except controls; C0 controls, DEL, C1
    controls (U+0080 to U+009F) and bytes that start no valid UTF-8
    sequence become \n, \r, \t or \xHH."""
    out, i = [], 0
    while i < len(raw):
        for n in (1, 2, 3, 4):
            try:
                ch = raw[i:i + n].decode("utf-8")
                break
            except UnicodeDecodeError:
                ch = None
        if ch is None:
            n, ch = 1, None
        if ch is not None and (ord(ch) >= 0xa0 or 0x20 <= ord(ch) < 0x7f):
            out.append(ch)
        else:
            for b in raw[i:i + n]:
                out.append({10: "\\n", 13: "\\r", 9: "\\t"}.get(
                    b, "\\x%02x" % b))
        i += n
    return "".join(out)


def check_inert(what, data):
    """Nothing in DATA (bytes a covrun verb printed) can drive a terminal:
    UTF-8 text, no control character but the newline ending each line."""
    text = data.decode("utf-8", "replace")
    check("\ufffd" not in text, what + ": not UTF-8: %r" % data)
    bad = sorted({"%04x" % ord(c) for c in text
                  if (ord(c) < 0x20 and c != "\n") or 0x7f <= ord(c) < 0xa0})
    eq(bad, [], what + ": control characters printed raw")


def test_inert_messages(t):
    """Arguments, paths and names with terminal escapes, newlines, C1
    controls and bytes that are not UTF-8: every warning, note, error, the
    summary and the text tree print them escaped, one line each."""
    title, colour = b"\x1b]0;TITLE\x07", b"\x1b[31mred\x1b[0m"
    # Not UTF-8: stray bytes, an overlong ESC, a surrogate, a code point
    # past U+10FFFF, a sequence cut short.
    broken = [b"\xff\xfe", b"\xc0\x9b", b"\xed\xa0\x80",
              b"\xf4\x90\x80\x80", b"end\xe2\x82"]
    args = [title, colour, b"line1\nline2\r", b"\xc2\x9b2J",
            b"it's a\\b\x7f"] + broken + ["caf\u00e9".encode(),
                                          "\U0001f600".encode()]
    weird = os.path.join(t.dir.encode(), b"dir\x1b[7m\nx\xc2\x9b")
    os.makedirs(weird)
    for f in ("forks.c", "nocov.c"):
        subprocess.run(["cp", t.fixture(f), weird], check=True)
    subprocess.run(["gcc", "-c", "nocov.c"], cwd=weird, check=True)
    subprocess.run(["gcc", "--coverage", "-o", "forks", "forks.c",
                    "nocov.o", "-pthread"], cwd=weird, check=True)
    data = os.path.join(weird, b"run\x1b[2J")

    def covrun(*argv, rc=0):
        p = subprocess.run([COVRUN.encode()] + list(argv), cwd=weird,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=120)
        sys.stdout.write(p.stdout.decode("utf-8", "replace"))
        sys.stdout.write(p.stderr.decode("utf-8", "replace"))
        eq(p.returncode, rc, "status of covrun %r" % (argv,))
        check_inert("stdout of covrun %r" % (argv,), p.stdout)
        check_inert("stderr of covrun %r" % (argv,), p.stderr)
        return p.stdout.decode(), p.stderr.decode()

    out, err = covrun(b"--data-dir", data, b"--force", b"./forks",
                      b"sigkill", *args)
    t.data = data.decode("utf-8", "surrogateescape")
    child = one(t.records(), how="fork")
    warning = [ln for ln in err.split("\n") if "without a trace" in ln]
    eq(len(warning), 1, "lines of the warning on the killed child")
    shown = inert(b" ".join([b"./forks", b"sigkill"] + args))
    check("(pid %s: %s) ended" % (child["pid"], shown) in warning[0],
          "warning shows the arguments escaped: %r" % warning[0])
    check("under %s\n" % inert(weird) in out, "summary names the root")
    check(inert(data) in err, "note names the run directory escaped")

    # Rooted one level up, the summary has a row for the directory.
    out, _ = covrun(b"report", b"--summary=full", b"--root",
                    t.dir.encode(), b"--no-html", b"--no-cobertura", data)
    check("\n%s\n" % inert(os.path.basename(weird)) in out,
          "directory row of the summary")

    out, _ = covrun(b"tree", data)
    lines = out.split("\n")
    eq(len(lines), 2 + 1, "lines of the tree (two images)")
    # Clean UTF-8 is shown as it is, anything else in bash's $'...'
    # quoting, where \ and ' take a backslash.
    quoted = " ".join(["./forks", "sigkill"] + [
        a.decode() if inert(a) == a.decode("utf-8", "replace") else
        "$'%s'" % inert(a.replace(b"\\", b"\\\\").replace(b"'", b"\\'"))
        for a in args])
    for ln in lines[:2]:
        check(ln.endswith(": %s %s" % (inert(os.path.join(weird,
                                                          b"forks")),
                                        quoted)),
              "tree line ends with exe and arguments: %r" % ln)

    out, _ = covrun(b"tree", b"--json", data)
    check(out.isascii(), "tree --json is ASCII")
    for p in __import__("json").loads(out)["processes"]:
        want = ["./forks", "sigkill"] + [
            inert(a) if a in broken else a.decode() for a in args]
        eq(p["argv"], want, "argv in tree --json")

    _, err = covrun(b"--data-dir", data, b"--force", b"--no-report",
                    b"./no-such" + title, rc=127)
    check("cannot run './no-such%s'" % inert(title) in err,
          "error names the command escaped: %r" % err)


def test_term_race_exit_underscore(t):
    """300 children end with _exit(0) right after telling the parent,
    which sends SIGTERM at once: no count lost, none doubled, and each
    child's recorded end is the status its parent saw."""
    ending_cases.build_race(t)
    ending_cases.term_race(t, "_exit")


def test_term_race_exit(t):
    """The same race with exit(0): SIGTERM arrives while libgcov's
    destructors write the counters."""
    ending_cases.build_race(t)
    ending_cases.term_race(t, "exit")


def test_term_race_thread(t):
    """The same race where a second thread ends the process with _exit
    and SIGTERM reaches the first thread, which must wait for the dump."""
    ending_cases.build_race(t)
    ending_cases.term_race(t, "thread")


def test_pool_terminate(t):
    """multiprocessing.Pool (fork) as a context manager: its __exit__
    terminates the workers with SIGTERM."""
    ending_cases.build_pools(t)
    ending_cases.pool_case(t, "fork")


def test_exec_failed(t):
    """An exec that fails: the image goes on, and what it counted before
    is written once (the counters written for the exec were zeroed)."""
    ending_cases.build_race(t)
    t.covrun("run", "--no-report", "./ending", "exec-fail", check_rc=0)
    root = one(t.records(), how="root")
    eq(root.get("end"), "exit 0", "recorded end")
    check("dumped" in root, "record says the dump completed")
    f = t.counts(root["id"])["functions"]
    eq((f["main"], f["child_work"], f["parent_work"]), (1, 1, 1),
       "main, child_work (before the exec), parent_work (after it)")


def need_root():
    check(os.geteuid() == 0, "this test needs root (chroot, setuid); CI "
          "runs as root")


def cannot_write_case(t, args):
    """ending.c calls root_work() and then cannot reach the run directory
    (ARGS), its descriptors closed, the shim's journal with them: nothing
    more can be recorded; the ledger names the image, libgcov is kept from
    writing anywhere else, and nothing is."""
    need_root()
    ending_cases.build_race(t)
    for how in ("_exit", "exit"):
        # its only image lost its counts: nothing to report (README: 5)
        p = t.covrun("./ending", *args, how, check_rc=5)
        root = one(t.records(), how="root")
        check("dumped" not in root, "no completed dump recorded")
        check("image %s (pid %s: ./ending %s %s)" % (
              root["id"], root["pid"], " ".join(args), how) in p.stderr and
              "its coverage is lost" in p.stderr,
              "ledger names the image: " + p.stderr)
        eq(t.image_gcda(root["id"]), {}, "gcda of the image")
        eq(t.stray_gcda(), [], "gcda written next to the gcno")
        check("profiling:" not in p.stderr, "libgcov did not try to write")


def test_chroot_raw_written(t):
    """chroot through the raw system call, which the shim cannot see: the
    journal it keeps open from the image's start takes the counts."""
    jail = os.path.join(t.dir, "jail")
    os.makedirs(jail)
    written_case(t, ["chroot-raw", jail])
    eq(os.listdir(jail), [], "nothing written inside the chroot")


def test_chroot_lost(t):
    """chroot through the raw system call, then every descriptor closed:
    the run directory cannot be reached."""
    jail = os.path.join(t.dir, "jail")
    os.makedirs(jail)
    cannot_write_case(t, ["chroot-raw-close", jail])
    eq(os.listdir(jail), [], "nothing written inside the chroot")


def written_case(t, args):
    """ending.c ARGS: the counts are written all the same."""
    need_root()
    ending_cases.build_race(t)
    for how in ("_exit", "exit"):
        p = t.covrun("run", "--no-report", "./ending", *args, how,
                     check_rc=0)
        root = one(t.records(), how="root")
        eq(root.get("end"), how + " 0", "recorded end")
        check("dumped" in root and "lost" not in root,
              "record says the dump completed: %r" % root)
        f = t.counts(root["id"])["functions"]
        eq((f.get("main"), f.get("root_work"), f.get("child_work")),
           (1, 1, 0), "main, root_work, child_work")
        check("coverage is lost" not in p.stderr, "no loss reported")


def test_chroot_written(t):
    """chroot(): the shim keeps the run directory open first and writes
    the counts through it."""
    jail = os.path.join(t.dir, "jail")
    os.makedirs(jail)
    written_case(t, ["chroot", jail])
    eq(os.listdir(jail), [], "nothing written inside the chroot")


def test_setuid_written(t):
    """setuid() from root: the shim gives the image's directory to the
    new user first."""
    written_case(t, ["setuid", "65534"])


def test_setuid_raw_written(t):
    """setuid through the raw system call, which the shim cannot see: the
    journal it keeps open from the image's start takes the counts."""
    written_case(t, ["setuid-raw", "65534"])


def test_setuid_lost(t):
    """setuid through the raw system call, then every descriptor closed
    (the shim's journal with them): the counts cannot be written."""
    cannot_write_case(t, ["setuid-raw-close", "65534"])


TESTS = {name[5:]: fn for name, fn in list(globals().items())
         if name.startswith("test_")}

if __name__ == "__main__":
    main(TESTS)
