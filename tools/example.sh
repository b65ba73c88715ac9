#!/bin/sh
# SPDX-License-Identifier: MIT
# tools/example.sh: build covrun and run it on the bundled multi-process
# example (examples/prefork-server): the README's first command.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/tools/deps.sh"
need_packages $BUILD_PACKAGES
cmake -S "$top" -B "$top/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$top/build" -j"$(nproc)" >/dev/null
BUILD_DIR="$top/build" exec sh "$top/examples/run-example.sh"
