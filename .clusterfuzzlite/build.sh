#!/bin/bash -eu
# ClusterFuzzLite build: the OSS-Fuzz one (docs/fuzzing.md).
exec "$SRC/protoharness/ci/oss-fuzz/build.sh"
