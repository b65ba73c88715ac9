# SPDX-License-Identifier: MIT
# tools/deps.sh: the Debian packages covrun needs, and installing them.
# Sourced by tools/example.sh, tools/test.sh, tools/test-slow.sh and
# bench/real_suites.sh.  As root it installs what is missing with apt-get;
# otherwise it prints the exact command and stops.  Debian source packages
# (the slow test, the real-suite benchmark) need deb-src entries: derived
# from the machine's own deb entries when apt has none.
# Why each package is there: README.md, "Dependencies".

BUILD_PACKAGES="cmake make gcc g++ libxml2-dev libarchive-dev libjansson-dev
  libiberty-dev zlib1g-dev binutils"
TEST_PACKAGES="gcc-11 g++-11 clang-14 llvm-14 libclang-rt-14-dev python3
  python3-dev python3-pytest python3-pytest-xdist gcovr lcov libxml2-utils
  chromium libjs-highlight.js procps zstd googletest strace"
# The slow differential test on real code (tools/test-slow.sh): apt-get
# source (dpkg-dev), the projects' autotools builds, jq's parser and lexer
# (bison, flex) and regex library (libonig-dev), gcc's own gcov-tool.
SLOW_PACKAGES="dpkg-dev gcc-12 make autoconf automake libtool bison flex
  libonig-dev"

# need_packages PKG...: make sure every PKG is installed.
need_packages() {
  missing=""
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
      missing="$missing $p"
  done
  [ -z "$missing" ] && return 0
  if [ "$(id -u)" = 0 ]; then
    echo "covrun: installing Debian packages:$missing" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null &&
      apt-get install -y -qq --no-install-recommends $missing >/dev/null ||
      { echo "covrun: apt-get install failed" >&2; exit 1; }
  else
    echo "covrun: missing Debian packages; run:" >&2
    echo "  sudo apt-get install -y$missing" >&2
    exit 1
  fi
}

# has_deb_src: some apt source already lists Debian source packages.
has_deb_src() {
  cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list \
      /etc/apt/sources.list.d/*.sources 2>/dev/null |
    grep -Eq '^[[:space:]]*deb-src[[:space:]]|^Types:.*deb-src'
}

# add_deb_src: a deb-src twin of every deb entry, one-line and deb822.
# A subshell: its variables never reach the caller's (sourced by scripts
# whose own $d is a directory they delete).
add_deb_src() (
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
)
