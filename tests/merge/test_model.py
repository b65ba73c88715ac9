# SPDX-License-Identifier: MIT
"""Tests of the merge module's data model (merge_load_tree/runs, contexts,
aggregates, bad data), driven through tests/merge/modeldump.

Builds two corpus programs with GCC --coverage into a work directory and:
  tree      in-place gcda: the model equals gcov's JSON for every object
            merged across objects as gcovr does (per file and line, counts
            summed, branches by index, functions by name and line)
  runs      images in a run directory (img/<id>, proc/<id>.rec,
            unattributed/<pid>): view ALL equals in-place data of the same
            runs, views ROOT and CHILD equal run dirs holding only those
            images, including the non-linear one-line loop (docs/gcov-format.md
            section 6)
  write     per-context aggregates: gcov on each aggregate gives the
            context's view, and reading the merged directory back gives
            the same model
  fallback  every object forced through gcov's JSON: same numbers
  bad       truncated, corrupt, stale (stamp, checksum), gcda without gcno,
            images of two builds of one object: each reported once naming
            image and file, left out, the rest merged, exit status 3
Usage: test_model.py --modeldump BIN --corpus DIR --work DIR [--cc gcc-12]
"""
import argparse
import json
import os
import shutil
import struct
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "harness"))
from softcheck import check, failures as FAILS  # noqa: E402
import require  # noqa: E402


def run(cmd, cwd=None, env=None, ok=(0,)):
    p = subprocess.run(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True)
    if p.returncode not in ok:
        raise RuntimeError("%s: exit %d\n%s" % (" ".join(cmd), p.returncode,
                                                p.stderr[-3000:]))
    return p


class Env:
    pass


def build(e, name, sources, d, cflags=()):
    os.makedirs(d, exist_ok=True)
    objs = []
    for s in sources:
        comp = e.cxx if s.endswith(".cpp") else e.cc
        o = os.path.splitext(os.path.basename(s))[0] + ".o"
        src = s if os.path.isabs(s) else os.path.join(e.corpus, s)
        run([comp, "--coverage", "-O0", "-I", e.corpus] + list(cflags) +
            ["-c", src, "-o", o], cwd=d)
        objs.append(o)
    cpp = any(s.endswith(".cpp") for s in sources)
    run([e.cxx if cpp else e.cc, "--coverage"] + objs + ["-o", name],
        cwd=d)
    return os.path.join(d, name)


def clean_gcda(d):
    for root, _, files in os.walk(d):
        for f in files:
            if f.endswith(".gcda"):
                os.unlink(os.path.join(root, f))


def modeldump(e, args, ok=(0,), env=None):
    p = run([e.modeldump] + args, ok=ok,
            env=dict(os.environ, **env) if env else None)
    return (json.loads(p.stdout) if p.stdout.strip() else None,
            p.stderr, p.returncode)


def gcov_expected(e, objdir):
    """gcovr-style merge of gcov JSON of every gcda in OBJDIR."""
    files = {}
    for f in sorted(os.listdir(objdir)):
        if not f.endswith(".gcda"):
            continue
        doc = json.loads(run([e.gcov, "-b", "--json-format", "--stdout", f],
                             cwd=objdir).stdout.splitlines()[0])
        cwd = doc.get("current_working_directory", objdir)
        for fi in doc["files"]:
            path = os.path.normpath(os.path.join(cwd, fi["file"]))
            ent = files.setdefault(path, {"lines": {}, "functions": {}})
            for ln in fi["lines"]:
                l = ent["lines"].setdefault(ln["line_number"],
                                            {"count": 0, "branches": []})
                l["count"] += ln["count"]
                for i, b in enumerate(ln["branches"]):
                    if i == len(l["branches"]):
                        l["branches"].append(0)
                    l["branches"][i] += b["count"]
            for fn in fi["functions"]:
                k = (fn["name"], fn["start_line"])
                ent["functions"][k] = (ent["functions"].get(k, 0) +
                                       fn["execution_count"])
    return {p: v for p, v in files.items() if v["lines"] or v["functions"]}


