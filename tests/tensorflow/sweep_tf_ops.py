#!/usr/bin/python3
"""TF op sweeps: tfjs-wasm (reference) vs nnport's executor, ONNX Runtime, OpenCV's Caffe, MXNet.

The sweep graphs come from tests/generators/tf_sweep.py (its docstring lists the cases and what
is left out of the full product, and why): per (op, padding) group an NHWC graph, an NCHW graph
and the graph tfjs runs as the reference (NHWC). tfjs-wasm 4.22 does not execute data_format
NCHW: Conv2D throws ("wasm backend Conv2D does not support dataFormat:'channelsFirst'"),
depthwiseConv2d silently computes as if NHWC (a [1, 3, 5, 6] NCHW input gave a [1, 3, 5, 12]
result), and the graph converter marks the attribute unsupported for pools and
Conv2DBackpropInput. So every NCHW graph is checked against tfjs on the NHWC reference with the
input transposed, the same math.

For each group and layout: `nnport run` on the .pb; `nnport convert` to .onnx run by ONNX
Runtime; `nnport convert` to Caffe in each dialect (--caffe-dialect caffe-1.0, bvlc-master) run by
OpenCV dnn 4.6 (run_opencv.py, --nhwc for the NHWC graphs: the Caffe writer makes 4-D inputs and
outputs NCHW); `nnport convert` to MXNet (NAME-symbol.json + NAME-0000.params), read back and
run by `nnport run` (no MXNet runtime exists here; the read-back is the MXNet reader's model of
Deconvolution, Pooling and slice). The MXNet symbol of an NHWC graph keeps the NHWC boundary:
its inputs and outputs are NHWC, with transpose nodes around the NCHW convolutions and pools.

ONNX round trips: the written MXNet and Caffe files are read back and converted to ONNX
(`mxnet>onnxruntime`, `caffe-1.0>onnxruntime`, `bvlc-master>onnxruntime`) and run by ONNX
Runtime, all of a group's models in one batch: every ONNX file nnport writes from those read-back
graphs must load and give the same numbers (the Caffe ones have NCHW inputs and outputs).

Each case's output is compared with the reference by max relative error
|r - o| / max(1, |r|, |o|) and must be within --max-rel (1e-5).

A target that refuses a graph must name the node; the node names the case, which is recorded as
refused and the conversion is repeated with --output cut to the remaining cases. Refusals are
accepted only where REFUSALS_ALLOWED says the target cannot express the case exactly.

Usage: sweep_tf_ops.py --nnport BIN --cache-dir DIR [--report FILE.md] [--only SUBSTR]
       [--max-rel 1e-5] [--jobs 2]
Exit code 1 on any mismatch, error or refusal not listed in REFUSALS_ALLOWED.
"""
import argparse
import concurrent.futures
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.normpath(os.path.join(HERE, '..', '..'))
ORACLES = os.path.join(REPO, 'tests', 'oracles')
GENERATOR = os.path.join(REPO, 'tests', 'generators', 'tf_sweep.py')
CASE_NAME = re.compile(r'(?:conv2d|depthwise|deconv|maxpool|avgpool)_(?:same|valid|explicit)'
                       r'_s\d+_k\d+_d\d+_h\d+w\d+')
DIALECTS = ('caffe-1.0', 'bvlc-master')
TARGETS = ('nnport', 'onnxruntime') + tuple(f'opencv-{d}' for d in DIALECTS) + ('mxnet',)
# Written files read back and converted to ONNX: source target -> round-trip target.
ROUND_TRIPS = {'mxnet': 'mxnet>onnxruntime'}
ROUND_TRIPS.update({f'opencv-{d}': f'{d}>onnxruntime' for d in DIALECTS})
ALL_TARGETS = TARGETS + tuple(ROUND_TRIPS.values())

