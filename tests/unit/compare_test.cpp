#include <gtest/gtest.h>

#include "compare/compare.h"
#include "ir/error.h"
#include "runtime/kernel.h"

namespace nnport {
namespace {

Graph graph_with_input(const std::string& name, DType dtype, Shape shape) {
  Graph g;
  Value& v = g.add_value(name);
  v.dtype = dtype;
  v.shape = std::move(shape);
  g.inputs = {name};
  return g;
}

TEST(CompareInputs, SeededInputsAreDeterministicAndInRange) {
  const Graph g = graph_with_input("x", DType::Float32, Shape::from_sizes({4, 256}));
  const TensorMap a = make_inputs(g, 7);
  const TensorMap b = make_inputs(g, 7);
  const TensorMap c = make_inputs(g, 8);
  const auto va = a.at("x").to_float_vector();
  EXPECT_EQ(va, b.at("x").to_float_vector());
  EXPECT_NE(va, c.at("x").to_float_vector());
  double sum = 0;
  for (float v : va) {
    ASSERT_GE(v, -1.0f);
    ASSERT_LT(v, 1.0f);
    sum += v;
  }
  EXPECT_LT(std::abs(sum / static_cast<double>(va.size())), 0.1);  // centred on 0
}

TEST(CompareInputs, SeedingDependsOnTheNameOnly) {
  Graph one = graph_with_input("x", DType::Float32, Shape::from_sizes({8}));
  Graph two = graph_with_input("a", DType::Float32, Shape::from_sizes({8}));
  two.add_value("x") = one.value("x");
  two.inputs.push_back("x");
  EXPECT_EQ(make_inputs(one, 1).at("x").to_float_vector(),
            make_inputs(two, 1).at("x").to_float_vector());
}

TEST(CompareInputs, IntegerAndBoolInputs) {
  const Graph ints = graph_with_input("i", DType::Int64, Shape::from_sizes({64}));
  for (int64_t v : make_inputs(ints, 3).at("i").to_int64_vector()) {
    ASSERT_GE(v, 0);
    ASSERT_LT(v, 4);
  }
  const Graph bools = graph_with_input("b", DType::Bool, Shape::from_sizes({64}));
  const auto values = make_inputs(bools, 3).at("b").to_int64_vector();
  EXPECT_NE(std::count(values.begin(), values.end(), 0), 0);
  EXPECT_NE(std::count(values.begin(), values.end(), 1), 0);
}

TEST(CompareInputs, GivenInputsWinAndUnknownShapesAskForDims) {
  const Graph g = graph_with_input("x", DType::Float32, Shape({Dim::named("N"), 3}));
  const Tensor given = Tensor::from_vector<float>({1, 3}, {1, 2, 3});
  EXPECT_EQ(make_inputs(g, 0, {{"x", given}}).at("x").to_float_vector(),
            (std::vector<float>{1, 2, 3}));
  try {
    make_inputs(g, 0);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::Usage);
    EXPECT_NE(std::string(e.what()).find("--input x:D1,D2"), std::string::npos) << e.what();
  }
  EXPECT_THROW(make_inputs(g, 0, {{"y", given}}), Error);
}

// x -> Relu -> Add(bias) -> Relu -> y, with the value names given.
Graph chain(const std::vector<std::string>& names, float bias) {
  Graph g = graph_with_input("x", DType::Float32, Shape::from_sizes({4}));
  g.add_constant(names[3], Tensor::from_vector<float>({4}, {bias, 0, 0, 0}));
  g.nodes = {{names[0], "Relu", {"x"}, {names[0]}, {}},
             {names[1], "Add", {names[0], names[3]}, {names[1]}, {}},
             {names[2], "Relu", {names[1]}, {names[2]}, {}}};
  g.outputs = {names[2]};
  return g;
}

bool have_kernels() {
  return find_kernel("Relu") && find_kernel("Add");
}

TEST(CompareGraphs, OutputsMatchedByPositionWhenNamesDiffer) {
  if (!have_kernels()) GTEST_SKIP() << "Relu/Add kernels not built";
  const Graph ref = chain({"r1", "a", "y", "bias"}, 2.0f);
  const Graph same = chain({"q1", "b", "out", "c"}, 2.0f);
  const TensorMap feeds = {{"x", Tensor::from_vector<float>({4}, {-1, 1, 2, -3})}};
  const auto rows = compare_outputs(ref, same, feeds);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].name, "y");
  EXPECT_EQ(rows[0].shape, "4");
  EXPECT_EQ(rows[0].metrics.max_abs, 0);

  // Bias 2 vs 2.5 on element 0 (reference value 2 after the chain): error 0.5.
  const Graph off = chain({"q1", "b", "out", "c"}, 2.5f);
  const auto diff = compare_outputs(ref, off, feeds);
  EXPECT_DOUBLE_EQ(diff[0].metrics.max_abs, 0.5);
  EXPECT_DOUBLE_EQ(diff[0].metrics.max_rel, 0.5 / 2.5);
}

TEST(CompareGraphs, LayerReportNamesTheFirstDivergingNode) {
  if (!have_kernels()) GTEST_SKIP() << "Relu/Add kernels not built";
  const Graph ref = chain({"r1", "a", "y", "bias"}, 2.0f);
  const Graph off = chain({"r1", "b", "out", "c"}, 2.5f);
  const TensorMap feeds = {{"x", Tensor::from_vector<float>({4}, {-1, 1, 2, -3})}};
  const LayerReport report = compare_layers(ref, off, feeds, 1e-6);
  EXPECT_EQ(report.compared, 3u);
  ASSERT_TRUE(report.first_divergence);
  EXPECT_EQ(report.first_divergence->node, "a");
  EXPECT_EQ(report.first_divergence->candidate_value, "b");
  EXPECT_EQ(report.first_divergence->matched_by, "op position");
  const std::string text = format_layer_report(report, 1e-6);
  EXPECT_NE(text.find("first divergence (max_rel > 1e-06): 'a' of node 'a' (Add) (other model: "
                      "'b', matched by op position)"),
            std::string::npos)
      << text;
}

}  // namespace
}  // namespace nnport
