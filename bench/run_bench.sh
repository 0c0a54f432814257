#!/usr/bin/env bash
# Benchmark of issue 2 on a ResNet-50-sized ONNX model (torchvision resnet50, random init,
# exported by tests/torchvision/export_models.py): `nnport convert` ONNX->ONNX against `cp` of
# the same file, peak RSS of the conversion, and `nnport run` against ONNX Runtime (one thread)
# on the same input. Prints a Markdown table (docs/PERFORMANCE.md records one).
#   bench/run_bench.sh [BUILD_DIR] [REPEATS]     (defaults: build/release, 3)
# Times are the best of REPEATS runs with a warm page cache (the file was just written); the worst
# run is shown in parentheses. `cp` and `convert` both write a new file: the destination is
# removed and the file system synced before each run, outside the timing. (Replacing an existing
# file instead makes ext4 start writing the new one back at once, at close for `cp`'s truncate
# and at rename for `convert`'s temporary file, and the time then depends on the disk and on what
# else is being written.)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build/release}
repeats=${2:-3}
nnport=$build/nnport
work=$build/bench
for binary in "$nnport" "$build/bench/nnport_inference_time"; do
  [ -x "$binary" ] || { echo "no $binary: build first (scripts/build.sh)" >&2; exit 1; }
done
/usr/bin/python3 tests/torchvision/export_models.py --out-dir "$work" --models resnet50 >/dev/null
model=$work/resnet50/model.onnx
input=$work/resnet50/input.npy

# best_of [--fresh PATH] CMD...: sets $best_s and $worst_s (wall seconds of the best and worst
# run) and $peak_kb (max RSS over the runs). --fresh removes PATH and syncs before each run.
best_of() {
  local fresh=""
  if [ "$1" = --fresh ]; then
    fresh=$2
    shift 2
  fi
  best_s=""
  worst_s=""
  peak_kb=0
  for _ in $(seq "$repeats"); do
    local start end seconds rss
    if [ -n "$fresh" ]; then
      rm -f "$fresh"
      sync
    fi
    start=$(date +%s%N)
    /usr/bin/time -f %M -o "$work/rss.txt" "$@" >/dev/null
    end=$(date +%s%N)
    seconds=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.3f", (b - a) / 1e9 }')
    rss=$(tail -1 "$work/rss.txt")
    if [ -z "$best_s" ] || awk -v s="$seconds" -v b="$best_s" 'BEGIN { exit !(s < b) }'; then
      best_s=$seconds
    fi
    if [ -z "$worst_s" ] || awk -v s="$seconds" -v w="$worst_s" 'BEGIN { exit !(s > w) }'; then
      worst_s=$seconds
    fi
    if [ "$rss" -gt "$peak_kb" ]; then peak_kb=$rss; fi
  done
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
model_bytes=$(stat -c %s "$model")
model_mb=$(awk -v b="$model_bytes" 'BEGIN { printf "%.1f", b / 1048576 }')

best_of --fresh "$work/copy.onnx" cp "$model" "$work/copy.onnx"
cp_s=$best_s
cp_worst_s=$worst_s
best_of --fresh "$work/converted.onnx" "$nnport" convert "$model" "$work/converted.onnx"
convert_s=$best_s
convert_worst_s=$worst_s
convert_rss_mb=$(awk -v k="$peak_kb" 'BEGIN { printf "%.1f", k / 1024 }')
rss_budget_mb=$(awk -v m="$model_mb" 'BEGIN { printf "%.1f", 1.5 * m + 50 }')

best_of "$nnport" run "$model" --input "input=$input" --out-dir "$work/nnport_out"
run_s=$best_s
run_worst_s=$worst_s
run_rss_mb=$(awk -v k="$peak_kb" 'BEGIN { printf "%.1f", k / 1024 }')
best_of node tests/oracles/run_onnxruntime.mjs "$model" --input "input=$input" \
  --out-dir "$work/ort_out"
ort_s=$best_s
ort_worst_s=$worst_s
read -r ort_create_s ort_infer_s < <(node bench/ort_inference_time.mjs "$model" "input=$input" \
  "$repeats")
# nnport's counterpart: load once, best of REPEATS runs of the graph in the same process.
read -r nnport_load_s nnport_infer_s < <("$build/bench/nnport_inference_time" "$model" \
  "input=$input" "$repeats")

cat <<TABLE
resnet50 (torchvision, random init, opset 13): $model_mb MB, $(nproc) cores, best (worst) of $repeats,
$(date -u '+%Y-%m-%d %H:%M UTC'), load average before: $load_before, after: $(cut -d' ' -f1-3 /proc/loadavg)

| measure | nnport | reference | ratio | target |
|---|---:|---:|---:|---|
| convert ONNX->ONNX vs cp, new destination file (s) | $convert_s ($convert_worst_s) | $cp_s ($cp_worst_s) | $(ratio "$convert_s" "$cp_s") | <= 3 |
| convert peak RSS vs model (MB) | $convert_rss_mb | $model_mb | budget $rss_budget_mb | <= 1.5 x model + 50 MB |
| run vs ONNX Runtime, whole process (s) | $run_s ($run_worst_s) | $ort_s ($ort_worst_s) | $(ratio "$run_s" "$ort_s") | <= 2 |
| run vs ONNX Runtime, inference only in a loaded process (s) | $nnport_infer_s (+ $nnport_load_s load) | $ort_infer_s (+ $ort_create_s session) | $(ratio "$nnport_infer_s" "$ort_infer_s") | <= 2 |
| whole \`nnport run\` vs ONNX Runtime inference only (s) | $run_s ($run_worst_s) | $ort_infer_s | $(ratio "$run_s" "$ort_infer_s") | (stricter than asked) |

nnport run peak RSS: $run_rss_mb MB
TABLE

# TF.js graph models -> ONNX (issue 4), when the TF oracle's npm cache (ctest -R oracle_tensorflow)
# holds them.
if [ -d "$build/oracle/tensorflow/npm" ]; then
  echo
  bench/run_bench_tfjs.sh "$build" "$repeats"
fi