# (target prefix, case-name regex, refusal-message regex) -> why the target cannot express those
# cases exactly. A refusal outside this list fails the test. Empty: the Caffe writer emulates
# Conv2DBackpropInput's trailing outputs past the full result (zero taps appended to the kernel)
# and pools where BVLC Caffe and OpenCV disagree on the last window (the input trimmed to what
# the windows read), so every case must convert.
REFUSALS_ALLOWED = {}


def run(cmd, timeout=900):
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    return p.returncode, (p.stdout + p.stderr).strip()


def generate(cache):
    """Runs the generator into cache/generated unless its files are from this generator."""
    out = os.path.join(cache, 'generated')
    with open(GENERATOR, 'rb') as f:
        digest = hashlib.sha256(f.read()).hexdigest()
    stamp = os.path.join(out, 'generator.sha256')
    if os.path.exists(stamp) and open(stamp).read() == digest:
        return out
    code, text = run(['/usr/bin/python3', GENERATOR, out])
    if code != 0:
        raise SystemExit(f'tf_sweep.py failed: {text}')
    with open(stamp, 'w') as f:
        f.write(digest)
    return out


def write_inputs(group, work):
    """Seeded NHWC and NCHW input files per case; returns {layout: [--input flags]}."""
    folder = os.path.join(work, 'inputs')
    os.makedirs(folder, exist_ok=True)
    feeds = {'nhwc': [], 'nchw': []}
    for index, case in enumerate(group['cases']):
        x = np.random.RandomState(index).uniform(-1, 1, case['input_shape']).astype(np.float32)
        for layout, array in (('nhwc', x), ('nchw', x.transpose(0, 3, 1, 2))):
            path = os.path.join(folder, f"{case['input']}_{layout}.npy")
            np.save(path, np.ascontiguousarray(array))
            feeds[layout] += ['--input', f"{case['input']}={path}"]
    return feeds


def case_of(text):
    m = CASE_NAME.search(text)
    return m.group(0) if m else None


def convert(args, model, dst, extra, cases):
    """nnport convert; a refusal naming a case drops that case (--output cut) and retries.
    Returns (refused {case: message}, error or None)."""
    refused = {}
    while True:
        outputs = [c['name'] for c in cases if c['name'] not in refused]
        if not outputs:
            return refused, None
        cut = ['--output'] + outputs if refused else []
        code, text = run([args.nnport, 'convert', model, dst] + extra + cut)
        if code == 0:
            return refused, None
        last = text.splitlines()[-1] if text else ''
        case = case_of(last)
        if code != 2 or not case or case in refused:
            return refused, f'convert exit {code}: {last[:400]}'
        refused[case] = last[:400]


