#!/usr/bin/python3
"""Writes TF-slim MobileNet v1 1.0 224 and MobileNet v2 1.0 224 as binary frozen GraphDefs.

The graphs have the structure and node names of TF-slim's frozen inference graphs (Const ->
Identity "read" weights, FusedBatchNorm with is_training false, Relu6, SAME convolutions,
AvgPool 7x7 VALID, 1x1 logits conv with BiasAdd, SpatialSqueeze, Softmax), with seeded random
weights instead of trained ones: convolution weights He-normal, BatchNorm gamma/beta/mean/variance
drawn around the values trained nets show, so activations stay in a realistic range through all
layers. The first layer is the 3x3 stride-2 SAME conv on 224x224x3 whose asymmetric padding
(0 before, 1 after) breaks symmetric-pad converters.

Usage: tf_mobilenet.py OUT_DIR [--seed N]  ->  OUT_DIR/mobilenet_v1_1.0_224.pb,
OUT_DIR/mobilenet_v2_1.0_224.pb. Input "input" [1, 224, 224, 3] float32; outputs
"MobilenetV1/Predictions/Reshape_1" and "MobilenetV2/Predictions/Reshape_1" [1, 1001].
Same seed -> byte-identical files.
"""
import argparse
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from tf_graph_proto import load_proto_module  # noqa: E402

pb = load_proto_module()


