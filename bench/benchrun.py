#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""bench/benchrun.py: one command, plain against `covrun run`, measured
from outside covrun (the benchmarks' shared harness, bench/README.md).

Runs COMMAND RUNS times each way, alternating which goes first, and
prints one line per run and a summary line, `NAME key=value ...`:

  plain   the command as is, its gcda written in place (the *.gcda under
          each --gcda-root are deleted first); afterwards the size of the
          in-place gcda (gcda_files, gcda_kb: allocated blocks).
  covrun  `covrun run -q --force -d DIR [COVRUN_ARGS] -- COMMAND` on a
          fresh run directory (deleting the previous one is timed on its
          own, cleanup_s, outside every ratio).  Measured meanwhile:
          - covrun_cpu_s: covrun's own CPU time (utime + stime of the
            covrun process, all its threads, not its children), read from
            /proc/<pid>/stat once the process has exited and before it is
            reaped (waitid WNOWAIT), so the figure is exact;
          - run_cpu_s: the CPU time of covrun and every process it reaped
            (wait4 rusage), i.e. the whole run's CPU time;
          - tail_s: from the command's end to covrun's exit.  The command
            runs under `bash -c 'COMMAND; echo $EPOCHREALTIME > MARK'`
            (plain runs the same wrapper) and tail_s = exit time - MARK;
          - peak_files / peak_kb: the run directory's largest file count
            and allocated size, walked every --sample-ms (the walk
            itself costs CPU on a loaded machine: --sample-ms 0 turns it
            off).

Summary: the medians, ratio = median covrun wall / median plain wall,
cpu_share_wall = covrun_cpu_s / covrun wall and cpu_share_cpu =
covrun_cpu_s / run_cpu_s (medians of the per-run values).
Only `covrun run`'s documented options are used (README.md, "covrun
run"), so this works on any run directory format.
"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import threading
import time

CLK_TCK = os.sysconf("SC_CLK_TCK")
WRAP = 's=0; "$@" || s=$?; echo "$EPOCHREALTIME" > "$BENCH_MARK"; exit $s'


def tree_size(top, suffix=None):
    """(files, allocated bytes) under TOP; only names ending in SUFFIX
    when given.  Files vanishing during the walk are skipped."""
    files = size = 0
    stack = [top]
    while stack:
        d = stack.pop()
        try:
            it = os.scandir(d)
        except OSError:
            continue
        with it:
            for e in it:
                try:
                    if e.is_dir(follow_symlinks=False):
                        stack.append(e.path)
                    elif suffix is None or e.name.endswith(suffix):
                        files += 1
                        size += e.stat(follow_symlinks=False).st_blocks * 512
                except OSError:
                    pass
    return files, size


def delete_gcda(roots):
    for r in roots:
        for d, _, names in os.walk(r):
            for n in names:
                if n.endswith(".gcda"):
                    os.unlink(os.path.join(d, n))


class Sampler(threading.Thread):
    """Peak file count and size of a directory, walked every PERIOD s
    and once more when stopped."""

    def __init__(self, top, period):
        super().__init__(daemon=True)
        self.top, self.period = top, period
        self.peak_files = self.peak_size = 0
        self.stop = threading.Event()

    def sample(self):
        f, s = tree_size(self.top)
        self.peak_files = max(self.peak_files, f)
        self.peak_size = max(self.peak_size, s)

    def run(self):
        while not self.stop.is_set():
            self.sample()
            self.stop.wait(self.period)
        self.sample()  # as the run left it: a run shorter than PERIOD


def proc_cpu_s(pid):
    """utime + stime of PID itself, in seconds (proc(5): fields 14, 15)."""
    with open("/proc/%d/stat" % pid) as f:
        rest = f.read().rsplit(")", 1)[1].split()
    return (int(rest[11]) + int(rest[12])) / CLK_TCK


def spawn(argv, cwd, env, quiet):
    out = subprocess.DEVNULL if quiet else None
    return subprocess.Popen(argv, cwd=cwd, env=env, stdout=out)


def run_once(argv, a, env, mark, sample_dir):
    """Start ARGV, wait for it; returns a dict of measurements."""
    sampler = None
    if sample_dir and a.sample_ms > 0:
        sampler = Sampler(sample_dir, a.sample_ms / 1000)
        sampler.start()
    t0 = time.time()
    p = spawn(argv, a.cwd, env, a.quiet)
    while True:  # exited, not reaped yet: its /proc/<pid>/stat is final
        info = os.waitid(os.P_PID, p.pid, os.WEXITED | os.WNOWAIT)
        if info is not None:
            break
    t_exit = time.time()
    cpu = proc_cpu_s(p.pid)
    _, status, ru = os.wait4(p.pid, 0)
    p.returncode = os.waitstatus_to_exitcode(status)
    r = {"wall_s": t_exit - t0, "status": p.returncode,
         "self_cpu_s": cpu, "run_cpu_s": ru.ru_utime + ru.ru_stime}
    try:
        with open(mark) as f:
            r["tail_s"] = t_exit - float(f.read().strip())
    except (OSError, ValueError):
        r["tail_s"] = float("nan")
    if sampler:
        sampler.stop.set()
        sampler.join()
        r["peak_files"] = sampler.peak_files
        r["peak_kb"] = sampler.peak_size // 1024
    return r


