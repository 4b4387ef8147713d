#!/usr/bin/env bash
# Writes the hand-made conformance cases: tests/conformance/cases/<name>, the exact bytes
# of one client connection, each listed in tests/conformance/expected.tsv with the
# verdict RFC 9112 / RFC 9110 require. Idempotent. The recorded real clients
# (cases/client-*) come from record-clients.sh. Every request goes to /echo so that a
# server which accepts it answers 2xx (see docs/conformance.md for the verdicts).
set -euo pipefail
dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/cases
mkdir -p "$dir"
H='Host: example.test\r\n'

case_() { # case_ NAME FORMAT [ARGS...]: printf FORMAT into cases/NAME
    local name=$1
    shift
    # shellcheck disable=SC2059 # the format is the case
    printf "$@" >"$dir/$name"
}

# ---- valid messages ------------------------------------------------------------------
case_ get-minimal "GET /echo HTTP/1.1\r\n${H}\r\n"
case_ get-http10 "GET /echo HTTP/1.0\r\n\r\n"
case_ pipelined-3 "GET /echo HTTP/1.1\r\n${H}\r\nGET /echo?2 HTTP/1.1\r\n${H}\r\nGET /echo?3 HTTP/1.1\r\n${H}\r\n"
case_ post-length "POST /echo HTTP/1.1\r\n${H}Content-Length: 5\r\n\r\nhello"
case_ post-chunked "POST /echo HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"
case_ chunked-extension "POST /echo HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n5;name=value;q=\"a b\"\r\nhello\r\n0\r\n\r\n"
case_ chunked-trailer "POST /echo HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\nX-Trailer: yes\r\n\r\n"
case_ chunked-size-leading-zeros "POST /echo HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n0005\r\nhello\r\n0\r\n\r\n"
case_ chunked-uppercase-coding "POST /echo HTTP/1.1\r\n${H}Transfer-Encoding: Chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"
case_ head "HEAD /echo HTTP/1.1\r\n${H}\r\n"
case_ options-asterisk "OPTIONS * HTTP/1.1\r\n${H}\r\n"
case_ absolute-form "GET http://example.test/echo HTTP/1.1\r\n${H}\r\n"
case_ leading-crlf "\r\nGET /echo HTTP/1.1\r\n${H}\r\n"
case_ obs-text-value "GET /echo HTTP/1.1\r\n${H}X-Name: caf\xc3\xa9\r\n\r\n"
case_ ows-around-value "GET /echo HTTP/1.1\r\nHost:example.test\r\nX-Padded: \t two words \t\r\n\r\n"
case_ cl-leading-zeros "POST /echo HTTP/1.1\r\n${H}Content-Length: 005\r\n\r\nhello"
case_ cl-repeated-same "POST /echo HTTP/1.1\r\n${H}Content-Length: 5\r\nContent-Length: 5\r\n\r\nhello"
case_ expect-100 "POST /echo HTTP/1.1\r\n${H}Expect: 100-continue\r\nContent-Length: 5\r\n\r\nhello"
case_ connection-close-then-more "GET /echo HTTP/1.1\r\n${H}Connection: close\r\n\r\nGET /echo HTTP/1.1\r\n${H}\r\n"
case_ host-ipv6 "GET /echo HTTP/1.1\r\nHost: [::1]:8080\r\n\r\n"
case_ http10-keepalive-pipelined "GET /echo HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET /echo HTTP/1.0\r\n\r\n"