def run_target(args, target, group, layout, model, feeds, work):
    """Runs one target on one graph; returns (out_dir, refused, error, written file or None)."""
    out_dir = os.path.join(work, f'{target}-{layout}')
    shutil.rmtree(out_dir, ignore_errors=True)  # no stale outputs from an earlier run
    if target == 'nnport':
        code, text = run([args.nnport, 'run', model] + feeds + ['--out-dir', out_dir])
        return out_dir, {}, None if code == 0 else f'nnport run exit {code}: {text[-400:]}', None
    if target == 'mxnet':
        symbol = os.path.join(work, f'{layout}-mxnet-symbol.json')
        refused, error = convert(args, model, symbol, [], group['cases'])
        if error or refused:
            return out_dir, refused, error, None
        code, text = run([args.nnport, 'run', symbol] + feeds + ['--out-dir', out_dir])
        return (out_dir, refused, None if code == 0 else f'mxnet read-back run exit {code}: '
                f'{text[-400:]}', symbol)
    if target == 'onnxruntime':
        onnx = os.path.join(work, f'{layout}.onnx')
        refused, error = convert(args, model, onnx, [], group['cases'])
        if error:
            return out_dir, refused, error, None
        # Batch mode (inputs in a file, a supervised worker): the single-run command line of
        # these many-input graphs made onnxruntime-node 1.30 segfault depending on its length.
        cases_file = os.path.join(work, f'{layout}-onnxruntime.jsonl')
        results_file = os.path.join(work, f'{layout}-onnxruntime-results.jsonl')
        inputs = dict(f.split('=', 1) for f in feeds[1::2])
        with open(cases_file, 'w') as f:
            f.write(json.dumps({'id': layout, 'model': onnx, 'inputs': inputs,
                                'outDir': out_dir}) + '\n')
        code, text = run(['node', os.path.join(ORACLES, 'run_onnxruntime.mjs'), '--batch',
                          cases_file, '--results', results_file])
        if code == 0:
            with open(results_file) as f:
                result = json.loads(f.readline())
            if result['status'] != 'ok':
                code, text = 2, f"{result['status']}: {result['message']}"
        return (out_dir, refused, None if code == 0 else f'onnxruntime exit {code}: {text[-400:]}',
                None)
    dialect = target[len('opencv-'):]
    prototxt = os.path.join(work, f'{layout}-{dialect}.prototxt')
    flags = [] if args.default_dialect_only else ['--caffe-dialect', dialect]
    refused, error = convert(args, model, prototxt, flags, group['cases'])
    if error:
        return out_dir, refused, error, None
    cmd = ['/usr/bin/python3', os.path.join(ORACLES, 'run_opencv.py'), prototxt,
           prototxt[:-len('.prototxt')] + '.caffemodel', '--out-dir', out_dir]
    for i in range(0, len(feeds), 2):  # pairs '--input', 'NAME=FILE'
        if case_of(feeds[i + 1]) not in refused:
            cmd += feeds[i:i + 2]
    for layer in output_layers(prototxt, group['cases']):
        cmd += ['--output', layer]
    if layout == 'nhwc':
        cmd.append('--nhwc')
    code, text = run(cmd)
    return (out_dir, refused, None if code == 0 else f'opencv exit {code}: {text[-400:]}',
            None if refused else prototxt)


def output_layers(prototxt, cases):
    """run_opencv.py --output names (LAYER or LAYER:K for top K) of the cases' output blobs.
    OpenCV's unconnected layers are not the outputs: the Silence layers after crops are too."""
    wanted = {c['name'] for c in cases}
    outputs = []
    with open(prototxt) as f:
        text = f.read()
    for block in text.split('\nlayer {')[1:]:
        name = re.search(r'^  name: "([^"]*)"', block, re.M).group(1)
        tops = re.findall(r'^  top: "([^"]*)"', block, re.M)
        for index, top in enumerate(tops):
            if top in wanted:
                outputs.append((name, index, top))
    # OpenCV renames some layers after their top (seen on Convolution layers): ask it.
    import cv2
    known = set(cv2.dnn.readNetFromCaffe(prototxt, prototxt[:-len('.prototxt')] + '.caffemodel')
                .getLayerNames())
    picks = []
    for name, index, top in outputs:
        layer = name if name in known or top not in known else top
        picks.append(layer if index == 0 else f'{layer}:{index}')
    return picks


def output_files(out_dir):
    """{case name: .npy path} of a runner's output folder."""
    files = {}
    if os.path.isdir(out_dir):
        for f in sorted(os.listdir(out_dir)):
            case = case_of(f)
            if case and f.endswith('.npy'):
                files.setdefault(case, os.path.join(out_dir, f))
    return files


def max_rel(ref, out):
    ref = ref.astype(np.float64)
    out = out.astype(np.float64)
    scale = np.maximum(1.0, np.maximum(np.abs(ref), np.abs(out)))
    return float(np.max(np.abs(ref - out) / scale)) if ref.size else 0.0


def parameters(case):
    pads = ' pads t,b,l,r=' + ','.join(map(str, case['pads'])) if case['padding'] == 'EXPLICIT' \
        else ''
    return (f"{case['op']} {case['padding']} stride {case['stride']} kernel {case['kernel']} "
            f"dilation {case['dilation']} input {case['h']}x{case['w']}{pads}")


def allowed_refusal(target, case, message):
    for (prefix, pattern, reason), why in REFUSALS_ALLOWED.items():
        if target.startswith(prefix) and re.fullmatch(pattern, case) and re.match(reason, message):
            return why
    return None


