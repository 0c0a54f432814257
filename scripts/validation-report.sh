#!/usr/bin/env bash
# Writes docs/VALIDATION.md: the conversion matrix (every source model in scripts/validation/
# sources.tsv x every target format in targets.tsv, each run in its oracle runtime), the ONNX
# backend conformance counts and the torchvision table (from the `oracle` ctest run).
#   scripts/validation-report.sh                 install oracles, build, run the oracle tests, report
#   scripts/validation-report.sh --skip-tests    reuse the last oracle test results
# Extra arguments go to tests/oracles/validation_matrix.py (e.g. --only resnet18).
# Exit code 1 when a converted model disagrees with its source.
set -euo pipefail
cd "$(dirname "$0")/.."

run_tests=1
matrix_args=()
for arg in "$@"; do
  case "$arg" in
    --skip-tests) run_tests=0 ;;
    *) matrix_args+=("$arg") ;;
  esac
done

scripts/install-deps.sh --oracles
scripts/build.sh
build=build/release
if [ "$run_tests" = 1 ]; then
  # The report records the failures; it is written whether or not these tests pass.
  ctest --test-dir "$build" -L oracle --output-on-failure || true
fi
/usr/bin/python3 tests/oracles/validation_matrix.py --nnport "$build/nnport" \
  --registry scripts/validation --cache-dir "$build/oracle" --out docs/VALIDATION.md \
  --conformance "$build/oracle/conformance.md" --torchvision "$build/oracle/torchvision.md" \
  "${matrix_args[@]}" && status=0 || status=$?
if [ -f "$build/oracle/tensorflow.md" ]; then
  {
    printf '\n## TensorFlow reader vs TF.js (tfjs 4.22, wasm backend)\n\n'
    printf 'From the `oracle_tensorflow` ctest (`tests/tensorflow/compare_tf_models.py`): each '
    printf 'model converted to ONNX, run in nnport and in ONNX Runtime on the converted file, '
    printf 'against tfjs on the source. Known problems are listed with their reason in the '
    printf "script's KNOWN_PROBLEMS; any other failure fails the test.\n\n"
    cat "$build/oracle/tensorflow.md"
  } >>docs/VALIDATION.md
fi
exit "$status"
