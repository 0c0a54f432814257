// Elementwise arithmetic with fused activations, activations, softmax, reductions, and
// QUANTIZE / DEQUANTIZE (which are identities in the float domain the converters work in: the
// Dequantize/Quantize pair the importer adds around them does the conversion).
#include "formats/tflite/tflite_importer.h"

namespace nnport::tflite {

namespace {

template <typename Options>
void convert_binary(OpContext& c, const char* op) {
  const auto* o = c.op().builtin_options_as<Options>();
  const auto act = o ? o->fused_activation_function() : tfl::ActivationFunctionType::NONE;
  const std::string y = c.emit_temp(op, {c.input_float(0), c.input_float(1)});
  emit_fused_activation(c, act, y, c.output_float(0));
}

void convert_add(OpContext& c) {
  convert_binary<tfl::AddOptions>(c, "Add");
}
void convert_sub(OpContext& c) {
  convert_binary<tfl::SubOptions>(c, "Sub");
}
void convert_mul(OpContext& c) {
  convert_binary<tfl::MulOptions>(c, "Mul");
}
void convert_div(OpContext& c) {
  convert_binary<tfl::DivOptions>(c, "Div");
}

void convert_maximum(OpContext& c) {
  c.emit("Max", {c.input_float(0), c.input_float(1)}, {c.output_float(0)});
}
void convert_minimum(OpContext& c) {
  c.emit("Min", {c.input_float(0), c.input_float(1)}, {c.output_float(0)});
}

void unary(OpContext& c, const char* op, Attributes attrs = {}) {
  c.emit(op, {c.input_float(0)}, {c.output_float(0)}, std::move(attrs));
}

void convert_relu(OpContext& c) {
  unary(c, "Relu");
}
void convert_relu6(OpContext& c) {
  emit_fused_activation(c, tfl::ActivationFunctionType::RELU6, c.input_float(0), c.output_float(0));
}
void convert_relu_n1_to_1(OpContext& c) {
  emit_fused_activation(c, tfl::ActivationFunctionType::RELU_N1_TO_1, c.input_float(0),
                        c.output_float(0));
}
void convert_logistic(OpContext& c) {
  unary(c, "Sigmoid");
}
void convert_tanh(OpContext& c) {
  unary(c, "Tanh");
}
void convert_hard_swish(OpContext& c) {
  unary(c, "HardSwish");
}
void convert_leaky_relu(OpContext& c) {
  Attributes attrs;
  attrs.set("alpha", c.options<tfl::LeakyReluOptions>().alpha());
  unary(c, "LeakyRelu", std::move(attrs));
}
void convert_identity(OpContext& c) {
  const std::string in = c.input_float(0);
  if (c.graph().value(in).dtype == DType::Float16) {
    Attributes attrs;
    attrs.set("to", std::string("float32"));
    c.emit("Cast", {in}, {c.output_float(0)}, std::move(attrs));
    return;
  }
  c.emit("Identity", {in}, {c.output_float(0)});
}

// int -> int32 requantization (seanet quantize1: int16 -> int32). Through float32 the products
// of int32-sized results lose low bits, so this one is computed from the raw integers in float64:
// round_half_even((q - zp_in) * (scale_in / scale_out)) + zp_out, clamped, as TFLite's
// fixed-point multiplier of the same double ratio does (which rounds ties away from zero).
bool requantize_to_int32(OpContext& c) {
  const std::optional<Quantization> in = c.input_quantization(0);
  const int32_t out_index = c.output_index(0);
  const std::optional<Quantization> out = c.importer().quantization(out_index);
  const std::string& raw_out = c.importer().value_of(out_index);
  if (!in || !out || in->per_axis() || out->per_axis() ||
      c.graph().value(raw_out).dtype != DType::Int32)
    return false;
  auto scalar = [&](double v, const char* suffix) {
    return c.add_constant(Tensor::scalar<double>(v), suffix);
  };
  Attributes to_double;
  to_double.set("to", std::string("float64"));
  const std::string wide = c.emit_temp("Cast", {c.importer().value_of(c.input_index(0))},
                                       std::move(to_double), "as_float64");
  const std::string centered =
      c.emit_temp("Sub", {wide, scalar(static_cast<double>(in->zero_point[0]), "zp_in")});
  const double ratio = static_cast<double>(in->scale[0]) / static_cast<double>(out->scale[0]);
  const std::string scaled = c.emit_temp("Mul", {centered, scalar(ratio, "ratio")});
  const std::string rounded = c.emit_temp("Round", {scaled});
  const std::string shifted =
      c.emit_temp("Add", {rounded, scalar(static_cast<double>(out->zero_point[0]), "zp_out")});
  const std::string clipped = c.emit_temp(
      "Clip", {shifted, scalar(-2147483648.0, "int32_min"), scalar(2147483647.0, "int32_max")});
  Attributes to_int;
  to_int.set("to", std::string("int32"));
  c.emit("Cast", {clipped}, {raw_out}, std::move(to_int));
  return true;
}

void convert_quantize(OpContext& c) {
  if (!requantize_to_int32(c)) convert_identity(c);
}

void convert_softmax(OpContext& c) {
  const float beta = c.options<tfl::SoftmaxOptions>().beta();
  std::string x = c.input_float(0);
  if (beta != 1.0f) x = c.emit_temp("Mul", {x, float_scalar(c, beta, "beta")}, {}, "scaled");
  Attributes attrs;
  attrs.set("axis", int64_t{-1});
  c.emit("Softmax", {x}, {c.output_float(0)}, std::move(attrs));
}

template <int Kind>
void convert_reduce(OpContext& c) {
  static constexpr const char* kOps[] = {"ReduceMean", "ReduceSum", "ReduceMax", "ReduceMin"};
  const bool keep = c.options<tfl::ReducerOptions>().keep_dims();
  Attributes attrs;
  attrs.set("keepdims", int64_t{keep ? 1 : 0});
  c.emit(kOps[Kind], {c.input_float(0), int64_constant(c, c.constant_ints(1, "axes"), "axes")},
         {c.output_float(0)}, std::move(attrs));
}

const std::vector<OpConverter> kConverters = {
    {tfl::BuiltinOperator::ADD, convert_add},
    {tfl::BuiltinOperator::SUB, convert_sub},
    {tfl::BuiltinOperator::MUL, convert_mul},
    {tfl::BuiltinOperator::DIV, convert_div},
    {tfl::BuiltinOperator::MAXIMUM, convert_maximum},
    {tfl::BuiltinOperator::MINIMUM, convert_minimum},
    {tfl::BuiltinOperator::RELU, convert_relu},
    {tfl::BuiltinOperator::RELU6, convert_relu6},
    {tfl::BuiltinOperator::RELU_N1_TO_1, convert_relu_n1_to_1},
    {tfl::BuiltinOperator::LOGISTIC, convert_logistic},
    {tfl::BuiltinOperator::TANH, convert_tanh},
    {tfl::BuiltinOperator::HARD_SWISH, convert_hard_swish},
    {tfl::BuiltinOperator::LEAKY_RELU, convert_leaky_relu},
    {tfl::BuiltinOperator::SOFTMAX, convert_softmax},
    {tfl::BuiltinOperator::QUANTIZE, convert_quantize},
    {tfl::BuiltinOperator::DEQUANTIZE, convert_identity},
    {tfl::BuiltinOperator::MEAN, convert_reduce<0>},
    {tfl::BuiltinOperator::SUM, convert_reduce<1>},
    {tfl::BuiltinOperator::REDUCE_MAX, convert_reduce<2>},
    {tfl::BuiltinOperator::REDUCE_MIN, convert_reduce<3>},
};

}  // namespace

std::span<const OpConverter> math_converters() {
  return kConverters;
}

}  // namespace nnport::tflite
