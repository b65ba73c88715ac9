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

# has_deb_src: some apt source already lists Debian source packages.
has_deb_src() {
  cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list \
      /etc/apt/sources.list.d/*.sources 2>/dev/null |
    grep -Eq '^[[:space:]]*deb-src[[:space:]]|^Types:.*deb-src'
}

# add_deb_src: a deb-src twin of every deb entry, one-line and deb822.
add_deb_src() {
  d=/etc/apt/sources.list.d
  cat /etc/apt/sources.list $d/*.list 2>/dev/null |
    sed -n 's/^[[:space:]]*deb[[:space:]]/deb-src /p' >$d/covrun-deb-src.list
  [ -s $d/covrun-deb-src.list ] || rm -f $d/covrun-deb-src.list
  for f in $d/*.sources; do
    [ -f "$f" ] || continue
    awk 'BEGIN { RS = ""; ORS = "\n\n" }
         /(^|\n)Types:[^\n]*[[:space:]]deb([[:space:]]|\n|$)/ {
           out = ""; n = split($0, l, "\n")
           for (i = 1; i <= n; i++) {
             if (l[i] ~ /^#/) continue
             if (l[i] ~ /^Types:/) l[i] = "Types: deb-src"
             out = out l[i] "\n"
           }
           printf "%s\n", out
         }' "$f"
  done >$d/covrun-deb-src.sources
  [ -s $d/covrun-deb-src.sources ] || rm -f $d/covrun-deb-src.sources
}

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
