#!/bin/sh
# SPDX-License-Identifier: MIT
# bench/python_overhead.sh: Python with a --coverage C extension loaded
# (tests/python/covext.c) under `covrun run` against plain, with
# bench/benchrun.py: 200 subprocess.run(["/bin/true"]) calls, then a
# multiprocessing Pool running 2,000 small tasks (bench/python_work.py).
#
#   bench/python_overhead.sh [--runs N] [--dir DIR] [--calls N]
#                            [--tasks N] [--no-report]
#
#   --runs N     runs each way, alternating (default 3)
#   --dir DIR    covrun's run directory (default next to the extension)
#   --calls N    subprocess.run calls (default 200)
#   --tasks N    Pool tasks (default 2000)
#   --no-report  collection only (default: covrun merges and reports)
#
# Environment: BUILD_DIR (covrun's CMake build, default build/), CC,
# PYTHON (default /usr/bin/python3: Debian's, whose headers python3-dev
# installs).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
build=${BUILD_DIR:-$top/build}
cc=${CC:-cc}
python=${PYTHON:-/usr/bin/python3}
runs=3
data=
calls=200
tasks=2000
report=
while [ $# -gt 0 ]; do
	case $1 in
	--runs) runs=$2; shift ;;
	--dir) data=$2; shift ;;
	--calls) calls=$2; shift ;;
	--tasks) tasks=$2; shift ;;
	--no-report) report=--no-report ;;
	*) echo "python_overhead.sh: unknown option '$1'" >&2; exit 2 ;;
	esac
	shift
done

. "$here/common.sh"
bench_setup python_overhead
inc=$("$python" -c 'import sysconfig; print(sysconfig.get_paths()["include"])')
ext=$("$python" -c 'import sysconfig; print(sysconfig.get_config_var("EXT_SUFFIX"))')
"$cc" -O0 -g --coverage -fPIC -Wall -Wextra -I"$inc" -c \
	-o "$out/covext.o" "$top/tests/python/covext.c"
"$cc" --coverage -shared -o "$out/covext$ext" "$out/covext.o"
cp "$here/python_work.py" "$out/"

echo "# $(uname -sr), $(nproc 2>/dev/null || echo '?') cpus, $("$python" -V)," \
	"run directory on $(df --output=fstype "$(dirname "$data")" | tail -1)" \
	"($data)"
status=0
for what in "subprocess $calls" "pool $tasks"; do
	set -- $what
	python3 "$here/benchrun.py" --name python_overhead --runs "$runs" \
		--tag "workload=$1" --tag "n=$2" --covrun "$covrun" \
		--data-dir "$data" --gcda-root "$out" --cwd "$out" \
		${report:+--covrun-arg "$report"} \
		-- "$python" python_work.py "$1" "$2" || status=1
done
exit $status
