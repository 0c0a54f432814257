#!/usr/bin/env bash
# Installs what is missing, builds, and runs nnport's built-in default: the TF-slim MobileNet v1
# graph (seeded weights, tests/generators/tf_mobilenet.py) converted to Caffe, compared with the
# TF graph and with a naive symmetric-pad conversion. The files are kept in build/demo/.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh --target nnport  # the tool only: the tests and benchmarks are not needed here
mkdir -p build/demo
/usr/bin/python3 tests/generators/tf_mobilenet.py build/demo >/dev/null
./build/release/nnport demo --tf-model build/demo/mobilenet_v1_1.0_224.pb --keep build/demo \
  --output MobilenetV1/Logits/SpatialSqueeze MobilenetV1/Predictions/Reshape_1 "$@"
