// Elementwise ops: one case struct per op family, hand-computed expectations, parameters
// printed on failure.
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

struct BinaryFloatCase {
  std::string op;
  std::vector<int64_t> a_dims, b_dims;
  std::vector<float> a, b;
  std::vector<int64_t> out_dims;
  std::vector<float> expected;
  std::string vars() const {
    return fmt::format("op={} a={} b={}", op, sizes_to_string(a_dims), sizes_to_string(b_dims));
  }
};

TEST(OpsTensorElementwise, BroadcastBinaryFloat) {
  const std::vector<BinaryFloatCase> cases = {
      // [2,3] + [3]: the row vector repeats down both rows.
      {"Add", {2, 3}, {3}, {1, 2, 3, 4, 5, 6}, {10, 20, 30}, {2, 3}, {11, 22, 33, 14, 25, 36}},
      // [2,1] - [1,3]: both sides broadcast (multidirectional).
      {"Sub", {2, 1}, {1, 3}, {10, 20}, {1, 2, 3}, {2, 3}, {9, 8, 7, 19, 18, 17}},
      // scalar * [2,2]
      {"Mul", {}, {2, 2}, {3}, {1, 2, 3, 4}, {2, 2}, {3, 6, 9, 12}},
      {"Div", {2, 2}, {2, 1}, {1, 2, 3, 4}, {2, 4}, {2, 2}, {0.5f, 1, 0.75f, 1}},
      {"Pow", {3}, {}, {2, -3, 0.5f}, {2}, {3}, {4, 9, 0.25f}},
      {"Pow", {2}, {2}, {4, 8}, {0.5f, -1}, {2}, {2, 0.125f}},
      {"Max", {3}, {1}, {1, 5, -2}, {2}, {3}, {2, 5, 2}},
      {"Min", {3}, {1}, {1, 5, -2}, {2}, {3}, {1, 2, -2}},
      {"Mod",
       {4},
       {4},
       {5.5f, -5.5f, 5.5f, -5.5f},
       {2, 2, -2, -2},
       {4},
       {1.5f, -1.5f, 1.5f, -1.5f}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.vars());
    Attributes attrs;
    if (c.op == "Mod") attrs.set("fmod", int64_t{1});
    const auto out =
        run_op(c.op, {tensor<float>(c.a_dims, c.a), tensor<float>(c.b_dims, c.b)}, attrs);
    expect_tensor<float>(out[0], c.out_dims, c.expected);
  }
}

TEST(OpsTensorElementwise, IntegerArithmetic) {
  // Division truncates toward zero; Mod fmod=0 takes the divisor's sign, fmod=1 the dividend's.
  const auto a = tensor<int64_t>({4}, {7, -7, 7, -7});
  const auto b = tensor<int64_t>({4}, {2, 2, -2, -2});
  expect_tensor<int64_t>(run_op("Div", {a, b})[0], {4}, {3, -3, -3, 3});
  expect_tensor<int64_t>(run_op("Mod", {a, b})[0], {4}, {1, 1, -1, -1});
  expect_tensor<int64_t>(run_op("Mod", {a, b}, attrs_of({{"fmod", int64_t{1}}}))[0], {4},
                         {1, -1, 1, -1});
  expect_tensor<int32_t>(
      run_op("Add", {tensor<int32_t>({2}, {std::numeric_limits<int32_t>::max(), 1}),
                     tensor<int32_t>({}, {1})})[0],
      {2}, {std::numeric_limits<int32_t>::min(), 2});
  expect_tensor<int64_t>(run_op("Pow", {tensor<int64_t>({3}, {2, -3, 5}), ints({10, 3, 0})})[0],
                         {3}, {1024, -27, 1});
  EXPECT_THROW(run_op("Div", {ints({1}), ints({0})}), Error);
}

TEST(OpsTensorElementwise, FloatModWithoutFmodIsRefused) {
  EXPECT_THROW(run_op("Mod", {tensor<float>({1}, {1}), tensor<float>({1}, {1})}), Error);
}

