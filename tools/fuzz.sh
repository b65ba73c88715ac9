#!/bin/sh
# SPDX-License-Identifier: MIT
# tools/fuzz.sh [SECONDS]: build the parser fuzz targets (tests/fuzz/) with
# clang-14's libFuzzer, ASan and UBSan, seed them with real gcno/gcda files
# (gcc 12, gcc 11, clang 14) and process records, and run each for a share
# of SECONDS (default 30).  Exits non-zero when a target finds a crash; the
# reproducer is left in build-fuzz/.  tools/test.sh runs it.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
secs=${1:-30}
out="$top/build-fuzz"
CC=clang-14
rm -rf "$out/seeds"
mkdir -p "$out/seeds/gcno" "$out/seeds/gcda" "$out/seeds/record" "$out/obj"

flags="-g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -I$top"
common_srcs="$top/common/error.c $top/common/alloc.c $top/common/path.c
  $top/common/workers.c $top/common/lock.c $top/common/strmap.c"
record_srcs="$common_srcs $top/rundir/rundir.c $top/collect/record.c"
# the gcov library alone (gcov/): it knows nothing of runs
gcov_srcs=$(ls "$top"/gcov/*.c)

# ---- seeds: real files from three compilers ----
seedsrc="$top/tests/collect/fixtures/helper.c"
for cc in gcc gcc-11 clang-14; do
  d="$out/obj/$cc"
  mkdir -p "$d"
  (cd "$d" && cp "$seedsrc" s.c && $cc --coverage -O0 -o s s.c && ./s 3)
  cp "$d/s.gcno" "$out/seeds/gcno/$cc.gcno"
  cp "$d/s.gcda" "$out/seeds/gcda/$cc.gcda"
done
printf 'covrun-record 1\nid 1-2\npid 2\nppid 1\nparent \nhow fork\nrole child\ninstrumented 1\nexe /bin/x\ncwd /\nlabel t\\x01\nstart 5\narg a\\nb\nend signal 9\nfinish 6\n' \
  > "$out/seeds/record/one.rec"

# ---- build ----
build() { # name sources...
  name=$1; shift
  $CC $flags -o "$out/$name" "$@" -liberty -ljansson -lz -lpthread -lm
}
build fuzz_record "$top/tests/fuzz/fuzz_record.c" $record_srcs
build fuzz_gcno "$top/tests/fuzz/fuzz_gcno.c" $common_srcs $gcov_srcs
build fuzz_gcda "$top/tests/fuzz/fuzz_gcda.c" $common_srcs $gcov_srcs

# ---- run ----
each=$((secs / 3)); [ "$each" -ge 1 ] || each=1
status=0
for t in record gcno gcda; do
  mkdir -p "$out/corpus-$t"
  echo "fuzz_$t: ${each}s"
  if ! (cd "$out" && COVRUN_FUZZ_GCNO="$out/seeds/gcno/gcc.gcno" \
        "./fuzz_$t" -max_total_time="$each" -rss_limit_mb=2048 \
        -print_final_stats=0 "corpus-$t" "seeds/$t" > "fuzz_$t.log" 2>&1); then
    echo "fuzz_$t: FAILED (see $out/fuzz_$t.log)"; tail -30 "$out/fuzz_$t.log"
    status=1
  fi
done
[ $status = 0 ] && echo "fuzzing: 3 passed, 0 failed" || echo "fuzzing: failed"
exit $status