def model_view(model, v):
    files = {}
    for f in model["files"]:
        ent = {"lines": {}, "functions": {}}
        for l in f["lines"]:
            ent["lines"][l["line"]] = {
                "count": l["count"][v],
                "branches": [b["count"][v] for b in l["branches"]]}
        for fn in f["functions"]:
            ent["functions"][(fn["name"], fn["start_line"])] = fn["count"][v]
        files[f["path"]] = ent
    return files


def compare(what, exp, got):
    n = 0
    for path in sorted(set(exp) | set(got)):
        if path not in exp or path not in got:
            check(False, "%s: file %s only in %s" % (
                what, path, "gcov" if path in exp else "covrun"))
            n += 1
            continue
        a, b = exp[path], got[path]
        for ln in sorted(set(a["lines"]) | set(b["lines"])):
            x, y = a["lines"].get(ln), b["lines"].get(ln)
            if x != y:
                check(False, "%s: %s line %d: expected %r, covrun %r" %
                      (what, path, ln, x, y))
                n += 1
        for k in sorted(set(a["functions"]) | set(b["functions"])):
            x, y = a["functions"].get(k), b["functions"].get(k)
            if x != y:
                check(False, "%s: %s function %s: expected %r, covrun %r" %
                      (what, path, k, x, y))
                n += 1
        if n > 20:
            return False
    return n == 0


def write_record(rundir, img, role, exe, label=""):
    os.makedirs(os.path.join(rundir, "proc"), exist_ok=True)
    text = "covrun-record 1\nid %s\nrole %s\nexe %s\n" % (img, role, exe)
    if label:
        text += "label %s\n" % label
    with open(os.path.join(rundir, "proc", img + ".rec"), "w") as f:
        f.write(text)


def run_image(rundir, img, prog, args, cwd, unattributed=None):
    env = dict(os.environ)
    if unattributed:
        env["GCOV_PREFIX"] = os.path.join(rundir, "unattributed",
                                          unattributed)
    else:
        env["GCOV_PREFIX"] = os.path.join(rundir, "img", img)
    env["GCOV_PREFIX_STRIP"] = "0"
    run([prog] + args, cwd=cwd, env=env)


# ---- tests ------------------------------------------------------------------

def test_tree(e):
    for name, srcs in (("classes", ["classes.cpp", "shapes.cpp"]),
                       ("multi", ["multi_a.c", "multi_b.c"])):
        d = os.path.join(e.work, "tree-" + name)
        shutil.rmtree(d, ignore_errors=True)
        prog = build(e, name, srcs, d)
        run([prog], cwd=d)
        run([prog, "a", "b"], cwd=d)
        model, err, rc = modeldump(e, ["tree", d])
        check(rc == 0 and not err, "tree %s: clean merge (%s)" % (name, err))
        compare("tree %s view ALL" % name, gcov_expected(e, d),
                model_view(model, 0))
        check(model_view(model, 0) == model_view(model, 1),
              "tree %s: ROOT equals ALL" % name)
        zero = all(c == 0 for f in model["files"] for l in f["lines"]
                   for c in [l["count"][2]] + [b["count"][2]
                                               for b in l["branches"]])
        check(zero, "tree %s: CHILD is all zero" % name)
        # headers merged across objects: one file entry per path
        paths = [f["path"] for f in model["files"]]
        check(len(paths) == len(set(paths)), "tree %s: unique paths" % name)


def make_runs(e):
    """Build linegoto+multi; run images into run dirs and in place."""
    d = os.path.join(e.work, "runs-build")
    shutil.rmtree(d, ignore_errors=True)
    lg = build(e, "linegoto", ["linegoto.c"], d)
    mu = build(e, "multi", ["multi_a.c", "multi_b.c"], d)
    plan = [  # image, role, exe, label, program, args
        ("r1", "root", lg, "", lg, []),
        ("r2", "root", mu, "t1", mu, ["a"]),
        ("c1", "child", lg, "", lg, ["x"]),
        ("c2", "child", mu, "t1", mu, ["a", "b", "c"]),
        (None, "unattributed", "", "", mu, ["q"]),
    ]
    full = os.path.join(e.work, "run-full")
    roots = os.path.join(e.work, "run-root")
    childs = os.path.join(e.work, "run-child")
    for r in (full, roots, childs):
        shutil.rmtree(r, ignore_errors=True)
    for img, role, exe, label, prog, args in plan:
        for r in (full, roots if role == "root" else childs):
            if img:
                write_record(r, img, role, exe, label)
                run_image(r, img, prog, args, d)
            else:
                run_image(r, img, prog, args, d, unattributed="4242")
    for _, _, _, _, prog, args in plan:
        run([prog] + args, cwd=d)
    return d, full, roots, childs


