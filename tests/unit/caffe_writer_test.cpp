// Caffe writer: the legalization of what Caffe cannot express directly (asymmetric pads, floor
// pooling, other average divisors, ReLU6 in caffe-1.0) is checked by running the legalized IR
// against the original with the reference executor, and by the layers it writes.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>

#include "formats/caffe/caffe_reader.h"
#include "formats/caffe/caffe_writer.h"
#include "ir/error.h"
#include "ir/op_schema.h"
#include "runtime/executor.h"

namespace nnport {
namespace {

Graph single_node_graph(const std::vector<int64_t>& input_dims, Node node,
                        std::map<std::string, Tensor> constants = {}) {
  Graph g;
  g.name = "test";
  Value& x = g.add_value("x");
  x.dtype = DType::Float32;
  x.shape = Shape::from_sizes(input_dims);
  g.inputs = {"x"};
  for (auto& [name, t] : constants)
    g.add_constant(name, t);
  node.name = node.name.empty() ? "node" : node.name;
  g.add_value(node.outputs[0]);
  g.outputs = {node.outputs[0]};
  g.nodes.push_back(std::move(node));
  infer_shapes(g);
  return g;
}

Tensor ramp(const std::vector<int64_t>& dims, float scale = 0.37f) {
  Tensor t(DType::Float32, dims);
  auto v = t.mutable_values<float>();
  for (size_t i = 0; i < v.size(); ++i)
    v[i] = std::sin(static_cast<float>(i) * scale) * 3.0f;
  return t;
}

std::vector<std::string> layer_types(const CaffeNet& net) {
  std::vector<std::string> types;
  for (const auto& l : net.net.layer())
    types.push_back(l.type());
  return types;
}

// Runs the original and the legalized graph on the same input; returns the largest difference
// relative to max(1, |reference|).
double legalized_difference(const Graph& original, const CaffeNet& written) {
  TensorMap feeds;
  feeds["x"] = ramp(original.value("x").shape.sizes());
  const Tensor want = run_graph(original, feeds).at(original.outputs[0]);
  const Tensor got = run_graph(written.graph, feeds).at(original.outputs[0]);
  EXPECT_EQ(want.dims(), got.dims());
  if (want.dims() != got.dims()) return INFINITY;
  double worst = 0;
  auto a = want.values<float>(), b = got.values<float>();
  for (size_t i = 0; i < a.size(); ++i)
    worst =
        std::max(worst, std::fabs(double(a[i]) - b[i]) / std::max(1.0, std::fabs(double(a[i]))));
  return worst;
}

struct WindowCase {
  std::string op;
  std::vector<int64_t> input, kernel, strides, pads;
  std::string rounding, divisor;
  std::vector<std::string> expected_layers;
};

std::ostream& operator<<(std::ostream& os, const WindowCase& c) {
  os << c.op << " in " << sizes_to_string(c.input) << " k " << sizes_to_string(c.kernel) << " s "
     << sizes_to_string(c.strides) << " pads " << sizes_to_string(c.pads) << " " << c.rounding
     << " " << c.divisor;
  return os;
}

class CaffeWindowLegalization : public ::testing::TestWithParam<WindowCase> {};

TEST_P(CaffeWindowLegalization, MatchesTheSourceAndUsesTheExpectedLayers) {
  const WindowCase& c = GetParam();
  Node node;
  node.op = c.op;
  node.inputs = {"x"};
  node.outputs = {"y"};
  node.attrs.set("strides", c.strides);
  node.attrs.set("pads", c.pads);
  std::map<std::string, Tensor> constants;
  if (c.op == "Conv") {
    constants["w"] = ramp({2, c.input[1], c.kernel[0], c.kernel[1]}, 0.11f);
    constants["b"] = Tensor::from_vector<float>({2}, {0.5f, -0.25f});
    node.inputs = {"x", "w", "b"};
  } else {
    node.attrs.set("kernel_shape", c.kernel);
    node.attrs.set("rounding", c.rounding);
    if (c.op == "AveragePool") node.attrs.set("divisor", c.divisor);
  }
  const Graph g = single_node_graph(c.input, node, constants);
  const CaffeNet written = build_caffe_net(g, WriteOptions{});
  EXPECT_EQ(layer_types(written), c.expected_layers);
  // Conv, max pool and crops are exact; a divisor correction costs one rounding.
  EXPECT_LE(legalized_difference(g, written), 2e-7);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, CaffeWindowLegalization,
    ::testing::Values(
        // TF SAME, stride 2 on an even size: pads (0, 1) -> pad 2, crop one leading output.
        WindowCase{"Conv",
                   {1, 2, 6, 6},
                   {3, 3},
                   {2, 2},
                   {0, 0, 1, 1},
                   "",
                   "",
                   {"Input", "Convolution", "Slice", "Silence", "Slice", "Silence"}},
        // Symmetric pads need nothing.
        WindowCase{
            "Conv", {1, 1, 5, 5}, {3, 3}, {1, 1}, {1, 1, 1, 1}, "", "", {"Input", "Convolution"}},
        // Floor pooling where Caffe rounds up: crop the extra trailing output.
        WindowCase{"MaxPool",
                   {1, 1, 6, 6},
                   {3, 3},
                   {2, 2},
                   {0, 0, 0, 0},
                   "floor",
                   "",
                   {"Input", "Pooling", "Slice", "Silence", "Slice", "Silence"}},
        // TF SAME max pool 2x2/2 on an odd size: pad (0, 1) is Caffe's unpadded ceil.
        WindowCase{"MaxPool",
                   {1, 1, 5, 5},
                   {2, 2},
                   {2, 2},
                   {0, 0, 1, 1},
                   "floor",
                   "",
                   {"Input", "Pooling"}},
        // TF SAME average pool: Caffe counts the padding, TF does not: a divisor map.
        WindowCase{"AveragePool",
                   {1, 1, 5, 5},
                   {3, 3},
                   {2, 2},
                   {1, 1, 1, 1},
                   "floor",
                   "valid",
                   {"Input", "Pooling", "Scale"}},
        // Pads (0, 1) on 6: Caffe's unpadded ceil window at the end divides by 2 like TF.
        WindowCase{"AveragePool",
                   {1, 1, 6, 6},
                   {3, 3},
                   {2, 2},
                   {0, 0, 1, 1},
                   "floor",
                   "valid",
                   {"Input", "Pooling"}},
        WindowCase{"AveragePool",
                   {1, 1, 6, 6},
                   {3, 3},
                   {2, 2},
                   {1, 1, 1, 1},
                   "ceil",
                   "kernel",
                   {"Input", "Pooling", "Scale"}},
        WindowCase{"AveragePool",
                   {1, 1, 5, 5},
                   {3, 3},
                   {2, 2},
                   {1, 1, 1, 1},
                   "ceil",
                   "padded",
                   {"Input", "Pooling"}}));

TEST(CaffeWriter, Relu6IsComposedExactlyInCaffe10AndIsClipInBvlcMaster) {
  Node clip;
  clip.op = "Clip";
  clip.inputs = {"x", "lo", "hi"};
  clip.outputs = {"y"};
  const Graph g = single_node_graph(
      {1, 2, 3, 3}, clip, {{"lo", Tensor::scalar<float>(0)}, {"hi", Tensor::scalar<float>(6)}});
  const CaffeNet v1 = build_caffe_net(g, WriteOptions{});
  EXPECT_EQ(layer_types(v1),
            (std::vector<std::string>{"Input", "ReLU", "Power", "Power", "Eltwise", "Power"}));
  WriteOptions master;
  master.caffe_dialect = "bvlc-master";
  EXPECT_EQ(layer_types(build_caffe_net(g, master)), (std::vector<std::string>{"Input", "Clip"}));
}

// Caffe has no division layer: x / c is a product by 1/c (exact for powers of 2, else one more
// rounding: within 1 ulp), x / y a product by y^-1 (Power -1), and only a zero or infinite
// constant divisor is refused, naming the node.
TEST(CaffeWriter, DivisionIsAProductByTheReciprocal) {
  Node div;
  div.name = "scale_down";
  div.op = "Div";
  div.inputs = {"x", "three"};
  div.outputs = {"y"};
  const CaffeNet by_three = build_caffe_net(
      single_node_graph({1, 2}, div, {{"three", Tensor::scalar<float>(3)}}), WriteOptions{});
  ASSERT_EQ(layer_types(by_three), (std::vector<std::string>{"Input", "Power"}));
  EXPECT_EQ(by_three.net.layer(1).power_param().scale(), 1.0f / 3.0f);
  EXPECT_EQ(by_three.net.layer(1).power_param().power(), 1.0f);

  div.name = "by_itself";
  div.inputs = {"x", "x"};
  const CaffeNet by_variable = build_caffe_net(single_node_graph({1, 2}, div), WriteOptions{});
  ASSERT_EQ(layer_types(by_variable), (std::vector<std::string>{"Input", "Power", "Eltwise"}));
  EXPECT_EQ(by_variable.net.layer(1).power_param().power(), -1.0f);
  EXPECT_EQ(by_variable.net.layer(2).bottom(1), by_variable.net.layer(1).top(0));
  EXPECT_EQ(by_variable.net.layer(2).eltwise_param().operation(), caffe::EltwiseParameter::PROD);

  div.name = "by_zero";
  div.inputs = {"x", "zero"};
  try {
    build_caffe_net(single_node_graph({1, 2}, div, {{"zero", Tensor::scalar<float>(0)}}),
                    WriteOptions{});
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.exit_code(), 2);
    EXPECT_NE(std::string(e.what()).find("node 'by_zero' (Div)"), std::string::npos) << e.what();
  }
}

// nsfwjs scales its NHWC image (Mul, Sub by scalars) before the layout Transpose to NCHW: the
// Transpose moves up to the input and is absorbed (an NCHW Input blob), the scaling stays.
TEST(CaffeWriter, ScalarPreprocessingBeforeTheLayoutTransposeIsAbsorbed) {
  Graph g;
  g.name = "test";
  Value& x = g.add_value("x");
  x.dtype = DType::Float32;
  x.shape = Shape::from_sizes({1, 4, 5, 3});
  g.inputs = {"x"};
  g.add_constant("scale", Tensor::scalar<float>(2.0f));
  g.add_constant("offset", Tensor::scalar<float>(1.0f));
  g.add_constant("w", ramp({2, 3, 1, 1}, 0.3f));
  const auto add = [&g](std::string name, std::string op, std::vector<std::string> inputs,
                        std::string output) {
    Node n;
    n.name = std::move(name);
    n.op = std::move(op);
    n.inputs = std::move(inputs);
    n.outputs = {output};
    g.add_value(output);
    g.nodes.push_back(std::move(n));
    return &g.nodes.back();
  };
  add("mul", "Mul", {"x", "scale"}, "scaled");
  add("sub", "Sub", {"scaled", "offset"}, "centered");
  add("to_nchw", "Transpose", {"centered"}, "nchw")
      ->attrs.set("perm", std::vector<int64_t>{0, 3, 1, 2});
  add("conv", "Conv", {"nchw", "w"}, "y");
  g.outputs = {"y"};
  infer_shapes(g);
  const CaffeNet written = build_caffe_net(g, WriteOptions{});
  EXPECT_TRUE(written.nchw_io);
  EXPECT_EQ(layer_types(written),
            (std::vector<std::string>{"Input", "Power", "Power", "Convolution"}));
  EXPECT_EQ(written.graph.value("x").shape.sizes(), (std::vector<int64_t>{1, 3, 4, 5}));
  // The same numbers from the NCHW input as the source gives from the NHWC one.
  TensorMap nhwc_feed, nchw_feed;
  nhwc_feed["x"] = ramp({1, 4, 5, 3});
  Tensor nchw(DType::Float32, {1, 3, 4, 5});
  auto from = nhwc_feed["x"].values<float>();
  auto to = nchw.mutable_values<float>();
  for (int64_t h = 0; h < 4; ++h)
    for (int64_t w = 0; w < 5; ++w)
      for (int64_t c = 0; c < 3; ++c)
        to[(c * 4 + h) * 5 + w] = from[(h * 5 + w) * 3 + c];
  nchw_feed["x"] = nchw;
  const Tensor want = run_graph(g, nhwc_feed).at("y");
  const Tensor got = run_graph(written.graph, nchw_feed).at("y");
  ASSERT_EQ(want.dims(), got.dims());
  auto a = want.values<float>(), b = got.values<float>();
  for (size_t i = 0; i < a.size(); ++i)
    EXPECT_EQ(a[i], b[i]) << "element " << i;
}

// Writes `g` as Caffe files, reads them back with the Caffe reader and runs both on a ramp.
void expect_caffe_round_trip_matches(const Graph& g) {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("nnport_caffe_writer_" + std::to_string(::getpid()) + "_" + g.name);
  std::filesystem::create_directories(dir);
  const std::string prototxt = (dir / "net.prototxt").string();
  write_caffe(g, prototxt, WriteOptions{});
  const Graph back = read_caffe_files(prototxt, (dir / "net.caffemodel").string(), {});
  std::filesystem::remove_all(dir);
  TensorMap feeds;
  feeds["x"] = ramp(g.value("x").shape.sizes());
  const Tensor want = run_graph(g, feeds).at(g.outputs[0]);
  const Tensor got = run_graph(back, feeds).at(back.outputs[0]);
  ASSERT_EQ(want.dims(), got.dims());
  auto a = want.values<float>(), b = got.values<float>();
  for (size_t i = 0; i < a.size(); ++i)
    EXPECT_NEAR(a[i], b[i], 1e-6f * std::max(1.0f, std::fabs(a[i]))) << "element " << i;
}

// OpenCV's Caffe importer ignores InnerProduct's `transpose`: a MatMul weight (K x N) is
// stored N x K, one row per output, with `transpose` unset.
TEST(CaffeWriter, MatMulWeightIsStoredOneRowPerOutput) {
  Node matmul;
  matmul.op = "MatMul";
  matmul.inputs = {"x", "w"};
  matmul.outputs = {"y"};
  Graph g = single_node_graph({1, 3}, matmul,
                              {{"w", Tensor::from_vector<float>({3, 2}, {1, 2, 3, 4, 5, 6})}});
  g.name = "matmul";
  const CaffeNet net = build_caffe_net(g, WriteOptions{});
  ASSERT_EQ(layer_types(net), (std::vector<std::string>{"Input", "InnerProduct"}));
  EXPECT_FALSE(net.net.layer(1).inner_product_param().transpose());
  const caffe_io::BlobToWrite& weight = net.blobs.at(1).at(0);
  EXPECT_EQ(weight.dims, (std::vector<int64_t>{2, 3}));
  const auto w = weight.tensor.values<float>();
  EXPECT_EQ(std::vector<float>(w.begin(), w.end()), (std::vector<float>{1, 3, 5, 2, 4, 6}));
  expect_caffe_round_trip_matches(g);
}

// TF's AddN (IR Sum) is one Eltwise; a mean over H, W without keepdims is a global Pooling and
// a Reshape.
TEST(CaffeWriter, SumAndSpatialMeanBecomeEltwiseAndGlobalPooling) {
  Graph g;
  g.name = "sum_mean";
  Value& x = g.add_value("x");
  x.dtype = DType::Float32;
  x.shape = Shape::from_sizes({1, 2, 3, 3});
  g.inputs = {"x"};
  g.add_constant("axes", Tensor::from_vector<int64_t>({2}, {2, 3}));
  Node relu{"relu", "Relu", {"x"}, {"positive"}, {}};
  Node sum{"add_n", "Sum", {"x", "positive", "positive"}, {"total"}, {}};
  Node mean{"mean", "ReduceMean", {"total", "axes"}, {"y"}, {}};
  mean.attrs.set("keepdims", int64_t{0});
  for (Node* n : {&relu, &sum, &mean}) {
    g.add_value(n->outputs[0]);
    g.nodes.push_back(*n);
  }
  g.outputs = {"y"};
  infer_shapes(g);
  EXPECT_EQ(layer_types(build_caffe_net(g, WriteOptions{})),
            (std::vector<std::string>{"Input", "ReLU", "Eltwise", "Pooling", "Reshape"}));
  expect_caffe_round_trip_matches(g);
}

// Channel padding (3 channels before, more than the input has, and 1 after) is built from the
// input, whole or sliced, by zero-scaled Powers, and a Concat.
TEST(CaffeWriter, ChannelPadIsComposedFromTheInput) {
  Node pad;
  pad.name = "channel_padding";
  pad.op = "Pad";
  pad.inputs = {"x", "pads"};
  pad.outputs = {"y"};
  pad.attrs.set("mode", std::string("constant"));
  Graph g = single_node_graph(
      {1, 2, 3, 3}, pad, {{"pads", Tensor::from_vector<int64_t>({8}, {0, 3, 0, 0, 0, 1, 0, 0})}});
  g.name = "channel_pad";
  EXPECT_EQ(g.value("y").shape, Shape::from_sizes({1, 6, 3, 3}));
  EXPECT_EQ(layer_types(build_caffe_net(g, WriteOptions{})),
            (std::vector<std::string>{"Input", "Power", "Slice", "Silence", "Power", "Slice",
                                      "Silence", "Power", "Concat"}));
  expect_caffe_round_trip_matches(g);
}

// tf.maximum(0, x) (mobileface): the ReLU must read the variable operand, not the constant.
TEST(CaffeWriter, MaxWithAConstantFirstOperandIsAReluOfTheVariable) {
  Node max;
  max.name = "maximum";
  max.op = "Max";
  max.inputs = {"zero", "x"};
  max.outputs = {"y"};
  Graph g = single_node_graph({1, 2, 3, 3}, max, {{"zero", Tensor::scalar<float>(0)}});
  g.name = "max_zero";
  const CaffeNet net = build_caffe_net(g, WriteOptions{});
  ASSERT_EQ(layer_types(net), (std::vector<std::string>{"Input", "ReLU"}));
  EXPECT_EQ(net.net.layer(1).bottom(0), "x");
  expect_caffe_round_trip_matches(g);
}

TEST(CaffeWriter, UnknownDialectIsAUsageError) {
  Node relu;
  relu.op = "Relu";
  relu.inputs = {"x"};
  relu.outputs = {"y"};
  const Graph g = single_node_graph({1, 2}, relu);
  WriteOptions options;
  options.caffe_dialect = "caffe-2";
  try {
    build_caffe_net(g, options);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.exit_code(), 1);
  }
}

}  // namespace
}  // namespace nnport
