// Slice, Pad and the Gather family: negative steps and indices, clamping, every pad mode.
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

constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
constexpr int64_t kMin = std::numeric_limits<int64_t>::min();

struct SliceCase {
  std::vector<int64_t> starts, ends, axes, steps;  // empty axes/steps: input omitted
  std::vector<int64_t> out_dims;
  std::vector<float> expected;
  std::string vars() const {
    return fmt::format("starts={} ends={} axes={} steps={}", sizes_to_string(starts),
                       sizes_to_string(ends), sizes_to_string(axes), sizes_to_string(steps));
  }
};

TEST(OpsTensorIndex, Slice1D) {
  const auto x = tensor<float>({10}, {0, 1, 2, 3, 4, 5, 6, 7, 8, 9});
  const std::vector<SliceCase> cases = {
      {{8}, {2}, {}, {-2}, {3}, {8, 6, 4}},
      {{-1}, {kMin}, {}, {-1}, {10}, {9, 8, 7, 6, 5, 4, 3, 2, 1, 0}},
      {{2}, {100}, {}, {}, {8}, {2, 3, 4, 5, 6, 7, 8, 9}},
      {{-3}, {kMax}, {0}, {1}, {3}, {7, 8, 9}},
      {{5}, {2}, {}, {}, {0}, {}},
      {{100}, {-100}, {}, {-3}, {4}, {9, 6, 3, 0}},
      {{-100}, {3}, {}, {2}, {2}, {0, 2}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.vars());
    std::vector<Tensor> inputs = {x, ints(c.starts), ints(c.ends)};
    if (!c.axes.empty() || !c.steps.empty())
      inputs.push_back(c.axes.empty() ? Tensor() : ints(c.axes));
    if (!c.steps.empty()) inputs.push_back(ints(c.steps));
    expect_tensor<float>(run_op("Slice", inputs)[0], c.out_dims, c.expected);
  }
}

TEST(OpsTensorIndex, Slice2D) {
  // x [3, 4] = 0..11: rows 1..2, columns 3 then 1.
  std::vector<float> v(12);
  for (int i = 0; i < 12; ++i)
    v[i] = static_cast<float>(i);
  const auto x = tensor<float>({3, 4}, v);
  expect_tensor<float>(
      run_op("Slice", {x, ints({1, 3}), ints({3, 0}), ints({0, 1}), ints({1, -2})})[0], {2, 2},
      {7, 5, 11, 9});
  expect_tensor<float>(run_op("Slice", {x, ints({1}), ints({3}), ints({-1})})[0], {3, 2},
                       {1, 2, 5, 6, 9, 10});
  EXPECT_THROW(run_op("Slice", {x, ints({0}), ints({1}), ints({0}), ints({0})}), Error);
  EXPECT_THROW(run_op("Slice", {x, ints({0}), ints({1}), ints({2})}), Error);
}

TEST(OpsTensorIndex, SliceInferenceWithUnknownDims) {
  const Shape x({Dim::named("N"), Dim(10)});
  const std::vector<std::pair<DType, Shape>> inputs = {{DType::Float32, x},
                                                       {DType::Int64, Shape()},
                                                       {DType::Int64, Shape()},
                                                       {DType::Int64, Shape()}};
  const Value v = infer_op("Slice", inputs, {}, {Tensor(), ints({2}), ints({-1}), ints({1})});
  EXPECT_EQ(v.shape.to_string(), "Nx7");
  const Value w = infer_op("Slice", inputs, {}, {Tensor(), ints({0}), ints({kMax}), ints({0})});
  EXPECT_EQ(w.shape.to_string(), "Nx10");
  const Value u = infer_op("Slice", inputs, {}, {Tensor(), ints({1}), ints({kMax}), ints({0})});
  EXPECT_EQ(u.shape.to_string(), "?x10");
}

struct PadCase {
  std::string mode;
  std::vector<int64_t> pads;
  std::vector<float> expected;
  std::string vars() const { return fmt::format("mode={} pads={}", mode, sizes_to_string(pads)); }
};