def test_runs(e, d, full, roots, childs):
    model, err, rc = modeldump(e, ["--context-views", "runs", full])
    check(rc == 0 and not err, "runs: clean merge (%s)" % err)
    tree, _, _ = modeldump(e, ["tree", d])
    compare("runs: ALL vs in place", model_view(tree, 0),
            model_view(model, 0))
    mr, _, _ = modeldump(e, ["runs", roots])
    mc, _, _ = modeldump(e, ["runs", childs])
    compare("runs: ROOT", model_view(mr, 0), model_view(model, 1))
    compare("runs: CHILD", model_view(mc, 0), model_view(model, 2))
    ctx = {(c["role"], os.path.basename(c["exe"]), c["label"]): c
           for c in model["contexts"]}
    check(len(model["contexts"]) == 5, "runs: 5 contexts, got %d" %
          len(model["contexts"]))
    check(model["nviews"] == 3 + len(model["contexts"]),
          "runs: one view per context")
    check((2, "", "") in ctx and ctx[(2, "", "")]["images"] == 1,
          "runs: unattributed context")
    # the non-linear line: 1 per run, 3 on summed counters
    src = os.path.join(e.corpus, "linegoto.c")
    f = [x for x in model["files"] if x["path"] == os.path.realpath(src)]
    if check(len(f) == 1, "runs: linegoto.c in model"):
        l8 = [l for l in f[0]["lines"] if l["line"] == 8][0]["count"]
        check(l8[0] == 3 and l8[1] == 1 and l8[2] == 1,
              "runs: one-line loop counts ALL/ROOT/CHILD = 3/1/1, got %r"
              % l8[:3])


def test_write(e, d, full):
    out = os.path.join(e.work, "merged")
    shutil.rmtree(out, ignore_errors=True)
    _, err, rc = modeldump(e, ["write", out, full])
    check(rc == 0, "write: exit 0 (%s)" % err)
    check(os.path.exists(os.path.join(out, "contexts")),
          "write: contexts file")
    model, _, _ = modeldump(e, ["--context-views", "runs", full])
    again, _, _ = modeldump(e, ["--context-views", "runs", out])
    for v in range(3):
        compare("write: re-read view %d" % v, model_view(model, v),
                model_view(again, v))
    # gcov on each context's aggregates gives that context's view
    with open(os.path.join(out, "contexts")) as f:
        lines = f.read().splitlines()[1:]
    for i, line in enumerate(lines):
        cid = line.split("\t")[0]
        tmp = os.path.join(e.work, "agg-" + cid)
        shutil.rmtree(tmp, ignore_errors=True)
        shutil.copytree(d, tmp, ignore=shutil.ignore_patterns("*.gcda"))
        agg = os.path.join(out, "ctx", cid) + d
        for g in os.listdir(agg):
            shutil.copy(os.path.join(agg, g), os.path.join(tmp, g))
        exp = gcov_expected(e, tmp)
        got = model_view(model, 3 + [c["id"] for c in
                                     model["contexts"]].index(cid))
        # files of objects that context did not load are absent in gcov
        got = {p: v for p, v in got.items() if p in exp or any(
            x["count"] or x["branches"] and any(x["branches"])
            for x in v["lines"].values())}
        exp = {p.replace(tmp, d): v for p, v in exp.items()}
        compare("write: gcov on aggregate of %s" % cid, exp, got)


