#!/usr/bin/python3
"""Conversion matrix: every source model x every target format nnport writes, each side run in
its own oracle runtime on the same seeded inputs, compared with `nnport compare-npy`.

usage: /usr/bin/python3 validation_matrix.py --nnport BIN --registry DIR --cache-dir DIR
           --out FILE.md [--conformance FILE.md] [--torchvision FILE.md] [--only SUBSTRING]

The registry folder holds oracles.tsv, sources.tsv and targets.tsv (each documents its
columns). To add a format: a line in targets.tsv (and its runner in oracles.tsv); to add a model:
a line in sources.tsv. Exit code 1 when a converted model runs but disagrees with its source (or
an oracle fails); refusals by nnport are reported, with the reason, and are not failures.
"""

import argparse
import datetime
import os
import shlex
import subprocess
import sys

import numpy as np

REPO = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import shared_testdata  # noqa: E402

SHARED = shared_testdata.ROOT
MAX_REL = 1e-4
MIN_SNR_DB = 80.0
INPUT_SEED = 20240601
METRICS = ["max_abs", "max_rel", "snr_db", "psnr_db", "cosine"]
COLUMNS = ["model", "path", "output"] + METRICS + ["result"]


def read_tsv(path, fields):
    rows = []
    for number, line in enumerate(open(path), 1):
        if not line.strip() or line.startswith("#"):
            continue
        values = line.rstrip("\n").split("\t")
        if len(values) != len(fields):
            sys.exit(f"{path}:{number}: {len(values)} columns, expected {len(fields)} "
                     f"({', '.join(fields)})")
        rows.append(dict(zip(fields, values)))
    return rows


def expand(text, **values):
    for key, value in values.items():
        text = text.replace("{" + key + "}", value)
    return text


def last_line(done):
    lines = (done.stderr or "").strip().splitlines() or (done.stdout or "").strip().splitlines()
    return lines[-1] if lines else f"exit code {done.returncode}"


def run_shell(command):
    return subprocess.run(command, shell=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True)


def make_inputs(spec, folder):
    """Seeded float32 standard-normal inputs; returns the "--input NAME=FILE" argument string."""
    os.makedirs(folder, exist_ok=True)
    args = []
    for index, item in enumerate(s for s in spec.split(";") if s):
        name, dims = item.rsplit(":", 1)
        shape = tuple(int(d) for d in dims.split("x"))
        data = np.random.default_rng(INPUT_SEED + index).standard_normal(shape, dtype=np.float32)
        path = os.path.join(folder, f"input_{index}.npy")
        np.save(path, data)
        args.append(f"--input {shlex.quote(name + '=' + path)}")
    return " ".join(args)


def run_oracle(oracles, name, model, weights, inputs, out_dir, nnport):
    if name not in oracles:
        return f"no oracle '{name}' in oracles.tsv"
    command = expand(oracles[name], repo=REPO, nnport=nnport, model=shlex.quote(model),
                     weights="" if weights == "-" else shlex.quote(weights), inputs=inputs,
                     out_dir=shlex.quote(out_dir))
    done = run_shell(command)
    return None if done.returncode == 0 else f"{name}: {last_line(done)}"


def output_files(folder):
    return sorted(f for f in os.listdir(folder) if f.endswith(".npy")) if os.path.isdir(folder) \
        else []


def pair_outputs(source_dir, target_dir):
    """Outputs matched by file name; a single output on each side is matched whatever its name."""
    source, target = output_files(source_dir), output_files(target_dir)
    if source == target:
        return [(f, f) for f in source], None
    if len(source) == 1 and len(target) == 1:
        return [(source[0], target[0])], None
    return [], f"outputs differ: source {source}, converted {target}"


