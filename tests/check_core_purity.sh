#!/usr/bin/env bash
# check_core_purity.sh LIB.a...: the pure cores do no I/O, no allocation, read no clock,
# environment or locale, and never exit.
#
# An allow-list, not a deny-list: a deny-list misses whatever nobody thought of (fopen,
# mmap, time, getenv ...). Every undefined symbol of each static library (nm -u) must be
#   - defined by one of the libraries given (one core calling another, or itself),
#   - a memory or string primitive that touches no locale, no file and no heap,
#   - what a compiler or an instrumented build adds: the stack protector, 128-bit
#     arithmetic helpers, the CPU feature probe behind __builtin_cpu_supports, and the
#     sanitizer, coverage and fuzzer-instrumentation runtimes.
# Anything else is reported with the object that needs it. Prints OK and exits 0 when
# clean; exits 1 on an impure symbol, 2 on a usage or nm error.
set -euo pipefail

if [ "$#" -lt 1 ]; then
    echo "usage: $0 LIB.a..." >&2
    exit 2
fi
for lib in "$@"; do
    if [ ! -f "$lib" ]; then
        echo "check_core_purity: $lib: no such file" >&2
        exit 2
    fi
done

allowed=(
    # memory and locale-free string primitives (and their _FORTIFY_SOURCE forms)
    memcpy memmove memset memchr memrchr memcmp bcmp
    __memcpy_chk __memmove_chk __memset_chk
    strlen strnlen strcmp strncmp strchr strrchr strspn strcspn strstr
    # compiler support
    __stack_chk_fail _GLOBAL_OFFSET_TABLE_
    __udivti3 __umodti3 __divti3 __modti3 __muloti4
    __cpu_indicator_init __cpu_model __cpu_features2
)
declare -A is_allowed=()
for sym in "${allowed[@]}"; do
    is_allowed[$sym]=1
done

# Symbols the libraries define themselves.
if ! defined=$(nm --defined-only --format=posix "$@" 2>&1); then
    echo "check_core_purity: nm failed:" >&2
    echo "$defined" >&2
    exit 2
fi
while read -r name type _; do
    case $name in *:) continue ;; esac
    [ -n "${type:-}" ] && is_allowed[${name%%@*}]=1
done <<<"$defined"

bad=0
for lib in "$@"; do
    if ! listing=$(nm -u --format=posix "$lib" 2>&1); then
        echo "check_core_purity: nm failed on $lib:" >&2
        echo "$listing" >&2
        exit 2
    fi
    # POSIX format: "lib.a[obj.o]:" starts an object, then one "name U ..." line per symbol.
    object=$lib
    while read -r name type _; do
        case $name in
        *:)
            object=${name%:}
            continue
            ;;
        esac
        [ "${type:-}" = U ] || continue
        name=${name%%@*} # a versioned reference, memcpy@GLIBC_2.14
        case $name in
        # sanitizers, libFuzzer's and AFL++'s instrumentation, clang's coverage build
        __asan_* | __ubsan_* | __msan_* | __sanitizer_* | __sancov_* | __start___sancov_* | \
            __stop___sancov_* | __afl_* | __cmplog_* | __llvm_profile_* | __llvm_prf_*)
            continue
            ;;
        esac
        if [ -z "${is_allowed[$name]:-}" ]; then
            echo "check_core_purity: $object uses $name" >&2
            bad=1
        fi
    done <<<"$listing"
done

if [ "$bad" -ne 0 ]; then
    echo "check_core_purity: FAIL: not pure (only memory and string primitives may be called)" >&2
    exit 1
fi
echo "OK"
