// Elementwise ops: numpy-broadcast binary and variadic math, comparisons, logic, Where, unary
// math, Cast, Identity and inference-mode Dropout. ONNX opset-21 semantics, except that Cast's
// `to` is a dtype name (docs/IR.md).
#include <limits>

#include "ir/error.h"
#include "ir/ops/families.h"
#include "ir/ops/tensor_infer.h"

namespace nnport {

namespace {

constexpr int kVariadic = std::numeric_limits<int>::max();

Shape broadcast_all_inputs(const InferenceContext& ctx, size_t first) {
  Shape shape = ctx.input_shape(first);
  for (size_t i = first + 1; i < ctx.input_count(); ++i)
    shape = broadcast_shapes(shape, ctx.input_shape(i));
  return shape;
}

void infer_broadcast_same_dtype(InferenceContext& ctx) {
  const DType dtype = common_input_dtype(ctx, 0, ctx.input_count());
  set_checked_output(ctx, 0, dtype, broadcast_all_inputs(ctx, 0));
}

void infer_mod(InferenceContext& ctx) {
  const DType dtype = common_input_dtype(ctx, 0, 2);
  if (dtype_is_float(dtype) && ctx.attrs().i("fmod") != 1)
    model_error("Mod of {} tensors needs fmod=1 (ONNX forbids integer-style mod on floats)",
                dtype_name(dtype));
  set_checked_output(ctx, 0, dtype, broadcast_all_inputs(ctx, 0));
}

// Pow's exponent may have another dtype than its base; the result has the base's dtype.
void infer_pow(InferenceContext& ctx) {
  set_checked_output(ctx, 0, ctx.input_dtype(0), broadcast_all_inputs(ctx, 0));
}

void infer_comparison(InferenceContext& ctx) {
  common_input_dtype(ctx, 0, 2);
  set_checked_output(ctx, 0, DType::Bool, broadcast_all_inputs(ctx, 0));
}

void check_bool_inputs(const InferenceContext& ctx) {
  for (size_t i = 0; i < ctx.input_count(); ++i) {
    const DType d = ctx.input_dtype(i);
    if (d != DType::Undefined && d != DType::Bool)
      model_error("input {} must be bool, got {}", i, dtype_name(d));
  }
}

void infer_logical(InferenceContext& ctx) {
  check_bool_inputs(ctx);
  set_checked_output(ctx, 0, DType::Bool, broadcast_all_inputs(ctx, 0));
}

void infer_where(InferenceContext& ctx) {
  const DType cond = ctx.input_dtype(0);
  if (cond != DType::Undefined && cond != DType::Bool)
    model_error("Where's condition must be bool, got {}", dtype_name(cond));
  const DType dtype = common_input_dtype(ctx, 1, 3);
  set_checked_output(ctx, 0, dtype, broadcast_all_inputs(ctx, 0));
}

void infer_not(InferenceContext& ctx) {
  check_bool_inputs(ctx);
  ctx.set_output(0, DType::Bool, ctx.input_shape(0));
}

void infer_cast(InferenceContext& ctx) {
  const std::string name = ctx.attrs().s("to");
  const DType to = dtype_from_name(name);
  if (to == DType::Undefined || to == DType::String)
    model_error("Cast to '{}' is not supported (expected a numeric or bool dtype name)", name);
  ctx.set_output(0, to, ctx.input_shape(0));
}

void infer_dropout(InferenceContext& ctx) {
  infer_same_as_input(ctx);
  if (ctx.output_count() > 1) ctx.set_output(1, DType::Bool, ctx.input_shape(0));
}

OpSchema binary(const char* op, const char* doc, InferFn infer = infer_broadcast_same_dtype) {
  return {op, doc, 2, 2, 1, 1, {}, infer};
}

OpSchema variadic(const char* op, const char* doc) {
  return {op, doc, 1, kVariadic, 1, 1, {}, infer_broadcast_same_dtype};
}

OpSchema unary(const char* op, const char* doc) {
  return {op, doc, 1, 1, 1, 1, {}, infer_same_as_input};
}

const std::vector<OpSchema> kSchemas = {
    binary("Add", "A + B with numpy broadcasting."),
    binary("Sub", "A - B with numpy broadcasting."),
    binary("Mul", "A * B with numpy broadcasting."),
    binary("Div", "A / B with numpy broadcasting; integer division truncates toward zero."),
    binary("Pow", "A ** B with numpy broadcasting; the result has A's dtype.", infer_pow),
    {"Mod",
     "Remainder with numpy broadcasting: fmod=0 takes the divisor's sign (integers only), "
     "fmod=1 the dividend's (C fmod).",
     2,
     2,
     1,
     1,
     {{"fmod", AttrType::Int, int64_t{0}, "0: Python-style integer mod; 1: C fmod"}},
     infer_mod},
    variadic("Max", "Elementwise maximum of all inputs (numpy broadcasting); NaN propagates."),
    variadic("Min", "Elementwise minimum of all inputs (numpy broadcasting); NaN propagates."),
    variadic("Sum", "Elementwise sum of all inputs (numpy broadcasting)."),
    variadic("Mean", "Elementwise mean of all inputs (numpy broadcasting)."),
    binary("Equal", "A == B as bool, numpy broadcasting.", infer_comparison),
    binary("Less", "A < B as bool, numpy broadcasting.", infer_comparison),
    binary("LessOrEqual", "A <= B as bool, numpy broadcasting.", infer_comparison),
    binary("Greater", "A > B as bool, numpy broadcasting.", infer_comparison),
    binary("GreaterOrEqual", "A >= B as bool, numpy broadcasting.", infer_comparison),
    binary("And", "Logical and of bool tensors, numpy broadcasting.", infer_logical),
    binary("Or", "Logical or of bool tensors, numpy broadcasting.", infer_logical),
    binary("Xor", "Logical xor of bool tensors, numpy broadcasting.", infer_logical),
    {"Not", "Logical not of a bool tensor.", 1, 1, 1, 1, {}, infer_not},
    {"Where",
     "condition ? X : Y with numpy broadcasting of all three inputs.",
     3,
     3,
     1,
     1,
     {},
     infer_where},
    unary("Exp", "e ** x."),
    unary("Log", "Natural logarithm."),
    unary("Sqrt", "Square root."),
    unary("Erf", "Gauss error function."),
    unary("Abs", "Absolute value."),
    unary("Neg", "-x."),
    unary("Floor", "Round toward -inf."),
    unary("Ceil", "Round toward +inf."),
    unary("Round", "Round to nearest, ties to even."),
    unary("Sign", "-1, 0 or 1 by the sign of x (NaN stays NaN)."),
    unary("Reciprocal", "1 / x."),
    unary("Sin", "Sine."),
    unary("Cos", "Cosine."),
    {"Cast",
     "Converts to the dtype named by 'to'. Float to integer truncates toward zero; values "
     "outside the target range are refused.",
     1,
     1,
     1,
     1,
     {{"to", AttrType::String, std::nullopt, "target dtype name, e.g. \"float32\""},
      {"saturate", AttrType::Int, int64_t{1}, "only affects float8 targets, which nnport lacks"}},
     infer_cast},
    unary("Identity", "Passes the input through."),
    {"Dropout",
     "Inference-mode dropout: the identity; the optional mask output is all true. "
     "training_mode=true with a non-zero ratio is refused.",
     1,
     3,
     1,
     2,
     {{"seed", AttrType::Int, int64_t{0}, "random seed (unused in inference)"}},
     infer_dropout},
};

}  // namespace

std::span<const OpSchema> elementwise_schemas() {
  return kSchemas;
}

}  // namespace nnport