JOB_SECONDS = {}  # target -> summed duration of its jobs (they run --jobs at a time)


def timed(target, fn, *args):
    t0 = time.time()
    try:
        return fn(*args)
    finally:
        JOB_SECONDS[target] = JOB_SECONDS.get(target, 0.0) + time.time() - t0


def nchw_outputs(target, layout):
    """Whether a target's 4-D outputs are NCHW: the NCHW graphs', and the read-back Caffe files'
    (the Caffe writer makes 4-D inputs and outputs NCHW; run_opencv.py --nhwc turns OpenCV's
    back)."""
    return layout == 'nchw' or (target.endswith('>onnxruntime') and not
                                target.startswith('mxnet'))


def round_trips(args, written, feeds, work, pool):
    """Reads the written MXNet and Caffe files back, converts them to ONNX and runs every one in
    a single ONNX Runtime batch. written: {(source target, layout): file}. Returns
    {(round-trip target, layout): (out_dir, refused, error)}."""
    results, converting = {}, {}
    for (source, layout), path in sorted(written.items()):
        target = ROUND_TRIPS[source]
        name = f"{target.split('>')[0]}-{layout}"
        out_dir = os.path.join(work, f'{name}-roundtrip')
        shutil.rmtree(out_dir, ignore_errors=True)
        onnx = os.path.join(work, f'{name}-roundtrip.onnx')
        converting[(target, layout)] = (out_dir, onnx, pool.submit(
            run, [args.nnport, 'convert', path, onnx]))
    cases = {}
    for (target, layout), (out_dir, onnx, job) in converting.items():
        code, text = job.result()
        if code != 0:
            last = text.splitlines()[-1] if text else ''
            results[(target, layout)] = (out_dir, {}, f'convert exit {code}: {last[:400]}')
            continue
        feed = feeds['nchw' if nchw_outputs(target, layout) else layout]
        cases[f'{target} {layout}'] = ((target, layout), {
            'id': f'{target} {layout}', 'model': onnx,
            'inputs': dict(f.split('=', 1) for f in feed[1::2]), 'outDir': out_dir})
    if not cases:
        return results
    cases_file = os.path.join(work, 'roundtrips-onnxruntime.jsonl')
    results_file = os.path.join(work, 'roundtrips-onnxruntime-results.jsonl')
    with open(cases_file, 'w') as f:
        for _, case in cases.values():
            f.write(json.dumps(case) + '\n')
    code, text = run(['node', os.path.join(ORACLES, 'run_onnxruntime.mjs'), '--batch', cases_file,
                      '--results', results_file])
    statuses = {}
    if code == 0:
        with open(results_file) as f:
            for line in f:
                r = json.loads(line)
                statuses[r['id']] = r
    for key, (target_layout, case) in cases.items():
        r = statuses.get(key)
        error = None
        if r is None:
            error = f'onnxruntime batch exit {code}: {text[-400:]}'
        elif r['status'] != 'ok':
            error = f"onnxruntime {r['status']}: {r['message'][:400]}"
        results[target_layout] = (case['outDir'], {}, error)
    return results


