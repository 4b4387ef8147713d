#!/bin/bash -eu
# OSS-Fuzz / ClusterFuzzLite build of every fuzz target (harness/fuzz_<name>.c).
#
# Runs in OSS-Fuzz's base-builder with its environment: CC, CXX, CFLAGS, CXXFLAGS
# (sanitizer and coverage flags included), LIB_FUZZING_ENGINE, SANITIZER, FUZZING_ENGINE,
# SRC, WORK, OUT. Compiles with $CC $CFLAGS, links each target with $CXX $CXXFLAGS
# $LIB_FUZZING_ENGINE (PH_FUZZ_ENGINE=external), keeps scratch in $WORK, and puts into
# $OUT, per target: fuzz_<name>, fuzz_<name>_seed_corpus.zip (corpus/<name>/),
# fuzz_<name>.dict and fuzz_<name>.options (from harness/<name>.options).
# LLHTTP_DIR: llhttp's C sources for http_differential (default: Debian's node-llhttp
# in /usr/share/llhttp, else $SRC/llhttp, which ci/oss-fuzz/Dockerfile fetches).
# CMAKE_BUILD_PARALLEL_LEVEL: build jobs (default: nproc).
# tests/fuzz/test_oss_fuzz_build.sh runs this script locally with that environment.
# As ci/oss-fuzz/build.sh in the tree, or copied to $SRC/build.sh by the Dockerfile.
root=$(cd "$(dirname "$0")/../.." && pwd)
[ -d "$root/harness" ] || root=${SRC:?}/protoharness
: "${CC:?} ${CXX:?} ${CFLAGS?} ${CXXFLAGS?} ${LIB_FUZZING_ENGINE:?} ${OUT:?} ${WORK:?}"

llhttp=${LLHTTP_DIR:-}
if [ -z "$llhttp" ]; then
    llhttp=/usr/share/llhttp
    [ -f "$llhttp/llhttp.c" ] || llhttp=${SRC:-/src}/llhttp
fi

names=()
for src in "$root"/harness/fuzz_*.c; do
    name=$(basename "$src" .c)
    names+=("${name#fuzz_}")
done

build=$WORK/protoharness
# Sanitizer and engine flags are all in CFLAGS; -Werror stays off for compilers we don't
# test with. CMAKE_BUILD_TYPE=None: OSS-Fuzz's -O and -g flags only.
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=None -DPH_FUZZ_ENGINE=external \
    -DCMAKE_C_COMPILER="$CC" -DCMAKE_CXX_COMPILER="$CXX" \
    -DCMAKE_C_FLAGS="$CFLAGS" -DCMAKE_CXX_FLAGS="$CXXFLAGS" \
    -DPH_FUZZ_LINK="$LIB_FUZZING_ENGINE" -DPH_LLHTTP_DIR="$llhttp" \
    -DPH_BUILD_TESTS=OFF -DPH_WERROR=OFF -DPH_SPLIT_ORACLE=OFF
# The fuzz targets only: nothing else goes to $OUT, and in MSan builds everything linked
# must be instrumented (the targets link our cores and llhttp, both compiled here).
cmake --build "$build" -j "${CMAKE_BUILD_PARALLEL_LEVEL:-$(nproc)}" \
    --target "${names[@]/#/fuzz_}"

for name in "${names[@]}"; do
    exe=fuzz_$name
    cp "$build/bin/$exe" "$OUT/$exe"
    if [ -d "$root/corpus/$name" ]; then
        rm -f "$OUT/${exe}_seed_corpus.zip"
        (cd "$root/corpus/$name" && zip -q -r "$OUT/${exe}_seed_corpus.zip" .)
    fi
    options=$root/harness/$name.options
    if [ -f "$options" ]; then
        dict=$(sed -n 's/^[[:space:]]*dict[[:space:]]*=[[:space:]]*//p' "$options" | head -n 1)
        if [ -n "$dict" ]; then
            # OSS-Fuzz looks for <target>.dict beside the binary; the options name it.
            cp "$root/dict/$dict" "$OUT/$exe.dict"
            sed "s/^\([[:space:]]*dict[[:space:]]*=\).*/\1 $exe.dict/" "$options" >"$OUT/$exe.options"
        else
            cp "$options" "$OUT/$exe.options"
        fi
    fi
done
echo "oss-fuzz build: ${#names[@]} targets in $OUT"
