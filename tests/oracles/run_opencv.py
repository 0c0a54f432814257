#!/usr/bin/python3
"""OpenCV dnn oracle (Debian's python3-opencv 4.6) for Caffe and TensorFlow models.

usage: /usr/bin/python3 run_opencv.py MODEL [WEIGHTS] --input NAME=FILE.npy ... --out-dir D
  Caffe:      run_opencv.py net.prototxt net.caffemodel --input data=x.npy --out-dir D
  TensorFlow: run_opencv.py frozen.pb [graph.pbtxt] --input input=x.npy --out-dir D
Writes each output as D/<sanitized output name>.npy. Outputs are the unconnected output layers
unless --output NAME (repeatable) names them: a layer's first output, or NAME:K its output K.

OpenCV keeps 4-D blobs in NCHW even for TensorFlow graphs: it expects NCHW input blobs and
returns NCHW outputs. With --nhwc, 4-D inputs are transposed NHWC->NCHW before the run and 4-D
outputs NCHW->NHWC after it, so a TensorFlow graph is fed and compared in its own layout.
"""

import argparse
import os
import re
import sys

import cv2
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from output_names import output_file_names  # noqa: E402




def load_net(model, weights):
    if model.endswith(".prototxt"):
        if not weights:
            raise SystemExit("run_opencv.py: a Caffe .prototxt needs its .caffemodel")
        return cv2.dnn.readNetFromCaffe(model, weights)
    if model.endswith(".pb"):
        return cv2.dnn.readNetFromTensorflow(model, weights) if weights else \
            cv2.dnn.readNetFromTensorflow(model)
    raise SystemExit(f"run_opencv.py: cannot tell the format of '{model}' (.prototxt or .pb)")


def forward(net, names):
    """Runs the net; NAME is a layer's first output, NAME:K its output K (a Slice that crops
    leading rows keeps its wanted part in a later top)."""
    picks = [re.fullmatch(r"(.*):(\d+)", name) for name in names]
    if not any(picks):
        return net.forward(names)
    layers = [pick.group(1) if pick else name for pick, name in zip(picks, names)]
    outputs = net.forwardAndRetrieve(layers)
    return [outs[int(pick.group(2)) if pick else 0] for pick, outs in zip(picks, outputs)]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("model")
    parser.add_argument("weights", nargs="?")
    parser.add_argument("--input", action="append", default=[], metavar="NAME=FILE.npy")
    parser.add_argument("--output", action="append", default=[], metavar="NAME")
    parser.add_argument("--out-dir", required=True)
    parser.add_argument("--nhwc", action="store_true", help="TensorFlow layout for 4-D tensors")
    args = parser.parse_args()
    if not args.input:
        parser.error("at least one --input NAME=FILE.npy")
    cv2.setNumThreads(1)
    try:
        net = load_net(args.model, args.weights)
        net.setPreferableBackend(cv2.dnn.DNN_BACKEND_OPENCV)
        net.setPreferableTarget(cv2.dnn.DNN_TARGET_CPU)
        for spec in args.input:
            if "=" not in spec:
                parser.error(f"--input wants NAME=FILE.npy, got '{spec}'")
            name, path = spec.rsplit("=", 1)
            blob = np.load(path)
            if args.nhwc and blob.ndim == 4:
                blob = blob.transpose(0, 3, 1, 2)
            net.setInput(np.ascontiguousarray(blob, dtype=np.float32), name)
        names = args.output or list(net.getUnconnectedOutLayersNames())
        results = forward(net, names)
    except cv2.error as error:
        message = str(error).strip().splitlines()
        print(f"opencv: {args.model}: {message[-1] if message else error}", file=sys.stderr)
        sys.exit(2)
    os.makedirs(args.out_dir, exist_ok=True)
    for file_name, result in zip(output_file_names(names), results):
        if args.nhwc and result.ndim == 4:
            result = result.transpose(0, 2, 3, 1)
        path = os.path.join(args.out_dir, file_name)
        np.save(path + ".tmp.npy", np.ascontiguousarray(result))
        os.replace(path + ".tmp.npy", path)


if __name__ == "__main__":
    main()
