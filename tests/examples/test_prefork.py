# SPDX-License-Identifier: MIT
"""tests/examples/test_prefork.py: examples/prefork-server under covrun.

Builds the example with its own Makefile into a work tree, runs it on its
request script under covrun and checks, against gcov's own reading of each
image's gcda:
  - one root image (the master) and N fork images with role child (the
    workers), each ending with _exit 0, plus one spawn image of the digest
    helper per "digest" request, started by a worker;
  - request handlers count only in workers, exactly as often as the
    round-robin dispatch sends each worker requests of that kind (request i
    goes to worker i % N), and master-only code counts only in the master;
  - nothing was written into the build tree;
  - the merged report (covrun report --json) splits the same counts by
    role: handlers only under child, dispatch only under root;
  - without covrun (a plain in-place run) the workers' counts are lost:
    the reason covrun exists.
Expected counts come from the request script and the dispatch rule, never
from covrun's output.
"""
import collections
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "harness"))
import covtest  # noqa: E402
from covtest import Failure, check, eq  # noqa: E402

EXAMPLE = os.path.join(os.path.dirname(covtest.SRC), "examples",
                       "prefork-server")
SCRIPT = os.path.join(EXAMPLE, "requests.txt")
WORKERS = 3

HANDLERS = {"fib": "handle_fib", "sum": "handle_sum", "echo": "handle_echo",
            "digest": "handle_digest", "stats": "handle_stats"}
MASTER_ONLY = ["main", "start_worker", "dispatch", "account",
               "collect_replies", "any_busy", "load_requests",
               "stop_workers", "print_summary"]
WORKER_ONLY = ["worker_main"] + sorted(set(HANDLERS.values())) + \
    ["handle_unknown"]


def load_script():
    reqs = []
    with open(SCRIPT) as f:
        for line in f:
            line = line.rstrip("\n")
            if line and not line.startswith("#"):
                reqs.append(line)
    return reqs


def expected_per_worker(reqs):
    """Function counts each worker must show: request i -> worker i % N."""
    out = []
    for k in range(WORKERS):
        c = collections.Counter()
        for i, r in enumerate(reqs):
            if i % WORKERS == k:
                c[HANDLERS.get(r.split(" ")[0], "handle_unknown")] += 1
        want = {fn: c.get(fn, 0) for fn in WORKER_ONLY}
        want["worker_main"] = 1
        out.append(want)
    return out


def fib_loop_line():
    """Line number of the body of handle_fib's loop (runs n times)."""
    with open(os.path.join(EXAMPLE, "server.c")) as f:
        for no, text in enumerate(f, 1):
            if "unsigned long long t = a + b;" in text:
                return no
    raise Failure("fib loop line not found in server.c")


def fib_total(reqs, worker=None):
    return sum(int(r.split()[1]) for i, r in enumerate(reqs)
               if r.startswith("fib ") and
               (worker is None or i % WORKERS == worker))


def build(case):
    subprocess.run(["make", "-s", "-f", os.path.join(EXAMPLE, "Makefile"),
                    "CC=" + covtest.CC], cwd=case.dir, check=True)


def server_cmd():
    return ["./server", "-w", str(WORKERS), "-d", "./digest", SCRIPT]


def check_replies(stdout, reqs):
    lines = stdout.splitlines()
    want = {"fib 10": "55", "fib 20": "6765", "fib 30": "832040",
            "sum 1 2 3 4": "10", "sum 40 2": "42"}
    for i, r in enumerate(reqs):
        prefix = "%d %s -> " % (i, r)
        got = [l for l in lines if l.startswith(prefix)]
        eq(len(got), 1, "reply lines for request %d" % i)
        if r in want:
            eq(got[0][len(prefix):], want[r], "reply to %r" % r)
        if r.startswith("digest "):
            check(len(got[0][len(prefix):]) == 8,
                  "digest reply %r is not 8 hex digits" % got[0])


def check_report(case, reqs):
    """The merged view: covrun report --json over the run directory."""
    out = os.path.join(case.dir, "report.json")
    case.covrun("report", "--root", EXAMPLE, "--json", out, "--no-html",
                "--no-cobertura", "--summary=none", case.data, data=False,
                check_rc=0)
    with open(out) as f:
        doc = json.load(f)
    eq(doc.get("format"), "covrun-1", "report format")
    files = {f["path"]: f for f in doc["files"]}
    eq(sorted(files), ["digest.c", "server.c"], "files in the report")
    fns = {fn["name"]: fn for fn in files["server.c"]["functions"]}
    totals = collections.Counter(
        HANDLERS.get(r.split(" ")[0], "handle_unknown") for r in reqs)
    for fn in WORKER_ONLY:
        want = WORKERS if fn == "worker_main" else totals.get(fn, 0)
        eq((fns[fn]["root"], fns[fn]["child"]), (0, want),
           "report: %s (root, child)" % fn)
    for fn, want in (("dispatch", len(reqs)), ("account", len(reqs)),
                     ("start_worker", WORKERS), ("main", 1)):
        eq((fns[fn]["root"], fns[fn]["child"]), (want, 0),
           "report: %s (root, child)" % fn)
    lines = {l["line"]: l for l in files["server.c"]["lines"]}
    loop = lines[fib_loop_line()]
    eq((loop["root"], loop["child"]), (0, fib_total(reqs)),
       "report: fib loop line (root, child)")
    ndigest = sum(1 for r in reqs if r.startswith("digest "))
    dfns = {fn["name"]: fn for fn in files["digest.c"]["functions"]}
    eq((dfns["main"]["root"], dfns["main"]["child"]), (0, ndigest),
       "report: digest main (root, child)")


