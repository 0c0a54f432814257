// Tensor ops that select or pad elements by index: Slice, Pad, Gather, GatherElements,
// GatherND.
#include <set>

#include "ir/error.h"
#include "ir/ops/tensor_infer.h"
#include "ir/ops/tensor_parts.h"
#include "ir/ops/tensor_shape_math.h"

namespace nnport {

namespace {

void infer_slice(InferenceContext& ctx) {
  const Shape& x = ctx.input_shape(0);
  const DType dtype = ctx.input_dtype(0);
  if (!x.rank_known) return ctx.set_output(0, dtype, Shape::unknown());
  const int64_t rank = static_cast<int64_t>(x.rank());
  const auto starts = constant_ints(ctx, 1);
  const auto ends = constant_ints(ctx, 2);
  std::optional<std::vector<int64_t>> axes, steps;
  if (ctx.has_input(3)) {
    axes = constant_ints(ctx, 3);
    if (!axes) return ctx.set_output(0, dtype, unknown_dims(rank));
  }
  if (ctx.has_input(4)) steps = constant_ints(ctx, 4);
  if (!starts || !ends || (ctx.has_input(4) && !steps)) {
    // Values known only at run time: the sliced axes lose their size, the others keep it.
    Shape out = x;
    if (!axes) return ctx.set_output(0, dtype, unknown_dims(rank));
    for (int64_t a : normalize_axes(*axes, rank, "Slice axes"))
      out.dims[a] = Dim();
    return ctx.set_output(0, dtype, out);
  }
  const size_t n = starts->size();
  if (ends->size() != n || (axes && axes->size() != n) || (steps && steps->size() != n))
    model_error("Slice starts, ends, axes and steps must have the same length");
  std::vector<int64_t> axis_list;
  if (axes) {
    axis_list = normalize_axes(*axes, rank, "Slice axes");
  } else {
    if (static_cast<int64_t>(n) > rank) model_error("Slice has {} starts for rank {}", n, rank);
    for (size_t i = 0; i < n; ++i)
      axis_list.push_back(static_cast<int64_t>(i));
  }
  Shape out = x;
  for (size_t i = 0; i < n; ++i) {
    const int64_t step = steps ? (*steps)[i] : 1;
    if (step == 0) model_error("Slice step must not be 0");
    Dim& d = out.dims[axis_list[i]];
    if (d.known()) {
      d = Dim(slice_range(d.size, (*starts)[i], (*ends)[i], step).count);
    } else if (!((*starts)[i] == 0 && step == 1 && (*ends)[i] == INT64_MAX)) {
      d = Dim();  // a whole-axis slice keeps even an unknown dim; anything else loses it
    }
  }
  ctx.set_output(0, dtype, out);
}

void check_pad_mode(const std::string& mode) {
  if (mode != "constant" && mode != "reflect" && mode != "edge" && mode != "wrap")
    model_error("Pad mode must be constant, reflect, edge or wrap, got '{}'", mode);
}

void infer_pad(InferenceContext& ctx) {
  const Shape& x = ctx.input_shape(0);
  const DType dtype = ctx.input_dtype(0);
  check_pad_mode(ctx.attrs().s("mode"));
  if (ctx.has_input(2) && ctx.input_dtype(2) != DType::Undefined && dtype != DType::Undefined &&
      ctx.input_dtype(2) != dtype)
    model_error("Pad constant_value is {} but the data is {}", dtype_name(ctx.input_dtype(2)),
                dtype_name(dtype));
  if (!x.rank_known) return ctx.set_output(0, dtype, Shape::unknown());
  const int64_t rank = static_cast<int64_t>(x.rank());
  const auto pads = constant_ints(ctx, 1);
  std::optional<std::vector<int64_t>> axes = std::vector<int64_t>{};
  if (ctx.has_input(3)) axes = constant_ints(ctx, 3);
  if (!pads || !axes) return ctx.set_output(0, dtype, unknown_dims(rank));
  const auto full = expand_pads(*pads, *axes, rank);
  Shape out = x;
  for (int64_t i = 0; i < rank; ++i) {
    const int64_t extra = checked_add(full[i], full[i + rank]);
    Dim& d = out.dims[i];
    if (!d.known()) {
      if (extra != 0) d = Dim();
      continue;
    }
    const int64_t size = checked_add(d.size, extra);
    if (size < 0)
      model_error("Pad of {} and {} on axis {} of size {} leaves a negative size", full[i],
                  full[i + rank], i, d.size);
    d = Dim(size);
  }
  set_checked_output(ctx, 0, dtype, out);
}

void check_index_dtype(const InferenceContext& ctx, size_t i) {
  const DType d = ctx.input_dtype(i);
  if (d != DType::Undefined && d != DType::Int32 && d != DType::Int64)
    model_error("indices must be int32 or int64, got {}", dtype_name(d));
}

void infer_gather(InferenceContext& ctx) {
  check_index_dtype(ctx, 1);
  const Shape& data = ctx.input_shape(0);
  const Shape& indices = ctx.input_shape(1);
  const DType dtype = ctx.input_dtype(0);
  if (!data.rank_known || !indices.rank_known) return ctx.set_output(0, dtype, Shape::unknown());
  const int64_t axis = normalize_axis(ctx.attrs().i("axis"), static_cast<int64_t>(data.rank()));
  std::vector<Dim> dims(data.dims.begin(), data.dims.begin() + axis);
  dims.insert(dims.end(), indices.dims.begin(), indices.dims.end());
  dims.insert(dims.end(), data.dims.begin() + axis + 1, data.dims.end());
  set_checked_output(ctx, 0, dtype, Shape(std::move(dims)));
}

void infer_gather_elements(InferenceContext& ctx) {
  check_index_dtype(ctx, 1);
  const Shape& data = ctx.input_shape(0);
  const Shape& indices = ctx.input_shape(1);
  if (data.rank_known && indices.rank_known) {
    if (data.rank() != indices.rank())
      model_error("GatherElements data {} and indices {} must have the same rank", data.to_string(),
                  indices.to_string());
    normalize_axis(ctx.attrs().i("axis"), static_cast<int64_t>(data.rank()));
  }
  ctx.set_output(0, ctx.input_dtype(0), indices);
}

void infer_gather_nd(InferenceContext& ctx) {
  const DType index_dtype = ctx.input_dtype(1);
  if (index_dtype != DType::Undefined && index_dtype != DType::Int64)
    model_error("GatherND indices must be int64, got {}", dtype_name(index_dtype));
  const Shape& data = ctx.input_shape(0);
  const Shape& indices = ctx.input_shape(1);
  const DType dtype = ctx.input_dtype(0);
  const int64_t batch = ctx.attrs().i("batch_dims");
  if (!data.rank_known || !indices.rank_known || indices.rank() == 0 ||
      !indices.dims.back().known())
    return ctx.set_output(0, dtype, Shape::unknown());
  const int64_t k = indices.dims.back().size;
  const int64_t r = static_cast<int64_t>(data.rank()), q = static_cast<int64_t>(indices.rank());
  if (batch < 0 || batch >= std::min(r, q))
    model_error("GatherND batch_dims {} must be in [0, min(rank(data), rank(indices)))", batch);
  if (k < 1 || k > r - batch)
    model_error("GatherND index tuples of length {} do not fit data {} with batch_dims {}", k,
                data.to_string(), batch);
  std::vector<Dim> dims(indices.dims.begin(), indices.dims.end() - 1);
  dims.insert(dims.end(), data.dims.begin() + batch + k, data.dims.end());
  set_checked_output(ctx, 0, dtype, Shape(std::move(dims)));
}

}  // namespace

std::vector<OpSchema> tensor_index_schemas() {
  return {
      {"Slice",
       "Elements start, start + step, ... short of end on each named axis; negative indices "
       "count from the end; out-of-range bounds are clamped (ONNX rules).",
       3,
       5,
       1,
       1,
       {},
       infer_slice},
      {"Pad",
       "Pads each axis by pads[i] before and pads[i + n] after (negative crops). constant: "
       "constant_value; reflect: mirror without the edge; edge: repeat the edge; wrap: cyclic.",
       2,
       4,
       1,
       1,
       {{"mode", AttrType::String, std::string("constant"), "constant | reflect | edge | wrap"}},
       infer_pad},
      {"Gather",
       "Takes the entries of 'axis' named by the indices (negative counts from the end).",
       2,
       2,
       1,
       1,
       {{"axis", AttrType::Int, int64_t{0}, ""}},
       infer_gather},
      {"GatherElements",
       "out[i...] = data[i... with index[i...] on 'axis'] (torch.gather); indices may be "
       "negative.",
       2,
       2,
       1,
       1,
       {{"axis", AttrType::Int, int64_t{0}, ""}},
       infer_gather_elements},
      {"GatherND",
       "Gathers slices of data addressed by index tuples in the last indices axis.",
       2,
       2,
       1,
       1,
       {{"batch_dims", AttrType::Int, int64_t{0}, "leading axes shared by both"}},
       infer_gather_nd},
  };
}

}  // namespace nnport
