"""Shape checks of compare_tf_models.py for the MobileNet rows: every layer of the converted
model whose output is a value of the TF graph must have that value's shape.

TF's shapes are those nnport's TF reader infers (`nnport dump` of the source: NCHW inside the
IR, after the layout Transposes); the final outputs are also checked against the arrays tfjs
returns. Caffe's shapes are OpenCV's own (Net.getLayersShapes on the .prototxt); MXNet's are
those of nnport's MXNet reader on the written symbol file (no MXNet runtime exists here).
"""
import json
import re
import subprocess

import cv2

from tf_targets import caffe_sanitize, read_prototxt_layers

# '  %VALUE = Op(%in, ...) {attrs}  # SHAPE  [NODE]'; the node name is left out when it is the
# value's name.
DUMP_LINE = re.compile(r'^  %(.+?) = (\w+)\(.*?\)(?: \{(.*)\})?  # (\S+)(?:  \[(.+)\])?$')


def dump_values(nnport, model, extra_args):
    """[(value, op, attrs, shape, node)] of each single-output node in `nnport dump`."""
    p = subprocess.run([nnport, 'dump', model] + extra_args, capture_output=True, text=True,
                       timeout=600)
    if p.returncode != 0:
        raise RuntimeError(f'nnport dump {model}: {p.stderr.strip()[-300:]}')
    rows = []
    for line in p.stdout.splitlines():
        m = DUMP_LINE.match(line)
        if m and ', %' not in m.group(1):
            rows.append((m.group(1), m.group(2), m.group(3) or '', m.group(4),
                         m.group(5) or m.group(1)))
    return rows


def first_stride2_conv(source):
    for value, op, attrs, shape, node in source:
        if op == 'Conv' and 'strides=[2,2]' in attrs:
            return value, node, shape
    return None


def opencv_blob_shapes(prototxt):
    """Blob name -> 'AxBxCxD' from OpenCV's shape inference on the Caffe model."""
    layers = read_prototxt_layers(prototxt)
    inputs = [dims for _, kind, _, dims in layers if kind == 'Input']
    net = cv2.dnn.readNetFromCaffe(prototxt, prototxt[:-len(".prototxt")] + ".caffemodel")
    ids, _, outs = net.getLayersShapes([tuple(d) for d in inputs])
    # OpenCV renames some layers (a Convolution takes its top's name), so layers are matched by
    # position: OpenCV keeps the prototxt order, with the Input layers as its input layer 0.
    computed = [layer for layer in layers if layer[1] != 'Input']
    shapes = {}
    for layer_id, out_shapes in zip(ids, outs):
        if layer_id == 0:
            continue
        _, _, tops, _ = computed[layer_id - 1]
        for top, shape in zip(tops, out_shapes):
            shapes[top] = 'x'.join(str(int(d)) for d in shape)
    return shapes


def nchw_of(nhwc):
    dims = nhwc.split('x')
    return 'x'.join([dims[0], dims[3], dims[1], dims[2]]) if len(dims) == 4 else None


def compare_shapes(source, converted, key):
    """(values found in both, those whose shapes differ, those equal in NCHW order); key picks
    the converted name of a source row. A Caffe model runs the source's channels-last input
    preprocessing after the input's layout Transpose (NCHW), hence the third group."""
    matched, different, permuted = 0, [], 0
    for row in source:
        name = key(row)
        if name in converted:
            matched += 1
            if converted[name] == nchw_of(row[3]) and converted[name] != row[3]:
                permuted += 1
            elif converted[name] != row[3]:
                different.append(f'{name}: {converted[name]} vs TF {row[3]}')
    return matched, different, permuted


def caffe_shape_check(nnport, model, extra_args, prototxt):
    source = dump_values(nnport, model, extra_args)
    shapes = opencv_blob_shapes(prototxt)
    matched, different, permuted = compare_shapes(source, shapes,
                                                  lambda row: caffe_sanitize(row[0]))
    first = first_stride2_conv(source)
    first_text = 'no stride-2 conv'
    if first:
        first_text = f'first stride-2 conv -> {shapes.get(caffe_sanitize(first[0]), "missing")}'
    return ok_text(matched, different, permuted, first_text)


def mxnet_shape_check(nnport, model, extra_args, symbol_json):
    source = dump_values(nnport, model, extra_args)
    shapes = {row[0]: row[3] for row in dump_values(nnport, symbol_json, [])}
    matched, different, permuted = compare_shapes(source, shapes, lambda row: row[4])
    first = first_stride2_conv(source)
    first_text = 'no stride-2 conv'
    if first:
        first_text = f'first stride-2 conv -> {shapes.get(first[1], "missing")}'
    with open(symbol_json) as f:
        nodes = json.load(f)['nodes']
    conv = next((n for n in nodes if n['op'] == 'Convolution'), None)
    if conv:
        data = nodes[conv['inputs'][0][0]]
        before = (f"{data['op']} pad_width={data['attrs']['pad_width']}" if data['op'] == 'Pad'
                  else data['op'])
        first_text += f'; first Convolution after {before}'
    return ok_text(matched, different, permuted, first_text)


def ok_text(matched, different, permuted, first_text):
    ok = matched > 0 and not different
    text = f'{matched - len(different)} of {matched} layer shapes equal TF\'s'
    if permuted:
        text += f' ({permuted} in NCHW order: input preprocessing after the layout Transpose)'
    text += f'; {first_text}'
    if different:
        text += '; differ: ' + '; '.join(different[:3])
    return ok, text
