# shellcheck shell=bash
# The result bookkeeping of the integration tests. Source it; it defines:
#
#   check DESCRIPTION COMMAND...   runs COMMAND, prints "ok   ..." or "FAIL ...", counts it
#   ok DESCRIPTION / bad DESCRIPTION   count a result decided by the caller
#   check_summary NAME             prints "NAME: N passed, N failed"; fails when any failed

pass=0
fail=0
ok() { echo "ok   $*"; pass=$((pass + 1)); }
bad() { echo "FAIL $*"; fail=$((fail + 1)); }
check() {
    local what=$1
    shift
    if "$@"; then ok "$what"; else bad "$what"; fi
}
check_summary() {
    echo "$1: $pass passed, $fail failed"
    [ "$fail" -eq 0 ]
}