TEST(OpsTensorIndex, PadModes1D) {
  const auto x = tensor<float>({3}, {1, 2, 3});
  const std::vector<PadCase> cases = {
      {"constant", {2, 2}, {9, 9, 1, 2, 3, 9, 9}},
      {"reflect", {2, 2}, {3, 2, 1, 2, 3, 2, 1}},
      {"edge", {2, 2}, {1, 1, 1, 2, 3, 3, 3}},
      {"wrap", {2, 2}, {2, 3, 1, 2, 3, 1, 2}},
      {"constant", {-1, 1}, {2, 3, 9}},
      {"edge", {-2, 1}, {3, 3}},
      {"reflect", {0, 4}, {1, 2, 3, 2, 1, 2, 3}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.vars());
    const auto out =
        run_op("Pad", {x, ints(c.pads), tensor<float>({}, {9})}, attrs_of({{"mode", c.mode}}))[0];
    expect_tensor<float>(out, {static_cast<int64_t>(c.expected.size())}, c.expected);
  }
}

TEST(OpsTensorIndex, PadWithAxesAndDefaultZero) {
  const auto x = tensor<float>({2, 2}, {1, 2, 3, 4});
  expect_tensor<float>(run_op("Pad", {x, ints({1, 0}), Tensor(), ints({-1})})[0], {2, 3},
                       {0, 1, 2, 0, 3, 4});
  expect_tensor<float>(run_op("Pad", {x, ints({0, 1, 1, 0})})[0], {3, 3},
                       {0, 1, 2, 0, 3, 4, 0, 0, 0});
  EXPECT_THROW(run_op("Pad", {x, ints({-3, 0, 0, 0})}), Error);
  EXPECT_THROW(run_op("Pad", {x, ints({1, 1})}), Error);
}

TEST(OpsTensorIndex, Gather) {
  const auto data = tensor<float>({3, 2}, {1, 2, 3, 4, 5, 6});
  expect_tensor<float>(run_op("Gather", {data, ints({-1, 0})})[0], {2, 2}, {5, 6, 1, 2});
  expect_tensor<float>(
      run_op("Gather", {data, tensor<int32_t>({1, 1}, {1})}, attrs_of({{"axis", int64_t{1}}}))[0],
      {3, 1, 1}, {2, 4, 6});
  expect_tensor<float>(run_op("Gather", {data, Tensor::scalar<int64_t>(1)})[0], {2}, {3, 4});
  // The TF reader's Shape -> Gather chain: gathering dims from an int64 shape vector.
  expect_tensor<int64_t>(run_op("Gather", {ints({8, 3, 224}), Tensor::scalar<int64_t>(-1)})[0], {},
                         {224});
  EXPECT_THROW(run_op("Gather", {data, ints({3})}), Error);
  EXPECT_THROW(run_op("Gather", {data, ints({-4})}), Error);
}

TEST(OpsTensorIndex, GatherElements) {
  const auto data = tensor<float>({2, 2}, {1, 2, 3, 4});
  expect_tensor<float>(run_op("GatherElements", {data, tensor<int64_t>({2, 2}, {0, 0, 1, 0})},
                              attrs_of({{"axis", int64_t{1}}}))[0],
                       {2, 2}, {1, 1, 4, 3});
  expect_tensor<float>(run_op("GatherElements", {data, tensor<int64_t>({1, 2}, {1, -2})})[0],
                       {1, 2}, {3, 2});
  EXPECT_THROW(run_op("GatherElements", {data, tensor<int64_t>({1, 2}, {2, 0})}), Error);
}

TEST(OpsTensorIndex, GatherND) {
  const auto data = tensor<float>({2, 2}, {0, 1, 2, 3});
  expect_tensor<float>(run_op("GatherND", {data, tensor<int64_t>({2, 2}, {0, 0, 1, 1})})[0], {2},
                       {0, 3});
  expect_tensor<float>(run_op("GatherND", {data, tensor<int64_t>({2, 1}, {1, 0})})[0], {2, 2},
                       {2, 3, 0, 1});
  // batch_dims 1: each batch picks its own row.
  const auto cube = tensor<float>({2, 2, 2}, {0, 1, 2, 3, 4, 5, 6, 7});
  expect_tensor<float>(run_op("GatherND", {cube, tensor<int64_t>({2, 1}, {1, 0})},
                              attrs_of({{"batch_dims", int64_t{1}}}))[0],
                       {2, 2}, {2, 3, 4, 5});
  EXPECT_THROW(run_op("GatherND", {data, tensor<int64_t>({1, 2}, {0, 2})}), Error);
}

}  // namespace
}  // namespace nnport
