// Reductions in their opset-18 form (axes as an optional int64 input, keepdims,
// noop_with_empty_axes), ArgMax/ArgMin, and TopK.
#include <set>

#include "ir/error.h"
#include "ir/ops/families.h"
#include "ir/ops/tensor_infer.h"

namespace nnport {

namespace {

void infer_reduce(InferenceContext& ctx) {
  const Shape& x = ctx.input_shape(0);
  const DType dtype = ctx.input_dtype(0);
  const bool keepdims = ctx.attrs().i("keepdims") != 0;
  std::optional<std::vector<int64_t>> axes = std::vector<int64_t>{};
  if (ctx.has_input(1)) axes = constant_ints(ctx, 1);
  if (!axes) {
    // Axes known only at run time: with keepdims the rank survives.
    return ctx.set_output(0, dtype,
                          keepdims && x.rank_known ? unknown_dims(x.rank()) : Shape::unknown());
  }
  if (axes->empty() && ctx.attrs().i("noop_with_empty_axes") != 0)
    return ctx.set_output(0, dtype, x);
  if (!x.rank_known) return ctx.set_output(0, dtype, Shape::unknown());
  const int64_t rank = static_cast<int64_t>(x.rank());
  std::set<int64_t> reduced;
  if (axes->empty()) {
    for (int64_t i = 0; i < rank; ++i)
      reduced.insert(i);
  } else {
    for (int64_t a : normalize_axes(*axes, rank))
      reduced.insert(a);
  }
  std::vector<Dim> dims;
  for (int64_t i = 0; i < rank; ++i) {
    if (!reduced.count(i))
      dims.push_back(x.dims[i]);
    else if (keepdims)
      dims.emplace_back(1);
  }
  ctx.set_output(0, dtype, Shape(std::move(dims)));
}

void infer_arg_reduce(InferenceContext& ctx) {
  const Shape& x = ctx.input_shape(0);
  if (!x.rank_known) return ctx.set_output(0, DType::Int64, Shape::unknown());
  const int64_t rank = static_cast<int64_t>(x.rank());
  const int64_t axis = normalize_axis(ctx.attrs().i("axis"), rank);
  std::vector<Dim> dims;
  for (int64_t i = 0; i < rank; ++i) {
    if (i != axis)
      dims.push_back(x.dims[i]);
    else if (ctx.attrs().i("keepdims") != 0)
      dims.emplace_back(1);
  }
  ctx.set_output(0, DType::Int64, Shape(std::move(dims)));
}

void infer_top_k(InferenceContext& ctx) {
  const Shape& x = ctx.input_shape(0);
  const DType dtype = ctx.input_dtype(0);
  if (!x.rank_known) {
    ctx.set_output(0, dtype, Shape::unknown());
    if (ctx.output_count() > 1) ctx.set_output(1, DType::Int64, Shape::unknown());
    return;
  }
  const int64_t axis = normalize_axis(ctx.attrs().i("axis"), static_cast<int64_t>(x.rank()));
  Shape out = x;
  out.dims[axis] = Dim();
  if (std::optional<std::vector<int64_t>> k = constant_ints(ctx, 1)) {
    if (k->size() != 1) model_error("K must hold one value, got {}", k->size());
    if ((*k)[0] < 0) model_error("K must not be negative, got {}", (*k)[0]);
    if (x.dims[axis].known() && (*k)[0] > x.dims[axis].size)
      model_error("K = {} exceeds the axis size {}", (*k)[0], x.dims[axis].size);
    out.dims[axis] = Dim((*k)[0]);
  }
  ctx.set_output(0, dtype, out);
  if (ctx.output_count() > 1) ctx.set_output(1, DType::Int64, out);
}

OpSchema reduce(const char* op, const char* doc) {
  return {op,
          doc,
          1,
          2,
          1,
          1,
          {{"keepdims", AttrType::Int, int64_t{1}, "keep reduced axes as size 1"},
           {"noop_with_empty_axes", AttrType::Int, int64_t{0},
            "with no axes: 0 reduces every axis, 1 passes the input through"}},
          infer_reduce};
}

OpSchema arg_reduce(const char* op, const char* doc) {
  return {op,
          doc,
          1,
          1,
          1,
          1,
          {{"axis", AttrType::Int, int64_t{0}, "axis searched"},
           {"keepdims", AttrType::Int, int64_t{1}, "keep the axis as size 1"},
           {"select_last_index", AttrType::Int, int64_t{0},
            "on ties, 0 picks the first index, 1 the last"}},
          infer_arg_reduce};
}

const std::vector<OpSchema> kSchemas = {
    reduce("ReduceMean", "Mean over the axes (NaN over an empty set)."),
    reduce("ReduceMax", "Maximum over the axes (-inf over an empty set)."),
    reduce("ReduceMin", "Minimum over the axes (+inf over an empty set)."),
    reduce("ReduceSum", "Sum over the axes."),
    reduce("ReduceProd", "Product over the axes."),
    reduce("ReduceL1", "Sum of |x| over the axes."),
    reduce("ReduceL2", "sqrt(sum of x^2) over the axes."),
    reduce("ReduceSumSquare", "Sum of x^2 over the axes."),
    reduce("ReduceLogSumExp", "log(sum(exp(x))) over the axes."),
    arg_reduce("ArgMax", "Index (int64) of the maximum along one axis."),
    arg_reduce("ArgMin", "Index (int64) of the minimum along one axis."),
    {"TopK",
     "The K largest (or smallest) values along one axis and their int64 indices; input 1 is K "
     "(int64, one value). Equal values keep index order (the lower index first).",
     2,
     2,
     1,
     2,
     {{"axis", AttrType::Int, int64_t{-1}, "axis searched"},
      {"largest", AttrType::Int, int64_t{1}, "1: the largest K, 0: the smallest K"},
      {"sorted", AttrType::Int, int64_t{1},
       "1: values in order (descending when largest); 0: any order (this IR keeps it sorted)"}},
     infer_top_k},
};

}  // namespace

std::span<const OpSchema> reduce_schemas() {
  return kSchemas;
}

}  // namespace nnport
