#!/usr/bin/python3
"""Oracle test for the MXNet reader on the real symbol file dnnl_test_model1-symbol.json.

MXNet cannot run here. This script gives the real symbol seeded weights (writing the .params
file with its own NDArray-list writer, independent of nnport's), runs the same network in
PyTorch, and checks (a) `nnport run` on the MXNet checkpoint and (b) `nnport convert` to ONNX
run in ONNX Runtime against PyTorch.

The input is 1x3x68x68 so that pool3's pooling_convention "full" matters: 17 -> 9 windows
(valid would give 8). PyTorch's ceil_mode equals "full" here because no ceil window starts in
the padding (pad 0, last start 16 < 17).

usage: oracle_dnnl.py --nnport BUILD/nnport --work DIR [--repo ROOT]
"""
import argparse
import json
import os
import subprocess
import sys

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "oracles"))
from ndarray_file import write_params  # noqa: E402
import shared_testdata  # noqa: E402

INPUT_SHAPE = (1, 3, 68, 68)


def tup(text):
    return tuple(int(v) for v in text.strip("()[] ").split(",") if v.strip())


def build(symbol, rng):
    """Seeded parameters for every Convolution (He-scaled so activations stay O(1))."""
    params, channels = {}, {0: INPUT_SHAPE[1]}
    nodes = symbol["nodes"]
    for i, n in enumerate(nodes):
        if n["op"] == "null":
            continue
        src = n["inputs"][0][0]
        channels[i] = channels.get(src, INPUT_SHAPE[1])
        if n["op"] == "Convolution":
            a = n["attrs"]
            out_c, (kh, kw) = int(a["num_filter"]), tup(a["kernel"])
            fan_in = channels[i] * kh * kw
            w = rng.standard_normal((out_c, channels[i], kh, kw)) * np.sqrt(2.0 / fan_in)
            b = rng.standard_normal(out_c) * 0.1
            params[nodes[n["inputs"][1][0]]["name"]] = w.astype(np.float32)
            params[nodes[n["inputs"][2][0]]["name"]] = b.astype(np.float32)
            channels[i] = out_c
    return params


def torch_forward(symbol, params, x):
    values = {0: torch.from_numpy(x)}
    for i, n in enumerate(symbol["nodes"]):
        if n["op"] == "null":
            continue
        a = n.get("attrs", {})
        v = values[n["inputs"][0][0]]
        if n["op"] == "Convolution":
            w = torch.from_numpy(params[symbol["nodes"][n["inputs"][1][0]]["name"]])
            b = torch.from_numpy(params[symbol["nodes"][n["inputs"][2][0]]["name"]])
            values[i] = F.conv2d(v, w, b, padding=tup(a.get("pad", "(0, 0)")),
                                 dilation=tup(a.get("dilate", "(1, 1)")))
        elif n["op"] == "Activation":
            values[i] = F.relu(v)
        elif n["op"] == "Pooling":
            if a.get("global_pool") == "True":
                values[i] = v.mean(dim=(2, 3), keepdim=True)
                continue
            assert a["pool_type"] == "max"
            values[i] = F.max_pool2d(v, tup(a["kernel"]), tup(a.get("stride", "(1, 1)")),
                                     tup(a.get("pad", "(0, 0)")),
                                     ceil_mode=a.get("pooling_convention") == "full")
        elif n["op"] == "Flatten":
            values[i] = v.flatten(1)
        elif n["op"] == "SoftmaxOutput":
            values[i] = F.softmax(v, dim=1)
        else:
            raise SystemExit(f"unexpected op {n['op']}")
    return values[symbol["heads"][0][0]].numpy()


def compare(name, ref, out):
    ref, out = ref.astype(np.float64).ravel(), out.astype(np.float64).ravel()
    err = np.abs(ref - out)
    rel = (err / np.maximum(1.0, np.maximum(np.abs(ref), np.abs(out)))).max()
    noise = (err ** 2).sum()
    snr = float("inf") if noise == 0 else 10 * np.log10((ref ** 2).sum() / noise)
    # Softmax outputs are ~1e-3: judge them relative to their own scale too.
    scaled = (err / np.abs(ref).max()).max()
    ok = rel <= 1e-4 and scaled <= 1e-4 and snr >= 80
    print(f"{name}: max abs {err.max():.3g}, max rel {rel:.3g}, max err / max |ref| "
          f"{scaled:.3g}, SNR {snr:.1f} dB -> {'ok' if ok else 'FAIL'}")
    return ok


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--nnport", required=True)
    p.add_argument("--work", required=True)
    p.add_argument("--repo", default=os.path.join(os.path.dirname(__file__), "..", ".."))
    args = p.parse_args()
    shared_testdata.require("mxnet_oracle_dnnl", "the real MXNet symbol file")
    repo = os.path.abspath(args.repo)
    source = shared_testdata.path("mxnet", "dnnl_test_model1-symbol.json")
    os.makedirs(args.work, exist_ok=True)
    with open(source) as f:
        symbol = json.load(f)
    rng = np.random.default_rng(20261126)
    params = build(symbol, rng)
    prefix = os.path.join(args.work, "dnnl_test_model1")
    with open(source) as f, open(prefix + "-symbol.json", "w") as out:
        out.write(f.read())
    write_params(prefix + "-0000.params", [("arg:" + k, v) for k, v in sorted(params.items())])
    x = rng.standard_normal(INPUT_SHAPE).astype(np.float32)
    np.save(os.path.join(args.work, "data.npy"), x)
    reference = torch_forward(symbol, params, x)
    print(f"PyTorch output {reference.shape}, argmax {reference.argmax()}")

    dims = "data:" + ",".join(str(d) for d in INPUT_SHAPE)
    run_dir = os.path.join(args.work, "nnport_out")
    subprocess.run([args.nnport, "run", prefix + "-symbol.json", "--input",
                    "data=" + os.path.join(args.work, "data.npy"), "--out-dir", run_dir],
                   check=True)
    outputs = [f for f in os.listdir(run_dir) if f.endswith(".npy")]
    ok = compare("nnport executor (MXNet) vs PyTorch", reference,
                 np.load(os.path.join(run_dir, outputs[0])))

    onnx_path = prefix + ".onnx"
    subprocess.run([args.nnport, "convert", prefix + "-symbol.json", onnx_path, "--input", dims],
                   check=True)
    ort_dir = os.path.join(args.work, "ort_out")
    subprocess.run(["node", os.path.join(repo, "tests", "oracles", "run_onnxruntime.mjs"),
                    onnx_path, "--input", "data=" + os.path.join(args.work, "data.npy"),
                    "--out-dir", ort_dir], check=True)
    outputs = [f for f in os.listdir(ort_dir) if f.endswith(".npy")]
    ok = compare("ONNX Runtime (MXNet -> ONNX) vs PyTorch", reference,
                 np.load(os.path.join(ort_dir, outputs[0]))) and ok
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