class GraphBuilder:
    def __init__(self, seed):
        self.graph = pb.GraphDef()
        self.graph.versions.producer = 27
        self.rng = np.random.RandomState(seed)

    def node(self, name, op, inputs=(), **attrs):
        n = self.graph.node.add()
        n.name = name
        n.op = op
        n.input.extend(inputs)
        for key, value in attrs.items():
            a = n.attr[key]
            if isinstance(value, bool):
                a.b = value
            elif isinstance(value, int):
                a.i = value
            elif isinstance(value, float):
                a.f = value
            elif isinstance(value, bytes):
                a.s = value
            elif isinstance(value, list) and all(isinstance(v, int) for v in value):
                a.list.i.extend(value)
            elif isinstance(value, list):
                a.list.s.extend(value)
            elif isinstance(value, DType):
                a.type = value.value
            elif isinstance(value, pb.TensorShapeProto):
                a.shape.CopyFrom(value)
            elif isinstance(value, pb.TensorProto):
                a.tensor.CopyFrom(value)
            else:
                raise TypeError(f'{name}.{key}: {value!r}')
        return name

    def const(self, name, array):
        array = np.ascontiguousarray(array)
        t = pb.TensorProto()
        t.dtype = pb.DT_FLOAT if array.dtype == np.float32 else pb.DT_INT32
        for d in array.shape:
            t.tensor_shape.dim.add().size = d
        t.tensor_content = array.astype('<f4' if array.dtype == np.float32 else '<i4').tobytes()
        self.node(name, 'Const', value=t, dtype=DType(t.dtype))
        return name

    def variable(self, name, array):
        """A frozen variable: Const plus the Identity "read" op slim graphs keep."""
        self.const(name, array.astype(np.float32))
        return self.node(name + '/read', 'Identity', [name], T=DType(pb.DT_FLOAT))

    def placeholder(self, name, shape):
        s = pb.TensorShapeProto()
        for d in shape:
            s.dim.add().size = d
        return self.node(name, 'Placeholder', dtype=DType(pb.DT_FLOAT), shape=s)

    def conv_weights(self, scope, kh, kw, cin, cout):
        std = np.sqrt(2.0 / (kh * kw * cin))
        return self.variable(scope + '/weights', self.rng.normal(0, std, (kh, kw, cin, cout)))

    def depthwise_weights(self, scope, channels):
        std = np.sqrt(2.0 / 9)
        return self.variable(scope + '/depthwise_weights',
                             self.rng.normal(0, std, (3, 3, channels, 1)))

    def batch_norm(self, var_scope, op_scope, x, channels, op='FusedBatchNorm'):
        gamma = self.variable(var_scope + '/BatchNorm/gamma', self.rng.uniform(0.6, 1.4, channels))
        beta = self.variable(var_scope + '/BatchNorm/beta', self.rng.normal(0.1, 0.2, channels))
        mean = self.variable(var_scope + '/BatchNorm/moving_mean',
                             self.rng.normal(0.0, 0.5, channels))
        var = self.variable(var_scope + '/BatchNorm/moving_variance',
                            self.rng.uniform(0.5, 3.0, channels) * 2.0)
        attrs = dict(T=DType(pb.DT_FLOAT), epsilon=0.001, data_format=b'NHWC', is_training=False)
        if op == 'FusedBatchNormV3':
            attrs['U'] = DType(pb.DT_FLOAT)
        return self.node(op_scope + '/BatchNorm/' + op, op, [x, gamma, beta, mean, var], **attrs)

    def conv(self, name, x, w, stride, padding=b'SAME'):
        return self.node(name, 'Conv2D', [x, w], T=DType(pb.DT_FLOAT), strides=[1, stride, stride, 1],
                         padding=padding, data_format=b'NHWC', dilations=[1, 1, 1, 1],
                         use_cudnn_on_gpu=True)

    def depthwise(self, name, x, w, stride):
        return self.node(name, 'DepthwiseConv2dNative', [x, w], T=DType(pb.DT_FLOAT),
                         strides=[1, stride, stride, 1], padding=b'SAME', data_format=b'NHWC',
                         dilations=[1, 1, 1, 1])

    def relu6(self, name, x):
        return self.node(name, 'Relu6', [x], T=DType(pb.DT_FLOAT))

    def logits_and_predictions(self, net, x, channels):
        pool = self.node(f'{net}/Logits/AvgPool_1a/AvgPool', 'AvgPool', [x], T=DType(pb.DT_FLOAT),
                         ksize=[1, 7, 7, 1], strides=[1, 2, 2, 1], padding=b'VALID',
                         data_format=b'NHWC')
        # Dropout is an Identity in frozen inference graphs.
        drop = self.node(f'{net}/Logits/Dropout_1b/Identity', 'Identity', [pool],
                         T=DType(pb.DT_FLOAT))
        scope = f'{net}/Logits/Conv2d_1c_1x1'
        w = self.conv_weights(scope, 1, 1, channels, 1001)
        b = self.variable(scope + '/biases', self.rng.normal(0, 0.1, 1001))
        conv = self.conv(scope + '/Conv2D', drop, w, 1)
        logits = self.node(scope + '/BiasAdd', 'BiasAdd', [conv, b], T=DType(pb.DT_FLOAT),
                           data_format=b'NHWC')
        squeeze = self.node(f'{net}/Logits/SpatialSqueeze', 'Squeeze', [logits],
                            T=DType(pb.DT_FLOAT), squeeze_dims=[1, 2])
        # slim's predictions: Reshape to [-1, classes], Softmax, Reshape back to Shape(logits).
        flat_shape = self.const(f'{net}/Predictions/Reshape/shape',
                                np.array([-1, 1001], dtype=np.int32))
        flat = self.node(f'{net}/Predictions/Reshape', 'Reshape', [squeeze, flat_shape],
                         T=DType(pb.DT_FLOAT), Tshape=DType(pb.DT_INT32))
        soft = self.node(f'{net}/Predictions/Softmax', 'Softmax', [flat], T=DType(pb.DT_FLOAT))
        shape = self.node(f'{net}/Predictions/Shape', 'Shape', [squeeze], T=DType(pb.DT_FLOAT),
                          out_type=DType(pb.DT_INT32))
        return self.node(f'{net}/Predictions/Reshape_1', 'Reshape', [soft, shape],
                         T=DType(pb.DT_FLOAT), Tshape=DType(pb.DT_INT32))


class DType:
    def __init__(self, value):
        self.value = value


