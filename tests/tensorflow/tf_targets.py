"""Target formats of compare_tf_models.py: convert a TF model with `nnport convert`, run the
converted file in that format's runtime and return the output .npy files by output name.

  onnx   ONNX Runtime (run_onnxruntime.mjs) on NAME.onnx
  caffe  OpenCV dnn 4.6 (run_opencv.py) on NAME.prototxt + NAME.caffemodel, in the first of
         CAFFE_DIALECTS that converts the model (each adds layers to the one before; the
         chosen one is recorded beside the files, see caffe_dialect)
  mxnet  no MXNet runtime exists here: NAME-symbol.json + .params read back by nnport's MXNet
         reader and run by its executor (`nnport run`)

The Caffe writer absorbs the layout Transposes of a channels-last source at 4-D inputs and
outputs, so the Caffe model takes and returns NCHW blobs where the TF model has NHWC tensors;
the input .npy files are transposed to the Input layer's shape, and 4-D results back to the TF
shape. Caffe names blobs after the IR values (sanitized), OpenCV fetches outputs by layer name:
each output blob is fetched through the last layer that writes it.
"""
import json
import os
import re
import subprocess

import cv2
import numpy as np

from output_names import output_file_names

TARGETS = ('onnx', 'caffe', 'mxnet')
CAFFE_DIALECTS = ('caffe-1.0', 'bvlc-master', 'caffe-ssd')
NODE_NAMED = re.compile(r"node '|layer '")


def run(cmd, timeout=900):
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    return p.returncode, (p.stdout + p.stderr).strip()


def converted_path(work, target):
    return {'onnx': os.path.join(work, 'onnx', 'model.onnx'),
            'caffe': os.path.join(work, 'caffe', 'model.prototxt'),
            'mxnet': os.path.join(work, 'mxnet', 'model-symbol.json')}[target]


def convert(nnport, model, work, target, extra_args):
    """(status, detail): ('converted', path), ('refused', reason) or ('error', message). Caffe:
    the least dialect that converts; a refusal is the last (widest) dialect's."""
    dst = converted_path(work, target)
    os.makedirs(os.path.dirname(dst), exist_ok=True)
    if target == 'caffe':
        for dialect in CAFFE_DIALECTS:
            status, detail = convert_once(nnport, model, dst, extra_args +
                                          ['--caffe-dialect', dialect])
            if status != 'refused':
                break
        if status == 'converted':
            with open(os.path.join(os.path.dirname(dst), 'dialect'), 'w') as f:
                f.write(dialect)
        return status, detail
    return convert_once(nnport, model, dst, extra_args)


def caffe_dialect(prototxt):
    """The dialect convert() chose for this Caffe model."""
    with open(os.path.join(os.path.dirname(prototxt), 'dialect')) as f:
        return f.read().strip()


def convert_once(nnport, model, dst, extra_args):
    code, text = run([nnport, 'convert', model, dst] + extra_args)
    if code == 0:
        return 'converted', dst
    last = text.splitlines()[-1][:400] if text else f'exit {code}'
    if code == 2 and NODE_NAMED.search(text):
        return 'refused', last
    return 'error', last


def caffe_sanitize(name):
    """The Caffe writer's blob and layer names (caffe_export_context.cpp: sanitize)."""
    return re.sub(r'[^A-Za-z0-9_./-]', '_', name) or 'unnamed'


def read_prototxt_layers(path):
    """[(layer name, type, [tops], input dims or None)] of an nnport-written prototxt (one field
    per line, nested blocks in braces)."""
    layers = []
    depth = 0
    current = None
    with open(path) as f:
        for line in f:
            text = line.strip()
            if text.endswith('{'):
                if depth == 0 and text.startswith('layer'):
                    current = {'name': '', 'type': '', 'tops': [], 'dims': []}
                depth += 1
                continue
            if text == '}':
                depth -= 1
                if depth == 0 and current is not None:
                    layers.append((current['name'], current['type'], current['tops'],
                                   current['dims'] or None))
                    current = None
                continue
            if current is None or ':' not in text:
                continue
            key, value = (s.strip() for s in text.split(':', 1))
            value = value.strip('"')
            if depth == 1 and key == 'name':
                current['name'] = value
            elif depth == 1 and key == 'type':
                current['type'] = value
            elif depth == 1 and key == 'top':
                current['tops'].append(value)
            elif key == 'dim' and current['type'] == 'Input':
                current['dims'].append(int(value))
    return layers


def to_layout(array, shape):
    """`array` as `shape`: unchanged, or an NHWC array transposed to the NCHW `shape`."""
    if list(array.shape) == list(shape):
        return array
    if array.ndim == 4 and list(array.transpose(0, 3, 1, 2).shape) == list(shape):
        return np.ascontiguousarray(array.transpose(0, 3, 1, 2))
    raise RuntimeError(f'input of shape {list(array.shape)} fits no Caffe Input {list(shape)}')


def from_layout(array, ref_shape):
    """A Caffe result in the TF reference's shape: unchanged, or NCHW -> NHWC."""
    if list(array.shape) == list(ref_shape):
        return array
    if array.ndim == 4 and list(array.transpose(0, 2, 3, 1).shape) == list(ref_shape):
        return np.ascontiguousarray(array.transpose(0, 2, 3, 1))
    return array  # compare-npy reports the shape difference


