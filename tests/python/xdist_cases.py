# SPDX-License-Identifier: MIT
"""tests/python/xdist_cases.py: the tests the pytest-xdist run executes.

Test i calls covext.work(i + 1) once (in an xdist worker), for i in
range(COVEXT_TASKS); test_python.py checks the counts this leaves.
"""
import os

import pytest

import covext

TASKS = int(os.environ.get("COVEXT_TASKS", "8"))


@pytest.mark.parametrize("i", range(TASKS))
def test_work(i):
    assert covext.work(i + 1) == i * (i + 1) // 2
