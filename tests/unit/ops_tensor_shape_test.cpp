// Tensor ops that create tensors or rearrange them whole: Concat, Split, Reshape, Flatten,
// Transpose, Squeeze, Unsqueeze, Shape, Size, Constant*, Expand, Tile, Range, DepthToSpace,
// SpaceToDepth.
#include <limits>

#include "ir/error.h"
#include "ops_tensor_test_util.h"

namespace nnport {
namespace {

using testing::attrs_of;
using testing::expect_tensor;
using testing::infer_op;
using testing::ints;
using testing::run_op;
using testing::tensor;

std::vector<float> iota(int64_t n) {
  std::vector<float> v(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i)
    v[i] = static_cast<float>(i);
  return v;
}

TEST(OpsTensorShape, Concat) {
  const auto a = tensor<float>({2, 1}, {1, 2});
  const auto b = tensor<float>({2, 2}, {3, 4, 5, 6});
  for (int64_t axis : {1, -1}) {
    SCOPED_TRACE(fmt::format("axis={}", axis));
    expect_tensor<float>(run_op("Concat", {a, b}, attrs_of({{"axis", axis}}))[0], {2, 3},
                         {1, 3, 4, 2, 5, 6});
  }
  expect_tensor<int64_t>(
      run_op("Concat", {ints({1}), ints({2, 3})}, attrs_of({{"axis", int64_t{0}}}))[0], {3},
      {1, 2, 3});
  EXPECT_THROW(run_op("Concat", {a, b}, attrs_of({{"axis", int64_t{0}}})), Error);
  const Value v = infer_op("Concat",
                           {{DType::Float32, Shape({Dim::named("N"), Dim(3)})},
                            {DType::Float32, Shape({Dim::named("N"), Dim(5)})}},
                           attrs_of({{"axis", int64_t{1}}}));
  EXPECT_EQ(v.shape.to_string(), "Nx8");
}

TEST(OpsTensorShape, Split) {
  const auto x = tensor<float>({6}, iota(6));
  auto parts = run_op("Split", {x, ints({1, 2, 3})}, {}, 3);
  expect_tensor<float>(parts[0], {1}, {0});
  expect_tensor<float>(parts[1], {2}, {1, 2});
  expect_tensor<float>(parts[2], {3}, {3, 4, 5});
  // num_outputs: chunks of ceil(7 / 3) = 3, the last one smaller.
  parts =
      run_op("Split", {tensor<float>({7}, iota(7))}, attrs_of({{"num_outputs", int64_t{3}}}), 3);
  expect_tensor<float>(parts[2], {1}, {6});
  // Neither: equal parts, one per output.
  parts =
      run_op("Split", {tensor<float>({2, 2}, {1, 2, 3, 4})}, attrs_of({{"axis", int64_t{-1}}}), 2);
  expect_tensor<float>(parts[0], {2, 1}, {1, 3});
  expect_tensor<float>(parts[1], {2, 1}, {2, 4});
  EXPECT_THROW(run_op("Split", {x, ints({1, 2})}, {}, 2), Error);
}

struct ReshapeCase {
  std::vector<int64_t> in, target;
  int64_t allowzero;
  std::vector<int64_t> out;
  std::string vars() const {
    return fmt::format("in={} target={} allowzero={}", sizes_to_string(in), sizes_to_string(target),
                       allowzero);
  }
};

TEST(OpsTensorShape, Reshape) {
  const std::vector<ReshapeCase> cases = {
      {{2, 3, 4}, {0, -1}, 0, {2, 12}},     {{2, 3, 4}, {-1, 4}, 0, {6, 4}},
      {{2, 3, 4}, {4, 0, 2}, 0, {4, 3, 2}}, {{2, 3, 4}, {24}, 0, {24}},
      {{0, 3}, {3, 0}, 1, {3, 0}},          {{2, 3}, {-1}, 0, {6}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.vars());
    const int64_t n = element_count(c.in);
    const auto out = run_op("Reshape", {tensor<float>(c.in, iota(n)), ints(c.target)},
                            attrs_of({{"allowzero", c.allowzero}}))[0];
    expect_tensor<float>(out, c.out, iota(n));
  }
  EXPECT_THROW(run_op("Reshape", {tensor<float>({2, 3, 4}, iota(24)), ints({5, -1})}), Error);
  EXPECT_THROW(run_op("Reshape", {tensor<float>({2, 3}, iota(6)), ints({-1, -1})}), Error);
  EXPECT_THROW(run_op("Reshape", {tensor<float>({2, 3}, iota(6)), ints({4, 2})}), Error);
}

TEST(OpsTensorShape, ReshapeInferenceKeepsCopiedSymbols) {
  const Shape x({Dim::named("N"), Dim(3), Dim(4)});
  const auto infer = [&](std::vector<int64_t> target) {
    return infer_op("Reshape", {{DType::Float32, x}, {DType::Int64, Shape()}}, {},
                    {Tensor(), ints(target)})
        .shape.to_string();
  };
  EXPECT_EQ(infer({0, -1}), "Nx12");
  EXPECT_EQ(infer({0, 4, 3}), "Nx4x3");
  EXPECT_EQ(infer({-1, 12}), "?x12");
  // Target known only at run time but of known length: rank 2.
  EXPECT_EQ(infer_op("Reshape", {{DType::Float32, x}, {DType::Int64, Shape::from_sizes({2})}})
                .shape.to_string(),
            "?x?");
}

TEST(OpsTensorShape, FlattenTransposeSqueezeUnsqueeze) {
  const auto x = tensor<float>({2, 3, 4}, iota(24));
  for (auto [axis, rows] :
       std::vector<std::pair<int64_t, int64_t>>{{0, 1}, {2, 6}, {-1, 6}, {3, 24}}) {
    SCOPED_TRACE(fmt::format("Flatten axis={}", axis));
    expect_tensor<float>(run_op("Flatten", {x}, attrs_of({{"axis", axis}}))[0], {rows, 24 / rows},
                         iota(24));
  }
  expect_tensor<float>(run_op("Transpose", {tensor<float>({2, 3}, {1, 2, 3, 4, 5, 6})})[0], {3, 2},
                       {1, 4, 2, 5, 3, 6});
  // out[k, i, j] = x[i, j, k] with x = [2, 1, 3].
  expect_tensor<float>(run_op("Transpose", {tensor<float>({2, 1, 3}, iota(6))},
                              attrs_of({{"perm", std::vector<int64_t>{2, 0, 1}}}))[0],
                       {3, 2, 1}, {0, 3, 1, 4, 2, 5});
  EXPECT_THROW(run_op("Transpose", {x}, attrs_of({{"perm", std::vector<int64_t>{0, 0, 1}}})),
               Error);
  const auto y = tensor<float>({1, 3, 1}, {1, 2, 3});
  expect_tensor<float>(run_op("Squeeze", {y})[0], {3}, {1, 2, 3});
  expect_tensor<float>(run_op("Squeeze", {y, ints({-1})})[0], {1, 3}, {1, 2, 3});
  EXPECT_THROW(run_op("Squeeze", {y, ints({1})}), Error);
  expect_tensor<float>(run_op("Unsqueeze", {tensor<float>({3}, {1, 2, 3}), ints({0, -1})})[0],
                       {1, 3, 1}, {1, 2, 3});
}

TEST(OpsTensorShape, ShapeSizeAndConstants) {
  const auto x = Tensor(DType::Float32, {2, 3, 4});
  expect_tensor<int64_t>(run_op("Shape", {x})[0], {3}, {2, 3, 4});
  expect_tensor<int64_t>(run_op("Shape", {x}, attrs_of({{"start", int64_t{-2}}}))[0], {2}, {3, 4});
  expect_tensor<int64_t>(
      run_op("Shape", {x}, attrs_of({{"start", int64_t{1}}, {"end", int64_t{-1}}}))[0], {1}, {3});
  expect_tensor<int64_t>(run_op("Size", {x})[0], {}, {24});
  const Value s = infer_op("Shape", {{DType::Float32, Shape({Dim::named("N"), Dim(3)})}});
  EXPECT_EQ(s.shape.to_string(), "2");
  EXPECT_EQ(s.dtype, DType::Int64);
  expect_tensor<int64_t>(run_op("Constant", {}, attrs_of({{"value", ints({4, 5})}}))[0], {2},
                         {4, 5});
  expect_tensor<int64_t>(
      run_op("ConstantOfShape", {ints({2, 3})}, attrs_of({{"value", ints({7})}}))[0], {2, 3},
      {7, 7, 7, 7, 7, 7});
  expect_tensor<float>(run_op("ConstantOfShape", {ints({2})})[0], {2}, {0, 0});
}

TEST(OpsTensorShape, ExpandAndTile) {
  expect_tensor<float>(run_op("Expand", {tensor<float>({3, 1}, {1, 2, 3}), ints({1, 2})})[0],
                       {3, 2}, {1, 1, 2, 2, 3, 3});
  // Bidirectional: shape's 1 keeps the input's 3.
  expect_tensor<float>(run_op("Expand", {tensor<float>({3}, {1, 2, 3}), ints({2, 1})})[0], {2, 3},
                       {1, 2, 3, 1, 2, 3});
  expect_tensor<float>(run_op("Tile", {tensor<float>({2}, {1, 2}), ints({3})})[0], {6},
                       {1, 2, 1, 2, 1, 2});
  expect_tensor<float>(run_op("Tile", {tensor<float>({2, 1}, {1, 2}), ints({2, 2})})[0], {4, 2},
                       {1, 1, 2, 2, 1, 1, 2, 2});
  EXPECT_THROW(run_op("Tile", {tensor<float>({2}, {1, 2}), ints({1, 1})}), Error);
}

TEST(OpsTensorShape, Range) {
  expect_tensor<int64_t>(run_op("Range", {Tensor::scalar<int64_t>(1), Tensor::scalar<int64_t>(10),
                                          Tensor::scalar<int64_t>(3)})[0],
                         {3}, {1, 4, 7});
  expect_tensor<int32_t>(run_op("Range", {Tensor::scalar<int32_t>(5), Tensor::scalar<int32_t>(0),
                                          Tensor::scalar<int32_t>(-2)})[0],
                         {3}, {5, 3, 1});
  expect_tensor<float>(run_op("Range", {Tensor::scalar<float>(0), Tensor::scalar<float>(1),
                                        Tensor::scalar<float>(0.25f)})[0],
                       {4}, {0, 0.25f, 0.5f, 0.75f});
  expect_tensor<float>(run_op("Range", {Tensor::scalar<float>(3), Tensor::scalar<float>(1),
                                        Tensor::scalar<float>(1)})[0],
                       {0}, {});
  EXPECT_THROW(run_op("Range", {Tensor::scalar<int64_t>(0), Tensor::scalar<int64_t>(3),
                                Tensor::scalar<int64_t>(0)}),
               Error);
}

TEST(OpsTensorShape, DepthToSpaceAndBack) {
  // x [1, 8, 1, 1] = 0..7, blocksize 2, C' = 2. DCR reads channel (i*2 + j)*2 + c, CRD
  // c*4 + i*2 + j.
  const auto x = tensor<float>({1, 8, 1, 1}, iota(8));
  expect_tensor<float>(run_op("DepthToSpace", {x}, attrs_of({{"blocksize", int64_t{2}}}))[0],
                       {1, 2, 2, 2}, {0, 2, 4, 6, 1, 3, 5, 7});
  expect_tensor<float>(
      run_op("DepthToSpace", {x},
             attrs_of({{"blocksize", int64_t{2}}, {"mode", std::string("CRD")}}))[0],
      {1, 2, 2, 2}, iota(8));
  // SpaceToDepth: output channel (i*2 + j)*C + c reads x[c, i, j].
  const auto y = tensor<float>({1, 2, 2, 2}, iota(8));
  const auto s2d = run_op("SpaceToDepth", {y}, attrs_of({{"blocksize", int64_t{2}}}))[0];
  expect_tensor<float>(s2d, {1, 8, 1, 1}, {0, 4, 1, 5, 2, 6, 3, 7});
  expect_tensor<float>(run_op("DepthToSpace", {s2d}, attrs_of({{"blocksize", int64_t{2}}}))[0],
                       {1, 2, 2, 2}, iota(8));
  EXPECT_THROW(run_op("SpaceToDepth", {tensor<float>({1, 1, 3, 2}, iota(6))},
                      attrs_of({{"blocksize", int64_t{2}}})),
               Error);
}

}  // namespace
}  // namespace nnport
