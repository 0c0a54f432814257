#!/usr/bin/python3
"""Exports seeded random-init torchvision models to ONNX, with a seeded input and torch's output.

usage: /usr/bin/python3 export_models.py --out-dir DIR [--models a,b,...] [--seed N]

For each model, DIR/NAME/ gets model.onnx (torch.onnx.export, opset 13, eval mode, input
"input", output "output"), input.npy and torch/output.npy. A stamp file records what produced
them (this script, torch_models.py, seed, torch version); a model whose stamp matches is not
exported again, so reruns are quick.
"""

import argparse
import hashlib
import os
import sys
import time

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "oracles"))
import torch_models  # noqa: E402

# The twelve models of the torchvision oracle test (resnet50 is exported for the benchmark).
TEST_MODELS = [
    "resnet18", "mobilenet_v2", "mobilenet_v3_small", "squeezenet1_1", "googlenet", "densenet121",
    "shufflenet_v2_x1_0", "mnasnet0_5", "efficientnet_b0", "vgg11", "alexnet", "regnet_x_400mf",
]
OPSET = 13
INPUT_SEED_OFFSET = 1000  # the input's seed is the weights' seed plus this


def stamp_text(name, seed):
    digest = hashlib.sha256()
    for path in (os.path.abspath(__file__), torch_models.__file__):
        with open(path, "rb") as f:
            digest.update(f.read())
    return f"{name} seed={seed} opset={OPSET} torch={torch.__version__} {digest.hexdigest()}\n"


def write_atomically(path, write):
    temp = path + ".tmp"
    write(temp)
    os.replace(temp, path)


def export(name, seed, folder):
    stamp_path = os.path.join(folder, "stamp.txt")
    stamp = stamp_text(name, seed)
    if os.path.exists(stamp_path) and open(stamp_path).read() == stamp:
        return False
    os.makedirs(os.path.join(folder, "torch"), exist_ok=True)
    model = torch_models.build_model(name, seed)
    data = torch_models.seeded_input(torch_models.input_shape(name), seed + INPUT_SEED_OFFSET)
    with torch.no_grad():
        output = model(torch.from_numpy(data)).numpy()
    write_atomically(os.path.join(folder, "input.npy"), lambda p: np.save(open(p, "wb"), data))
    write_atomically(os.path.join(folder, "torch", "output.npy"),
                     lambda p: np.save(open(p, "wb"), output))

    def write_onnx(path):
        torch.onnx.export(model, torch.from_numpy(data), path, opset_version=OPSET,
                          input_names=["input"], output_names=["output"],
                          do_constant_folding=True)
    write_atomically(os.path.join(folder, "model.onnx"), write_onnx)
    write_atomically(stamp_path, lambda p: open(p, "w").write(stamp))
    return True


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out-dir", required=True)
    parser.add_argument("--models", default=",".join(TEST_MODELS),
                        help="comma-separated names (default: the twelve test models)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    torch.set_num_threads(1)
    for name in args.models.split(","):
        if name not in torch_models.MODELS:
            parser.error(f"unknown model '{name}'")
        start = time.time()
        fresh = export(name, args.seed, os.path.join(args.out_dir, name))
        print(f"{name}: {'exported' if fresh else 'cached'} ({time.time() - start:.1f} s)",
              flush=True)


if __name__ == "__main__":
    main()
