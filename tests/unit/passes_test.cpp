#include <gtest/gtest.h>

#include "ir/error.h"
#include "passes/pass.h"
#include "runtime/kernel.h"

namespace nnport {
namespace {

void add_input(Graph& g, const std::string& name, Shape shape) {
  Value& v = g.add_value(name);
  v.dtype = DType::Float32;
  v.shape = std::move(shape);
  g.inputs.push_back(name);
}

Node node(const std::string& name, const std::string& op, std::vector<std::string> inputs,
          std::vector<std::string> outputs) {
  return Node{name, op, std::move(inputs), std::move(outputs), {}};
}

ErrorKind error_kind_of(const std::function<void()>& fn, std::string* message) {
  try {
    fn();
  } catch (const Error& e) {
    *message = e.what();
    return e.kind();
  }
  ADD_FAILURE() << "no error thrown";
  return ErrorKind::Model;
}

// fix_input_shapes ------------------------------------------------------------------------------

TEST(FixInputShapes, FixesSymbolicDims) {
  Graph g;
  add_input(g, "x", Shape({Dim::named("N"), 3, Dim(), Dim()}));
  PassOptions options;
  options.input_dims["x"] = {1, 3, 224, 224};
  fix_input_shapes(g, options);
  EXPECT_EQ(g.value("x").shape, Shape::from_sizes({1, 3, 224, 224}));
}

TEST(FixInputShapes, UnknownNameAndRankMismatchAreUsageErrors) {
  Graph g;
  add_input(g, "x", Shape({Dim::named("N"), 3}));
  std::string message;
  PassOptions unknown;
  unknown.input_dims["y"] = {1, 3};
  EXPECT_EQ(error_kind_of([&] { fix_input_shapes(g, unknown); }, &message), ErrorKind::Usage);
  EXPECT_NE(message.find("no input named 'y' (its inputs: x)"), std::string::npos) << message;
  PassOptions wrong_rank;
  wrong_rank.input_dims["x"] = {1, 3, 4};
  EXPECT_EQ(error_kind_of([&] { fix_input_shapes(g, wrong_rank); }, &message), ErrorKind::Usage);
  EXPECT_NE(message.find("3 dimensions given but the input has rank 2"), std::string::npos)
      << message;
  PassOptions zero;
  zero.input_dims["x"] = {0, 3};
  EXPECT_EQ(error_kind_of([&] { fix_input_shapes(g, zero); }, &message), ErrorKind::Usage);
}

// remove_identities -----------------------------------------------------------------------------

TEST(RemoveIdentities, BypassesAnInnerIdentity) {
  Graph g;
  add_input(g, "x", Shape::from_sizes({2}));
  g.nodes = {node("r1", "Relu", {"x"}, {"a"}), node("id", "Identity", {"a"}, {"b"}),
             node("r2", "Relu", {"b"}, {"y"})};
  g.outputs = {"y"};
  remove_identities(g, {});
  ASSERT_EQ(g.nodes.size(), 2u);
  EXPECT_EQ(g.nodes[1].inputs, std::vector<std::string>{"a"});
  EXPECT_FALSE(g.has_value("b"));
}

TEST(RemoveIdentities, KeepsTheGraphOutputNameByRenamingTheProducer) {
  Graph g;
  add_input(g, "x", Shape::from_sizes({2}));
  g.add_value("a").dtype = DType::Float32;
  g.nodes = {node("r1", "Relu", {"x"}, {"a"}), node("r2", "Relu", {"a"}, {"c"}),
             node("id", "Dropout", {"a"}, {"y", ""})};
  g.outputs = {"c", "y"};
  remove_identities(g, {});
  ASSERT_EQ(g.nodes.size(), 2u);
  EXPECT_EQ(g.nodes[0].outputs, std::vector<std::string>{"y"});
  EXPECT_EQ(g.nodes[1].inputs, std::vector<std::string>{"y"});
  EXPECT_EQ(g.outputs, (std::vector<std::string>{"c", "y"}));
  EXPECT_FALSE(g.has_value("a"));
  EXPECT_EQ(g.value("y").dtype, DType::Float32);
}

TEST(RemoveIdentities, KeepsWhatCannotBeBypassed) {
  Graph g;
  add_input(g, "x", Shape::from_sizes({2}));
  g.add_constant("training", Tensor::scalar<bool>(true));
  g.nodes = {node("pass", "Identity", {"x"}, {"y"}),  // graph input straight to graph output
             node("train", "Dropout", {"x", "", "training"}, {"d"}),
             node("masked", "Dropout", {"x"}, {"e", "mask"}), node("use", "Not", {"mask"}, {"m"})};
  g.outputs = {"y", "d", "e", "m"};
  remove_identities(g, {});
  EXPECT_EQ(g.nodes.size(), 4u);
}

// resolve_auto_pad ------------------------------------------------------------------------------

Graph pool_graph(const std::string& auto_pad, Shape input) {
  Graph g;
  add_input(g, "x", std::move(input));
  Node pool = node("pool", "MaxPool", {"x"}, {"y"});
  pool.attrs.set("kernel_shape", std::vector<int64_t>{3, 3});
  pool.attrs.set("strides", std::vector<int64_t>{2, 2});
  pool.attrs.set("auto_pad", auto_pad);
  g.nodes = {pool};
  g.outputs = {"y"};
  return g;
}

TEST(ResolveAutoPad, SameUpperPutsTheOddPixelAtTheEnd) {
  // 224, k=3, s=2: out 112, total pad 1 -> [begin 0, end 1] per axis (SEMANTICS.md §1).
  Graph g = pool_graph("SAME_UPPER", Shape::from_sizes({1, 8, 224, 224}));
  resolve_auto_pad(g, {});
  EXPECT_FALSE(g.nodes[0].attrs.has("auto_pad"));
  EXPECT_EQ(g.nodes[0].attrs.get_ints("pads"), (std::vector<int64_t>{0, 0, 1, 1}));
}

TEST(ResolveAutoPad, SameLowerAndValid) {
  Graph lower = pool_graph("SAME_LOWER", Shape::from_sizes({1, 8, 224, 225}));
  resolve_auto_pad(lower, {});
  // 225, k=3, s=2: out 113, total = 112*2 + 3 - 225 = 2 -> [1, 1]; 224 -> total 1 -> [1, 0].
  EXPECT_EQ(lower.nodes[0].attrs.get_ints("pads"), (std::vector<int64_t>{1, 1, 0, 1}));
  Graph valid = pool_graph("VALID", Shape::from_sizes({1, 8, 5, 5}));
  resolve_auto_pad(valid, {});
  EXPECT_EQ(valid.nodes[0].attrs.get_ints("pads"), (std::vector<int64_t>{0, 0, 0, 0}));
}

TEST(ResolveAutoPad, LeavesUnknownSizesAlone) {
  Graph g = pool_graph("SAME_UPPER", Shape({1, 8, Dim::named("H"), 224}));
  resolve_auto_pad(g, {});
  EXPECT_EQ(g.nodes[0].attrs.get_string("auto_pad", ""), "SAME_UPPER");
}

TEST(ResolveAutoPad, BadAutoPadNamesTheNode) {
  Graph g = pool_graph("SAME_MIDDLE", Shape::from_sizes({1, 8, 4, 4}));
  std::string message;
  EXPECT_EQ(error_kind_of([&] { resolve_auto_pad(g, {}); }, &message), ErrorKind::Model);
  EXPECT_EQ(message.rfind("node 'pool' (MaxPool): ", 0), 0u) << message;
}

// fold_constants --------------------------------------------------------------------------------

TEST(FoldConstants, FoldsShapeOfAKnownInputWithStartAndEnd) {
  Graph g;
  add_input(g, "x", Shape::from_sizes({1, 3, 5, 7}));
  Node shape = node("shape", "Shape", {"x"}, {"s"});
  shape.attrs.set("start", int64_t{-3});
  shape.attrs.set("end", int64_t{100});  // clamped to the rank, as in ONNX
  Node size = node("size", "Size", {"x"}, {"n"});
  g.nodes = {shape, size, node("keep", "Shape", {"x"}, {"out"})};
  g.outputs = {"out"};
  fold_constants(g, {});
  ASSERT_EQ(g.nodes.size(), 1u);  // the node producing a graph output stays
  EXPECT_EQ(g.nodes[0].name, "keep");
  ASSERT_NE(g.constant("s"), nullptr);
  EXPECT_EQ(g.constant("s")->to_int64_vector(), (std::vector<int64_t>{3, 5, 7}));
  ASSERT_NE(g.constant("n"), nullptr);
  EXPECT_EQ(g.constant("n")->to_int64_vector(), std::vector<int64_t>{105});
}

TEST(FoldConstants, EvaluatesNodesWithOnlyConstantInputs) {
  if (!find_kernel("Add") || !find_kernel("Relu")) GTEST_SKIP() << "Add/Relu kernels not built";
  Graph g;
  add_input(g, "x", Shape::from_sizes({2}));
  g.add_constant("a", Tensor::from_vector<float>({2}, {1, -5}));
  g.add_constant("b", Tensor::from_vector<float>({2}, {2, 3}));
  g.nodes = {node("sum", "Add", {"a", "b"}, {"ab"}), node("relu", "Relu", {"ab"}, {"r"}),
             node("out", "Add", {"x", "r"}, {"y"})};
  g.outputs = {"y"};
  fold_constants(g, {});
  ASSERT_EQ(g.nodes.size(), 1u);
  EXPECT_EQ(g.nodes[0].inputs, (std::vector<std::string>{"x", "r"}));
  ASSERT_NE(g.constant("r"), nullptr);
  EXPECT_EQ(g.constant("r")->to_float_vector(), (std::vector<float>{3, 0}));
}

}  // namespace
}  // namespace nnport
