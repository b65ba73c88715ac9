#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""bench/python_work.py: the workload of bench/python_overhead.sh, with
tests/python/covext.c (built with --coverage) imported, so every process
image is an instrumented one.

  python_work.py subprocess N   N x subprocess.run(["/bin/true"])
  python_work.py pool N         a multiprocessing Pool (2 processes, a
                                fresh one every 20 tasks) running N small
                                tasks covext.work(100)
"""
import multiprocessing
import subprocess
import sys

import covext


def task(k):
    return covext.work(100) + k


def main():
    mode, n = sys.argv[1], int(sys.argv[2])
    covext.main_work(10)
    if mode == "subprocess":
        for _ in range(n):
            subprocess.run(["/bin/true"], check=True)
    elif mode == "pool":
        with multiprocessing.Pool(2, maxtasksperchild=20) as pool:
            total = sum(pool.map(task, range(n), chunksize=1))
        if total != n * covext.work(100) + n * (n - 1) // 2:
            sys.exit("python_work.py: wrong total %d" % total)
    else:
        sys.exit("usage: python_work.py subprocess|pool N")


if __name__ == "__main__":
    main()