def test_fold(e, full):
    """Folding finished images into an aggregate directory in steps, in
    place, gives the same model as merging everything at once."""
    parts = []
    for k, imgs in enumerate((["r1", "c1"], ["r2", "c2"], [])):
        r = os.path.join(e.work, "fold-part%d" % k)
        shutil.rmtree(r, ignore_errors=True)
        os.makedirs(os.path.join(r, "proc"))
        for i in imgs:
            shutil.copytree(os.path.join(full, "img", i),
                            os.path.join(r, "img", i))
            shutil.copy(os.path.join(full, "proc", i + ".rec"),
                        os.path.join(r, "proc"))
        if not imgs:
            shutil.copytree(os.path.join(full, "unattributed"),
                            os.path.join(r, "unattributed"))
        parts.append(r)
    agg = os.path.join(e.work, "fold-agg")
    shutil.rmtree(agg, ignore_errors=True)
    modeldump(e, ["write", agg, parts[0]])
    for p in parts[1:]:
        modeldump(e, ["write", agg, agg, p])
    want, _, _ = modeldump(e, ["--context-views", "runs", full])
    got, _, _ = modeldump(e, ["--context-views", "runs", agg])
    check([(c["id"], c["images"]) for c in got["contexts"]] ==
          [(c["id"], c["images"]) for c in want["contexts"]],
          "fold: contexts and image counts")
    for v in range(want["nviews"]):
        compare("fold view %d" % v, model_view(want, v),
                model_view(got, v))
    stale = sorted(os.listdir(os.path.join(agg, "ctx")))
    check(stale == sorted(c["id"] for c in want["contexts"]),
          "fold: no stale context directories: %r" % stale)


def corrupt_copy(src, dst):
    shutil.rmtree(dst, ignore_errors=True)
    shutil.copytree(src, dst)


def find(rundir, img, base):
    for root, _, files in os.walk(os.path.join(rundir, "img", img)):
        if base in files:
            return os.path.join(root, base)
    raise RuntimeError("no %s in image %s" % (base, img))


