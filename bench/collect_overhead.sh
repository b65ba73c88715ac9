#!/bin/sh
# SPDX-License-Identifier: MIT
# bench/collect_overhead.sh: build covrun and the --coverage fork-heavy
# workload (collect_overhead_work.c), then measure plain in-place gcov
# against `covrun run` on it with bench/benchrun.py (bench/README.md).
#
#   bench/collect_overhead.sh [--runs N] [--dir DIR] [--workers N]
#                             [--no-report] [--scale] [--callgrind]
#
#   --runs N      runs each way, alternating (default 3; env REPS)
#   --dir DIR     covrun's run directory (default next to the workload;
#                 env DATA_DIR); its file system type is printed: put it
#                 on ext4 for the issue's target, on tmpfs to separate the
#                 file system's cost from covrun's
#   --workers N   short-lived workers forked by the workload (default
#                 2000; env WORKERS), JOBS (4) at a time
#   --no-report   collection only (`covrun run --no-report`); by default
#                 covrun merges and writes its reports as a user's run does
#   --scale       instead: one covrun run at 100 and one at 10,000
#                 workers, and the ratio of the run directory's peak sizes
#                 (target: at most 3)
#   --callgrind   also count the instructions of the workload's parent,
#                 plain vs under covrun (valgrind, WORKERS / 10 workers)
#
# Environment: BUILD_DIR (covrun's CMake build, default build/ at the
# top), JOBS, END (exit, _exit or mixed: alternately, the default), CC.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
build=${BUILD_DIR:-$top/build}
cc=${CC:-cc}
workers=${WORKERS:-2000}
jobs=${JOBS:-4}
end=${END:-mixed}
runs=${REPS:-3}
data=${DATA_DIR:-}
report=
scale=0
callgrind=${CALLGRIND:-0}
while [ $# -gt 0 ]; do
	case $1 in
	--runs) runs=$2; shift ;;
	--dir) data=$2; shift ;;
	--workers) workers=$2; shift ;;
	--no-report) report=--no-report ;;
	--scale) scale=1 ;;
	--callgrind) callgrind=1 ;;
	*) echo "collect_overhead.sh: unknown option '$1'" >&2; exit 2 ;;
	esac
	shift
done

. "$here/common.sh"
bench_setup collect_overhead
"$cc" -O0 -g --coverage -Wall -Wextra -c -o "$out/collect_overhead_work.o" \
	"$here/collect_overhead_work.c"
"$cc" --coverage -o "$out/collect_overhead_work" "$out/collect_overhead_work.o"

echo "# $(uname -sr), $(nproc 2>/dev/null || echo '?') cpus, workload" \
	"on $(df --output=fstype "$out" | tail -1), run directory on" \
	"$(df --output=fstype "$(dirname "$data")" | tail -1) ($data)"

bench() { # WORKERS RUNS [benchrun options]
	n=$1; r=$2; shift 2
	python3 "$here/benchrun.py" --name collect_overhead --runs "$r" \
		--tag "workers=$n" --tag "jobs=$jobs" --tag "end=$end" \
		--covrun "$covrun" --data-dir "$data" --gcda-root "$out" \
		--cwd "$out" ${report:+--covrun-arg "$report"} "$@" \
		-- ./collect_overhead_work "$n" "$jobs" "$end"
}

if [ "$scale" = 1 ]; then
	small=$(bench 100 1 --only covrun | tee /dev/stderr |
		sed -n 's/.* peak_kb=\([0-9]*\).*/\1/p')
	large=$(bench 10000 1 --only covrun | tee /dev/stderr |
		sed -n 's/.* peak_kb=\([0-9]*\).*/\1/p')
	echo "collect_overhead scale peak_kb_100=$small peak_kb_10000=$large" \
		"ratio=$(awk -v s="$small" -v l="$large" \
			'BEGIN {printf "%.2f", l / s}')"
	exit 0
fi
bench "$workers" "$runs"

if [ "$callgrind" = 1 ]; then
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
