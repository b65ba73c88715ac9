# SPDX-License-Identifier: MIT
"""tests/python/drive_mp.py: drive covext from Python worker processes.

usage: python3 drive_mp.py MODE TASKS PARENT_CALLS [with]

MODE is fork, spawn or forkserver (a multiprocessing.Pool of 2 workers with
that start method) or executor (concurrent.futures.ProcessPoolExecutor with
2 workers and Python's default start method).  Task i calls covext.work(i +
1) in a worker; the parent itself calls covext.main_work(k + 1) for k in
range(PARENT_CALLS).  Prints one line: "results SUM_OF_WORK SUM_OF_MAIN".
With "with", the Pool is used as a context manager, whose exit calls
terminate(): workers get SIGTERM, possibly while they are ending (the race
of tests/collect/ending_cases.py).

covext is imported before any worker starts, so the parent has
instrumented code loaded when it forks or spawns (what makes covrun give
the workers the role child).
"""
import concurrent.futures
import multiprocessing
import sys

import covext


def task(i):
    return covext.work(i + 1)


def main():
    mode, tasks, parent_calls = sys.argv[1], int(sys.argv[2]), \
        int(sys.argv[3])
    main_sum = sum(covext.main_work(k + 1) for k in range(parent_calls))
    if mode == "executor":
        with concurrent.futures.ProcessPoolExecutor(max_workers=2) as ex:
            results = list(ex.map(task, range(tasks)))
    elif sys.argv[4:] == ["with"]:
        with multiprocessing.get_context(mode).Pool(2) as pool:
            results = pool.map(task, range(tasks), chunksize=1)
    else:
        ctx = multiprocessing.get_context(mode)
        pool = ctx.Pool(2)
        results = pool.map(task, range(tasks), chunksize=1)
        # close + join lets the workers end on their own (os._exit() after
        # their task loop); terminate() would kill them with SIGTERM.
        pool.close()
        pool.join()
    print("results %d %d" % (sum(results), main_sum))


if __name__ == "__main__":
    main()