# ---- rejects --------------------------------------------------------------------------
case_ bare-lf-head "GET /echo HTTP/1.1\n${H}\n"
case_ bare-lf-field "GET /echo HTTP/1.1\r\nHost: example.test\nX-A: b\r\n\r\n"
case_ bare-cr-field "GET /echo HTTP/1.1\r\nHost: example.test\rX-A: b\r\n\r\n"
case_ obs-fold "GET /echo HTTP/1.1\r\n${H}X-Folded: one\r\n two\r\n\r\n"
case_ space-before-colon "GET /echo HTTP/1.1\r\nHost : example.test\r\n\r\n"
case_ whitespace-after-request-line "GET /echo HTTP/1.1\r\n ${H}\r\n"
case_ two-empty-lines-first "\r\n\r\nGET /echo HTTP/1.1\r\n${H}\r\n"
case_ request-line-double-space "GET  /echo HTTP/1.1\r\n${H}\r\n"
case_ method-not-token "G(T /echo HTTP/1.1\r\n${H}\r\n"
case_ target-fragment "GET /echo#frag HTTP/1.1\r\n${H}\r\n"
case_ target-bad-percent "GET /echo%%zz HTTP/1.1\r\n${H}\r\n"
case_ target-space-char "GET /ec\x01ho HTTP/1.1\r\n${H}\r\n"
case_ version-lowercase "GET /echo http/1.1\r\n${H}\r\n"
case_ version-1-2 "GET /echo HTTP/1.2\r\n${H}\r\n"
case_ version-2-0 "GET /echo HTTP/2.0\r\n${H}\r\n"
case_ host-missing "GET /echo HTTP/1.1\r\n\r\n"
case_ host-duplicate "GET /echo HTTP/1.1\r\n${H}${H}\r\n"
case_ host-invalid "GET /echo HTTP/1.1\r\nHost: exa mple\r\n\r\n"
case_ field-name-bad-char "GET /echo HTTP/1.1\r\n${H}X(Bad): 1\r\n\r\n"
case_ field-value-nul "GET /echo HTTP/1.1\r\n${H}X-A: a\x00b\r\n\r\n"
case_ cl-conflict "POST /echo HTTP/1.1\r\n${H}Content-Length: 5\r\nContent-Length: 6\r\n\r\nhello!"
case_ cl-list "POST /echo HTTP/1.1\r\n${H}Content-Length: 5, 5\r\n\r\nhello"
case_ cl-plus-sign "POST /echo HTTP/1.1\r\n${H}Content-Length: +5\r\n\r\nhello"
case_ cl-negative "POST /echo HTTP/1.1\r\n${H}Content-Length: -1\r\n\r\n"
case_ cl-overflow "POST /echo HTTP/1.1\r\n${H}Content-Length: 99999999999999999999999\r\n\r\n"
case_ cl-and-te "POST /echo HTTP/1.1\r\n${H}Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\n${H}\r\n"
case_ te-http10 "POST /echo HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"
case_ te-chunked-not-final "POST /echo HTTP/1.1\r\n${H}Transfer-Encoding: chunked, identity\r\n\r\n5\r\nhello\r\n0\r\n\r\n"
case_ te-chunked-twice "POST /echo HTTP/1.1\r\n${H}Transfer-Encoding: chunked, chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"
case_ te-unknown-coding "POST /echo HTTP/1.1\r\n${H}Transfer-Encoding: gzip\r\n\r\n"
case_ te-gzip-chunked "POST /echo HTTP/1.1\r\n${H}Transfer-Encoding: gzip, chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"
case_ target-form-asterisk-get "GET * HTTP/1.1\r\n${H}\r\n"
case_ target-authority-userinfo "GET http://user@example.test/echo HTTP/1.1\r\n${H}\r\n"
case_ te-empty "POST /echo HTTP/1.1\r\n${H}Transfer-Encoding: \r\n\r\n"
case_ chunk-size-invalid "POST /echo HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n"
case_ chunk-size-overflow "POST /echo HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n10000000000000005\r\nhello\r\n0\r\n\r\n"
case_ chunk-size-trailing-space "POST /echo HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n5 \r\nhello\r\n0\r\n\r\n"
case_ chunk-size-bare-lf "POST /echo HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n5\nhello\r\n0\r\n\r\n"
case_ chunk-data-bare-lf "POST /echo HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n5\r\nhello\n0\r\n\r\n"
case_ chunk-data-too-long "POST /echo HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n5\r\nhelloXX\r\n0\r\n\r\n"
case_ chunk-extension-bad "POST /echo HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n5;\"\r\nhello\r\n0\r\n\r\n"
case_ trailer-bad-field "POST /echo HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\nBad Trailer\r\n\r\n"

# Limits: the parser's (8192-octet request-line, 128 fields).
long=$(printf 'a%.0s' $(seq 9000))
case_ target-9000 "GET /echo?%s HTTP/1.1\r\n${H}\r\n" "$long"
fields=''
for i in $(seq 1 130); do fields+="X-F$i: v\\r\\n"; done
case_ fields-130 "GET /echo HTTP/1.1\r\n${H}${fields}\r\n"
big=$(printf 'b%.0s' $(seq 70000))
case_ head-70000 "GET /echo HTTP/1.1\r\n${H}X-Big: %s\r\n\r\n" "$big"
ext=$(printf 'e%.0s' $(seq 5000))
case_ chunk-line-5000 "POST /echo HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n5;%s\r\nhello\r\n0\r\n\r\n" "$ext"
trailer=$(printf 't%.0s' $(seq 9000))
case_ trailer-9000 "POST /echo HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\nX-T: %s\r\n\r\n" "$trailer"

# ---- incomplete -------------------------------------------------------------------------
case_ incomplete-head "GET /echo HTTP/1.1\r\n${H}"
case_ incomplete-body "POST /echo HTTP/1.1\r\n${H}Content-Length: 10\r\n\r\nhello"
case_ incomplete-chunked "POST /echo HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n"
written=$(find "$dir" -maxdepth 1 -type f ! -name 'client-*' | wc -l)
echo "wrote $written cases in ${dir}"
