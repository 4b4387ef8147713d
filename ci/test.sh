#!/usr/bin/env bash
# The whole test suite, from a fresh clone: installs what it needs (ci/setup.sh), then
# builds and runs ctest three ways:
#   1. build/        clang, ASan+UBSan, standalone drivers with the split oracle: unit
#                    tests, core purity, corpus replay, integration tests of the real
#                    daemons (store, CHAO in network namespaces, httpd, conformance), the
#                    standalone driver's contract, the OSS-Fuzz build in five
#                    sanitizer/engine flavours and a ci/fuzz.sh campaign, resumed (labels
#                    unit, replay, integration, ossfuzz, campaign)
#   2. build/gcc/    gcc -Werror, plain C scanners (PH_SIMD=OFF): the same, less OSS-Fuzz
#                    and the campaign
#   3. build/libfuzzer/  clang libFuzzer + ASan/UBSan: a smoke run per target, seed 1,
#                    PH_FUZZ_SMOKE_RUNS runs (default 100000) capped at
#                    PH_FUZZ_SMOKE_SECONDS (default 30) (label fuzz)
set -euo pipefail
cd "$(dirname "$0")/.."

ci/setup.sh

jobs=$(nproc)
smoke_seconds=${PH_FUZZ_SMOKE_SECONDS:-30}
smoke_runs=${PH_FUZZ_SMOKE_RUNS:-100000}

run_ctest() {
    local dir=$1
    shift
    (cd "$dir" && ctest --output-on-failure -j "$jobs" "$@")
}

echo "== shellcheck: every script in ci/ and tests/"
find ci tests -name '*.sh' -print0 | xargs -0 shellcheck -x -S warning

# .clang-format says the shape; clang-format 14 (Debian 12's) is the one this gate was
# written with: another version may break lines differently.
echo "== clang-format: every C file in the tree"
git ls-files -z '*.c' '*.h' | xargs -0 clang-format --dry-run -Werror

echo "== clang ASan+UBSan: unit, replay, integration, ossfuzz, campaign"
cmake -S . -B build -DCMAKE_C_COMPILER=clang -DPH_SANITIZE='address;undefined' \
    -DPH_SPLIT_ORACLE=ON -DPH_FUZZ_ENGINE=standalone >/dev/null
cmake --build build -j "$jobs"
run_ctest build

echo "== gcc, plain C scanners: unit, replay, integration"
cmake -S . -B build/gcc -DCMAKE_C_COMPILER=gcc -DPH_SIMD=OFF -DPH_SPLIT_ORACLE=ON \
    -DPH_FUZZ_ENGINE=standalone >/dev/null
cmake --build build/gcc -j "$jobs"
run_ctest build/gcc

echo "== clang libFuzzer ASan+UBSan: fuzz smoke, $smoke_runs runs per target"
cmake -S . -B build/libfuzzer -DCMAKE_C_COMPILER=clang -DPH_FUZZ_ENGINE=libfuzzer \
    -DPH_SANITIZE='address;undefined' -DPH_FUZZ_SMOKE_SECONDS="$smoke_seconds" \
    -DPH_FUZZ_SMOKE_RUNS="$smoke_runs" >/dev/null
cmake --build build/libfuzzer -j "$jobs"
run_ctest build/libfuzzer -L fuzz

echo "== README examples: the blocks that need only loopback or a namespace"
tests/readme/run_examples.sh
