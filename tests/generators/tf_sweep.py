#!/usr/bin/python3
"""Writes the TensorFlow op sweep: Conv2D, DepthwiseConv2dNative, Conv2DBackpropInput, MaxPool
and AvgPool over padding SAME/VALID/EXPLICIT x stride 1, 2, 3 x kernel 1-5 x dilation 1, 2 x
input sizes 7-17 x NHWC/NCHW, as binary frozen GraphDefs with seeded weights.

One group per (op, padding); each group is written as three graphs holding the same cases, each
case an independent Placeholder -> op whose nodes are named after its parameters, e.g.
`conv2d_same_s2_k4_d1_h9w15` (input `..._x`, output the op node itself), so any error names the
case:
  GROUP_nhwc.pb  data_format NHWC;
  GROUP_nchw.pb  data_format NCHW (input [1, C, H, W], NCHW strides/pads);
  GROUP_ref.pb   what tfjs-wasm runs as the reference for both: the NHWC graph, except that an
                 EXPLICIT MaxPool (tfjs cannot read explicit_paddings of pools) is written as
                 PadV2 with -FLT_MAX followed by a VALID MaxPool, the same maximum because every
                 window keeps at least one real cell (pads < kernel).
tfjs-wasm does not run data_format NCHW (see tests/tensorflow/sweep_tf_ops.py), so the NCHW
graphs are checked against the NHWC reference with the input transposed: the same math.
GROUP.json lists the cases: name, parameters, NHWC input shape, NHWC output shape.

Cases and what is dropped from the full product, and why:
  - Channels: 3 in, 4 out (depthwise: multiplier 2, 6 out); batch 1. Height is the size, width
    is the size for (k + s) even and 24 - size otherwise, so most inputs are not square and
    every size 7-17 occurs in both H and W.
  - Dilation 2 only with stride 1: TF (and tfjs) refuse dilation > 1 together with stride > 1.
  - VALID: only sizes >= the effective kernel (TF refuses smaller ones).
  - EXPLICIT pads: seeded per case, each side in [0, k] for convolutions, [0, k - 1] for
    Conv2DBackpropInput and MaxPool (ONNX Runtime requires pool pads < kernel; transposed
    pads >= kernel crop more than the kernel reaches).
  - Conv2DBackpropInput: the size is the result size (TF's input_sizes); the gradient size is
    the forward conv's output size, so the remainder (output_padding) cases all occur. No
    dilation: tfjs's Conv2DBackpropInput ignores the dilations attribute, so there would be no
    reference.
  - Pools: no dilation (TF pools have none). AvgPool has no EXPLICIT padding in TF (its padding
    attribute allows SAME and VALID only), so that group does not exist.

Usage: tf_sweep.py OUT_DIR [--seed N] [--ops conv2d,...]. Same seed -> byte-identical files.
"""
import argparse
import json
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from tf_mobilenet import DType, GraphBuilder, pb  # noqa: E402

OPS = ('conv2d', 'depthwise', 'deconv', 'maxpool', 'avgpool')
TF_OP = {'conv2d': 'Conv2D', 'depthwise': 'DepthwiseConv2dNative',
         'deconv': 'Conv2DBackpropInput', 'maxpool': 'MaxPool', 'avgpool': 'AvgPool'}
PADDINGS = ('same', 'valid', 'explicit')
STRIDES = (1, 2, 3)
KERNELS = (1, 2, 3, 4, 5)
SIZES = range(7, 18)
IN_CHANNELS = 3
OUT_CHANNELS = 4
MULTIPLIER = 2


