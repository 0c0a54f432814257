#!/usr/bin/python3
"""Command-line tests of the MXNet format (ctest `mxnet_cli`, label `cli`).

- The real symbol file (../shared/testdata/mxnet/dnnl_test_model1-symbol.json) with seeded
  weights parses, runs and converts.
- A Gluon-style export written by nnport (HybridBlock.export layout: NAME-symbol.json +
  NAME-0000.params, "attrs" spelling, arg_nodes, heads, arg:/aux: names, input "data") has that
  layout, checked with an NDArray reader independent of nnport, and reads back to the same
  numbers.
- Bad checkpoints (wrong magic, truncated params, a stored shape that disagrees with the symbol,
  an unknown op, ...) exit with 2 and one line naming the file, the node or array and the
  reason, and leave no output file behind.

Usage: test_mxnet_cli.py PATH/TO/nnport   (Debian's python3-onnx and numpy: run it with
/usr/bin/python3)
"""
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import unittest

import numpy as np
from onnx import TensorProto, helper, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "oracles"))
from ndarray_file import read_params, write_params  # noqa: E402
import shared_testdata  # noqa: E402

# Every case starts from the real symbol file (its weights are seeded).
REAL_SYMBOL = shared_testdata.path("mxnet", "dnnl_test_model1-symbol.json")
DNNL_DIMS = "data:1,3,68,68"
NNPORT = None  # set from argv in main


def run(*args, cwd=None):
    proc = subprocess.run([NNPORT, *args], cwd=cwd, capture_output=True, text=True, timeout=300)
    return proc.returncode, proc.stdout, proc.stderr


def tup(text):
    return tuple(int(v) for v in text.strip("()[] ").split(",") if v.strip())


def dnnl_params(symbol, seed=7):
    """Seeded weights for every Convolution of the dnnl symbol, in symbol order."""
    rng = np.random.default_rng(seed)
    nodes = symbol["nodes"]
    channels = {0: 3}
    arrays = []
    for i, n in enumerate(nodes):
        if n["op"] == "null":
            continue
        channels[i] = channels[n["inputs"][0][0]]
        if n["op"] == "Convolution":
            out_c, kernel = int(n["attrs"]["num_filter"]), tup(n["attrs"]["kernel"])
            fan_in = channels[i] * kernel[0] * kernel[1]
            w = rng.standard_normal((out_c, channels[i]) + kernel) * np.sqrt(2.0 / fan_in)
            b = rng.standard_normal(out_c) * 0.1
            arrays.append(("arg:" + nodes[n["inputs"][1][0]]["name"], w.astype(np.float32)))
            arrays.append(("arg:" + nodes[n["inputs"][2][0]]["name"], b.astype(np.float32)))
            channels[i] = out_c
    return arrays


def gluon_like_onnx():
    """data[1,3,8,8] -> Conv 3x3 s2 SAME_UPPER (asymmetric pads) -> BatchNorm -> Relu ->
    MaxPool 2x2 -> Flatten -> Gemm -> Softmax, opset 13, seeded weights."""
    rng = np.random.default_rng(11)

    def init(name, shape, scale=1.0, offset=0.0):
        values = (rng.standard_normal(shape) * scale + offset).astype(np.float32)
        return numpy_helper.from_array(values, name)

    inits = [
        init("conv_w", (4, 3, 3, 3), 0.5), init("conv_b", (4,), 0.1),
        init("bn_gamma", (4,), 0.3, 1.0), init("bn_beta", (4,), 0.2),
        init("bn_mean", (4,), 0.2), numpy_helper.from_array(
            rng.uniform(0.5, 1.5, 4).astype(np.float32), "bn_var"),
        init("fc_w", (5, 16), 0.3), init("fc_b", (5,), 0.1),
    ]
    nodes = [
        helper.make_node("Conv", ["data", "conv_w", "conv_b"], ["c"], name="conv",
                         kernel_shape=[3, 3], strides=[2, 2], auto_pad="SAME_UPPER"),
        helper.make_node("BatchNormalization", ["c", "bn_gamma", "bn_beta", "bn_mean", "bn_var"],
                         ["n"], name="bn", epsilon=1e-3),
        helper.make_node("Relu", ["n"], ["r"], name="relu"),
        helper.make_node("MaxPool", ["r"], ["p"], name="pool", kernel_shape=[2, 2],
                         strides=[2, 2]),
        helper.make_node("Flatten", ["p"], ["f"], name="flatten"),
        helper.make_node("Gemm", ["f", "fc_w", "fc_b"], ["logits"], name="fc", transB=1),
        helper.make_node("Softmax", ["logits"], ["prob"], name="prob", axis=1),
    ]
    graph = helper.make_graph(
        nodes, "gluon_like",
        [helper.make_tensor_value_info("data", TensorProto.FLOAT, [1, 3, 8, 8])],
        [helper.make_tensor_value_info("prob", TensorProto.FLOAT, [1, 5])], inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)],
                             producer_name="nnport-mxnet-cli-test").SerializeToString()


