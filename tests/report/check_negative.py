#!/usr/bin/python3
# SPDX-License-Identifier: MIT
# tests/report/check_negative.py: racing counters (negative counts).
#
#   check_negative.py COVRUN
#
# Multi-threaded code built without -fprofile-update=atomic can leave
# counters that gcov solves into negative line counts.  The fixture's gcda
# is edited the way such a race leaves it: one arc counter is set to -5,
# chosen as the first counter for which gcov itself (the oracle) then
# prints negative line counts.  covrun must keep gcov's counts in JSON,
# count those lines as covered as gcov's summary does (count != 0), write
# them as covered with count 1 in Cobertura and lcov and as "?" in HTML,
# never negative, and warn once naming the file and its first such line.
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "harness"))
from softcheck import check, failures  # noqa: E402

FIXTURE = r"""
int work(int n)
{
	int s = 0;
	for (int i = 0; i < n; i++) {
		if (i % 3)
			s += i;
		else
			s -= 1;
	}
	return s;
}

int main(int argc, char **argv)
{
	(void)argv;
	return work(argc * 10) > 1000;
}
"""
TAG_COUNTER_ARCS = 0x01a10000  # gcc 12: lengths in bytes, 16-byte header


def counter_offsets(data):
    out, pos = [], 16
    while pos + 8 <= len(data):
        tag, length = struct.unpack_from("<II", data, pos)
        pos += 8
        if tag == TAG_COUNTER_ARCS:
            out += [pos + 8 * k for k in range(length // 8)]
        pos += length
    return out


def gcov_lines(tmp):
    r = subprocess.run(["gcov", "-b", "--json-format", "--stdout", "n.gcda"],
                       cwd=tmp, stdout=subprocess.PIPE,
                       stderr=subprocess.DEVNULL, text=True)
    d = json.loads(r.stdout.splitlines()[0])
    return {ln["line_number"]: ln["count"]
            for f in d["files"] for ln in f["lines"]}


def make_race(tmp):
    """Set the first counter that gives negative lines to -5; returns
    gcov's line counts of the result."""
    path = os.path.join(tmp, "n.gcda")
    with open(path, "rb") as f:
        orig = f.read()
    for off in counter_offsets(orig):
        data = bytearray(orig)
        struct.pack_into("<q", data, off, -5)
        with open(path, "wb") as f:
            f.write(data)
        lines = gcov_lines(tmp)
        if any(c < 0 for c in lines.values()):
            return lines
    with open(path, "wb") as f:
        f.write(orig)
    return None


def main():
    covrun = os.path.abspath(sys.argv[1])
    tmp = tempfile.mkdtemp(prefix="covrun-negative-")
    try:
        with open(os.path.join(tmp, "n.c"), "w") as f:
            f.write(FIXTURE)
        subprocess.run(["gcc", "--coverage", "-O0", "-o", "n", "n.c"],
                       cwd=tmp, check=True)
        subprocess.run(["./n"], cwd=tmp, env=dict(os.environ, COVRUN_DIR=""))
        lines = make_race(tmp)
        check(lines is not None, "gcov shows a negative count")
        if lines:
            cases(covrun, tmp, lines)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if failures:
        return 1
    print("negative counts OK")
    return 0


def cases(covrun, tmp, lines):
    neg = sorted(n for n, c in lines.items() if c < 0)
    r = subprocess.run([covrun, "report", "--root", ".", "--json", "j.json",
                        "--lcov", "l.info", "--cobertura", "c.xml",
                        "--html", "h", "."], cwd=tmp, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True)
    check(r.returncode == 0, "report: %d %s" % (r.returncode, r.stderr))
    warns = [ln for ln in r.stderr.splitlines() if "negative count" in ln]
    check(len(warns) == 1 and "'n.c:%d'" % neg[0] in warns[0] and
          "-fprofile-update=atomic" in warns[0],
          "one warning naming n.c:%d: %r" % (neg[0], r.stderr))
    with open(os.path.join(tmp, "j.json")) as f:
        d = json.load(f)
    got = {ln["line"]: ln["count"] for ln in d["files"][0]["lines"]}
    check(got == lines, "JSON counts are gcov's: %r %r" % (got, lines))
    ran = sum(1 for c in lines.values() if c != 0)   # gcov's "executed"
    check(d["totals"]["lines"]["covered"] == ran,
          "covered lines as gcov counts them: %d" % ran)
    hits = {int(ln.get("number")): int(ln.get("hits"))
            for ln in ET.parse(os.path.join(tmp, "c.xml")).iter("line")}
    check(all(hits[n] == 1 for n in neg) and min(hits.values()) >= 0,
          "Cobertura: negative lines are hits=1: %r" % hits)
    with open(os.path.join(tmp, "l.info")) as f:
        info = f.read()
    da = {int(a): int(b) for a, b in re.findall(r"^DA:(\d+),(-?\d+)$", info,
                                                re.M)}
    check(all(da[n] == 1 for n in neg) and min(da.values()) >= 0,
          "lcov: negative lines are DA 1: %r" % da)
    check(int(re.search(r"^LH:(\d+)$", info, re.M).group(1)) == ran,
          "lcov LH counts them as hit")
    with open(os.path.join(tmp, "h", "f0-n.c.html")) as f:
        page = f.read()
    for n in neg:
        m = re.search(r'id="L%d"><span class="no">%d</span>'
                      r'<span class="ht"[^>]*>([^<]*)<' % (n, n), page)
        check(m and m.group(1) == "?", "HTML line %d shows '?': %r" %
              (n, m.group(1) if m else None))


if __name__ == "__main__":
    sys.exit(main())