def check_group(args, gen, group_name, pool):
    with open(os.path.join(gen, group_name + '.json')) as f:
        group = json.load(f)
    work = os.path.join(args.cache_dir, 'runs', group_name)
    os.makedirs(work, exist_ok=True)
    feeds = write_inputs(group, work)
    ref_dir = os.path.join(work, 'tfjs')
    shutil.rmtree(ref_dir, ignore_errors=True)
    jobs = {('tfjs', 'nhwc'): pool.submit(
        timed, 'tfjs', run, ['node', os.path.join(ORACLES, 'run_tfjs.mjs'),
              os.path.join(gen, group_name + '_ref.pb')] + feeds['nhwc'] +
        ['--out-dir', ref_dir, '--output', ','.join(c['name'] for c in group['cases'])])}
    for layout in ('nhwc', 'nchw'):
        model = os.path.join(gen, f'{group_name}_{layout}.pb')
        for target in args.targets:
            jobs[(target, layout)] = pool.submit(timed, target, run_target, args, target, group,
                                                 layout, model, feeds[layout], work)
    code, text = jobs.pop(('tfjs', 'nhwc')).result()
    results = []  # (case, target, layout, status, max rel or None, detail)
    if code != 0:
        for case in group['cases']:
            results.append((case, 'tfjs', 'nhwc', 'error', None, text[-300:]))
        return results
    refs = output_files(ref_dir)
    finished, written = {}, {}
    for (target, layout), job in jobs.items():
        out_dir, refused, error, model = job.result()
        finished[(target, layout)] = (out_dir, refused, error)
        if target in ROUND_TRIPS:
            if model:
                written[(target, layout)] = model
            else:
                finished[(ROUND_TRIPS[target], layout)] = (
                    '', {}, f'no round trip: the {target} conversion or run failed')
    t0 = time.time()
    finished.update(round_trips(args, written, feeds, work, pool))
    JOB_SECONDS['onnx round trips'] = JOB_SECONDS.get('onnx round trips', 0.0) + time.time() - t0
    for (target, layout), (out_dir, refused, error) in finished.items():
        outs = output_files(out_dir) if not error else {}
        for case in group['cases']:
            name = case['name']
            if name in refused:
                why = allowed_refusal(target, name, refused[name])
                results.append((case, target, layout, 'refused' if why else 'unexpected refusal',
                                None, refused[name]))
                continue
            if error:
                results.append((case, target, layout, 'error', None, error))
                continue
            if name not in refs or name not in outs:
                results.append((case, target, layout, 'error', None,
                                f"no output ({'tfjs' if name not in refs else target})"))
                continue
            ref = np.load(refs[name])
            out = np.load(outs[name])
            if nchw_outputs(target, layout) and out.ndim == 4:
                out = out.transpose(0, 2, 3, 1)
            if ref.shape != tuple(case['output_shape']) or out.shape != ref.shape:
                results.append((case, target, layout, 'mismatch', None,
                                f'shape {list(out.shape)} vs reference {list(ref.shape)}'))
                continue
            rel = max_rel(ref, out)
            results.append((case, target, layout, 'ok' if rel <= args.max_rel else 'mismatch',
                            rel, ''))
    return results


def summary(results, max_rel_limit):
    """Markdown table: per op x target, checked cases (both layouts), ok, refused, worst error."""
    cells = {}
    for case, target, layout, status, rel, _ in results:
        c = cells.setdefault((case['op'], target), {'n': 0, 'ok': 0, 'refused': 0, 'bad': 0,
                                                    'worst': 0.0})
        c['n'] += 1
        if status == 'ok':
            c['ok'] += 1
        elif status == 'refused':
            c['refused'] += 1
        else:
            c['bad'] += 1
        if rel is not None:
            c['worst'] = max(c['worst'], rel)
    ops = sorted({op for op, _ in cells}, key=lambda o: list(TF_OPS).index(o))
    targets = [t for t in ('tfjs',) + ALL_TARGETS if any(t == tt for _, tt in cells)]
    lines = ['| TF op | ' + ' | '.join(targets) + ' |', '|---|' + '---|' * len(targets)]
    for op in ops:
        row = []
        for t in targets:
            c = cells.get((op, t))
            if not c:
                row.append('')
                continue
            text = f"{c['ok']}/{c['n']} ok, worst {c['worst']:.1e}"
            if c['refused']:
                text += f", {c['refused']} refused"
            if c['bad']:
                text += f", **{c['bad']} failed**"
            row.append(text)
        lines.append(f'| {op} | ' + ' | '.join(row) + ' |')
    lines.append('')
    lines.append(f'Cases count both layouts (NHWC and NCHW graphs); reference tfjs-wasm 4.22 on the '
                 f'NHWC graph; "ok" means max relative error <= {max_rel_limit:g}.')
    return lines


