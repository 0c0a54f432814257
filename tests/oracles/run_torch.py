#!/usr/bin/python3
"""PyTorch oracle: runs a seeded random-init torchvision model (see torch_models.py).

usage: /usr/bin/python3 run_torch.py MODEL_NAME --seed N --input NAME=FILE.npy --out-dir D
Writes the single output as D/<output name>.npy (default name "output", --output-name to
change it). Runs on one CPU thread.
"""

import argparse
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torch_models  # noqa: E402
from output_names import output_file_names  # noqa: E402




def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("model", help="torchvision model name: " + ", ".join(torch_models.MODELS))
    parser.add_argument("--seed", type=int, default=0, help="weight initialisation seed")
    parser.add_argument("--input", action="append", default=[], metavar="NAME=FILE.npy")
    parser.add_argument("--out-dir", required=True)
    parser.add_argument("--output-name", default="output")
    args = parser.parse_args()
    if len(args.input) != 1 or "=" not in args.input[0]:
        parser.error("exactly one --input NAME=FILE.npy")
    torch.set_num_threads(1)
    try:
        model = torch_models.build_model(args.model, args.seed)
    except ValueError as error:
        parser.error(str(error))
    data = np.load(args.input[0].split("=", 1)[1])
    with torch.no_grad():
        result = model(torch.from_numpy(np.ascontiguousarray(data, dtype=np.float32)))
    os.makedirs(args.out_dir, exist_ok=True)
    path = os.path.join(args.out_dir, output_file_names([args.output_name])[0])
    np.save(path + ".tmp.npy", result.numpy())
    os.replace(path + ".tmp.npy", path)


if __name__ == "__main__":
    main()
