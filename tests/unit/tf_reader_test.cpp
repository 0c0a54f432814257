#include <gtest/gtest.h>

#include "tf_test_util.h"

namespace nnport::tf::testing {
namespace {

const Node* find_op(const Graph& g, const std::string& op) {
  for (const Node& n : g.nodes)
    if (n.op == op) return &n;
  return nullptr;
}

std::string conv2d(GraphBuilder& b, const std::string& name, const std::string& x,
                   const std::string& w, int64_t stride, const std::string& padding,
                   int64_t dilation = 1) {
  NodeDef& n = b.node(name, "Conv2D", {x, w});
  GraphBuilder::set_ints(n, "strides", {1, stride, stride, 1});
  GraphBuilder::set_ints(n, "dilations", {1, dilation, dilation, 1});
  GraphBuilder::set_string(n, "padding", padding);
  return name;
}

// in 4x4 ramp 0..15, 3x3 ones, stride 2 SAME: out 2x2, total pad 1 -> 0 before, 1 after.
TEST(TfReader, SameStride2ConvPadsAtTheEndAndMatchesHandValues) {
  GraphBuilder b;
  b.placeholder("x", {1, 4, 4, 1});
  b.const_float("w", {3, 3, 1, 1}, std::vector<float>(9, 1.0f));
  conv2d(b, "y", "x", "w", 2, "SAME");
  Graph g = convert(b.graph);
  const Node* conv = find_op(g, "Conv");
  ASSERT_NE(conv, nullptr);
  EXPECT_EQ(conv->attrs.get_ints("pads"), (std::vector<int64_t>{0, 0, 1, 1}));
  std::vector<float> x(16);
  for (int i = 0; i < 16; ++i)
    x[i] = static_cast<float>(i);
  EXPECT_EQ(run_single(g, "x", {1, 4, 4, 1}, x), (std::vector<float>{45, 39, 66, 50}));
}

// SAME with dilation 2 pads from the effective kernel (3-1)*2+1 = 5: total 4 on a 5x5 input.
TEST(TfReader, DilatedSamePadsComeFromTheEffectiveKernel) {
  GraphBuilder b;
  b.placeholder("x", {1, 5, 5, 1});
  b.const_float("w", {3, 3, 1, 1}, std::vector<float>(9, 1.0f));
  conv2d(b, "y", "x", "w", 1, "SAME", 2);
  Graph g = convert(b.graph);
  const Node* conv = find_op(g, "Conv");
  ASSERT_NE(conv, nullptr);
  EXPECT_EQ(conv->attrs.get_ints("pads"), (std::vector<int64_t>{2, 2, 2, 2}));
  EXPECT_EQ(conv->attrs.get_ints("dilations"), (std::vector<int64_t>{2, 2}));
}

// TF depthwise output channel c * multiplier + m reads filter[h, w, c, m].
TEST(TfReader, DepthwiseChannelOrderIsChannelTimesMultiplierPlusM) {
  GraphBuilder b;
  b.placeholder("x", {1, 1, 1, 2});
  b.const_float("w", {1, 1, 2, 2}, {10, 20, 30, 40});
  NodeDef& n = b.node("y", "DepthwiseConv2dNative", {"x", "w"});
  GraphBuilder::set_ints(n, "strides", {1, 1, 1, 1});
  GraphBuilder::set_string(n, "padding", "VALID");
  Graph g = convert(b.graph);
  EXPECT_EQ(find_op(g, "Conv")->attrs.get_int("group", 0), 2);
  EXPECT_EQ(run_single(g, "x", {1, 1, 1, 2}, {1, 2}), (std::vector<float>{10, 20, 60, 80}));
}

TEST(TfReader, TransposesBetweenConvolutionsCancel) {
  GraphBuilder b;
  b.placeholder("x", {1, 6, 6, 2});
  b.const_float("w1", {3, 3, 2, 4}, ramp(72));
  b.const_float("w2", {1, 1, 4, 3}, ramp(12));
  conv2d(b, "c1", "x", "w1", 2, "SAME");
  b.node("r", "Relu6", {"c1"});
  conv2d(b, "c2", "r", "w2", 1, "VALID");
  Graph g = convert(b.graph);
  // One Transpose brings the NHWC input to NCHW, one brings the result back.
  EXPECT_EQ(count_ops(g, "Transpose"), 2u);
  EXPECT_EQ(count_ops(g, "Conv"), 2u);
}

// A dense layer after flattening an NHWC map reads elements in H, W, C order; the converted
// graph flattens NCHW and must permute the weight rows to match.
TEST(TfReader, DenseAfterNhwcFlattenKeepsTfElementOrder) {
  GraphBuilder b;
  b.placeholder("x", {1, 2, 2, 3});
  std::vector<float> identity(9, 0.0f);
  for (int i = 0; i < 3; ++i)
    identity[i * 3 + i] = 1.0f;
  b.const_float("w", {1, 1, 3, 3}, identity);
  conv2d(b, "c", "x", "w", 1, "VALID");
  b.const_int("shape", {2}, {1, 12});
  b.node("flat", "Reshape", {"c", "shape"});
  std::vector<float> dense(12, 0.0f);
  dense[5] = 1.0f;  // NHWC flat index 5 = (h 0, w 1, c 2)
  b.const_float("d", {12, 1}, dense);
  b.node("y", "MatMul", {"flat", "d"});
  Graph g = convert(b.graph);
  EXPECT_EQ(count_ops(g, "Transpose"), 1u);  // only the input's
  std::vector<float> x = ramp(12, 1.0f, 0.0f);
  EXPECT_EQ(run_single(g, "x", {1, 2, 2, 3}, x), (std::vector<float>{x[5]}));
}

TEST(TfReader, UnsupportedNodesAreAllNamedAndOutputCutAvoidsThem) {
  GraphBuilder b;
  b.placeholder("x", {2});
  b.placeholder("p", {});
  b.node("r", "Relu", {"x"});
  b.node("sw", "Switch", {"r", "p"});
  b.node("mg", "Merge", {"sw", "sw:1"});
  b.node("out", "Identity", {"mg"});
  try {
    convert(b.graph);
    FAIL() << "no error";
  } catch (const Error& e) {
    const std::string m = e.what();
    EXPECT_EQ(e.kind(), ErrorKind::Model);
    EXPECT_NE(m.find("node 'sw' (Switch): control flow"), std::string::npos) << m;
    EXPECT_NE(m.find("node 'mg' (Merge): control flow"), std::string::npos) << m;
  }
  ReadOptions cut;
  cut.outputs = {"r:0"};
  Graph g = convert(b.graph, cut);
  EXPECT_EQ(g.outputs, std::vector<std::string>{"r:0"});
  EXPECT_EQ(run_single(g, "x", {2}, {-1, 3}), (std::vector<float>{0, 3}));
}

struct SliceCase {
  std::vector<int32_t> begin, end, strides;
  int64_t begin_mask, end_mask, ellipsis, new_axis, shrink;
  std::vector<int64_t> shape;
  std::vector<float> expected;
};

// x = 0..23 as [2, 3, 4].
TEST(TfReader, StridedSliceMasks) {
  const std::vector<SliceCase> cases = {
      // x[:, 1:3]
      {{0, 1},
       {0, 3},
       {1, 1},
       1,
       1,
       0,
       0,
       0,
       {2, 2, 4},
       {4, 5, 6, 7, 8, 9, 10, 11, 16, 17, 18, 19, 20, 21, 22, 23}},
      // x[1, -1]
      {{1, -1}, {2, 0}, {1, 1}, 0, 0, 0, 0, 3, {4}, {20, 21, 22, 23}},
      // x[..., 2, tf.newaxis]
      {{0, 2, 0}, {0, 3, 0}, {1, 1, 1}, 0, 0, 1, 4, 2, {2, 3, 1}, {2, 6, 10, 14, 18, 22}},
      // x[::-1, 0, ::2]
      {{0, 0, 0}, {0, 1, 0}, {-1, 1, 2}, 5, 5, 0, 0, 2, {2, 2}, {12, 14, 0, 2}},
  };
  for (size_t i = 0; i < cases.size(); ++i) {
    const SliceCase& c = cases[i];
    GraphBuilder b;
    b.placeholder("x", {2, 3, 4});
    const int64_t n = static_cast<int64_t>(c.begin.size());
    b.const_int("b", {n}, c.begin);
    b.const_int("e", {n}, c.end);
    b.const_int("s", {n}, c.strides);
    NodeDef& node = b.node("y", "StridedSlice", {"x", "b", "e", "s"});
    GraphBuilder::set_int(node, "begin_mask", c.begin_mask);
    GraphBuilder::set_int(node, "end_mask", c.end_mask);
    GraphBuilder::set_int(node, "ellipsis_mask", c.ellipsis);
    GraphBuilder::set_int(node, "new_axis_mask", c.new_axis);
    GraphBuilder::set_int(node, "shrink_axis_mask", c.shrink);
    Graph g = convert(b.graph);
    TensorMap feeds;
    feeds["x"] = Tensor::from_vector<float>({2, 3, 4}, ramp(24, 1.0f, 0.0f));
    for (size_t k = 0; k < 24; ++k)
      feeds["x"].mutable_data<float>()[k] = static_cast<float>(k);
    const Tensor y = run_graph(g, feeds).at("y");
    EXPECT_EQ(y.dims(), c.shape) << "case " << i;
    auto v = y.values<float>();
    EXPECT_EQ(std::vector<float>(v.begin(), v.end()), c.expected) << "case " << i;
  }
}

// SpaceToBatchND -> Conv2D VALID -> BatchToSpaceND is TF's old dilated convolution.
TEST(TfReader, SpaceToBatchPatternFoldsIntoOneDilatedConv) {
  GraphBuilder b;
  b.placeholder("x", {1, 4, 4, 1});
  b.const_int("block", {2}, {2, 2});
  b.const_int("paddings", {2, 2}, {2, 2, 2, 2});
  b.const_int("crops", {2, 2}, {0, 0, 0, 0});
  b.const_float("w", {3, 3, 1, 1}, ramp(9));
  b.node("stb", "SpaceToBatchND", {"x", "block", "paddings"});
  conv2d(b, "conv", "stb", "w", 1, "VALID");
  b.node("y", "BatchToSpaceND", {"conv", "block", "crops"});
  Graph g = convert(b.graph);
  const Node* conv = find_op(g, "Conv");
  ASSERT_NE(conv, nullptr);
  EXPECT_EQ(conv->attrs.get_ints("dilations"), (std::vector<int64_t>{2, 2}));
  EXPECT_EQ(conv->attrs.get_ints("pads"), (std::vector<int64_t>{2, 2, 2, 2}));
  EXPECT_EQ(count_ops(g, "Conv"), 1u);
  // SAME 3x3 dilation 2 on 4x4: the output keeps 4x4.
  const auto y = run_single(g, "x", {1, 4, 4, 1}, ramp(16));
  EXPECT_EQ(y.size(), 16u);
}

TEST(TfReader, InputLayoutNchwMovesTheBoundaryTranspose) {
  GraphBuilder b;
  b.placeholder("x", {1, 4, 4, 2});
  b.const_float("w", {1, 1, 2, 1}, {1, 10});
  conv2d(b, "y", "x", "w", 1, "VALID");
  ReadOptions read;
  read.input_layout = "NCHW";
  Graph g = convert(b.graph, read);
  ASSERT_EQ(g.inputs.size(), 1u);
  EXPECT_EQ(g.value(g.inputs[0]).shape, Shape::from_sizes({1, 2, 4, 4}));
  EXPECT_EQ(count_ops(g, "Transpose"), 1u);  // the NHWC output only
}

TEST(TfReader, FusedConvWithBiasAndRelu6) {
  GraphBuilder b;
  b.placeholder("x", {1, 1, 1, 2});
  b.const_float("w", {1, 1, 2, 2}, {1, 2, 3, 4});
  b.const_float("bias", {2}, {-10, 0.5});
  NodeDef& n = b.node("y", "_FusedConv2D", {"x", "w", "bias"});
  GraphBuilder::set_ints(n, "strides", {1, 1, 1, 1});
  GraphBuilder::set_string(n, "padding", "VALID");
  auto* ops = (*n.mutable_attr())["fused_ops"].mutable_list();
  ops->add_s("BiasAdd");
  ops->add_s("Relu6");
  GraphBuilder::set_int(n, "num_args", 1);
  Graph g = convert(b.graph);
  // x = [1, 2]: [1*1 + 2*3 - 10, 1*2 + 2*4 + 0.5] = [-3, 10.5] -> relu6 [0, 6]
  EXPECT_EQ(run_single(g, "x", {1, 1, 1, 2}, {1, 2}), (std::vector<float>{0, 6}));
}

}  // namespace
}  // namespace nnport::tf::testing
