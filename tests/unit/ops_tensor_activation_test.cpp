// Activations and the softmax family: hand-computed values, parameters printed on failure.
#include <limits>

#include "ir/error.h"
#include "ops_tensor_test_util.h"

namespace nnport {
namespace {

using testing::attrs_of;
using testing::expect_tensor;
using testing::run_op;
using testing::tensor;

struct ActivationCase {
  std::string op;
  Attributes attrs;
  std::vector<float> x, expected;
  std::string vars() const {
    std::string a;
    for (const auto& [k, v] : attrs.all())
      a += " " + k + "=" + attr_value_to_string(v);
    return "op=" + op + a;
  }
};

TEST(OpsTensorActivation, Values) {
  const std::vector<ActivationCase> cases = {
      {"Relu", {}, {-1, 0, 2}, {0, 0, 2}},
      {"LeakyRelu", attrs_of({{"alpha", 0.1f}}), {-2, 3}, {-0.2f, 3}},
      {"LeakyRelu", {}, {-100}, {-1}},
      {"Elu", {}, {-1, 2}, {-0.63212056f, 2}},
      {"Selu", {}, {-1, 1}, {-1.1113307f, 1.0507010f}},
      {"Celu", attrs_of({{"alpha", 2.0f}}), {-2, 3}, {-1.2642411f, 3}},
      {"Sigmoid", {}, {0, -100, 100}, {0.5f, 0, 1}},
      {"Tanh", {}, {0.5f}, {0.46211716f}},
      {"HardSigmoid", {}, {1, -3, 3}, {0.7f, 0, 1}},
      {"HardSwish", {}, {1, -4, 4}, {0.6666667f, 0, 4}},
      // Large |x| must not overflow exp.
      {"Softplus", {}, {0, 100, -100}, {0.69314718f, 100, 0}},
      {"Softsign", {}, {1, -3}, {0.5f, -0.75f}},
      {"Gelu", {}, {1, 0}, {0.84134475f, 0}},
      {"Gelu", attrs_of({{"approximate", std::string("tanh")}}), {1}, {0.84119199f}},
      {"Mish", {}, {1, 0}, {0.86509839f, 0}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.vars());
    const int64_t n = static_cast<int64_t>(c.x.size());
    expect_tensor<float>(run_op(c.op, {tensor<float>({n}, c.x)}, c.attrs)[0], {n}, c.expected,
                         2e-6);
  }
}

TEST(OpsTensorActivation, ReluOnIntegers) {
  expect_tensor<int32_t>(run_op("Relu", {tensor<int32_t>({3}, {-5, 0, 7})})[0], {3}, {0, 0, 7});
}

TEST(OpsTensorActivation, PReluBroadcastsSlopeToX) {
  // X [1,2,2], slope [2,1]: slope[r] applies to row r.
  const auto x = tensor<float>({1, 2, 2}, {-1, -2, 3, -4});
  const auto slope = tensor<float>({2, 1}, {0.5f, 0.25f});
  expect_tensor<float>(run_op("PRelu", {x, slope})[0], {1, 2, 2}, {-0.5f, -1, 3, -1});
  // The slope may not grow X.
  EXPECT_THROW(run_op("PRelu", {tensor<float>({2}, {1, 2}), tensor<float>({2, 2}, {1, 1, 1, 1})}),
               Error);
}

TEST(OpsTensorActivation, ClipWithOptionalBounds) {
  const auto x = tensor<float>({3}, {-1, 3, 7});
  expect_tensor<float>(run_op("Clip", {x, tensor<float>({}, {0}), tensor<float>({}, {6})})[0], {3},
                       {0, 3, 6});
  expect_tensor<float>(run_op("Clip", {x, Tensor(), tensor<float>({}, {2})})[0], {3}, {-1, 2, 2});
  expect_tensor<float>(run_op("Clip", {x, tensor<float>({}, {0})})[0], {3}, {0, 3, 7});
  expect_tensor<float>(run_op("Clip", {x})[0], {3}, {-1, 3, 7});
  // min > max: ONNX Runtime's min(max(x, lo), hi) gives hi everywhere.
  expect_tensor<float>(run_op("Clip", {x, tensor<float>({}, {5}), tensor<float>({}, {1})})[0], {3},
                       {1, 1, 1});
  expect_tensor<int64_t>(run_op("Clip", {testing::ints({-9, 4, 9}), Tensor::scalar<int64_t>(0),
                                         Tensor::scalar<int64_t>(5)})[0],
                         {3}, {0, 4, 5});
}

struct SoftmaxCase {
  std::string op;
  int64_t axis;
  std::vector<float> expected;
  std::string vars() const { return fmt::format("op={} axis={}", op, axis); }
};

TEST(OpsTensorSoftmax, EachAxis) {
  const auto x = tensor<float>({2, 3}, {1, 2, 3, 1, 1, 1});
  const float third = 1.0f / 3;
  const std::vector<SoftmaxCase> cases = {
      {"Softmax", 1, {0.09003057f, 0.24472847f, 0.66524096f, third, third, third}},
      {"Softmax", -1, {0.09003057f, 0.24472847f, 0.66524096f, third, third, third}},
      {"Softmax", 0, {0.5f, 0.73105858f, 0.88079708f, 0.5f, 0.26894142f, 0.11920292f}},
      {"Softmax", -2, {0.5f, 0.73105858f, 0.88079708f, 0.5f, 0.26894142f, 0.11920292f}},
      {"LogSoftmax",
       -1,
       {-2.40760596f, -1.40760596f, -0.40760596f, -1.09861229f, -1.09861229f, -1.09861229f}},
      // Ties pick the first maximum.
      {"Hardmax", 1, {0, 0, 1, 1, 0, 0}},
      {"Hardmax", 0, {1, 1, 1, 0, 0, 0}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.vars());
    expect_tensor<float>(run_op(c.op, {x}, attrs_of({{"axis", c.axis}}))[0], {2, 3}, c.expected,
                         2e-6);
  }
}

TEST(OpsTensorSoftmax, LargeInputsDoNotOverflow) {
  const auto x = tensor<float>({2}, {1000, 1000});
  expect_tensor<float>(run_op("Softmax", {x})[0], {2}, {0.5f, 0.5f});
  expect_tensor<float>(run_op("LogSoftmax", {x})[0], {2}, {-0.69314718f, -0.69314718f});
}

TEST(OpsTensorSoftmax, AxisOutOfRangeIsAModelError) {
  EXPECT_THROW(run_op("Softmax", {tensor<float>({2}, {1, 2})}, attrs_of({{"axis", int64_t{1}}})),
               Error);
}

}  // namespace
}  // namespace nnport
