#!/usr/bin/env bash
# Configures and builds the release preset (ccache when present). Extra arguments go to
# `cmake --build`, e.g. `--target nnport` for the command-line tool alone (run-demo.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
[ -f build/release/build.ninja ] || cmake --preset release "${launcher[@]}" >/dev/null
cmake --build --preset release -j"$(nproc)" "$@"
