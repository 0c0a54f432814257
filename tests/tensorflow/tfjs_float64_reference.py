#!/usr/bin/python3
"""A float64 reference run of a TF.js graph model, to tell rounding noise from a semantic error
when tfjs-wasm and nnport disagree beyond 1e-4 (issue 4's real-model table).

Supports the ops of posenet, blazepose and centernet's heads: _FusedConv2D / Conv2D /
(Fused)DepthwiseConv2dNative with BiasAdd, Relu, Relu6 (SAME or VALID), Pad (any axis),
Add/AddV2/Sub/Mul, Relu, Relu6, Sigmoid, Mean, ConcatV2, MaxPool (VALID), ResizeBilinear
(half-pixel or TF's legacy src = dst * in / out; no align_corners), DepthToSpace, Reshape with
a Shape -> 1-D StridedSlice -> Pack shape, Identity. Weights are read as stored (float16
shards widen exactly) and everything is computed in float64 with PyTorch.

Usage: tfjs_float64_reference.py MODEL.json INPUT.npy NODE OUT.npy   (one NHWC image input)

Findings: max relative error |a - b| / max(1, |a|, |b|) of four float32 runtimes against this
float64 run, worst output (the seeded draw of compare_tf_models.py; tfjs cpu = run_tfjs.mjs
--backend cpu). Columns: tfjs-wasm, tfjs-cpu, nnport executor, ONNX Runtime on the .onnx.
  input uniform [-1, 1) (the test's):
    posenet offset_2/BiasAdd              2.5e-4  1.2e-4  1.4e-4  1.1e-4
    centernet tower_0/wh                  1.9e-4  2.8e-4  2.2e-4  4.4e-4
    blazepose-detector Identity           3.4e-4  3.4e-4  3.3e-4  5.6e-4
    blazepose-lite Identity_1 (segm.)     7.3e-3  5.1e-4  7.7e-4  2.1e-3
    blazepose-full Identity_1 (segm.)     6.0e-4  2.8e-4  4.4e-4  7.0e-4
    blazepose-heavy Identity_1 (segm.)    7.6e-4  9.0e-4  3.6e-4  1.7e-4
    blazepose-heavy Identity_2 (ld_3d)    1.8e-4  8.4e-5  4.1e-4  7.7e-5
  input in the model's own range (the human library's preprocessing):
    blazepose-lite  [0, 1) Identity_1     2.2e-3  1.1e-3  6.8e-4  5.0e-4
    blazepose-full  [0, 1) Identity_1     8.8e-4  2.5e-3  2.3e-3  8.2e-4
    blazepose-heavy [0, 1) Identity_2     5.9e-4  2.4e-3  9.4e-4  5.7e-4
    blazepose-detector [0, 1) Identity    8.7e-4  5.5e-4  4.2e-4  2.9e-4
    centernet [0, 255) wh / keypoints     1.9e-5  2.0e-5  1.9e-5  3.3e-5 (all pairs <= 8.7e-5)
No runtime is consistently closest to float64; every one is 1e-4..7e-3 off on these models, and
the errors grow layer by layer from the first convolution (posenet Conv2d_0: tfjs 2.4e-6, nnport
1.8e-6) with no jump at any op. These models (large BatchNorm-folded weights, outputs that cancel
to a few units from terms in the hundreds) amplify float32 rounding beyond 1e-4. Example, heavy's
ld_3d (a 2x2x288 -> 195 VALID conv, up to 3037 summed |weight| per output): its input is 1.2e-5
from float64 in nnport and 1.3e-5 in tfjs-wasm; the conv computed exactly on those float32 inputs
is already 4.1e-4 (nnport) and 1.8e-4 (wasm) from float64, while each runtime's own conv adds
only 3.7e-6 (nnport) and 7.6e-6 (wasm). Centernet's scatter with the [-1, 1) input comes from
feeding 1/128 of its pixel range: with [0, 255) it agrees within 1e-4 everywhere.
Reproduce: run_tfjs.mjs and `nnport convert --output NODE` + `nnport run` on the same input,
this script for the float64 values, `nnport compare-npy` for the errors.
"""
import base64
import json
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

NHWC_TO_NCHW_AXIS = {0: 0, 1: 2, 2: 3, 3: 1, -1: 1}
CONV_OPS = ('_FusedConv2D', 'Conv2D', 'FusedDepthwiseConv2dNative', 'DepthwiseConv2dNative')


