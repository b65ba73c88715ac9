#!/bin/sh
# SPDX-License-Identifier: MIT
# bench/exec_cost.sh: what covrun adds to one exec'd image without
# instrumented code (the cost behind (b) of python_overhead.sh), split by
# configuration with bench/exec_cost.c: plain, an empty library preloaded
# (any LD_PRELOAD costs that), the shim preloaded but inactive (its load),
# and the shim at work.  Diagnostic: the medians are per exec, not ratios
# against a user's alternative.
#
#   bench/exec_cost.sh [--n N] [--prog PROG]   (default 1500, /bin/true)
set -eu

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
build=${BUILD_DIR:-$top/build}
cc=${CC:-cc}
n=1500
prog=/bin/true
while [ $# -gt 0 ]; do
	case $1 in
	--n) n=$2; shift ;;
	--prog) prog=$2; shift ;;
	*) echo "exec_cost.sh: unknown option '$1'" >&2; exit 2 ;;
	esac
	shift
done

. "$here/common.sh"
bench_setup exec_cost
shim=$build/lib/covrun/libcovrun-shim.so
"$cc" -O2 -Wall -Wextra -o "$out/exec_cost" "$here/exec_cost.c"
echo 'void exec_cost_empty(void) {}' > "$out/empty.c"
"$cc" -O2 -shared -fPIC -o "$out/libempty.so" "$out/empty.c"
echo "# $(uname -sr), $(nproc 2>/dev/null || echo '?') cpus, $prog x $n each"
"$covrun" run -q --no-report --max-processes 0 --force -d "$data" -- \
	"$out/exec_cost" "$n" "$prog" plain=-:0 empty="$out/libempty.so":0 \
	inactive="$shim":0 shim="$shim":1
