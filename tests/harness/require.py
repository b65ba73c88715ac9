# SPDX-License-Identifier: MIT
"""tests/harness/require.py: what a test needs from the machine.

Nothing skips in CI (tests/README.md, "Nothing skips"): a required tool
that is missing fails the test with one line naming the tool and the
Debian package that provides it (tools/deps.sh installs them all).  Only
a capability a developer's machine may genuinely lack (root, for a tmpfs
mount) may skip, and only outside CI: with the CI environment variable set
it fails too.
"""
import os
import shutil
import sys

SKIP = 77   # ctest's SKIP_RETURN_CODE for the tests that may skip


def in_ci():
    """True when the CI environment variable is set (and not "0"/"false")."""
    return os.environ.get("CI", "").lower() not in ("", "0", "false", "no")


def fail(line):
    print("FAIL: " + line, flush=True)
    print("FAIL: " + line, file=sys.stderr, flush=True)
    sys.exit(1)


def missing_tools(names):
    """The names among NAMES that are not found in PATH."""
    return [n for n in names if not shutil.which(n)]


def tool(name, package):
    """The path of NAME; a test that needs it fails when it is missing."""
    path = shutil.which(name)
    if not path:
        fail("required tool '%s' is missing (Debian package '%s'; "
             "tools/deps.sh installs it)" % (name, package))
    return path


def capability(ok, what):
    """Return if OK; else fail in CI, skip (exit 77) elsewhere."""
    if ok:
        return
    if in_ci():
        fail("%s (CI must provide it)" % what)
    print("SKIP: %s (outside CI)" % what, flush=True)
    sys.exit(SKIP)
