# SPDX-License-Identifier: MIT
"""tests/harness/covtest.py: what every covrun end-to-end test shares.

A test builds small fixture programs with --coverage into a fresh work
directory, runs covrun on them, then checks process records and per-image
counts.  Counts are read with gcov itself (gcov --json-format on each
image's gcda, next to the object's gcno), never with covrun's own reader,
so a test compares covrun's collection against the gcc toolchain's oracle.

Environment (set by ctest, see tests/collect/CMakeLists.txt):
  COVRUN      path of the covrun binary under test
  COVRUN_WORK directory for work trees (one subdirectory per test)
  COVRUN_SRC  the source tree's tests/ directory
"""
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

COVRUN = os.environ.get("COVRUN", "covrun")
WORK = os.environ.get("COVRUN_WORK", tempfile.gettempdir())
SRC = os.environ.get("COVRUN_SRC", os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
CC = os.environ.get("CC", "gcc")
GCOV = os.environ.get("GCOV", "gcov")


class Failure(Exception):
    pass


def check(cond, msg):
    if not cond:
        raise Failure(msg)


def eq(got, want, what):
    if got != want:
        raise Failure("%s: got %r, want %r" % (what, got, want))


def parse_record(text):
    """Parse a covrun process record (format in README.md)."""
    lines = text.split("\n")
    if lines[0] != "covrun-record 1":
        raise Failure("not a record: %r" % lines[0])
    rec = {"argv": []}
    for line in lines[1:]:
        if not line:
            continue
        key, _, val = line.partition(" ")
        val = (val.replace("\\n", "\n").replace("\\t", "\t")
               .replace("\\\\", "\\"))
        if key == "arg":
            rec["argv"].append(val)
        elif (key, val) in (("end", "none"), ("lost", ""), ("dumped", "0"),
                            ("finish", "0")):
            rec.pop(key, None)  # taken back: an exec that failed
        else:
            rec[key] = val
    return rec


def read_frames(path):
    """The frames of a format-2 journal or data file
    (docs/run-directory.md, "Frames"): [(kind, payload)], and the offsets
    of frames that fail their length or hash, resynchronised at the next
    '@' (a frame cut short need not end its line)."""
    with open(path, "rb") as f:
        return parse_frames(f.read())


def parse_frames(data):
    """read_frames of bytes DATA."""
    frames, bad = parse_frames_at(data)
    return [(k, p) for _, k, p in frames], bad


def parse_frames_at(data):
    """parse_frames with each frame's offset: [(offset, kind, payload)]."""
    frames, bad, at = [], [], 0
    while at < len(data):
        m = re.match(rb"@(.) ([0-9]+) ([0-9a-f]{8})\n", data[at:at + 40])
        if m:
            body = at + m.end()
            n = int(m.group(2))
            payload = data[body:body + n]
            if len(payload) == n and "%08x" % fnv1a(payload) == \
                    m.group(3).decode():
                frames.append((at, m.group(1).decode(), payload))
                at = body + n
                continue
        bad.append(at)
        nxt = data.find(b"@", at + 1)
        at = len(data) if nxt < 0 else nxt
    return frames, bad


def fnv1a(data):
    h = 2166136261
    for b in data:
        h = ((h ^ b) * 16777619) & 0xffffffff
    return h


def image_ids(base):
    """Sorted ids of the images with data in BASE (a run directory or a
    fold's taken images): img/<id> (static programs), data/<id> (format
    2) and "@d" frames of the journal (format 3)."""
    ids = set()
    for sub in ("img", "data"):
        d = os.path.join(base, sub)
        if os.path.isdir(d):
            ids.update(os.listdir(d))
    mark, held = fold_mark(base)
    ids.update(iid for iid, _, _ in journal_data(base, mark)
               if iid not in held)
    return sorted(ids)


def frame(kind, payload):
    """One frame (docs/run-directory.md, "Frames")."""
    return b"@%s %d %08x\n" % (kind.encode(), len(payload),
                                fnv1a(payload)) + payload


def to_format2(rundir):
    """Rewrite the format-3 run RUNDIR (not folded) as format 2 would have
    written it: each image's "@d" frames out of the journal, into
    data/<id> as "@g" frames; run.info saying "covrun-run 2"."""
    path = os.path.join(rundir, "journal")
    with open(path, "rb") as f:
        frames = parse_frames(f.read())[0]
    os.makedirs(os.path.join(rundir, "data"), exist_ok=True)
    with open(path + ".new", "wb") as out:
        for kind, payload in frames:
            if kind != "d":
                out.write(frame(kind, payload))
                continue
            iid, rest = payload.split(b"\0", 1)
            with open(os.path.join(rundir, "data", iid.decode()),
                      "ab") as d:
                d.write(frame("g", rest))
    os.rename(path + ".new", path)
    info = os.path.join(rundir, "run.info")
    with open(info) as f:
        text = f.read()
    with open(info, "w") as f:
        f.write(text.replace("covrun-run 3", "covrun-run 2", 1))


def drop_journal_data(rundir, image_id):
    """Rewrite the journal of RUNDIR without image IMAGE_ID's "@d"
    frames."""
    path = os.path.join(rundir, "journal")
    with open(path, "rb") as f:
        frames = parse_frames(f.read())[0]
    with open(path + ".new", "wb") as out:
        for kind, payload in frames:
            if kind != "d" or payload.split(b"\0", 1)[0].decode() != \
                    image_id:
                out.write(frame(kind, payload))
    os.rename(path + ".new", path)


def fold_mark(rundir):
    """The current fold generation's mark of RUNDIR (docs/run-directory.md,
    "Fold"): (W, ids of the images it holds part of); (0, set()) when
    there is none."""
    try:
        with open(os.path.join(rundir, "fold", "current")) as f:
            gen = f.read().strip()
        with open(os.path.join(rundir, "fold", gen, "mark")) as f:
            lines = f.read().splitlines()
    except (OSError, ValueError):
        return 0, set()
    return int(lines[0]), set(lines[1:])


def journal_data(rundir, since=0):
    """The "@d" frames of the journal of RUNDIR (docs/run-directory.md,
    "Data in the journal") at offsets SINCE and after: [(image id, gcda
    path, gcda bytes)], from the journal itself (compaction leaves them
    out of journal.z)."""
    path = os.path.join(rundir, "journal")
    if not os.path.exists(path):
        return []
    with open(path, "rb") as f:
        data = f.read()
    out = []
    for at, kind, payload in parse_frames_at(data)[0]:
        if kind == "d" and at >= since:
            iid, orig, gcda = payload.split(b"\0", 2)
            out.append((iid.decode(), orig.decode(), gcda))
    return out


def journal_bytes(rundir):
    """The whole journal of a format-2 run (docs/run-directory.md,
    "Journal compaction"): journal.z's first L bytes inflated, journal.zx
    saying "X L", then the journal from X."""
    import zlib
    x = l = n = 0
    zx = os.path.join(rundir, "journal.zx")
    if os.path.exists(zx):
        with open(zx) as f:
            nums = [int(v) for v in f.read().split()]
            x, l = nums[:2]
            n = nums[2] if len(nums) > 2 else x
    data = b""
    if l:
        with open(os.path.join(rundir, "journal.z"), "rb") as f:
            data = zlib.decompressobj().decompress(f.read()[:l])
        eq(len(data), n, "journal.z inflated (without its \"@d\" "
           "frames)")
        data = journal_z_frames(data)
    path = os.path.join(rundir, "journal")
    if os.path.exists(path):
        with open(path, "rb") as f:
            f.seek(x)
            data += f.read()
    return data


JOURNAL_Z_MAGIC = b"covrun-journal-z 2\n"


def journal_z_frames(stream):
    """The journal frames that journal.z's inflated STREAM stands for
    (docs/run-directory.md, "Journal compaction"): after its first line,
    items "@r <len>\\n<entry>" (a frame without its hash) and
    "@x <len>\\n<bytes>" (bytes as they were); a stream without the line
    is the frames themselves."""
    if not stream.startswith(JOURNAL_Z_MAGIC):
        return stream
    out, at = [], len(JOURNAL_Z_MAGIC)
    while at < len(stream):
        m = re.match(rb"@([rx]) ([0-9]+)\n", stream[at:at + 32])
        if not m or at + m.end() + int(m.group(2)) > len(stream):
            out.append(stream[at:])
            break
        body = stream[at + m.end():at + m.end() + int(m.group(2))]
        if m.group(1) == b"r":
            out.append(b"@r %d %08x\n" % (len(body), fnv1a(body)))
        out.append(body)
        at += m.end() + len(body)
    return b"".join(out)


def journal_records(rundir):
    """The records of a format-2 journal, as record texts by image id."""
    texts = {}
    if not os.path.exists(os.path.join(rundir, "journal")):
        return texts
    for kind, payload in parse_frames(journal_bytes(rundir))[0]:
        if kind != "r":
            continue
        text = payload.decode("utf-8", errors="replace")
        iid = text.split("\n", 1)[0][3:]
        texts.setdefault(iid, "covrun-record 1\n")
        texts[iid] += text
    return texts


class Case:
    """One test's work tree: fixtures, a run directory, oracles."""

    def __init__(self, name):
        self.name = name
        self.dir = os.path.join(WORK, name)
        shutil.rmtree(self.dir, ignore_errors=True)
        os.makedirs(self.dir)
        self.data = os.path.join(self.dir, ".covrun")

    def fixture(self, name):
        return os.path.join(SRC, "collect", "fixtures", name)

    def cc(self, out, srcs, flags=(), coverage=True, cc=None):
        """Compile SRCS (fixture names or paths) into OUT in the work
        tree; returns the absolute output path."""
        paths = [s if os.path.isabs(s) else self.fixture(s) for s in srcs]
        # Copy sources into the work tree so gcno/gcda live there.
        local = []
        for p in paths:
            dst = os.path.join(self.dir, os.path.basename(p))
            if not os.path.exists(dst):
                shutil.copy(p, dst)
            local.append(os.path.basename(p))
        cmd = [cc or CC, "-O0", "-g", "-o", out] + local + list(flags)
        if coverage:
            cmd.insert(1, "--coverage")
        subprocess.run(cmd, cwd=self.dir, check=True)
        return os.path.join(self.dir, out)

    def covrun(self, *args, timeout=120, env=None, check_rc=None,
               data=True):
        """Run covrun with ARGS in the work tree; returns the
        CompletedProcess (stdout/stderr as text)."""
        cmd = [COVRUN]
        if args and args[0] in ("run", "tree", "merge", "report"):
            cmd.append(args[0])
            args = args[1:]
            if cmd[-1] == "run" and data:
                cmd += ["--data-dir", self.data, "--force"]
        elif data:
            cmd += ["--data-dir", self.data, "--force"]
        cmd += list(args)
        e = dict(os.environ)
        if env:
            e.update(env)
        p = subprocess.run(cmd, cwd=self.dir, env=e, timeout=timeout,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           universal_newlines=True)
        sys.stdout.write(p.stdout)
        sys.stderr.write(p.stderr)
        if check_rc is not None:
            eq(p.returncode, check_rc, "covrun exit status")
        return p

    def records(self):
        """Every process record of the run, as dicts, by start time."""
        recs = []
        for path in glob.glob(os.path.join(self.data, "proc", "*.rec")):
            with open(path, encoding="utf-8", errors="replace") as f:
                recs.append(parse_record(f.read()))
        for text in journal_records(self.data).values():
            rec = parse_record(text)
            if rec.get("withdrawn") != "1":  # its exec failed
                recs.append(rec)
        recs.sort(key=lambda r: int(r["start"]))
        return recs

    def by_exe(self, exe_name):
        return [r for r in self.records()
                if os.path.basename(r["exe"]) == exe_name]

    def image_gcda_list(self, image_id):
        """[(original gcda path, path of a copy)] of one image: the files
        of img/<id> (static programs), and each frame of data/<id>
        (docs/run-directory.md, "Data files") split into a file of its
        own, so that gcov can read it.  A path may appear twice."""
        root = os.path.join(self.data, "img", image_id)
        out = []
        for p in sorted(glob.glob(os.path.join(root, "**", "*.gcda"),
                                  recursive=True)):
            out.append(("/" + os.path.relpath(p, root), p))
        split = os.path.join(self.dir, ".frames", image_id)
        shutil.rmtree(split, ignore_errors=True)
        for i, (orig, gcda) in enumerate(self.data_frames(image_id)):
            os.makedirs(split, exist_ok=True)
            copy = os.path.join(split, "%d-%s" % (
                i, os.path.basename(orig)))
            with open(copy, "wb") as f:
                f.write(gcda)
            out.append((orig, copy))
        return out

    def data_frames(self, image_id):
        """[(gcda path, gcda bytes)] of one image's counters written by
        the shim: the frames of data/<id> (format 2) and its "@d" frames
        in the journal (format 3)."""
        out = []
        data = os.path.join(self.data, "data", image_id)
        if os.path.exists(data):
            for kind, payload in read_frames(data)[0]:
                if kind == "g":
                    orig, gcda = payload.split(b"\0", 1)
                    out.append((orig.decode(), gcda))
        out += [(orig, gcda) for iid, orig, gcda in journal_data(self.data)
                if iid == image_id]
        return out

    def image_gcda(self, image_id):
        """Map original gcda path -> path of the image's copy (the last,
        when a path appears twice)."""
        return dict(self.image_gcda_list(image_id))

    def counts(self, image_id):
        """gcov's view of one image: {'functions': {name: count},
        'lines': {(file basename, line): count}}; empty when the image
        wrote no data."""
        funcs, lines = {}, {}
        for orig, copy in self.image_gcda_list(image_id):
            doc = gcov_json(copy, orig[:-5] + ".gcno")
            for f in doc["files"]:
                base = os.path.basename(f["file"])
                for fn in f["functions"]:
                    funcs[fn["name"]] = (funcs.get(fn["name"], 0) +
                                         fn["execution_count"])
                for ln in f["lines"]:
                    key = (base, ln["line_number"])
                    lines[key] = lines.get(key, 0) + ln["count"]
        return {"functions": funcs, "lines": lines}

    def fn_count(self, image_id, name):
        return self.counts(image_id)["functions"].get(name, 0)

    def stray_gcda(self):
        """gcda files written in the work tree itself (outside runs)."""
        return sorted(p for p in glob.glob(os.path.join(self.dir, "*.gcda")))


def strace_env():
    """The environment for covrun run under strace: LeakSanitizer cannot
    run under ptrace (the ASan build of the suite)."""
    asan = os.environ.get("ASAN_OPTIONS", "")
    return dict(os.environ, ASAN_OPTIONS=(asan + ":" if asan else "") +
                "detect_leaks=0")


def strace_per_process(prefix):
    """The lines of `strace -ff -o PREFIX`, one file per process or
    thread: {pid: [line, ...]}.  With -f and one file, a system call of
    one process interrupted by another's is split over two lines
    ("<unfinished ...>", "<... resumed>"), and a failed call then reads
    as a call without its result."""
    out = {}
    d, base = os.path.split(prefix)
    for name in os.listdir(d or "."):
        if name.startswith(base + ".") and name[len(base) + 1:].isdigit():
            with open(os.path.join(d, name)) as f:
                out[name[len(base) + 1:]] = f.read().splitlines()
    return out


def plain_env(extra=None):
    """The environment for a run *without* covrun, gcda written in place,
    even when this test itself runs under covrun: COVRUN_DIR set to the
    empty string opts a command out (README.md, "Environment")."""
    e = dict(os.environ)
    e.pop("GCOV_PREFIX", None)
    e["COVRUN_DIR"] = ""
    if extra:
        e.update(extra)
    return e


def gcov_json(gcda, gcno):
    """Run gcov on GCDA with GCNO beside it; returns the parsed JSON."""
    with tempfile.TemporaryDirectory() as tmp:
        base = os.path.splitext(os.path.basename(gcda))[0]
        shutil.copy(gcda, os.path.join(tmp, base + ".gcda"))
        os.symlink(gcno, os.path.join(tmp, base + ".gcno"))
        p = subprocess.run([GCOV, "-b", "--json-format", "--stdout",
                            base + ".gcda"], cwd=tmp, check=True,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           universal_newlines=True)
        return json.loads(p.stdout.splitlines()[0])


def main(tests):
    """Run the test named on the command line (ctest runs one each)."""
    if len(sys.argv) != 2 or sys.argv[1] not in tests:
        print("usage: %s TEST\ntests: %s" % (sys.argv[0],
                                             " ".join(sorted(tests))))
        sys.exit(2)
    name = sys.argv[1]
    try:
        tests[name](Case(name))
    except Failure as e:
        print("FAIL: %s: %s" % (name, e))
        sys.exit(1)
    print("PASS: %s" % name)
