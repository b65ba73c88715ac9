#!/usr/bin/python3
# SPDX-License-Identifier: MIT
# tests/report/check_outputs.py: every writer of report/ on the hand-made
# fixture of tests/report/fixture.c, checked line by line.
#
#   check_outputs.py REPORT_TEST COBERTURA.RNG
#
# Cobertura: valid against the project's schema (tests/report/cobertura.rng,
# xmllint --relaxng), the consumers' rules of docs/cobertura.md, hits clamped, exclusion markers, per-role split.  JSON: shape and
# counts.  lcov: genhtml accepts it.  HTML: marks on the expected lines and
# branches, every hostile string escaped, no script but ours, the processes
# page's "only here" counts.  Summary: the CI regex line.
import html.parser
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "harness"))
from softcheck import check, status  # noqa: E402
import require  # noqa: E402


def run(cmd, **kw):
    return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True, **kw)


class Page(html.parser.HTMLParser):
    """Collects line marks, branch marks, scripts and suspicious markup."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.lines = {}      # line number -> mark class ('' for none)
        self.branches = {}   # line number -> [mark classes]
        self.text = {}       # line number -> source text
        self.scripts = []    # src of every <script>
        self.bad = []        # tags or attributes that should not be there
        self.cur = None
        self.in_src = False
        self.all_text = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        for k in a:
            if k.startswith("on"):
                self.bad.append("%s %s" % (tag, k))
        if tag in ("img", "iframe", "object", "embed", "b") and \
                self.in_src:
            self.bad.append(tag)
        if tag == "img":
            self.bad.append("img")
        if tag == "script":
            self.scripts.append(a.get("src"))
        cls = (a.get("class") or "").split()
        if tag == "div" and "ln" in cls:
            n = int(a["id"][1:])
            self.cur = n
            self.lines[n] = "".join(c for c in cls if c != "ln")
            self.branches[n] = []
            self.text[n] = ""
        elif tag == "i" and "b" in cls and self.cur is not None:
            self.branches[self.cur].append(
                "".join(c for c in cls if c != "b"))
        elif tag == "code" and "s" in cls:
            self.in_src = True

    def handle_endtag(self, tag):
        if tag == "code" and self.in_src:
            self.in_src = False
        if tag == "div" and not self.in_src:
            pass

    def handle_data(self, data):
        self.all_text.append(data)
        if self.in_src and self.cur is not None:
            self.text[self.cur] += data


def parse_page(path):
    p = Page()
    with open(path, encoding="utf-8") as f:
        p.feed(f.read())
    return p


def main():
    report_test, rng = sys.argv[1], sys.argv[2]
    xmllint = require.tool("xmllint", "libxml2-utils")
    tmp = tempfile.mkdtemp(prefix="covrun-report-")
    try:
        os.makedirs(os.path.join(tmp, "html"))
        for n in ("f99-old.c.html", "keep.html", "f1x-keep.html"):
            with open(os.path.join(tmp, "html", n), "w") as f:
                f.write("old")
        r = run([report_test, "demo", tmp])
        check(r.returncode == 0, "report_test demo: " + r.stderr)
        left = sorted(os.listdir(os.path.join(tmp, "html")))
        check("f99-old.c.html" not in left and "keep.html" in left and
              "f1x-keep.html" in left, "stale pages removed, others kept")
        for n in ("keep.html", "f1x-keep.html"):
            os.unlink(os.path.join(tmp, "html", n))
        root = os.path.join(tmp, "src")
        check_cobertura(tmp, root, xmllint, rng)
        check_json(tmp)
        check_lcov(tmp)
        check_html(tmp)
        with open(os.path.join(tmp, "summary.txt")) as f:
            s = f.read()
        # 21/29 = 72.41%, 12/29 = 41.38%, 9/29 = 31.03%, rounded half up
        # (top.c's negative line counts as covered, by root)
        check("lines: 72.4% (21 out of 29)" in s, "summary CI line")
        check(re.search(r"^lines\s+29\s+21\s+72\.4%\s+12\s+41\.4%\s+9\s+"
                        r"31\.0%$", s, re.M), "summary table row")
        check(re.search(r"^src/util\s+9\s+5", s, re.M),
              "summary per-directory row")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if status():
        return 1
    print("report outputs OK")
    return 0


def lines_of(cls):
    return {int(l.get("number")): l for l in cls.find("lines")}


def check_cobertura(tmp, root, xmllint, rng):
    files = ["coverage.xml", "coverage-root.xml", "coverage-child.xml"]
    for name in files:
        path = os.path.join(tmp, name)
        r = run([xmllint, "--noout", "--nonet", "--relaxng", rng, path])
        check(r.returncode == 0, "xmllint %s: %s" % (name, r.stderr))
        with open(path, "rb") as f:
            head = f.read(200)
        check(head.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n'
                              b'<!DOCTYPE coverage SYSTEM "http://cobertura'
                              b'.sourceforge.net/xml/coverage-04.dtd">'),
              "prolog of " + name)
    doc = ET.parse(os.path.join(tmp, "coverage.xml")).getroot()
    srcs = doc.findall("sources/source")
    check(len(srcs) == 1 and srcs[0].text == root, "one absolute <source>")
    check(doc.get("timestamp") == "1700000000", "timestamp in seconds")
    for el in doc.iter():
        for bad in ("function-rate", "functions-covered", "generated"):
            check(el.get(bad) is None, "no %s attribute" % bad)
    classes = {c.get("filename"): c for c in doc.iter("class")}
    check(sorted(classes) == ["include/evil <&\"'>.h", "src/main.c",
                              "src/util/strings.c", "top.c"],
          "class filenames relative to the root: %s" % sorted(classes))
    pk = {p.get("name"): p for p in doc.iter("package")}
    for p in doc.iter("package"):
        names = [c.get("name") for c in p.iter("class")]
        check(len(names) == len(set(names)),
              "class names unique in package %r" % p.get("name"))
    check(sorted(pk) == ["", "include", "src", "src.util"], "packages")
    check(classes["src/main.c"].get("name") == "main_c", "class name")
    valid = covered = bvalid = bcovered = 0
    for c in classes.values():
        for l in c.find("lines"):
            h = int(l.get("hits"))  # an integer, as GitLab wants
            check(0 <= h <= 2147483647, "hits in range")
            valid += 1
            covered += h > 0
            if l.get("branch") == "true":
                m = re.fullmatch(r"(\d+)% \((\d+)/(\d+)\)",
                                 l.get("condition-coverage"))
                check(m is not None, "condition-coverage format")
                k, n = int(m.group(2)), int(m.group(3))
                check(int(m.group(1)) == 100 * k // n, "floored percent")
                bvalid += n
                bcovered += k
                conds = l.findall("conditions/condition")
                check(len(conds) == 1 and conds[0].get("type") == "jump",
                      "one <condition>")
            else:
                check(l.get("branch") == "false", "branch written")
                check(l.get("condition-coverage") is None, "no cc")
        sigs = [(m.get("name"), m.get("signature"))
                for m in c.iter("method")]
        check(len(sigs) == len(set(sigs)), "methods unique per class")
    check(int(doc.get("lines-valid")) == valid == 29, "lines-valid")
    # 20 lines with a positive count, and top.c:5 whose count is negative
    check(int(doc.get("lines-covered")) == covered == 21, "lines-covered")
    check(int(doc.get("branches-valid")) == bvalid == 8, "branches-valid")
    check(int(doc.get("branches-covered")) == bcovered == 6,
          "branches-covered")
    check(doc.get("line-rate") == repr(21 / 29), "line-rate repr")
    check(doc.get("branch-rate") == "0.75", "branch-rate")
    top = lines_of(classes["top.c"])
    check(top[2].get("hits") == "2147483647", "hits clamped high")
    check(top[5].get("hits") == "1", "negative hits written as 1")
    meths = [m.get("name") for m in classes["top.c"].iter("method")]
    check(meths.count("A::A") == 1, "constructor clones merged")
    main_ = lines_of(classes["src/main.c"])
    check(main_[21].get("condition-coverage") == "50% (1/2)", "cc line 21")
    check(main_[8].get("hits") == "11", "hits line 8")
    m = {x.get("name"): x for x in classes["src/main.c"].iter("method")}
    check(m["worker"].get("signature") == "()", "C signature")
    check(sorted(int(l.get("number")) for l in m["worker"].iter("line"))
          == [6, 7, 8, 9, 10], "method lines")
    evil = [x for x in classes["include/evil <&\"'>.h"].iter("method")][0]
    check(evil.get("name") ==
          "ns::evil<std::vector<int, std::allocator<int> > >", "C++ name")
    check(evil.get("signature") == "(char const*) & <script>",
          "C++ signature")
    st = lines_of(classes["src/util/strings.c"])
    check(10 not in st and 17 not in st and 18 not in st,
          "excluded lines left out")
    check(st[24].get("branch") == "false", "LCOV_EXCL_BR_LINE")
    # role split
    rootdoc = ET.parse(os.path.join(tmp, "coverage-root.xml")).getroot()
    childdoc = ET.parse(os.path.join(tmp, "coverage-child.xml")).getroot()
    for d, want6, want19 in ((rootdoc, "0", "1"), (childdoc, "1", "0")):
        c = [x for x in d.iter("class")
             if x.get("filename") == "src/main.c"][0]
        ls = lines_of(c)
        check(ls[6].get("hits") == want6 and ls[19].get("hits") == want19,
              "role split hits")


def check_json(tmp):
    with open(os.path.join(tmp, "coverage.json"), encoding="utf-8") as f:
        d = json.load(f)
    check(d["format"] == "covrun-1", "json format")
    check([c["id"] for c in d["contexts"]] == ["test", "worker", "helper"],
          "json contexts")
    check(d["contexts"][1]["role"] == "child", "json role")
    files = {f["path"]: f for f in d["files"]}
    check(sorted(files) == ["include/evil <&\"'>.h", "src/main.c",
                            "src/util/strings.c", "top.c"], "json paths")
    ln = {l["line"]: l for l in files["src/main.c"]["lines"]}
    check(ln[8]["count"] == 11 and ln[8]["root"] == 0 and
          ln[8]["child"] == 11, "json line counts")
    check(ln[21]["branches"] == [{"count": 0, "root": 0, "child": 0},
                                 {"count": 1, "root": 1, "child": 0}],
          "json branches")
    fn = {f["name"]: f for f in files["src/main.c"]["functions"]}
    check(fn["worker"]["line"] == 5 and fn["worker"]["child"] == 1,
          "json functions")
    st = {l["line"] for l in files["src/util/strings.c"]["lines"]}
    check(10 not in st, "json leaves excluded lines out")
    check(d["totals"]["lines"] == {"valid": 29, "covered": 21, "root": 12,
                                   "child_only": 9}, "json totals")
    check(files["top.c"]["lines"][0]["count"] == 5000000000,
          "json keeps counts unclamped")


def check_lcov(tmp):
    info = os.path.join(tmp, "coverage.info")
    with open(info) as f:
        text = f.read()
    check(text.count("end_of_record") == 4, "lcov records")
    check("DA:8,11\n" in text and "BRDA:22," not in text, "lcov DA")
    check("BRDA:21,0,0,0\n" in text, "lcov BRDA")
    genhtml = require.tool("genhtml", "lcov")
    out = os.path.join(tmp, "genhtml")
    r = run([genhtml, "--quiet", "--branch-coverage", "--output-directory",
             out, info])
    check(r.returncode == 0, "genhtml accepts the tracefile: " + r.stderr)
    check(os.path.exists(os.path.join(out, "index.html")), "genhtml index")


def check_html(tmp):
    d = os.path.join(tmp, "html")
    names = sorted(os.listdir(d))
    for n in ("index.html", "processes.html", "style.css", "report.js"):
        check(n in names, "html has " + n)
    pages = [n for n in names if n.endswith(".html")]
    for n in pages:
        p = parse_page(os.path.join(d, n))
        check(not p.bad, "no injected markup in %s: %s" % (n, p.bad))
        check(all(s in ("report.js", "highlight.min.js") for s in p.scripts),
              "only our scripts in %s: %s" % (n, p.scripts))
        with open(os.path.join(d, n), encoding="utf-8") as f:
            raw = f.read()
        for bad in ("<script>alert", "<img", "<b>&amp;", "<report>",
                    "{title}", "{!rows}", "<&\"'>"):
            check(bad not in raw.replace("{title} {!rows}", ""),
                  "%r escaped in %s" % (bad, n))
        check("http://" not in raw and "https://" not in raw,
              "no network reference in " + n)
    mainp = [n for n in pages if n.endswith("-main.c.html")]
    check(len(mainp) == 1, "main.c page")
    p = parse_page(os.path.join(d, mainp[0]))
    want = {}
    for n in (6, 7, 8, 9, 10, 24):
        want[n] = "c"
    for n in (14, 15, 22):
        want[n] = "u"
    for n in (19, 21, 23, 25, 26, 27):
        want[n] = "r"
    for n in range(1, 28):
        check(p.lines.get(n) == want.get(n, ""),
              "main.c line %d mark %r, want %r" % (n, p.lines.get(n),
                                                  want.get(n, "")))
    check(p.branches[21] == ["u", "r"], "branches of line 21")
    check(p.branches[23] == ["c", "r"], "branches of line 23")
    check(p.branches[24] == ["c", "u"], "branches of line 24")
    check(p.text[24] == "\t\treturn worker(10) > 0 ? 0 : 1;", "source text")
    sp = [n for n in pages if n.endswith("-strings.c.html")][0]
    p = parse_page(os.path.join(d, sp))
    check(p.lines[10] == "x" and p.lines[17] == "x" and p.lines[11] == "u",
          "excluded lines marked")
    check(p.lines[24] == "c" and p.branches[24] == ["x"] * 4,
          "excluded branches marked")
    ep = [n for n in pages if n.startswith("f0-")][0]
    check(re.fullmatch(r"f0-[A-Za-z0-9._-]+\.html", ep), "safe page name")
    p = parse_page(os.path.join(d, ep))
    check(p.text[1] == "/* </script><script>alert(\"x\")</script> "
                      "<!-- & --> */", "hostile source shown as text")
    check("\ufffd" in p.text[3], "invalid UTF-8 replaced")
    check(p.text[4] == "<img src=x onerror=alert(1)> {title} {!rows}",
          "template syntax in source is not expanded")
    with open(os.path.join(d, mainp[0]), encoding="utf-8") as f:
        raw = f.read()
    check('title="ran 11 (root 0, child 11); by worker 11"' in raw,
          "hit count tooltip names the contexts")
    idx = parse_page(os.path.join(d, "index.html"))
    t = "".join(idx.all_text)
    check("evil <&\"'>.h" in t, "hostile file name shown as text")
    check("demo <report> & \"co\"" in t, "title shown as text")
    pr = parse_page(os.path.join(d, "processes.html"))
    t = "".join(pr.all_text)
    check("label <b>&amp;" in t, "label shown as text")
    with open(os.path.join(d, "processes.html"), encoding="utf-8") as f:
        raw = f.read()
    rows = re.findall(r'<tr data-i="\d+"><td class="l mono">(\w+)</td>.*?'
                      r'<td data-v="(\d+)">\d+</td><td data-v="(\d+)">\d+'
                      r'</td></tr>', raw)
    check({r[0]: (int(r[1]), int(r[2])) for r in rows} ==
          {"test": (12, 7), "worker": (11, 6), "helper": (3, 3)},
          "contexts: lines covered and only here: %r" % rows)
    procs = re.findall(r'<tr data-i="\d+"><td class="tree mono" '
                       r'style="--d:(\d+)" data-v="\d+">(\w+)</td>', raw)
    check(procs == [("0", "img1"), ("1", "img2"), ("2", "img3"),
                    ("1", "img4")], "process tree order and depth: %r"
          % procs)
    check("&lt;script&gt;alert(1)&lt;/script&gt;" in raw and
          "a b &amp;amp; &hellip;" in raw, "argv escaped")
    check("signal 9" in raw and "_exit" not in raw, "how images ended")
    with open(os.path.join(tmp, "coverage.json"), encoding="utf-8") as f:
        d = json.load(f)
    check([p["id"] for p in d["processes"]] ==
          ["img1", "img2", "img3", "img4"], "json processes")
    check(d["processes"][0]["argv"][2] == "<script>alert(1)</script>",
          "json argv")
    check(d["processes"][2]["end"] == "signal" and
          d["processes"][2]["status"] == 9, "json end")


if __name__ == "__main__":
    sys.exit(main())
