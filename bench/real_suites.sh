#!/bin/sh
# SPDX-License-Identifier: MIT
# bench/real_suites.sh: real test suites, plain --coverage against
# `covrun run` with its reports (issue 9's real-suite targets): PostgreSQL
# `make check` and git's t0000, t0001, t1006 and t1300, fetched and built
# as a user would under bench-work/ (gitignored; a rerun only runs an
# incremental make).  Each suite is measured by bench/benchrun.py (plain
# and covrun alternating, --runs N); then bench/real_compare.py compares
# covrun's result with gcov on the last plain run's in-place gcda.
#
#   bench/real_suites.sh [--runs N] [--only git|postgres] [--work DIR]
#                        [--git-src DIR] [--pg-src DIR] [--dir PARENT]
#                        [--build-only]
#
# --work DIR holds sources, builds and results (default bench-work/);
# --dir PARENT the run directories (default WORK; check its file system
# with df -T).  PostgreSQL refuses to run its tests as root: as root, its
# build and run directories are given to the user nobody and the suite,
# plain and under covrun, runs as nobody (setpriv).
# Sources.  PostgreSQL: `apt-get source` of PG_SOURCE (default
# postgresql-15=15.18-0+deb12u1: Debian bookworm has no PostgreSQL 17),
# after adding deb-src twins of the machine's deb entries when apt has
# none (tools/deps.sh); or
# --pg-src DIR / PG_SRC=DIR, an unpacked source tree, or WORK/src/postgresql-17*
# when there is one.  git:
# --git-src DIR / GIT_SRC=DIR, an unpacked source tree, or GIT_REPO=GITDIR (a clone) and
# GIT_REF (default v2.49.1), exported with `git archive`.
# Environment: BUILD_DIR (covrun's CMake build, default build/).  Build
# dependencies (as root): bison flex perl zlib1g-dev libreadline-dev
# libicu-dev pkg-config.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
. "$top/tools/deps.sh" # has_deb_src, add_deb_src
build=${BUILD_DIR:-$top/build}
work=$top/bench-work
runs=3
only=
dir=
build_only=0
while [ $# -gt 0 ]; do
	case $1 in
	--runs) runs=$2; shift 2 ;;
	--only) only=$2; [ "$only" != pg ] || only=postgres; shift 2 ;;
	--work) work=$2; shift 2 ;;
	--git-src) GIT_SRC=$2; shift 2 ;;
	--pg-src) PG_SRC=$2; shift 2 ;;
	--dir) dir=$2; shift 2 ;;
	--build-only) build_only=1; shift ;;
	-h|--help) sed -n '3,30s/^# \{0,1\}//p' "$0"; exit 0 ;;
	*) echo "real_suites.sh: unknown option $1" >&2; exit 2 ;;
	esac
done
mkdir -p "$work/src"
work=$(cd "$work" && pwd)
dir=${dir:-$work}
log=$work/real-build.log

