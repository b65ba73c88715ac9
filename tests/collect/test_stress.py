# SPDX-License-Identifier: MIT
"""tests/collect/test_stress.py: the racy endings, many times, under load.

Each test runs one scenario of ending_cases.py RUNS times in a row while
busy loops keep every core busy, and asserts exact counts every time (a
single miss fails the test: flaky is failing).  ctest label "stress";
they are also part of the quick suite, so CI runs them.
"""
import json
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "harness"))
sys.path.insert(0, HERE)
import ending_cases  # noqa: E402
from covtest import main, check, eq  # noqa: E402
import covtest  # noqa: E402

RUNS = int(os.environ.get("COVRUN_STRESS_RUNS", "10"))
# Children per run of the C race: 300 once in the quick suite
# (collect.term_race_*); here 50 per run keeps ten runs within minutes.
CHILDREN = 50


def repeat(build, scenario):
    def test(t):
        build(t)
        with ending_cases.busy_cores():
            for i in range(RUNS):
                start = time.monotonic()
                scenario(t)
                print("run %d of %d: exact (%.1f s)"
                      % (i + 1, RUNS, time.monotonic() - start))
    return test


def race(how):
    return repeat(ending_cases.build_race,
                  lambda t: ending_cases.term_race(t, how, CHILDREN))


def pool(mode):
    return repeat(ending_cases.build_pools,
                  lambda t: ending_cases.pool_case(t, mode))


HELPERS = 60
HELPER_CALLS = 200000


def journal_sigkill(t):
    """SIGKILL at random moments of 60 instrumented helpers (half of them
    killed, some while they write their end, record or counters): every
    frame of the journal reads back whole (docs/run-directory.md,
    "Frames"), covrun reads the same records, and every helper that ended
    has its exact count."""
    script = ("for i in $(seq %d); do ./helper %d & p=$!; "
              "if [ $((i %% 2)) = 0 ]; then "
              "sleep 0.00$(od -An -N1 -tu1 /dev/urandom | tr -d ' '); "
              "kill -9 $p 2>/dev/null; fi; done; wait"
              % (HELPERS, HELPER_CALLS))
    # per-image counts are read below: nothing folded away meanwhile
    t.covrun("--fold-batch", "0", "sh", "-c", script, check_rc=0)
    frames, bad = covtest.read_frames(os.path.join(t.data, "journal"))
    eq(bad, [], "bad frames in the journal")
    recs = [r for r in t.records() if os.path.basename(r["exe"]) == "helper"]
    check(HELPERS // 2 <= len(recs) <= HELPERS, "helper images: %d"
          % len(recs))
    # a helper killed after recording its end, while it wrote its
    # counters, has no "dumped" (collect/check.c names it): only whole
    # dumps are counted
    ended = [r for r in recs if r.get("end") == "exit 0" and "dumped" in r]
    check(len(ended) >= HELPERS // 2 - 5, "helpers that ended: %d"
          % len(ended))
    for r in ended:
        eq(t.fn_count(r["id"], "helper_work"), HELPER_CALLS, "helper_work")
    p = t.covrun("tree", "--json", t.data, check_rc=0, data=False)
    eq(len(json.loads(p.stdout)["processes"]), len(t.records()),
       "records covrun reads")


def journal_sigkill_runs(t):
    t.cc("helper", ["helper.c"])
    for i in range(3):
        journal_sigkill(t)
        print("run %d of 3: exact" % (i + 1))


TESTS = {
    "journal_sigkill": journal_sigkill_runs,
    "term_race": race("_exit"),
    "term_race_exit": race("exit"),
    "pool_fork": pool("fork"),
    "pool_spawn": pool("spawn"),
    "pool_forkserver": pool("forkserver"),
    "executor": pool("executor"),
}

if __name__ == "__main__":
    main(TESTS)
