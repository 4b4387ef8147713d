#!/usr/bin/env bash
# Installs everything protoharness needs from Debian. Idempotent and non-interactive:
# when every package is already present it touches nothing (no apt-get update either).
set -euo pipefail

PACKAGES=(
    cmake make pkg-config
    gcc clang llvm
    libclang-rt-14-dev      # ASan/UBSan/libFuzzer runtimes: clang cannot link -fsanitize=* without it
    afl++                   # afl-clang-fast, afl-fuzz, afl-cmin.bash, afl-tmin
    libcmocka-dev           # unit tests
    libhttp-parser-dev      # the peer for ci/bench.sh http
    python3                 # JSON checks in integration tests
    bsdextrautils           # column, for the summary tables
    curl wget nodejs        # real clients for recording seed corpora
    libssl-dev              # libcrypto: SHA-1 names of corpus files, base64
    libdeflate-dev          # CRC-32 of the store's write-ahead log records
    valgrind                # ci/bench.sh http --callgrind
    libpcap-dev             # ph-parse chao and ph-chao capture read and write pcap files
    tshark                  # the CHAO integration tests cross-check ph-parse chao with Wireshark
    iproute2                # ip netns and veth pairs for the CHAO integration tests
    node-llhttp             # llhttp's C sources: the peer of the http_differential fuzz target
    nginx-light             # ci/conformance.sh --nginx: the reference server (no service is started)
    wrk                     # ci/bench.sh httpd: the load generator
    g++ libstdc++-12-dev    # clang++ links OSS-Fuzz-style targets ($CXX, tests/fuzz)
    zip unzip               # OSS-Fuzz seed corpus archives
    gnuplot-nox             # afl-plot graphs in ci/fuzz.sh reports
    jq                      # scripts read the daemons' --status-file JSON
    shellcheck              # ci/test.sh lints every script in ci/ and tests/
    clang-format            # ci/test.sh checks every C file against .clang-format
    python3-clang-14        # ci/mutate.sh finds mutation points with libclang 14, the system clang's
)

missing=()
for p in "${PACKAGES[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
        missing+=("$p")
    fi
done

if [ "${#missing[@]}" -eq 0 ]; then
    exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
    echo "setup: missing packages: ${missing[*]}; run ci/setup.sh as root" >&2
    exit 1
fi

echo "setup: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
# tshark's wireshark-common asks whether non-root users may capture; answer no beforehand.
echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
