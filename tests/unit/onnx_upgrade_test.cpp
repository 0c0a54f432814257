// Upgrades from older ONNX opsets to the IR form, one node at a time.
#include <gtest/gtest.h>

#include "formats/onnx/upgrade.h"
#include "ir/error.h"

namespace nnport {
namespace {

using onnx_format::upgrade_node;
using onnx_format::UpgradeContext;

struct Upgraded {
  Graph graph;
  std::vector<Node>& nodes() { return graph.nodes; }
  std::vector<int64_t> ints_input(size_t node, size_t index) {
    const Tensor* t = graph.constant(graph.nodes.at(node).inputs.at(index));
    EXPECT_NE(t, nullptr) << "input " << index << " is not a constant";
    return t ? t->to_int64_vector() : std::vector<int64_t>{};
  }
  std::vector<float> floats_input(size_t node, size_t index) {
    const Tensor* t = graph.constant(graph.nodes.at(node).inputs.at(index));
    EXPECT_NE(t, nullptr) << "input " << index << " is not a constant";
    return t ? t->to_float_vector() : std::vector<float>{};
  }
};

Upgraded upgrade(Node node, int opset, Graph graph = {}) {
  Upgraded out{std::move(graph)};
  UpgradeContext ctx(out.graph, opset, {});
  upgrade_node(std::move(node), ctx);
  return out;
}

Node make(const std::string& op, std::vector<std::string> inputs,
          std::vector<std::string> outputs = {"y"}) {
  return Node{op + "_0", op, std::move(inputs), std::move(outputs), {}};
}

std::string upgrade_error(Node node, int opset, Graph graph = {}) {
  try {
    upgrade(std::move(node), opset, std::move(graph));
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

TEST(OnnxUpgrade, SliceAttributesBecomeInputs) {
  Node n = make("Slice", {"x"});
  n.attrs.set("starts", std::vector<int64_t>{1});
  n.attrs.set("ends", std::vector<int64_t>{-1});
  n.attrs.set("axes", std::vector<int64_t>{2});
  auto u = upgrade(n, 9);
  ASSERT_EQ(u.nodes().size(), 1u);
  EXPECT_TRUE(u.nodes()[0].attrs.empty());
  EXPECT_EQ(u.ints_input(0, 1), (std::vector<int64_t>{1}));
  EXPECT_EQ(u.ints_input(0, 2), (std::vector<int64_t>{-1}));
  EXPECT_EQ(u.ints_input(0, 3), (std::vector<int64_t>{2}));
  // From opset 10 the same node is already in IR form.
  Node n10 = make("Slice", {"x", "s", "e"});
  EXPECT_EQ(upgrade(n10, 10).nodes()[0].inputs, n10.inputs);
}

TEST(OnnxUpgrade, AxesAttributesBecomeInputsPerOp) {
  for (const auto& [op, last_attr_opset] : {std::pair<std::string, int>{"Squeeze", 12},
                                            {"Unsqueeze", 12},
                                            {"ReduceSum", 12},
                                            {"ReduceMean", 17},
                                            {"ReduceMax", 17}}) {
    Node n = make(op, {"x"});
    n.attrs.set("axes", std::vector<int64_t>{0, -1});
    auto old = upgrade(n, last_attr_opset);
    EXPECT_EQ(old.ints_input(0, 1), (std::vector<int64_t>{0, -1})) << op;
    EXPECT_FALSE(old.nodes()[0].attrs.has("axes")) << op;
  }
}

TEST(OnnxUpgrade, SoftmaxBeforeThirteenFlattens) {
  Node n = make("Softmax", {"x"});  // axis defaults to 1 before opset 13
  auto u = upgrade(n, 11);
  ASSERT_EQ(u.nodes().size(), 4u);
  EXPECT_EQ(u.nodes()[0].op, "Flatten");
  EXPECT_EQ(u.nodes()[0].attrs.get_int("axis", -7), 1);
  EXPECT_EQ(u.nodes()[1].op, "Softmax");
  EXPECT_EQ(u.nodes()[1].attrs.get_int("axis", 0), -1);
  EXPECT_EQ(u.nodes()[1].name, "Softmax_0");
  EXPECT_EQ(u.nodes()[2].op, "Shape");
  EXPECT_EQ(u.nodes()[3].op, "Reshape");
  EXPECT_EQ(u.nodes()[3].outputs, (std::vector<std::string>{"y"}));
  EXPECT_EQ(u.nodes()[3].inputs[0], u.nodes()[1].outputs[0]);

  // Rank known and the axis is the last one: a single softmax.
  Graph g;
  g.add_value("x").shape = Shape::from_sizes({4, 10});
  auto single = upgrade(make("LogSoftmax", {"x"}), 12, std::move(g));
  ASSERT_EQ(single.nodes().size(), 1u);
  EXPECT_EQ(single.nodes()[0].attrs.get_int("axis", 0), -1);
  Node last = make("Softmax", {"x"});
  last.attrs.set("axis", int64_t{-1});
  EXPECT_EQ(upgrade(last, 9).nodes().size(), 1u);
}

TEST(OnnxUpgrade, ClipAndPadAttributesBecomeInputs) {
  Node clip = make("Clip", {"x"});
  clip.attrs.set("min", 0.0f);
  clip.attrs.set("max", 6.0f);
  auto c = upgrade(clip, 6 + 4);
  EXPECT_EQ(c.floats_input(0, 1), (std::vector<float>{0.0f}));
  EXPECT_EQ(c.floats_input(0, 2), (std::vector<float>{6.0f}));
  EXPECT_TRUE(c.nodes()[0].attrs.empty());

  Node max_only = make("Clip", {"x"});
  max_only.attrs.set("max", 1.0f);
  auto m = upgrade(max_only, 7);
  EXPECT_EQ(m.nodes()[0].inputs[1], "");
  EXPECT_EQ(m.floats_input(0, 2), (std::vector<float>{1.0f}));

  Node pad = make("Pad", {"x"});
  pad.attrs.set("pads", std::vector<int64_t>{0, 1, 0, 2});
  pad.attrs.set("value", 2.5f);
  pad.attrs.set("mode", std::string("constant"));
  auto p = upgrade(pad, 10);
  EXPECT_EQ(p.ints_input(0, 1), (std::vector<int64_t>{0, 1, 0, 2}));
  EXPECT_EQ(p.floats_input(0, 2), (std::vector<float>{2.5f}));
  EXPECT_EQ(p.nodes()[0].attrs.get_string("mode", ""), "constant");
}

TEST(OnnxUpgrade, SplitGetsAnInputOrACount) {
  Node sized = make("Split", {"x"}, {"a", "b"});
  sized.attrs.set("split", std::vector<int64_t>{3, 5});
  auto s = upgrade(sized, 11);
  EXPECT_EQ(s.ints_input(0, 1), (std::vector<int64_t>{3, 5}));
  EXPECT_FALSE(s.nodes()[0].attrs.has("num_outputs"));
  auto equal = upgrade(make("Split", {"x"}, {"a", "b", "c"}), 13);
  EXPECT_EQ(equal.nodes()[0].attrs.get_int("num_outputs", 0), 3);
}

TEST(OnnxUpgrade, UpsampleAndOldResizeBecomeAsymmetricResize) {
  Node up = make("Upsample", {"x"});
  up.attrs.set("scales", std::vector<float>{1, 1, 2, 2});
  up.attrs.set("mode", std::string("nearest"));
  auto u = upgrade(up, 7);
  const Node& r = u.nodes()[0];
  EXPECT_EQ(r.op, "Resize");
  ASSERT_EQ(r.inputs.size(), 3u);
  EXPECT_EQ(r.inputs[1], "");
  EXPECT_EQ(u.floats_input(0, 2), (std::vector<float>{1, 1, 2, 2}));
  EXPECT_EQ(r.attrs.get_string("coordinate_transformation_mode", ""), "asymmetric");
  EXPECT_EQ(r.attrs.get_string("nearest_mode", ""), "floor");

  // Resize-10 downsampling rounds up (ONNX Runtime and the backend tests agree).
  Graph g;
  g.add_constant("scales", Tensor::from_vector<float>({4}, {1, 1, 0.6f, 0.6f}));
  auto down = upgrade(make("Resize", {"x", "scales"}), 10, std::move(g));
  EXPECT_EQ(down.nodes()[0].attrs.get_string("nearest_mode", ""), "ceil");
  EXPECT_EQ(down.nodes()[0].inputs, (std::vector<std::string>{"x", "", "scales"}));

  Node linear = make("Upsample", {"x", "s"});
  linear.attrs.set("mode", std::string("linear"));
  auto l = upgrade(linear, 9);
  EXPECT_FALSE(l.nodes()[0].attrs.has("nearest_mode"));
  // Upsample's scales are >= 1 by its spec: floor even when they are computed.
  EXPECT_EQ(
      upgrade(make("Upsample", {"x", "s"}), 9).nodes()[0].attrs.get_string("nearest_mode", ""),
      "floor");
  EXPECT_NE(upgrade_error(make("Resize", {"x", "s"}), 10).find("needs constant scales"),
            std::string::npos);
}

TEST(OnnxUpgrade, ResizeElevenDropsEmptyPlaceholders) {
  Graph g;
  g.add_constant("roi", Tensor(DType::Float32, {0}));
  g.add_constant("scales", Tensor(DType::Float32, {0}));
  Node n = make("Resize", {"x", "roi", "scales", "sizes"});
  n.attrs.set("coordinate_transformation_mode", std::string("tf_half_pixel_for_nn"));
  n.attrs.set("nearest_mode", std::string("floor"));
  auto u = upgrade(n, 11, std::move(g));
  EXPECT_EQ(u.nodes()[0].inputs, (std::vector<std::string>{"x", "", "", "sizes"}));
  // floor((x + 0.5) / s) == round_prefer_ceil((x + 0.5) / s - 0.5)
  EXPECT_EQ(u.nodes()[0].attrs.get_string("coordinate_transformation_mode", ""), "half_pixel");
  EXPECT_EQ(u.nodes()[0].attrs.get_string("nearest_mode", ""), "round_prefer_ceil");
}

TEST(OnnxUpgrade, BatchNormalizationLegacyAttributes) {
  Node bn = make("BatchNormalization", {"x", "s", "b", "m", "v"});
  bn.attrs.set("spatial", int64_t{1});
  bn.attrs.set("is_test", int64_t{1});
  bn.attrs.set("consumed_inputs", std::vector<int64_t>{0, 0, 0, 1, 1});
  auto u = upgrade(bn, 7);
  EXPECT_TRUE(u.nodes()[0].attrs.empty());

  Node per_activation = bn;
  per_activation.attrs.set("spatial", int64_t{0});
  EXPECT_NE(upgrade_error(per_activation, 8)
                .find("node 'BatchNormalization_0' "
                      "(BatchNormalization): spatial=0"),
            std::string::npos);
  Node training = make("BatchNormalization", {"x", "s", "b", "m", "v"}, {"y", "mean", ""});
  EXPECT_NE(upgrade_error(training, 9).find("training outputs"), std::string::npos);
  Node unused_outputs = make("BatchNormalization", {"x", "s", "b", "m", "v"}, {"y", "", ""});
  EXPECT_EQ(upgrade(unused_outputs, 9).nodes()[0].outputs.size(), 1u);
}

TEST(OnnxUpgrade, SmallerAttributeMoves) {
  Node dropout = make("Dropout", {"x"});
  dropout.attrs.set("ratio", 0.25f);
  EXPECT_EQ(upgrade(dropout, 10).floats_input(0, 1), (std::vector<float>{0.25f}));

  Node topk = make("TopK", {"x"}, {"v", "i"});
  topk.attrs.set("k", int64_t{3});
  EXPECT_EQ(upgrade(topk, 9).ints_input(0, 1), (std::vector<int64_t>{3}));

  Node cast = make("Cast", {"x"});
  cast.attrs.set("to", int64_t{10});
  cast.attrs.set("saturate", int64_t{1});
  auto c = upgrade(cast, 19);
  EXPECT_EQ(c.nodes()[0].attrs.get_string("to", ""), "float16");
  EXPECT_FALSE(c.nodes()[0].attrs.has("saturate"));
  Node complex = make("Cast", {"x"});
  complex.attrs.set("to", int64_t{14});
  EXPECT_NE(upgrade_error(complex, 13).find("COMPLEX64"), std::string::npos);

  Node constant = make("Constant", {});
  constant.attrs.set("value_ints", std::vector<int64_t>{4, 5});
  auto k = upgrade(constant, 13);
  const Tensor* value = k.nodes()[0].attrs.get_tensor("value");
  ASSERT_NE(value, nullptr);
  EXPECT_EQ(value->to_int64_vector(), (std::vector<int64_t>{4, 5}));
  EXPECT_EQ(k.nodes()[0].attrs.all().size(), 1u);

  EXPECT_NE(upgrade_error(make("GroupNormalization", {"x", "s", "b"}), 18).find("per-group"),
            std::string::npos);
}

}  // namespace
}  // namespace nnport