def test_bad(e, d, full):
    ref, _, _ = modeldump(e, ["runs", full])

    def expect(name, mutate, nwarn, words, env=None):
        r = os.path.join(e.work, "bad-" + name)
        corrupt_copy(full, r)
        ok = os.path.join(e.work, "bad-ref-" + name)
        corrupt_copy(full, ok)
        path = mutate(r, ok)
        model, err, rc = modeldump(e, ["runs", r], ok=(3,), env=env)
        refm, _, _ = modeldump(e, ["runs", ok])
        warns = [w for w in err.splitlines() if w.startswith("warning:")]
        check(rc == 3, "bad %s: exit status 3, got %d" % (name, rc))
        check(len(warns) == nwarn, "bad %s: %d warning(s), got %r" %
              (name, nwarn, warns))
        for w in words + ([path] if path else []):
            check(any(w in x for x in warns),
                  "bad %s: warning names %r: %r" % (name, w, warns))
        check(model["nskipped"] >= 1, "bad %s: nskipped" % name)
        compare("bad %s: rest merged" % name, model_view(refm, 0),
                model_view(model, 0))

    def truncate(r, ok):
        p = find(r, "c2", "multi_a.gcda")
        with open(p, "r+b") as f:
            f.truncate(os.path.getsize(p) // 2 + 1)
        os.unlink(find(ok, "c2", "multi_a.gcda"))
        return p

    def corrupt(r, ok):
        p = find(r, "r2", "multi_b.gcda")
        with open(p, "r+b") as f:
            data = bytearray(f.read())
            # the first record's length word: far past the end
            hdr = 16 if data[6:7] == b"2" else 12  # "*22B": GCC 12
            data[hdr + 4:hdr + 8] = struct.pack("<I", 0x7ffffff0)
            f.seek(0)
            f.write(data)
        os.unlink(find(ok, "r2", "multi_b.gcda"))
        return p

    def stale_stamp(r, ok):
        p = find(r, "c1", "linegoto.gcda")
        with open(p, "r+b") as f:
            f.seek(8)
            f.write(b"\x01\x02\x03\x04")
        os.unlink(find(ok, "c1", "linegoto.gcda"))
        return p

    def stale_checksum(r, ok):
        p = find(r, "r1", "linegoto.gcda")
        with open(p, "r+b") as f:
            data = bytearray(f.read())
            i = next(k for k in range(12, len(data), 4)
                     if data[k:k + 4] == struct.pack("<I", 0x01000000))
            data[i + 16] ^= 0xff  # cfg checksum of the first function
            f.seek(0)
            f.write(data)
        os.unlink(find(ok, "r1", "linegoto.gcda"))
        return p

    def no_gcno(r, ok):
        p = find(r, "r2", "multi_b.gcda")
        dst = os.path.join(r, "img", "r2", "nonexistent", "dir",
                           "gone.gcda")
        os.makedirs(os.path.dirname(dst))
        shutil.copy(p, dst)
        return "gone.gcno"

    def badmagic(r, ok):
        p = find(r, "c1", "linegoto.gcda")
        with open(p, "r+b") as f:
            f.write(b"xxxx")
        os.unlink(find(ok, "c1", "linegoto.gcda"))
        return p

    expect("truncated", truncate, 1, ["'c2'", ": truncated: record"])
    expect("corrupt", corrupt, 1, ["'r2'", "ends past the end"])
    expect("magic", badmagic, 1, ["'c1'", "not a gcda file"])
    expect("stamp", stale_stamp, 1, ["'c1'", "stamp mismatch"])
    expect("checksum", stale_checksum, 1, ["'r1'", "profile mismatch"])
    expect("nogcno", no_gcno, 1, ["gone.gcno", "1 gcda file left out"])

    def unreadable(r, ok):
        # a directory below image c1 cannot be read (fault injection:
        # chmod does not stop root)
        shutil.rmtree(os.path.join(ok, "img", "c1"))
        return os.path.join(r, "img", "c1")

    expect("unreadable", unreadable, 1,
           ["image 'c1'", "cannot read directory", "Permission denied"],
           env={"COVRUN_MERGE_FAULT": "opendir:bad-unreadable/img/c1"})


def test_two_builds(e):
    """Two images of different builds of one object: the older is left
    out, named."""
    d = os.path.join(e.work, "twobuilds")
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    src = os.path.join(d, "lg.c")
    shutil.copy(os.path.join(e.corpus, "linegoto.c"), src)
    r = os.path.join(d, "run")
    prog = build(e, "lg", [src], d)
    write_record(r, "old", "root", prog)
    run_image(r, "old", prog, [], d)
    with open(src, "a") as f:
        f.write("int extra(int x) { return x + 1; }\n")
    prog = build(e, "lg", [src], d)
    write_record(r, "new", "root", prog)
    run_image(r, "new", prog, ["x"], d)
    model, err, rc = modeldump(e, ["runs", r], ok=(3,))
    warns = [w for w in err.splitlines() if w.startswith("warning:")]
    check(rc == 3 and len(warns) == 1 and "'old'" in warns[0] and
          "stamp mismatch" in warns[0],
          "two builds: old image left out and named: %r" % warns)
    f = [x for x in model["files"] if x["path"].endswith("/lg.c")]
    check(f and [l for l in f[0]["lines"] if l["line"] == 8][0]["count"][0]
          == 1, "two builds: new image merged")


def test_fallback(e):
    """Objects read through gcov's JSON (forced) give the native numbers
    for a build tree (one gcda per object)."""
    for name in ("classes", "multi"):
        d = os.path.join(e.work, "tree-" + name)
        native, _, _ = modeldump(e, ["tree", d])
        fb, err, rc = modeldump(e, ["--gcov-fallback", "tree", d])
        check(rc == 0 and not err, "fallback %s: clean (%s)" % (name, err))
        for v in range(3):
            compare("fallback %s view %d" % (name, v),
                    model_view(native, v), model_view(fb, v))


def llvm_lines(text):
    out = {}
    for line in text.splitlines():
        parts = line.split(":", 2)
        if len(parts) < 3 or not parts[1].strip().isdigit():
            continue
        c, n = parts[0].strip(), int(parts[1])
        if n and c != "-":
            out[n] = 0 if c == "#####" else int(c.rstrip("*"))
    return out


def test_clang(e):
    """clang 14 images: the aggregate read by llvm-cov equals in-place
    data, and so do the model's line counts.  clang-14 and llvm-cov-14
    are required: a missing one fails the test, naming it."""
    require.tool("clang-14", "clang-14")
    require.tool("llvm-cov-14", "llvm-14")
    d = os.path.join(e.work, "clang")
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    src = os.path.join(e.corpus, "basic.c")
    run(["clang-14", "--coverage", "-O0", src, "-o", "basic"], cwd=d)
    r = os.path.join(d, "run")
    for i, args in enumerate(([], ["a", "b"], ["a"])):
        img = "i%d" % i
        write_record(r, img, "root" if i == 0 else "child",
                     os.path.join(d, "basic"))
        run_image(r, img, os.path.join(d, "basic"), args, d)
        run([os.path.join(d, "basic")] + args, cwd=d)
    inplace = llvm_lines(run(["llvm-cov-14", "gcov", "-t", "basic.gcda"],
                             cwd=d).stdout)
    out = os.path.join(d, "merged")
    _, err, rc = modeldump(e, ["write", out, r])
    check(rc == 0, "clang: write (%s)" % err)
    tot = {}
    for cid in os.listdir(os.path.join(out, "ctx")):
        agg = os.path.join(d, "agg-" + cid)
        os.makedirs(agg)
        shutil.copy(os.path.join(d, "basic.gcno"), agg)
        shutil.copy(os.path.join(out, "ctx", cid) + d + "/basic.gcda", agg)
        for n, c in llvm_lines(run(["llvm-cov-14", "gcov", "-t",
                                    "basic.gcda"], cwd=agg).stdout).items():
            tot[n] = tot.get(n, 0) + c
    model, _, _ = modeldump(e, ["runs", r])
    f = [x for x in model["files"] if x["path"] == src]
    mine = {l["line"]: l["count"][0] for l in f[0]["lines"]} if f else {}
    check(mine == inplace, "clang: model lines equal llvm-cov in place: "
          "%r" % sorted(set(mine.items()) ^ set(inplace.items()))[:6])
    # per-context aggregates: sums equal in place on this program
    check(tot == inplace, "clang: llvm-cov on aggregates: %r" %
          sorted(set(tot.items()) ^ set(inplace.items()))[:6])


def test_bundles(e, full):
    """Bundles (.tar.gz, .zip, .tar.zst) of a run directory and of a
    merged directory merge like the directories, without unpacking."""
    import tarfile
    import zipfile
    merged = os.path.join(e.work, "merged")
    for src in (full, merged):
        want, _, _ = modeldump(e, ["--context-views", "runs", src])
        base = os.path.join(e.work, "bundle-" + os.path.basename(src))
        made = []
        with tarfile.open(base + ".tar.gz", "w:gz") as t:
            t.add(src, arcname=os.path.basename(src))
        made.append(base + ".tar.gz")
        with zipfile.ZipFile(base + ".zip", "w") as z:
            for root, _, files in os.walk(src):
                for f in files:
                    p = os.path.join(root, f)
                    z.write(p, os.path.relpath(p, src))  # no top dir
        made.append(base + ".zip")
        require.tool("zstd", "zstd")
        run(["tar", "--zstd", "-cf", base + ".tar.zst", "-C",
             os.path.dirname(src), os.path.basename(src)])
        made.append(base + ".tar.zst")
        for b in made:
            got, err, rc = modeldump(e, ["--context-views", "runs", b])
            check(rc == 0 and not err, "bundle %s: clean (%s)" % (b, err))
            check(got["contexts"] == want["contexts"],
                  "bundle %s: same contexts" % b)
            for v in range(want["nviews"]):
                compare("bundle %s view %d" % (os.path.basename(b), v),
                        model_view(want, v), model_view(got, v))
    # a truncated bundle (cut inside an entry): what could be read is
    # merged, the rest named
    tgz = os.path.join(e.work, "bundle-run-full.tar.gz")
    tar = os.path.join(e.work, "bundle-run-full.tar")
    cut = os.path.join(e.work, "bundle-cut.tar")
    with tarfile.open(tar, "w") as t:
        t.add(full, arcname="run-full")
    with open(tar, "rb") as f, open(cut, "wb") as g:
        g.write(f.read()[:os.path.getsize(tar) // 2 + 700])
    _, err, rc = modeldump(e, ["runs", cut], ok=(3,))
    check("bundle-cut.tar" in err and "left out" in err,
          "bundle cut: named (%s)" % err)
    junk = os.path.join(e.work, "junk.tar.gz")
    with open(junk, "wb") as f:
        f.write(b"not an archive at all" * 10)
    _, err, rc = modeldump(e, ["runs", junk], ok=(125, 3))
    check("junk.tar.gz" in err, "bundle junk: named (%s)" % err)
    if e.covrun:
        out = os.path.join(e.work, "cli-bundle")
        shutil.rmtree(out, ignore_errors=True)
        p = run([e.covrun, "merge", "-q", "-o", out, tgz])
        check(p.returncode == 0, "cli: merge a bundle")


def test_cli(e, full):
    """covrun merge: output equal to merge_set_write's, exit statuses."""
    if not e.covrun:
        return
    out = os.path.join(e.work, "cli-out")
    ref = os.path.join(e.work, "merged")
    shutil.rmtree(out, ignore_errors=True)
    p = run([e.covrun, "merge", "-j", "2", "-o", out, full])
    check(p.returncode == 0, "cli: exit 0")
    with open(os.path.join(out, "contexts")) as a, \
            open(os.path.join(ref, "contexts")) as b:
        check(a.read() == b.read(), "cli: contexts file as merge_set_write")
    m1, _, _ = modeldump(e, ["runs", out])
    m2, _, _ = modeldump(e, ["runs", ref])
    compare("cli: merged output", model_view(m2, 0), model_view(m1, 0))
    # merging again over an earlier merge replaces it
    p = run([e.covrun, "merge", "-q", "-o", out, full])
    check(p.returncode == 0 and not p.stderr, "cli: replace, quiet")
    bad = os.path.join(e.work, "bad-truncated")
    p = run([e.covrun, "merge", "-o", out + "2", bad], ok=(3,))
    w = [l for l in p.stderr.splitlines() if "warning:" in l]
    check(len(w) == 2 and "image 'c2'" in w[0] and "multi_a.gcda" in w[0]
          and "left out" in w[1], "cli: bad data reported once: %r" % w)
    p = run([e.covrun, "merge", "-o", out + "3",
             os.path.join(e.work, "nonexistent")], ok=(125,))
    check("nonexistent" in p.stderr, "cli: missing input named")
    run([e.covrun, "merge", full], ok=(125,))
    p = run([e.covrun, "merge", "-o", full, full], ok=(125,))
    check("not a merged directory" in p.stderr,
          "cli: refuses to overwrite a run directory")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--modeldump", required=True)
    ap.add_argument("--corpus", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--cc", default="gcc-12")
    ap.add_argument("--covrun", default=None)
    a = ap.parse_args()
    e = Env()
    e.modeldump = os.path.abspath(a.modeldump)
    e.corpus = os.path.realpath(a.corpus)
    e.work = os.path.abspath(a.work)
    e.cc = a.cc
    e.covrun = os.path.abspath(a.covrun) if a.covrun else None
    e.cxx = a.cc.replace("gcc", "g++")
    e.gcov = a.cc.replace("gcc", "gcov")
    for t in (e.cc, e.cxx):
        require.tool(t, t)
    require.tool(e.gcov, e.cc)
    require.tool("clang-14", "clang-14")         # test_clang, before any work
    require.tool("llvm-cov-14", "llvm-14")
    os.makedirs(e.work, exist_ok=True)
    test_tree(e)
    test_fallback(e)
    d, full, roots, childs = make_runs(e)
    test_runs(e, d, full, roots, childs)
    test_write(e, d, full)
    test_fold(e, full)
    test_bad(e, d, full)
    test_cli(e, full)
    test_bundles(e, full)
    test_two_builds(e)
    test_clang(e)
    print("test_model (%s): %d failure(s)" % (e.cc, len(FAILS)))
    return 1 if FAILS else 0


if __name__ == "__main__":
    sys.exit(main())
