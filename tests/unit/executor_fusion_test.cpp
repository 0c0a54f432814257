// Executor: a Relu that is the only reader of a Conv's output is applied in place; the values
// must be those of running the two kernels one after the other.
#include <gtest/gtest.h>

#include "ir/op_schema.h"
#include "runtime/executor.h"

namespace nnport {
namespace {

// x [1,1,1,4] -> Conv (two 1x1 filters with bias) -> c -> Relu -> y
Graph conv_relu_graph(bool conv_output_is_graph_output) {
  Graph g;
  Value& x = g.add_value("x");
  x.dtype = DType::Float32;
  x.shape = Shape::from_sizes({1, 1, 1, 4});
  g.inputs.push_back("x");
  g.add_constant("w", Tensor::from_vector<float>({2, 1, 1, 1}, {1.0f, -1.0f}));
  g.add_constant("b", Tensor::from_vector<float>({2}, {0.5f, 0.0f}));
  g.nodes.push_back(Node{"conv", "Conv", {"x", "w", "b"}, {"c"}, {}});
  g.nodes.push_back(Node{"relu", "Relu", {"c"}, {"y"}, {}});
  g.outputs.push_back("y");
  if (conv_output_is_graph_output) g.outputs.push_back("c");
  infer_shapes(g);
  return g;
}

const TensorMap kFeeds = {{"x", Tensor::from_vector<float>({1, 1, 1, 4}, {-2, -0.5f, 1, 3})}};
// Channel 0: x + 0.5, channel 1: -x, then max(., 0).
const std::vector<float> kRectified = {0, 0, 1.5f, 3.5f, 2, 0.5f, 0, 0};

TEST(ExecutorFusion, ConvThenReluGivesTheRectifiedConvOutput) {
  const TensorMap out = run_graph(conv_relu_graph(false), kFeeds);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out.at("y").dims(), (std::vector<int64_t>{1, 2, 1, 4}));
  EXPECT_EQ(out.at("y").to_float_vector(), kRectified);
}

TEST(ExecutorFusion, AConvOutputSomeoneReadsKeepsItsNegativeValues) {
  const TensorMap out = run_graph(conv_relu_graph(true), kFeeds);
  EXPECT_EQ(out.at("y").to_float_vector(), kRectified);
  EXPECT_EQ(out.at("c").to_float_vector(),
            (std::vector<float>{-1.5f, 0, 1.5f, 3.5f, 2, 0.5f, -1, -3}));
  RunOptions keep;
  keep.keep_intermediates = true;
  const TensorMap all = run_graph(conv_relu_graph(false), kFeeds, keep);
  EXPECT_EQ(all.at("c").to_float_vector(),
            (std::vector<float>{-1.5f, 0, 1.5f, 3.5f, 2, 0.5f, -1, -3}));
  EXPECT_EQ(all.at("y").to_float_vector(), kRectified);
}

}  // namespace
}  // namespace nnport
