# SPDX-License-Identifier: MIT
"""tests/collect/test_stress.py: the racy endings, many times, under load.

Each test runs one scenario of ending_cases.py RUNS times in a row while
busy loops keep every core busy, and asserts exact counts every time (a
single miss fails the test: flaky is failing).  ctest label "stress";
they are also part of the quick suite, so CI runs them.
"""
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "harness"))
sys.path.insert(0, HERE)
import ending_cases  # noqa: E402
from covtest import main  # noqa: E402

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


TESTS = {
    "term_race": race("_exit"),
    "term_race_exit": race("exit"),
    "pool_fork": pool("fork"),
    "pool_spawn": pool("spawn"),
    "pool_forkserver": pool("forkserver"),
    "executor": pool("executor"),
}

if __name__ == "__main__":
    main(TESTS)
