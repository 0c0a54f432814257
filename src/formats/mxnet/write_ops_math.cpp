// Broadcasting binary arithmetic, comparisons and logic, and unary math. A one-element constant
// operand becomes the "scalar" attribute of MXNet's scalar ops; other operands are aligned to the
// output rank, because MXNet 1.x broadcast_* ops broadcast only between equal ranks.
#include "formats/mxnet/write_context.h"

namespace nnport::mxnet {

namespace {

struct BinaryNames {
  std::string_view ir, broadcast, scalar, reversed_scalar;
};
constexpr BinaryNames kBinary[] = {
    {"Add", "broadcast_add", "_plus_scalar", "_plus_scalar"},
    {"Sub", "broadcast_sub", "_minus_scalar", "_rminus_scalar"},
    {"Mul", "broadcast_mul", "_mul_scalar", "_mul_scalar"},
    {"Div", "broadcast_div", "_div_scalar", "_rdiv_scalar"},
    {"Pow", "broadcast_power", "_power_scalar", "_rpower_scalar"},
    {"Max", "broadcast_maximum", "_maximum_scalar", "_maximum_scalar"},
    {"Min", "broadcast_minimum", "_minimum_scalar", "_minimum_scalar"},
    // MXNet's comparisons and logical ops return 0/1 in their operands' dtype (ElemwiseType),
    // which is how this writer holds every IR bool: the ops below read it back as such.
    {"Equal", "broadcast_equal", "_equal_scalar", "_equal_scalar"},
    {"Less", "broadcast_lesser", "_lesser_scalar", "_greater_scalar"},
    {"LessOrEqual", "broadcast_lesser_equal", "_lesser_equal_scalar", "_greater_equal_scalar"},
    {"Greater", "broadcast_greater", "_greater_scalar", "_lesser_scalar"},
    {"GreaterOrEqual", "broadcast_greater_equal", "_greater_equal_scalar", "_lesser_equal_scalar"},
    {"And", "broadcast_logical_and", "", ""},
    {"Or", "broadcast_logical_or", "", ""},
    {"Xor", "broadcast_logical_xor", "", ""},
    {"Mod", "broadcast_mod", "", ""},
};

const BinaryNames& binary_names(std::string_view op) {
  for (const BinaryNames& b : kBinary)
    if (b.ir == op) return b;
  throw std::logic_error("no MXNet names for " + std::string(op));
}

bool is_scalar_constant(const Tensor* t) {
  return t && t->element_count() == 1 && t->rank() <= 1 && t->dtype() == DType::Float32;
}

// Operand i with the output's rank: constants reshaped, computed values expanded at axis 0.
EntryRef aligned_operand(WriteContext& ctx, size_t i) {
  const Shape& out = ctx.output_shape();
  const Shape& in = ctx.input_shape(i);
  if (!out.rank_known || !in.rank_known)
    ctx.fail("broadcasting needs known ranks (MXNet broadcasts only between equal ranks)");
  if (in.rank() == out.rank()) return ctx.input(i);
  const size_t missing = out.rank() - in.rank();
  if (const Tensor* c = ctx.constant(i)) {
    std::vector<int64_t> dims(missing, 1);
    dims.insert(dims.end(), c->dims().begin(), c->dims().end());
    return ctx.add_param(fmt::format("operand{}", i), c->reshaped(dims));
  }
  EntryRef entry = ctx.input(i);
  for (size_t k = 0; k < missing; ++k)
    entry =
        ctx.emit_helper(fmt::format("expand{}_{}", i, k), "expand_dims", {entry}, {{"axis", "0"}});
  return entry;
}

// MXNet's mod takes the divisor's sign, computing fmod in double: the IR's integer Mod
// (fmod=0) for |values| < 2^53. It returns 0 for a 0 divisor where the IR fails, so the
// divisor must be a constant without zeros.
void check_mod(WriteContext& ctx) {
  if (ctx.attrs().i("fmod") != 0) ctx.fail("C fmod (fmod=1) has no MXNet form");
  const DType dtype = ctx.graph().value(ctx.node().inputs[0]).dtype;
  if (dtype != DType::Int32 && dtype != DType::Int64)
    ctx.fail("MXNet's mod is written for int32 / int64 operands only, not {}", dtype_name(dtype));
  const Tensor* divisor = ctx.constant(1);
  if (!divisor) ctx.fail("the divisor must be a constant (MXNet's mod gives 0 for 0)");
  for (float v : divisor->to_float_vector())
    if (v == 0.0f) ctx.fail("the divisor holds a 0 (MXNet's mod gives 0 there)");
}

void emit_binary(WriteContext& ctx) {
  const BinaryNames& names = binary_names(ctx.node().op);
  if (ctx.node().inputs.size() != 2) ctx.fail("MXNet takes exactly two operands here");
  if (ctx.node().op == "Mod") check_mod(ctx);
  for (size_t i = 0; i < 2; ++i)
    if (const Tensor* c = ctx.constant(i); c && c->dtype() == DType::Bool)
      ctx.fail("a stored bool operand (this writer holds bools as 0/1 of the compared dtype)");
  const Shape& out = ctx.output_shape();
  for (size_t i = 0; i < 2 && !names.scalar.empty(); ++i) {
    const size_t other = 1 - i;
    const Tensor* c = ctx.constant(i);
    // The scalar form applies when the other operand alone has the output's shape.
    if (is_scalar_constant(c) && !ctx.constant(other) && ctx.input_shape(other) == out &&
        out.rank_known && out.rank() >= 1) {
      const std::string_view op = i == 1 ? names.scalar : names.reversed_scalar;
      ctx.emit(std::string(op), {ctx.input(other)},
               {{"scalar", float_text(c->to_float_vector()[0])}}, ctx.node().outputs);
      return;
    }
  }
  ctx.emit(std::string(names.broadcast), {aligned_operand(ctx, 0), aligned_operand(ctx, 1)}, {},
           ctx.node().outputs);
}

void emit_sum(WriteContext& ctx) {
  std::vector<EntryRef> inputs;
  for (size_t i = 0; i < ctx.node().inputs.size(); ++i) {
    if (ctx.input_shape(i) != ctx.output_shape()) ctx.fail("add_n needs equal shapes");
    inputs.push_back(ctx.input(i));
  }
  ctx.emit("add_n", inputs, {{"num_args", std::to_string(inputs.size())}}, ctx.node().outputs);
}

struct UnaryNames {
  std::string_view ir, mxnet;
};
constexpr UnaryNames kUnary[] = {
    {"Exp", "exp"},     {"Log", "log"},      {"Sqrt", "sqrt"},
    {"Abs", "abs"},     {"Neg", "negative"}, {"Reciprocal", "reciprocal"},
    {"Floor", "floor"}, {"Ceil", "ceil"},    {"Erf", "erf"},
    {"Sin", "sin"},     {"Cos", "cos"},      {"Not", "logical_not"},
};

void emit_unary(WriteContext& ctx) {
  for (const UnaryNames& u : kUnary)
    if (u.ir == ctx.node().op) {
      ctx.emit(std::string(u.mxnet), {ctx.input(0)}, {}, ctx.node().outputs);
      return;
    }
}

std::vector<OpEmitter> build_table() {
  std::vector<OpEmitter> table;
  for (const BinaryNames& b : kBinary)
    table.push_back({b.ir, emit_binary});
  for (const UnaryNames& u : kUnary)
    table.push_back({u.ir, emit_unary});
  table.push_back({"Sum", emit_sum});
  return table;
}

}  // namespace

std::span<const OpEmitter> math_emitters() {
  static const std::vector<OpEmitter> table = build_table();
  return table;
}

}  // namespace nnport::mxnet
