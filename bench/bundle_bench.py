# SPDX-License-Identifier: MIT
"""covrun merge of a bundle against the same images in a run directory
(issue 7, item 12).

Runs a two-object --coverage program once under covrun, then makes IMAGES
copies of its root image (fresh image ids, each with its process record)
both as a run directory and as a bundle (.tar, and .tar.zst when zstd is
installed), and measures `covrun merge` of each, best of --repeat, at
IMAGES and at IMAGES/4.  A bundle must cost about what the run directory
costs, and 4 times the images about 4 times the time (look-ups that are
linear per image made it 16 times).  Prints one line per measurement
("bench NAME VALUE UNIT") and the ratios.

usage: bundle_bench.py --covrun BIN [--work DIR] [--images 40000]
                       [--repeat 3]
"""
import argparse
import io
import json
import os
import shutil
import subprocess
import tarfile
import time

MAIN_C = r"""
#include <sys/wait.h>
#include <unistd.h>
int helper(int x);
static int work(int x) { return x * 3; }
int main(void)
{
	int s = 0;
	for (int i = 0; i < 55; i++)
		s += work(i);
	s += helper(s);
	return s == 1;
}
"""
HELPER_C = "int helper(int x) { return x + 1; }\n"


def one_image(covrun, work):
    """Build and run the program once; (record text, image id,
    {gcda path: bytes}) of its image, in the run directory format 1 that
    make_inputs writes (a current run keeps its images in its journal: the
    record is rebuilt from `covrun tree --json`, the data files are
    those `covrun merge` writes for the run's one image)."""
    for name, text in (("main.c", MAIN_C), ("helper.c", HELPER_C)):
        with open(os.path.join(work, name), "w") as f:
            f.write(text)
    subprocess.run(["gcc", "--coverage", "-O0", "-o", "prog", "main.c",
                    "helper.c"], cwd=work, check=True)
    run = os.path.join(work, ".covrun")
    subprocess.run([covrun, "run", "-q", "--no-report", "-d", run,
                    "--force", "--", "./prog"], cwd=work, check=True)
    tree = json.loads(subprocess.run(
        [covrun, "tree", "--json", run], check=True, capture_output=True,
        text=True).stdout)
    (p,) = tree["processes"]
    rec = "covrun-record 1\n" + "".join("%s %s\n" % kv for kv in (
        ("id", p["id"]), ("pid", p["pid"]), ("ppid", p["ppid"]),
        ("parent", ""), ("how", "root"), ("role", "root"),
        ("exe", p["exe"]), ("cwd", p["cwd"]), ("label", ""),
        ("start", p["start_ns"]), ("arg", "./prog"), ("instrumented", 1),
        ("end", p["end"]), ("finish", p["end_ns"]),
        ("dumped", p["end_ns"])))
    merged = os.path.join(work, "one")
    subprocess.run([covrun, "merge", "-q", "-o", merged, run], check=True)
    (ctx,) = os.listdir(os.path.join(merged, "ctx"))
    root = os.path.join(merged, "ctx", ctx)
    blobs = {}
    for dirpath, _, files in os.walk(root):
        for n in files:
            path = os.path.join(dirpath, n)
            with open(path, "rb") as f:
                blobs["/" + os.path.relpath(path, root)] = f.read()
    shutil.rmtree(merged)
    return rec, p["id"], blobs


def make_inputs(work, n, rec, iid, blobs):
    """A run directory and a .tar of N copies of the image."""
    rundir = os.path.join(work, "run-%d" % n)
    tar = os.path.join(work, "bundle-%d.tar" % n)
    shutil.rmtree(rundir, ignore_errors=True)
    os.makedirs(os.path.join(rundir, "proc"))
    with open(os.path.join(rundir, "run.info"), "w") as f:
        f.write("covrun-run 1\n")
    with tarfile.open(tar, "w") as t:
        for i in range(n):
            new = "%016x-%d" % (i + 1, 1000 + i)
            text = rec.replace(iid, new)
            files = [("proc/%s.rec" % new, text.encode())]
            files += [("img/%s%s" % (new, p), d) for p, d in blobs.items()]
            for name, data in files:
                path = os.path.join(rundir, name)
                os.makedirs(os.path.dirname(path), exist_ok=True)
                with open(path, "wb") as f:
                    f.write(data)
                ti = tarfile.TarInfo(name)
                ti.size = len(data)
                t.addfile(ti, io.BytesIO(data))
    inputs = {"rundir": rundir, "tar": tar}
    if shutil.which("zstd"):
        subprocess.run(["zstd", "-q", "-f", tar], check=True)
        inputs["tar.zst"] = tar + ".zst"
    return inputs


def best_time(covrun, work, inp, repeat):
    best = None
    for _ in range(repeat):
        out = os.path.join(work, "out")
        t0 = time.monotonic()
        subprocess.run([covrun, "merge", "-q", "-o", out, inp], check=True)
        dt = time.monotonic() - t0
        best = dt if best is None else min(best, dt)
        shutil.rmtree(out)
    return best


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--covrun", required=True)
    ap.add_argument("--work", default="bench-bundle")
    ap.add_argument("--images", type=int, default=40000)
    ap.add_argument("--repeat", type=int, default=3)
    a = ap.parse_args()
    covrun = os.path.abspath(a.covrun)
    work = os.path.abspath(a.work)
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    rec, iid, blobs = one_image(covrun, work)
    times = {}
    for n in (a.images // 4, a.images):
        inputs = make_inputs(work, n, rec, iid, blobs)
        for kind, path in inputs.items():
            t = best_time(covrun, work, path, a.repeat)
            times[(kind, n)] = t
            print("bench %s_%d %.3f s" % (kind.replace(".", "_"), n, t))
    small, big = a.images // 4, a.images
    for kind in sorted({k for k, _ in times}):
        print("ratio %s %d/%d images: %.1f (linear 4)" %
              (kind, big, small, times[(kind, big)] /
               max(times[(kind, small)], 1e-3)))
        print("ratio %s / rundir at %d images: %.2f" %
              (kind, big, times[(kind, big)] / times[("rundir", big)]))


if __name__ == "__main__":
    main()