def load_weights(model, folder):
    data = b''.join(open(os.path.join(folder, p), 'rb').read()
                    for g in model['weightsManifest'] for p in g['paths'])
    weights, offset = {}, 0
    for group in model['weightsManifest']:
        for spec in group['weights']:
            count = int(np.prod(spec['shape'])) if spec['shape'] else 1
            stored = spec.get('quantization', {}).get('dtype')
            if stored not in (None, 'float16'):
                raise SystemExit(f"{spec['name']}: {stored} quantization is not supported here")
            dtype = '<f2' if stored == 'float16' else {'float32': '<f4',
                                                       'int32': '<i4'}[spec['dtype']]
            values = np.frombuffer(data, dtype, count, offset)
            offset += values.nbytes
            wide = np.float64 if spec['dtype'] == 'float32' else np.int64
            weights[spec['name']] = values.reshape(spec['shape']).astype(wide)
    return weights


def same_pads(size, kernel, stride):
    total = max((-(-size // stride) - 1) * stride + kernel - size, 0)
    return total // 2, total - total // 2


def conv(x, kernel, stride, same, depthwise):
    if same:
        top, bottom = same_pads(x.shape[2], kernel.shape[0], stride)
        left, right = same_pads(x.shape[3], kernel.shape[1], stride)
        x = F.pad(x, (left, right, top, bottom))
    if depthwise:  # [kh, kw, C, M] -> [C * M, 1, kh, kw]
        c, mult = kernel.shape[2], kernel.shape[3]
        w = kernel.permute(2, 3, 0, 1).reshape(c * mult, 1, kernel.shape[0], kernel.shape[1])
        return F.conv2d(x, w, stride=stride, groups=c)
    return F.conv2d(x, kernel.permute(3, 2, 0, 1), stride=stride)


def resize_bilinear(x, out_h, out_w, half_pixel):
    def axis(out_size, in_size):
        dst = torch.arange(out_size, dtype=torch.float64)
        src = (dst + 0.5) * (in_size / out_size) - 0.5 if half_pixel else dst * (in_size / out_size)
        src = src.clamp(min=0)
        low = torch.floor(src)
        frac = src - low
        low = low.long().clamp(max=in_size - 1)
        return low, (low + 1).clamp(max=in_size - 1), frac
    y0, y1, fy = axis(out_h, x.shape[2])
    x0, x1, fx = axis(out_w, x.shape[3])
    fy = fy.view(1, 1, -1, 1)
    rows = x[:, :, y0, :] * (1 - fy) + x[:, :, y1, :] * fy
    return rows[:, :, :, x0] * (1 - fx) + rows[:, :, :, x1] * fx


def run(model_json, image, wanted):
    with open(model_json) as f:
        model = json.load(f)
    weights = load_weights(model, os.path.dirname(model_json))
    values = {}  # 4-D values are kept NCHW

    def raw(name):
        name = name.split(':')[0]
        return values[name] if name in values else torch.tensor(weights[name])

    def operand(name):  # constants keep TF's NHWC shapes: align them with NCHW values
        name = name.split(':')[0]
        if name in values:
            return values[name]
        t = torch.tensor(weights[name])
        if t.dim() == 1 and t.numel() > 1:
            return t.view(1, -1, 1, 1)
        return t.permute(0, 3, 1, 2) if t.dim() == 4 else t

    for node in model['modelTopology']['node']:
        op, attr, inputs, name = node['op'], node.get('attr', {}), node.get('input', []), node['name']
        if op == 'Const':
            continue
        if op == 'Placeholder':
            values[name] = torch.tensor(image.astype(np.float64)).permute(0, 3, 1, 2)
            continue
        x = raw(inputs[0])
        padding = base64.b64decode(attr.get('padding', {}).get('s', '')).decode()
        if op in CONV_OPS:
            stride = int(attr['strides']['list']['i'][1])
            dilations = [int(d) for d in attr.get('dilations', {}).get('list', {}).get('i', [1])]
            if any(d != 1 for d in dilations):
                raise SystemExit(f'{name}: dilated convolutions are not supported here')
            y = conv(x, raw(inputs[1]), stride, padding == 'SAME', 'Depthwise' in op)
            fused = [base64.b64decode(s).decode()
                     for s in attr.get('fused_ops', {}).get('list', {}).get('s', [])]
            if not set(fused) <= {'BiasAdd', 'Relu', 'Relu6'}:
                raise SystemExit(f'{name}: fused ops {fused} are not supported here')
            if 'BiasAdd' in fused:
                y = y + raw(inputs[2]).view(1, -1, 1, 1)
            if 'Relu' in fused:
                y = y.clamp(min=0)
            if 'Relu6' in fused:
                y = y.clamp(0, 6)
        elif op == 'Pad':
            p = raw(inputs[1]).numpy()  # [[N], [H], [W], [C]] x [before, after]
            # F.pad lists the last axis first: NCHW's W, H, C, N.
            y = F.pad(x, tuple(int(v) for axis in (2, 1, 3, 0) for v in p[axis]))
        elif op == 'DepthToSpace':
            # TF's NHWC order: input channel (i * block + j) * C_out + c -> output pixel (i, j).
            block = int(attr['block_size']['i'])
            n, c, h, w = x.shape
            y = x.reshape(n, block, block, c // block ** 2, h, w).permute(0, 3, 4, 1, 5, 2)
            y = y.reshape(n, c // block ** 2, h * block, w * block)
        elif op == 'Shape':  # of the NHWC tensor TF sees
            dims = list(x.shape)
            y = torch.tensor([dims[0], *dims[2:], dims[1]] if x.dim() == 4 else dims)
        elif op == 'StridedSlice':
            masks = {k: int(attr.get(k, {}).get('i', 0)) for k in
                     ('begin_mask', 'end_mask', 'ellipsis_mask', 'new_axis_mask',
                      'shrink_axis_mask')}
            begin, end, step = (int(raw(i).numpy()[0]) for i in inputs[1:4])
            if x.dim() != 1 or masks['ellipsis_mask'] or masks['new_axis_mask']:
                raise SystemExit(f'{name}: only 1-D StridedSlice is supported here')
            if masks['shrink_axis_mask'] & 1:
                y = x[begin]
            else:
                y = x[None if masks['begin_mask'] & 1 else begin:
                      None if masks['end_mask'] & 1 else end:step]
        elif op == 'Pack' and int(attr.get('axis', {}).get('i', 0)) == 0:
            y = torch.stack([raw(i) for i in inputs])
        elif op in ('Add', 'AddV2'):
            y = operand(inputs[0]) + operand(inputs[1])
        elif op == 'Sub':
            y = operand(inputs[0]) - operand(inputs[1])
        elif op == 'Mul':
            y = operand(inputs[0]) * operand(inputs[1])
        elif op == 'Relu':
            y = x.clamp(min=0)
        elif op == 'Relu6':
            y = x.clamp(0, 6)
        elif op == 'Sigmoid':
            y = torch.sigmoid(x)
        elif op == 'Identity':
            y = x
        elif op == 'Mean':
            axes = [NHWC_TO_NCHW_AXIS[int(a)] for a in np.atleast_1d(raw(inputs[1]).numpy())]
            y = x.mean(dim=axes, keepdim=bool(attr.get('keep_dims', {}).get('b')))
        elif op == 'ConcatV2':
            axis = int(raw(inputs[-1]).numpy())
            axis = NHWC_TO_NCHW_AXIS[axis] if x.dim() == 4 else axis
            y = torch.cat([raw(i) for i in inputs[:-1]], dim=axis)
        elif op == 'MaxPool' and padding == 'VALID':
            y = F.max_pool2d(x, int(attr['ksize']['list']['i'][1]),
                             int(attr['strides']['list']['i'][1]))
        elif op == 'ResizeBilinear' and not attr.get('align_corners', {}).get('b'):
            size = raw(inputs[1]).numpy()
            y = resize_bilinear(x, int(size[0]), int(size[1]),
                                bool(attr.get('half_pixel_centers', {}).get('b')))
        elif op == 'Reshape':
            shape = [int(v) for v in raw(inputs[1]).numpy()]
            y = (x.permute(0, 2, 3, 1) if x.dim() == 4 else x).reshape(shape)
            if y.dim() == 4:
                y = y.permute(0, 3, 1, 2)
        else:
            raise SystemExit(f'{name}: op {op} is not supported here')
        values[name] = y
        if name == wanted:
            return y.permute(0, 2, 3, 1) if y.dim() == 4 else y
    raise SystemExit(f'no node {wanted}')


def main():
    if len(sys.argv) != 5:
        raise SystemExit(__doc__)
    model_json, image, wanted, out = sys.argv[1:]
    np.save(out, run(model_json, np.load(image), wanted).numpy())


if __name__ == '__main__':
    main()
