# SPDX-License-Identifier: MIT
"""covrun merge benchmark (issue 3, item 7).

Generates an instrumented project (bench/gen/gen_project.py, default 300
objects), builds it with gcc --coverage, runs it as images of two run
directories of IMAGES images each (real gcda written by libgcov under
GCOV_PREFIX=<run>/img/<id>, with process records: a few root images, the
rest children, four labels), then measures with a warm cache, best of
--repeat:

  floor      cat of every gcda byte of run A to /dev/null (find | xargs cat)
  covrun     covrun merge -o OUT runA         (time and peak RSS)
  covrun2x   covrun merge -o OUT runA runB    (2 x IMAGES: peak RSS)
  pipeline   gcov-tool merge folded over run A's images, then gcovr --json
             on the result (what a user has today)

and prints one machine-readable line per measurement ("bench NAME VALUE
UNIT"), then the ratios against the targets: covrun within 3x the floor,
at least 20x faster than the pipeline, RSS at 2 x IMAGES within 10% of
RSS at IMAGES.

With --modeldump (tests/merge/modeldump from the build) the merged line
and branch counts of run A are also checked against the pipeline's gcovr
JSON, value for value; tests/merge runs a small version that way.

usage: merge_bench.py --covrun BIN [--work DIR] [--objects 300]
                      [--images 1000] [--pipeline-images N] [--repeat 3]
                      [--modeldump BIN]
--pipeline-images measures the pipeline on the first N images and scales
it linearly to IMAGES (printed as such); by default all images are used.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def sh(cmd, **kw):
    return subprocess.run(cmd, check=True, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True, **kw)


def timed(cmd, repeat=1, **kw):
    """Best wall time (s) and the peak RSS (KiB) of that run."""
    best, rss = None, 0
    for _ in range(repeat):
        t0 = time.monotonic()
        p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE, **kw)
        _, status, ru = os.wait4(p.pid, 0)
        dt = time.monotonic() - t0
        p.returncode = os.waitstatus_to_exitcode(status)
        err = p.stderr.read().decode(errors="replace")
        p.stderr.close()
        if p.returncode not in (0, 3):
            raise RuntimeError("%s: exit %d: %s" % (cmd, p.returncode, err))
        if best is None or dt < best:
            best, rss = dt, ru.ru_maxrss
    return best, rss


def line(name, value, unit):
    print("bench %s %s %s" % (name, value, unit), flush=True)


def make_project(work, objects):
    proj = os.path.join(work, "proj-%d" % objects)
    if os.path.exists(os.path.join(proj, "prog")):
        return proj
    shutil.rmtree(proj, ignore_errors=True)
    sh([sys.executable, os.path.join(HERE, "gen", "gen_project.py"), proj,
        "--objects", str(objects)])
    sh(["sh", os.path.join(proj, "build.sh")])
    return proj


def make_run(work, proj, name, images, first):
    run = os.path.join(work, name)
    stamp = os.path.join(run, ".complete-%d" % images)
    if os.path.exists(stamp):
        return run
    shutil.rmtree(run, ignore_errors=True)
    os.makedirs(os.path.join(run, "proc"))
    prog = os.path.join(proj, "prog")
    env = dict(os.environ, GCOV_PREFIX_STRIP="0")
    for i in range(images):
        img = "i%05d" % (first + i)
        role = "root" if i % 50 == 0 else "child"
        with open(os.path.join(run, "proc", img + ".rec"), "w") as f:
            f.write("covrun-record 1\nid %s\nrole %s\nexe %s\nlabel t%d\n"
                    % (img, role, prog, i % 4))
        env["GCOV_PREFIX"] = os.path.join(run, "img", img)
        subprocess.run([prog, str(first + i)], env=env, check=True,
                       stdout=subprocess.DEVNULL)
    open(stamp, "w").close()
    return run


def floor(run, repeat):
    cmd = ["sh", "-c", "find '%s' -name '*.gcda' -print0 | "
           "xargs -0 cat > /dev/null" % run]
    timed(cmd)  # warm the cache
    return timed(cmd, repeat)[0]


def pipeline(work, proj, run, n):
    """gcov-tool merge folded over N images, then gcovr; seconds."""
    imgs = sorted(os.listdir(os.path.join(run, "img")))[:n]
    acc = [os.path.join(work, "pipe-a"), os.path.join(work, "pipe-b")]
    for d in acc:
        shutil.rmtree(d, ignore_errors=True)
    t0 = time.monotonic()
    cur = os.path.join(run, "img", imgs[0])
    for k, img in enumerate(imgs[1:]):
        out = acc[k % 2]
        shutil.rmtree(out, ignore_errors=True)
        sh(["gcov-tool", "merge", "-o", out, cur,
            os.path.join(run, "img", img)])
        cur = out
    t_fold = time.monotonic() - t0
    # gcovr reads the merged gcda beside the gcno
    tree = os.path.join(work, "pipe-tree")
    shutil.rmtree(tree, ignore_errors=True)
    shutil.copytree(proj, tree, ignore=shutil.ignore_patterns("*.gcda"))
    for root, _, files in os.walk(cur):
        for f in files:
            if f.endswith(".gcda"):
                shutil.copy(os.path.join(root, f), os.path.join(tree, f))
    t1 = time.monotonic()
    sh(["gcovr", "-r", tree, "--json", "-o",
        os.path.join(work, "pipe.json"), tree])
    t_gcovr = time.monotonic() - t1
    return t_fold, t_gcovr


def check_against_gcovr(modeldump, run, work, proj):
    """Differences between covrun's view ALL of RUN and gcovr's JSON."""
    p = sh([modeldump, "runs", run])
    model = json.loads(p.stdout)
    with open(os.path.join(work, "pipe.json")) as f:
        ref = json.load(f)
    tree = os.path.join(work, "pipe-tree")
    mine = {}
    for f in model["files"]:
        rel = os.path.relpath(f["path"], proj)
        for l in f["lines"]:
            mine[(rel, l["line"])] = (l["count"][0],
                                      [b["count"][0] for b in l["branches"]])
    theirs = {}
    for f in ref["files"]:
        rel = os.path.relpath(os.path.join(tree, f["file"]), tree)
        for l in f["lines"]:
            if l.get("gcovr/noncode"):
                continue
            theirs[(rel, l["line_number"])] = (
                l["count"], [b["count"] for b in l["branches"]])
    line("lines_compared_with_gcovr", len(theirs), "count")
    diffs = [(k, theirs.get(k), mine.get(k))
             for k in sorted(set(mine) | set(theirs))
             if mine.get(k) != theirs.get(k)]
    if not theirs:
        diffs.append((("gcovr", 0), "no lines", None))
    return diffs


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--covrun", required=True)
    ap.add_argument("--work", default="bench-work")
    ap.add_argument("--objects", type=int, default=300)
    ap.add_argument("--images", type=int, default=1000)
    ap.add_argument("--pipeline-images", type=int, default=0)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("-j", type=int, default=0)
    ap.add_argument("--modeldump", default=None)
    a = ap.parse_args()
    work = os.path.abspath(a.work)
    os.makedirs(work, exist_ok=True)
    covrun = os.path.abspath(a.covrun)
    jobs = ["-j", str(a.j)] if a.j else []

    proj = make_project(work, a.objects)
    run_a = make_run(work, proj, "run-a", a.images, 0)
    run_b = make_run(work, proj, "run-b", a.images, a.images)
    nfiles = sum(len(f) for _, _, f in os.walk(os.path.join(run_a, "img")))
    nbytes = sum(os.path.getsize(os.path.join(r, x))
                 for r, _, fs in os.walk(os.path.join(run_a, "img"))
                 for x in fs)
    line("objects", a.objects, "count")
    line("images", a.images, "count")
    line("gcda_files", nfiles, "count")
    line("gcda_bytes", nbytes, "bytes")

    t_floor = floor(run_a, a.repeat)
    line("floor_cat", "%.3f" % t_floor, "s")
    out = os.path.join(work, "merged")
    t_cov, rss1 = timed([covrun, "merge", "-q"] + jobs + ["-o", out, run_a],
                        a.repeat)
    line("covrun_merge", "%.3f" % t_cov, "s")
    line("covrun_rss_%d" % a.images, rss1, "KiB")
    t_cov2, rss2 = timed([covrun, "merge", "-q"] + jobs +
                         ["-o", out, run_a, run_b], a.repeat)
    line("covrun_merge_%d" % (2 * a.images), "%.3f" % t_cov2, "s")
    line("covrun_rss_%d" % (2 * a.images), rss2, "KiB")

    n = a.pipeline_images or a.images
    t_fold, t_gcovr = pipeline(work, proj, run_a, n)
    scale = a.images / n
    t_pipe = t_fold * scale + t_gcovr
    line("pipeline_gcov_tool_fold_%d" % n, "%.3f" % t_fold, "s")
    line("pipeline_gcovr", "%.3f" % t_gcovr, "s")
    line("pipeline_total%s" % ("" if n == a.images else "_scaled"),
         "%.3f" % t_pipe, "s")

    line("ratio_covrun_to_floor", "%.2f" % (t_cov / t_floor), "x")
    line("ratio_pipeline_to_covrun", "%.1f" % (t_pipe / t_cov), "x")
    line("ratio_rss_2x_to_1x", "%.3f" % (rss2 / rss1), "x")
    ok = (t_cov <= 3 * t_floor, t_pipe >= 20 * t_cov, rss2 <= 1.1 * rss1)
    print("targets: within 3x floor %s; 20x faster than pipeline %s; "
          "RSS +10%% %s" % tuple("met" if x else "NOT met" for x in ok))
    if a.modeldump and n == a.images:
        diffs = check_against_gcovr(os.path.abspath(a.modeldump), run_a,
                                    work, proj)
        for d in diffs[:20]:
            print("differs from gcovr: %s:%d: gcovr %r, covrun %r" %
                  (d[0][0], d[0][1], d[1], d[2]))
        line("differences_from_gcovr", len(diffs), "count")
        return 1 if diffs else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
