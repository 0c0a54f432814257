// Indexing and selection: Gather (take), GatherND (gather_nd), ArgMax / ArgMin and Where.
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
  ctx.emit("where",
           {broadcast_operand(ctx, 0), broadcast_operand(ctx, 1), broadcast_operand(ctx, 2)}, {},
           ctx.node().outputs);
}

const OpEmitter kEmitters[] = {
    {"Gather", emit_gather},     {"GatherND", emit_gather_nd}, {"ArgMax", emit_arg_reduce},
    {"ArgMin", emit_arg_reduce}, {"Where", emit_where},
};

}  // namespace

std::span<const OpEmitter> index_emitters() {
  return kEmitters;
}

}  // namespace nnport::mxnet
