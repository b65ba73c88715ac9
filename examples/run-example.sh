#!/bin/sh
# SPDX-License-Identifier: MIT
# examples/run-example.sh: build covrun and the prefork-server example, run
# the example under covrun and show what was collected.
#
#   examples/run-example.sh            (from anywhere)
#
# Environment: BUILD_DIR (covrun's CMake build directory, default build/ at
# the top of the source tree), WORKERS (default 3), CC.
# Missing Debian packages are installed with apt-get when running as root;
# otherwise the exact apt-get line is printed (tools/deps.sh).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
build=${BUILD_DIR:-$top/build}
workers=${WORKERS:-3}

# ---- prerequisites: the Debian packages of tools/deps.sh ----
. "$top/tools/deps.sh"
need_packages $BUILD_PACKAGES

# ---- build covrun ----
echo "== building covrun in $build"
cmake -S "$top" -B "$build" >/dev/null
cmake --build "$build" -j "$(nproc 2>/dev/null || echo 2)" >/dev/null
covrun=$build/bin/covrun

# ---- build the example (instrumented, out of the source tree) ----
ex=$build/examples/prefork-server
echo "== building examples/prefork-server in $ex"
mkdir -p "$ex"
rm -rf "$ex"/*.gcda "$ex/.covrun" "$ex/.covrun.prev"
make -s -C "$ex" -f "$here/prefork-server/Makefile" ${CC:+CC="$CC"}

# ---- run it under covrun ----
# The run directory sits next to the build tree, not inside it, so that
# the plain-gcov comparison below reads the build tree alone.
run=$build/examples/prefork-server.covrun
echo "== covrun run -- ./server -w $workers -d ./digest requests.txt"
cd "$ex"
status=0
"$covrun" run --data-dir "$run" --force --root "$here/prefork-server" \
	--title "covrun example: prefork-server" -- \
	./server -w "$workers" -d ./digest "$here/prefork-server/requests.txt" ||
	status=$?

echo
echo "== process tree (covrun tree $run)"
"$covrun" tree "$run"

echo
echo "== counters collected: one data file per image that ran instrumented code"
echo "   (docs/run-directory.md; covrun tree above names each image)"
for f in "$run"/data/*; do
	[ -f "$f" ] || continue
	printf '  %-24s %s bytes\n' "$(basename "$f")" "$(wc -c <"$f")"
done

echo
echo "== the same run without covrun: plain gcov, gcda written in place"
echo "   (the workers end with _exit(), so everything they ran is lost)"
rm -f "$ex"/*.gcda
./server -w "$workers" -d ./digest "$here/prefork-server/requests.txt" \
	>/dev/null
"$covrun" report --root "$here/prefork-server" --no-html --no-cobertura \
	"$ex" || true
rm -f "$ex"/*.gcda

echo
echo "== reports of the covrun run"
for f in coverage.xml coverage-html/index.html; do
	if [ -e "$ex/$f" ]; then echo "  $ex/$f"; fi
done
exit $status
