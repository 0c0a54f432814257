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
    printf '\n## TensorFlow models vs TF.js (tfjs 4.22, wasm backend): ONNX, Caffe, MXNet\n\n'
    printf 'From the `oracle_tensorflow` ctest (`tests/tensorflow/compare_tf_models.py`): tfjs '
    printf 'runs each TF model once; nnport runs the source, and converts it to ONNX (run in ONNX '
    printf 'Runtime), to Caffe, dialect caffe-1.0 (run in OpenCV dnn 4.6) and to MXNet (read '
    printf 'back and run by nnport: no MXNet runtime exists here). The counts below the table are '
    printf 'for the 42 real TF.js graph models (human-models and nsfwjs). Known problems are '
    printf "listed with their reason in the script's KNOWN_PROBLEMS; any other failure fails "
    printf 'the test.\n\n'
    cat "$build/oracle/tensorflow.md"
  } >>docs/VALIDATION.md
fi
exit "$status"