def compare(nnport, reference, output, name):
    done = subprocess.run([nnport, "compare-npy", reference, output, "--tsv", "--name", name,
                           "--max-rel", str(MAX_REL), "--min-snr", str(MIN_SNR_DB)],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if done.returncode not in (0, 3):
        return None, f"compare-npy: {last_line(done)}"
    fields = done.stdout.strip().split("\t")
    metrics = dict(zip(["output", "shape", "max_abs", "max_rel", "l1_mean"] + METRICS[2:], fields))
    return metrics, "pass" if done.returncode == 0 else "FAIL"


def check_pair(source, target, oracles, args):
    """Rows of the table for one source model converted to one target format."""
    work = os.path.join(args.cache_dir, "matrix", source["id"], target["format"])
    path = f"{source['format']} → {target['format']}"
    row = {"model": source["id"], "path": path}
    model = expand(source["model"], repo=REPO, shared=SHARED, cache=args.cache_dir)
    weights = expand(source["weights"], repo=REPO, shared=SHARED, cache=args.cache_dir)
    if source["prepare"] != "-":
        done = run_shell(expand(source["prepare"], repo=REPO, shared=SHARED, cache=args.cache_dir))
        if done.returncode != 0:
            return [dict(row, output="-", result=f"FAIL (prepare: {last_line(done)})")]
    if not os.path.exists(model):
        return [dict(row, output="-", result=f"skipped (no {model})")]
    inputs = make_inputs(source["inputs"], os.path.join(work, "inputs"))
    converted = os.path.join(work, "converted" + target["extension"])
    converted_weights = "-" if target["weights_extension"] == "-" else \
        os.path.join(work, "converted" + target["weights_extension"])
    for stale in (converted, converted_weights):
        if stale != "-" and os.path.exists(stale):
            os.remove(stale)
    flags = "" if target["convert_flags"] == "-" else target["convert_flags"]
    done = run_shell(f"{shlex.quote(args.nnport)} convert {shlex.quote(model)} "
                     f"{shlex.quote(converted)} --from {source['format']} "
                     f"--to {target['format']} {flags}")
    if done.returncode == 2:
        return [dict(row, output="-", result=f"refused: {last_line(done)}")]
    if done.returncode != 0:
        return [dict(row, output="-", result=f"FAIL (convert: {last_line(done)})")]
    source_out, target_out = os.path.join(work, "source_out"), os.path.join(work, "target_out")
    for folder in (source_out, target_out):
        for stale in output_files(folder):
            os.remove(os.path.join(folder, stale))
    error = run_oracle(oracles, source["oracle"], model, weights, inputs, source_out, args.nnport)
    if error:
        return [dict(row, output="-", result=f"FAIL (source oracle {error})")]
    error = run_oracle(oracles, target["oracle"], converted, converted_weights, inputs, target_out,
                       args.nnport)
    if error:
        return [dict(row, output="-", result=f"FAIL (target oracle {error})")]
    pairs, error = pair_outputs(source_out, target_out)
    if error:
        return [dict(row, output="-", result=f"FAIL ({error})")]
    rows = []
    for source_file, target_file in pairs:
        name = source_file[:-len(".npy")]
        metrics, verdict = compare(args.nnport, os.path.join(source_out, source_file),
                                   os.path.join(target_out, target_file), name)
        if metrics is None:
            rows.append(dict(row, output=name, result=f"FAIL ({verdict})"))
        else:
            rows.append(dict(row, output=name, result=verdict,
                             **{m: metrics.get(m, "-") for m in METRICS}))
    return rows


def markdown_table(rows):
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    for row in rows:
        lines.append("| " + " | ".join(str(row.get(c, "-")).replace("|", "/")
                                       for c in COLUMNS) + " |")
    return "\n".join(lines) + "\n"


def include(path, missing_note):
    if path and os.path.exists(path):
        return open(path).read().rstrip() + "\n"
    return missing_note + "\n"


def write_report(path, rows, args):
    failures = [r for r in rows if r["result"].startswith("FAIL")]
    refusals = [r for r in rows if r["result"].startswith("refused")]
    text = [
        "# Validation",
        "",
        "Generated by `scripts/validation-report.sh` on "
        f"{datetime.date.today().isoformat()}; do not edit by hand.",
        "",
        "## Conversion matrix",
        "",
        "Each source model runs in its own oracle runtime; nnport converts it to each target "
        "format, and the converted file runs in the target's oracle on the same seeded inputs "
        f"(float32 standard normal, seed {INPUT_SEED}). Metrics are those of `nnport compare` "
        "(SEMANTICS.md §6), source as reference. A path passes with max_rel <= "
        f"{MAX_REL:g} and SNR >= {MIN_SNR_DB:g} dB. Sources, targets and oracles are listed in "
        "scripts/validation/*.tsv.",
        "",
        markdown_table(rows),
        f"{len(rows) - len(failures) - len(refusals)} passed, {len(failures)} failed, "
        f"{len(refusals)} refused.",
        "",
        "## ONNX backend conformance",
        "",
        include(args.conformance, "(not run: `ctest -L oracle` writes it)"),
        "## torchvision models",
        "",
        "Seeded random-init models (BatchNorm statistics calibrated on seeded batches), exported "
        "with `torch.onnx.export` (opset 13). Reference: torch. `nnport` is the executor on the "
        "exported model; `onnxruntime` is ONNX Runtime on nnport's ONNX → ONNX conversion; "
        "`onnxruntime-src` is ONNX Runtime on the exported model (the oracle's own distance "
        "from torch).",
        "",
        include(args.torchvision, "(not run: `ctest -L oracle` writes it)"),
    ]
    temp = path + ".tmp"
    with open(temp, "w") as f:
        f.write("\n".join(text))
    os.replace(temp, path)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--nnport", required=True)
    parser.add_argument("--registry", required=True, help="folder of the three .tsv files")
    parser.add_argument("--cache-dir", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--conformance", help="Markdown written by nnport_conformance --report")
    parser.add_argument("--torchvision", help="Markdown written by compare_models.py --report")
    parser.add_argument("--only", default="", help="only sources whose id contains this")
    args = parser.parse_args()
    args.nnport = os.path.abspath(args.nnport)
    args.cache_dir = os.path.abspath(args.cache_dir)
    oracles = {o["name"]: o["command"]
               for o in read_tsv(os.path.join(args.registry, "oracles.tsv"), ["name", "command"])}
    sources = read_tsv(os.path.join(args.registry, "sources.tsv"),
                       ["id", "format", "model", "weights", "oracle", "inputs", "prepare"])
    targets = read_tsv(os.path.join(args.registry, "targets.tsv"),
                       ["format", "extension", "weights_extension", "oracle", "convert_flags"])
    rows = []
    for source in sources:
        if args.only not in source["id"]:
            continue
        for target in targets:
            new_rows = check_pair(source, target, oracles, args)
            for row in new_rows:
                print(f"{row['model']:32} {row['path']:18} {row.get('output', '-'):16} "
                      f"max_rel {row.get('max_rel', '-'):>12}  SNR {row.get('snr_db', '-'):>8}  "
                      f"{row['result']}", flush=True)
            rows.extend(new_rows)
    write_report(args.out, rows, args)
    failures = [r for r in rows if r["result"].startswith("FAIL")]
    print(f"\nwrote {args.out}: {len(rows)} rows, {len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
