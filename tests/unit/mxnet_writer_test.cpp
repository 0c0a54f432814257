// MXNet writer: each legalization (explicit Pad for asymmetric conv/max-pool pads, symmetric
// pad + crop for real-cell average pools, pooling_convention for the IR rounding, ReLU6 as
// clip) checked in the written symbol, then read back through the MXNet reader and run against
// the source graph on the executor. Also the generated Python and node-named read errors.
#include <gtest/gtest.h>

#include <cstdlib>
#include <limits>

#include <fmt/format.h>

#include "formats/mxnet/symbol.h"
#include "mxnet_test_util.h"

namespace nnport {
namespace {

using mxnet_test::pattern;
using mxnet_test::tensor;

// A small IR graph builder: one runtime input, nodes appended in order.
class Builder {
 public:
  explicit Builder(std::vector<int64_t> input_dims) {
    Value& v = g.add_value("input");
    v.dtype = DType::Float32;
    v.shape = Shape::from_sizes(input_dims);
    g.inputs.push_back("input");
    input_dims_ = std::move(input_dims);
  }
  std::string constant(const std::string& name, Tensor t) {
    g.add_constant(name, std::move(t));
    return name;
  }
  std::string ints(const std::string& name, const std::vector<int64_t>& v) {
    return constant(name, Tensor::from_vector<int64_t>({static_cast<int64_t>(v.size())}, v));
  }
  std::string node(const std::string& op, const std::string& name, std::vector<std::string> inputs,
                   Attributes attrs = {}) {
    Node n;
    n.op = op;
    n.name = name;
    n.inputs = std::move(inputs);
    n.outputs = {name + "_out"};
    n.attrs = std::move(attrs);
    g.add_value(n.outputs[0]);
    g.nodes.push_back(n);
    return n.outputs[0];
  }
  Graph finish(const std::string& output) {
    g.outputs = {output};
    infer_shapes(g);
    return g;
  }
  Tensor input_tensor() const { return tensor(input_dims_, pattern(element_count(input_dims_))); }

  Graph g;

