# SPDX-License-Identifier: MIT
"""tests/cli/test_guard.py: covrun never touches what is not its own.

Scenarios of the covrun program as a user drives it: an earlier run moved
aside only when DIR.prev is provably a covrun run, one covrun at a time in
a run directory (and in a merge output), a failed start that destroys
nothing, report outputs written through links, devices and FIFOs instead
of replacing them, and binaries the kernel cannot run.

Fixtures are tests/collect/fixtures/helper.c ("helper N" calls
helper_work() N times), built with --coverage; counts are read with gcov.
"""
import os
import signal
import stat
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "harness"))
from covtest import Case, check, eq, main, COVRUN  # noqa: E402
import covtest  # noqa: E402

# A command that runs "./helper 2", then waits until the file "go" exists:
# a run that stays live for as long as a test needs, without timing guesses.
WAIT_FOR_GO = "./helper 2; while [ ! -e go ]; do sleep 0.1; done"


def covrun(t, *args, **kw):
    """covrun ARGS in the work tree, exactly as given (no --data-dir)."""
    return t.covrun(*args, data=False, **kw)


def build(t):
    return t.cc("helper", ["helper.c"])


def helper_counts(t, data):
    """helper_work() count of each helper image of run directory DATA."""
    saved, t.data = t.data, data
    try:
        return sorted(t.fn_count(r["id"], "helper_work")
                      for r in t.records() if r["exe"].endswith("/helper"))
    finally:
        t.data = saved


def image_ids(data):
    """The images of a run: format-1 record files and format-2 journal
    entries (docs/run-directory.md)."""
    proc = os.path.join(data, "proc")
    ids = [n[:-4] for n in (os.listdir(proc) if os.path.isdir(proc) else [])
           if n.endswith(".rec")]
    return sorted(ids + list(covtest.journal_records(data)))


def read(path):
    with open(path, "rb") as f:
        return f.read()


def write(path, text):
    with open(path, "w") as f:
        f.write(text)


def first_run(t, data):
    """A good run of "helper 3" into DATA; returns its image ids."""
    covrun(t, "-d", data, "./helper", "3", check_rc=0)
    eq(helper_counts(t, data), [3], "helper_work in the first run")
    return image_ids(data)


# ---- item 5: DIR.prev is replaced only when it is a covrun run ----------

def test_prev_not_a_run(t):
    """A directory, file or link named DIR.prev that is not a covrun run
    is never removed or replaced: covrun refuses (125) and names it."""
    build(t)
    data = os.path.join(t.dir, "cov")
    prev = data + ".prev"
    ids = first_run(t, data)
    elsewhere = os.path.join(t.dir, "elsewhere")
    first_run(t, elsewhere)
    kinds = [("directory", lambda: (os.makedirs(prev),
                                    write(os.path.join(prev, "mine.txt"),
                                          "user data\n"))),
             ("file", lambda: write(prev, "user data\n")),
             ("link to a run", lambda: os.symlink(elsewhere, prev)),
             ("run without magic", lambda: (
                 os.makedirs(os.path.join(prev, "proc")),
                 write(os.path.join(prev, "run.info"), "my notes\n")))]
    for kind, make in kinds:
        make()
        before = snapshot(prev)
        p = covrun(t, "-d", data, "./helper", "5")
        eq(p.returncode, 125, "status with a %s as DIR.prev" % kind)
        check("'%s'" % prev in p.stderr and "not a covrun run" in p.stderr,
              "message names DIR.prev (%s): %s" % (kind, p.stderr))
        eq(snapshot(prev), before, "DIR.prev (%s) untouched" % kind)
        eq(image_ids(data), ids, "the earlier run stays in DIR (%s)" % kind)
        remove(prev)
    eq(helper_counts(t, elsewhere), [3], "a linked run is not touched")
    # a real earlier run in DIR.prev is replaced, as before
    covrun(t, "-d", data, "./helper", "5", check_rc=0)
    covrun(t, "-d", data, "./helper", "7", check_rc=0)
    eq(helper_counts(t, prev), [5], "DIR.prev holds the run before")
    eq(helper_counts(t, data), [7], "DIR holds the last run")


