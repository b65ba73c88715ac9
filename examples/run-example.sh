#!/bin/sh
# SPDX-License-Identifier: MIT
# examples/run-example.sh: build covrun and the prefork-server example, run
# the example under covrun and show what was collected.
#
#   examples/run-example.sh            (from anywhere)
#
# Environment: BUILD_DIR (covrun's CMake build directory, default build/ at
# the top of the source tree), WORKERS (default 3), CC.
# When a tool is missing it is installed with apt-get when running as root;
# otherwise the exact apt-get line is printed.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
build=${BUILD_DIR:-$top/build}
workers=${WORKERS:-3}

# ---- prerequisites (Debian package names) ----
missing=
need() { command -v "$1" >/dev/null 2>&1 || missing="$missing $2"; }
need cmake cmake
need make make
need gcc gcc
need gcov gcc
need pkg-config pkg-config
if [ -n "$missing" ]; then
	pkgs=$(echo $missing | tr ' ' '\n' | sort -u | tr '\n' ' ')
	if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
		echo "run-example: installing:$missing" >&2
		apt-get update -qq && apt-get install -y -qq $pkgs
	else
		echo "run-example: missing tools; install them with:" >&2
		echo "  sudo apt-get install -y $pkgs" >&2
		exit 1
	fi
fi

# ---- build covrun ----
echo "== building covrun in $build"
cmake -S "$top" -B "$build" >/dev/null
cmake --build "$build" -j "$(nproc 2>/dev/null || echo 2)" >/dev/null
covrun=$build/bin/covrun

# ---- build the example (instrumented, out of the source tree) ----
ex=$build/examples/prefork-server
echo "== building examples/prefork-server in $ex"
mkdir -p "$ex"
rm -f "$ex"/*.gcda
make -s -C "$ex" -f "$here/prefork-server/Makefile" ${CC:+CC="$CC"}

# ---- run it under covrun ----
echo "== covrun run -- ./server -w $workers -d ./digest requests.txt"
cd "$ex"
status=0
"$covrun" run --data-dir "$ex/.covrun" --force --root "$here/prefork-server" \
	--title "covrun example: prefork-server" -- \
	./server -w "$workers" -d ./digest "$here/prefork-server/requests.txt" ||
	status=$?

echo
echo "== process tree (covrun tree $ex/.covrun)"
"$covrun" tree "$ex/.covrun"

echo
echo "== gcda files collected, per image"
for img in "$ex"/.covrun/img/*/; do
	id=$(basename "$img")
	rec="$ex/.covrun/proc/$id.rec"
	role=$(sed -n 's/^role //p' "$rec" 2>/dev/null)
	how=$(sed -n 's/^how //p' "$rec" 2>/dev/null)
	n=$(find "$img" -name '*.gcda' | wc -l)
	printf '  %-24s %-5s %-6s %s gcda\n' "$id" "$how" "$role" "$n"
done

echo
echo "Without covrun the workers end with _exit() and their counts are lost;"
echo "compare: (cd $ex && ./server -w $workers -d ./digest" \
	"$here/prefork-server/requests.txt && gcov -f server.gcda)"
for f in coverage.xml coverage-html/index.html; do
	[ -e "$ex/$f" ] && echo "report: $ex/$f"
done
exit $status