class MxnetCliTest(unittest.TestCase):
    def setUp(self):
        self._dir = tempfile.TemporaryDirectory(prefix="nnport-mxnet-cli-")
        self.dir = self._dir.name
        with open(REAL_SYMBOL) as f:
            self.symbol = json.load(f)
        self.params = dnnl_params(self.symbol)

    def tearDown(self):
        self._dir.cleanup()

    def path(self, name):
        return os.path.join(self.dir, name)

    def listing(self):
        return sorted(os.listdir(self.dir))

    def checkpoint(self, name, symbol=None, params=None):
        """Writes NAME-symbol.json (the dnnl symbol unless given) and NAME-0000.params."""
        prefix = self.path(name)
        with open(prefix + "-symbol.json", "w") as f:
            json.dump(symbol if symbol is not None else self.symbol, f, indent=1)
        write_params(prefix + "-0000.params", params if params is not None else self.params)
        return prefix + "-symbol.json"

    def params_bytes(self, name):
        with open(self.path(name + "-0000.params"), "rb") as f:
            return f.read()

    def replace_params(self, name, data):
        with open(self.path(name + "-0000.params"), "wb") as f:
            f.write(data)

    def assert_fails(self, source, fragments, extra=()):
        """convert SOURCE to ONNX, to MXNet and to MXNet Python, and info SOURCE: each exits with
        2 and one 'error: ' line holding every fragment, and leaves no file behind."""
        before = self.listing()
        for args in (["convert", source, self.path("out.onnx")],
                     ["convert", source, self.path("out-symbol.json")],
                     ["convert", source, self.path("out.py"), "--to", "mxnet-code"],
                     ["info", source]):
            rc, out, err = run(*args, *extra, cwd=self.dir)
            detail = f"\nargs: {args}\nexit: {rc}\nstdout: {out}\nstderr: {err}"
            self.assertEqual(rc, 2, detail)
            lines = err.strip().splitlines()
            self.assertEqual(len(lines), 1, "expected one message line" + detail)
            self.assertTrue(lines[0].startswith("error: "), detail)
            for fragment in fragments:
                self.assertIn(fragment, lines[0], detail)
            self.assertEqual(self.listing(), before, "files left behind" + detail)
        return lines[0]

    # --- files that must read ---

    def test_real_symbol_file_runs_and_converts(self):
        source = self.checkpoint("dnnl")
        rc, out, err = run("info", source, "--input", DNNL_DIMS)
        self.assertEqual(rc, 0, out + err)
        self.assertIn("softmax: float32 1x1000", out)
        x = np.random.default_rng(3).standard_normal((1, 3, 68, 68)).astype(np.float32)
        np.save(self.path("x.npy"), x)
        rc, out, err = run("run", source, "--input", "data=" + self.path("x.npy"), "--out-dir",
                           self.path("run"))
        self.assertEqual(rc, 0, out + err)
        (result,) = os.listdir(self.path("run"))
        y = np.load(os.path.join(self.path("run"), result))
        self.assertEqual(y.shape, (1, 1000))
        self.assertAlmostEqual(float(y.sum()), 1.0, places=5)
        for target in ("dnnl.onnx", "copy-symbol.json"):
            rc, out, err = run("convert", source, self.path(target), "--input", DNNL_DIMS,
                               "--validate", "--max-rel", "1e-5")
            self.assertEqual(rc, 0, target + out + err)
            self.assertIn("OK", out)

    def test_gluon_style_export_layout_and_read_back(self):
        with open(self.path("src.onnx"), "wb") as f:
            f.write(gluon_like_onnx())
        rc, out, err = run("convert", self.path("src.onnx"), self.path("net-symbol.json"),
                           "--validate", "--max-rel", "1e-5")
        self.assertEqual(rc, 0, out + err)
        self.assertIn("OK", out)
        self.assertEqual(self.listing(), ["net-0000.params", "net-symbol.json", "src.onnx"])

        with open(self.path("net-symbol.json")) as f:
            symbol = json.load(f)
        nodes = symbol["nodes"]
        self.assertEqual(set(symbol), {"nodes", "arg_nodes", "node_row_ptr", "heads", "attrs"})
        self.assertEqual(symbol["attrs"]["mxnet_version"][0], "int")
        self.assertEqual(symbol["arg_nodes"],
                         [i for i, n in enumerate(nodes) if n["op"] == "null"])
        self.assertEqual(len(symbol["node_row_ptr"]), len(nodes) + 1)
        for n in nodes:
            self.assertLessEqual(set(n), {"op", "name", "attrs", "inputs"}, n)
            for entry in n["inputs"]:
                self.assertEqual(len(entry), 3, n)
        self.assertEqual(symbol["heads"], [[len(nodes) - 1, 0, 0]])
        self.assertEqual(nodes[-1]["name"], "prob")
        self.assertEqual(nodes[0]["name"], "data")
        self.assertEqual(nodes[0]["attrs"]["__shape__"], "(1, 3, 8, 8)")
        # The SAME stride-2 conv pads (0, 1) per axis: an explicit Pad in front of it.
        conv = next(i for i, n in enumerate(nodes) if n["op"] == "Convolution")
        pad = nodes[nodes[conv]["inputs"][0][0]]
        self.assertEqual(pad["op"], "Pad")
        self.assertEqual(tup(pad["attrs"]["pad_width"]), (0, 0, 0, 0, 0, 1, 0, 1))

        # Every parameter is stored as arg:NAME (learned) or aux:NAME (BatchNorm statistics)
        # under the name of its variable node, with the declared shape.
        stored = dict(read_params(self.path("net-0000.params")))
        variables = {n["name"]: n for n in nodes if n["op"] == "null" and n["name"] != "data"}
        self.assertEqual({k.split(":", 1)[1] for k in stored}, set(variables))
        bn = next(n for n in nodes if n["op"] == "BatchNorm")
        aux = {nodes[e[0]]["name"] for e in bn["inputs"][3:5]}
        for key, array in stored.items():
            kind, name = key.split(":", 1)
            self.assertEqual(kind, "aux" if name in aux else "arg", key)
            declared = variables[name].get("attrs", {}).get("__shape__")
            if declared:
                self.assertEqual(tup(declared), array.shape, key)
        self.assertEqual(len(aux), 2)

        # Read back by the CLI on the same input: same numbers as the ONNX source.
        x = np.random.default_rng(5).standard_normal((1, 3, 8, 8)).astype(np.float32)
        np.save(self.path("x.npy"), x)
        results = []
        for model in ("src.onnx", "net-symbol.json"):
            out_dir = self.path("run_" + model.split(".")[0])
            rc, out, err = run("run", self.path(model), "--input", "data=" + self.path("x.npy"),
                               "--out-dir", out_dir)
            self.assertEqual(rc, 0, out + err)
            (result,) = os.listdir(out_dir)
            results.append(np.load(os.path.join(out_dir, result)))
        np.testing.assert_allclose(results[1], results[0], rtol=1e-5, atol=1e-7)

    # --- bad .params files ---

    def test_params_with_wrong_list_magic(self):
        source = self.checkpoint("bad")
        data = bytearray(self.params_bytes("bad"))
        data[0:8] = struct.pack("<Q", 0x113)
        self.replace_params("bad", bytes(data))
        self.assert_fails(source, ["bad-0000.params", "not an MXNet NDArray file", "0x113"])

    def test_params_with_wrong_array_magic(self):
        source = self.checkpoint("bad")
        data = bytearray(self.params_bytes("bad"))
        data[24:28] = struct.pack("<I", 0xF993FA00)
        self.replace_params("bad", bytes(data))
        self.assert_fails(source, ["bad-0000.params", "array #0", "unknown array magic"])

    def test_truncated_params(self):
        source = self.checkpoint("bad")
        data = self.params_bytes("bad")
        self.replace_params("bad", data[: len(data) // 2])
        self.assert_fails(source, ["bad-0000.params", "truncated", "data"])
        # Cut inside the names: the name is what is missing.
        self.replace_params("bad", data[:-5])
        self.assert_fails(source, ["bad-0000.params", "truncated", "name #"])

    def test_params_with_absurd_or_overflowing_shape(self):
        source = self.checkpoint("bad")
        big = struct.pack("<Iii", 0xF993FAC9, 0, 4) + struct.pack("<4q", *(1 << 20,) * 4)
        tail = struct.pack("<iii", 1, 0, 0) + b"\0" * 64
        names = struct.pack("<Q", 1) + struct.pack("<Q", 5) + b"arg:w"
        self.replace_params("bad", struct.pack("<QQQ", 0x112, 0, 1) + big + tail + names)
        self.assert_fails(source, ["bad-0000.params", "array #0", "overflow"])
        negative = struct.pack("<Iii", 0xF993FAC9, 0, 2) + struct.pack("<2q", 4, -4)
        self.replace_params("bad", struct.pack("<QQQ", 0x112, 0, 1) + negative + tail + names)
        self.assert_fails(source, ["bad-0000.params", "array #0", "negative dimension -4"])
        huge = struct.pack("<Iii", 0xF993FAC9, 0, 2) + struct.pack("<2q", 1 << 30, 1 << 30)
        self.replace_params("bad", struct.pack("<QQQ", 0x112, 0, 1) + huge + tail + names)
        self.assert_fails(source, ["bad-0000.params", "array #0", "truncated"])

    def test_stored_shape_disagrees_with_symbol(self):
        params = [(name, np.zeros((64, 3, 5, 5), np.float32) if name == "arg:conv1_1_weight"
                   else array) for name, array in self.params]
        source = self.checkpoint("bad", params=params)
        self.assert_fails(source, ["bad-symbol.json", "node 'conv1_1' (Convolution)",
                                   "'conv1_1_weight' has shape [64, 3, 5, 5]", "kernel=(3, 3)"])
        # Shapes the symbol declares on the variable ("__shape__", as Gluon writes it).
        symbol = json.loads(json.dumps(self.symbol))
        symbol["nodes"][1]["attrs"]["__shape__"] = "(64, 3, 3, 3)"
        params = [(name, np.zeros((64, 3, 1, 3), np.float32) if name == "arg:conv1_1_weight"
                   else array) for name, array in self.params]
        source = self.checkpoint("bad2", symbol, params)
        self.assert_fails(source, ["bad2-symbol.json", "node 'conv1_1_weight' (null)",
                                   "[64, 3, 1, 3]", "declares [64, 3, 3, 3]"])

    def test_stored_input_channels_disagree_with_the_data(self):
        params = [(name, np.zeros((64, 5, 3, 3), np.float32) if name == "arg:conv1_1_weight"
                   else array) for name, array in self.params]
        source = self.checkpoint("bad", params=params)
        self.assert_fails(source, ["bad-symbol.json", "node 'conv1_1'"],
                          extra=["--input", DNNL_DIMS])

    def test_missing_weight(self):
        params = [(n, a) for n, a in self.params if n != "arg:conv2_1_bias"]
        source = self.checkpoint("bad", params=params)
        self.assert_fails(source, ["bad-symbol.json", "node 'conv2_1' (Convolution)",
                                   "bias 'conv2_1_bias' is not in the .params"])

    # --- bad symbol files ---

    def test_unknown_op(self):
        symbol = json.loads(json.dumps(self.symbol))
        relu = next(n for n in symbol["nodes"] if n["name"] == "relu1_1")
        relu["op"] = "_contrib_FancyActivation"
        source = self.checkpoint("bad", symbol)
        self.assert_fails(source, ["bad-symbol.json", "unsupported MXNet ops",
                                   "node 'relu1_1' (_contrib_FancyActivation)"])

    def test_truncated_symbol(self):
        source = self.checkpoint("bad")
        with open(source) as f:
            text = f.read()
        with open(source, "w") as f:
            f.write(text[: len(text) // 2])
        self.assert_fails(source, ["bad-symbol.json", "not valid JSON"])

    def test_bad_attribute_names_node(self):
        symbol = json.loads(json.dumps(self.symbol))
        conv = next(n for n in symbol["nodes"] if n["name"] == "conv2_2")
        conv["attrs"]["kernel"] = "(3, three)"
        source = self.checkpoint("bad", symbol)
        self.assert_fails(source, ["bad-symbol.json", "node 'conv2_2' (Convolution)", "kernel",
                                   "'three' is not an integer"])

    def test_mutated_attributes_read_or_fail_naming_the_node(self):
        """Seeded mutations of the real symbol's attributes (odd tuples, huge, negative and
        non-numeric values, dropped inputs): each read succeeds or exits 2 with one line naming
        the file and a node, never a crash."""
        rng = np.random.default_rng(20261126)
        values = ["0", "-1", "(0, 0)", "(-1, 3)", "(3,)", "(3, 3, 3)", "()", "None", "nan",
                  "1e30", "99999999999999999999", "(4611686018427387904, 2)", "abc", "same",
                  "full", "sum", "(2, 2)", "True"]
        keys = ["kernel", "stride", "pad", "dilate", "num_filter", "num_group", "no_bias",
                "pool_type", "pooling_convention", "global_pool", "act_type", "layout",
                "count_include_pad", "flatten", "multi_output"]
        self.checkpoint("fuzz")
        outcomes = {0: 0, 2: 0}
        for trial in range(30):
            symbol = json.loads(json.dumps(self.symbol))
            ops = [n for n in symbol["nodes"] if n["op"] != "null"]
            for _ in range(int(rng.integers(1, 4))):
                node = ops[int(rng.integers(len(ops)))]
                node.setdefault("attrs", {})[keys[int(rng.integers(len(keys)))]] = \
                    values[int(rng.integers(len(values)))]
            if rng.random() < 0.2:
                node = ops[int(rng.integers(len(ops)))]
                node["inputs"] = node["inputs"][: int(rng.integers(len(node["inputs"]) + 1))]
            with open(self.path("fuzz-symbol.json"), "w") as f:
                json.dump(symbol, f)
            rc, out, err = run("info", self.path("fuzz-symbol.json"), "--input", DNNL_DIMS)
            detail = f"\ntrial {trial}: exit {rc}\nstderr: {err}"
            self.assertIn(rc, outcomes, detail)
            outcomes[rc] += 1
            if rc == 2:
                lines = err.strip().splitlines()
                self.assertEqual(len(lines), 1, detail)
                self.assertTrue(lines[0].startswith(
                    f"error: {self.path('fuzz-symbol.json')}: node '"), detail)
        self.assertGreater(outcomes[2], 10, outcomes)

    def test_input_from_a_missing_node(self):
        symbol = json.loads(json.dumps(self.symbol))
        relu = next(n for n in symbol["nodes"] if n["name"] == "relu1_1")
        relu["inputs"] = [[999, 0, 0]]
        source = self.checkpoint("bad", symbol)
        self.assert_fails(source, ["bad-symbol.json", "node 'relu1_1' (Activation)",
                                   "refers to no node"])


if __name__ == "__main__":
    NNPORT = os.path.abspath(sys.argv.pop(1))
    shared_testdata.require("mxnet_cli", "the real MXNet symbol file")
    unittest.main(verbosity=2)
