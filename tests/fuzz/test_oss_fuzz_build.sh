#!/usr/bin/env bash
# test_oss_fuzz_build.sh [SANITIZER [ENGINE]]: runs ci/oss-fuzz/build.sh as OSS-Fuzz would
# (its environment variables, temporary $SRC $WORK $OUT; no Docker) and checks that every
# fuzz target (harness/fuzz_<name>.c) is in $OUT with its seed corpus, dictionary and
# options, starts, and runs its seed corpus clean. SANITIZER: address (default),
# undefined, memory or coverage; ENGINE: libfuzzer (default) or afl.
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
sanitizer=${1:-address}
engine=${2:-libfuzzer}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export SRC=$tmp/src WORK=$tmp/work OUT=$tmp/out
mkdir -p "$SRC" "$WORK" "$OUT"
ln -s "$root" "$SRC/protoharness"

# The flags OSS-Fuzz's base-builder sets (infra/base-images/base-builder/Dockerfile),
# less -stdlib=libc++ (not installed here; the C targets do not use it).
common="-O1 -fno-omit-frame-pointer -gline-tables-only -DFUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION"
case $sanitizer in
address) san="-fsanitize=address -fsanitize-address-use-after-scope" ;;
undefined) san="-fsanitize=array-bounds,bool,builtin,enum,float-divide-by-zero,function,integer-divide-by-zero,null,object-size,return,returns-nonnull-attribute,shift,signed-integer-overflow,unsigned-integer-overflow,unreachable,vla-bound,vptr -fno-sanitize-recover=array-bounds,bool,builtin,enum,float-divide-by-zero,function,integer-divide-by-zero,null,object-size,return,returns-nonnull-attribute,shift,signed-integer-overflow,unreachable,vla-bound,vptr" ;;
memory) san="-fsanitize=memory -fsanitize-memory-track-origins" ;;
coverage) san="-fprofile-instr-generate -fcoverage-mapping -pthread -Wl,--no-as-needed -Wl,-ldl -Wl,-lm -Wno-unused-command-line-argument" ;;
*) echo "unknown sanitizer $sanitizer" >&2; exit 2 ;;
esac
case $engine in
libfuzzer)
    export CC=clang CXX=clang++ LIB_FUZZING_ENGINE=-fsanitize=fuzzer
    [ "$sanitizer" = coverage ] || san="$san -fsanitize=fuzzer-no-link"
    ;;
afl)
    export CC=afl-clang-fast CXX=afl-clang-fast++ LIB_FUZZING_ENGINE=/usr/lib/afl/libAFLDriver.a
    ;;
*) echo "unknown engine $engine" >&2; exit 2 ;;
esac
export CFLAGS="$common $san" CXXFLAGS="$common $san" SANITIZER=$sanitizer FUZZING_ENGINE=$engine
export ARCHITECTURE=x86_64

passed=0
failed=0
check() { # check LABEL COMMAND...
    local label=$1
    shift
    if "$@" >"$tmp/check.log" 2>&1; then
        passed=$((passed + 1))
        echo "ok   $label"
    else
        failed=$((failed + 1))
        echo "FAIL $label"
        tail -n 20 "$tmp/check.log" | sed 's/^/     | /'
    fi
}

check "build.sh ($sanitizer, $engine)" "$root/ci/oss-fuzz/build.sh"

# run_seeds EXE DIR: the seed corpus, each input once.
run_seeds() {
    local exe=$1 dir=$2
    if [ "$engine" = afl ]; then
        # libAFLDriver without afl-fuzz runs the files named on its command line.
        local f
        for f in "$dir"/*; do
            [ -f "$f" ] || continue
            "$exe" "$f" || return 1
        done
    else
        "$exe" -runs=0 "$dir" && "$exe" -runs=200 -max_len=512 "$dir"
    fi
}

for src in "$root"/harness/fuzz_*.c; do
    exe=$(basename "$src" .c)
    name=${exe#fuzz_}
    check "$exe is in \$OUT" test -x "$OUT/$exe"
    if [ -f "$root/harness/$name.options" ]; then
        check "$exe.options is in \$OUT" test -f "$OUT/$exe.options"
        if grep -q '^dict' "$root/harness/$name.options"; then
            check "$exe.dict is in \$OUT" test -f "$OUT/$exe.dict"
        fi
    fi
    seeds=$tmp/seeds/$name
    mkdir -p "$seeds"
    if [ -d "$root/corpus/$name" ]; then
        check "${exe}_seed_corpus.zip is in \$OUT" unzip -q "$OUT/${exe}_seed_corpus.zip" -d "$seeds"
    fi
    [ -n "$(ls -A "$seeds")" ] || printf 'x' >"$seeds/one-byte"
    check "$exe starts and runs its seed corpus clean" run_seeds "$OUT/$exe" "$seeds"
done

echo "oss-fuzz build tests: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
