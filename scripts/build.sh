#!/usr/bin/env bash
# Configures and builds the release preset (ccache when present).
set -euo pipefail
cd "$(dirname "$0")/.."
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
[ -f build/release/build.ninja ] || cmake --preset release "${launcher[@]}" >/dev/null
cmake --build --preset release -j"$(nproc)"
