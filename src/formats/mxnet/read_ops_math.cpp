// Elementwise, broadcast and scalar arithmetic, and unary math. MXNet's elemwise_* ops need
// equal shapes and broadcast_* ops broadcast numpy-style, so both map to the IR's broadcasting
// binary ops. Scalar ops carry their operand as a "scalar" attribute.
#include "formats/mxnet/read_context.h"

namespace nnport::mxnet {

namespace {

struct Binary {
  std::string_view mxnet;
  std::string_view ir;
};
constexpr Binary kBinary[] = {
    {"elemwise_add", "Add"},
    {"_plus", "Add"},
    {"_Plus", "Add"},
    {"_add", "Add"},
    {"broadcast_add", "Add"},
    {"broadcast_plus", "Add"},
    {"elemwise_sub", "Sub"},
    {"_minus", "Sub"},
    {"_Minus", "Sub"},
    {"_sub", "Sub"},
    {"broadcast_sub", "Sub"},
    {"broadcast_minus", "Sub"},
    {"elemwise_mul", "Mul"},
    {"_mul", "Mul"},
    {"_Mul", "Mul"},
    {"broadcast_mul", "Mul"},
    {"elemwise_div", "Div"},
    {"_div", "Div"},
    {"_Div", "Div"},
    {"broadcast_div", "Div"},
    {"_maximum", "Max"},
    {"_Maximum", "Max"},
    {"broadcast_maximum", "Max"},
    {"_minimum", "Min"},
    {"_Minimum", "Min"},
    {"broadcast_minimum", "Min"},
    {"_power", "Pow"},
    {"_Power", "Pow"},
    {"broadcast_power", "Pow"},
};

struct Scalar {
  std::string_view mxnet;
  std::string_view ir;
  bool scalar_first;  // the _r* variants: scalar OP x
};
constexpr Scalar kScalar[] = {
    {"_plus_scalar", "Add", false},    {"_PlusScalar", "Add", false},
    {"_minus_scalar", "Sub", false},   {"_MinusScalar", "Sub", false},
    {"_rminus_scalar", "Sub", true},   {"_RMinusScalar", "Sub", true},
    {"_mul_scalar", "Mul", false},     {"_MulScalar", "Mul", false},
    {"_div_scalar", "Div", false},     {"_DivScalar", "Div", false},
    {"_rdiv_scalar", "Div", true},     {"_RDivScalar", "Div", true},
    {"_power_scalar", "Pow", false},   {"_PowerScalar", "Pow", false},
    {"_rpower_scalar", "Pow", true},   {"_RPowerScalar", "Pow", true},
    {"_maximum_scalar", "Max", false}, {"_MaximumScalar", "Max", false},
    {"_minimum_scalar", "Min", false}, {"_MinimumScalar", "Min", false},
};

struct Unary {
  std::string_view mxnet;
  std::string_view ir;
};
constexpr Unary kUnary[] = {
    {"relu", "Relu"},         {"sigmoid", "Sigmoid"}, {"tanh", "Tanh"},
    {"exp", "Exp"},           {"log", "Log"},         {"sqrt", "Sqrt"},
    {"abs", "Abs"},           {"negative", "Neg"},    {"reciprocal", "Reciprocal"},
    {"floor", "Floor"},       {"ceil", "Ceil"},       {"erf", "Erf"},
    {"softsign", "Softsign"}, {"sin", "Sin"},         {"cos", "Cos"},
};

const std::string_view* find_ir(std::string_view op) {
  for (const Binary& b : kBinary)
    if (b.mxnet == op) return &b.ir;
  for (const Unary& u : kUnary)
    if (u.mxnet == op) return &u.ir;
  return nullptr;
}

void read_binary(ReadContext& ctx) {
  ctx.emit(std::string(*find_ir(ctx.node().op)), {ctx.input(0), ctx.input(1)}, {ctx.output()});
}

void read_unary(ReadContext& ctx) {
  ctx.emit(std::string(*find_ir(ctx.node().op)), {ctx.input(0)}, {ctx.output()});
}

void read_scalar(ReadContext& ctx) {
  const Scalar* entry = nullptr;
  for (const Scalar& s : kScalar)
    if (s.mxnet == ctx.node().op) entry = &s;
  if (!ctx.attrs().has("scalar")) ctx.fail("'scalar' is required");
  const std::string scalar =
      ctx.add_float_scalar("scalar", static_cast<float>(ctx.attrs().number("scalar", 0)));
  const std::string x = ctx.input(0);
  std::vector<std::string> inputs = entry->scalar_first ? std::vector<std::string>{scalar, x}
                                                        : std::vector<std::string>{x, scalar};
  ctx.emit(std::string(entry->ir), inputs, {ctx.output()});
}

void read_square(ReadContext& ctx) {
  const std::string x = ctx.input(0);
  ctx.emit("Mul", {x, x}, {ctx.output()});
}

void read_rsqrt(ReadContext& ctx) {
  const std::string root = ctx.temp("sqrt");
  ctx.emit("Sqrt", {ctx.input(0)}, {root});
  ctx.emit("Reciprocal", {root}, {ctx.output()});
}

void read_add_n(ReadContext& ctx) {
  std::vector<std::string> inputs;
  for (size_t i = 0; i < ctx.input_count(); ++i)
    inputs.push_back(ctx.input(i));
  ctx.emit("Sum", inputs, {ctx.output()});
}

std::vector<OpReader> build_table() {
  std::vector<OpReader> table;
  for (const Binary& b : kBinary)
    table.push_back({b.mxnet, read_binary});
  for (const Scalar& s : kScalar)
    table.push_back({s.mxnet, read_scalar});
  for (const Unary& u : kUnary)
    table.push_back({u.mxnet, read_unary});
  table.push_back({"square", read_square});
  table.push_back({"rsqrt", read_rsqrt});
  table.push_back({"add_n", read_add_n});
  table.push_back({"ElementWiseSum", read_add_n});
  return table;
}

}  // namespace

std::span<const OpReader> math_readers() {
  static const std::vector<OpReader> table = build_table();
  return table;
}

}  // namespace nnport::mxnet
