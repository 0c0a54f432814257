// Indexing and selection: Gather (take), GatherND (gather_nd), ArgMax / ArgMin, Where and TopK.
// MXNet 1.9 semantics these rely on (src/operator/tensor/indexing_op.h, broadcast_reduce_op*.h,
// control_flow_op.h):
//   take, mode 'wrap': index i -> i mod n, Python-style, so every valid IR index (-n <= i < n)
//     picks the same entry;
//   gather_nd: the index tuples run along the FIRST indices axis (the IR's run along the last),
//     each index taken as (i + n) mod n, out-of-range indices raise an error;
//   argmax / argmin: the first occurrence, returned in the input's dtype;
//   where: the condition is "!= 0", with x and y of one shape and the condition of that shape.
#include <limits>

#include "formats/mxnet/write_context.h"

namespace nnport::mxnet {

namespace {

int64_t normalized_axis(WriteContext& ctx, int64_t axis, const Shape& shape) {
  if (!shape.rank_known) ctx.fail("the input rank is unknown");
  const int64_t rank = static_cast<int64_t>(shape.rank());
  if (axis < -rank || axis >= rank) ctx.fail("axis {} is out of range for rank {}", axis, rank);
  return axis < 0 ? axis + rank : axis;
}

bool is_index_dtype(DType d) {
  return d == DType::Int32 || d == DType::Int64;
}

void emit_gather(WriteContext& ctx) {
  const int64_t axis = normalized_axis(ctx, ctx.attrs().i("axis"), ctx.input_shape(0));
  const DType index_dtype = ctx.graph().value(ctx.node().inputs[1]).dtype;
  if (!is_index_dtype(index_dtype)) ctx.fail("indices of dtype {}", dtype_name(index_dtype));
  ctx.emit("take", {ctx.input(0), ctx.input(1)}, {{"axis", std::to_string(axis)}, {"mode", "wrap"}},
           ctx.node().outputs);
}

// [..., M] index tuples -> [M, ...]: a stored transposed copy for constants, else transpose.
void emit_gather_nd(WriteContext& ctx) {
  if (ctx.attrs().i("batch_dims") != 0) ctx.fail("batch_dims > 0 has no MXNet form");
  const Shape& indices = ctx.input_shape(1);
  const DType index_dtype = ctx.graph().value(ctx.node().inputs[1]).dtype;
  if (!is_index_dtype(index_dtype)) ctx.fail("indices of dtype {}", dtype_name(index_dtype));
  if (!indices.rank_known || indices.rank() < 1) ctx.fail("the indices rank is unknown");
  const Shape& data = ctx.input_shape(0);
  const size_t rank = indices.rank();
  if (!indices.dims[rank - 1].known()) ctx.fail("the index tuple length is unknown");
  if (data.rank_known && data.rank() > 10)
    ctx.fail("MXNet's gather_nd takes data of rank 10 at most");
  EntryRef moved = ctx.input(1);
  if (rank > 1) {
    std::vector<int64_t> perm = {static_cast<int64_t>(rank - 1)};
    for (size_t i = 0; i + 1 < rank; ++i)
      perm.push_back(static_cast<int64_t>(i));
    moved = ctx.emit_helper("indices", "transpose", {moved}, {{"axes", tuple_text(perm)}});
  }
  ctx.emit("gather_nd", {ctx.input(0), moved}, {}, ctx.node().outputs);
}

// The index comes back in the input's dtype, then becomes int64: exact while every index is
// representable there (float32: axes up to 2^24).
void emit_arg_reduce(WriteContext& ctx) {
  if (ctx.attrs().i("select_last_index") != 0)
    ctx.fail("MXNet returns the first of equal values; select_last_index=1 has no MXNet form");
  const Shape& in = ctx.input_shape(0);
  const int64_t axis = normalized_axis(ctx, ctx.attrs().i("axis"), in);
  const DType dtype = ctx.graph().value(ctx.node().inputs[0]).dtype;
  int64_t limit = 0;
  if (dtype == DType::Float32) limit = int64_t{1} << 24;
  if (dtype == DType::Float64) limit = int64_t{1} << 53;
  if (dtype == DType::Int32) limit = std::numeric_limits<int32_t>::max();
  if (dtype == DType::Int64) limit = std::numeric_limits<int64_t>::max();
  if (!limit) ctx.fail("MXNet returns the index in the input's dtype {}", dtype_name(dtype));
  if (!in.dims[axis].known() || in.dims[axis].size > limit)
    ctx.fail("the indices of axis {} may not fit the input's dtype {}", axis, dtype_name(dtype));
  const EntryRef index = ctx.emit_helper(
      "index", ctx.node().op == "ArgMax" ? "argmax" : "argmin", {ctx.input(0)},
      {{"axis", std::to_string(axis)}, {"keepdims", bool_text(ctx.attrs().i("keepdims") != 0)}});
  ctx.emit("Cast", {index}, {{"dtype", "int64"}}, ctx.node().outputs);
}

// Operand i broadcast to the output's shape (MXNet's where does not broadcast).
EntryRef broadcast_operand(WriteContext& ctx, size_t i) {
  const Shape& out = ctx.output_shape();
  const Shape& in = ctx.input_shape(i);
  if (!out.fully_known() || !in.rank_known) ctx.fail("Where needs known shapes");
  if (in == out) return ctx.input(i);
  const std::vector<int64_t> dims = out.sizes();
  EntryRef entry = ctx.input(i);
  if (const Tensor* c = ctx.constant(i)) {
    std::vector<int64_t> aligned(out.rank() - c->rank(), 1);
    aligned.insert(aligned.end(), c->dims().begin(), c->dims().end());
    entry = ctx.add_param(fmt::format("operand{}", i), c->reshaped(aligned));
  } else {
    for (size_t k = in.rank(); k < out.rank(); ++k)
      entry = ctx.emit_helper(fmt::format("expand{}_{}", i, k), "expand_dims", {entry},
                              {{"axis", "0"}});
  }
  return ctx.emit_helper(fmt::format("broadcast{}", i), "broadcast_to", {entry},
                         {{"shape", tuple_text(dims)}});
}

void emit_where(WriteContext& ctx) {
  if (const Tensor* c = ctx.constant(0); c && c->dtype() == DType::Bool)
    ctx.fail("a stored bool condition (this writer holds bools as 0/1 of the compared dtype)");
  ctx.emit("where",
           {broadcast_operand(ctx, 0), broadcast_operand(ctx, 1), broadcast_operand(ctx, 2)}, {},
           ctx.node().outputs);
}

// MXNet's topk sorts with std::sort / std::partial_sort on CPU, so equal values come out in
// no specified order, where the IR (like TF) puts the lower index first. TopK is emulated
// instead, one round per k: the largest value not yet taken (max), then the first position
// holding it among those not taken (argmax of a 0/1 mask: MXNet's argmax returns the first
// maximum), which is then marked taken. Taken positions read as -inf for the next max and are
// masked out of its ties, so -inf inputs and ties keep the IR's order too. NaN inputs compare
// unequal to everything and are not covered.
void emit_top_k(WriteContext& ctx) {
  const AttrReader a = ctx.attrs();
  if (a.i("largest") != 1) ctx.fail("only the largest K are emulated for MXNet");
  const Shape& in = ctx.input_shape(0);
  if (!in.fully_known()) ctx.fail("TopK needs a known input shape");
  const int64_t axis = normalized_axis(ctx, a.i("axis"), in);
  if (axis + 1 != static_cast<int64_t>(in.rank())) ctx.fail("only the last axis is emulated");
  if (ctx.graph().value(ctx.node().inputs[0]).dtype != DType::Float32)
    ctx.fail("only float32 input is emulated");
  const int64_t n = in.dims[axis].size;
  if (n > (int64_t{1} << 24)) ctx.fail("axis size {} exceeds float32's exact indices", n);
  const std::vector<int64_t> kv = ctx.constant_ints(1, "K");
  if (kv.size() != 1 || kv[0] < 1 || kv[0] > n) ctx.fail("K must be one value in 1..{}", n);
  constexpr int64_t kMaxRounds = 1024;  // each round is about 8 MXNet nodes
  if (kv[0] > kMaxRounds) ctx.fail("K {} is beyond the emulation's {} rounds", kv[0], kMaxRounds);
  const int64_t k = kv[0];
  std::vector<int64_t> row(in.rank(), 1);
  row.back() = n;
  Tensor positions(DType::Float32, row);
  float* p = positions.mutable_values<float>().data();
  for (int64_t i = 0; i < n; ++i)
    p[i] = static_cast<float>(i);
  Tensor lowest(DType::Float32, in.sizes());
  for (float& v : lowest.mutable_values<float>())
    v = -std::numeric_limits<float>::infinity();
  const EntryRef position_entry = ctx.add_param("positions", positions);
  const EntryRef lowest_entry = ctx.add_param("lowest", lowest);
  const AttrMap along = {{"axis", std::to_string(axis)}, {"keepdims", "True"}};
  std::vector<EntryRef> values, indices;
  EntryRef taken;
  for (int64_t j = 0; j < k; ++j) {
    auto helper = [&](std::string_view what, std::string op, std::vector<EntryRef> inputs,
                      AttrMap attrs = {}) {
      return ctx.emit_helper(fmt::format("{}{}", what, j), std::move(op), std::move(inputs),
                             std::move(attrs));
    };
    const EntryRef key =
        j == 0 ? ctx.input(0) : helper("key", "where", {taken, lowest_entry, ctx.input(0)});
    const EntryRef best = helper("best", "max", {key}, along);
    EntryRef ties = helper("ties", "broadcast_equal", {key, best});
    if (j > 0)
      ties = helper("free", "broadcast_logical_and",
                    {ties, helper("untaken", "logical_not", {taken})});
    const EntryRef index = helper("index", "argmax", {ties}, along);
    values.push_back(best);
    indices.push_back(index);
    if (j + 1 < k) {
      const EntryRef hit = helper("hit", "broadcast_equal", {position_entry, index});
      taken = j == 0 ? hit : helper("taken", "broadcast_logical_or", {taken, hit});
    }
  }
  const AttrMap concat = {{"dim", std::to_string(axis)}, {"num_args", std::to_string(k)}};
  ctx.emit("Concat", values, concat, {ctx.node().outputs[0]});
  if (ctx.node().outputs.size() > 1 && !ctx.node().outputs[1].empty()) {
    const EntryRef all = ctx.emit_helper("indices", "Concat", indices, concat);
    ctx.bind(ctx.node().outputs[1],
             ctx.emit_helper("indices_int64", "Cast", {all}, {{"dtype", "int64"}}));
  }
}

const OpEmitter kEmitters[] = {
    {"Gather", emit_gather},     {"GatherND", emit_gather_nd}, {"ArgMax", emit_arg_reduce},
    {"ArgMin", emit_arg_reduce}, {"Where", emit_where},        {"TopK", emit_top_k},
};

}  // namespace

std::span<const OpEmitter> index_emitters() {
  return kEmitters;
}

}  // namespace nnport::mxnet
