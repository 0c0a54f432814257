#include "ir/ops/tensor_infer.h"

#include <set>

#include "ir/error.h"

namespace nnport {

int64_t normalize_axis(int64_t axis, int64_t rank, const char* what) {
  if (axis < -rank || axis >= rank)
    model_error("{} {} is out of range for rank {} (allowed [{}, {}])", what, axis, rank, -rank,
                rank - 1);
  return axis < 0 ? axis + rank : axis;
}

std::vector<int64_t> normalize_axes(const std::vector<int64_t>& axes, int64_t rank,
                                    const char* what) {
  std::vector<int64_t> out;
  std::set<int64_t> seen;
  for (int64_t a : axes) {
    const int64_t n = normalize_axis(a, rank, what);
    if (!seen.insert(n).second) model_error("{} names axis {} twice", what, n);
    out.push_back(n);
  }
  return out;
}

Shape broadcast_shapes(const Shape& a, const Shape& b) {
  if (!a.rank_known || !b.rank_known) return Shape::unknown();
  const size_t rank = std::max(a.rank(), b.rank());
  std::vector<Dim> dims(rank);
  for (size_t i = 0; i < rank; ++i) {
    // Right-aligned: a missing leading dim behaves as 1.
    const Dim da = i + a.rank() >= rank ? a.dims[i + a.rank() - rank] : Dim(1);
    const Dim db = i + b.rank() >= rank ? b.dims[i + b.rank() - rank] : Dim(1);
    if (da.known() && db.known()) {
      if (da.size != db.size && da.size != 1 && db.size != 1)
        model_error("shapes {} and {} cannot be broadcast (dim {}: {} vs {})", a.to_string(),
                    b.to_string(), i, da.size, db.size);
      dims[i] = Dim(da.size == 1 ? db.size : da.size);
    } else if (da.known()) {
      dims[i] = da.size == 1 ? db : da;
    } else if (db.known()) {
      dims[i] = db.size == 1 ? da : db;
    } else {
      dims[i] = (!da.symbol.empty() && da.symbol == db.symbol) ? da : Dim();
    }
  }
  return Shape(std::move(dims));
}

void set_checked_output(InferenceContext& ctx, size_t i, DType dtype, Shape shape) {
  int64_t count = 1;
  for (const Dim& d : shape.dims) {
    if (!d.known()) continue;
    count = checked_mul(count, d.size);
  }
  ctx.set_output(i, dtype, std::move(shape));
}

std::optional<std::vector<int64_t>> constant_ints(const InferenceContext& ctx, size_t i) {
  const Tensor* t = ctx.input_constant(i);
  if (!t) return std::nullopt;
  if (!dtype_is_integer(t->dtype()))
    model_error("input {} must be an integer tensor, got {}", i, dtype_name(t->dtype()));
  return t->to_int64_vector();
}

DType common_input_dtype(const InferenceContext& ctx, size_t first, size_t end) {
  DType dtype = DType::Undefined;
  for (size_t i = first; i < end && i < ctx.input_count(); ++i) {
    const DType d = ctx.input_dtype(i);
    if (d == DType::Undefined) continue;
    if (dtype != DType::Undefined && d != dtype)
      model_error("inputs must share one dtype, got {} and {}", dtype_name(dtype), dtype_name(d));
    dtype = d;
  }
  return dtype;
}

void infer_same_as_input(InferenceContext& ctx) {
  ctx.set_output(0, ctx.input_dtype(0), ctx.input_shape(0));
}

Shape unknown_dims(int64_t rank) {
  if (rank < 0) return Shape::unknown();
  return Shape(std::vector<Dim>(static_cast<size_t>(rank)));
}

}  // namespace nnport
