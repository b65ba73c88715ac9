# SPDX-License-Identifier: MIT
# bench/common.sh: sourced by the collection benchmarks (collect_overhead.sh,
# python_overhead.sh, exec_suite.sh).  Sets covrun to the covrun of
# $build (BUILD_DIR, default build/), building it first when it is missing,
# and makes OUT (the benchmark's work directory) and the run directory's
# parent directory.
# usage: bench_setup NAME   (sets covrun, out, data)
bench_setup() {
	if [ ! -x "$build/bin/covrun" ]; then
		cmake -S "$top" -B "$build" >/dev/null
		cmake --build "$build" -j "$(nproc 2>/dev/null || echo 2)" \
			>/dev/null
	fi
	covrun=$build/bin/covrun
	out=$build/bench/$1
	mkdir -p "$out"
	data=${data:-$out/.covrun-bench}
	mkdir -p "$(dirname "$data")"
}
