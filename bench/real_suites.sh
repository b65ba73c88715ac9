#!/bin/sh
# SPDX-License-Identifier: MIT
# bench/real_suites.sh: real test suites, plain --coverage against
# `covrun run` with its reports (issue 9's real-suite targets): PostgreSQL
# `make check` and git's t0000, t0001, t1006 and t1300, fetched and built
# as a user would, in a gitignored work directory (a rerun reuses the
# builds).  Every run is timed and sampled by bench/measure.py; after the
# last run bench/real_compare.py compares covrun's merged result with gcov
# on the plain run's in-place gcda, file by file.
#
#   bench/real_suites.sh [--runs N] [--only pg|git] [--work DIR]
#                        [--dir RUNDIR_PARENT] [--build-only]
#
# Sources.  PostgreSQL: `apt-get source` of PG_SOURCE (default the
# bookworm package postgresql-15=15.18-0+deb12u1: bookworm has no
# PostgreSQL 17); a deb-src twin of bookworm's entry is added to apt when
# there is none.  Or PG_SRC=DIR, an unpacked PostgreSQL source tree (a 17
# one when you have it).  git: GIT_SRC=DIR, an unpacked source tree, or
# GIT_REPO=GITDIR (a clone or mirror) and GIT_REF (default v2.55.0),
# exported with `git archive`.
# Environment: BUILD_DIR (covrun's CMake build, default build/), CC
# (default gcc-12).  Build dependencies (as root): bison flex perl
# zlib1g-dev libreadline-dev libicu-dev pkg-config.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
build=${BUILD_DIR:-$top/build}
cc=${CC:-gcc-12}
runs=3
only=
work=$top/bench-work/real
dir=
build_only=0
while [ $# -gt 0 ]; do
	case $1 in
	--runs) runs=$2; shift 2 ;;
	--only) only=$2; shift 2 ;;
	--work) work=$2; shift 2 ;;
	--dir) dir=$2; shift 2 ;;
	--build-only) build_only=1; shift ;;
	-h|--help) sed -n '2,/^set -eu/p' "$0" | sed 's/^# \{0,1\}//;/^set -eu/d'; exit 0 ;;
	*) echo "real_suites.sh: unknown option $1" >&2; exit 2 ;;
	esac
done
mkdir -p "$work/cache"
work=$(cd "$work" && pwd)
log=$work/build.log

have_deb_src() {
	cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list \
	    /etc/apt/sources.list.d/*.sources 2>/dev/null |
		grep -Eq '^[[:space:]]*deb-src[[:space:]]|^Types:.*deb-src'
}

# pg_source: the unpacked PostgreSQL source, from PG_SRC or apt-get source
pg_source() {
	if [ -n "${PG_SRC:-}" ]; then echo "$PG_SRC"; return; fi
	spec=${PG_SOURCE:-postgresql-15=15.18-0+deb12u1}
	d=$work/cache/pg/$(echo "$spec" | tr = _)
	if [ ! -f "$d/.fetched" ]; then
		if ! have_deb_src; then
			printf '%s\n' 'Types: deb-src' \
			    'URIs: http://deb.debian.org/debian' \
			    'Suites: bookworm bookworm-updates' 'Components: main' \
			    'Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg' \
			    >/etc/apt/sources.list.d/covrun-bench-src.sources
			apt-get update -q >>"$log" 2>&1
		fi
		rm -rf "$d.tmp" && mkdir -p "$d.tmp"
		(cd "$d.tmp" && apt-get source -q --only-source "$spec") >>"$log" 2>&1
		rm -rf "$d" && mv "$d.tmp"/*/ "$d" && rm -rf "$d.tmp"
		touch "$d/.fetched"
	fi
	echo "$d"
}

# git_source: the unpacked git source, from GIT_SRC or GIT_REPO + GIT_REF
git_source() {
	if [ -n "${GIT_SRC:-}" ]; then echo "$GIT_SRC"; return; fi
	: "${GIT_REPO:?set GIT_SRC (a source tree) or GIT_REPO (a git directory)}"
	ref=${GIT_REF:-v2.55.0}
	d=$work/cache/git-$ref
	if [ ! -f "$d/.fetched" ]; then
		rm -rf "$d" && mkdir -p "$d"
		git --git-dir="$GIT_REPO" archive "$ref" | tar -x -C "$d"
		touch "$d/.fetched"
	fi
	echo "$d"
}

# build_pg SRC: configure --enable-coverage and build, once per source
build_pg() {
	b=$work/pg/build
	if [ ! -f "$b/.built" ] || [ "$(cat "$b/.built")" != "$1 $cc" ]; then
		rm -rf "$b" && mkdir -p "$b"
		(cd "$b" && "$1/configure" --enable-coverage CC="$cc" \
		    >>"$log" 2>&1 && make -j2 >>"$log" 2>&1)
		echo "$1 $cc" >"$b/.built"
	fi
	echo "$b"
}

# build_git SRC: git's Makefile with --coverage, in a copy of the source
build_git() {
	b=$work/git/build
	if [ ! -f "$b/.built" ] || [ "$(cat "$b/.built")" != "$1 $cc" ]; then
		rm -rf "$b" && mkdir -p "$b" && cp -a "$1/." "$b/"
		make -C "$b" -j2 CC="$cc" CFLAGS="-g -O0 --coverage" \
		    LDFLAGS=--coverage NO_CURL=1 NO_GETTEXT=1 NO_TCLTK=1 \
		    NO_EXPAT=1 NO_PYTHON=1 all >>"$log" 2>&1
		echo "$1 $cc" >"$b/.built"
	fi
	echo "$b"
}

GIT_TESTS="t0000-basic.sh t0001-init.sh t1006-cat-file.sh t1300-config.sh"

[ -x "$build/bin/covrun" ] || {
	cmake -S "$top" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	cmake --build "$build" -j2 >/dev/null
}
covrun=$build/bin/covrun
echo "# $(uname -sr), $(nproc) cpus, $(date -u +%Y-%m-%dT%H:%MZ), covrun $(git -C "$top" rev-parse --short HEAD 2>/dev/null || echo '?')"

if [ -z "$only" ] || [ "$only" = pg ]; then
	b=$(build_pg "$(pg_source)")
	echo "# pg: $(sed -n 's/^PACKAGE_VERSION=.\(.*\).$/\1/p' "$b/config.log" | head -1)" \
	    "built in $b, $(find "$b" -name '*.gcno' | wc -l) objects"
	[ "$build_only" = 1 ] || python3 "$here/measure.py" --name real_pg \
	    --runs "$runs" --covrun "$covrun" --cwd "$b" --gcda-tree "$b" \
	    --rundir "${dir:-$work/pg}/covrun-run" --report "$work/pg/report" \
	    --compare -- make check
fi
if [ -z "$only" ] || [ "$only" = git ]; then
	b=$(build_git "$(git_source)")
	echo "# git: $(cat "$b/version" 2>/dev/null || echo '?') built in $b," \
	    "$(find "$b" -name '*.gcno' | wc -l) objects"
	# the tests run in t/ (as `make -C t` does), one after another
	[ "$build_only" = 1 ] || python3 "$here/measure.py" --name real_git \
	    --runs "$runs" --covrun "$covrun" --cwd "$b/t" --gcda-tree "$b" \
	    --rundir "${dir:-$work/git}/covrun-run" --report "$work/git/report" \
	    --compare -- make -C "$b/t" $GIT_TESTS
fi