def test_prev_foreign_owner(t):
    """As root: a covrun run owned by another user is not ours to
    remove, in DIR.prev or in DIR."""
    build(t)
    check(os.geteuid() == 0, "this test runs as root (CI does)")
    data = os.path.join(t.dir, "cov")
    prev = data + ".prev"
    first_run(t, prev)
    os.chown(prev, 65534, 65534)  # nobody
    first_run(t, data)
    ids = image_ids(data)
    p = covrun(t, "-d", data, "./helper", "5")
    eq(p.returncode, 125, "status with another user's run as DIR.prev")
    check("'%s'" % prev in p.stderr, "message names it: " + p.stderr)
    eq(helper_counts(t, prev), [3], "their run is kept")
    eq(image_ids(data), ids, "ours stays in DIR")
    os.chown(data, 65534, 65534)
    p = covrun(t, "-d", data, "--force", "./helper", "5")
    eq(p.returncode, 125, "status with another user's run as DIR")
    eq(image_ids(data), ids, "--force removes only our own runs")


def test_data_dir_link(t):
    """DIR itself a link to a run: neither followed nor replaced."""
    build(t)
    real = os.path.join(t.dir, "real")
    first_run(t, real)
    link = os.path.join(t.dir, "cov")
    os.symlink(real, link)
    p = covrun(t, "-d", link, "./helper", "5")
    eq(p.returncode, 125, "status")
    check(os.path.islink(link), "the link is kept")
    eq(helper_counts(t, real), [3], "the run it points to is kept")


def snapshot(path):
    """What is at PATH, deeply: type, content, link target."""
    if os.path.islink(path):
        return ("link", os.readlink(path))
    if os.path.isdir(path):
        return ("dir", sorted((n, snapshot(os.path.join(path, n)))
                              for n in os.listdir(path)))
    if os.path.isfile(path):
        return ("file", read(path))
    return None


def remove(path):
    if os.path.islink(path) or os.path.isfile(path):
        os.unlink(path)
    else:
        subprocess.run(["rm", "-rf", path], check=True)


# ---- item 6: one run directory, one run ---------------------------------

def start_live_run(t, data):
    """covrun -d DATA on WAIT_FOR_GO; returns the Popen once the run's
    helper has ended (the run holds DATA from then on)."""
    # (--fold-batch 0: the waiting loop's images are never folded away)
    proc = subprocess.Popen([COVRUN, "-d", data, "--fold-batch", "0",
                             "sh", "-c", WAIT_FOR_GO],
                            cwd=t.dir, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, universal_newlines=True)
    info = os.path.join(data, "run.info")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        ours = os.path.exists(info) and WAIT_FOR_GO.encode() in read(info)
        recs = [r for r in records_of(t, data) if r["exe"].endswith("/helper")]
        if ours and recs and "end" in recs[0]:
            return proc
        check(proc.poll() is None, "the live run ended early")
        time.sleep(0.05)
    raise AssertionError("the live run did not start")


def records_of(t, data):
    saved, t.data = t.data, data
    try:
        return t.records()
    finally:
        t.data = saved


def finish(t, proc):
    write(os.path.join(t.dir, "go"), "")
    out, err = proc.communicate(timeout=60)
    sys.stderr.write(err)
    os.unlink(os.path.join(t.dir, "go"))
    return proc.returncode, err