# pg_source: the unpacked PostgreSQL source (PG_SRC or apt-get source)
pg_source() {
	if [ -n "${PG_SRC:-}" ]; then echo "$PG_SRC"; return; fi
	for d in "$work"/src/postgresql-17*/; do
		if [ -f "$d/configure" ]; then echo "${d%/}"; return; fi
	done
	spec=${PG_SOURCE:-postgresql-15=15.18-0+deb12u1}
	d=$work/src/$(echo "$spec" | tr = _)
	if [ ! -f "$d/.fetched" ]; then
		if ! has_deb_src; then
			add_deb_src
			apt-get update -q >>"$log" 2>&1
		fi
		rm -rf "$d.tmp" "$d" && mkdir -p "$d.tmp"
		(cd "$d.tmp" && apt-get source -q --only-source "$spec") >>"$log" 2>&1
		mv "$d.tmp"/*/ "$d" && rm -rf "$d.tmp"
		touch "$d/.fetched"
	fi
	echo "$d"
}

# git_source: the unpacked git source (GIT_SRC or GIT_REPO at GIT_REF)
git_source() {
	if [ -n "${GIT_SRC:-}" ]; then echo "$GIT_SRC"; return; fi
	ref=${GIT_REF:-v2.49.1}
	d=$work/src/git-${ref#v}
	if [ ! -f "$d/Makefile" ]; then
		: "${GIT_REPO:?set GIT_SRC (a source tree) or GIT_REPO (a git directory)}"
		rm -rf "$d" && mkdir -p "$d"
		git --git-dir="$GIT_REPO" archive "$ref" | tar -x -C "$d"
	fi
	echo "$d"
}

# build_pg SRC: a VPATH build with --enable-coverage (configured once)
build_pg() {
	b=$work/pg-build
	mkdir -p "$b"
	[ -f "$b/GNUmakefile" ] ||
		(cd "$b" && "$1/configure" --enable-coverage >>"$log" 2>&1)
	make -C "$b" -j2 >>"$log" 2>&1
	echo "$b"
}

# build_git SRC: git's own Makefile with --coverage, in a copy of SRC
build_git() {
	b=$work/git-build
	[ -f "$b/Makefile" ] || { mkdir -p "$b" && cp -a "$1/." "$b/"; }
	make -C "$b" -j2 CFLAGS="--coverage -O0 -g" LDFLAGS=--coverage \
	    NO_CURL=1 NO_GETTEXT=1 NO_TCLTK=1 NO_PYTHON=1 all >>"$log" 2>&1
	echo "$b"
}

# measure [--as USER] NAME TREE CWD COMMAND...: benchrun, covrun with its
# reports, then the file-by-file comparison with gcov
measure() {
	as= user=
	if [ "$1" = --as ]; then user=$2; shift 2; fi
	name=$1 tree=$2 cwd=$3; shift 3
	if [ -n "$user" ]; then
		as="setpriv --reuid=$user --regid=$(id -g "$user") --clear-groups"
		mkdir -p "$dir/$name.covrun" "$work/$name.plain-gcda"
		chown -R "$user" "$tree" "$dir/$name.covrun" "$work/$name.plain-gcda"
		chown "$user" "$work" "$dir"
	fi
	$as env HOME="$work" python3 "$here/benchrun.py" --name "$name" --runs "$runs" \
	    --covrun "$covrun" --data-dir "$dir/$name.covrun" \
	    --gcda-root "$tree" --cwd "$cwd" --save-gcda "$work/$name.plain-gcda" \
	    --covrun-arg=--root --covrun-arg="$tree" \
	    --covrun-arg=--summary=none \
	    --covrun-arg=--html --covrun-arg="$work/$name.html" \
	    --covrun-arg=--cobertura --covrun-arg="$work/$name.xml" \
	    -- "$@"
	$as env HOME="$work" python3 "$here/real_compare.py" --name "$name" --covrun "$covrun" \
	    --tree "$tree" --plain-gcda "$work/$name.plain-gcda" \
	    --run-dir "$dir/$name.covrun" --scratch "$work/$name.compare"
}

[ -x "$build/bin/covrun" ] || {
	cmake -S "$top" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	cmake --build "$build" -j2 >/dev/null
}
covrun=$build/bin/covrun
echo "# $(uname -sr), $(nproc) cpus, $(date -u +%Y-%m-%dT%H:%MZ)," \
    "covrun $(git -C "$top" rev-parse --short HEAD 2>/dev/null || echo '?')," \
    "run directories on $(df -T "$dir" | awk 'NR==2 {print $2}')"

if [ -z "$only" ] || [ "$only" = postgres ]; then
	b=$(build_pg "$(pg_source)")
	echo "# pg: $(sed -n "s/^PACKAGE_VERSION='\(.*\)'$/\1/p" "$b/config.log")," \
	    "$(find "$b" -name '*.gcno' | wc -l) objects"
	as=
	[ "$(id -u)" != 0 ] || as="--as nobody"
	[ "$build_only" = 1 ] || measure $as real_pg "$b" "$b" make check
fi
if [ -z "$only" ] || [ "$only" = git ]; then
	b=$(build_git "$(git_source)")
	echo "# git: $(cat "$b/GIT-VERSION-FILE" 2>/dev/null)," \
	    "$(find "$b" -name '*.gcno' | wc -l) objects"
	# as `make -C t T=...` runs them: one script after another
	[ "$build_only" = 1 ] || measure real_git "$b" "$b/t" make -C "$b/t" \
	    T="t0000-basic.sh t0001-init.sh t1006-cat-file.sh t1300-config.sh"
fi
