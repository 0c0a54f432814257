#!/usr/bin/env bash
# Installs what is missing (build tools and the oracle runtimes), builds, runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh --oracles
scripts/build.sh
ctest --preset release -j2 "$@"
