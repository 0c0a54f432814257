#!/usr/bin/python3
"""End-to-end tests of the nnport command line: exit codes, the one-line error message, and that
a failed command leaves no output or temporary file behind.

Usage: test_cli.py PATH/TO/nnport   (run by ctest, label `cli`; needs Debian's python3-onnx and
python3-numpy, so run it with /usr/bin/python3)
"""
import os
import struct
import subprocess
import sys
import tempfile
import unittest

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

NNPORT = None  # set from argv in main


def run(*args, cwd=None):
    proc = subprocess.run([NNPORT, *args], cwd=cwd, capture_output=True, text=True, timeout=120)
    return proc.returncode, proc.stdout, proc.stderr


def small_model(weight=None, ops=("Relu",), missing_weight=False):
    """x[1,2,4,4] -> Conv 1x1 (w, b) -> ops... -> y, opset 13."""
    w = weight if weight is not None else np.arange(4, dtype=np.float32).reshape(2, 2, 1, 1) / 4
    inits = [numpy_helper.from_array(np.array([0.5, -0.5], np.float32), "b")]
    if not missing_weight:
        inits.append(numpy_helper.from_array(w, "w"))
    nodes = [helper.make_node("Conv", ["x", "w", "b"], ["c"], name="conv")]
    previous = "c"
    for i, op in enumerate(ops):
        out = "y" if i == len(ops) - 1 else f"t{i}"
        nodes.append(helper.make_node(op, [previous], [out], name=f"{op.lower()}_{i}"))
        previous = out
    graph = helper.make_graph(
        nodes, "small",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 2, 4, 4])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 2, 4, 4])], inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)],
                             producer_name="nnport-cli-test")


def model_bytes(model):
    return model.SerializeToString()


def model_with_initializer(dims, data_bytes):
    """A model whose weight claims `dims` but stores `data_bytes` of raw data."""
    model = small_model()
    tensor = TensorProto(name="w", data_type=TensorProto.FLOAT, dims=dims, raw_data=data_bytes)
    weights = [t for t in model.graph.initializer if t.name != "w"]
    del model.graph.initializer[:]
    model.graph.initializer.extend(weights + [tensor])
    return model_bytes(model)


