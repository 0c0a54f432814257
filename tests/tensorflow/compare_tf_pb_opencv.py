#!/usr/bin/python3
"""Frozen TensorFlow GraphDefs (.pb): tfjs-wasm (reference) vs OpenCV dnn vs ONNX Runtime on
nnport's conversion, on the same .pb and the same seeded input.

Models: the generated TF-slim MobileNet v1/v2 (tests/generators/tf_mobilenet.py, written into the
cache folder on first use) and the frozen graphs of ../shared/testdata/tensorflow/
tf2onnx-test-models (inputs and outputs from its INPUTS.md; they get the ramp input the upstream
tests feed). OpenCV fuses nodes and names its output layers after the fused node (fc-layers'
"output" Identity is layer "model/pred/MatMul"), so each model names its OpenCV output layer.
Each runner's output is compared with tfjs's by `nnport compare-npy` (max relative error
|r - o| / max(1, |r|, |o|)).

Usage: compare_tf_pb_opencv.py --nnport BIN --cache-dir DIR [--max-rel 1e-4] [--report FILE.md]
Exit code 1 when any runner disagrees with tfjs beyond the tolerance or fails.
"""
import argparse
import os
import re
import subprocess
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.normpath(os.path.join(HERE, '..', '..'))
ORACLES = os.path.join(REPO, 'tests', 'oracles')
sys.path.insert(0, ORACLES)
import shared_testdata  # noqa: E402
TF2ONNX = shared_testdata.path('tensorflow', 'tf2onnx-test-models')


def run(cmd):
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=900)
    return p.returncode, (p.stdout + p.stderr).strip()


def models(cache, shared):
    gen = os.path.join(cache, 'generated')
    found = []
    for net in ('v1', 'v2'):
        path = os.path.join(gen, f'mobilenet_{net}_1.0_224.pb')
        if not os.path.exists(path):
            code, text = run(['/usr/bin/python3',
                              os.path.join(REPO, 'tests', 'generators', 'tf_mobilenet.py'), gen])
            if code != 0:
                raise SystemExit(text)
        out = f'Mobilenet{net.upper()}/Predictions/Reshape_1'
        found.append((f'tf-slim-mobilenet_{net}', path, 'input', [1, 224, 224, 3], False, out,
                      out))
    if not shared.present('the tf2onnx frozen graphs'):
        return found
    for mid, rel, shape, out, cv_out in (
            ('regression', 'regression/graphdef/frozen.pb', [1], 'pred', 'Add'),
            ('fc-layers', 'fc-layers/frozen.pb', [1, 784], 'output', 'model/pred/MatMul'),
            ('ae0', 'ae0/frozen.pb', [1, 784], 'output', 'decode/dense_1/Sigmoid')):
        found.append((f'tf2onnx-{mid}', os.path.join(TF2ONNX, rel), 'X', shape, True, out,
                      cv_out))
    return found


def max_rel(nnport, ref, other):
    code, text = run([nnport, 'compare-npy', ref, other, '--tsv'])
    if code != 0:
        raise RuntimeError(text)
    return float(text.splitlines()[-1].split('\t')[3])


def check(args, model_id, pb, input_name, shape, ramp, output, cv_output):
    work = os.path.join(args.cache_dir, 'pb-runs', model_id)
    os.makedirs(work, exist_ok=True)
    if ramp:
        x = np.arange(int(np.prod(shape)), dtype=np.float32).reshape(shape)
    else:
        x = np.random.RandomState(1234).uniform(-1, 1, shape).astype(np.float32)
    feed = os.path.join(work, 'x.npy')
    np.save(feed, x)
    onnx = os.path.join(work, 'converted.onnx')
    file_name = re.sub(r'[^A-Za-z0-9._-]', '_', output) + '.npy'
    steps = [
        ('tfjs', ['node', os.path.join(ORACLES, 'run_tfjs.mjs'), pb, '--input',
                  f'{input_name}={feed}', '--output', output, '--out-dir',
                  os.path.join(work, 'tfjs')]),
        ('opencv', ['/usr/bin/python3', os.path.join(ORACLES, 'run_opencv.py'), pb, '--nhwc',
                    '--input', f'{input_name}={feed}', '--output', cv_output, '--out-dir',
                    os.path.join(work, 'opencv')]),
        ('convert', [args.nnport, 'convert', pb, onnx, '--input',
                     f'{input_name}:' + ','.join(map(str, shape)), '--output', output]),
        ('onnxruntime', ['node', os.path.join(ORACLES, 'run_onnxruntime.mjs'), onnx, '--input',
                         f'{input_name}={feed}', '--out-dir', os.path.join(work, 'onnxruntime')]),
    ]
    for step, cmd in steps:
        code, text = run(cmd)
        if code != 0:
            return {'id': model_id, 'error': f'{step}: {text[-300:]}'}
    reference = os.path.join(work, 'tfjs', file_name)
    cv_file = os.path.join(work, 'opencv', re.sub(r'[^A-Za-z0-9._-]', '_', cv_output) + '.npy')
    # OpenCV has no 1-D blobs (regression's [1] comes back as [1, 1]): same values, TF's shape.
    ref_shape, cv_values = np.load(reference).shape, np.load(cv_file)
    if cv_values.shape != ref_shape and cv_values.size == int(np.prod(ref_shape)):
        np.save(cv_file, cv_values.reshape(ref_shape))
    return {'id': model_id,
            'opencv': max_rel(args.nnport, reference, cv_file),
            'onnxruntime': max_rel(args.nnport, reference,
                                   os.path.join(work, 'onnxruntime', file_name))}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--nnport', required=True)
    parser.add_argument('--cache-dir', required=True)
    parser.add_argument('--max-rel', type=float, default=1e-4)
    parser.add_argument('--report')
    args = parser.parse_args()
    failed = []
    shared = shared_testdata.Optional('oracle_tensorflow_pb')
    lines = ['| model | status | OpenCV vs tfjs | ONNX Runtime vs tfjs |', '|---|---|---:|---:|']
    for entry in models(args.cache_dir, shared):
        row = check(args, *entry)
        if 'error' in row:
            print(f"{row['id']}\terror\t{row['error']}")
            lines.append(f"| {row['id']} | error: {row['error'][-120:]} | | |")
            failed.append(row['id'])
            continue
        ok = max(row['opencv'], row['onnxruntime']) <= args.max_rel
        print(f"{row['id']}\t{'ok' if ok else 'mismatch'}\tOpenCV vs tfjs {row['opencv']:.2e}"
              f"\tONNX Runtime vs tfjs {row['onnxruntime']:.2e}", flush=True)
        lines.append(f"| {row['id']} | {'ok' if ok else 'mismatch'} | {row['opencv']:.2e} | "
                     f"{row['onnxruntime']:.2e} |")
        if not ok:
            failed.append(row['id'])
    if args.report:
        with open(args.report, 'w') as f:
            f.write(f'Max relative error against tfjs-wasm (tolerance {args.max_rel:g}).\n\n'
                    + '\n'.join(lines) + '\n')
    for model_id in failed:
        print(f'FAILED: {model_id}')
    sys.exit(shared.exit_code(failed))


if __name__ == '__main__':
    main()
