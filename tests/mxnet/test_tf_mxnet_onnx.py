#!/usr/bin/python3
"""TF -> MXNet -> ONNX on the command line (ctest `mxnet_tf_onnx_chain`, label `cli`).

Two layers MXNet cannot state directly, written exactly and carried on to ONNX:
- a TF SAME AvgPool k2 s2 on odd sizes (pads (0, 1), divide by real cells): aligning it with a
  symmetric MXNet pad takes pad 2 = kernel, whose leading window holds no real cell. The writer
  pads the zeros explicitly and multiplies by a divisor map instead (no pad reaches the kernel);
- a TF SAME Conv2DBackpropInput k3 s2 (pads (0, 1), one-sided): Deconvolution with pad 0 and
  a slice of the trailing cells.
The .pb goes to MXNet (`nnport convert`), the MXNet files are read back and converted to ONNX,
and ONNX Runtime's result is compared with tfjs-wasm on the .pb (max relative error 1e-5);
`nnport run` on the MXNet files too.

Then an MXNet symbol as MXNet itself allows it: average Pooling with pad = kernel (the
default count_include_pad: a window wholly in the padding is 0 / kernel = 0). Converted to
ONNX, every pool's pads are below its kernel (ONNX Runtime refuses "Pad should be smaller than
kernel") and ONNX Runtime's result matches MXNet's formula computed in numpy.

Usage: test_tf_mxnet_onnx.py PATH/TO/nnport   (run with /usr/bin/python3)
"""
import json
import os
import subprocess
import sys
import tempfile
import unittest

import numpy as np
import onnx

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.normpath(os.path.join(HERE, '..', '..'))
ORACLES = os.path.join(REPO, 'tests', 'oracles')
sys.path.insert(0, os.path.join(REPO, 'tests', 'generators'))
sys.path.insert(0, HERE)
from ndarray_file import write_params  # noqa: E402
from tf_mobilenet import DType, GraphBuilder, pb  # noqa: E402

NNPORT = None  # set from argv in main


def run(cmd):
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    return p.returncode, (p.stdout + p.stderr).strip()


def max_rel(ref, out):
    ref, out = ref.astype(np.float64), out.astype(np.float64)
    return float(np.max(np.abs(ref - out) / np.maximum(1.0, np.maximum(np.abs(ref),
                                                                       np.abs(out)))))


def tf_graph(path):
    """x [1, 7, 9, 3] -> AvgPool k2 s2 SAME -> pool; g [1, 4, 5, 3] -> Conv2DBackpropInput k3
    s2 SAME to [1, 8, 10, 4] -> deconv. NHWC."""
    g = GraphBuilder(21)
    f = DType(pb.DT_FLOAT)
    x = g.placeholder('x', [1, 7, 9, 3])
    g.node('pool', 'AvgPool', [x], T=f, ksize=[1, 2, 2, 1], strides=[1, 2, 2, 1],
           padding=b'SAME', data_format=b'NHWC')
    grad = g.placeholder('g', [1, 4, 5, 3])
    w = g.const('deconv/filter', g.rng.uniform(-1, 1, (3, 3, 4, 3)).astype(np.float32))
    sizes = g.const('deconv/input_sizes', np.array([1, 8, 10, 4], dtype=np.int32))
    g.node('deconv', 'Conv2DBackpropInput', [sizes, w, grad], T=f, strides=[1, 2, 2, 1],
           padding=b'SAME', data_format=b'NHWC', dilations=[1, 1, 1, 1])
    with open(path, 'wb') as out:
        out.write(g.graph.SerializeToString(deterministic=True))


def pools_below_kernel(test, onnx_path):
    model = onnx.load(onnx_path)
    pools = [n for n in model.graph.node if n.op_type in ('AveragePool', 'MaxPool')]
    test.assertTrue(pools, onnx_path)
    for n in pools:
        attrs = {a.name: list(a.ints) for a in n.attribute}
        kernel, pads = attrs['kernel_shape'], attrs.get('pads', [0] * 4)
        for i, p in enumerate(pads):
            test.assertLess(p, kernel[i % len(kernel)], f'{n.name}: pads {pads} kernel {kernel}')
    return model