def test_prefork_server(case):
    reqs = load_script()
    build(case)
    p = case.covrun("run", "--", *server_cmd(), check_rc=0)
    check_replies(p.stdout, reqs)
    eq(case.stray_gcda(), [], "gcda written into the build tree")

    recs = case.records()
    roots = [r for r in recs if r["how"] == "root"]
    eq(len(roots), 1, "root images")
    root = roots[0]
    eq(root["role"], "root", "master's role")
    eq(os.path.basename(root["exe"]), "server", "root executable")
    eq(root.get("end"), "exit 0", "master's end")

    workers = [r for r in recs if r["parent"] == root["id"]]
    eq(len(workers), WORKERS, "images started by the master")
    for w in workers:
        eq(w["how"], "fork", "worker %s how" % w["id"])
        eq(w["role"], "child", "worker %s role" % w["id"])
        eq(w.get("end"), "_exit 0", "worker %s end" % w["id"])
    worker_ids = {w["id"] for w in workers}

    ndigest = sum(1 for r in reqs if r.startswith("digest "))
    helpers = [r for r in recs if os.path.basename(r["exe"]) == "digest"]
    eq(len(helpers), ndigest, "digest helper images")
    for h in helpers:
        eq(h["how"], "spawn", "helper %s how" % h["id"])
        eq(h["role"], "child", "helper %s role" % h["id"])
        check(h["parent"] in worker_ids,
              "helper %s parent %s is not a worker" % (h["id"], h["parent"]))
        eq(h.get("end"), "exit 0", "helper %s end" % h["id"])
        c = case.counts(h["id"])["functions"]
        eq(c.get("main"), 1, "helper %s main count" % h["id"])
        eq(c.get("fnv1a"), 1, "helper %s fnv1a count" % h["id"])
    eq(len(recs), 1 + WORKERS + ndigest, "images in the run")

    # The master: dispatch and accounting only, no handler ran there.
    rc = case.counts(root["id"])
    f = rc["functions"]
    eq(f.get("main"), 1, "master main")
    eq(f.get("start_worker"), WORKERS, "master start_worker")
    eq(f.get("dispatch"), len(reqs), "master dispatch")
    eq(f.get("account"), len(reqs), "master account")
    eq(f.get("stop_workers"), 1, "master stop_workers")
    for fn in WORKER_ONLY:
        eq(f.get(fn), 0, "master count of worker-only %s" % fn)
    loop = ("server.c", fib_loop_line())
    eq(rc["lines"].get(loop), 0, "master fib loop line")

    # The workers: handler counts exactly as dispatched, no master code.
    want = expected_per_worker(reqs)
    got = []
    for w in workers:
        c = case.counts(w["id"])
        f = c["functions"]
        for fn in MASTER_ONLY:
            eq(f.get(fn), 0, "worker %s count of master-only %s"
               % (w["id"], fn))
        got.append(({fn: f.get(fn) for fn in WORKER_ONLY},
                    c["lines"].get(loop)))
    want_pairs = [(want[k], fib_total(reqs, k)) for k in range(WORKERS)]
    key = lambda pair: sorted(pair[0].items()) + [pair[1]]  # noqa: E731
    eq(sorted(got, key=key), sorted(want_pairs, key=key),
       "per-worker (handler counts, fib loop line) by dispatch rule")
    eq(sum(g[1] for g in got), fib_total(reqs), "fib loop line in workers")

    check_report(case, reqs)

    # Without covrun: the same run in place loses every worker count.
    plain = subprocess.run(server_cmd(), cwd=case.dir,
                           env=covtest.plain_env(),
                           stdout=subprocess.PIPE, universal_newlines=True)
    eq(plain.returncode, 0, "plain run exit status")
    check_replies(plain.stdout, reqs)
    doc = covtest.gcov_json(os.path.join(case.dir, "server.gcda"),
                            os.path.join(case.dir, "server.gcno"))
    pf = {fn["name"]: fn["execution_count"]
          for fl in doc["files"] for fn in fl["functions"]}
    eq(pf.get("dispatch"), len(reqs), "plain run: master dispatch")
    for fn in WORKER_ONLY:
        eq(pf.get(fn), 0, "plain run: %s (lost with the workers' _exit)"
           % fn)
    doc = covtest.gcov_json(os.path.join(case.dir, "digest.gcda"),
                            os.path.join(case.dir, "digest.gcno"))
    pf = {fn["name"]: fn["execution_count"]
          for fl in doc["files"] for fn in fl["functions"]}
    eq(pf.get("main"), ndigest, "plain run: digest helper (exits normally)")


if __name__ == "__main__":
    covtest.main({"prefork_server": test_prefork_server})
