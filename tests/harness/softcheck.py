# SPDX-License-Identifier: MIT
"""tests/harness/softcheck.py: checks that note a failure and go on.

The report and model tests compare many outputs in one process; each
difference is printed at once ("FAIL: what" on stderr) and collected in
`failures`, so one run shows every difference, and the test's exit status
is 1 when any was found (tests/README.md).  One list per process: a test
that calls into another test module (check_cli.py builds check_gcovr.py's
fixture) counts the other module's failures too.
"""
import sys

failures = []


def check(cond, what):
    """Note WHAT as a failure unless COND; returns COND."""
    if not cond:
        failures.append(what)
        print("FAIL:", what, file=sys.stderr)
    return cond


def status():
    """The exit status so far, printing the failure count when not 0."""
    if not failures:
        return 0
    print("%d failure(s)" % len(failures), file=sys.stderr)
    return 1