class TfMxnetOnnxTest(unittest.TestCase):
    def setUp(self):
        self._dir = tempfile.TemporaryDirectory(prefix='nnport-tf-mxnet-onnx-')
        self.dir = self._dir.name

    def tearDown(self):
        self._dir.cleanup()

    def path(self, name):
        return os.path.join(self.dir, name)

    def ort(self, model, feeds, out_dir):
        cmd = ['node', os.path.join(ORACLES, 'run_onnxruntime.mjs'), model, '--out-dir', out_dir]
        for name, file in feeds.items():
            cmd += ['--input', f'{name}={file}']
        code, text = run(cmd)
        self.assertEqual(code, 0, text)

    def test_pool_and_transposed_conv_through_mxnet_to_onnx(self):
        pb_path = self.path('model.pb')
        tf_graph(pb_path)
        rng = np.random.RandomState(5)
        feeds = {}
        for name, shape in (('x', (1, 7, 9, 3)), ('g', (1, 4, 5, 3))):
            feeds[name] = self.path(name + '.npy')
            np.save(feeds[name], rng.uniform(-1, 1, shape).astype(np.float32))
        symbol = self.path('model-symbol.json')
        code, text = run([NNPORT, 'convert', pb_path, symbol])
        self.assertEqual(code, 0, text)
        with open(symbol) as f:
            nodes = json.load(f)['nodes']
        ops = [n['op'] for n in nodes]
        deconv = next(n for n in nodes if n['op'] == 'Deconvolution')
        self.assertEqual(deconv['attrs']['pad'], '(0, 0)')
        self.assertEqual(deconv['attrs']['adj'], '(0, 0)')
        self.assertIn('slice', ops)
        pool = next(n for n in nodes if n['op'] == 'Pooling')
        self.assertEqual(pool['attrs']['pad'], '(0, 0)', 'pad 2 = kernel would leave a window '
                         'without a real cell')
        self.assertEqual(pool['attrs']['count_include_pad'], 'False')
        self.assertIn('broadcast_mul', ops)

        onnx_path = self.path('model.onnx')
        code, text = run([NNPORT, 'convert', symbol, onnx_path])
        self.assertEqual(code, 0, text)
        pools_below_kernel(self, onnx_path)

        ref_dir, ort_dir, mx_dir = self.path('tfjs'), self.path('ort'), self.path('mxnet')
        cmd = ['node', os.path.join(ORACLES, 'run_tfjs.mjs'), pb_path, '--out-dir', ref_dir,
               '--output', 'pool,deconv']
        for name, file in feeds.items():
            cmd += ['--input', f'{name}={file}']
        code, text = run(cmd)
        self.assertEqual(code, 0, text)
        self.ort(onnx_path, feeds, ort_dir)
        cmd = [NNPORT, 'run', symbol, '--out-dir', mx_dir]
        for name, file in feeds.items():
            cmd += ['--input', f'{name}={file}']
        code, text = run(cmd)
        self.assertEqual(code, 0, text)
        for output, shape in (('pool', (1, 4, 5, 3)), ('deconv', (1, 8, 10, 4))):
            ref = np.load(os.path.join(ref_dir, output + '.npy'))
            self.assertEqual(ref.shape, shape)
            for runner, folder in (('onnxruntime', ort_dir), ('mxnet read back', mx_dir)):
                # The read-back names an output after its last MXNet node (e.g. deconv_crop).
                (name,) = [f for f in os.listdir(folder) if f.startswith(output + '_') or
                           f == output + '.npy']
                got = np.load(os.path.join(folder, name))
                self.assertEqual(got.shape, ref.shape, f'{runner} {output}')
                self.assertLessEqual(max_rel(ref, got), 1e-5, f'{runner} {output}')

    def test_mxnet_average_pool_with_pad_equal_to_kernel(self):
        """Pooling avg k2 s2 pad 2 on 5x6 (valid convention, count_include_pad default True):
        MXNet divides by the window clipped to [-pad, in + pad), so the wholly padded windows
        give 0 and the others sum / 4."""
        symbol = {
            'nodes': [
                {'op': 'null', 'name': 'data', 'inputs': []},
                {'op': 'Pooling', 'name': 'pool', 'inputs': [[0, 0, 0]],
                 'attrs': {'kernel': '(2, 2)', 'stride': '(2, 2)', 'pad': '(2, 2)',
                           'pool_type': 'avg'}},
            ],
            'arg_nodes': [0], 'node_row_ptr': [0, 1, 2], 'heads': [[1, 0, 0]],
            'attrs': {'mxnet_version': ['int', 10901]}}
        prefix = self.path('avg')
        with open(prefix + '-symbol.json', 'w') as f:
            json.dump(symbol, f)
        write_params(prefix + '-0000.params', [])
        onnx_path = self.path('avg.onnx')
        code, text = run([NNPORT, 'convert', prefix + '-symbol.json', onnx_path, '--input',
                          'data:1,2,5,6'])
        self.assertEqual(code, 0, text)
        pools_below_kernel(self, onnx_path)
        x = np.random.RandomState(8).uniform(-1, 1, (1, 2, 5, 6)).astype(np.float32)
        np.save(self.path('data.npy'), x)
        self.ort(onnx_path, {'data': self.path('data.npy')}, self.path('ort'))
        (result,) = os.listdir(self.path('ort'))
        got = np.load(os.path.join(self.path('ort'), result))
        padded = np.pad(x.astype(np.float64), ((0, 0), (0, 0), (2, 2), (2, 2)))
        out_h, out_w = (5 + 4 - 2) // 2 + 1, (6 + 4 - 2) // 2 + 1
        want = np.zeros((1, 2, out_h, out_w))
        for i in range(out_h):
            for j in range(out_w):
                want[:, :, i, j] = padded[:, :, 2 * i:2 * i + 2, 2 * j:2 * j + 2].sum((2, 3)) / 4
        self.assertEqual(got.shape, want.shape)
        self.assertLessEqual(max_rel(want, got), 1e-6)


if __name__ == '__main__':
    NNPORT = os.path.abspath(sys.argv.pop(1))
    unittest.main(verbosity=2)
