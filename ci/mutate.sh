#!/usr/bin/env bash
# Mutation analysis of the pure cores: how many wrong versions of a core its fuzz targets,
# corpora and unit tests let through. See docs/fuzzing.md, "Mutation analysis".
#
#   ci/mutate.sh [--jobs N] [--fuzz-time S] [--only REGEX] [--sample N] [--list] [--fresh]
#                [--out DIR] [--equivalent FILE] [--no-split-oracle] CORE...
#   ci/mutate.sh src/http src/chao src/store
#
# Generation locates mutation points with libclang (python3-clang, Debian's own build for
# the system clang), so it runs under Debian's python3, not whatever python3 is first in
# PATH. Results, the mutant build and the report are under build/mutate/ (--out).
set -euo pipefail
cd "$(dirname "$0")/.."

ci/setup.sh

py=/usr/bin/python3
if ! "$py" -c 'import clang.cindex; clang.cindex.Index.create()' 2>/dev/null; then
    echo "mutate: $py cannot load libclang's Python bindings (apt-get install python3-clang)" >&2
    exit 2
fi
exec "$py" ci/mutate.py "$@"
