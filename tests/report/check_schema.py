#!/usr/bin/python3
# SPDX-License-Identifier: MIT
# tests/report/check_schema.py: the project's Cobertura schema
# (tests/report/cobertura.rng) accepts what covrun writes and rejects what
# the consumers of docs/cobertura.md refuse or misread.
#
#   check_schema.py REPORT_TEST COBERTURA.RNG WORKDIR
#
# The demo report of tests/report/fixture.c must validate.  Then each
# consumer rule is broken once, by one textual edit of that same report,
# and the result must fail to validate: a schema that accepted any of them
# would let the other report tests pass on output a consumer rejects.  An
# edit whose text is not found in the report fails the test too, so a
# change of the writer cannot turn a case into a silent no-op.
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "harness"))
import require  # noqa: E402

COND = ('<line number="21" hits="1" branch="true" '
        'condition-coverage="50% (1/2)">')

# (what is broken, text in the demo report, replacement)
BROKEN = [
    ("hits written as a decimal (GitLab's Integer() rejects it)",
     'hits="3"', 'hits="3.0"'),
    ("hits above 2147483647 (Jenkins reads it as missed)",
     'hits="3"', 'hits="2147483648"'),
    ("negative hits", 'hits="3"', 'hits="-3"'),
    ("hits with a leading zero", 'hits="3"', 'hits="03"'),
    ("hits missing", ' hits="3"', ''),
    ("line number 0", '<line number="2" ', '<line number="0" '),
    ("branch attribute left to the format's default",
     ' branch="false"', ''),
    ("branch line without condition-coverage",
     ' condition-coverage="50% (1/2)"', ''),
    ("condition-coverage without its space",
     'condition-coverage="50% (1/2)"', 'condition-coverage="50%(1/2)"'),
    ("condition-coverage with a localised percent",
     'condition-coverage="50% (1/2)"', 'condition-coverage="50 % (1/2)"'),
    ("condition-coverage without (c/t)",
     'condition-coverage="50% (1/2)"', 'condition-coverage="50%"'),
    ("branch line without <conditions>",
     '<conditions><condition number="0" type="jump" coverage="50%"/>'
     '</conditions>', ''),
    ("two <condition> on one line",
     '<condition number="0" type="jump" coverage="50%"/>',
     '<condition number="0" type="jump" coverage="50%"/>'
     '<condition number="1" type="jump" coverage="50%"/>'),
    ("condition-coverage on a line that is not a branch",
     'branch="false"', 'branch="false" condition-coverage="100%"'),
    ("rate with a decimal comma", 'line-rate="0.5"', 'line-rate="0,5"'),
    ("rate above 1", 'line-rate="0.5"', 'line-rate="1.5"'),
    ("rate in exponent notation", 'line-rate="0.5"', 'line-rate="5e-1"'),
    ("rate as a percentage", 'line-rate="0.5"', 'line-rate="50%"'),
    ("no <sources>", None, None),
    ("two <source>", '</source></sources>',
     '</source><source>/elsewhere</source></sources>'),
    ("a relative <source>", '<source>/', '<source>'),
    ("function-rate (not in the format; gcovr dropped it)",
     '<coverage ', '<coverage function-rate="1.0" '),
    ("a root generated attribute (Codecov then reads Clover)",
     '<coverage ', '<coverage generated="1700000000" '),
    ("a timestamp in milliseconds",
     'timestamp="1700000000"', 'timestamp="1700000000000"'),
    ("lines-valid missing (coverage-03; Azure v1 shows no totals)",
     ' lines-valid="29"', ''),
    ("<methods> left out of a class",
     '<methods><method name="A::A"', '<method name="A::A"'),
    ("method complexity missing",
     '<method name="top" signature="()" line-rate="1.0" branch-rate="1.0" '
     'complexity="0.0">',
     '<method name="top" signature="()" line-rate="1.0" branch-rate="1.0">'),
    ("an empty <packages> (Jenkins aborts)", None, None),
]


def validate(xmllint, rng, path):
    r = subprocess.run([xmllint, "--noout", "--nonet", "--relaxng", rng,
                        path], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True)
    return r.returncode, r.stderr


def broken_text(good, what, old, new):
    """The demo report with one rule broken, or None if OLD is absent."""
    if what == "no <sources>":
        start, end = good.find("<sources>"), good.find("</sources>")
        if start < 0 or end < 0:
            return None
        return good[:start] + good[end + len("</sources>"):]
    if what.startswith("an empty <packages>"):
        start, end = good.find("<packages>"), good.find("</packages>")
        if start < 0 or end < 0:
            return None
        return good[:start] + "<packages></packages>" + good[end + 11:]
    if old not in good:
        return None
    return good.replace(old, new, 1)


def main():
    report_test, rng, work = sys.argv[1], sys.argv[2], sys.argv[3]
    xmllint = require.tool("xmllint", "libxml2-utils")
    work = os.path.join(work, "schema")
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    r = subprocess.run([report_test, "demo", work], stdout=subprocess.PIPE,
                       text=True)
    if r.returncode != 0:
        print("FAIL: report_test demo exited %d" % r.returncode)
        return 1
    fails = 0
    for name in ("coverage.xml", "coverage-root.xml", "coverage-child.xml"):
        rc, err = validate(xmllint, rng, os.path.join(work, name))
        if rc != 0:
            print("FAIL: covrun's %s does not validate: %s" % (name, err))
            fails += 1
    with open(os.path.join(work, "coverage.xml"), encoding="utf-8") as f:
        good = f.read()
    if COND not in good:
        print("FAIL: the demo report has no branch line 21: %s" % COND)
        fails += 1
    for i, (what, old, new) in enumerate(BROKEN):
        text = broken_text(good, what, old, new)
        if text is None or text == good:
            print("FAIL: case '%s': its text is not in the demo report" %
                  what)
            fails += 1
            continue
        path = os.path.join(work, "broken-%02d.xml" % i)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        rc, _ = validate(xmllint, rng, path)
        if rc == 0:
            print("FAIL: the schema accepts %s (%s)" % (what, path))
            fails += 1
    print("schema: %d cases, %d failure(s)" % (len(BROKEN), fails))
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