TF_OPS = ('Conv2D', 'DepthwiseConv2dNative', 'Conv2DBackpropInput', 'MaxPool', 'AvgPool')


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--nnport', required=True)
    parser.add_argument('--cache-dir', required=True)
    parser.add_argument('--report')
    parser.add_argument('--only', help='run only the groups whose name contains this')
    parser.add_argument('--max-rel', type=float, default=1e-5)
    parser.add_argument('--jobs', type=int, default=2)
    parser.add_argument('--targets', dest='wanted_targets',
                        help='comma-separated subset of ' + ','.join(TARGETS) +
                        ' (round trips follow their source)')
    args = parser.parse_args()
    args.default_dialect_only = False
    started = time.time()
    gen = generate(args.cache_dir)
    args.targets = list(TARGETS)
    if args.wanted_targets:
        wanted = args.wanted_targets.split(',')
        unknown = set(wanted) - set(TARGETS)
        if unknown:
            raise SystemExit(f"unknown targets {sorted(unknown)} (choose from {','.join(TARGETS)})")
        args.targets = [t for t in TARGETS if t in wanted]
    code, text = run([args.nnport, 'convert', '--help'])
    if '--caffe-dialect' not in text:
        # Until the CLI has the flag, only the writer's default dialect (caffe-1.0) is reachable.
        if 'opencv-bvlc-master' in args.targets:
            args.targets.remove('opencv-bvlc-master')
        args.default_dialect_only = True
        print('note: nnport convert has no --caffe-dialect; bvlc-master is not checked')
    groups = sorted(f[:-5] for f in os.listdir(gen) if f.endswith('.json'))
    groups = [g for g in groups if not args.only or args.only in g]
    results = []
    with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
        for group in groups:
            t0 = time.time()
            rows = check_group(args, gen, group, pool)
            results += rows
            bad = sum(r[3] not in ('ok', 'refused') for r in rows)
            print(f'{group}: {len(rows)} checks, {bad} failed ({time.time() - t0:.1f} s)',
                  flush=True)
    table = summary(results, args.max_rel)
    print('\n'.join(table))
    refused = [r for r in results if r[3] == 'refused']
    failed = [r for r in results if r[3] not in ('ok', 'refused')]
    for case, target, layout, status, rel, detail in refused:
        print(f"refused: {target} {layout} {case['name']} ({parameters(case)}): {detail}")
    graph_errors = {}  # a graph that failed as a whole: one line, not one per case
    for case, target, layout, status, rel, detail in failed:
        if status == 'error':
            key = (target, layout, case['name'].split('_s')[0], detail)
            graph_errors[key] = graph_errors.get(key, 0) + 1
            continue
        err = f' max rel {rel:.3e}' if rel is not None else ''
        print(f"FAILED {status}: {target} {layout} {case['name']} ({parameters(case)}){err} "
              f"{detail}")
    for (target, layout, group, detail), count in graph_errors.items():
        print(f'FAILED error: {target} {layout} {group} ({count} cases): {detail}')
    wall = time.time() - started
    timing = (f'Wall time {wall:.0f} s with --jobs {args.jobs}; job time per target (summed '
              'over groups and layouts, conversion included): ' +
              ', '.join(f'{t} {JOB_SECONDS[t]:.0f} s' for t in ('tfjs',) + TARGETS +
                        ('onnx round trips',) if t in JOB_SECONDS) + '.')
    print(timing)
    print(f'{len(results)} checks, {len(failed)} failed, {len(refused)} refused, {wall:.0f} s')
    if args.report:
        lines = ['# TF op sweeps', ''] + table + ['', timing, '']
        if refused:
            lines += ['Refused (the target cannot express these exactly):', '']
            lines += [f"- {target} {layout} `{case['name']}`: {detail}"
                      for case, target, layout, _, _, detail in refused]
        with open(args.report, 'w') as f:
            f.write('\n'.join(lines) + '\n')
    sys.exit(1 if failed else 0)


if __name__ == '__main__':
    main()
