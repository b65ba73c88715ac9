#!/usr/bin/python3
# SPDX-License-Identifier: MIT
# tests/report/browser_test.py: the HTML report in a real browser.
#
#   browser_test.py REPORT_TEST SCREENSHOT_DIR
#   browser_test.py --shoot HTML_DIR SCREENSHOT_DIR   (screenshots only)
#
# Writes the demo report (tests/report/fixture.c), opens it from file:// in
# headless Debian chromium with networking off, and drives it over the
# DevTools protocol (--remote-debugging-pipe): the marks sit on the expected
# lines after the scripts ran, highlight.js (required) coloured the
# code, the keys n / c jump to the next uncovered / child-only line, the
# filters hide the other lines, the theme switch works, the tree folds and
# sorts.  Screenshots go to SCREENSHOT_DIR.  chromium is required:
# without it the test fails, naming it.
import base64
import fcntl
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "harness"))
from softcheck import check, status  # noqa: E402
import require  # noqa: E402


class Browser:
    """Headless chromium driven over --remote-debugging-pipe (fds 3, 4)."""

    def __init__(self, exe, profile):
        to_r, self.to_w = os.pipe()
        self.from_r, from_w = os.pipe()
        os.set_inheritable(to_r, True)
        os.set_inheritable(from_w, True)
        args = [exe, "--headless", "--no-sandbox", "--disable-gpu",
                "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync",
                "--user-data-dir=" + profile,
                "--remote-debugging-pipe",
                # networking off: nothing resolves, nothing is proxied
                "--host-resolver-rules=MAP * ~NOTFOUND",
                "--proxy-server=127.0.0.1:9",
                "--window-size=1300,1000", "about:blank"]

        def fds():
            a = fcntl.fcntl(to_r, fcntl.F_DUPFD, 10)
            b = fcntl.fcntl(from_w, fcntl.F_DUPFD, 10)
            os.dup2(a, 3)
            os.dup2(b, 4)

        self.proc = subprocess.Popen(args, preexec_fn=fds, pass_fds=(),
                                     stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL,
                                     close_fds=False)
        os.close(to_r)
        os.close(from_w)
        self.buf = b""
        self.next_id = 0
        self.session = None
        targets = self.call("Target.getTargets")["targetInfos"]
        page = [t for t in targets if t["type"] == "page"][0]
        self.session = self.call("Target.attachToTarget",
                                 targetId=page["targetId"],
                                 flatten=True)["sessionId"]
        self.call("Page.enable")
        self.call("Runtime.enable")
        self.call("Emulation.setDeviceMetricsOverride", width=1300,
                  height=1000, deviceScaleFactor=1, mobile=False)

    def call(self, method, **params):
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params}
        if self.session and not method.startswith("Target."):
            msg["sessionId"] = self.session
        os.write(self.to_w, json.dumps(msg).encode() + b"\0")
        deadline = time.time() + 30
        while time.time() < deadline:
            while b"\0" in self.buf:
                raw, self.buf = self.buf.split(b"\0", 1)
                m = json.loads(raw)
                if m.get("id") == self.next_id:
                    if "error" in m:
                        raise RuntimeError("%s: %s" % (method, m["error"]))
                    return m.get("result", {})
            chunk = os.read(self.from_r, 1 << 16)
            if not chunk:
                raise RuntimeError("chromium went away")
            self.buf += chunk
        raise RuntimeError("timeout on " + method)

    def js(self, expr):
        r = self.call("Runtime.evaluate", expression=expr,
                      returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in r:
            raise RuntimeError("js: %s: %s" % (expr, r["exceptionDetails"]))
        return r["result"].get("value")

    def open(self, url):
        self.call("Page.navigate", url=url)
        for _ in range(100):
            if self.js("document.readyState") == "complete":
                break
            time.sleep(0.05)
        time.sleep(0.3)  # let the highlighting slices run

    def key(self, k):
        for t in ("keyDown", "keyUp"):
            self.call("Input.dispatchKeyEvent", type=t, key=k, text=k,
                      unmodifiedText=k)

    def shot(self, path, full=False):
        params = {"format": "png"}
        if full:
            m = self.call("Page.getLayoutMetrics")["cssContentSize"]
            params["clip"] = {"x": 0, "y": 0, "width": 1300,
                              "height": min(m["height"], 4000), "scale": 1}
            params["captureBeyondViewport"] = True
        data = self.call("Page.captureScreenshot", **params)["data"]
        with open(path, "wb") as f:
            f.write(base64.b64decode(data))

    def close(self):
        try:
            self.call("Browser.close")
        except Exception:
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def shoot(html, shots):
    """Screenshots of an existing report (for the README): the index, the
    file page with the most child-only lines at its first one, processes."""
    exe = os.environ.get("COVRUN_CHROMIUM") or \
        require.tool("chromium", "chromium")
    os.makedirs(shots, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix="covrun-shoot-")
    b = Browser(exe, tmp)
    try:
        b.open("file://" + os.path.join(os.path.abspath(html), "index.html"))
        b.shot(os.path.join(shots, "report-index.png"))
        best, most = None, -1
        for n in sorted(os.listdir(html)):
            if not n.startswith("f") or not n.endswith(".html"):
                continue
            with open(os.path.join(html, n), encoding="utf-8") as f:
                c = f.read().count('<div class="ln c"')
            if c > most:
                best, most = n, c
        b.open("file://" + os.path.join(os.path.abspath(html), best))
        b.key("c")
        b.js("document.querySelector('.ln.cur') && document.querySelector("
             "'.ln.cur').scrollIntoView({block: 'start'}); "
             "window.scrollBy(0, -180)")
        b.shot(os.path.join(shots, "report-file.png"))
        b.key("t")
        b.shot(os.path.join(shots, "report-file-dark.png"))
        b.key("t")
        b.open("file://" + os.path.join(os.path.abspath(html),
                                        "processes.html"))
        b.shot(os.path.join(shots, "report-processes.png"))
    finally:
        b.close()
        shutil.rmtree(tmp, ignore_errors=True)
    print("screenshots in", shots)
    return 0


def main():
    if sys.argv[1] == "--shoot":
        return shoot(sys.argv[2], sys.argv[3])
    report_test, shots = sys.argv[1], sys.argv[2]
    exe = os.environ.get("COVRUN_CHROMIUM") or shutil.which("chromium") or \
        shutil.which("chromium-browser")
    if not exe:
        exe = require.tool("chromium", "chromium")
    os.makedirs(shots, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix="covrun-browser-")
    b = None
    try:
        r = subprocess.run([report_test, "demo", tmp],
                           stdout=subprocess.PIPE, text=True)
        check(r.returncode == 0, "report_test demo")
        hl = "highlight=1" in r.stdout
        check(hl, "highlight.js not inlined: required Debian package "
              "'libjs-highlight.js' missing")
        html = os.path.join(tmp, "html")
        b = Browser(exe, os.path.join(tmp, "profile"))
        run_checks(b, html, shots, hl)
        # a big tree starts folded to its top directories
        big = os.path.join(tmp, "big")
        os.makedirs(big)
        r = subprocess.run([report_test, "big", big, "210", "20", "0",
                            "html"], stdout=subprocess.PIPE, text=True)
        check(r.returncode == 0, "report_test big")
        b.open("file://" + os.path.join(big, "html", "index.html"))
        vis = b.js("[].filter.call(document.querySelectorAll('#tree tbody "
                   "tr'), function (e) { return e.offsetParent !== null; })"
                   ".map(function (e) { return e.cells[0].textContent"
                   ".trim(); })")
        check(vis == ["\u25bemod0%d/" % i for i in range(6)],
              "big tree folded to mod00/..mod05/: %r" % vis)
        b.js("document.getElementById('expand').click()")
        n = b.js("document.querySelectorAll('#tree tr.hid').length")
        check(n == 0, "expand all shows every row (%r hidden)" % n)
    finally:
        if b:
            b.close()
        shutil.rmtree(tmp, ignore_errors=True)
    if status():
        return 1
    print("browser test OK; screenshots in", shots)
    return 0


def marks(b):
    return b.js("""(function () {
      var o = {};
      document.querySelectorAll('#code .ln').forEach(function (e) {
        o[e.id.slice(1)] = e.className.replace(/\\bln\\b/, '').trim();
      });
      return o; })()""")


def run_checks(b, html, shots, hl):
    # index
    b.open("file://" + os.path.join(html, "index.html"))
    check(b.js("document.documentElement.getAttribute('data-theme')") ==
          "light", "theme script ran")
    check(b.js("document.title") == "demo <report> & \"co\"", "title text")
    names = b.js("[].map.call(document.querySelectorAll('#tree td.name'),"
                 "function (e) { return e.textContent.trim(); })")
    check(names[:2] == ["\u25beinclude/", "evil <&\"'>.h"],
          "tree rows: %r" % names)
    b.shot(os.path.join(shots, "index-light.png"))
    # sort by child-only lines, descending: src/ first
    b.js("document.querySelector('#tree th[data-k=lchild]').click()")
    b.js("document.querySelector('#tree th[data-k=lchild]').click()")
    first = b.js("document.querySelector('#tree tbody tr td.name')"
                 ".textContent.trim()")
    check(first == "\u25besrc/", "sorted by child-only: %r" % first)
    # fold src/: its rows hide
    b.js("document.querySelector('#tree tbody tr td.name').click()")
    hidden = b.js("document.querySelectorAll('#tree tr.hid').length")
    check(hidden == 3, "folding src/ hides 3 rows, got %r" % hidden)

    # file page
    page = [n for n in os.listdir(html) if n.endswith("-main.c.html")][0]
    b.open("file://" + os.path.join(html, page))
    m = marks(b)
    for n in (6, 7, 8, 9, 10, 24):
        check(m[str(n)] == "c", "line %d child-only in the browser" % n)
    for n in (14, 15, 22):
        check(m[str(n)] == "u", "line %d not covered in the browser" % n)
    for n in (19, 21, 23, 25, 26, 27):
        check(m[str(n)] == "r", "line %d root in the browser" % n)
    check(m["1"] == "" and m["5"] == "", "no mark on lines without code")
    bm = b.js("[].map.call(document.querySelectorAll('#L23 .b'),"
              "function (e) { return e.className; })")
    check(bm == ["b c", "b r"], "branch marks of line 23: %r" % bm)
    if hl:
        n = b.js("document.querySelectorAll('#code .hljs-keyword').length")
        check(n and n > 5, "highlight.js coloured the code (%r)" % n)
        txt = b.js("document.querySelector('#L24 .s').textContent")
        check(txt == "\t\treturn worker(10) > 0 ? 0 : 1;",
              "highlighting keeps the text: %r" % txt)
    b.shot(os.path.join(shots, "file-light.png"))
    # keys
    b.key("n")
    check(b.js("document.querySelector('.ln.cur').id") == "L14",
          "n jumps to the first uncovered line")
    b.key("n")
    check(b.js("document.querySelector('.ln.cur').id") == "L15",
          "n again: next uncovered line")
    b.key("c")
    check(b.js("document.querySelector('.ln.cur').id") == "L24",
          "c jumps to the next child-only line")
    b.key("N")
    check(b.js("document.querySelector('.ln.cur').id") == "L22",
          "N jumps back to the previous uncovered line")
    # filters
    b.js("document.querySelector('button[data-f=c]').click()")
    vis = b.js("[].filter.call(document.querySelectorAll('#code .ln'),"
               "function (e) { return e.offsetParent !== null; })"
               ".map(function (e) { return e.id; })")
    check(vis == ["L6", "L7", "L8", "L9", "L10", "L24"],
          "child-only filter shows only child-only lines: %r" % vis)
    jumps = b.js("[].map.call(document.querySelectorAll('.ln.jump'),"
                 "function (e) { return e.id; })")
    check(jumps == ["L24"], "a gap is marked before line 24: %r" % jumps)
    b.shot(os.path.join(shots, "file-child-only.png"))
    b.js("document.querySelector('button[data-f=u]').click()")
    vis = b.js("[].filter.call(document.querySelectorAll('#code .ln'),"
               "function (e) { return e.offsetParent !== null; }).length")
    check(vis == 3, "uncovered filter shows 3 lines, got %r" % vis)
    b.js("document.querySelector('button[data-f=\"\"]').click()")
    # dark theme, remembered across pages
    b.key("t")
    check(b.js("document.documentElement.getAttribute('data-theme')") ==
          "dark", "t switches to the dark theme")
    b.js("window.scrollTo(0, 0)")
    b.shot(os.path.join(shots, "file-dark.png"))
    b.open("file://" + os.path.join(html, "index.html"))
    check(b.js("document.documentElement.getAttribute('data-theme')") ==
          "dark", "theme remembered")
    b.shot(os.path.join(shots, "index-dark.png"))
    b.key("t")
    # hostile file page: the source is text, no script of it ran
    evil = [n for n in os.listdir(html) if n.startswith("f0-")][0]
    b.open("file://" + os.path.join(html, evil))
    check(b.js("typeof window.alert === 'function' && "
               "document.querySelectorAll('script').length") in (1, 2),
          "no script injected by the source")
    check(b.js("document.querySelector('#L1 .s').textContent").startswith(
        "/* </script><script>alert"), "hostile source shown as text")
    b.open("file://" + os.path.join(html, "processes.html"))
    b.shot(os.path.join(shots, "processes.png"))


if __name__ == "__main__":
    sys.exit(main())
