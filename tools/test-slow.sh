#!/bin/sh
# SPDX-License-Identifier: MIT
# tools/test-slow.sh: the slow tests (ctest label "slow"), above all the
# differential test on real code (tests/real/realdiff.py): real C projects
# from Debian source packages, built with --coverage, run their own test
# suites plainly and under covrun, and covrun's report must equal gcov's
# on the same data.  tools/test.sh runs it after the quick suite; alone:
#   sh tools/test-slow.sh
# It needs Debian source packages: when apt has no deb-src entry, one is
# added for the mirrors and suites of the machine's own deb entries.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/tools/deps.sh"
need_packages $BUILD_PACKAGES $SLOW_PACKAGES

if ! has_deb_src; then
  if [ "$(id -u)" != 0 ]; then
    echo "covrun: apt lists no Debian source packages (deb-src);" \
      "run this script as root, or add deb-src entries yourself" >&2
    exit 1
  fi
  echo "covrun: adding deb-src entries for the machine's Debian mirrors" >&2
  add_deb_src
  has_deb_src || { echo "covrun: no deb entry to derive deb-src from" >&2
                   exit 1; }
  apt-get update -qq >/dev/null ||
    { echo "covrun: apt-get update failed" >&2; exit 1; }
fi

jobs=$(nproc)
cmake -S "$top" -B "$top/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$top/build" -j"$jobs" >/dev/null
cd "$top/build" && ctest --output-on-failure -L slow