def out_size(size, k, s, d, padding, pads):
    ke = (k - 1) * d + 1
    if padding == 'same':
        return -(-size // s)
    return (size + pads[0] + pads[1] - ke) // s + 1


def same_pads(size, k, s, d):
    """TF SAME (begin, end) pads of an axis, and whether the formula's total is negative (the
    windows fall short of the input's end)."""
    total = (-(-size // s) - 1) * s + (k - 1) * d + 1 - size
    begin = max(total, 0) // 2
    return (begin, max(total, 0) - begin), total < 0


def group_cases(op, padding, rng):
    """Every valid case of one (op, padding) group, in a fixed order."""
    cases = []
    dilations = (1, 2) if op in ('conv2d', 'depthwise') else (1,)
    for s in STRIDES:
        for d in dilations:
            if d > 1 and s > 1:
                continue
            for k in KERNELS:
                ke = (k - 1) * d + 1
                for h in SIZES:
                    w = h if (k + s) % 2 == 0 else 24 - h
                    if padding == 'valid' and min(h, w) < ke:
                        continue
                    pads = [0, 0, 0, 0]  # top, bottom, left, right
                    if padding == 'explicit':
                        top = k if op in ('conv2d', 'depthwise') else k - 1
                        pads = [int(v) for v in rng.randint(0, top + 1, 4)]
                    name = f'{op}_{padding}_s{s}_k{k}_d{d}_h{h}w{w}'
                    oh = out_size(h, k, s, d, padding, pads[:2])
                    ow = out_size(w, k, s, d, padding, pads[2:])
                    if op == 'deconv':
                        # h, w are the result size; the fed gradient has the forward output size.
                        in_shape, out_shape = [1, oh, ow, IN_CHANNELS], [1, h, w, OUT_CHANNELS]
                    else:
                        channels = {'conv2d': OUT_CHANNELS, 'depthwise': IN_CHANNELS * MULTIPLIER}
                        in_shape = [1, h, w, IN_CHANNELS]
                        out_shape = [1, oh, ow, channels.get(op, IN_CHANNELS)]
                    cases.append({'name': name, 'op': TF_OP[op], 'padding': padding.upper(),
                                  'stride': s, 'kernel': k, 'dilation': d, 'h': h, 'w': w,
                                  'pads': pads, 'input': name + '_x', 'input_shape': in_shape,
                                  'output_shape': out_shape})
    return cases


def filter_for(op, k, rng):
    if op == 'conv2d':
        return rng.uniform(-1, 1, (k, k, IN_CHANNELS, OUT_CHANNELS)).astype(np.float32)
    if op == 'depthwise':
        return rng.uniform(-1, 1, (k, k, IN_CHANNELS, MULTIPLIER)).astype(np.float32)
    # Conv2DBackpropInput: [kh, kw, result channels, gradient channels]
    return rng.uniform(-1, 1, (k, k, OUT_CHANNELS, IN_CHANNELS)).astype(np.float32)


def spatial(values, layout, fill=1):
    """[N, H, W, C] or [N, C, H, W] attribute list with `values` for H, W."""
    return [fill, fill] + values if layout == 'NCHW' else [fill] + values + [fill]


def to_layout(shape, layout):
    return [shape[0], shape[3], shape[1], shape[2]] if layout == 'NCHW' else list(shape)


def add_case(g, case, weights, layout, reference):
    """Placeholder -> op (or the reference's twin of it) in layout."""
    op, name = case['op'], case['name']
    s, k, d = case['stride'], case['kernel'], case['dilation']
    top, bottom, left, right = case['pads']
    x = g.placeholder(case['input'], to_layout(case['input_shape'], layout))
    attrs = dict(T=DType(pb.DT_FLOAT), strides=spatial([s, s], layout), padding=case['padding']
                 .encode(), data_format=layout.encode())
    if reference and case['padding'] == 'SAME' and op in ('Conv2D', 'DepthwiseConv2dNative'):
        same = [same_pads(size, k, s, d) for size in (case['h'], case['w'])]
        if any(short for _, short in same):
            # tfjs-wasm 4.22 returns zeros for a SAME convolution whose windows do not reach the
            # input's end (e.g. kernel 2, stride 3, size 12); the same pads written as EXPLICIT
            # compute correctly there.
            (top, bottom), (left, right) = [pads for pads, _ in same]
            case = dict(case, padding='EXPLICIT')
            attrs['padding'] = b'EXPLICIT'
    if case['padding'] == 'EXPLICIT':
        attrs['explicit_paddings'] = ([0, 0, 0, 0, top, bottom, left, right] if layout == 'NCHW'
                                      else [0, 0, top, bottom, left, right, 0, 0])
    if op in ('MaxPool', 'AvgPool'):
        attrs['ksize'] = spatial([k, k], layout)
        if reference and case['padding'] == 'EXPLICIT':
            amounts = g.const(name + '/paddings', np.array(
                [[0, 0], [top, bottom], [left, right], [0, 0]], dtype=np.int32))
            lowest = g.const(name + '/lowest', np.array(np.finfo(np.float32).min, np.float32))
            x = g.node(name + '/pad', 'PadV2', [x, amounts, lowest], T=DType(pb.DT_FLOAT),
                       Tpaddings=DType(pb.DT_INT32))
            attrs['padding'] = b'VALID'
            del attrs['explicit_paddings']
        g.node(name, op, [x], **attrs)
        return
    attrs['dilations'] = spatial([d, d], layout)
    w = g.const(name + '/filter', weights)
    if op == 'Conv2DBackpropInput':
        sizes = g.const(name + '/input_sizes',
                        np.array(to_layout(case['output_shape'], layout), dtype=np.int32))
        g.node(name, op, [sizes, w, x], **attrs)
    else:
        g.node(name, op, [x, w], **attrs)


def write_group(out_dir, op, padding, seed):
    rng = np.random.RandomState(seed)
    cases = group_cases(op, padding, rng)
    weights = {c['name']: filter_for(op, c['kernel'], rng) if op not in ('maxpool', 'avgpool')
               else None for c in cases}
    group = f'{op}_{padding}'
    for suffix, layout, reference in (('nhwc', 'NHWC', False), ('nchw', 'NCHW', False),
                                      ('ref', 'NHWC', True)):
        g = GraphBuilder(seed)
        for case in cases:
            add_case(g, case, weights[case['name']], layout, reference)
        path = os.path.join(out_dir, f'{group}_{suffix}.pb')
        with open(path + '.tmp', 'wb') as f:
            f.write(g.graph.SerializeToString(deterministic=True))
        os.replace(path + '.tmp', path)
    path = os.path.join(out_dir, group + '.json')
    with open(path + '.tmp', 'w') as f:
        json.dump({'group': group, 'cases': cases}, f, indent=1)
    os.replace(path + '.tmp', path)
    return group, len(cases)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('out_dir')
    parser.add_argument('--seed', type=int, default=4)
    parser.add_argument('--ops', default=','.join(OPS))
    args = parser.parse_args()
    os.makedirs(args.out_dir, exist_ok=True)
    for op in args.ops.split(','):
        for pad_index, padding in enumerate(PADDINGS):
            if op == 'avgpool' and padding == 'explicit':
                continue
            group, count = write_group(args.out_dir, op, padding,
                                       args.seed * 100 + OPS.index(op) * 10 + pad_index)
            print(f'{group}\t{count} cases')


if __name__ == '__main__':
    main()