TEST(OpsTensorElementwise, VariadicOps) {
  const auto a = tensor<float>({2}, {1, 6});
  const auto b = tensor<float>({2, 1}, {3, -1});
  const auto c = tensor<float>({}, {2});
  // Output [2,2]: row r, column j combines a[j], b[r], c.
  expect_tensor<float>(run_op("Sum", {a, b, c})[0], {2, 2}, {6, 11, 2, 7});
  expect_tensor<float>(run_op("Mean", {a, b, c})[0], {2, 2}, {2, 11.0f / 3, 2.0f / 3, 7.0f / 3});
  expect_tensor<float>(run_op("Max", {a, b, c})[0], {2, 2}, {3, 6, 2, 6});
  expect_tensor<float>(run_op("Min", {a, b, c})[0], {2, 2}, {1, 2, -1, -1});
  expect_tensor<float>(run_op("Sum", {a})[0], {2}, {1, 6});
  const float nan = std::numeric_limits<float>::quiet_NaN();
  expect_tensor<float>(run_op("Max", {tensor<float>({1}, {nan}), tensor<float>({1}, {1})})[0], {1},
                       {nan});
}

TEST(OpsTensorElementwise, ComparisonsAndLogic) {
  const auto a = tensor<float>({3}, {1, 2, 3});
  const auto b = tensor<float>({}, {2});
  expect_tensor<bool>(run_op("Equal", {a, b})[0], {3}, {false, true, false});
  expect_tensor<bool>(run_op("Less", {a, b})[0], {3}, {true, false, false});
  expect_tensor<bool>(run_op("LessOrEqual", {a, b})[0], {3}, {true, true, false});
  expect_tensor<bool>(run_op("Greater", {a, b})[0], {3}, {false, false, true});
  expect_tensor<bool>(run_op("GreaterOrEqual", {a, b})[0], {3}, {false, true, true});
  expect_tensor<bool>(run_op("Equal", {ints({4, 5}), ints({5, 5})})[0], {2}, {false, true});
  const auto p = tensor<bool>({4}, {false, false, true, true});
  const auto q = tensor<bool>({4}, {false, true, false, true});
  expect_tensor<bool>(run_op("And", {p, q})[0], {4}, {false, false, false, true});
  expect_tensor<bool>(run_op("Or", {p, q})[0], {4}, {false, true, true, true});
  expect_tensor<bool>(run_op("Xor", {p, q})[0], {4}, {false, true, true, false});
  expect_tensor<bool>(run_op("Not", {p})[0], {4}, {true, true, false, false});
  EXPECT_THROW(run_op("And", {p, tensor<float>({4}, {0, 0, 0, 0})}), Error);
}

TEST(OpsTensorElementwise, WhereBroadcastsAllThree) {
  const auto cond = tensor<bool>({2, 1}, {true, false});
  const auto x = tensor<int64_t>({2}, {1, 2});
  const auto y = tensor<int64_t>({}, {9});
  expect_tensor<int64_t>(run_op("Where", {cond, x, y})[0], {2, 2}, {1, 2, 9, 9});
}

struct UnaryCase {
  std::string op;
  std::vector<float> x, expected;
  std::string vars() const { return "op=" + op; }
};

TEST(OpsTensorElementwise, UnaryFloat) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const std::vector<UnaryCase> cases = {
      {"Exp", {0, 1}, {1, 2.7182817f}},
      {"Log", {1, 2.7182817f}, {0, 1}},
      {"Sqrt", {4, 2}, {2, 1.4142135f}},
      {"Erf", {0, 1}, {0, 0.84270079f}},
      {"Abs", {-2, 3}, {2, 3}},
      {"Neg", {-2, 3}, {2, -3}},
      {"Floor", {-1.5f, 1.5f}, {-2, 1}},
      {"Ceil", {-1.5f, 1.5f}, {-1, 2}},
      {"Round", {0.5f, 1.5f, 2.5f, -0.5f, -1.6f}, {0, 2, 2, -0, -2}},
      {"Sign", {-3, 0, 2, nan}, {-1, 0, 1, nan}},
      {"Reciprocal", {4, -0.5f}, {0.25f, -2}},
      {"Sin", {0, 1.5707964f}, {0, 1}},
      {"Cos", {0, 3.1415927f}, {1, -1}},
      {"Identity", {1, 2}, {1, 2}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.vars());
    const int64_t n = static_cast<int64_t>(c.x.size());
    expect_tensor<float>(run_op(c.op, {tensor<float>({n}, c.x)})[0], {n}, c.expected);
  }
}