 private:
  std::vector<int64_t> input_dims_;
};

Attributes window(std::vector<int64_t> kernel, std::vector<int64_t> strides,
                  std::vector<int64_t> pads) {
  Attributes a;
  a.set("kernel_shape", kernel);
  a.set("strides", strides);
  a.set("pads", pads);
  return a;
}

using mxnet_test::write_and_read;
using mxnet_test::Written;

using mxnet_test::find_op;

void expect_same_outputs(const Graph& source, const Graph& back, const Tensor& x,
                         const std::string& what) {
  const std::vector<float> want = mxnet_test::run_single(source, "input", x);
  const std::vector<float> got = mxnet_test::run_single(back, "input", x);
  ASSERT_EQ(want.size(), got.size()) << what;
  for (size_t i = 0; i < want.size(); ++i)
    EXPECT_NEAR(want[i], got[i], 1e-5f * std::max(1.0f, std::abs(want[i]))) << what << " at " << i;
}

// TF SAME, k3 s2 on 8x8: pads (0, 1) per axis -> Pad (0,0,0,0,0,1,0,1) + symmetric conv.
TEST(MxnetWriter, AsymmetricConvGetsExplicitPad) {
  Builder b({1, 2, 8, 8});
  const std::string w = b.constant("conv_w", tensor({3, 2, 3, 3}, pattern(54, 11, 13, 6, 8)));
  const std::string bias = b.constant("conv_b", tensor({3}, {0.5f, -0.5f, 0.25f}));
  const Graph g =
      b.finish(b.node("Conv", "conv", {"input", w, bias}, window({3, 3}, {2, 2}, {0, 0, 1, 1})));
  mxnet_test::TempDir dir;
  const Written out = write_and_read(dir, g);
  const mxnet::SymbolNode* pad = find_op(out.symbol, "Pad");
  const mxnet::SymbolNode* conv = find_op(out.symbol, "Convolution");
  ASSERT_TRUE(pad && conv);
  EXPECT_EQ(pad->attrs.at("pad_width"), "(0, 0, 0, 0, 0, 1, 0, 1)");
  EXPECT_EQ(pad->attrs.at("mode"), "constant");
  EXPECT_EQ(conv->attrs.at("pad"), "(0, 0)");
  EXPECT_EQ(conv->name, "conv");
  EXPECT_EQ(out.read_back.value(out.read_back.outputs[0]).shape, Shape::from_sizes({1, 3, 4, 4}));
  expect_same_outputs(g, out.read_back, b.input_tensor(), "conv");
}

// Negative inputs: a zero pad would win; the lowest float never does.
TEST(MxnetWriter, AsymmetricMaxPoolPadsWithLowestFloat) {
  Builder b({1, 1, 7, 7});
  const std::string shifted =
      b.node("Sub", "shift", {"input", b.constant("ten", Tensor::scalar<float>(10.0f))});
  const Graph g =
      b.finish(b.node("MaxPool", "pool", {shifted}, window({3, 3}, {2, 2}, {1, 1, 2, 2})));
  mxnet_test::TempDir dir;
  const Written out = write_and_read(dir, g);
  const mxnet::SymbolNode* pad = find_op(out.symbol, "Pad");
  ASSERT_TRUE(pad);
  EXPECT_EQ(std::stof(pad->attrs.at("constant_value")), std::numeric_limits<float>::lowest());
  EXPECT_EQ(pad->attrs.at("pad_width"), "(0, 0, 0, 0, 0, 1, 0, 1)");
  EXPECT_EQ(find_op(out.symbol, "Pooling")->attrs.at("pad"), "(1, 1)");
  ASSERT_TRUE(find_op(out.symbol, "_minus_scalar"));
  expect_same_outputs(g, out.read_back, b.input_tensor(), "max pool");
}

// TF SAME average pool (divide by real cells) on 7x7, k3 s2: pads (1, 1)... and on 8x8 (0, 1).
TEST(MxnetWriter, RealCellAveragePoolUsesWiderPadAndCrop) {
  for (int64_t size : {7, 8}) {
    Builder b({1, 2, size, size});
    const std::vector<int64_t> pads =
        size == 8 ? std::vector<int64_t>{0, 0, 1, 1} : std::vector<int64_t>{1, 1, 1, 1};
    Attributes a = window({3, 3}, {2, 2}, pads);
    a.set("divisor", std::string("valid"));
    const Graph g = b.finish(b.node("AveragePool", "avg", {"input"}, a));
    mxnet_test::TempDir dir;
    const Written out = write_and_read(dir, g);
    const mxnet::SymbolNode* pool = find_op(out.symbol, "Pooling");
    ASSERT_TRUE(pool);
    EXPECT_EQ(pool->attrs.at("count_include_pad"), "False");
    EXPECT_EQ(find_op(out.symbol, "Pad"), nullptr) << "zeros would count as real cells";
    if (size == 8) {
      EXPECT_EQ(pool->attrs.at("pad"), "(2, 2)");
      EXPECT_NE(find_op(out.symbol, "slice"), nullptr);
    }
    expect_same_outputs(g, out.read_back, b.input_tensor(), fmt::format("avg {}", size));
  }
}

// IR rounding "ceil" drops a last window starting in the end padding (PyTorch); MXNet gets the
// convention with the same count, or full plus a crop.
TEST(MxnetWriter, PoolRoundingMapsToConvention) {
  struct Case {
    int64_t size, kernel, stride, pad;
    std::string rounding, convention;
    bool crop;
  };
  const Case cases[] = {
      {5, 2, 2, 1, "ceil", "valid", false},     // ceil gives 4, the tail window is dropped: 3
      {6, 3, 2, 0, "ceil", "full", false},      // ceil 3 = full 3 > floor 2
      {6, 3, 2, 1, "ceil_all", "full", false},  //
      {7, 3, 2, 1, "floor", "valid", false},
  };
  for (const Case& c : cases) {
    Builder b({1, 1, c.size, c.size});
    Attributes a = window({c.kernel, c.kernel}, {c.stride, c.stride}, {c.pad, c.pad, c.pad, c.pad});
    a.set("rounding", c.rounding);
    const Graph g = b.finish(b.node("MaxPool", "pool", {"input"}, a));
    mxnet_test::TempDir dir;
    const Written out = write_and_read(dir, g);
    const std::string what =
        fmt::format("in {} k {} s {} p {} {}", c.size, c.kernel, c.stride, c.pad, c.rounding);
    EXPECT_EQ(find_op(out.symbol, "Pooling")->attrs.at("pooling_convention"), c.convention) << what;
    EXPECT_EQ(find_op(out.symbol, "slice") != nullptr, c.crop) << what;
    expect_same_outputs(g, out.read_back, b.input_tensor(), what);
  }
}

TEST(MxnetWriter, Relu6BecomesClip) {
  Builder b({1, 4});
  const std::string scaled =
      b.node("Mul", "scale", {"input", b.constant("eight", Tensor::scalar<float>(8.0f))});
  const Graph g = b.finish(b.node("Clip", "relu6",
                                  {scaled, b.constant("lo", Tensor::scalar<float>(0.0f)),
                                   b.constant("hi", Tensor::scalar<float>(6.0f))}));
  mxnet_test::TempDir dir;
  const Written out = write_and_read(dir, g);
  const mxnet::SymbolNode* clip = find_op(out.symbol, "clip");
  ASSERT_TRUE(clip);
  EXPECT_EQ(clip->name, "relu6");
  EXPECT_EQ(clip->attrs.at("a_min"), "0");
  EXPECT_EQ(clip->attrs.at("a_max"), "6");
  expect_same_outputs(g, out.read_back, b.input_tensor(), "relu6");
}

// A Gluon-export-like classifier head: BatchNorm, Gemm, Softmax, Reshape, Transpose, Concat.
Graph classifier(Builder& b) {
  Attributes bn;
  bn.set("epsilon", 0.001f);
  const std::string norm = b.node("BatchNormalization", "bn",
                                  {"input", b.constant("gamma", tensor({2}, {2.0f, -1.5f})),
                                   b.constant("beta", tensor({2}, {0.5f, 0.25f})),
                                   b.constant("mean", tensor({2}, {0.1f, -0.2f})),
                                   b.constant("var", tensor({2}, {1.5f, 0.5f}))},
                                  bn);
  Attributes perm;
  perm.set("perm", std::vector<int64_t>{0, 2, 3, 1});
  const std::string nhwc = b.node("Transpose", "to_nhwc", {norm}, perm);
  Attributes axis1;
  axis1.set("axis", int64_t{1});
  const std::string both = b.node("Concat", "concat", {nhwc, nhwc}, axis1);
  const std::string flat = b.node("Reshape", "flatten", {both, b.ints("flat_shape", {0, -1})});
  Attributes gemm;
  gemm.set("transB", int64_t{0});
  const std::string logits =
      b.node("Gemm", "fc",
             {flat, b.constant("fc_w", tensor({36, 3}, pattern(108, 7, 11, 5, 8))),
              b.constant("fc_b", tensor({3}, {0.1f, 0.2f, 0.3f}))},
             gemm);
  Attributes last;
  last.set("axis", int64_t{-1});
  return b.finish(b.node("Softmax", "prob", {logits}, last));
}

TEST(MxnetWriter, ClassifierRoundTripsLikeAGluonExport) {
  Builder b({1, 2, 3, 3});
  const Graph g = classifier(b);
  mxnet_test::TempDir dir;
  const Written out = write_and_read(dir, g);
  // Gluon's export records shape and dtype on each parameter and prefixes arg:/aux:.
  bool saw_aux = false;
  for (const mxnet::NamedArray& a : mxnet::read_ndarray_list(dir.file("model-0000.params")))
    saw_aux = saw_aux || a.name == "aux:bn_moving_mean";
  EXPECT_TRUE(saw_aux);
  const mxnet::SymbolNode* bn = find_op(out.symbol, "BatchNorm");
  ASSERT_TRUE(bn);
  EXPECT_EQ(bn->attrs.at("fix_gamma"), "False");
  EXPECT_EQ(out.symbol.nodes[out.symbol.nodes.size() - 1].name, "prob");
  EXPECT_EQ(out.symbol.nodes[0].attrs.at("__shape__"), "(1, 2, 3, 3)");
  expect_same_outputs(g, out.read_back, b.input_tensor(), "classifier");
}

TEST(MxnetWriter, GeneratedPythonCompilesAndNamesEveryLayer) {
  Builder b({1, 2, 3, 3});
  const Graph g = classifier(b);
  mxnet_test::TempDir dir;
  const std::string script = dir.file("net.py");
  mxnet::write_python_code(g, script, WriteOptions{});
  std::ifstream in(script);
  const std::string code((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const mxnet::Symbol s = mxnet::read_symbol_file(dir.file("net-symbol.json"));
  for (const mxnet::SymbolNode& n : s.nodes)
    if (n.op != "null")
      EXPECT_NE(code.find(fmt::format("name='{}'", n.name)), std::string::npos) << n.name;
  EXPECT_NE(code.find("net-0000.params"), std::string::npos);
  EXPECT_EQ(0, std::system(fmt::format("/usr/bin/python3 -m py_compile '{}'", script).c_str()));
}

void expect_read_error(const std::string& symbol, const std::vector<mxnet::NamedArray>& params,
                       const std::string& fragment) {
  mxnet_test::TempDir dir;
  try {
    mxnet_test::read_checkpoint(dir, symbol, params, {{"data", {1, 1, 4, 4}}});
    ADD_FAILURE() << "no error; expected '" << fragment << "'";
  } catch (const Error& e) {
    EXPECT_EQ(e.exit_code(), 2);
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
  }
}

// MXNet's Pad never pads channels: BlazeFace's channel_padding (here 1 channel before, 2 after,
// plus one row below) becomes a spatial Pad and a Concat with stored blocks of the pad value.
TEST(MxnetWriter, ChannelPadBecomesConcatWithStoredBlocks) {
  Builder b({1, 2, 3, 3});
  Attributes constant_mode;
  constant_mode.set("mode", std::string("constant"));
  const Graph g = b.finish(b.node(
      "Pad", "channel_padding",
      {"input", b.ints("pads", {0, 1, 0, 0, 0, 2, 1, 0}), b.constant("value", tensor({}, {0.5f}))},
      constant_mode));
  mxnet_test::TempDir dir;
  const Written out = write_and_read(dir, g);
  const mxnet::SymbolNode* pad = find_op(out.symbol, "Pad");
  const mxnet::SymbolNode* concat = find_op(out.symbol, "Concat");
  ASSERT_TRUE(pad && concat);
  EXPECT_EQ(pad->attrs.at("pad_width"), "(0, 0, 0, 0, 0, 1, 0, 0)");
  EXPECT_EQ(concat->attrs.at("dim"), "1");
  EXPECT_EQ(concat->attrs.at("num_args"), "3");
  EXPECT_EQ(concat->name, "channel_padding");
  EXPECT_EQ(out.read_back.value(out.read_back.outputs[0]).shape, Shape::from_sizes({1, 5, 4, 3}));
  const std::vector<float> got = mxnet_test::run_single(out.read_back, "input", b.input_tensor());
  const std::vector<float> x = pattern(18);
  ASSERT_EQ(got.size(), 60u);
  for (int64_t c = 0; c < 5; ++c)
    for (int64_t h = 0; h < 4; ++h)
      for (int64_t w = 0; w < 3; ++w) {
        const bool copied = c >= 1 && c <= 2 && h < 3;
        const float want = copied ? x[((c - 1) * 3 + h) * 3 + w] : 0.5f;
        EXPECT_EQ(got[(c * 4 + h) * 3 + w], want) << "c " << c << " h " << h << " w " << w;
      }
}

TEST(MxnetReader, BadModelsGiveNodeNamedErrors) {
  const std::string conv = R"j({
  "nodes": [
    {"op": "null", "name": "data", "inputs": []},
    {"op": "null", "name": "c_weight", "attrs": {"__shape__": "(2, 1, 3, 3)"}, "inputs": []},
    {"op": "Convolution", "name": "c", "attrs": {"kernel": "(3, 3)", "num_filter": "2",
     "no_bias": "True"}, "inputs": [[0, 0, 0], [1, 0, 0]]}
  ],
  "arg_nodes": [0, 1], "heads": [[2, 0, 0]]
})j";
  expect_read_error(conv, {},
                    "node 'c' (Convolution): the weight 'c_weight' is not in the .params");
  expect_read_error(conv, {{"arg:c_weight", tensor({2, 1, 2, 2}, pattern(8))}},
                    "node 'c_weight' (null): the stored parameter has shape [2, 1, 2, 2]");
  std::string no_shape = conv;
  no_shape.replace(no_shape.find(R"j("attrs": {"__shape__": "(2, 1, 3, 3)"}, )j"),
                   std::string(R"j("attrs": {"__shape__": "(2, 1, 3, 3)"}, )j").size(), "");
  expect_read_error(no_shape, {{"arg:c_weight", tensor({3, 1, 3, 3}, pattern(27))}},
                    "node 'c' (Convolution): weight 'c_weight' has shape [3, 1, 3, 3]");
  const std::string unknown = R"j({
  "nodes": [
    {"op": "null", "name": "data", "inputs": []},
    {"op": "_contrib_Fancy", "name": "f1", "inputs": [[0, 0, 0]]},
    {"op": "Magic", "name": "f2", "inputs": [[1, 0, 0]]}
  ],
  "arg_nodes": [0], "heads": [[2, 0, 0]]
})j";
  expect_read_error(unknown, {}, "node 'f1' (_contrib_Fancy), node 'f2' (Magic)");
}

}  // namespace
}  // namespace nnport