class CliTest(unittest.TestCase):
    def setUp(self):
        self._dir = tempfile.TemporaryDirectory(prefix="nnport-cli-test-")
        self.dir = self._dir.name

    def tearDown(self):
        self._dir.cleanup()

    def path(self, name):
        return os.path.join(self.dir, name)

    def write(self, name, data):
        with open(self.path(name), "wb") as f:
            f.write(data)
        return self.path(name)

    def listing(self):
        return sorted(os.listdir(self.dir))

    def assert_fails(self, args, code, fragments, files_before=None):
        """Runs nnport, expects exit `code`, one stderr line 'error: ...' containing every
        fragment, nothing new in the test folder."""
        before = files_before if files_before is not None else self.listing()
        rc, out, err = run(*args, cwd=self.dir)
        detail = f"\nargs: {args}\nexit: {rc}\nstdout: {out}\nstderr: {err}"
        self.assertEqual(rc, code, detail)
        lines = err.strip().splitlines()
        self.assertEqual(len(lines), 1, "expected exactly one message line" + detail)
        self.assertTrue(lines[0].startswith("error: "), detail)
        for fragment in fragments:
            self.assertIn(fragment, lines[0], detail)
        self.assertEqual(self.listing(), before, "files left behind" + detail)
        return lines[0]

    # --- bad model files: exit 2, one line naming the file (and node), nothing written ---

    def test_truncated_file(self):
        data = model_bytes(small_model())
        src = self.write("truncated.onnx", data[: len(data) // 2])
        self.assert_fails(["convert", src, self.path("out.onnx")], 2, [src])

    def test_corrupt_bytes(self):
        src = self.write("corrupt.onnx", bytes((i * 151 + 7) % 256 for i in range(4096)))
        self.assert_fails(["convert", src, self.path("out.onnx")], 2, [src])

    def test_unknown_op_names_node_and_op(self):
        src = self.write("unknown.onnx", model_bytes(small_model(ops=("Relu", "FancyActivation"))))
        self.assert_fails(["convert", src, self.path("out.onnx")], 2,
                          [src, "FancyActivation", "fancyactivation_1"])

    def test_two_unknown_ops_listed_at_once(self):
        src = self.write("unknown2.onnx",
                         model_bytes(small_model(ops=("FancyActivation", "Relu", "OtherOp"))))
        self.assert_fails(["info", src], 2, [src, "FancyActivation", "fancyactivation_0",
                                             "OtherOp", "otherop_2"])

    def test_absurd_shape(self):
        src = self.write("absurd.onnx", model_with_initializer([1 << 20, 1 << 20, 1 << 10], b"\0" * 16))
        self.assert_fails(["convert", src, self.path("out.onnx")], 2, [src, "'w'"])

    def test_overflowing_shape_arithmetic(self):
        src = self.write("overflow.onnx", model_with_initializer([1 << 62, 8, 1, 1], b"\0" * 16))
        self.assert_fails(["convert", src, self.path("out.onnx")], 2, [src, "overflow"])

    def test_missing_weights(self):
        src = self.write("noweight.onnx", model_bytes(small_model(missing_weight=True)))
        self.assert_fails(["convert", src, self.path("out.onnx")], 2, [src, "'w'"])

    def test_missing_external_data_file(self):
        model = small_model()
        w = next(t for t in model.graph.initializer if t.name == "w")
        w.ClearField("raw_data")
        w.data_location = TensorProto.EXTERNAL
        w.external_data.add(key="location", value="absent_weights.bin")
        src = self.write("external.onnx", model_bytes(model))
        self.assert_fails(["convert", src, self.path("out.onnx")], 2, [src, "absent_weights.bin"])

    # --- bad Caffe files: exit 2, the layer named, nothing written ---

    CAFFE_INPUT = ('layer { name: "data" type: "Input" top: "data" '
                   'input_param { shape { dim: 1 dim: 1 dim: 3 dim: 3 } } }\n')

    def write_caffe(self, layers, weights=None):
        """net.prototxt (Input 1x1x3x3 + `layers`) and, given `weights`, net.caffemodel."""
        src = self.write("net.prototxt", (self.CAFFE_INPUT + layers).encode())
        if weights is not None:
            self.write("net.caffemodel", weights.SerializeToString())
        return src

    def test_caffe_blob_size_disagreeing_with_the_prototxt(self):
        sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "caffe"))
        from caffe_proto import pb
        weights = pb().NetParameter()
        conv = weights.layer.add(name="conv1", type="Convolution")
        conv.blobs.add(shape=pb().BlobShape(dim=[3, 1, 1, 1]), data=[1, 2, 3])
        conv.blobs.add(shape=pb().BlobShape(dim=[2]), data=[0, 0])
        src = self.write_caffe('layer { name: "conv1" type: "Convolution" bottom: "data" '
                               'top: "conv1" convolution_param { num_output: 2 kernel_size: 1 } }',
                               weights)
        self.assert_fails(["convert", src, self.path("out.onnx")], 2,
                          [src, "node 'conv1' (Convolution)", "[3, 1, 1, 1]"])

    def test_caffe_missing_bottom(self):
        src = self.write_caffe('layer { name: "r" type: "ReLU" bottom: "nowhere" top: "r" }')
        self.assert_fails(["convert", src, self.path("out.onnx")], 2,
                          [src, "node 'r' (ReLU)", "'nowhere'"])

    def test_caffe_cycle(self):
        src = self.write_caffe('layer { name: "a" type: "ReLU" bottom: "b" top: "a" }\n'
                               'layer { name: "b" type: "ReLU" bottom: "a" top: "b" }')
        self.assert_fails(["convert", src, self.path("out.prototxt")], 2,
                          [src, "node 'a' (ReLU)", "cycle"])

    def test_caffe_unknown_layer_type(self):
        src = self.write_caffe('layer { name: "p" type: "FancyLayer" bottom: "data" top: "p" }')
        self.assert_fails(["convert", src, self.path("out.onnx")], 2,
                          [src, "node 'p' (FancyLayer)"])

    # --- usage problems: exit 1 ---

    def test_caffe_options(self):
        src = self.write_caffe('layer { name: "r" type: "ReLU" bottom: "data" top: "r" }')
        self.assert_fails(["convert", src, self.path("out.prototxt"), "--caffe-dialect", "caffe-2"],
                          1, ["--caffe-dialect 'caffe-2'", "caffe-1.0, bvlc-master"])
        self.assert_fails(["convert", src, self.path("out.onnx"), "--fold-bn"], 1,
                          ["--fold-bn", "Caffe output"])
        onnx_src = self.write("good.onnx", model_bytes(small_model()))
        self.assert_fails(["convert", onnx_src, self.path("out.onnx"), "--seed-weights", "1"], 1,
                          ["--seed-weights", "Caffe input"])
        for dialect in ("caffe-1.0", "bvlc-master", "caffe-ssd"):
            rc, out, err = run("convert", src, self.path(dialect + ".prototxt"), "--caffe-dialect",
                               dialect, "--fold-bn")
            self.assertEqual(rc, 0, out + err)
        self.assertIn("caffe-1.0.caffemodel", self.listing())

    def test_caffe_seed_weights(self):
        src = self.write_caffe('layer { name: "ip" type: "InnerProduct" bottom: "data" top: "ip" '
                               'inner_product_param { num_output: 2 } }')
        self.assert_fails(["convert", src, self.path("out.onnx")], 2,
                          [src, "node 'ip' (InnerProduct)", "no weights"])
        for name in ("a", "b"):
            rc, out, err = run("convert", src, self.path(name + ".prototxt"), "--seed-weights", "7")
            self.assertEqual(rc, 0, out + err)
        with open(self.path("a.caffemodel"), "rb") as a, open(self.path("b.caffemodel"), "rb") as b:
            self.assertEqual(a.read(), b.read(), "same seed, same weights")


    def test_missing_model_file(self):
        self.assert_fails(["info", self.path("nothing.onnx")], 1, ["nothing.onnx"])

    def test_missing_input_file(self):
        src = self.write("good.onnx", model_bytes(small_model()))
        before = self.listing()
        self.assert_fails(["run", src, "--input", "x=" + self.path("absent.npy"), "--out-dir",
                           self.path("results")], 1, ["absent.npy"], before)

    def test_bad_flag(self):
        src = self.write("good.onnx", model_bytes(small_model()))
        rc, out, err = run("convert", src, self.path("out.onnx"), "--no-such-flag", cwd=self.dir)
        self.assertEqual(rc, 1, err)
        self.assertIn("--no-such-flag", err)
        self.assertEqual(self.listing(), ["good.onnx"])

    def test_bad_input_spec(self):
        src = self.write("good.onnx", model_bytes(small_model()))
        self.assert_fails(["convert", src, self.path("out.onnx"), "--input", "x:1,two,4,4"], 1,
                          ["--input x:1,two,4,4"])
        self.assert_fails(["convert", src, self.path("out.onnx"), "--input", "nope:1,2"], 1,
                          ["no input named 'nope'"])

    def test_unknown_target_format(self):
        src = self.write("good.onnx", model_bytes(small_model()))
        self.assert_fails(["convert", src, self.path("out.xyz")], 1, ["out.xyz"])

    # --- working commands ---

    def test_help_on_every_command_has_an_example(self):
        for command in ("convert", "info", "run", "compare", "dump", "demo"):
            rc, out, err = run(command, "--help")
            self.assertEqual(rc, 0, command + err)
            self.assertIn("Example:", out, command)

    def test_convert_validate_run_and_dump(self):
        src = self.write("good.onnx", model_bytes(small_model()))
        dst = self.path("converted.onnx")
        rc, out, err = run("convert", src, dst, "--validate")
        self.assertEqual(rc, 0, out + err)
        self.assertIn("inf", out)
        onnx.checker.check_model(onnx.load(dst))

        np.save(self.path("x.npy"), np.ones((1, 2, 4, 4), np.float32))
        rc, out, err = run("run", dst, "--input", "x=" + self.path("x.npy"), "--out-dir",
                           self.path("results"))
        self.assertEqual(rc, 0, out + err)
        y = np.load(self.path("results/y.npy"))
        # Conv 1x1 with w = [[0, .25], [.5, .75]], b = [.5, -.5] on ones, then ReLU.
        expected = np.stack([np.full((4, 4), 0.75), np.full((4, 4), 0.75)])[None]
        np.testing.assert_array_equal(y, expected.astype(np.float32))

        rc, out, err = run("dump", dst)
        self.assertEqual(rc, 0, err)
        self.assertIn("%c = Conv(%x, %w, %b)", out)

        rc, out, err = run("info", dst)
        self.assertEqual(rc, 0, err)
        self.assertIn("parameters: 6", out)

    def test_compare_over_tolerance_exits_3_and_names_the_layer(self):
        a = self.write("a.onnx", model_bytes(small_model()))
        w = np.arange(4, dtype=np.float32).reshape(2, 2, 1, 1) / 4 + np.float32(0.01)
        b = self.write("b.onnx", model_bytes(small_model(weight=w)))
        rc, out, err = run("compare", a, b, "--seed", "3", "--max-rel", "1e-6", "--layers")
        self.assertEqual(rc, 3, out + err)
        self.assertIn("first divergence", out)
        self.assertIn("node 'conv' (Conv)", out)
        rc, out, err = run("compare", a, a, "--max-rel", "0")
        self.assertEqual(rc, 0, out + err)
        self.assertIn("inf", out)

    def test_compare_reference_f64(self):
        a = self.write("a.onnx", model_bytes(small_model()))
        w = np.arange(4, dtype=np.float32).reshape(2, 2, 1, 1) / 4 + np.float32(0.01)
        b = self.write("b.onnx", model_bytes(small_model(weight=w)))
        # A against itself: B is A in float32, exactly as far from float64 as the source.
        rc, out, err = run("compare", a, a, "--reference-f64", "--seed", "3")
        self.assertEqual(rc, 0, out + err)
        self.assertIn("in float64 (judge)", out)
        self.assertIn("pass (rel <= 1e-05 vs float64 (plain verdict))", out)
        # Other weights: far from A's float64 run, exit 3 naming the output.
        rc, out, err = run("compare", a, b, "--reference-f64", "--seed", "3")
        self.assertEqual(rc, 3, out + err)
        self.assertIn("FAIL: 'y'", out)
        # run --float64 writes float64; its outputs can stand for the source runtime's.
        rc, out, err = run("run", a, "--seed", "3", "--float64", "--out-dir", self.path("f64"))
        self.assertEqual(rc, 0, out + err)
        self.assertEqual(np.load(self.path("f64/y.npy")).dtype, np.float64)
        rc, out, err = run("run", a, "--seed", "3", "--out-dir", self.path("src"))
        self.assertEqual(rc, 0, out + err)
        rc, out, err = run("compare", a, a, "--reference-f64", "--seed", "3",
                           "--source-outputs", self.path("src"))
        self.assertEqual(rc, 0, out + err)
        self.assertIn("(A's own runtime)", out)
        rc, out, err = run("compare-npy", self.path("f64/y.npy"), self.path("src/y.npy"),
                           "--source", self.path("src/y.npy"), "--tsv")
        self.assertEqual(rc, 0, out + err)
        self.assertEqual(out.split("\t")[6], "pass")

    def test_demo(self):
        before = set(os.listdir(tempfile.gettempdir()))
        rc, out, err = run("demo")
        self.assertEqual(rc, 0, out + err)
        self.assertIn("OK", out)
        # The built-in CNN's first conv: TF SAME 16x16, emulated in Caffe by pad 2 and a crop.
        self.assertIn("17x17 cropped to 16x16", out)
        self.assertIn("naive symmetric pads", out)
        leftovers = [n for n in set(os.listdir(tempfile.gettempdir())) - before
                     if n.startswith("nnport-demo-")]
        self.assertEqual(leftovers, [])

    def test_demo_on_tf_mobilenet_v1(self):
        """run-demo.sh's case: the generated TF-slim MobileNet v1 converted to Caffe."""
        generator = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "generators",
                                 "tf_mobilenet.py")
        subprocess.run([sys.executable, generator, self.dir], check=True, capture_output=True)
        rc, out, err = run("demo", "--tf-model", self.path("mobilenet_v1_1.0_224.pb"), "--keep",
                           self.path("demo"), "--output", "MobilenetV1/Logits/SpatialSqueeze",
                           "MobilenetV1/Predictions/Reshape_1")
        self.assertEqual(rc, 0, out + err)
        self.assertIn("pads [top 0, left 0, bottom 1, right 1], output 112x112", out)
        self.assertIn("113x113 cropped to 112x112", out)
        self.assertIn("OK", out)
        self.assertTrue(os.path.exists(self.path("demo/nnport.caffemodel")))

    def demo_tf_model(self):
        generator = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "generators",
                                 "tf_mobilenet.py")
        subprocess.run([sys.executable, generator, self.dir], check=True, capture_output=True)
        return self.path("mobilenet_v1_1.0_224.pb")

    def test_compare_across_layouts(self):
        """The demo's TF graph (NHWC) against its Caffe (NCHW) and MXNet conversions, with no
        flag beyond what convert needed: compare transposes the input itself, says so once."""
        pb = self.demo_tf_model()
        cut = ["--output", "MobilenetV1/Logits/SpatialSqueeze",
               "MobilenetV1/Predictions/Reshape_1"]
        for target, note in (("m.prototxt", True), ("m-symbol.json", None)):
            rc, out, err = run("convert", pb, self.path(target), *cut)
            self.assertEqual(rc, 0, out + err)
            rc, out, err = run("compare", pb, self.path(target), *cut, "--max-rel", "1e-4")
            self.assertEqual(rc, 0, target + out + err)
            print(f"\n--- compare {os.path.basename(pb)} {target}\n{out}", end="")
            lines = out.splitlines()
            self.assertIn("(reference) vs", lines[0])
            layout_note = "input 'input': NHWC 1x224x224x3 fed as NCHW 1x3x224x224 (layouts differ)"
            if target.endswith(".prototxt"):
                self.assertEqual(lines[1], layout_note)
            table = lines[1 + (layout_note in lines):]
            self.assertEqual(table[0].split()[:4], ["output", "shape", "max_abs", "max_rel"])
            self.assertEqual(len(table), 3, out)  # header and the two outputs
            for row in table[1:]:
                self.assertGreater(float(row.split()[5]), 100, row)  # snr_db: float rounding

    def test_compare_layout_options(self):
        """--input-layout / --output-layout (for shapes that read the same both ways, such as
        1x3x3x3; unit tests cover that case) take REFERENCE:CANDIDATE."""
        a = self.write("a.onnx", model_bytes(small_model()))
        rc, out, err = run("compare", a, a, "--input-layout", "NHWC")
        self.assertEqual(rc, 1, out + err)
        self.assertIn("--input-layout wants the two models' layouts as REFERENCE:CANDIDATE", err)
        rc, out, err = run("compare", a, a, "--input-layout", "NCHW:NCHW", "--output-layout",
                           "NCHW:NCHW")
        self.assertEqual(rc, 0, out + err)

    def test_unknown_input_size_error_names_the_input_option(self):
        """A TF graph with an unknown batch cannot be written to Caffe (the SAME windows need the
        size): the error gives the --input that fixes it, in the graph's own NHWC layout."""
        sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..",
                                        "generators"))
        from tf_graph_proto import load_proto_module
        pb = load_proto_module()
        graph = pb.GraphDef()
        with open(self.demo_tf_model(), "rb") as f:
            graph.ParseFromString(f.read())
        placeholder = next(n for n in graph.node if n.name == "input")
        placeholder.attr["shape"].shape.dim[0].size = -1
        source = self.write("unknown_batch.pb", graph.SerializeToString())
        self.assert_fails(["convert", source, self.path("out.prototxt")], 2,
                          ["needs a known input shape, got ?x3x224x224",
                           "--input input:1,224,224,3"])
        rc, out, err = run("convert", source, self.path("out.prototxt"), "--input",
                           "input:1,224,224,3")
        self.assertEqual(rc, 0, out + err)


if __name__ == "__main__":
    NNPORT = os.path.abspath(sys.argv.pop(1))
    unittest.main(verbosity=2)
