/* SPDX-License-Identifier: MIT
 * templates/report.js: behaviour of covrun's HTML report (copied next to
 * the pages as report.js).  Works from file:// with no network: theme
 * switch, sortable tables and directory tree, line filters, keyboard
 * navigation, syntax highlighting when highlight.js was copied in. */
(function () {
  "use strict";
  var root = document.documentElement;
  var KEY = "covrun-theme";

  function storedTheme() {
    try { return localStorage.getItem(KEY); } catch (e) { return null; }
  }
  function setTheme(t) {
    root.setAttribute("data-theme", t);
    try { localStorage.setItem(KEY, t); } catch (e) { /* file:// */ }
  }
  /* before first paint: no flash of the wrong theme */
  root.setAttribute("data-theme", storedTheme() ||
    (window.matchMedia && matchMedia("(prefers-color-scheme: dark)").matches
      ? "dark" : "light"));
  function toggleTheme() {
    setTheme(root.getAttribute("data-theme") === "dark" ? "light" : "dark");
  }

  function num(cell) {
    var v = cell.getAttribute("data-v");
    if (v === null) return cell.textContent.toLowerCase();
    var n = parseFloat(v);
    return isNaN(n) ? v.toLowerCase() : n;
  }
  function cmp(a, b) { return a < b ? -1 : a > b ? 1 : 0; }

  /* Sort a table's rows; rows with data-p are a tree sorted per level. */
  function sortable(table) {
    var heads = table.tHead ? table.tHead.rows[0].cells : [];
    Array.prototype.forEach.call(heads, function (th, col) {
      th.addEventListener("click", function () {
        var dir = th.getAttribute("data-dir") === "asc" ? "desc" : "asc";
        Array.prototype.forEach.call(heads, function (h) {
          h.removeAttribute("data-dir");
        });
        th.setAttribute("data-dir", dir);
        var sign = dir === "asc" ? 1 : -1;
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        function key(r) { return num(r.cells[col]); }
        function order(a, b) {
          /* directories before files when sorting by name */
          if (col === 0 && a.classList.contains("d") !== b.classList.contains("d"))
            return a.classList.contains("d") ? -1 : 1;
          return sign * cmp(key(a), key(b)) ||
            cmp(a.getAttribute("data-i") | 0, b.getAttribute("data-i") | 0);
        }
        if (!rows.length || rows[0].getAttribute("data-p") === null) {
          rows.sort(order);
          rows.forEach(function (r) { body.appendChild(r); });
          return;
        }
        var kids = {};
        rows.forEach(function (r) {
          var p = r.getAttribute("data-p");
          (kids[p] = kids[p] || []).push(r);
        });
        var out = [];
        (function walk(p) {
          var k = kids[p];
          if (!k) return;
          k.sort(order);
          k.forEach(function (r) { out.push(r); walk(r.getAttribute("data-id")); });
        })("");
        out.forEach(function (r) { body.appendChild(r); });
      });
    });
  }

  /* The directory tree of the index: fold and unfold. */
  function tree(table) {
    var rows = Array.prototype.slice.call(table.tBodies[0].rows);
    var byParent = {};
    rows.forEach(function (r) {
      var p = r.getAttribute("data-p");
      (byParent[p] = byParent[p] || []).push(r);
    });
    function setHidden(id, hide) {
      (byParent[id] || []).forEach(function (r) {
        r.classList.toggle("hid", hide);
        setHidden(r.getAttribute("data-id"),
          hide || r.classList.contains("closed"));
      });
    }
    table.addEventListener("click", function (ev) {
      var t = ev.target;
      if (t.tagName === "A") return;
      var tr = t.closest("tr.d");
      if (!tr || !t.closest("td.name")) return;
      tr.classList.toggle("closed");
      setHidden(tr.getAttribute("data-id"), tr.classList.contains("closed"));
    });
    function all(close) {
      rows.forEach(function (r) {
        if (r.classList.contains("d")) r.classList.toggle("closed", close);
        if (r.getAttribute("data-p") !== "") r.classList.toggle("hid", close);
      });
    }
    var e = document.getElementById("expand");
    var c = document.getElementById("collapse");
    if (e) e.addEventListener("click", function () { all(false); });
    if (c) c.addEventListener("click", function () { all(true); });
    /* a big tree starts folded: the top directories first */
    if (rows.length > 200) all(true);
  }

  /* File page: filters, next/previous keys, highlighting. */
  function filePage(code) {
    var lines = code.getElementsByClassName("ln");
    var cur = 0; /* line number of the current line */
    var bar = document.getElementById("bar");
    function setFilter(f) {
      code.classList.remove("f-c", "f-u");
      if (f) code.classList.add("f-" + f);
      /* mark where shown lines skip hidden ones */
      Array.prototype.forEach.call(code.querySelectorAll(".ln.jump"),
        function (e) { e.classList.remove("jump"); });
      if (f) {
        var prev = -1;
        Array.prototype.forEach.call(code.querySelectorAll(".ln." + f),
          function (e) {
            var n = lineNo(e);
            if (prev >= 0 && n !== prev + 1) e.classList.add("jump");
            prev = n;
          });
      }
      Array.prototype.forEach.call(bar.querySelectorAll("button[data-f]"),
        function (b) {
          b.setAttribute("aria-pressed", b.getAttribute("data-f") === f);
        });
    }
    bar.addEventListener("click", function (ev) {
      var b = ev.target.closest("button[data-f]");
      if (b) setFilter(b.getAttribute("data-f"));
    });
    function lineNo(el) { return parseInt(el.id.slice(1), 10); }
    function jump(cls, dir) {
      var list = code.querySelectorAll(".ln." + cls);
      if (!list.length) return;
      var pick = null, i;
      if (dir > 0) {
        for (i = 0; i < list.length; i++)
          if (lineNo(list[i]) > cur) { pick = list[i]; break; }
        if (!pick) pick = list[0];
      } else {
        for (i = list.length - 1; i >= 0; i--)
          if (lineNo(list[i]) < cur) { pick = list[i]; break; }
        if (!pick) pick = list[list.length - 1];
      }
      var old = code.querySelector(".ln.cur");
      if (old) old.classList.remove("cur");
      pick.classList.add("cur");
      cur = lineNo(pick);
      pick.scrollIntoView({ block: "center" });
      if (history.replaceState) history.replaceState(null, "", "#L" + cur);
    }
    if (location.hash.match(/^#L\d+$/)) cur = parseInt(location.hash.slice(2), 10);
    /* a click on a line number links to that line */
    code.addEventListener("click", function (ev) {
      var no = ev.target.closest(".no");
      if (!no) return;
      var ln = no.parentNode;
      cur = lineNo(ln);
      location.hash = ln.id;
    });
    document.addEventListener("keydown", function (ev) {
      if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
      if (ev.target && /INPUT|TEXTAREA/.test(ev.target.tagName)) return;
      if (ev.key === "n") jump("u", 1);
      else if (ev.key === "N") jump("u", -1);
      else if (ev.key === "c") jump("c", 1);
      else if (ev.key === "C") jump("c", -1);
      else return;
      ev.preventDefault();
    });
    highlight(code, lines);
  }

  /* Highlight the whole text with highlight.js (so comments and strings
   * spanning lines come out right), in slices that keep the page
   * responsive, then split the markup back into lines. */
  function highlight(code, lines) {
    var lang = code.getAttribute("data-lang");
    var hl = window.hljs;
    if (!hl || !lang || !hl.getLanguage || !hl.getLanguage(lang)) return;
    if (lines.length > 60000) return;
    var srcs = [];
    for (var i = 0; i < lines.length; i++)
      srcs.push(lines[i].getElementsByClassName("s")[0]);
    var pos = 0, top = undefined, open = [];
    function slice() {
      var end = Math.min(pos + 1500, srcs.length);
      var text = [];
      for (var k = pos; k < end; k++) text.push(srcs[k].textContent);
      var res;
      try { res = hl.highlight(lang, text.join("\n") + "\n", true, top); }
      catch (e) { return; }
      top = res.top;
      var parts = res.value.split("\n");
      for (k = pos; k < end; k++) {
        var html = parts[k - pos];
        /* reopen the spans still open at the end of the last line */
        var pre = open.join("");
        var re = /<span[^>]*>|<\/span>/g, m;
        while ((m = re.exec(html)))
          if (m[0] === "</span>") open.pop(); else open.push(m[0]);
        srcs[k].innerHTML = pre + html + new Array(open.length + 1).join("</span>");
      }
      open = [];
      pos = end;
      if (pos < srcs.length) setTimeout(slice, 0);
    }
    setTimeout(slice, 0);
  }

  function procFilter(input, table) {
    input.addEventListener("input", function () {
      var q = input.value.toLowerCase();
      Array.prototype.forEach.call(table.tBodies[0].rows, function (r) {
        r.classList.toggle("hid", q !== "" &&
          r.textContent.toLowerCase().indexOf(q) < 0);
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var t = document.getElementById("theme");
    if (t) t.addEventListener("click", toggleTheme);
    document.addEventListener("keydown", function (ev) {
      if (ev.key === "t" && !ev.ctrlKey && !ev.metaKey && !ev.altKey &&
          !(ev.target && /INPUT|TEXTAREA/.test(ev.target.tagName)))
        toggleTheme();
    });
    var tr = document.getElementById("tree");
    if (tr) { sortable(tr); tree(tr); }
    ["fns", "ctx", "procs"].forEach(function (id) {
      var el = document.getElementById(id);
      if (el) sortable(el);
    });
    var code = document.getElementById("code");
    if (code) filePage(code);
    var pf = document.getElementById("pfilter");
    if (pf) procFilter(pf, document.getElementById("procs"));
  });
})();
