#!/usr/bin/python3
"""Caffe models: OpenCV dnn (reference, reads the Caffe files itself) vs nnport's executor on the
same files vs ONNX Runtime on the .onnx nnport writes from them.

Models: the trained MTCNN det1-det4 (../shared/testdata/caffe/mtcnn, as shipped), and the BVLC
network definitions (AlexNet, CaffeNet, GoogLeNet, LeNet, CIFAR-10 quick/full) with seeded
weights: `nnport convert NET.prototxt seeded.prototxt --seed-weights 1 --input data:1,...` writes
seeded.prototxt + seeded.caffemodel (batch 1), and all three runtimes run those.

Input: uniform [-1, 1), numpy RandomState(1234). Metrics from `nnport compare-npy` (max abs,
max relative |r - o| / max(1, |r|, |o|), L1 mean, SNR, PSNR, cosine), OpenCV as reference.

Usage: compare_caffe_models.py --nnport BIN --work DIR [--report FILE.md] [--max-rel 1e-5]
Exit code 1 when any model fails to convert or run, or any output is over --max-rel.
"""
import argparse
import os
import re
import subprocess
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.normpath(os.path.join(HERE, '..', '..'))
ORACLES = os.path.join(REPO, 'tests', 'oracles')
sys.path.insert(0, HERE)
sys.path.insert(0, ORACLES)
import shared_testdata  # noqa: E402
TESTDATA = shared_testdata.path('caffe')
from caffe_proto import read_prototxt  # noqa: E402
from output_names import output_file_names  # noqa: E402

BVLC = ['bvlc_alexnet', 'bvlc_reference_caffenet', 'bvlc_googlenet', 'mnist_lenet',
        'cifar10_cifar10_quick', 'cifar10_cifar10_full']
METRICS = ['max_abs', 'max_rel', 'l1_mean', 'snr_db', 'psnr_db', 'cosine']


def run(cmd, timeout=1800):
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    if p.returncode != 0:
        raise RuntimeError(f"{os.path.basename(cmd[0])} {' '.join(cmd[1:3])}: "
                           f"{(p.stdout + p.stderr).strip()[-600:]}")
    return p.stdout


def network_io(prototxt):
    """Inputs {blob: dims} and the outputs as (blob, layer that last wrote it): blobs written and
    read by no later layer, Caffe's rule (the in-place layers of these nets keep the name)."""
    net = read_prototxt(prototxt)
    inputs = {}
    for i, name in enumerate(net.input):
        inputs[name] = (list(net.input_shape[i].dim) if net.input_shape else
                        list(net.input_dim[4 * i:4 * i + 4]))
    unread = {}
    for order, layer in enumerate(net.layer):
        if layer.type == 'Input':
            for top, shape in zip(layer.top, layer.input_param.shape):
                inputs[top] = list(shape.dim)
            continue
        for bottom in layer.bottom:
            unread.pop(bottom, None)
        for top in layer.top:
            unread[top] = (order, layer.name)
    outputs = [(blob, layer) for blob, (_, layer) in sorted(unread.items(), key=lambda i: i[1])]
    return inputs, outputs


def metrics_of(nnport, reference, output):
    fields = run([nnport, 'compare-npy', reference, output, '--tsv']).strip().split('\t')
    return dict(zip(METRICS, (float(v) for v in fields[2:8])))


def check_model(args, model_id, prototxt, caffemodel, work, input_dims=None):
    inputs, outputs = network_io(prototxt)
    inputs.update(input_dims or {})
    rng = np.random.RandomState(1234)
    feeds, sizes = [], []
    for name, dims in inputs.items():
        path = os.path.join(work, output_file_names([name])[0])
        np.save(path, rng.uniform(-1, 1, dims).astype(np.float32))
        feeds += ['--input', f'{name}={path}']
        if input_dims and name in input_dims:
            sizes += ['--input', f'{name}:' + ','.join(str(d) for d in dims)]
    onnx = os.path.join(work, 'converted.onnx')
    run([args.nnport, 'convert', prototxt, onnx] + sizes)
    run(['/usr/bin/python3', os.path.join(ORACLES, 'run_opencv.py'), prototxt, caffemodel] +
        feeds + [f'--output={layer}' for _, layer in outputs] +
        ['--out-dir', os.path.join(work, 'opencv')])
    run([args.nnport, 'run', prototxt] + sizes + feeds +
        ['--out-dir', os.path.join(work, 'nnport')])
    run(['node', os.path.join(ORACLES, 'run_onnxruntime.mjs'), onnx] + feeds +
        ['--out-dir', os.path.join(work, 'onnxruntime')])
    rows = []
    reference_files = output_file_names([layer for _, layer in outputs])
    result_files = output_file_names([blob for blob, _ in outputs])
    for (blob, _), reference, result in zip(outputs, reference_files, result_files):
        reference = os.path.join(work, 'opencv', reference)
        shape = 'x'.join(str(d) for d in np.load(reference).shape)
        for runner in ('nnport', 'onnxruntime'):
            m = metrics_of(args.nnport, reference, os.path.join(work, runner, result))
            rows.append({'model': model_id, 'output': blob, 'shape': shape, 'runner': runner,
                         **m, 'ok': m['max_rel'] <= args.max_rel})
    return rows


