#!/usr/bin/python3
"""torchvision oracle test: torch vs nnport's executor vs ONNX Runtime on nnport's round trip.

usage: /usr/bin/python3 compare_models.py --nnport BUILD/nnport --cache-dir DIR
           --runner tests/oracles/run_onnxruntime.mjs [--models a,b] [--report FILE.md]

For each model (exported once into the cache by export_models.py), on the same seeded input:
  torch           the PyTorch model itself (the reference)
  nnport          `nnport run` of the exported model.onnx (the reference executor)
  onnxruntime     ONNX Runtime on `nnport convert model.onnx round_trip.onnx`
  onnxruntime-src ONNX Runtime on the exported model.onnx (how far the oracle itself is)
Each is compared with torch by `nnport compare-npy`. A path passes with max_rel <= 1e-4 and
SNR >= 80 dB (the project's default float32 acceptance). Exit code 1 when any path fails.
"""

import argparse
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import export_models  # noqa: E402

MAX_REL = 1e-4
MIN_SNR_DB = 80.0
COLUMNS = ["model", "path", "max_abs", "max_rel", "snr_db", "psnr_db", "cosine", "result"]


def run(command, what):
    """Runs a command; returns (ok, seconds, last line of its error output)."""
    start = time.time()
    done = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    seconds = time.time() - start
    last = (done.stderr.strip().splitlines() or done.stdout.strip().splitlines() or [""])[-1]
    return done.returncode == 0, seconds, f"{what}: {last}" if done.returncode else ""


def compare(nnport, reference, output):
    done = subprocess.run([nnport, "compare-npy", reference, output, "--tsv", "--name", "output",
                           "--max-rel", str(MAX_REL), "--min-snr", str(MIN_SNR_DB)],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if done.returncode not in (0, 3):
        return None, done.stderr.strip()
    fields = done.stdout.strip().split("\t")
    metrics = dict(zip(["name", "shape", "max_abs", "max_rel", "l1_mean", "snr_db", "psnr_db",
                        "cosine"], fields))
    return metrics, "pass" if done.returncode == 0 else "FAIL"


def check_model(name, args, rows):
    folder = os.path.join(args.cache_dir, name)
    export_models.export(name, args.seed, folder)
    model = os.path.join(folder, "model.onnx")
    round_trip = os.path.join(folder, "round_trip.onnx")
    feed = ["--input", f"input={os.path.join(folder, 'input.npy')}"]
    reference = os.path.join(folder, "torch", "output.npy")
    paths = {}
    ok, seconds, error = run([args.nnport, "run", model, *feed, "--out-dir",
                              os.path.join(folder, "nnport")], "nnport run")
    paths["nnport"] = (ok, error, seconds)
    ok, seconds, error = run([args.nnport, "convert", model, round_trip], "nnport convert")
    if ok:
        ok, seconds, error = run([args.node, args.runner, round_trip, *feed, "--out-dir",
                                  os.path.join(folder, "onnxruntime")], "onnxruntime")
    paths["onnxruntime"] = (ok, error, seconds)
    ok, seconds, error = run([args.node, args.runner, model, *feed, "--out-dir",
                              os.path.join(folder, "onnxruntime-src")], "onnxruntime")
    paths["onnxruntime-src"] = (ok, error, seconds)
    failed = False
    for path, (ok, error, seconds) in paths.items():
        row = {"model": name, "path": f"torch vs {path}", "seconds": f"{seconds:.1f}"}
        if ok:
            metrics, verdict = compare(args.nnport, reference,
                                       os.path.join(folder, path, "output.npy"))
            if metrics is None:
                ok, error = False, f"compare-npy: {verdict}"
            else:
                row.update(metrics)
                row["result"] = verdict
        if not ok:
            row["result"] = f"FAIL ({error})"
        failed |= not row["result"].startswith("pass")
        rows.append(row)
    return not failed


def format_table(rows):
    cells = [COLUMNS] + [[row.get(c, "-") for c in COLUMNS] for row in rows]
    widths = [max(len(line[i]) for line in cells) for i in range(len(COLUMNS))]
    return "\n".join("  ".join(value.ljust(widths[i]) for i, value in enumerate(line)).rstrip()
                     for line in cells)


def markdown_table(rows):
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    for row in rows:
        lines.append("| " + " | ".join(row.get(c, "-").replace("|", "/") for c in COLUMNS) + " |")
    return "\n".join(lines) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--nnport", required=True)
    parser.add_argument("--cache-dir", required=True)
    parser.add_argument("--runner", required=True, help="tests/oracles/run_onnxruntime.mjs")
    parser.add_argument("--node", default="node")
    parser.add_argument("--models", default=",".join(export_models.TEST_MODELS))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--report", help="also write the table as Markdown here")
    args = parser.parse_args()
    rows = []
    failed = []
    start = time.time()
    for name in args.models.split(","):
        model_start = time.time()
        if not check_model(name, args, rows):
            failed.append(name)
        print(f"{name}: {'FAIL' if name in failed else 'ok'} ({time.time() - model_start:.1f} s)",
              flush=True)
    print()
    print(f"torchvision models, seed {args.seed}, acceptance max_rel <= {MAX_REL:g} and "
          f"SNR >= {MIN_SNR_DB:g} dB ({time.time() - start:.0f} s):")
    print(format_table(rows))
    if args.report:
        with open(args.report, "w") as f:
            f.write(markdown_table(rows))
    models = args.models.split(",")
    print(f"\ntorchvision: {len(models) - len(failed)} passed, {len(failed)} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
