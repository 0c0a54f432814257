// Indexing, selection, comparisons and logic: take, gather_nd, argmax / argmin, where,
// broadcast_* comparisons and their _*_scalar forms, logical ops, broadcast_mod. MXNet 1.9's
// comparison and logical ops, argmax and argmin return their result in the input's dtype (0/1
// for truth values), so each becomes the IR op followed by a Cast back to that dtype; where
// reads its condition as "!= 0".
#include "formats/mxnet/read_context.h"

namespace nnport::mxnet {

namespace {

Attributes cast_to(DType dtype) {
  Attributes attrs;
  attrs.set("to", std::string(dtype_name(dtype)));
  return attrs;
}

// A scalar of `dtype` with MXNet's conversion of the double "scalar" attribute.
std::string typed_scalar(ReadContext& ctx, std::string_view suffix, double value, DType dtype) {
  const std::string f = ctx.add_float_scalar(suffix, static_cast<float>(value));
  if (dtype == DType::Float32) return f;
  const std::string t = ctx.temp(std::string(suffix) + "_typed");
  ctx.emit("Cast", {f}, {t}, cast_to(dtype));
  return t;
}

// The IR bool result of `op`, cast back to the operands' dtype as MXNet returns it.
void emit_truth(ReadContext& ctx, const std::string& op, std::vector<std::string> inputs,
                DType dtype) {
  const std::string truth = ctx.temp("truth");
  ctx.emit(op, std::move(inputs), {truth});
  ctx.emit("Cast", {truth}, {ctx.output()}, cast_to(dtype));
}

// A value read as a truth value (nonzero is true).
std::string as_bool(ReadContext& ctx, size_t i, std::string_view suffix) {
  const std::string b = ctx.temp(suffix);
  ctx.emit("Cast", {ctx.input(i)}, {b}, cast_to(DType::Bool));
  return b;
}

struct Comparison {
  std::string_view mxnet, ir;
  bool scalar;  // the _*_scalar form: x OP attribute "scalar"
};
constexpr Comparison kComparisons[] = {
    {"broadcast_equal", "Equal", false},
    {"broadcast_lesser", "Less", false},
    {"broadcast_lesser_equal", "LessOrEqual", false},
    {"broadcast_greater", "Greater", false},
    {"broadcast_greater_equal", "GreaterOrEqual", false},
    {"_equal_scalar", "Equal", true},
    {"_lesser_scalar", "Less", true},
    {"_lesser_equal_scalar", "LessOrEqual", true},
    {"_greater_scalar", "Greater", true},
    {"_greater_equal_scalar", "GreaterOrEqual", true},
    {"broadcast_not_equal", "Equal", false},
    {"_not_equal_scalar", "Equal", true},
};

void read_comparison(ReadContext& ctx) {
  const Comparison* c = nullptr;
  for (const Comparison& k : kComparisons)
    if (k.mxnet == ctx.node().op) c = &k;
  const DType dtype = ctx.input_dtype(0);
  std::string rhs;
  if (c->scalar) {
    if (!ctx.attrs().has("scalar")) ctx.fail("'scalar' is required");
    rhs = typed_scalar(ctx, "scalar", ctx.attrs().number("scalar", 0), dtype);
  } else {
    rhs = ctx.input(1);
  }
  const bool negate = ctx.node().op.find("not_equal") != std::string::npos;
  if (!negate) return emit_truth(ctx, std::string(c->ir), {ctx.input(0), rhs}, dtype);
  const std::string equal = ctx.temp("equal");
  ctx.emit("Equal", {ctx.input(0), rhs}, {equal});
  emit_truth(ctx, "Not", {equal}, dtype);
}

void read_logical(ReadContext& ctx) {
  static const std::map<std::string, std::string> kOps = {
      {"broadcast_logical_and", "And"},
      {"broadcast_logical_or", "Or"},
      {"broadcast_logical_xor", "Xor"},
  };
  const DType dtype = ctx.input_dtype(0);
  emit_truth(ctx, kOps.at(ctx.node().op), {as_bool(ctx, 0, "lhs"), as_bool(ctx, 1, "rhs")}, dtype);
}

void read_logical_not(ReadContext& ctx) {
  const DType dtype = ctx.input_dtype(0);
  emit_truth(ctx, "Not", {as_bool(ctx, 0, "x")}, dtype);
}

// mod takes the divisor's sign: the IR's integer Mod, except that MXNet gives 0 for a 0
// divisor (refused unless the divisor is a stored constant without zeros).
void read_mod(ReadContext& ctx) {
  const DType dtype = ctx.input_dtype(0);
  if (dtype != DType::Int32 && dtype != DType::Int64)
    ctx.fail("mod of {} is not supported (int32 and int64 are)", dtype_name(dtype));
  const Tensor* divisor = ctx.input_constant(1);
  if (!divisor) ctx.fail("a computed divisor is not supported (MXNet gives 0 for 0)");
  for (float v : divisor->to_float_vector())
    if (v == 0.0f) ctx.fail("the divisor holds a 0 (MXNet gives 0 there)");
  Attributes attrs;
  attrs.set("fmod", int64_t{0});
  ctx.emit("Mod", {ctx.input(0), ctx.input(1)}, {ctx.output()}, attrs);
}

// Indices of a float dtype are truncated to integers, as MXNet's static_cast does.
std::string integer_indices(ReadContext& ctx, size_t i) {
  const DType dtype = ctx.input_dtype(i);
  if (dtype == DType::Int32 || dtype == DType::Int64) return ctx.input(i);
  const std::string t = ctx.temp("indices");
  ctx.emit("Cast", {ctx.input(i)}, {t}, cast_to(DType::Int64));
  return t;
}

// take: mode 'wrap' maps i to i mod n (Python-style), 'clip' clamps to [0, n - 1], 'raise'
// rejects indices outside [0, n).
void read_take(ReadContext& ctx) {
  const AttrText a = ctx.attrs();
  const Shape& data = ctx.input_shape(0);
  const int64_t rank = static_cast<int64_t>(ctx.input_rank(0, "take"));
  int64_t axis = a.integer("axis", 0);
  if (axis < -rank || axis >= rank) ctx.fail("axis {} is out of range for rank {}", axis, rank);
  if (axis < 0) axis += rank;
  const std::string mode = a.str("mode", "clip");
  std::string indices = integer_indices(ctx, 1);
  if (mode == "wrap" || mode == "clip") {
    if (!data.dims[axis].known()) ctx.fail("mode '{}' needs the size of axis {}", mode, axis);
    const int64_t n = data.dims[axis].size;
    const DType dtype = ctx.graph().value(indices).dtype;
    auto bound = [&](std::string_view suffix, int64_t v) {
      return ctx.add_constant(suffix, dtype == DType::Int32
                                          ? Tensor::scalar<int32_t>(static_cast<int32_t>(v))
                                          : Tensor::scalar<int64_t>(v));
    };
    const std::string fixed = ctx.temp("index_" + mode);
    if (mode == "wrap") {
      Attributes attrs;
      attrs.set("fmod", int64_t{0});
      ctx.emit("Mod", {indices, bound("size", n)}, {fixed}, attrs);
    } else {
      ctx.emit("Clip", {indices, bound("low", 0), bound("high", n - 1)}, {fixed});
    }
    indices = fixed;
  } else if (mode != "raise") {
    ctx.fail("mode '{}' is not valid", mode);
  }
  Attributes attrs;
  attrs.set("axis", axis);
  ctx.emit("Gather", {ctx.input(0), indices}, {ctx.output()}, attrs);
}

// gather_nd's index tuples run along the first indices axis; the IR's along the last.
void read_gather_nd(ReadContext& ctx) {
  const size_t rank = ctx.input_rank(1, "gather_nd");
  std::string indices = integer_indices(ctx, 1);
  if (rank > 1) {
    std::vector<int64_t> perm;
    for (size_t i = 1; i < rank; ++i)
      perm.push_back(static_cast<int64_t>(i));
    perm.push_back(0);
    Attributes attrs;
    attrs.set("perm", perm);
    const std::string moved = ctx.temp("tuples_last");
    ctx.emit("Transpose", {indices}, {moved}, attrs);
    indices = moved;
  }
  ctx.emit("GatherND", {ctx.input(0), indices}, {ctx.output()});
}

void read_arg_reduce(ReadContext& ctx) {
  const AttrText a = ctx.attrs();
  if (!a.has("axis")) ctx.fail("a global arg-reduction (no axis) is not supported");
  const DType dtype = ctx.input_dtype(0);
  Attributes attrs;
  attrs.set("axis", a.integer("axis", 0));
  attrs.set("keepdims", int64_t{a.boolean("keepdims", false) ? 1 : 0});
  const std::string index = ctx.temp("index");
  ctx.emit(ctx.node().op == "argmax" ? "ArgMax" : "ArgMin", {ctx.input(0)}, {index}, attrs);
  ctx.emit("Cast", {index}, {ctx.output()}, cast_to(dtype));
}

// where(condition, x, y): x and y of one shape, the condition of that shape or a vector over
// the first axis.
void read_where(ReadContext& ctx) {
  const Shape& cond = ctx.input_shape(0);
  const Shape& x = ctx.input_shape(1);
  std::string condition = as_bool(ctx, 0, "condition");
  if (cond.rank_known && x.rank_known && cond.rank() == 1 && x.rank() > 1) {
    std::vector<int64_t> axes;
    for (size_t i = 1; i < x.rank(); ++i)
      axes.push_back(static_cast<int64_t>(i));
    const std::string rows = ctx.temp("rows");
    ctx.emit("Unsqueeze", {condition, ctx.add_ints("axes", axes)}, {rows});
    condition = rows;
  }
  ctx.emit("Where", {condition, ctx.input(1), ctx.input(2)}, {ctx.output()});
}

std::vector<OpReader> build_table() {
  std::vector<OpReader> table;
  for (const Comparison& c : kComparisons)
    table.push_back({c.mxnet, read_comparison});
  table.push_back({"broadcast_logical_and", read_logical});
  table.push_back({"broadcast_logical_or", read_logical});
  table.push_back({"broadcast_logical_xor", read_logical});
  table.push_back({"logical_not", read_logical_not});
  table.push_back({"broadcast_mod", read_mod});
  table.push_back({"take", read_take});
  table.push_back({"gather_nd", read_gather_nd});
  table.push_back({"argmax", read_arg_reduce});
  table.push_back({"argmin", read_arg_reduce});
  table.push_back({"where", read_where});
  return table;
}

}  // namespace

std::span<const OpReader> index_readers() {
  static const std::vector<OpReader> table = build_table();
  return table;
}

}  // namespace nnport::mxnet
