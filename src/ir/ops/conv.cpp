// Convolutions: Conv and ConvTranspose with ONNX opset-21 attributes, except that `pads` are
// always per side and auto_pad survives only while the input size is unknown (docs/IR.md).
#include "ir/error.h"
#include "ir/ops/families.h"
#include "ir/ops/spatial.h"
#include "ir/ops/spatial_infer.h"

namespace nnport {

namespace {

// Spatial kernel sizes from the weight shape, empty when not all known.
std::vector<int64_t> kernel_from_weight(const Shape& w) {
  std::vector<int64_t> kernel;
  if (!w.rank_known) return {};
  for (size_t i = 2; i < w.rank(); ++i) {
    if (!w.dims[i].known()) return {};
    kernel.push_back(w.dims[i].size);
  }
  return kernel;
}

struct ConvShapes {
  const Shape& x;
  const Shape& w;
  int64_t group;
  size_t spatial;
  std::vector<int64_t> kernel;  // empty when unknown
};

// Checks what Conv and ConvTranspose share: ranks, group, the kernel_shape attribute against
// the weight, and the bias length. Returns nullopt when the input rank is unknown.
std::optional<ConvShapes> check_conv_shapes(const InferenceContext& ctx) {
  const Shape& x = ctx.input_shape(0);
  const Shape& w = ctx.input_shape(1);
  const int64_t group = ctx.attrs().i("group");
  if (group < 1) model_error("group {} must be at least 1", group);
  if (ctx.input_dtype(0) != DType::Undefined && ctx.input_dtype(1) != DType::Undefined &&
      ctx.input_dtype(0) != ctx.input_dtype(1))
    model_error("input is {} but weight is {}", dtype_name(ctx.input_dtype(0)),
                dtype_name(ctx.input_dtype(1)));
  if (!x.rank_known) return std::nullopt;
  if (x.rank() < 3) model_error("expected an N x C x spatial input, got shape {}", x.to_string());
  if (w.rank_known && w.rank() != x.rank())
    model_error("weight shape {} does not have the input's rank {}", w.to_string(), x.rank());
  const size_t spatial = x.rank() - 2;
  std::vector<int64_t> kernel = kernel_from_weight(w);
  if (ctx.attrs().has("kernel_shape")) {
    const std::vector<int64_t> attr = ctx.attrs().ints("kernel_shape");
    if (!kernel.empty() && attr != kernel)
      model_error("kernel_shape {} does not match the weight shape {}", sizes_to_string(attr),
                  w.to_string());
    kernel = attr;
  }
  if (!kernel.empty() && kernel.size() != spatial)
    model_error("kernel_shape has {} values for {} spatial axes", kernel.size(), spatial);
  return ConvShapes{x, w, group, spatial, kernel};
}

void check_bias(const InferenceContext& ctx, const Dim& out_channels) {
  if (!ctx.has_input(2)) return;
  const Shape& b = ctx.input_shape(2);
  if (!b.rank_known) return;
  if (b.rank() != 1 ||
      (out_channels.known() && b.dims[0].known() && b.dims[0].size != out_channels.size))
    model_error("bias shape {} must be [{}] (one value per output channel)", b.to_string(),
                out_channels.known() ? std::to_string(out_channels.size) : "M");
}

Shape unknown_spatial(const Shape& x, const Dim& channels) {
  std::vector<Dim> dims = {x.dims[0], channels};
  dims.resize(x.rank());
  return Shape(dims);
}

void infer_conv(InferenceContext& ctx) {
  const auto shapes = check_conv_shapes(ctx);
  if (!shapes) return ctx.set_output(0, ctx.input_dtype(0), Shape::unknown());
  const Shape& x = shapes->x;
  const Shape& w = shapes->w;
  const int64_t group = shapes->group;
  const Dim out_channels = w.rank_known ? w.dims[0] : Dim();
  const Dim& in_channels = x.dims[1];
  if (in_channels.known() && in_channels.size % group != 0)
    model_error("{} input channels are not divisible by group {}", in_channels.size, group);
  if (w.rank_known && in_channels.known() && w.dims[1].known() &&
      w.dims[1].size * group != in_channels.size)
    model_error("weight shape {} expects {} input channels (x group {}) but the input has {}",
                w.to_string(), w.dims[1].size * group, group, in_channels.size);
  if (out_channels.known() && out_channels.size % group != 0)
    model_error("{} output channels are not divisible by group {}", out_channels.size, group);
  check_bias(ctx, out_channels);
  if (shapes->kernel.empty())
    return ctx.set_output(0, ctx.input_dtype(0), unknown_spatial(x, out_channels));
  Shape out = infer_window_output(ctx, x, -1, shapes->kernel);
  out.dims[1] = out_channels;
  ctx.set_output(0, ctx.input_dtype(0), out);
}

void infer_conv_transpose(InferenceContext& ctx) {
  const auto shapes = check_conv_shapes(ctx);
  if (!shapes) return ctx.set_output(0, ctx.input_dtype(0), Shape::unknown());
  const Shape& x = shapes->x;
  const Shape& w = shapes->w;
  const int64_t group = shapes->group;
  const Dim& in_channels = x.dims[1];
  if (w.rank_known && in_channels.known() && w.dims[0].known() &&
      w.dims[0].size != in_channels.size)
    model_error("weight shape {} expects {} input channels but the input has {}", w.to_string(),
                w.dims[0].size, in_channels.size);
  if (in_channels.known() && in_channels.size % group != 0)
    model_error("{} input channels are not divisible by group {}", in_channels.size, group);
  Dim out_channels;
  if (w.rank_known && w.dims[1].known()) out_channels = Dim(checked_mul(w.dims[1].size, group));
  check_bias(ctx, out_channels);
  if (shapes->kernel.empty())
    return ctx.set_output(0, ctx.input_dtype(0), unknown_spatial(x, out_channels));
  const ConvTransposeParams params =
      read_conv_transpose_params(ctx.attrs(), shapes->spatial, shapes->kernel);
  std::vector<Dim> dims = {x.dims[0], out_channels};
  for (size_t i = 0; i < shapes->spatial; ++i) {
    const Dim& in = x.dims[i + 2];
    if (!in.known()) {
      dims.emplace_back();
      continue;
    }
    // Resolve one axis at a time so that an unknown axis does not hide the others.
    ConvTransposeParams axis;
    axis.window.kernel = {params.window.kernel[i]};
    axis.window.strides = {params.window.strides[i]};
    axis.window.dilations = {params.window.dilations[i]};
    axis.window.pads = {params.window.pads[i], params.window.pads[i + shapes->spatial]};
    axis.window.auto_pad = params.window.auto_pad;
    axis.output_padding = {params.output_padding[i]};
    if (!params.output_shape.empty()) axis.output_shape = {params.output_shape[i]};
    dims.emplace_back(resolve_conv_transpose(axis, {in.size}).out_sizes[0]);
  }
  ctx.set_output(0, ctx.input_dtype(0), Shape(dims));
}

std::vector<AttrSpec> common_conv_attrs() {
  return {
      {"auto_pad", AttrType::String, std::string("NOTSET"),
       "SAME_UPPER/SAME_LOWER/VALID while the input size is unknown; passes resolve it to pads"},
      {"dilations", AttrType::Ints, std::vector<int64_t>{}, "per spatial axis; empty = all 1"},
      {"group", AttrType::Int, int64_t{1}, "channel groups; group == C is depthwise"},
      {"kernel_shape", AttrType::Ints, std::vector<int64_t>{},
       "spatial kernel size; empty = from the weight shape"},
      {"pads", AttrType::Ints, std::vector<int64_t>{},
       "[x1_begin, x2_begin, ..., x1_end, x2_end]; empty = no padding"},
      {"strides", AttrType::Ints, std::vector<int64_t>{}, "per spatial axis; empty = all 1"},
  };
}

std::vector<AttrSpec> conv_transpose_attrs() {
  auto attrs = common_conv_attrs();
  attrs.push_back({"output_padding", AttrType::Ints, std::vector<int64_t>{},
                   "extra cells added at the end of each spatial axis; empty = zeros"});
  attrs.push_back({"output_shape", AttrType::Ints, std::vector<int64_t>{},
                   "wanted spatial output size; when set, pads are derived from it (ONNX rule)"});
  return attrs;
}

const std::vector<OpSchema> kSchemas = {
    {"Conv",
     "Cross-correlation of X (N x C x D1...) with W (M x C/group x k1...) plus optional bias B "
     "(M); zero padding.",
     2, 3, 1, 1, common_conv_attrs(), infer_conv},
    {"ConvTranspose",
     "Transposed convolution: X (N x C x D1...) with W (C x M/group x k1...) plus optional bias "
     "B (M); out = stride*(in-1) + output_padding + (k-1)*dilation + 1 - pads.",
     2, 3, 1, 1, conv_transpose_attrs(), infer_conv_transpose},
};

}  // namespace

std::span<const OpSchema> conv_schemas() {
  return kSchemas;
}

}  // namespace nnport