TEST(OpsTensorElementwise, HalfInputsComputeInFloatAndRoundOnce) {
  Tensor half(DType::Float16, {2});
  auto* bits = reinterpret_cast<uint16_t*>(half.mutable_raw());
  bits[0] = float_to_half(1.5f);
  bits[1] = float_to_half(-2.0f);
  const auto out = run_op("Mul", {half, half})[0];
  ASSERT_EQ(out.dtype(), DType::Float16);
  EXPECT_EQ(out.to_float_vector(), (std::vector<float>{2.25f, 4.0f}));
}

TEST(OpsTensorElementwise, CastTruncatesAndRefusesOutOfRange) {
  const auto to = [](const char* name) { return attrs_of({{"to", std::string(name)}}); };
  expect_tensor<int32_t>(
      run_op("Cast", {tensor<float>({4}, {1.9f, -1.9f, 0, 255.5f})}, to("int32"))[0], {4},
      {1, -1, 0, 255});
  expect_tensor<bool>(run_op("Cast", {tensor<float>({3}, {0, -0.5f, 2})}, to("bool"))[0], {3},
                      {false, true, true});
  expect_tensor<float>(run_op("Cast", {ints({3, -4})}, to("float32"))[0], {2}, {3, -4});
  expect_tensor<uint8_t>(run_op("Cast", {tensor<int32_t>({1}, {257})}, to("uint8"))[0], {1}, {1});
  const auto half = run_op("Cast", {tensor<float>({1}, {0.1f})}, to("float16"))[0];
  EXPECT_EQ(half.dtype(), DType::Float16);
  EXPECT_EQ(reinterpret_cast<const uint16_t*>(half.raw())[0], float_to_half(0.1f));
  EXPECT_THROW(run_op("Cast", {tensor<float>({1}, {300})}, to("uint8")), Error);
  EXPECT_THROW(run_op("Cast", {tensor<float>({1}, {-1})}, to("uint8")), Error);
  EXPECT_THROW(run_op("Cast", {tensor<float>({1}, {1})}, to("float8")), Error);
}

TEST(OpsTensorElementwise, DropoutIsIdentityWithAllTrueMask) {
  const auto x = tensor<float>({2}, {1, 2});
  const auto out = run_op("Dropout", {x, tensor<float>({}, {0.3f})}, {}, 2);
  expect_tensor<float>(out[0], {2}, {1, 2});
  expect_tensor<bool>(out[1], {2}, {true, true});
  EXPECT_THROW(run_op("Dropout", {x, tensor<float>({}, {0.3f}), tensor<bool>({}, {true})}), Error);
}

TEST(OpsTensorElementwise, BroadcastShapeInferenceKeepsSymbols) {
  Shape a({Dim::named("N"), Dim(3), Dim(1)});
  Shape b({Dim(4)});
  const Value v = infer_op("Add", {{DType::Float32, a}, {DType::Float32, b}});
  EXPECT_EQ(v.shape.to_string(), "Nx3x4");
  // An unknown dim against a known 5 must be 5 (or 1, which would broadcast to 5).
  const Value w =
      infer_op("Mul", {{DType::Float32, Shape({Dim()})}, {DType::Float32, Shape({Dim(5)})}});
  EXPECT_EQ(w.shape.to_string(), "5");
  const Value cmp = infer_op("Less", {{DType::Int64, a}, {DType::Int64, Shape({Dim(1)})}});
  EXPECT_EQ(cmp.dtype, DType::Bool);
  EXPECT_EQ(cmp.shape.to_string(), "Nx3x1");
}

TEST(OpsTensorElementwise, IncompatibleShapesAndDtypesAreModelErrors) {
  EXPECT_THROW(infer_op("Add", {{DType::Float32, Shape::from_sizes({2, 3})},
                                {DType::Float32, Shape::from_sizes({4})}}),
               Error);
  EXPECT_THROW(infer_op("Add", {{DType::Float32, Shape::from_sizes({2})},
                                {DType::Int64, Shape::from_sizes({2})}}),
               Error);
  // Element-count overflow is caught by checked_mul.
  EXPECT_THROW(infer_op("Add", {{DType::Float32, Shape::from_sizes({int64_t{1} << 40, 1})},
                                {DType::Float32, Shape::from_sizes({int64_t{1} << 40})}}),
               Error);
}

}  // namespace
}  // namespace nnport
