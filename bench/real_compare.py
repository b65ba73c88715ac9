#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""bench/real_compare.py: every file of covrun's result for a run
directory against gcov on a plain run's in-place gcda (saved by
benchrun.py --save-gcda), with tests/real/realdiff.py's oracle (gcov
--json-format per object) and comparison (lines, branches, functions).

The two sides come from two runs of the same suite, so a difference is
a figure to read, not by itself a bug: a plain run loses the counts of
processes that end with _exit(), and timing-dependent code differs
between runs.  Prints one summary line, `NAME compare key=value ...`,
then the first differences (all of them in SCRATCH/differences.txt),
and how many line counts covrun has higher and lower than gcov: a
plain run's losses make covrun's higher; covrun losing data would make
them lower.  Files covrun reports that no plain gcda
covers and that ran nowhere (objects never run, at 0%) are left out.

usage: real_compare.py --name N --covrun BIN --tree DIR --plain-gcda DIR
                       --run-dir DIR --scratch DIR
"""
import argparse
import os
import re
import shutil
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "tests", "real"))
import realdiff  # noqa: E402  (the differential tool of tests/real)

SHOWN = 10


def plain_pairs(saved, tree):
    """[(saved gcda, its gcno in TREE)] for every gcda under SAVED."""
    pairs = []
    for d, _, names in os.walk(saved):
        for n in sorted(names):
            if n.endswith(".gcda"):
                rel = os.path.relpath(os.path.join(d, n), saved)
                pairs.append((os.path.join(d, n),
                              os.path.join(tree, rel[:-5] + ".gcno")))
    return sorted(pairs)


def ran(view_file):
    return (any(view_file["lines"].values()) or
            any(view_file["functions"].values()))


def main():
    ap = argparse.ArgumentParser()
    for o in ("--name", "--covrun", "--tree", "--plain-gcda", "--run-dir",
              "--scratch"):
        ap.add_argument(o, required=True)
    a = ap.parse_args()
    shutil.rmtree(a.scratch, ignore_errors=True)
    os.makedirs(a.scratch)
    pairs = plain_pairs(a.plain_gcda, os.path.abspath(a.tree))
    if not pairs:
        print("%s compare: no plain gcda in %s" % (a.name, a.plain_gcda))
        return 1
    ref = realdiff.gcov_view(pairs)
    doc = realdiff.covrun_json(a.covrun, [os.path.abspath(a.run_dir)],
                               os.path.join(a.scratch, "covrun.json"),
                               a.scratch)
    got = {p: f for p, f in realdiff.covrun_view(doc, "count").items()
           if p in ref or ran(f)}
    diffs = []
    realdiff.compare(a.name, ref, got, diffs)
    bad = {d.split(": ")[1].split(":")[0] for d in diffs}
    print("%s compare objects=%d files=%d files_differing=%d differences=%d"
          " (%s)" % (a.name, len(pairs), len(set(ref) | set(got)), len(bad),
                     len(diffs), realdiff.totals(ref)))
    higher = lower = 0
    for d in diffs:
        m = re.search(r"line count gcov=(\d+) covrun=(\d+)", d)
        if m:
            higher += int(m.group(2)) > int(m.group(1))
            lower += int(m.group(2)) < int(m.group(1))
    print("%s compare line_counts_higher=%d line_counts_lower=%d"
          % (a.name, higher, lower))
    with open(os.path.join(a.scratch, "differences.txt"), "w") as f:
        f.writelines(d + "\n" for d in diffs)
    for d in diffs[:SHOWN]:
        print("  " + d)
    return 0


if __name__ == "__main__":
    sys.exit(main())