def run_caffe(args, prototxt, feeds, ref_files, out_dir):
    """Runs the Caffe model in OpenCV; writes out_dir/<ref file> for every reference output."""
    layers = read_prototxt_layers(prototxt)
    input_dims = {tops[0]: dims for _, kind, tops, dims in layers if kind == 'Input'}
    feed_dir = os.path.join(out_dir, 'feeds')
    os.makedirs(feed_dir, exist_ok=True)
    cv_args = []
    for name, path in feeds.items():
        blob = caffe_sanitize(name)
        if blob not in input_dims:
            raise RuntimeError(f'no Caffe Input layer for input {name}')
        fed = os.path.join(feed_dir, os.path.basename(path))
        np.save(fed, to_layout(np.load(path), input_dims[blob]))
        cv_args += ['--input', f'{blob}={fed}']
    # OpenCV renames some layers (a Convolution takes its top's name) but keeps the prototxt
    # order, the Input layers left out: prototxt layer i is OpenCV layer name i.
    computed = [layer for layer in layers if layer[1] != 'Input']
    try:
        cv_names = cv2.dnn.readNetFromCaffe(prototxt).getLayerNames()
    except cv2.error as e:
        raise RuntimeError(f'opencv: {str(e).strip().splitlines()[-1]}') from e
    if len(cv_names) != len(computed):
        raise RuntimeError(f'OpenCV has {len(cv_names)} layers, the prototxt {len(computed)}')
    writer_of = {}
    for (_, _, tops, _), cv_name in zip(computed, cv_names):
        for i, top in enumerate(tops):
            writer_of[output_file_names([top])[0]] = (cv_name, i)
    wanted = []
    for ref in ref_files:
        if ref not in writer_of:
            raise RuntimeError(f'no Caffe blob for output {ref}')
        layer, index = writer_of[ref]
        if index != 0:
            raise RuntimeError(f'output {ref} is top {index} of layer {layer}; OpenCV returns top 0')
        wanted.append((ref, layer))
    raw_dir = os.path.join(out_dir, 'opencv')
    cmd = ['/usr/bin/python3', os.path.join(args.oracles, 'run_opencv.py'), prototxt,
           prototxt[:-len('.prototxt')] + '.caffemodel', '--out-dir', raw_dir] + cv_args
    for _, layer in wanted:
        cmd += ['--output', layer]
    code, text = run(cmd)
    if code != 0:
        raise RuntimeError(f'opencv: {text[-300:]}')
    for (ref, layer), raw in zip(wanted, output_file_names([w[1] for w in wanted])):
        result = np.load(os.path.join(raw_dir, raw))
        ref_shape = np.load(os.path.join(args.tfjs_dir, ref), mmap_mode='r').shape
        np.save(os.path.join(out_dir, ref), from_layout(result, ref_shape))


def mxnet_output_names(symbol_json):
    """Output names of the read-back graph, in head order (the reader names output k of node N
    'N_output<k>' for k > 0)."""
    with open(symbol_json) as f:
        symbol = json.load(f)
    names = []
    for node, index, _ in symbol['heads']:
        base = symbol['nodes'][node]['name']
        names.append(base if index == 0 else f'{base}_output{index}')
    return names


def run_mxnet(args, symbol_json, feeds, source_outputs, out_dir):
    """Reads the MXNet files back and runs them with nnport; the heads are the source graph's
    outputs in order, renamed to the source names."""
    raw_dir = os.path.join(out_dir, 'nnport')
    cmd = [args.nnport, 'run', symbol_json, '--out-dir', raw_dir]
    for name, path in feeds.items():
        cmd += ['--input', f'{name}={path}']
    code, text = run(cmd)
    if code != 0:
        raise RuntimeError(f'nnport run: {text[-300:]}')
    heads = mxnet_output_names(symbol_json)
    if len(heads) != len(source_outputs):
        raise RuntimeError(f'{len(heads)} MXNet heads for {len(source_outputs)} outputs')
    for raw, ref in zip(output_file_names(heads), output_file_names(source_outputs)):
        os.replace(os.path.join(raw_dir, raw), os.path.join(out_dir, ref))


def run_onnx(args, onnx, feeds, out_dir):
    cmd = ['node', os.path.join(args.oracles, 'run_onnxruntime.mjs'), onnx, '--out-dir', out_dir]
    for name, path in feeds.items():
        cmd += ['--input', f'{name}={path}']
    code, text = run(cmd)
    if code != 0:
        raise RuntimeError(f'onnxruntime: {text[-300:]}')


def run_target(args, target, converted, feeds, source_outputs, ref_files, out_dir):
    """Runs a converted model; afterwards out_dir holds one .npy per reference file name."""
    os.makedirs(out_dir, exist_ok=True)
    if target == 'onnx':
        run_onnx(args, converted, feeds, out_dir)
    elif target == 'caffe':
        run_caffe(args, converted, feeds, ref_files, out_dir)
    else:
        run_mxnet(args, converted, feeds, source_outputs, out_dir)
