// TopK (IR kernel and TF TopKV2) and the import-time folding of TF shape sub-graphs.
#include <gtest/gtest.h>

#include "ir/error.h"
#include "ops_tensor_test_util.h"
#include "tf_test_util.h"

namespace nnport {
namespace {

using nnport::testing::attrs_of;
using nnport::testing::expect_tensor;
using nnport::testing::ints;
using nnport::testing::run_op;
using nnport::testing::tensor;

TEST(OpsTopK, LargestAndSmallestWithTiesInIndexOrder) {
  // [[1, 3, 3, 2], [5, 0, 5, 5]]: ties keep the lower index first.
  const auto x = tensor<float>({2, 4}, {1, 3, 3, 2, 5, 0, 5, 5});
  const std::vector<Tensor> top = run_op("TopK", {x, ints({2})}, {}, 2);
  expect_tensor<float>(top[0], {2, 2}, {3, 3, 5, 5});
  expect_tensor<int64_t>(top[1], {2, 2}, {1, 2, 0, 2});
  const std::vector<Tensor> low =
      run_op("TopK", {x, ints({3})}, attrs_of({{"largest", int64_t{0}}}), 2);
  expect_tensor<float>(low[0], {2, 3}, {1, 2, 3, 0, 5, 5});
  expect_tensor<int64_t>(low[1], {2, 3}, {0, 3, 1, 1, 0, 2});
}

TEST(OpsTopK, InnerAxis) {
  // [[[1, 6], [4, 2], [3, 5]]] along axis 1 (size 3), K = 1.
  const auto x = tensor<float>({1, 3, 2}, {1, 6, 4, 2, 3, 5});
  const std::vector<Tensor> top =
      run_op("TopK", {x, ints({1})}, attrs_of({{"axis", int64_t{1}}}), 2);
  expect_tensor<float>(top[0], {1, 1, 2}, {4, 6});
  expect_tensor<int64_t>(top[1], {1, 1, 2}, {1, 0});
}

TEST(OpsTopK, KLargerThanTheAxisIsRefused) {
  const auto x = tensor<float>({3}, {1, 2, 3});
  EXPECT_THROW(run_op("TopK", {x, ints({4})}, {}, 2), Error);
}

}  // namespace
}  // namespace nnport

namespace nnport::tf::testing {
namespace {

TEST(TfReaderTopK, ValuesAndInt32Indices) {
  GraphBuilder b;
  b.placeholder("x", {1, 5});
  b.const_int("k", {}, {3});
  b.node("top", "TopKV2", {"x", "k"});
  b.node("indices", "Identity", {"top:1"});
  ReadOptions read;
  read.outputs = {"top:0", "indices"};
  Graph g = convert(b.graph, read);
  TensorMap feeds;
  feeds["x"] = Tensor::from_vector<float>({1, 5}, {0.5f, 2, -1, 2, 7});
  TensorMap out = run_graph(g, feeds);
  const Tensor& values = out.at(g.outputs.at(0));
  const Tensor& indices = out.at(g.outputs.at(1));
  const auto v = values.values<float>();
  EXPECT_EQ(std::vector<float>(v.begin(), v.end()), (std::vector<float>{7, 2, 2}));
  ASSERT_EQ(indices.dtype(), DType::Int32);
  const auto i = indices.values<int32_t>();
  EXPECT_EQ(std::vector<int32_t>(i.begin(), i.end()), (std::vector<int32_t>{4, 1, 3}));
}

// input_sizes = Shape(x) * [1, 2, 2, 1] is a constant once x's shape is known: a 2x2 ones
// filter with stride 2 VALID then copies each input pixel into a 2x2 block.
TEST(TfReaderFold, ConvBackpropInputSizesFromAShapeSubGraph) {
  GraphBuilder b;
  b.placeholder("x", {1, 2, 2, 1});
  NodeDef& shape = b.node("shape", "Shape", {"x"});
  (*shape.mutable_attr())["out_type"].set_type(DT_INT32);
  b.const_int("scale", {4}, {1, 2, 2, 1});
  b.node("sizes", "Mul", {"shape", "scale"});
  b.const_float("w", {2, 2, 1, 1}, {1, 1, 1, 1});
  NodeDef& up = b.node("up", "Conv2DBackpropInput", {"sizes", "w", "x"});
  GraphBuilder::set_ints(up, "strides", {1, 2, 2, 1});
  GraphBuilder::set_string(up, "padding", "VALID");
  Graph g = convert(b.graph);
  EXPECT_EQ(count_ops(g, "Shape"), 0u);
  EXPECT_EQ(run_single(g, "x", {1, 2, 2, 1}, {1, 2, 3, 4}),
            (std::vector<float>{1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4}));
}

TEST(TfReaderFold, InputSizesFromRunTimeDataAreRefusedByName) {
  GraphBuilder b;
  b.placeholder("x", {1, 2, 2, 1});
  b.placeholder("sizes", {4});
  b.const_float("w", {2, 2, 1, 1}, {1, 1, 1, 1});
  NodeDef& up = b.node("up", "Conv2DBackpropInput", {"sizes", "w", "x"});
  GraphBuilder::set_ints(up, "strides", {1, 2, 2, 1});
  GraphBuilder::set_string(up, "padding", "VALID");
  try {
    convert(b.graph);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("node 'up' (Conv2DBackpropInput): input_sizes"),
              std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace nnport::tf::testing

namespace nnport::tf::testing {
namespace {

TEST(TfReaderSparseToDense, ConstantInputsBecomeAConstant) {
  GraphBuilder b;
  b.placeholder("x", {2, 3});
  b.const_int("indices", {2, 2}, {0, 1, 1, 2});
  b.const_int("shape", {2}, {2, 3});
  b.const_float("values", {2}, {5, 7});
  b.const_float("fill", {}, {-1});
  b.node("dense", "SparseToDense", {"indices", "shape", "values", "fill"});
  b.node("sum", "AddV2", {"x", "dense"});
  Graph g = convert(b.graph);
  EXPECT_EQ(count_ops(g, "AddV2") + count_ops(g, "Add"), 1u);
  // dense = [[-1, 5, -1], [-1, -1, 7]]
  EXPECT_EQ(run_single(g, "x", {2, 3}, {0, 0, 0, 1, 1, 1}),
            (std::vector<float>{-1, 5, -1, 0, 0, 8}));
}

TEST(TfReaderSparseToDense, RepeatedIndicesAreRefusedByName) {
  GraphBuilder b;
  b.const_int("indices", {2}, {1, 1});
  b.const_int("shape", {1}, {3});
  b.const_float("values", {}, {5});
  b.const_float("fill", {}, {0});
  b.node("dense", "SparseToDense", {"indices", "shape", "values", "fill"});
  try {
    convert(b.graph);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("node 'dense' (SparseToDense): sparse_indices repeat"),
              std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace nnport::tf::testing