def mobilenet_v1(seed):
    g = GraphBuilder(seed)
    x = g.placeholder('input', [1, 224, 224, 3])
    net = 'MobilenetV1'
    scope = f'{net}/Conv2d_0'
    op_scope = f'{net}/{net}/Conv2d_0'
    x = g.conv(op_scope + '/Conv2D', x, g.conv_weights(scope, 3, 3, 3, 32), 2)
    x = g.relu6(op_scope + '/Relu6', g.batch_norm(scope, op_scope, x, 32))
    channels = 32
    blocks = [(64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2), (512, 1), (512, 1),
              (512, 1), (512, 1), (512, 1), (1024, 2), (1024, 1)]
    for i, (out, stride) in enumerate(blocks, start=1):
        scope = f'{net}/Conv2d_{i}_depthwise'
        op_scope = f'{net}/{net}/Conv2d_{i}_depthwise'
        x = g.depthwise(op_scope + '/depthwise', x, g.depthwise_weights(scope, channels), stride)
        x = g.relu6(op_scope + '/Relu6', g.batch_norm(scope, op_scope, x, channels))
        scope = f'{net}/Conv2d_{i}_pointwise'
        op_scope = f'{net}/{net}/Conv2d_{i}_pointwise'
        x = g.conv(op_scope + '/Conv2D', x, g.conv_weights(scope, 1, 1, channels, out), 1)
        x = g.relu6(op_scope + '/Relu6', g.batch_norm(scope, op_scope, x, out))
        channels = out
    g.logits_and_predictions(net, x, channels)
    return g.graph


def mobilenet_v2(seed):
    g = GraphBuilder(seed)
    bn = 'FusedBatchNormV3'
    x = g.placeholder('input', [1, 224, 224, 3])
    net = 'MobilenetV2'
    x = g.conv(f'{net}/Conv/Conv2D', x, g.conv_weights(f'{net}/Conv', 3, 3, 3, 32), 2)
    x = g.relu6(f'{net}/Conv/Relu6', g.batch_norm(f'{net}/Conv', f'{net}/Conv', x, 32, bn))
    channels = 32
    # (expansion, output channels, repeats, first stride)
    settings = [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1),
                (6, 160, 3, 2), (6, 320, 1, 1)]
    index = 0
    for expansion, out, repeats, first_stride in settings:
        for r in range(repeats):
            stride = first_stride if r == 0 else 1
            scope = f'{net}/expanded_conv' + ('' if index == 0 else f'_{index}')
            block_input = x
            hidden = channels * expansion
            if expansion != 1:
                s = scope + '/expand'
                x = g.conv(s + '/Conv2D', x, g.conv_weights(s, 1, 1, channels, hidden), 1)
                x = g.relu6(s + '/Relu6', g.batch_norm(s, s, x, hidden, bn))
            s = scope + '/depthwise'
            x = g.depthwise(s + '/depthwise', x, g.depthwise_weights(s, hidden), stride)
            x = g.relu6(s + '/Relu6', g.batch_norm(s, s, x, hidden, bn))
            s = scope + '/project'
            x = g.conv(s + '/Conv2D', x, g.conv_weights(s, 1, 1, hidden, out), 1)
            x = g.batch_norm(s, s, x, out, bn)
            if stride == 1 and channels == out:
                x = g.node(scope + '/add', 'AddV2', [x, block_input], T=DType(pb.DT_FLOAT))
            channels = out
            index += 1
    s = f'{net}/Conv_1'
    x = g.conv(s + '/Conv2D', x, g.conv_weights(s, 1, 1, channels, 1280), 1)
    x = g.relu6(s + '/Relu6', g.batch_norm(s, s, x, 1280, bn))
    g.logits_and_predictions(net, x, 1280)
    return g.graph


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('out_dir')
    parser.add_argument('--seed', type=int, default=2024)
    args = parser.parse_args()
    os.makedirs(args.out_dir, exist_ok=True)
    for name, build, seed in (('mobilenet_v1_1.0_224.pb', mobilenet_v1, args.seed),
                              ('mobilenet_v2_1.0_224.pb', mobilenet_v2, args.seed + 1)):
        path = os.path.join(args.out_dir, name)
        temp = path + '.tmp'
        with open(temp, 'wb') as f:
            f.write(build(seed).SerializeToString(deterministic=True))
        os.replace(temp, path)
        print(path)


if __name__ == '__main__':
    main()
