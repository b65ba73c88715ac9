#!/bin/sh
# SPDX-License-Identifier: MIT
# bench/collect_overhead.sh: build covrun, the collect overhead driver and
# its --coverage workload, then measure plain in-place gcov against covrun
# on the same fork-heavy program in the same run (see collect_overhead.c).
#
#   bench/collect_overhead.sh                 2,000 workers, 5 repetitions
#   WORKERS=500 REPS=3 bench/collect_overhead.sh
#   DATA_DIR=/dev/shm/covrun-bench bench/collect_overhead.sh
#                                   (run directory on tmpfs: separates the
#                                    file system's cost from covrun's)
#   CALLGRIND=1 bench/collect_overhead.sh   also count the instructions of
#                                   the workload's parent process with
#                                   valgrind --tool=callgrind, plain vs
#                                   under covrun (WORKERS / 10 workers)
#
# Environment: BUILD_DIR (covrun's CMake build, default build/ at the top),
# WORKERS (2000), JOBS (workers alive at once, 4), END (exit, _exit or
# mixed: alternately, the default), REPS (5), DATA_DIR (covrun's run
# directory, default next to the workload), CC.
# Output: one "collect_overhead key=value ..." line per measurement, then a
# summary line with the medians and ratio=covrun/plain.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
build=${BUILD_DIR:-$top/build}
cc=${CC:-cc}
workers=${WORKERS:-2000}
jobs=${JOBS:-4}
end=${END:-mixed}
reps=${REPS:-5}

if [ ! -x "$build/bin/covrun" ]; then
	cmake -S "$top" -B "$build" >/dev/null
	cmake --build "$build" -j "$(nproc 2>/dev/null || echo 2)" >/dev/null
fi
covrun=$build/bin/covrun
out=$build/bench/collect_overhead
mkdir -p "$out"
"$cc" -O2 -Wall -Wextra -o "$out/collect_overhead" "$here/collect_overhead.c"
"$cc" -O0 -g --coverage -Wall -Wextra -c -o "$out/collect_overhead_work.o" \
	"$here/collect_overhead_work.c"
"$cc" --coverage -o "$out/collect_overhead_work" "$out/collect_overhead_work.o"

echo "# $(uname -sr), $(nproc 2>/dev/null || echo '?') cpus," \
	"$(df -T "$out" | awk 'NR==2 {print $2}') at $out"
"$out/collect_overhead" --covrun "$covrun" --work "$out/collect_overhead_work" \
	--workers "$workers" --jobs "$jobs" --end "$end" --reps "$reps" \
	${DATA_DIR:+--data-dir "$DATA_DIR"}

if [ "${CALLGRIND:-0}" = 1 ]; then
	n=$((workers / 10))
	cg=$out/callgrind
	rm -rf "$cg" "$out/.covrun-callgrind"
	mkdir -p "$cg/plain" "$cg/covrun"
	rm -f "$out"/*.gcda
	# valgrind follows every fork; each process writes its own file and
	# the parent is the one with the most instructions.
	(cd "$out" && valgrind -q --tool=callgrind \
		--callgrind-out-file="$cg/plain/cg.%p" \
		./collect_overhead_work "$n" 1 "$end" >/dev/null)
	(cd "$out" && "$covrun" run --quiet --no-report --force \
		--data-dir "$out/.covrun-callgrind" -- valgrind -q \
		--tool=callgrind --callgrind-out-file="$cg/covrun/cg.%p" \
		./collect_overhead_work "$n" 1 "$end" >/dev/null)
	parent_ir() {
		for f in "$1"/cg.*; do
			sed -n 's/^summary: \([0-9]*\).*/\1/p' "$f"
		done | sort -n | tail -1
	}
	p=$(parent_ir "$cg/plain")
	c=$(parent_ir "$cg/covrun")
	echo "collect_overhead callgrind workers=$n end=$end" \
		"plain_parent_ir=$p covrun_parent_ir=$c" \
		"ratio=$(awk -v p="$p" -v c="$c" 'BEGIN {printf "%.3f", c / p}')"
fi
