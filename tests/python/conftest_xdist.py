# SPDX-License-Identifier: MIT
"""tests/python/conftest_xdist.py: conftest.py of the pytest-xdist run.

test_python.py copies it into the work tree as conftest.py, next to
xdist_cases.py.  In the controlling pytest process (the one without
config.workerinput) it calls covext.main_work(k + 1) for k in
range(COVEXT_PARENT_CALLS); the xdist workers only run the tests.  covext
is imported here, at collection of the conftest, so the controller has
instrumented code loaded before it starts its workers.
"""
import os

import covext


def pytest_configure(config):
    if hasattr(config, "workerinput"):
        return
    for k in range(int(os.environ.get("COVEXT_PARENT_CALLS", "0"))):
        covext.main_work(k + 1)
