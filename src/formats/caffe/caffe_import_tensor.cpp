// Caffe layers that combine or reshape blobs: Eltwise, Concat, Slice, Split, Flatten, Reshape,
// Crop, Softmax, Scale, Bias, Silence.
#include "formats/caffe/caffe_import.h"

namespace nnport::caffe_import {

namespace pb = nnport::caffe;

namespace {

void convert_eltwise(LayerImport& ctx) {
  ctx.expect_counts(2, 1 << 20, 1, 1);
  const auto& p = ctx.layer().eltwise_param();
  const int n = ctx.bottom_count();
  if (p.coeff_size() > 0 && p.operation() != pb::EltwiseParameter::SUM)
    ctx.fail("coeff is only allowed for SUM");
  if (p.coeff_size() > 0 && p.coeff_size() != n)
    ctx.fail("{} coefficients for {} bottoms", p.coeff_size(), n);
  if (p.operation() == pb::EltwiseParameter::MAX) {
    std::vector<std::string> inputs;
    for (int i = 0; i < n; ++i)
      inputs.push_back(ctx.bottom(i));
    ctx.add_node("Max", inputs, {ctx.top(0)});
    return;
  }
  const bool sum = p.operation() == pb::EltwiseParameter::SUM;
  // Caffe accumulates in bottom order: ((c0*x0 + c1*x1) + c2*x2) ...
  std::vector<std::string> terms;
  for (int i = 0; i < n; ++i) {
    const float c = sum && p.coeff_size() > 0 ? p.coeff(i) : 1.0f;
    if (c == 1) {
      terms.push_back(ctx.bottom(i));
      continue;
    }
    terms.push_back(ctx.temp("term" + std::to_string(i)));
    ctx.add_node("Mul", {ctx.bottom(i), ctx.scalar("coeff" + std::to_string(i), c)},
                 {terms.back()});
  }
  std::string acc = terms[0];
  for (int i = 1; i < n; ++i) {
    const std::string out = i + 1 == n ? ctx.top(0) : ctx.temp("partial" + std::to_string(i));
    ctx.add_node(sum ? "Add" : "Mul", {acc, terms[i]}, {out});
    acc = out;
  }
}

void convert_concat(LayerImport& ctx) {
  ctx.expect_counts(1, 1 << 20, 1, 1);
  const auto& p = ctx.layer().concat_param();
  const int64_t axis = ctx.canonical_axis(
      p.has_concat_dim() && !p.has_axis() ? p.concat_dim() : p.axis(), ctx.bottom_rank(0), "axis");
  std::vector<std::string> inputs;
  for (int i = 0; i < ctx.bottom_count(); ++i)
    inputs.push_back(ctx.bottom(i));
  Attributes attrs;
  attrs.set("axis", axis);
  ctx.add_node("Concat", inputs, {ctx.top(0)}, attrs);
}

void convert_slice(LayerImport& ctx) {
  ctx.expect_counts(1, 1, 1, 1 << 20);
  const auto& p = ctx.layer().slice_param();
  const int64_t axis = ctx.canonical_axis(
      p.has_slice_dim() && !p.has_axis() ? p.slice_dim() : p.axis(), ctx.bottom_rank(0), "axis");
  const Dim& dim = ctx.bottom_shape(0).dims[axis];
  if (!dim.known()) ctx.fail("the size of the sliced axis {} is unknown", axis);
  const int tops = ctx.top_count();
  std::vector<int64_t> sizes;
  if (p.slice_point_size() > 0) {
    if (p.slice_point_size() != tops - 1)
      ctx.fail("{} slice points for {} tops", p.slice_point_size(), tops);
    int64_t previous = 0;
    for (int i = 0; i <= p.slice_point_size(); ++i) {
      const int64_t point = i < p.slice_point_size() ? p.slice_point(i) : dim.size;
      if (point <= previous || point > dim.size)
        ctx.fail("slice points must increase inside (0, {})", dim.size);
      sizes.push_back(point - previous);
      previous = point;
    }
  } else {
    if (dim.size % tops != 0)
      ctx.fail("axis size {} does not split into {} equal parts", dim.size, tops);
    sizes.assign(tops, dim.size / tops);
  }
  std::vector<std::string> outputs;
  for (int i = 0; i < tops; ++i)
    outputs.push_back(ctx.top(i));
  Attributes attrs;
  attrs.set("axis", axis);
  if (tops == 1) {
    ctx.add_node("Identity", {ctx.bottom(0)}, outputs);
    return;
  }
  ctx.add_node("Split", {ctx.bottom(0), ctx.int64s("split", sizes)}, outputs, attrs);
}

void convert_split(LayerImport& ctx) {
  ctx.expect_counts(1, 1, 1, 1 << 20);
  for (int i = 0; i < ctx.top_count(); ++i)
    ctx.alias_top(i, ctx.bottom(0));
}

void convert_silence(LayerImport& ctx) {
  ctx.expect_counts(1, 1 << 20, 0, 0);
}

void convert_flatten(LayerImport& ctx) {
  ctx.expect_counts(1, 1, 1, 1);
  const auto& p = ctx.layer().flatten_param();
  const int64_t rank = ctx.bottom_rank(0);
  const int64_t axis = ctx.canonical_axis(p.axis(), rank, "axis");
  const int64_t end = ctx.canonical_axis(p.end_axis(), rank, "end_axis");
  if (end < axis) ctx.fail("end_axis {} is before axis {}", p.end_axis(), p.axis());
  if (end == rank - 1 && axis == 1) {
    Attributes attrs;
    attrs.set("axis", int64_t{1});
    ctx.add_node("Flatten", {ctx.bottom(0)}, {ctx.top(0)}, attrs);
    return;
  }
  // Keep the axes outside [axis, end] (0 copies an input dim in Reshape), merge the rest.
  std::vector<int64_t> shape(axis, 0);
  shape.push_back(-1);
  if (end + 1 < rank) {
    const std::vector<int64_t> sizes = ctx.bottom_sizes(0);
    shape.insert(shape.end(), sizes.begin() + end + 1, sizes.end());
  }
  ctx.add_node("Reshape", {ctx.bottom(0), ctx.int64s("shape", shape)}, {ctx.top(0)});
}

void convert_reshape(LayerImport& ctx) {
  ctx.expect_counts(1, 1, 1, 1);
  const auto& p = ctx.layer().reshape_param();
  const int64_t rank = ctx.bottom_rank(0);
  // Caffe's axis may be -(rank+1)..rank: it names a boundary between axes.
  int64_t start = p.axis() < 0 ? rank + 1 + p.axis() : p.axis();
  if (start < 0 || start > rank) ctx.fail("axis {} is out of range for rank {}", p.axis(), rank);
  const int64_t end = p.num_axes() == -1 ? rank : start + p.num_axes();
  if (p.num_axes() < -1 || end > rank) ctx.fail("num_axes {} is out of range", p.num_axes());
  std::vector<int64_t> shape(start, 0);
  int inferred = 0;
  for (int64_t d : p.shape().dim()) {
    if (d < -1) ctx.fail("dimension {} is invalid", d);
    inferred += d == -1;
    // A 0 copies the input dim at the same position, in Caffe and in the IR alike.
    shape.push_back(d);
  }
  if (inferred > 1) ctx.fail("more than one dimension is -1");
  if (end < rank) {
    const std::vector<int64_t> sizes = ctx.bottom_sizes(0);
    shape.insert(shape.end(), sizes.begin() + end, sizes.end());
  }
  ctx.add_node("Reshape", {ctx.bottom(0), ctx.int64s("shape", shape)}, {ctx.top(0)});
}

void convert_crop(LayerImport& ctx) {
  ctx.expect_counts(2, 2, 1, 1);
  const auto& p = ctx.layer().crop_param();
  const int64_t rank = ctx.bottom_rank(0);
  const int64_t axis = ctx.canonical_axis(p.axis(), rank, "axis");
  const std::vector<int64_t> in = ctx.bottom_sizes(0);
  const std::vector<int64_t> reference = ctx.bottom_sizes(1);
  if (static_cast<int64_t>(reference.size()) != rank)
    ctx.fail("reference rank {} differs from input rank {}", reference.size(), rank);
  const int64_t cropped = rank - axis;
  if (p.offset_size() > 1 && p.offset_size() != cropped)
    ctx.fail("{} offsets for {} cropped axes", p.offset_size(), cropped);
  std::vector<int64_t> starts, ends, axes;
  for (int64_t a = axis; a < rank; ++a) {
    const int64_t offset =
        p.offset_size() == 0 ? 0 : p.offset(p.offset_size() == 1 ? 0 : static_cast<int>(a - axis));
    if (offset + reference[a] > in[a])
      ctx.fail("axis {}: offset {} plus reference size {} exceeds input size {}", a, offset,
               reference[a], in[a]);
    starts.push_back(offset);
    ends.push_back(offset + reference[a]);
    axes.push_back(a);
  }
  ctx.add_node("Slice",
               {ctx.bottom(0), ctx.int64s("starts", starts), ctx.int64s("ends", ends),
                ctx.int64s("axes", axes)},
               {ctx.top(0)});
}

void convert_softmax(LayerImport& ctx) {
  ctx.expect_counts(1, 1, 1, 1);
  Attributes attrs;
  attrs.set("axis",
            ctx.canonical_axis(ctx.layer().softmax_param().axis(), ctx.bottom_rank(0), "axis"));
  ctx.add_node("Softmax", {ctx.bottom(0)}, {ctx.top(0)}, attrs);
}

// Scale and Bias apply a blob covering input axes [axis, axis + n) and broadcast over the rest:
// the IR operand gets trailing 1-dims so numpy broadcasting lines it up the same way.
std::vector<int64_t> covered_dims(LayerImport& ctx, int64_t axis_param, int64_t num_axes,
                                  int64_t* axis_out) {
  const int64_t rank = ctx.bottom_rank(0);
  const int64_t axis = ctx.canonical_axis(axis_param, std::max<int64_t>(rank, 1), "axis");
  const int64_t end = num_axes == -1 ? rank : axis + num_axes;
  if (num_axes < -1 || end > rank) ctx.fail("num_axes {} is out of range", num_axes);
  const Shape& x = ctx.bottom_shape(0);
  std::vector<int64_t> dims;
  for (int64_t a = axis; a < end; ++a) {
    if (!x.dims[a].known()) ctx.fail("the size of input axis {} is unknown", a);
    dims.push_back(x.dims[a].size);
  }
  *axis_out = axis;
  return dims;
}

std::vector<int64_t> with_trailing_ones(std::vector<int64_t> dims, int64_t axis, int64_t rank) {
  while (static_cast<int64_t>(dims.size()) < rank - axis)
    dims.push_back(1);
  return dims;
}

// The second bottom as a broadcastable operand: Unsqueeze trailing axes.
std::string broadcast_bottom(LayerImport& ctx, int64_t axis_param) {
  const int64_t rank = ctx.bottom_rank(0);
  const int64_t axis = ctx.canonical_axis(axis_param, rank, "axis");
  const int64_t operand_rank = ctx.bottom_rank(1);
  if (axis + operand_rank > rank)
    ctx.fail("bottom 1 of rank {} does not fit at axis {} of a rank-{} input", operand_rank, axis,
             rank);
  if (axis + operand_rank == rank || operand_rank == 0) return ctx.bottom(1);
  std::vector<int64_t> axes;
  for (int64_t a = operand_rank; a < rank - axis; ++a)
    axes.push_back(a);
  const std::string out = ctx.temp("broadcast");
  ctx.add_node("Unsqueeze", {ctx.bottom(1), ctx.int64s("axes", axes)}, {out});
  return out;
}

void convert_scale(LayerImport& ctx) {
  ctx.expect_counts(1, 2, 1, 1);
  const auto& p = ctx.layer().scale_param();
  const int64_t rank = ctx.bottom_rank(0);
  std::string factor;
  std::vector<int64_t> dims;
  int64_t axis = 0;
  if (ctx.bottom_count() == 2) {
    factor = broadcast_bottom(ctx, p.axis());
    axis = ctx.canonical_axis(p.axis(), rank, "axis");
    if (p.bias_term()) {
      const Shape& s = ctx.bottom_shape(1);
      if (!s.fully_known()) ctx.fail("the scale bottom's shape is unknown");
      dims = s.sizes();
    }
  } else {
    dims = covered_dims(ctx, p.axis(), p.num_axes(), &axis);
    factor = ctx.constant(
        "scale",
        ctx.blob(0, dims, SeedKind::Positive).reshaped(with_trailing_ones(dims, axis, rank)));
  }
  const size_t bias_index = ctx.bottom_count() == 2 ? 0 : 1;
  if (!p.bias_term()) {
    ctx.add_node("Mul", {ctx.bottom(0), factor}, {ctx.top(0)});
    return;
  }
  const std::string bias = ctx.constant(
      "bias",
      ctx.blob(bias_index, dims, SeedKind::Bias).reshaped(with_trailing_ones(dims, axis, rank)));
  const std::string scaled = ctx.temp("scaled");
  ctx.add_node("Mul", {ctx.bottom(0), factor}, {scaled});
  ctx.add_node("Add", {scaled, bias}, {ctx.top(0)});
}

void convert_bias(LayerImport& ctx) {
  ctx.expect_counts(1, 2, 1, 1);
  const auto& p = ctx.layer().bias_param();
  if (ctx.bottom_count() == 2) {
    ctx.add_node("Add", {ctx.bottom(0), broadcast_bottom(ctx, p.axis())}, {ctx.top(0)});
    return;
  }
  int64_t axis = 0;
  const std::vector<int64_t> dims = covered_dims(ctx, p.axis(), p.num_axes(), &axis);
  const std::string bias =
      ctx.constant("bias", ctx.blob(0, dims, SeedKind::Bias)
                               .reshaped(with_trailing_ones(dims, axis, ctx.bottom_rank(0))));
  ctx.add_node("Add", {ctx.bottom(0), bias}, {ctx.top(0)});
}

}  // namespace

LayerConverter find_tensor_converter(const std::string& type) {
  if (type == "Eltwise") return convert_eltwise;
  if (type == "Concat") return convert_concat;
  if (type == "Slice") return convert_slice;
  if (type == "Split") return convert_split;
  if (type == "Silence") return convert_silence;
  if (type == "Flatten") return convert_flatten;
  if (type == "Reshape") return convert_reshape;
  if (type == "Crop") return convert_crop;
  if (type == "Softmax") return convert_softmax;
  if (type == "Scale") return convert_scale;
  if (type == "Bias") return convert_bias;
  return nullptr;
}

LayerConverter find_layer_converter(const std::string& type) {
  if (auto c = find_spatial_converter(type)) return c;
  if (auto c = find_activation_converter(type)) return c;
  if (auto c = find_ssd_converter(type)) return c;
  return find_tensor_converter(type);
}

}  // namespace nnport::caffe_import
