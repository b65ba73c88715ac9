#!/bin/sh
# SPDX-License-Identifier: MIT
# tools/test.sh: build covrun and run the whole test suite: the README's
# second command, and all that .ci/run does.
#   1. a normal build, then ctest (every module's quick tests);
#   2. an ASan + UBSan build of covrun, then the suite again (quick set);
#   3. a short libFuzzer run of every parser fuzz target (clang-14);
#   4. the slow tests (tools/test-slow.sh): the differential test on real
#      code from Debian source packages, googletest.
# Logs: build/Testing/Temporary/LastTest.log (and build-asan/...).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/tools/deps.sh"
need_packages $BUILD_PACKAGES $TEST_PACKAGES
jobs=$(nproc)
status=0

cmake -S "$top" -B "$top/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$top/build" -j"$jobs" >/dev/null
(cd "$top/build" && ctest -j"$jobs" --output-on-failure -LE slow) || status=1

echo "== sanitizer build (ASan + UBSan)"
cmake -S "$top" -B "$top/build-asan" -DCMAKE_BUILD_TYPE=Debug \
  -DCOVRUN_SANITIZE=ON >/dev/null
cmake --build "$top/build-asan" -j"$jobs" >/dev/null
(cd "$top/build-asan" &&
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest -j"$jobs" --output-on-failure -LE slow) || status=1

if [ -x "$top/tools/fuzz.sh" ]; then
  echo "== fuzzing (short run)"
  sh "$top/tools/fuzz.sh" 30 || status=1
fi

echo "== slow tests (real code against gcov)"
sh "$top/tools/test-slow.sh" || status=1
exit $status