def test_second_run_refused(t):
    """A second covrun run on a run directory in use refuses at once
    (125, naming the holder's pid) and changes nothing; covrun report on
    the live run says so; the first run's counts are its own."""
    build(t)
    data = os.path.join(t.dir, "cov")
    first_run(t, data)  # an earlier run: the live one moves it aside
    live = start_live_run(t, data)
    ids = image_ids(data)
    for extra in ([], ["--force"]):
        start = time.monotonic()
        p = covrun(t, "-d", data, *extra, "./helper", "5")
        eq(p.returncode, 125, "status of a second run %s" % extra)
        check(time.monotonic() - start < 10, "refused at once")
        check("pid %d" % live.pid in p.stderr,
              "message names the holder's pid: " + p.stderr)
        check(set(ids) <= set(image_ids(data)), "the live run stays")
        eq(helper_counts(t, data), [2], "no helper of the second run")
        eq(helper_counts(t, data + ".prev"), [3], "DIR.prev unchanged")
    p = covrun(t, "report", "--no-html", "--cobertura", "live.xml", data)
    check("in use by covrun (pid %d)" % live.pid in p.stderr,
          "report on a live run says so: " + p.stderr)
    rc, err = finish(t, live)
    eq(rc, 0, "the live run's status")
    check(set(ids) <= set(image_ids(data)), "the live run's images kept")
    eq(helper_counts(t, data), [2], "only the live run's helper: no mix")
    eq(helper_counts(t, data + ".prev"), [3], "earlier run in DIR.prev")
    # free again: the next run goes ahead
    covrun(t, "-d", data, "./helper", "4", check_rc=0)
    eq(helper_counts(t, data), [4], "a run after the live one")


def test_no_stale_lock(t):
    """A covrun killed with SIGKILL leaves no lock behind."""
    build(t)
    data = os.path.join(t.dir, "cov")
    live = start_live_run(t, data)
    live.send_signal(signal.SIGKILL)
    live.wait(timeout=30)
    write(os.path.join(t.dir, "go"), "")  # let its orphans end
    deadline = time.monotonic() + 60
    while any("end" not in r and os.path.exists("/proc/" + r["pid"])
              for r in records_of(t, data)):
        check(time.monotonic() < deadline, "the orphans ended")
        time.sleep(0.05)
    p = covrun(t, "-d", data, "./helper", "4")
    eq(p.returncode, 0, "a run after a killed covrun")
    eq(helper_counts(t, data), [4], "the new run")
    eq(helper_counts(t, data + ".prev"), [2], "the killed run, moved aside")


def test_merge_output_locked(t):
    """covrun merge -o OUT refuses while another process holds OUT."""
    build(t)
    data = os.path.join(t.dir, "cov")
    first_run(t, data)
    out = os.path.join(t.dir, "merged")
    covrun(t, "merge", "-q", "-o", out, data, check_rc=0)
    before = snapshot(os.path.join(out, "ctx"))
    # hold OUT as a covrun would: a POSIX lock on OUT/lock, in a child
    # process (a lock of this process would not conflict with itself)
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import fcntl, sys\n"
         "f = open(sys.argv[1], 'a')\n"
         "fcntl.lockf(f, fcntl.LOCK_EX)\n"
         "print('held', flush=True)\n"
         "sys.stdin.read()\n", os.path.join(out, "lock")],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        universal_newlines=True)
    eq(holder.stdout.readline().strip(), "held", "lock taken")
    p = covrun(t, "merge", "-q", "-o", out, data)
    eq(p.returncode, 125, "status of a merge into a held output")
    check("pid %d" % holder.pid in p.stderr, "holder named: " + p.stderr)
    eq(snapshot(os.path.join(out, "ctx")), before, "output unchanged")
    holder.stdin.close()
    holder.wait(timeout=30)
    covrun(t, "merge", "-q", "-o", out, data, check_rc=0)


# ---- item 7: a failed start destroys nothing -----------------------------

def test_failed_start_keeps_run(t):
    """A typo of a verb, a missing command or one that cannot be run
    exits 127/126 before the run directory and the reports are touched;
    a near miss of a verb is named."""
    build(t)
    covrun(t, "./helper", "3", check_rc=0)  # .covrun, coverage.xml, html
    data = os.path.join(t.dir, ".covrun")
    html = os.path.join(t.dir, "coverage-html", "index.html")
    kept = (image_ids(data), read(os.path.join(t.dir, "coverage.xml")),
            read(html))
    write(os.path.join(t.dir, "plain.txt"), "not a program\n")
    for args, status, words in (
            (["repot"], 127, "did you mean 'report'?"),
            (["mrege", "-o", "x"], 127, "did you mean 'merge'?"),
            (["./missing"], 127, "cannot run './missing'"),
            (["no-such-command-here"], 127, "command not found"),
            (["--force", "./missing"], 127, "cannot run './missing'"),
            (["run", "repot"], 127, "cannot run 'repot'"),
            (["./plain.txt"], 126, "Permission denied")):
        p = covrun(t, *args)
        eq(p.returncode, status, "status of covrun %s" % args)
        check(words in p.stderr, "message of %s: %s" % (args, p.stderr))
        eq((image_ids(data), read(os.path.join(t.dir, "coverage.xml")),
            read(html)), kept, "run and reports kept after %s" % args)
        check(not os.path.exists(data + ".prev"), "nothing moved aside")


