#!/usr/bin/python3
# SPDX-License-Identifier: MIT
# tests/report/check_split.py: --cobertura-max-size on a generated code
# base (tests/report/fixture.c fx_big).
#
#   check_split.py REPORT_TEST COBERTURA.RNG
#
# Without a limit a 20 MB report is flagged as over GitLab's 10 MiB.  With a
# limit every part is at most that big, valid against the
# project's schema (tests/report/cobertura.rng), has one
# <source>, and the parts together hold every file exactly once with the
# same line totals as the single file.
import os
import re
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "harness"))
from softcheck import check, failures  # noqa: E402
import require  # noqa: E402


def big(report_test, out, nfiles, nlines, maxsize):
    r = subprocess.run([report_test, "big", out, str(nfiles), str(nlines),
                        str(maxsize)], stdout=subprocess.PIPE, text=True)
    check(r.returncode == 0, "report_test big")
    return dict(kv.split("=") for kv in r.stdout.split())


def main():
    report_test, rng = sys.argv[1], sys.argv[2]
    xmllint = require.tool("xmllint", "libxml2-utils")
    tmp = tempfile.mkdtemp(prefix="covrun-split-")
    try:
        info = big(report_test, tmp, 130, 1000, 0)
        check(info["parts"] == "1" and info["too_big"] == "1",
              "a 20 MB report is flagged: %r" % info)
        whole = ET.parse(os.path.join(tmp, "coverage.xml")).getroot()
        total = int(whole.get("lines-valid"))
        covered = int(whole.get("lines-covered"))
        del whole

        limit = 3 * 1024 * 1024
        info = big(report_test, tmp, 130, 1000, limit)
        parts = sorted(n for n in os.listdir(tmp)
                       if re.fullmatch(r"coverage-\d+\.xml", n))
        check(int(info["parts"]) == len(parts) >= 7,
              "split into parts: %r %r" % (info, parts))
        check(not os.path.exists(os.path.join(tmp, "coverage.xml")),
              "the single file of the earlier run is removed")
        seen = []
        t = c = 0
        for n in parts:
            p = os.path.join(tmp, n)
            check(os.path.getsize(p) <= limit, "%s within the limit" % n)
            r = subprocess.run([xmllint, "--noout", "--nonet",
                                "--relaxng", rng, p],
                               stderr=subprocess.PIPE, text=True)
            check(r.returncode == 0, "%s valid: %s" % (n, r.stderr))
            doc = ET.parse(p).getroot()
            check(len(doc.findall("sources/source")) == 1, "one source")
            seen += [x.get("filename") for x in doc.iter("class")]
            t += int(doc.get("lines-valid"))
            c += int(doc.get("lines-covered"))
        check(len(seen) == len(set(seen)) == 130, "every file exactly once")
        check((t, c) == (total, covered), "same totals")

        # fewer parts later: the earlier run's extra parts go, but only
        # those covrun wrote (the last one is now the user's own file)
        last = os.path.join(tmp, parts[-1])
        with open(last, "w") as f:
            f.write("<coverage>not covrun's</coverage>\n")
        info = big(report_test, tmp, 130, 1000, 2 * limit)
        n = int(info["parts"])
        left = sorted(x for x in os.listdir(tmp)
                      if re.fullmatch(r"coverage-\d+\.xml", x))
        want = sorted(["coverage-%d.xml" % k for k in range(1, n + 1)] +
                      [parts[-1]])
        check(n < len(parts) - 1 and left == want,
              "stale parts removed, the user's file kept: %r" % left)

        # a limit below one source file's XML cannot hold: a loud failure
        r = subprocess.run([report_test, "big", tmp, "130", "1000",
                            str(64 * 1024)], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True)
        check(r.returncode != 0 and "over --cobertura-max-size" in r.stderr
              and "alone is" in r.stderr,
              "an impossible limit fails: %d %s" % (r.returncode, r.stderr))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if failures:
        return 1
    print("cobertura split OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
