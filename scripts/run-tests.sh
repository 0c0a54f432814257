#!/usr/bin/env bash
# Installs what is missing (build tools and the oracle runtimes), builds, runs every test.
# Tests that need ../shared/testdata skip on a clone without it (their reasons are listed at the
# end); when the folder is present, any skipped test fails the run (tests/oracles/README.md).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh --oracles
scripts/build.sh
junit="$PWD/build/release/ctest-junit.xml"
rm -f "$junit"
status=0
ctest --preset release -j2 --output-junit "$junit" "$@" || status=$?
/usr/bin/python3 tests/oracles/shared_testdata.py --check-skips "$junit" || status=1
exit "$status"