def test_nothing_collected_keeps_reports(t):
    """A run in which no process wrote coverage data does not replace the
    reports of an earlier run with empty ones, and says so."""
    build(t)
    covrun(t, "./helper", "3", check_rc=0)
    xml = read(os.path.join(t.dir, "coverage.xml"))
    html = read(os.path.join(t.dir, "coverage-html", "index.html"))
    check(b"helper.c" in xml, "the first report has the helper")
    p = covrun(t, "true", check_rc=5)   # README: 5, nothing to report
    check("no coverage data was collected" in p.stderr, "said so")
    eq(read(os.path.join(t.dir, "coverage.xml")), xml, "Cobertura kept")
    eq(read(os.path.join(t.dir, "coverage-html", "index.html")), html,
       "HTML kept")


# ---- item 8: outputs are written, not swapped -----------------------------

def lcov_of(t, data, *args, **kw):
    return subprocess.run([COVRUN, "report", "--no-html", "--no-cobertura",
                           "--summary=none"] + list(args) + [data],
                          cwd=t.dir, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, timeout=120, **kw)


def test_output_stdout(t):
    """'-' is standard output for --lcov, --json and --cobertura; the
    summary then goes to stderr; two reports on stdout are refused."""
    build(t)
    data = os.path.join(t.dir, "cov")
    first_run(t, data)
    for opt, name in (("--lcov", "x.info"), ("--json", "x.json"),
                      ("--cobertura", "x.xml")):
        want = os.path.join(t.dir, name)
        p = subprocess.run([COVRUN, "report", "--no-html", "--no-cobertura",
                            opt, want, data], cwd=t.dir,
                           env=dict(os.environ, SOURCE_DATE_EPOCH="1"),
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        eq(p.returncode, 0, "status writing %s %s" % (opt, name))
        p = subprocess.run([COVRUN, "report", "--no-html", "--no-cobertura",
                            opt, "-", data], cwd=t.dir,
                           env=dict(os.environ, SOURCE_DATE_EPOCH="1"),
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        eq(p.returncode, 0, "status writing %s -" % opt)
        eq(p.stdout, read(want), "%s - is the file's content" % opt)
        check(b"lines" in p.stderr, "the summary went to stderr")
        check(not os.path.exists(os.path.join(t.dir, "-")), "no file '-'")
    p = lcov_of(t, data, "--lcov", "-", "--json", "-")
    eq(p.returncode, 125, "two reports on standard output")


def test_output_not_replaced(t):
    """A link, FIFO or /dev/stdout named as an output is written through
    and stays what it was; a regular file is replaced atomically."""
    build(t)
    data = os.path.join(t.dir, "cov")
    first_run(t, data)
    want = os.path.join(t.dir, "want.info")
    eq(lcov_of(t, data, "--lcov", want).returncode, 0, "plain lcov")
    want = read(want)
    check(want.startswith(b"TN:") or b"SF:" in want, "an lcov tracefile")
    # a link to a file: the file is written, the link stays
    target = os.path.join(t.dir, "target.info")
    write(target, "old\n")
    link = os.path.join(t.dir, "link.info")
    os.symlink("target.info", link)
    eq(lcov_of(t, data, "--lcov", link).returncode, 0, "lcov into a link")
    check(os.path.islink(link), "the link is still a link")
    eq(read(target), want, "written through the link")
    # a FIFO: written into, still a FIFO
    # (the reader is open before covrun starts; the tracefile is far
    # smaller than a pipe's buffer, so it is read once covrun is done)
    fifo = os.path.join(t.dir, "fifo")
    os.mkfifo(fifo)
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    p = lcov_of(t, data, "--lcov", fifo)
    got = os.read(reader, 1 << 20)
    os.close(reader)
    eq(p.returncode, 0, "lcov into a FIFO")
    check(stat.S_ISFIFO(os.lstat(fifo).st_mode), "the FIFO is still one")
    eq(got, want, "what the FIFO's reader got")
    # a FIFO no one reads: an error, not a wait
    p = lcov_of(t, data, "--lcov", fifo)
    eq(p.returncode, 125, "lcov into a FIFO without a reader")
    # /dev/stdout (a link to /proc/self/fd/1): the pipe gets it
    check(os.path.islink("/dev/stdout"), "/dev/stdout is a link here")
    p = lcov_of(t, data, "--lcov", "/dev/stdout")
    eq(p.returncode, 0, "lcov into /dev/stdout")
    eq(p.stdout, want, "lcov on standard output")
    check(os.path.islink("/dev/stdout"), "/dev/stdout is still a link")
    # a directory is refused, not replaced
    os.makedirs(os.path.join(t.dir, "adir"))
    p = lcov_of(t, data, "--lcov", os.path.join(t.dir, "adir"))
    eq(p.returncode, 125, "lcov into a directory")
    check(os.path.isdir(os.path.join(t.dir, "adir")), "directory kept")


# ---- item 14: binaries the kernel cannot run ------------------------------

def foreign_elf(path):
    """An ELF header for a machine no kernel knows (e_machine 0xbeef)."""
    hdr = bytearray(64)
    hdr[0:4] = b"\x7fELF"
    hdr[4], hdr[5], hdr[6] = 2, 1, 1      # 64-bit, little endian, v1
    hdr[16:18] = (2).to_bytes(2, "little")  # ET_EXEC
    hdr[18:20] = (0xbeef).to_bytes(2, "little")
    hdr[20:24] = (1).to_bytes(4, "little")
    hdr[52:54] = (64).to_bytes(2, "little")  # e_ehsize
    with open(path, "wb") as f:
        f.write(bytes(hdr))
    os.chmod(path, 0o755)


def test_foreign_binary(t):
    """A binary the kernel cannot run gives 126 and the kernel's reason,
    as a shell says it; it is not handed to /bin/sh.  A script without
    "#!" still is (as execvp does)."""
    build(t)
    foreign_elf(os.path.join(t.dir, "alien"))
    # (bytes: a shell given the binary would print parts of it)
    p = subprocess.run([COVRUN, "-d", "cov", "./alien"], cwd=t.dir,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=120)
    p.stderr = p.stderr.decode(errors="replace")
    sys.stderr.write(p.stderr)
    eq(p.returncode, 126, "status of an ELF the kernel cannot run")
    check("cannot run './alien': cannot execute binary file: Exec format "
          "error" in p.stderr, "message: " + p.stderr)
    script = os.path.join(t.dir, "noshebang")
    write(script, "./helper 2\n")
    os.chmod(script, 0o755)
    covrun(t, "-d", "cov", "./noshebang", check_rc=0)
    eq(helper_counts(t, os.path.join(t.dir, "cov")), [2],
       "a script without #! runs with /bin/sh")
    tests = os.path.join(t.dir, "tests")
    os.makedirs(tests)
    foreign_elf(os.path.join(tests, "a-alien"))
    os.rename(script, os.path.join(tests, "b-script"))
    p = covrun(t, "-d", "cov", "tests")
    eq(p.returncode, 126, "DIR mode: status of the first failing test")
    check("cannot run 'tests/a-alien': cannot execute binary file"
          in p.stderr, "DIR mode message: " + p.stderr)
    eq(helper_counts(t, os.path.join(t.dir, "cov")), [2],
       "DIR mode: the other test ran")


TESTS = {name[5:]: fn for name, fn in list(globals().items())
         if name.startswith("test_")}

if __name__ == "__main__":
    main(TESTS)
