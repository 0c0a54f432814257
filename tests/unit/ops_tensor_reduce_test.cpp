// Reductions (opset-18 axes input, keepdims, noop_with_empty_axes) and ArgMax/ArgMin.
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

struct ReduceCase {
  std::string op;
  std::vector<int64_t> axes;  // empty: no axes input
  int64_t keepdims;
  std::vector<int64_t> out_dims;
  std::vector<float> expected;
  std::string vars() const {
    return fmt::format("op={} axes={} keepdims={}", op, sizes_to_string(axes), keepdims);
  }
};

TEST(OpsTensorReduce, ValuesOn2x3) {
  // x = [[1, 2, 3], [4, 5, 6]]
  const auto x = tensor<float>({2, 3}, {1, 2, 3, 4, 5, 6});
  const std::vector<ReduceCase> cases = {
      {"ReduceSum", {1}, 1, {2, 1}, {6, 15}},
      {"ReduceSum", {1}, 0, {2}, {6, 15}},
      {"ReduceSum", {-2}, 1, {1, 3}, {5, 7, 9}},
      {"ReduceSum", {}, 1, {1, 1}, {21}},
      {"ReduceSum", {}, 0, {}, {21}},
      {"ReduceSum", {0, 1}, 0, {}, {21}},
      {"ReduceMean", {1}, 0, {2}, {2, 5}},
      {"ReduceMax", {1}, 0, {2}, {3, 6}},
      {"ReduceMin", {0}, 0, {3}, {1, 2, 3}},
      {"ReduceProd", {1}, 0, {2}, {6, 120}},
      {"ReduceL1", {0}, 0, {3}, {5, 7, 9}},
      {"ReduceL2", {1}, 0, {2}, {3.7416574f, 8.7749644f}},
      {"ReduceSumSquare", {1}, 0, {2}, {14, 77}},
      {"ReduceLogSumExp", {0}, 0, {3}, {4.0485873f, 5.0485873f, 6.0485873f}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.vars());
    std::vector<Tensor> inputs = {x};
    if (!c.axes.empty()) inputs.push_back(ints(c.axes));
    expect_tensor<float>(run_op(c.op, inputs, attrs_of({{"keepdims", c.keepdims}}))[0], c.out_dims,
                         c.expected, 2e-6);
  }
}

TEST(OpsTensorReduce, NoopWithEmptyAxesPassesThrough) {
  const auto x = tensor<float>({2}, {1, 2});
  const auto attrs = attrs_of({{"noop_with_empty_axes", int64_t{1}}});
  expect_tensor<float>(run_op("ReduceSum", {x}, attrs)[0], {2}, {1, 2});
  expect_tensor<float>(run_op("ReduceMax", {x, Tensor::from_vector<int64_t>({0}, {})}, attrs)[0],
                       {2}, {1, 2});
}

TEST(OpsTensorReduce, EmptyReductionsGiveTheIdentity) {
  const auto x = Tensor(DType::Float32, {0, 2});
  const float inf = std::numeric_limits<float>::infinity();
  const float nan = std::numeric_limits<float>::quiet_NaN();
  expect_tensor<float>(run_op("ReduceSum", {x, ints({0})})[0], {1, 2}, {0, 0});
  expect_tensor<float>(run_op("ReduceProd", {x, ints({0})})[0], {1, 2}, {1, 1});
  expect_tensor<float>(run_op("ReduceMax", {x, ints({0})})[0], {1, 2}, {-inf, -inf});
  expect_tensor<float>(run_op("ReduceMin", {x, ints({0})})[0], {1, 2}, {inf, inf});
  expect_tensor<float>(run_op("ReduceMean", {x, ints({0})})[0], {1, 2}, {nan, nan});
  expect_tensor<float>(run_op("ReduceLogSumExp", {x, ints({0})})[0], {1, 2}, {-inf, -inf});
}

TEST(OpsTensorReduce, IntegerReductions) {
  const auto x = tensor<int64_t>({2, 2}, {3, -4, 5, 6});
  expect_tensor<int64_t>(run_op("ReduceSum", {x, ints({1})})[0], {2, 1}, {-1, 11});
  expect_tensor<int64_t>(run_op("ReduceProd", {x, ints({0})})[0], {1, 2}, {15, -24});
  expect_tensor<int64_t>(run_op("ReduceMax", {x})[0], {1, 1}, {6});
  expect_tensor<int64_t>(run_op("ReduceL1", {x})[0], {1, 1}, {18});
}

TEST(OpsTensorReduce, BoolMaxIsAnyMinIsAll) {
  const auto x = tensor<bool>({2, 2}, {true, false, false, false});
  expect_tensor<bool>(run_op("ReduceMax", {x, ints({1})})[0], {2, 1}, {true, false});
  expect_tensor<bool>(run_op("ReduceMin", {x, ints({0})})[0], {1, 2}, {false, false});
}

TEST(OpsTensorReduce, ArgMaxArgMin) {
  // [[1, 3, 3], [4, 0, 4]]
  const auto x = tensor<float>({2, 3}, {1, 3, 3, 4, 0, 4});
  expect_tensor<int64_t>(run_op("ArgMax", {x}, attrs_of({{"axis", int64_t{1}}}))[0], {2, 1},
                         {1, 0});
  expect_tensor<int64_t>(
      run_op("ArgMax", {x},
             attrs_of({{"axis", int64_t{-1}}, {"select_last_index", int64_t{1}}}))[0],
      {2, 1}, {2, 2});
  expect_tensor<int64_t>(run_op("ArgMin", {x}, attrs_of({{"keepdims", int64_t{0}}}))[0], {3},
                         {0, 1, 0});
}

TEST(OpsTensorReduce, ShapeInference) {
  const Shape x({Dim::named("N"), Dim(3), Dim(4)});
  // Constant axes: exact, the symbol kept.
  const Value v = infer_op("ReduceMean", {{DType::Float32, x}, {DType::Int64, Shape()}},
                           attrs_of({{"keepdims", int64_t{0}}}), {Tensor(), ints({-1})});
  EXPECT_EQ(v.shape.to_string(), "Nx3");
  // Axes known only at run time: keepdims keeps the rank.
  const Value w =
      infer_op("ReduceSum", {{DType::Float32, x}, {DType::Int64, Shape::from_sizes({1})}});
  EXPECT_EQ(w.shape.to_string(), "?x?x?");
  EXPECT_THROW(infer_op("ReduceSum", {{DType::Float32, x}, {DType::Int64, Shape()}}, {},
                        {Tensor(), ints({3})}),
               Error);
  EXPECT_THROW(infer_op("ReduceSum", {{DType::Float32, x}, {DType::Int64, Shape()}}, {},
                        {Tensor(), ints({1, -2})}),
               Error);
}

}  // namespace
}  // namespace nnport
