# SPDX-License-Identifier: MIT
"""tests/cli/test_options.py: the options of every verb, from its table.

Each verb has one option table (cli/cli.h, struct cli_opt) from which both
its parser and its --help are made, so the options a test reads from
`covrun VERB --help` are the table's.  Scenarios:

  options_documented   every option of every table is documented in its
                       verb's section of README.md (in a code span) and of
                       doc/covrun.1 (on a macro line)
  option_values        every option with a value takes it as --name=VALUE,
                       and the value is the one used (counts read with gcov)
  command_options_kept covrun run stops at the command: the command's own
                       options reach it as given
  usage_errors         a bad option is status 125 and one line naming it,
                       before anything is touched

Fixture: tests/collect/fixtures/helper.c ("helper N" calls helper_work()
N times), built with --coverage.
"""
import json
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "harness"))
from covtest import SRC, check, eq, main  # noqa: E402

VERBS = [[], ["run"], ["report"], ["merge"], ["tree"]]
# Where each table is documented: README.md section, doc/covrun.1 section.
# "covrun run --help" lists the report table after "report options:".
DOCUMENTED_IN = {"": ("Using covrun", "OPTIONS"),
                 "run": ("Using covrun", "RUN OPTIONS"),
                 "report": ("Reports", "REPORT OPTIONS"),
                 "merge": ("Merging", "MERGE OPTIONS"),
                 "tree": ("Process records", "TREE OPTIONS")}


def covrun(t, *args, **kw):
    """covrun ARGS in the work tree, exactly as given (no --data-dir)."""
    return t.covrun(*args, data=False, **kw)


def help_options(t, verb):
    """[(table, option, metavar or None)] of `covrun VERB --help`: every
    name in the names column of its option lines ("  -d, --data-dir DIR
    ..."); TABLE is the verb, or "report" after "report options:"."""
    p = covrun(t, *(verb + ["--help"]), check_rc=0)
    out, table = [], "".join(verb)
    for line in p.stdout.splitlines():
        if line == "report options:":
            table = "report"
        if not re.match(r"  (-\w, |    )--\w", line):
            continue
        names = re.split(r"\s{2,}", line.strip())[0]
        for part in names.split(", "):
            m = re.match(r"(--?\w[\w-]*)(?:\[=(\S+)\]| (\S+))?$", part)
            check(m, "an option in %r" % line)
            out.append((table, m.group(1), m.group(2) or m.group(3)))
    check(any(o.startswith("--") for _, o, _ in out),
          "`covrun %s --help` lists options" % " ".join(verb))
    return out


def tokens(text):
    return set(re.split(r"[\s,=/|()\[\]\"]+", text))


def sections(path, heading):
    """{title: text} of the sections of PATH that start with HEADING."""
    with open(os.path.join(SRC, "..", path), encoding="utf-8") as f:
        parts = re.split("^" + re.escape(heading), f.read(), flags=re.M)
    return {p.split("\n", 1)[0].strip().strip('"'): p for p in parts[1:]}


def readme_tokens(section):
    """The words of the code spans of a section of README.md."""
    text = sections("README.md", "## ").get(section, "")
    text = re.sub(r"```.*?```", "", text, flags=re.S)
    return set().union(*(tokens(s) for s in re.findall(r"`([^`\n]+)`",
                                                        text)))


def man_tokens(section):
    """The words of the macro lines of a section of doc/covrun.1, fonts
    and escapes removed."""
    text = sections(os.path.join("doc", "covrun.1"), ".SH ").get(
        section, "")
    text = "\n".join(ln for ln in text.splitlines() if ln.startswith("."))
    text = re.sub(r"\\f[BIRP]", "", text).replace("\\-", "-")
    return tokens(text)


def test_options_documented(t):
    missing = []
    for verb in VERBS:
        for table, opt, _ in help_options(t, verb):
            readme, man = DOCUMENTED_IN[table]
            where = [name for name, words in (
                ("README.md (%s)" % readme, readme_tokens(readme)),
                ("doc/covrun.1 (%s)" % man, man_tokens(man)))
                if opt not in words]
            if where:
                missing.append("covrun %s %s: not in %s" % (
                    " ".join(verb) or "(no verb)", opt, ", ".join(where)))
    check(not missing, "options not documented:\n  " + "\n  ".join(missing))


def build(t):
    return t.cc("helper", ["helper.c"])


def counts_of(t, data):
    """helper_work() count of each helper image of run directory DATA,
    and the records of those images."""
    saved, t.data = t.data, data
    try:
        recs = [r for r in t.records() if r["exe"].endswith("/helper")]
        return sorted(t.fn_count(r["id"], "helper_work") for r in recs), recs
    finally:
        t.data = saved


def with_values(t, verb, values):
    """--name=VALUE for every option with a value in VERB's --help (a
    value for each is in VALUES: an option added without one fails)."""
    args = []
    for _, opt, metavar in help_options(t, [verb]):
        if not metavar or not opt.startswith("--"):
            continue
        check(opt in values, "this test has no value for %s %s" % (verb,
                                                                  opt))
        if values[opt] is not None:
            args.append("%s=%s" % (opt, values[opt]))
    return args


