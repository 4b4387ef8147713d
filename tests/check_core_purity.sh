#!/usr/bin/env bash
# check_core_purity.sh LIB.a: the pure cores do no I/O, no allocation and never exit.
#
# Lists the undefined symbols of the static library (nm -u) and fails, naming each one
# and the object that needs it, if any is a socket, file, allocation, stdio print or
# process-exit function. Sanitizer runtime symbols (__asan_, __ubsan_, __sanitizer_) are
# what instrumented builds add and are fine. Prints OK and exits 0 when clean; exits 1
# on an impure symbol, 2 on a usage or nm error.
set -euo pipefail

if [ "$#" -ne 1 ]; then
    echo "usage: $0 LIB.a" >&2
    exit 2
fi
lib=$1
if [ ! -f "$lib" ]; then
    echo "check_core_purity: $lib: no such file" >&2
    exit 2
fi

forbidden=(
    # sockets
    socket bind listen accept accept4 connect
    recv recvfrom recvmsg send sendto sendmsg
    # file descriptors
    read write open open64 openat close
    __read_chk __open_2 __open64_2 __openat_2
    # allocation
    malloc calloc realloc free
    # printing
    printf fprintf sprintf snprintf vprintf vfprintf vsprintf vsnprintf dprintf vdprintf
    asprintf vasprintf
    __printf_chk __fprintf_chk __sprintf_chk __snprintf_chk __vprintf_chk __vfprintf_chk
    __vsprintf_chk __vsnprintf_chk __dprintf_chk __vdprintf_chk __asprintf_chk
    __vasprintf_chk
    puts fputs
    # leaving the process
    exit _exit abort
)
declare -A is_forbidden=()
for sym in "${forbidden[@]}"; do
    is_forbidden[$sym]=1
done

if ! listing=$(nm -u --format=posix "$lib" 2>&1); then
    echo "check_core_purity: nm failed on $lib:" >&2
    echo "$listing" >&2
    exit 2
fi

# POSIX format: "lib.a[obj.o]:" starts an object, then one "name U ..." line per symbol.
bad=0
object=$lib
while read -r name type _; do
    case $name in
    *:)
        object=${name%:}
        continue
        ;;
    esac
    [ "$type" = U ] || continue
    name=${name%%@*} # a versioned reference, memcpy@GLIBC_2.14
    case $name in
    __asan_* | __ubsan_* | __sanitizer_*) continue ;;
    esac
    if [ -n "${is_forbidden[$name]:-}" ]; then
        echo "check_core_purity: $object uses $name" >&2
        bad=1
    fi
done <<<"$listing"

if [ "$bad" -ne 0 ]; then
    echo "check_core_purity: FAIL: $lib is not pure (no I/O, allocation, printing or exit)" >&2
    exit 1
fi
echo "OK"