def save_gcda(roots, dest):
    """Copy the *.gcda under ROOTS to DEST (ROOTS[i] to DEST/i when
    there are several), replacing what DEST held."""
    shutil.rmtree(dest, ignore_errors=True)
    for i, root in enumerate(roots):
        to = dest if len(roots) == 1 else os.path.join(dest, str(i))
        for d, _, names in os.walk(root):
            for n in names:
                if n.endswith(".gcda"):
                    rel = os.path.relpath(os.path.join(d, n), root)
                    os.makedirs(os.path.dirname(os.path.join(to, rel)),
                                exist_ok=True)
                    shutil.copy2(os.path.join(d, n), os.path.join(to, rel))


def plain_run(a, cmd, env, mark):
    delete_gcda(a.gcda_root)
    r = run_once(["bash", "-c", WRAP, "bash"] + cmd, a, env, mark, None)
    f, s = 0, 0
    for root in a.gcda_root:
        rf, rs = tree_size(root, ".gcda")
        f, s = f + rf, s + rs
    r["gcda_files"], r["gcda_kb"] = f, s // 1024
    if a.save_gcda:
        save_gcda(a.gcda_root, a.save_gcda)
    del r["self_cpu_s"]  # bash's own: meaningless here
    return r


def covrun_run(a, cmd, env, mark):
    t0 = time.time()
    shutil.rmtree(a.data_dir, ignore_errors=True)
    shutil.rmtree(a.data_dir + ".prev", ignore_errors=True)
    cleanup = time.time() - t0
    delete_gcda(a.gcda_root)
    argv = ([a.covrun, "run", "-q", "--force", "-d", a.data_dir] +
            a.covrun_arg + ["--", "bash", "-c", WRAP, "bash"] + cmd)
    r = run_once(argv, a, env, mark, a.data_dir)
    r["covrun_cpu_s"] = r.pop("self_cpu_s")
    r["cleanup_s"] = cleanup
    return r


def fmt(v):
    return "%.3f" % v if isinstance(v, float) else str(v)


def line(name, fields):
    print(" ".join([name] + [k if v is None else "%s=%s" % (k, fmt(v))
                             for k, v in fields]),
          flush=True)


def summary(a, plain, cov):
    med = statistics.median
    pw = med(r["wall_s"] for r in plain)
    cw = med(r["wall_s"] for r in cov)
    return [("runs", a.runs), ("plain_median_s", pw),
            ("covrun_median_s", cw), ("ratio", cw / pw),
            ("covrun_cpu_median_s", med(r["covrun_cpu_s"] for r in cov)),
            ("cpu_share_wall", med(r["covrun_cpu_s"] / r["wall_s"]
                                   for r in cov)),
            ("cpu_share_cpu", med(r["covrun_cpu_s"] / max(r["run_cpu_s"],
                                                          1e-9)
                                  for r in cov)),
            ("tail_median_s", med(r["tail_s"] for r in cov)),
            ("peak_files_max", max(r.get("peak_files", 0) for r in cov)),
            ("peak_kb_max", max(r.get("peak_kb", 0) for r in cov)),
            ("gcda_files", plain[-1]["gcda_files"]),
            ("gcda_kb", plain[-1]["gcda_kb"])]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--name", required=True)
    ap.add_argument("--tag", action="append", default=[],
                    help="KEY=VALUE printed on every line")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--covrun", required=True)
    ap.add_argument("--data-dir", required=True)
    ap.add_argument("--gcda-root", action="append", required=True)
    ap.add_argument("--cwd", default=".")
    ap.add_argument("--save-gcda", metavar="DIR",
                    help="copy the plain run's gcda there (last run's)")
    ap.add_argument("--covrun-arg", action="append", default=[],
                    help="one more option of `covrun run`")
    ap.add_argument("--sample-ms", type=int, default=150)
    ap.add_argument("--only", choices=("plain", "covrun"))
    ap.add_argument("--verbose", dest="quiet", action="store_false")
    ap.add_argument("command", nargs="+")
    a = ap.parse_args()
    a.data_dir = os.path.abspath(a.data_dir)
    a.gcda_root = [os.path.abspath(g) for g in a.gcda_root]
    if a.save_gcda:
        a.save_gcda = os.path.abspath(a.save_gcda)
    mark = os.path.abspath(a.data_dir + ".end-mark")
    env = dict(os.environ, BENCH_MARK=mark, LC_ALL="C")
    for k in ("GCOV_PREFIX", "GCOV_PREFIX_STRIP", "COVRUN_DIR"):
        env.pop(k, None)
    tags = [tuple(t.split("=", 1)) for t in a.tag]
    plain, cov = [], []
    for i in range(a.runs):
        order = ("plain", "covrun") if i % 2 == 0 else ("covrun", "plain")
        for mode in order:
            if a.only and mode != a.only:
                continue
            if os.path.exists(mark):
                os.unlink(mark)
            fn = plain_run if mode == "plain" else covrun_run
            r = fn(a, a.command, env, mark)
            (plain if mode == "plain" else cov).append(r)
            line(a.name, [("mode", mode), ("run", i + 1)] + tags +
                 sorted(r.items()))
            if r["status"] != 0:
                print("%s: %s run %d: exit status %d" %
                      (a.name, mode, i + 1, r["status"]), file=sys.stderr)
    if plain and cov:
        line(a.name, [("summary", None)] + tags + summary(a, plain, cov))
    return 1 if any(r["status"] for r in plain + cov) else 0


if __name__ == "__main__":
    sys.exit(main())
