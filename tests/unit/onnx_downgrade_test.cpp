// Downgrades from the IR form to older ONNX opsets, one node at a time.
#include <gtest/gtest.h>

#include "formats/onnx/downgrade.h"
#include "ir/error.h"

namespace nnport {
namespace {

using onnx_format::downgrade_graph;
using onnx_format::LoweredGraph;

// A graph holding `node` with input x of the given shape (rank unknown when empty).
Graph with_node(Node node, std::vector<int64_t> x_dims = {}) {
  Graph g;
  Value& x = g.add_value("x");
  x.dtype = DType::Float32;
  if (!x_dims.empty()) x.shape = Shape::from_sizes(x_dims);
  g.inputs = {"x"};
  g.outputs = node.outputs;
  g.nodes.push_back(std::move(node));
  return g;
}

Node make(const std::string& op, std::vector<std::string> inputs,
          std::vector<std::string> outputs = {"y"}) {
  return Node{"n", op, std::move(inputs), std::move(outputs), {}};
}

std::string lower_error(const Graph& g, int opset) {
  try {
    downgrade_graph(g, opset);
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

TEST(OnnxDowngrade, ConstantInputsBecomeAttributes) {
  Graph g = with_node(make("Slice", {"x", "s", "e", "a"}));
  g.add_constant("s", Tensor::from_vector<int64_t>({1}, {1}));
  g.add_constant("e", Tensor::from_vector<int64_t>({1}, {3}));
  g.add_constant("a", Tensor::from_vector<int64_t>({1}, {0}));
  const LoweredGraph l = downgrade_graph(g, 9);
  const Node& n = l.nodes.at(0);
  EXPECT_EQ(n.inputs, (std::vector<std::string>{"x"}));
  EXPECT_EQ(n.attrs.get_ints("starts"), (std::vector<int64_t>{1}));
  EXPECT_EQ(n.attrs.get_ints("ends"), (std::vector<int64_t>{3}));
  EXPECT_EQ(n.attrs.get_ints("axes"), (std::vector<int64_t>{0}));
  EXPECT_EQ(downgrade_graph(g, 10).nodes[0].inputs.size(), 4u);

  Graph dynamic = with_node(make("Unsqueeze", {"x", "axes"}));
  dynamic.add_value("axes");
  EXPECT_NE(lower_error(dynamic, 12)
                .find("node 'n' (Unsqueeze): opset 12 takes axes as an "
                      "attribute, so input 1 must be a constant"),
            std::string::npos);
}

TEST(OnnxDowngrade, ReduceAxesAndEmptyAxesRule) {
  Graph g = with_node(make("ReduceMean", {"x", "axes"}), {2, 3, 4});
  g.add_constant("axes", Tensor::from_vector<int64_t>({1}, {-1}));
  const Node n17 = downgrade_graph(g, 17).nodes.at(0);
  EXPECT_EQ(n17.attrs.get_ints("axes"), (std::vector<int64_t>{-1}));
  const Node n10 = downgrade_graph(g, 10).nodes.at(0);
  EXPECT_EQ(n10.attrs.get_ints("axes"), (std::vector<int64_t>{2}));  // no negative axes before 11
  Graph noop = with_node(make("ReduceSum", {"x"}));
  noop.nodes[0].attrs.set("noop_with_empty_axes", int64_t{1});
  EXPECT_NE(lower_error(noop, 12).find("noop_with_empty_axes"), std::string::npos);
  EXPECT_EQ(lower_error(noop, 13), "no error");
}

TEST(OnnxDowngrade, SoftmaxOnlyOnTheLastAxisBeforeThirteen) {
  Graph last = with_node(make("Softmax", {"x"}), {2, 5});
  EXPECT_EQ(downgrade_graph(last, 11).nodes[0].attrs.get_int("axis", -9), 1);
  Graph middle = with_node(make("Softmax", {"x"}), {2, 5, 3});
  middle.nodes[0].attrs.set("axis", int64_t{1});
  EXPECT_NE(lower_error(middle, 12).find("is not the last axis"), std::string::npos);
  EXPECT_EQ(lower_error(middle, 13), "no error");
  Graph unknown = with_node(make("Softmax", {"x"}));
  EXPECT_NE(lower_error(unknown, 12).find("rank of input 0 is unknown"), std::string::npos);
}

TEST(OnnxDowngrade, EqualSplitSpellsOutUnevenParts) {
  Graph g = with_node(make("Split", {"x"}, {"a", "b", "c"}), {7, 2});
  g.nodes[0].attrs.set("num_outputs", int64_t{3});
  const LoweredGraph l13 = downgrade_graph(g, 13);
  ASSERT_EQ(l13.nodes[0].inputs.size(), 2u);
  EXPECT_EQ(l13.constants.at(l13.nodes[0].inputs[1]).to_int64_vector(),
            (std::vector<int64_t>{3, 3, 1}));
  EXPECT_FALSE(l13.nodes[0].attrs.has("num_outputs"));
  EXPECT_EQ(downgrade_graph(g, 11).nodes[0].attrs.get_ints("split"),
            (std::vector<int64_t>{3, 3, 1}));
  EXPECT_TRUE(downgrade_graph(g, 18).nodes[0].attrs.has("num_outputs"));
  Graph even = with_node(make("Split", {"x"}, {"a", "b"}), {6});
  even.nodes[0].attrs.set("num_outputs", int64_t{2});
  EXPECT_EQ(downgrade_graph(even, 11).nodes[0].inputs.size(), 1u);
}

TEST(OnnxDowngrade, ResizeToUpsample) {
  Graph g = with_node(make("Resize", {"x", "", "scales"}));
  g.add_constant("scales", Tensor::from_vector<float>({4}, {1, 1, 2, 2}));
  g.nodes[0].attrs.set("coordinate_transformation_mode", std::string("asymmetric"));
  g.nodes[0].attrs.set("nearest_mode", std::string("floor"));
  const Node up8 = downgrade_graph(g, 8).nodes.at(0);
  EXPECT_EQ(up8.op, "Upsample");
  EXPECT_EQ(up8.inputs, (std::vector<std::string>{"x"}));
  EXPECT_EQ(up8.attrs.get_floats("scales"), (std::vector<float>{1, 1, 2, 2}));
  const Node r10 = downgrade_graph(g, 10).nodes.at(0);
  EXPECT_EQ(r10.op, "Resize");
  EXPECT_EQ(r10.inputs, (std::vector<std::string>{"x", "scales"}));
  const LoweredGraph l11 = downgrade_graph(g, 11);
  EXPECT_EQ(l11.constants.at(l11.nodes[0].inputs[1]).element_count(), 0);  // empty roi

  g.nodes[0].attrs.set("nearest_mode", std::string("round_prefer_floor"));
  EXPECT_NE(lower_error(g, 10).find("nearest_mode 'round_prefer_floor'"), std::string::npos);
  g.nodes[0].attrs.set("coordinate_transformation_mode", std::string("half_pixel"));
  EXPECT_NE(lower_error(g, 9).find("asymmetric"), std::string::npos);
}

TEST(OnnxDowngrade, OpAndAttributeAvailability) {
  EXPECT_NE(lower_error(with_node(make("Gelu", {"x"})), 13).find("Gelu exists only from opset 20"),
            std::string::npos);
  Graph cast = with_node(make("Cast", {"x"}));
  cast.nodes[0].attrs.set("to", std::string("int64"));
  EXPECT_EQ(downgrade_graph(cast, 13).nodes[0].attrs.get_int("to", 0), 7);
  Graph argmax = with_node(make("ArgMax", {"x"}));
  argmax.nodes[0].attrs.set("select_last_index", int64_t{1});
  EXPECT_NE(lower_error(argmax, 11).find("select_last_index=1 needs opset 12"), std::string::npos);
  argmax.nodes[0].attrs.set("select_last_index", int64_t{0});
  EXPECT_FALSE(downgrade_graph(argmax, 11).nodes[0].attrs.has("select_last_index"));
}

TEST(OnnxDowngrade, ClipPadDropoutGemmBeforeEleven) {
  Graph clip = with_node(make("Clip", {"x", "lo", "hi"}));
  clip.add_constant("lo", Tensor::scalar<float>(0));
  clip.add_constant("hi", Tensor::scalar<float>(6));
  const Node c = downgrade_graph(clip, 10).nodes.at(0);
  EXPECT_EQ(c.inputs, (std::vector<std::string>{"x"}));
  EXPECT_EQ(c.attrs.get_float("min", -1), 0.0f);
  EXPECT_EQ(c.attrs.get_float("max", -1), 6.0f);

  Graph pad = with_node(make("Pad", {"x", "pads", "v"}));
  pad.add_constant("pads", Tensor::from_vector<int64_t>({4}, {0, 1, 0, 1}));
  pad.add_constant("v", Tensor::scalar<double>(0.1));  // not exact as a float attribute
  EXPECT_NE(lower_error(pad, 10).find("not exactly representable"), std::string::npos);

  Graph dropout = with_node(make("Dropout", {"x", "r"}));
  dropout.add_constant("r", Tensor::scalar<float>(0.3f));
  EXPECT_EQ(downgrade_graph(dropout, 11).nodes[0].attrs.get_float("ratio", 0), 0.3f);

  Graph gemm = with_node(make("Gemm", {"x", "x"}));
  const LoweredGraph l = downgrade_graph(gemm, 9);
  ASSERT_EQ(l.nodes[0].inputs.size(), 3u);
  EXPECT_EQ(l.constants.at(l.nodes[0].inputs[2]).to_float_vector(), (std::vector<float>{0}));
}

}  // namespace
}  // namespace nnport