def test_option_values(t):
    build(t)
    # the command reports what covrun put in its environment, then runs
    # helper 3; the report options' effects are checked on the outputs
    cmd = ["sh", "-c", 'echo "$COVRUN_MAX_PROCESSES $COVRUN_LABEL" > env; '
           './helper 3']
    run_values = {"--data-dir": "cov", "--label": "lab",
                  "--wait-descendants": "1", "--max-processes": "77",
                  "--fold-batch": "0", "--jobs": "2", "--root": ".",
                  "--filter": "helper", "--exclude": "nothing-matches",
                  "--cobertura": "c.xml", "--xml": None,  # alias: once
                  "--cobertura-max-size": "1M", "--html": "h",
                  "--json": "j.json", "--lcov": "l.info",
                  "--title": "Title-77", "--summary": "none", "--fail-under-line": "1",
                  "--fail-under-branch": "1", "--fail-under-function": "1"}
    args = with_values(t, "run", run_values)
    p = covrun(t, "run", *(args + cmd), check_rc=0)
    counts, recs = counts_of(t, os.path.join(t.dir, "cov"))
    eq(counts, [3], "helper_work counts in --data-dir=cov (gcov)")
    eq({r["label"] for r in recs}, {"lab"}, "--label=lab in the record")
    with open(os.path.join(t.dir, "env")) as f:
        eq(f.read().split(), ["77", "lab"], "the command's environment")
    with open(os.path.join(t.dir, "j.json")) as f:
        eq([x["path"] for x in json.load(f)["files"]], ["helper.c"],
           "--json=j.json, --root=., --filter=helper")
    for out in ("c.xml", "l.info"):
        check(os.path.getsize(os.path.join(t.dir, out)) > 0, out)
    with open(os.path.join(t.dir, "h", "index.html")) as f:
        check("Title-77" in f.read(), "--html=h --title=Title-77")
    eq(p.stdout, "", "--summary=none prints no summary")
    # a threshold given as --name=VALUE is the one checked: helper's
    # "argc > 1" branch is never false in "helper 3", so branch coverage
    # is below 100% while every line ran
    p = covrun(t, "report", "--root=.", "--no-html", "--no-cobertura",
               "--fail-under-branch=100", "--fail-under-line=100", "cov")
    eq(p.returncode, 4, "status of --fail-under-branch=100")
    check("--fail-under-branch 100%" in p.stderr and
          "--fail-under-line" not in p.stderr,
          "only the branch threshold fails: " + p.stderr)
    merge_values = {"--output": "m", "--jobs": "1"}
    args = with_values(t, "merge", merge_values)
    covrun(t, "merge", *(args + ["cov"]), check_rc=0)
    check(os.path.isfile(os.path.join(t.dir, "m", "contexts")),
          "--output=m is the merged directory")
    # letters take their value attached, as getopt does
    covrun(t, "run", "-dcov2", "-q", "--no-report", "./helper", "2",
           check_rc=0)
    eq(counts_of(t, os.path.join(t.dir, "cov2"))[0], [2], "-dcov2")


def test_command_options_kept(t):
    """Options end at the command: what follows is the command's, even
    when it looks like a covrun option."""
    build(t)
    theirs = ["--root", "nowhere", "-q", "--data-dir=x", "--", "--bogus"]
    covrun(t, "-d", "cov", "--no-report", "sh", "-c",
           'printf "%s\\n" "$@" > args; ./helper 1', "sh", *theirs,
           check_rc=0)
    with open(os.path.join(t.dir, "args")) as f:
        eq(f.read().split("\n")[:-1], theirs, "the command's arguments")
    eq(counts_of(t, os.path.join(t.dir, "cov"))[0], [1], "the run")
    covrun(t, "run", "-d", "cov", "--force", "--no-report", "--",
           "./helper", "-q", check_rc=0)  # atoi("-q") == 0 calls
    eq(counts_of(t, os.path.join(t.dir, "cov"))[0], [0], "after --")


def test_usage_errors(t):
    """Status 125, one line naming the option, nothing touched."""
    build(t)
    cases = [(["--data-dir"], "'--data-dir' needs a value"),
             (["-j"], "'-j' needs a value"),
             (["--force=1", "./helper"], "'--force' takes no value"),
             (["--bogus", "./helper"], "unknown option '--bogus'"),
             (["-qx", "./helper"], "unknown option '-x'"),
             (["--data", "cov", "./helper"], "unknown option '--data'"),
             (["--data"], "unknown option '--data'"),
             (["--summary=some", "./helper"], "'--summary'"),
             (["--jobs=many", "./helper"], "'--jobs'"),
             (["report", "--cobertura"], "'--cobertura' needs a value"),
             (["report", "--no-html=x"], "'--no-html' takes no value"),
             (["merge", "-o"], "'-o' needs a value"),
             (["merge", "--out=m", "cov"], "unknown option '--out=m'"),
             (["tree", "--json=1"], "'--json' takes no value")]
    for args, want in cases:
        p = covrun(t, *args)
        eq(p.returncode, 125, "%r: status" % args)
        lines = p.stderr.splitlines()
        check(len(lines) == 1 and lines[0].startswith("covrun: error: ") and
              want in lines[0], "%r: one line naming it: %r" % (args, lines))
        check(not os.path.exists(os.path.join(t.dir, "cov")) and
              not os.path.exists(os.path.join(t.dir, "m")),
              "%r: nothing written" % args)
        check(not os.path.exists(os.path.join(t.dir, "coverage.xml")),
              "%r: no report" % args)
        check(not os.path.exists(os.path.join(t.dir, ".covrun")),
              "%r: no run" % args)


TESTS = {name[5:]: fn for name, fn in list(globals().items())
         if name.startswith("test_")}

if __name__ == "__main__":
    main(TESTS)
