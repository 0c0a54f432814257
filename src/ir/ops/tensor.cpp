// Tensor-manipulation ops that rearrange or create whole tensors: Concat, Split, Reshape,
// Flatten, Transpose, Squeeze, Unsqueeze, Shape, Size, Constant, ConstantOfShape, Expand, Tile,
// Range, DepthToSpace, SpaceToDepth. Shape inference is exact wherever the inputs allow: the
// TF reader's Shape -> Gather/Slice -> Concat -> Reshape chains fold only if it is.
#include <algorithm>
#include <cmath>
#include <limits>
#include <set>

#include "ir/error.h"
#include "ir/ops/families.h"
#include "ir/ops/tensor_infer.h"
#include "ir/ops/tensor_parts.h"
#include "ir/ops/tensor_shape_math.h"

namespace nnport {

namespace {

constexpr int kVariadic = std::numeric_limits<int>::max();
constexpr int64_t kUnset = std::numeric_limits<int64_t>::max();

void infer_concat(InferenceContext& ctx) {
  const DType dtype = common_input_dtype(ctx, 0, ctx.input_count());
  int64_t rank = -1;
  for (size_t i = 0; i < ctx.input_count(); ++i) {
    const Shape& s = ctx.input_shape(i);
    if (!s.rank_known) continue;
    if (rank >= 0 && static_cast<int64_t>(s.rank()) != rank)
      model_error("Concat inputs have ranks {} and {}", rank, s.rank());
    rank = static_cast<int64_t>(s.rank());
  }
  if (rank < 0) return ctx.set_output(0, dtype, Shape::unknown());
  const int64_t axis = normalize_axis(ctx.attrs().i("axis"), rank);
  std::vector<Dim> dims(static_cast<size_t>(rank));
  dims[axis] = Dim(0);
  bool seen_known_rank = false;
  for (size_t i = 0; i < ctx.input_count(); ++i) {
    const Shape& s = ctx.input_shape(i);
    if (!s.rank_known) {
      dims[axis] = Dim();
      continue;
    }
    const bool first = !seen_known_rank;
    seen_known_rank = true;
    for (int64_t d = 0; d < rank; ++d) {
      const Dim& in = s.dims[d];
      if (d == axis) {
        dims[d] = dims[d].known() && in.known() ? Dim(checked_add(dims[d].size, in.size)) : Dim();
        continue;
      }
      if (first || (!dims[d].known() && in.known())) {
        dims[d] = in;
      } else if (dims[d].known() && in.known() && dims[d].size != in.size) {
        model_error("Concat inputs disagree on dim {}: {} vs {}", d, dims[d].size, in.size);
      }
    }
  }
  set_checked_output(ctx, 0, dtype, Shape(std::move(dims)));
}

void infer_split(InferenceContext& ctx) {
  const Shape& x = ctx.input_shape(0);
  const DType dtype = ctx.input_dtype(0);
  const int64_t outputs = static_cast<int64_t>(ctx.output_count());
  if (!x.rank_known) {
    for (int64_t i = 0; i < outputs; ++i)
      ctx.set_output(i, dtype, Shape::unknown());
    return;
  }
  const int64_t axis = normalize_axis(ctx.attrs().i("axis"), static_cast<int64_t>(x.rank()));
  const Dim& dim = x.dims[axis];
  const int64_t num_outputs = ctx.attrs().i("num_outputs");
  std::optional<std::vector<int64_t>> split;
  if (ctx.has_input(1)) {
    if (num_outputs != 0) model_error("Split has both a split input and num_outputs");
    split = constant_ints(ctx, 1);
  }
  std::vector<Dim> sizes(static_cast<size_t>(outputs));
  if (split || (!ctx.has_input(1) && dim.known())) {
    const auto known =
        split_sizes(dim.known() ? dim.size : -1, split ? &*split : nullptr, num_outputs, outputs);
    for (int64_t i = 0; i < outputs; ++i)
      sizes[i] = Dim(known[i]);
  }
  for (int64_t i = 0; i < outputs; ++i) {
    Shape out = x;
    out.dims[axis] = sizes[i];
    ctx.set_output(i, dtype, out);
  }
}

void infer_reshape(InferenceContext& ctx) {
  const DType dtype = ctx.input_dtype(0);
  const bool allowzero = ctx.attrs().i("allowzero") != 0;
  if (auto target = constant_ints(ctx, 1))
    return set_checked_output(ctx, 0, dtype,
                              reshape_output(ctx.input_shape(0), *target, allowzero));
  // The target's length alone gives the rank.
  const Shape& target_shape = ctx.input_shape(1);
  if (target_shape.rank_known && target_shape.rank() == 1 && target_shape.dims[0].known())
    return ctx.set_output(0, dtype, unknown_dims(target_shape.dims[0].size));
  ctx.set_output(0, dtype, Shape::unknown());
}

// Product of dims [begin, end), unknown if any of them is.
Dim dims_product(const Shape& s, size_t begin, size_t end) {
  int64_t product = 1;
  for (size_t i = begin; i < end; ++i) {
    if (!s.dims[i].known()) return Dim();
    product = checked_mul(product, s.dims[i].size);
  }
  return Dim(product);
}

void infer_flatten(InferenceContext& ctx) {
  const Shape& x = ctx.input_shape(0);
  if (!x.rank_known) return ctx.set_output(0, ctx.input_dtype(0), unknown_dims(2));
  const int64_t rank = static_cast<int64_t>(x.rank());
  int64_t axis = ctx.attrs().i("axis");
  if (axis < -rank || axis > rank)
    model_error("Flatten axis {} is out of range for rank {} (allowed [{}, {}])", axis, rank, -rank,
                rank);
  if (axis < 0) axis += rank;
  ctx.set_output(0, ctx.input_dtype(0),
                 Shape({dims_product(x, 0, axis), dims_product(x, axis, x.rank())}));
}

std::vector<int64_t> transpose_perm(const AttrReader& attrs, int64_t rank) {
  std::vector<int64_t> perm = attrs.ints("perm");
  if (perm.empty()) {
    for (int64_t i = rank - 1; i >= 0; --i)
      perm.push_back(i);
    return perm;
  }
  if (static_cast<int64_t>(perm.size()) != rank)
    model_error("Transpose perm has {} entries for rank {}", perm.size(), rank);
  return normalize_axes(perm, rank, "Transpose perm");
}

void infer_transpose(InferenceContext& ctx) {
  const Shape& x = ctx.input_shape(0);
  if (!x.rank_known) return ctx.set_output(0, ctx.input_dtype(0), Shape::unknown());
  const auto perm = transpose_perm(ctx.attrs(), static_cast<int64_t>(x.rank()));
  std::vector<Dim> dims;
  for (int64_t p : perm)
    dims.push_back(x.dims[p]);
  ctx.set_output(0, ctx.input_dtype(0), Shape(std::move(dims)));
}

void infer_squeeze(InferenceContext& ctx) {
  const Shape& x = ctx.input_shape(0);
  const DType dtype = ctx.input_dtype(0);
  std::optional<std::vector<int64_t>> axes = std::vector<int64_t>{};
  if (ctx.has_input(1)) axes = constant_ints(ctx, 1);
  if (!x.rank_known || !axes) return ctx.set_output(0, dtype, Shape::unknown());
  const int64_t rank = static_cast<int64_t>(x.rank());
  std::set<int64_t> drop;
  if (axes->empty()) {
    // Every dim of size 1 goes: unknowable while some dim is unknown.
    for (int64_t i = 0; i < rank; ++i) {
      if (!x.dims[i].known()) return ctx.set_output(0, dtype, Shape::unknown());
      if (x.dims[i].size == 1) drop.insert(i);
    }
  } else {
    for (int64_t a : normalize_axes(*axes, rank, "Squeeze axes")) {
      if (x.dims[a].known() && x.dims[a].size != 1)
        model_error("Squeeze axis {} has size {}, not 1", a, x.dims[a].size);
      drop.insert(a);
    }
  }
  std::vector<Dim> dims;
  for (int64_t i = 0; i < rank; ++i)
    if (!drop.count(i)) dims.push_back(x.dims[i]);
  ctx.set_output(0, dtype, Shape(std::move(dims)));
}

void infer_unsqueeze(InferenceContext& ctx) {
  const Shape& x = ctx.input_shape(0);
  const DType dtype = ctx.input_dtype(0);
  const auto axes = constant_ints(ctx, 1);
  if (!x.rank_known || !axes) {
    const Shape& axes_shape = ctx.input_shape(1);
    if (x.rank_known && axes_shape.rank_known && axes_shape.rank() == 1 &&
        axes_shape.dims[0].known())
      return ctx.set_output(0, dtype, unknown_dims(x.rank() + axes_shape.dims[0].size));
    return ctx.set_output(0, dtype, Shape::unknown());
  }
  const int64_t out_rank = static_cast<int64_t>(x.rank() + axes->size());
  std::set<int64_t> inserted;
  for (int64_t a : normalize_axes(*axes, out_rank, "Unsqueeze axes"))
    inserted.insert(a);
  std::vector<Dim> dims;
  size_t next = 0;
  for (int64_t i = 0; i < out_rank; ++i)
    dims.push_back(inserted.count(i) ? Dim(1) : x.dims[next++]);
  ctx.set_output(0, dtype, Shape(std::move(dims)));
}

void infer_shape(InferenceContext& ctx) {
  const Shape& x = ctx.input_shape(0);
  if (!x.rank_known) return ctx.set_output(0, DType::Int64, unknown_dims(1));
  const int64_t rank = static_cast<int64_t>(x.rank());
  const auto clamp_index = [rank](int64_t i) {
    if (i < 0) i += rank;
    return std::clamp<int64_t>(i, 0, rank);
  };
  const int64_t start = clamp_index(ctx.attrs().i("start"));
  const int64_t end = ctx.attrs().has("end") ? clamp_index(ctx.attrs().i("end")) : rank;
  ctx.set_output(0, DType::Int64, Shape({Dim(std::max<int64_t>(0, end - start))}));
}

void infer_size(InferenceContext& ctx) {
  ctx.set_output(0, DType::Int64, Shape::from_sizes({}));
}

void infer_constant(InferenceContext& ctx) {
  const Tensor* value = ctx.attrs().tensor("value");
  if (!value) model_error("Constant needs a 'value' tensor attribute");
  ctx.set_output(0, value->dtype(), value->shape());
}

void infer_constant_of_shape(InferenceContext& ctx) {
  const Tensor* value = ctx.attrs().tensor("value");
  DType dtype = DType::Float32;
  if (value) {
    if (value->element_count() != 1)
      model_error("ConstantOfShape value must hold one element, got {}",
                  sizes_to_string(value->dims()));
    dtype = value->dtype();
  }
  if (auto sizes = constant_ints(ctx, 0)) {
    element_count(*sizes);  // refuses negative sizes and overflow
    return ctx.set_output(0, dtype, Shape::from_sizes(*sizes));
  }
  const Shape& s = ctx.input_shape(0);
  if (s.rank_known && s.rank() == 1 && s.dims[0].known())
    return ctx.set_output(0, dtype, unknown_dims(s.dims[0].size));
  ctx.set_output(0, dtype, Shape::unknown());
}

void infer_expand(InferenceContext& ctx) {
  const DType dtype = ctx.input_dtype(0);
  if (auto sizes = constant_ints(ctx, 1)) {
    for (int64_t s : *sizes)
      if (s < 0) model_error("Expand shape {} has a negative size", sizes_to_string(*sizes));
    return set_checked_output(ctx, 0, dtype,
                              broadcast_shapes(ctx.input_shape(0), Shape::from_sizes(*sizes)));
  }
  ctx.set_output(0, dtype, Shape::unknown());
}

void infer_tile(InferenceContext& ctx) {
  const Shape& x = ctx.input_shape(0);
  const DType dtype = ctx.input_dtype(0);
  const auto repeats = constant_ints(ctx, 1);
  if (!x.rank_known) return ctx.set_output(0, dtype, Shape::unknown());
  if (!repeats) return ctx.set_output(0, dtype, unknown_dims(x.rank()));
  if (repeats->size() != x.rank())
    model_error("Tile has {} repeats for rank {}", repeats->size(), x.rank());
  std::vector<Dim> dims;
  for (size_t i = 0; i < x.rank(); ++i) {
    if ((*repeats)[i] < 0) model_error("Tile repeat {} is negative", (*repeats)[i]);
    dims.push_back(x.dims[i].known() ? Dim(checked_mul(x.dims[i].size, (*repeats)[i])) : Dim());
  }
  set_checked_output(ctx, 0, dtype, Shape(std::move(dims)));
}

void infer_range(InferenceContext& ctx) {
  const DType dtype = common_input_dtype(ctx, 0, 3);
  const Tensor* start = ctx.input_constant(0);
  const Tensor* limit = ctx.input_constant(1);
  const Tensor* delta = ctx.input_constant(2);
  if (!start || !limit || !delta) return ctx.set_output(0, dtype, unknown_dims(1));
  ctx.set_output(0, dtype, Shape::from_sizes({range_count(*start, *limit, *delta)}));
}

void infer_depth_space(InferenceContext& ctx, bool to_space) {
  const Shape& x = ctx.input_shape(0);
  const DType dtype = ctx.input_dtype(0);
  const int64_t b = ctx.attrs().i("blocksize");
  if (b <= 0) model_error("blocksize must be positive, got {}", b);
  if (to_space) {
    const std::string mode = ctx.attrs().s("mode");
    if (mode != "DCR" && mode != "CRD")
      model_error("DepthToSpace mode must be DCR or CRD, got '{}'", mode);
  }
  if (!x.rank_known) return ctx.set_output(0, dtype, unknown_dims(4));
  if (x.rank() != 4) model_error("needs a 4-D NCHW input, got {}", x.to_string());
  const int64_t bb = checked_mul(b, b);
  std::vector<Dim> dims = x.dims;
  const auto scale = [&](size_t i, bool grow, int64_t factor) {
    if (!dims[i].known()) return;
    if (!grow && dims[i].size % factor != 0)
      model_error("dim {} of {} is not divisible by {}", i, x.to_string(), factor);
    dims[i] = Dim(grow ? checked_mul(dims[i].size, factor) : dims[i].size / factor);
  };
  scale(1, !to_space, bb);
  scale(2, to_space, b);
  scale(3, to_space, b);
  set_checked_output(ctx, 0, dtype, Shape(std::move(dims)));
}

void infer_depth_to_space(InferenceContext& ctx) {
  infer_depth_space(ctx, true);
}
void infer_space_to_depth(InferenceContext& ctx) {
  infer_depth_space(ctx, false);
}

std::vector<OpSchema> shape_schemas() {
  Tensor zero = Tensor::from_vector<float>({1}, {0.0f});
  return {
      {"Concat",
       "Joins the inputs along 'axis'.",
       1,
       kVariadic,
       1,
       1,
       {{"axis", AttrType::Int, std::nullopt, "axis joined along; negative counts from the end"}},
       infer_concat},
      {"Split",
       "Splits along 'axis' by the 'split' input, or into num_outputs chunks of ceil(n / "
       "num_outputs) (last smaller), or into as many equal parts as there are outputs.",
       1,
       2,
       1,
       kVariadic,
       {{"axis", AttrType::Int, int64_t{0}, ""},
        {"num_outputs", AttrType::Int, int64_t{0}, "0: not set"}},
       infer_split},
      {"Reshape",
       "Reshape to the 'shape' input: 0 copies the input dim (unless allowzero), -1 is inferred.",
       2,
       2,
       1,
       1,
       {{"allowzero", AttrType::Int, int64_t{0}, "1: a 0 in shape means an empty dim"}},
       infer_reshape},
      {"Flatten",
       "2-D view: [prod(dims[:axis]), prod(dims[axis:])].",
       1,
       1,
       1,
       1,
       {{"axis", AttrType::Int, int64_t{1}, "in [-rank, rank]"}},
       infer_flatten},
      {"Transpose",
       "Permutes the axes: output dim i is input dim perm[i].",
       1,
       1,
       1,
       1,
       {{"perm", AttrType::Ints, std::vector<int64_t>{}, "empty: reverse the axes"}},
       infer_transpose},
      {"Squeeze",
       "Removes the size-1 axes named by the 'axes' input (all size-1 axes if absent).",
       1,
       2,
       1,
       1,
       {},
       infer_squeeze},
      {"Unsqueeze",
       "Inserts size-1 axes at the output positions named by the 'axes' input.",
       2,
       2,
       1,
       1,
       {},
       infer_unsqueeze},
      {"Shape",
       "The input's dims [start, end) as int64.",
       1,
       1,
       1,
       1,
       {{"start", AttrType::Int, int64_t{0}, "first dim; negative counts from the end"},
        {"end", AttrType::Int, kUnset, "one past the last dim; absent: the rank"}},
       infer_shape},
      {"Size", "The input's element count as an int64 scalar.", 1, 1, 1, 1, {}, infer_size},
      {"Constant",
       "The 'value' tensor.",
       0,
       0,
       1,
       1,
       {{"value", AttrType::Tensor, std::nullopt, "the constant"}},
       infer_constant},
      {"ConstantOfShape",
       "A tensor of the shape given by the input, filled with 'value'.",
       1,
       1,
       1,
       1,
       {{"value", AttrType::Tensor, zero, "one element; default float32 0"}},
       infer_constant_of_shape},
      {"Expand",
       "Broadcasts the input with the 'shape' input (numpy rules, both ways).",
       2,
       2,
       1,
       1,
       {},
       infer_expand},
      {"Tile", "Repeats the input repeats[i] times along each axis i.", 2, 2, 1, 1, {}, infer_tile},
      {"Range",
       "start, start + delta, ... while short of limit: max(ceil((limit - start) / "
       "delta), 0) elements, element i = start + i * delta.",
       3,
       3,
       1,
       1,
       {},
       infer_range},
      {"DepthToSpace",
       "Moves channel blocks into blocksize x blocksize spatial tiles of an NCHW tensor. DCR: "
       "depth-column-row channel order (TF); CRD: column-row-depth (PyTorch PixelShuffle).",
       1,
       1,
       1,
       1,
       {{"blocksize", AttrType::Int, std::nullopt, ""},
        {"mode", AttrType::String, std::string("DCR"), "DCR | CRD"}},
       infer_depth_to_space},
      {"SpaceToDepth",
       "Moves blocksize x blocksize spatial tiles of an NCHW tensor into channels.",
       1,
       1,
       1,
       1,
       {{"blocksize", AttrType::Int, std::nullopt, ""}},
       infer_space_to_depth},
  };
}

}  // namespace

std::span<const OpSchema> tensor_schemas() {
  static const std::vector<OpSchema> table = [] {
    std::vector<OpSchema> all = shape_schemas();
    for (OpSchema& s : tensor_index_schemas())
      all.push_back(std::move(s));
    return all;
  }();
  return table;
}

}  // namespace nnport
