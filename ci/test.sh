#!/usr/bin/env bash
# The whole test suite, from a fresh clone: installs what it needs (ci/setup.sh), then
# builds and runs ctest three ways:
#   1. build/        clang, ASan+UBSan, standalone drivers with the split oracle:
#                    unit tests, core purity, corpus replay (labels unit, replay)
#   2. build/gcc/    gcc -Werror, plain C scanners (PH_SIMD=OFF): the same tests
#   3. build/libfuzzer/  clang libFuzzer + ASan/UBSan: a short fuzz smoke test per target
#                    (label fuzz; PH_FUZZ_SMOKE_SECONDS, default 10)
set -euo pipefail
cd "$(dirname "$0")/.."

ci/setup.sh

jobs=$(nproc)
smoke_seconds=${PH_FUZZ_SMOKE_SECONDS:-10}

run_ctest() {
    local dir=$1
    shift
    (cd "$dir" && ctest --output-on-failure -j "$jobs" "$@")
}

echo "== clang ASan+UBSan: unit, replay"
cmake -S . -B build -DCMAKE_C_COMPILER=clang -DPH_SANITIZE='address;undefined' \
    -DPH_SPLIT_ORACLE=ON -DPH_FUZZ_ENGINE=standalone >/dev/null
cmake --build build -j "$jobs"
run_ctest build

echo "== gcc, plain C scanners: unit, replay"
cmake -S . -B build/gcc -DCMAKE_C_COMPILER=gcc -DPH_SIMD=OFF -DPH_SPLIT_ORACLE=ON \
    -DPH_FUZZ_ENGINE=standalone >/dev/null
cmake --build build/gcc -j "$jobs"
run_ctest build/gcc

echo "== clang libFuzzer ASan+UBSan: fuzz smoke, ${smoke_seconds}s per target"
cmake -S . -B build/libfuzzer -DCMAKE_C_COMPILER=clang -DPH_FUZZ_ENGINE=libfuzzer \
    -DPH_SANITIZE='address;undefined' -DPH_FUZZ_SMOKE_SECONDS="$smoke_seconds" >/dev/null
cmake --build build/libfuzzer -j "$jobs"
run_ctest build/libfuzzer -L fuzz
