#!/usr/bin/python3
"""Checks the TFLite oracle (run_tflite.mjs) against the golden outputs tflite-micro ships for its
seanet integration tests (NAME_inputK_int16.csv -> NAME_golden_int16.csv), bit for bit.

    check_tflite_goldens.py SEANET_DIR [--only SUBSTRING]

Prints one line per case and a summary; exit 0 when every case matches, 1 otherwise."""
import argparse
import pathlib
import subprocess
import sys
import tempfile

import numpy as np

HERE = pathlib.Path(__file__).resolve().parent
CSV_DTYPES = {"int16": np.int16, "int32": np.int32, "int8": np.int8, "float32": np.float32}


def read_csv(path):
    dtype = CSV_DTYPES[path.stem.rsplit("_", 1)[1]]
    text = path.read_text().replace("\n", ",")
    return np.array([int(v) for v in text.split(",") if v.strip() != ""], dtype=dtype)


def check(model, work):
    stem = model.stem
    inputs = sorted(model.parent.glob(f"{stem}_input*_*.csv"))
    goldens = sorted(model.parent.glob(f"{stem}_golden_*.csv"))
    if not inputs or len(goldens) != 1:
        return "skip", "no input/golden CSVs"
    args = ["node", str(HERE / "run_tflite.mjs"), str(model), "--out-dir", str(work / stem)]
    for k, csv in enumerate(inputs):
        npy = work / f"{stem}_in{k}.npy"
        np.save(npy, read_csv(csv))
        args += ["--input", f"#{csv.stem.split('_')[-2].removeprefix('input')}={npy}"]
    run = subprocess.run(args, capture_output=True, text=True)
    if run.returncode != 0:
        return "error", run.stderr.strip().splitlines()[-1] if run.stderr.strip() else "failed"
    outputs = sorted((work / stem).glob("*.npy"))
    if len(outputs) != 1:
        return "error", f"{len(outputs)} outputs"
    got = np.load(outputs[0]).reshape(-1)
    want = read_csv(goldens[0])
    if got.shape != want.shape:
        return "mismatch", f"{got.size} values, golden has {want.size}"
    diff = np.abs(got.astype(np.int64) - want.astype(np.int64))
    if diff.max() != 0:
        return "mismatch", f"{int((diff != 0).sum())} of {diff.size} differ, max {int(diff.max())}"
    return "ok", f"{want.size} values equal"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("seanet_dir", type=pathlib.Path)
    parser.add_argument("--only", default="")
    options = parser.parse_args()
    models = sorted(p for p in options.seanet_dir.rglob("*.tflite") if options.only in p.name)
    counts = {}
    with tempfile.TemporaryDirectory() as tmp:
        for model in models:
            status, detail = check(model, pathlib.Path(tmp))
            counts[status] = counts.get(status, 0) + 1
            print(f"{status:8} {model.parent.name}/{model.name}: {detail}", flush=True)
    print("summary: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    return 0 if set(counts) <= {"ok", "skip"} and counts.get("ok") else 1


if __name__ == "__main__":
    sys.exit(main())