def models():
    """(id, prototxt, caffemodel, BVLC net to seed, input sizes other than the prototxt's)."""
    found = []
    for det in ('det1', 'det2', 'det3', 'det4'):
        base = os.path.join(TESTDATA, 'mtcnn', det)
        found.append((f'mtcnn-{det}', base + '.prototxt', base + '.caffemodel', None, None))
    # P-Net is fully convolutional and runs on whole images: odd sizes exercise the ceil-mode
    # pooling tails.
    base = os.path.join(TESTDATA, 'mtcnn', 'det1')
    found.append(('mtcnn-det1 (1x3x31x43)', base + '.prototxt', base + '.caffemodel', None,
                  {'data': [1, 3, 31, 43]}))
    for net in BVLC:
        found.append((f'{net} (seeded)', os.path.join(TESTDATA, 'bvlc-prototxt', net + '.prototxt'),
                      None, net, None))
    return found


def seed_weights(args, source, work):
    """nnport writes the seeded .caffemodel (and its prototxt) at batch 1."""
    inputs, _ = network_io(source)
    seeded = os.path.join(work, 'seeded.prototxt')
    dims = [f'{name}:' + ','.join(str(d) for d in [1] + shape[1:])
            for name, shape in inputs.items()]
    run([args.nnport, 'convert', source, seeded, '--seed-weights', '1', '--input'] + dims)
    return seeded, os.path.join(work, 'seeded.caffemodel')


def number(value):
    if value == float('inf'):
        return 'inf'
    return f'{value:.3g}' if abs(value) < 1e4 else f'{value:.3e}'


def table(rows):
    lines = ['| model | output | shape | runner vs OpenCV | max abs | max rel | L1 | SNR dB | '
             'PSNR dB | cosine |', '|---|---|---|---|---|---|---|---|---|---|']
    for r in rows:
        if 'error' in r:
            lines.append(f"| {r['model']} | error: {r['error']} | | | | | | | | |")
            continue
        lines.append(f"| {r['model']} | {r['output']} | {r['shape']} | {r['runner']} | " +
                     ' | '.join(number(r[m]) for m in METRICS[:5]) + f" | {r['cosine']:.9f} |")
    return '\n'.join(lines) + '\n'


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--nnport', required=True)
    parser.add_argument('--work', required=True)
    parser.add_argument('--report')
    parser.add_argument('--max-rel', type=float, default=1e-5)
    args = parser.parse_args()
    shared_testdata.require('oracle_caffe', 'MTCNN and the BVLC prototxts')
    started = time.time()
    rows = []
    for model_id, prototxt, caffemodel, seeded_net, input_dims in models():
        work = os.path.join(args.work, re.sub(r'[^A-Za-z0-9_.-]+', '_', model_id).strip('_'))
        os.makedirs(work, exist_ok=True)
        try:
            if seeded_net:
                prototxt, caffemodel = seed_weights(args, prototxt, work)
            model_rows = check_model(args, model_id, prototxt, caffemodel, work, input_dims)
        except (RuntimeError, subprocess.TimeoutExpired) as error:
            model_rows = [{'model': model_id, 'error': str(error).replace('\n', ' '),
                           'ok': False}]
        rows += model_rows
        print(table(model_rows).splitlines()[-1] if len(model_rows) == 1 else
              '\n'.join(table(model_rows).splitlines()[2:]), flush=True)
    failed = sorted({r['model'] for r in rows if not r['ok']})
    text = table(rows)
    summary = (f"{len({r['model'] for r in rows}) - len(failed)} of "
               f"{len({r['model'] for r in rows})} Caffe models agree with OpenCV within max rel "
               f"{args.max_rel:g} (nnport executor and ONNX Runtime on nnport's .onnx); "
               f"{time.time() - started:.0f} s")
    print('\n' + text + '\n' + summary)
    if failed:
        print('FAILED: ' + ', '.join(failed))
    if args.report:
        os.makedirs(os.path.dirname(os.path.abspath(args.report)), exist_ok=True)
        with open(args.report, 'w') as f:
            f.write('### Caffe models: OpenCV 4.6 dnn vs nnport vs ONNX Runtime\n\n'
                    'Generated by tests/caffe/compare_caffe_models.py (ctest `oracle_caffe`). '
                    'Input uniform [-1, 1) (numpy seed 1234); BVLC prototxts with nnport-seeded '
                    'weights (`--seed-weights 1`, batch 1).\n\n' + text + '\n' + summary + '\n')
    sys.exit(1 if failed else 0)


if __name__ == '__main__':
    main()
