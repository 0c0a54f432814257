#!/usr/bin/env bash
# Installs what is missing, builds, and runs nnport's built-in default conversion with its
# comparison table.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
./build/release/nnport demo "$@"
