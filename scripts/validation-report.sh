#!/usr/bin/env bash
# Writes docs/VALIDATION.md: the conversion matrix (every source model in scripts/validation/
# sources.tsv x every target format in targets.tsv, each run in its oracle runtime), the ONNX
# backend conformance counts, the torchvision table and the TensorFlow, TF sweep and Caffe
# reports (from the `oracle` ctest run).
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
# append_section TITLE INTRO REPORT: one oracle ctest's report under its own heading (the
# report's first line, its own heading, is dropped).
append_section() {
  [ -f "$3" ] || return 0
  {
    printf '\n## %s\n\n%s\n\n' "$1" "$2"
    sed '1{/^#/d}' "$3"
  } >>docs/VALIDATION.md
}
append_section 'TensorFlow models vs TF.js (tfjs 4.22, wasm) and float64: ONNX, Caffe, MXNet' \
  "From the \`oracle_tensorflow\` ctest (\`tests/tensorflow/compare_tf_models.py\`): tfjs \
runs each TF model once; nnport runs the source, and converts it to ONNX (run in ONNX \
Runtime), to Caffe in the least dialect that converts it (caffe-1.0, then bvlc-master, then \
caffe-ssd; run in OpenCV dnn 4.6) and to MXNet (read back and run \
by nnport: no MXNet runtime exists here). The counts below the table are for the 42 real TF.js \
graph models (human-models and nsfwjs). Known problems are listed with their reason in the \
script's KNOWN_PROBLEMS; any other failure fails the test. A runner beyond 1e-4 of tfjs-wasm \
is judged against a float64 run of the source (nnport's executor in double precision, checked \
against an independent PyTorch float64 run by \`tests/tensorflow/validate_float64_run.py\`): \
'ok (f64)' when on every output it is no further from float64 than tfjs-wasm is (the rule of \
\`nnport compare --reference-f64\`, explained below the table)." \
  "$build/oracle/tensorflow.md"
append_section 'Frozen TensorFlow graphs (.pb): OpenCV dnn and ONNX Runtime vs TF.js' \
  "From the \`oracle_tensorflow_pb\` ctest (\`tests/tensorflow/compare_tf_pb_opencv.py\`): \
the generated TF-slim MobileNet v1/v2 and the tf2onnx test graphs, run by tfjs-wasm and by \
OpenCV dnn 4.6 from the same .pb, and by ONNX Runtime from nnport's conversion." \
  "$build/oracle/tensorflow_pb.md"
append_section 'TF op sweeps: tfjs vs nnport, ONNX Runtime, OpenCV (Caffe, both dialects) and MXNet' \
  "From the \`oracle_tf_sweeps\` ctest (\`tests/tensorflow/sweep_tf_ops.py\`, cases from \
\`tests/generators/tf_sweep.py\`): Conv2D, DepthwiseConv2dNative, Conv2DBackpropInput, \
MaxPool and AvgPool over SAME/VALID/EXPLICIT padding, strides 1-3, kernels 1-5, dilation 1-2, \
input sizes 7-17, NHWC and NCHW. Each case is a TF graph run by tfjs-wasm (the reference), by \
nnport's executor, by ONNX Runtime on the converted .onnx, by OpenCV dnn on the converted \
Caffe files (caffe-1.0 and bvlc-master) and by nnport on the converted MXNet files read back \
(\`mxnet\`; no MXNet runtime here; the NHWC graphs' symbols keep NHWC inputs and outputs). \
The MXNet and Caffe files are also read back, written as ONNX and run by ONNX Runtime \
(\`mxnet>onnxruntime\`, \`caffe-1.0>onnxruntime\`, \`bvlc-master>onnxruntime\`): every \
ONNX file must load and match. Refusals count as failures; tolerance max relative error 1e-5." \
  "$build/oracle/tf_sweeps.md"
append_section 'Caffe models: OpenCV dnn vs nnport vs ONNX Runtime' \
  "From the \`oracle_caffe\` ctest (\`tests/caffe/compare_caffe_models.py\`)." \
  "$build/oracle/caffe.md"
append_section 'TFLite models: the TFLite runtime vs ONNX Runtime on the conversion' \
  "From the \`oracle_tflite_micro\` ctest (\`tests/tflite/oracle_tflite_micro.py\`): every tflite-micro model of \
../shared/testdata/tflite run by the TFLite runtime (tfjs-tflite 0.0.1-alpha.10, wasm, one \
thread) and, converted by nnport to ONNX (QDQ for quantized models), by ONNX Runtime 1.30." \
  "$build/oracle/tflite_micro.md"
exit "$status"
