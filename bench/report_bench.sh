#!/bin/sh
# SPDX-License-Identifier: MIT
# bench/report_bench.sh: time covrun report against gcovr and lcov+genhtml
# on the same in-place gcov data of a large generated code base.
#
#   bench/report_bench.sh COVRUN [WORKDIR] [NFILES] [FUNCS]
#
# Generates NFILES (default 1000) C files of FUNCS (default 25) functions,
# i.e. 1000 x 306 = 306,000 lines, builds them with --coverage, runs the
# program once (gcda written in place), then writes Cobertura + HTML with
#   covrun report BUILD --root SRC --cobertura ... --html ...
#   gcovr -r SRC --xml ... --html-details ...          (when installed)
#   lcov --capture ... && genhtml ...                  (when installed)
# and prints one machine-readable line per measurement:
#   bench=report tool=NAME files=N lines=N seconds=S
# Not part of ctest: it takes minutes.  REUSE=1 keeps an earlier WORKDIR's
# build and data; ONLY=covrun skips gcovr and lcov.
set -eu
COVRUN=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
WORK=${2:-/tmp/covrun-report-bench}
NFILES=${3:-1000}
FUNCS=${4:-25}
HERE=$(cd "$(dirname "$0")" && pwd)
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3

now() { date +%s.%N; }
elapsed() { awk "BEGIN { printf \"%.2f\", $2 - $1 }"; }

if [ "${REUSE:-0}" = 1 ] && [ -f "$WORK/info" ]; then
	info=$(cat "$WORK/info")
	lines=$(echo "$info" | sed 's/.*lines=//')
	files=$(echo "$info" | sed 's/files=\([0-9]*\).*/\1/')
else
	rm -rf "$WORK"
	mkdir -p "$WORK"
	info=$("$PY" "$HERE/report_gen.py" "$WORK" "$NFILES" "$FUNCS")
	lines=$(echo "$info" | sed 's/.*lines=//')
	files=$(echo "$info" | sed 's/files=\([0-9]*\).*/\1/')
	t0=$(now)
	make -s -C "$WORK" -j"$(nproc)" build/prog >/dev/null
	t1=$(now)
	echo "bench=report step=build files=$files lines=$lines seconds=$(elapsed "$t0" "$t1")"
	(cd "$WORK" && ./build/prog) || true
	echo "$info" >"$WORK/info"
fi
n_gcda=$(find "$WORK/build" -name '*.gcda' | wc -l)
bytes=$(find "$WORK/build" -name '*.gc*' -exec cat {} + | wc -c)
echo "bench=report step=data gcda=$n_gcda gcno_gcda_bytes=$bytes"

measure() {
	name=$1
	shift
	t0=$(now)
	if "$@" >"$WORK/$name.log" 2>&1; then
		t1=$(now)
		echo "bench=report tool=$name files=$files lines=$lines seconds=$(elapsed "$t0" "$t1")"
	else
		echo "bench=report tool=$name failed (see $WORK/$name.log)"
	fi
}

measure covrun "$COVRUN" report "$WORK/build" --root "$WORK/src" \
	--cobertura "$WORK/covrun.xml" --html "$WORK/covrun-html" \
	--no-highlight --summary=none
measure covrun-xml-only "$COVRUN" report "$WORK/build" \
	--root "$WORK/src" --cobertura "$WORK/covrun2.xml" --no-html \
	--summary=none
[ "${ONLY:-}" = covrun ] && exit 0
if command -v gcovr >/dev/null; then
	mkdir -p "$WORK/gcovr-html"
	measure gcovr gcovr -r "$WORK/src" --object-directory "$WORK/build" \
		-j "$(nproc)" --xml "$WORK/gcovr.xml" \
		--html-details "$WORK/gcovr-html/index.html" "$WORK/build"
fi
if command -v lcov >/dev/null && command -v genhtml >/dev/null; then
	measure lcov-genhtml sh -c "lcov --quiet --capture --rc \
lcov_branch_coverage=1 --directory '$WORK/build' --output-file \
'$WORK/lcov.info' && genhtml --quiet --branch-coverage --output-directory \
'$WORK/genhtml' '$WORK/lcov.info'"
fi
