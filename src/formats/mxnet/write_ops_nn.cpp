// BatchNormalization, activations, dense layers, softmax and friends.
#include <cmath>
#include <cstring>
#include <limits>

#include "formats/mxnet/write_context.h"

namespace nnport::mxnet {

namespace {

// [rows, cols] -> [cols, rows], any dtype.
Tensor transpose_2d(const Tensor& t) {
  const int64_t rows = t.dims()[0], cols = t.dims()[1];
  Tensor out(t.dtype(), {cols, rows});
  const size_t width = dtype_size(t.dtype());
  const std::byte* src = t.raw();
  std::byte* dst = out.mutable_raw();
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < cols; ++c)
      std::memcpy(dst + (c * rows + r) * width, src + (r * cols + c) * width, width);
  return out;
}

EntryRef stored_input(WriteContext& ctx, size_t i, std::string_view role) {
  if (!ctx.constant(i)) ctx.fail("the {} must be a stored constant for MXNet", role);
  return ctx.input(i);
}

// fix_gamma=False: MXNet's default (True) would replace the scale by 1.
void emit_batch_norm(WriteContext& ctx) {
  const Tensor* mean = ctx.constant(3);
  const Tensor* var = ctx.constant(4);
  if (!mean || !var) ctx.fail("the mean and variance must be constants (MXNet aux states)");
  if (ctx.node().outputs.size() > 1)
    for (size_t i = 1; i < ctx.node().outputs.size(); ++i)
      if (!ctx.node().outputs[i].empty()) ctx.fail("training outputs are not supported");
  ctx.emit("BatchNorm",
           {ctx.input(0), stored_input(ctx, 1, "scale"), stored_input(ctx, 2, "bias"),
            ctx.add_param("moving_mean", *mean, true), ctx.add_param("moving_var", *var, true)},
           {{"eps", float_text(ctx.attrs().f("epsilon"))},
            {"fix_gamma", "False"},
            {"use_global_stats", "True"}},
           {ctx.node().outputs[0]});
}

void emit_activation(WriteContext& ctx) {
  static const std::map<std::string, std::string> kTypes = {
      {"Relu", "relu"},         {"Sigmoid", "sigmoid"},   {"Tanh", "tanh"},
      {"Softplus", "softrelu"}, {"Softsign", "softsign"},
  };
  ctx.emit("Activation", {ctx.input(0)}, {{"act_type", kTypes.at(ctx.node().op)}},
           ctx.node().outputs);
}

void emit_leaky_relu(WriteContext& ctx) {
  const std::string& op = ctx.node().op;
  AttrMap attrs;
  if (op == "LeakyRelu") {
    attrs = {{"act_type", "leaky"}, {"slope", float_text(ctx.attrs().f("alpha"))}};
  } else if (op == "Elu") {
    attrs = {{"act_type", "elu"}, {"slope", float_text(ctx.attrs().f("alpha"))}};
  } else if (op == "Selu") {
    // MXNet's selu has fixed constants: those of the paper, which are ONNX's defaults.
    if (ctx.attrs().has("alpha") || ctx.attrs().has("gamma"))
      ctx.fail("MXNet's selu has fixed alpha and gamma");
    attrs = {{"act_type", "selu"}};
  } else {  // Gelu
    if (ctx.attrs().s("approximate") != "none") ctx.fail("MXNet's gelu is the exact erf form");
    attrs = {{"act_type", "gelu"}};
  }
  ctx.emit("LeakyReLU", {ctx.input(0)}, attrs, ctx.node().outputs);
}

// MXNet's prelu slope is one value per channel (axis 1) or one value for all.
void emit_prelu(WriteContext& ctx) {
  const Tensor* slope = ctx.constant(1);
  if (!slope) ctx.fail("the slope must be a constant");
  const Shape& x = ctx.input_shape(0);
  const int64_t count = slope->element_count();
  bool per_channel = count == 1;
  if (!per_channel && x.rank_known && x.rank() >= 2 && x.dims[1].known() &&
      x.dims[1].size == count) {
    // The slope must vary along axis 1 only: its dims, aligned right to x, are 1 elsewhere.
    const size_t offset = x.rank() - slope->rank();
    per_channel = slope->rank() <= x.rank() && offset <= 1;
    for (size_t d = 0; per_channel && d < slope->rank(); ++d)
      per_channel = (offset + d == 1) ? slope->dims()[d] == count : slope->dims()[d] == 1;
  }
  if (!per_channel) {
    // Any other broadcastable slope: relu(x) + slope * min(x, 0), which rounds only in the
    // product, as the IR's PRelu does (x > 0 adds an exact 0, x <= 0 adds to an exact 0).
    if (!x.rank_known || slope->rank() > x.rank())
      ctx.fail("slope of shape {} does not broadcast to the input", sizes_to_string(slope->dims()));
    for (float v : slope->to_float_vector())
      if (!std::isfinite(v)) ctx.fail("a non-finite slope would turn 0 * slope into NaN");
    std::vector<int64_t> aligned(x.rank() - slope->rank(), 1);
    aligned.insert(aligned.end(), slope->dims().begin(), slope->dims().end());
    const EntryRef positive =
        ctx.emit_helper("positive", "Activation", {ctx.input(0)}, {{"act_type", "relu"}});
    const EntryRef negative =
        ctx.emit_helper("negative", "_minimum_scalar", {ctx.input(0)}, {{"scalar", "0"}});
    const EntryRef scaled =
        ctx.emit_helper("scaled", "broadcast_mul",
                        {negative, ctx.add_param("slope", slope->reshaped(aligned))}, {});
    ctx.emit("broadcast_add", {positive, scaled}, {}, ctx.node().outputs);
    return;
  }
  ctx.emit("LeakyReLU", {ctx.input(0), ctx.add_param("gamma", slope->reshaped({count}))},
           {{"act_type", "prelu"}}, ctx.node().outputs);
}

// Missing bounds become the float extremes: exact for every finite input.
void emit_clip(WriteContext& ctx) {
  auto bound = [&](size_t i, float fallback) {
    if (!ctx.node().has_input(i)) return fallback;
    const std::vector<float> v = ctx.constant_floats(i, i == 1 ? "minimum" : "maximum");
    if (v.size() != 1) ctx.fail("clip bounds must be scalars");
    return v[0];
  };
  const float lo = bound(1, std::numeric_limits<float>::lowest());
  const float hi = bound(2, std::numeric_limits<float>::max());
  ctx.emit("clip", {ctx.input(0)}, {{"a_min", float_text(lo)}, {"a_max", float_text(hi)}},
           ctx.node().outputs);
}

// Gemm(A, B, C) with alpha = beta = 1 and A not transposed: FullyConnected, whose weight is
// [num_hidden, K] (B transposed).
void emit_gemm(WriteContext& ctx) {
  const AttrReader a = ctx.attrs();
  if (a.f("alpha") != 1.0f || a.f("beta") != 1.0f || a.i("transA") != 0)
    ctx.fail("only alpha = beta = 1 without transA maps to FullyConnected");
  const Tensor* b = ctx.constant(1);
  EntryRef weight;
  int64_t hidden = 0;
  if (b) {
    const Tensor w = a.i("transB") ? *b : transpose_2d(*b);
    hidden = w.dims()[0];
    weight = a.i("transB") ? ctx.input(1) : ctx.add_param("weight", w);
  } else {
    if (!a.i("transB")) ctx.fail("a computed B needs transB = 1");
    const Shape& s = ctx.input_shape(1);
    if (!s.rank_known || !s.dims[0].known()) ctx.fail("the output width is unknown");
    hidden = s.dims[0].size;
    weight = ctx.input(1);
  }
  std::vector<EntryRef> inputs = {ctx.input(0), weight};
  const Tensor* c = ctx.constant(2);
  const bool bias_fits = c && c->element_count() == hidden;
  if (bias_fits) inputs.push_back(ctx.add_param("bias", c->reshaped({hidden})));
  AttrMap attrs = {{"num_hidden", std::to_string(hidden)},
                   {"no_bias", bool_text(!bias_fits)},
                   {"flatten", "True"}};
  if (bias_fits || !ctx.node().has_input(2)) {
    ctx.emit("FullyConnected", inputs, attrs, ctx.node().outputs);
    return;
  }
  const EntryRef product = ctx.emit_helper("fc", "FullyConnected", inputs, attrs);
  ctx.emit("broadcast_add", {product, ctx.input(2)}, {}, ctx.node().outputs);
}

// MatMul by a constant [K, N] matrix: FullyConnected over the last axis.
void emit_matmul(WriteContext& ctx) {
  const Tensor* b = ctx.constant(1);
  if (b && b->rank() == 2) {
    ctx.emit(
        "FullyConnected", {ctx.input(0), ctx.add_param("weight", transpose_2d(*b))},
        {{"num_hidden", std::to_string(b->dims()[1])}, {"no_bias", "True"}, {"flatten", "False"}},
        ctx.node().outputs);
    return;
  }
  const Shape& x = ctx.input_shape(0);
  const Shape& y = ctx.input_shape(1);
  if (!x.rank_known || !y.rank_known || x.rank() < 2 || y.rank() < 2)
    ctx.fail("computed operands need ranks >= 2 (dot / batch_dot)");
  const bool same_batch = x.rank() == 2 || (x.dims[0].known() && x.dims[0] == y.dims[0]);
  if (x.rank() == y.rank() && (x.rank() == 2 || x.rank() == 3) && same_batch) {
    ctx.emit(x.rank() == 2 ? "dot" : "batch_dot", {ctx.input(0), ctx.input(1)}, {},
             ctx.node().outputs);
    return;
  }
  // B with batch dims of 1 is one [K, N] matrix for every row of A: MXNet's dot of N-d A and
  // 2-d B contracts A's last axis with B's first, which is that product. A reshape restores
  // the batch dims numpy broadcasting adds when B has more of them than A.
  bool single = y.fully_known();
  for (size_t d = 0; single && d + 2 < y.rank(); ++d)
    single = y.dims[d].size == 1;
  if (!single || !ctx.output_shape().fully_known())
    ctx.fail(
        "computed operands of ranks {} and {} need equal batch dims (batch_dot) or a "
        "single matrix B (dot)",
        x.rank(), y.rank());
  const std::vector<int64_t> bd = y.sizes();
  EntryRef matrix = ctx.input(1);
  if (y.rank() > 2)
    matrix = ctx.emit_helper("matrix", "Reshape", {matrix},
                             {{"shape", tuple_text({bd[bd.size() - 2], bd.back()})}});
  if (x.rank() >= y.rank()) {
    ctx.emit("dot", {ctx.input(0), matrix}, {}, ctx.node().outputs);
    return;
  }
  const EntryRef product = ctx.emit_helper("dot", "dot", {ctx.input(0), matrix}, {});
  ctx.emit("Reshape", {product}, {{"shape", tuple_text(ctx.output_shape().sizes())}},
           ctx.node().outputs);
}

void emit_softmax(WriteContext& ctx) {
  ctx.emit(ctx.node().op == "Softmax" ? "softmax" : "log_softmax", {ctx.input(0)},
           {{"axis", std::to_string(ctx.attrs().i("axis"))}}, ctx.node().outputs);
}

void emit_identity(WriteContext& ctx) {
  ctx.emit("identity", {ctx.input(0)}, {}, {ctx.node().outputs[0]});
}

void emit_lrn(WriteContext& ctx) {
  const AttrReader a = ctx.attrs();
  ctx.emit("LRN", {ctx.input(0)},
           {{"alpha", float_text(a.f("alpha"))},
            {"beta", float_text(a.f("beta"))},
            {"knorm", float_text(a.f("bias"))},
            {"nsize", std::to_string(a.i("size"))}},
           ctx.node().outputs);
}

void emit_instance_norm(WriteContext& ctx) {
  ctx.emit("InstanceNorm",
           {ctx.input(0), stored_input(ctx, 1, "scale"), stored_input(ctx, 2, "bias")},
           {{"eps", float_text(ctx.attrs().f("epsilon"))}}, ctx.node().outputs);
}

// Nearest resize by one integer factor on H and W with floor rounding of asymmetric
// coordinates: out[i] = in[floor(i / s)], which is UpSampling.
void emit_nearest_resize(WriteContext& ctx, const std::vector<int64_t>& i,
                         const std::vector<int64_t>& o) {
  const AttrReader a = ctx.attrs();
  if (a.s("coordinate_transformation_mode") != "asymmetric" || a.s("nearest_mode") != "floor")
    ctx.fail("only nearest / asymmetric / floor resizing maps to UpSampling");
  if (o[2] % i[2] != 0 || o[3] % i[3] != 0 || o[2] / i[2] != o[3] / i[3])
    ctx.fail("{} -> {} is not one integer factor on H and W", sizes_to_string(i),
             sizes_to_string(o));
  ctx.emit("UpSampling", {ctx.input(0)},
           {{"scale", std::to_string(o[2] / i[2])}, {"sample_type", "nearest"}, {"num_args", "1"}},
           ctx.node().outputs);
}

// TF's legacy bilinear rule (asymmetric) samples x * in / out. On the input padded by one
// edge-replicated row and column, align_corners to out + 1 samples x * (in + 1 - 1) / (out + 1
// - 1): the same coordinates, and the padded cell holds the value the IR's clamp to in - 1
// reads. Cropping the extra output row and column leaves the asymmetric resize.
void emit_asymmetric_bilinear(WriteContext& ctx, const std::vector<int64_t>& i,
                              const std::vector<int64_t>& o) {
  if (ctx.attrs().i("antialias") != 0 && (o[2] < i[2] || o[3] < i[3]))
    ctx.fail("antialiased downscaling has no MXNet form");
  if (o[2] >= 32767 || o[3] >= 32767)
    ctx.fail("MXNet's BilinearResize2D keeps output sizes in int16 (at most 32767)");
  const EntryRef padded = ctx.emit_helper(
      "edge", "Pad", {ctx.input(0)}, {{"mode", "edge"}, {"pad_width", "(0, 0, 0, 0, 0, 1, 0, 1)"}});
  const EntryRef resized = ctx.emit_helper("aligned", "_contrib_BilinearResize2D", {padded},
                                           {{"height", std::to_string(o[2] + 1)},
                                            {"width", std::to_string(o[3] + 1)},
                                            {"mode", "size"},
                                            {"align_corners", "True"}});
  ctx.emit("slice", {resized},
           {{"begin", "(None, None, 0, 0)"},
            {"end", fmt::format("(None, None, {}, {})", o[2], o[3])},
            {"step", "(None, None, None, None)"}},
           ctx.node().outputs);
}

// MXNet 1.9's _contrib_BilinearResize2D (mode 'size') samples output x at
//   align_corners=True:  x * (in - 1) / (out - 1), and 0 when out == 1;
//   align_corners=False: max(0, (x + 0.5) * in / out - 0.5), and 0 when out == 1,
// with the upper neighbour clamped to the last row/column. That is the IR's align_corners and
// pytorch_half_pixel exactly, and half_pixel wherever out > 1 or in == 1 (half_pixel samples
// in / 2 - 0.5 for out == 1). Asymmetric (TF's legacy rule) has no MXNet form.
void emit_bilinear_resize(WriteContext& ctx, const std::vector<int64_t>& i,
                          const std::vector<int64_t>& o) {
  const std::string transform = ctx.attrs().s("coordinate_transformation_mode");
  bool align_corners = false;
  if (transform == "align_corners") {
    align_corners = true;
  } else if (transform == "half_pixel") {
    for (size_t axis = 2; axis < 4; ++axis)
      if (o[axis] == 1 && i[axis] > 1)
        ctx.fail(
            "half_pixel to an output size of 1 samples the middle of the input; MXNet's "
            "BilinearResize2D samples its first row/column");
  } else if (transform == "asymmetric") {
    return emit_asymmetric_bilinear(ctx, i, o);
  } else if (transform != "pytorch_half_pixel") {
    ctx.fail(
        "linear resizing with coordinate_transformation_mode '{}' has no MXNet form "
        "(BilinearResize2D has align_corners and half-pixel centers only)",
        transform);
  }
  if (ctx.attrs().i("antialias") != 0 && (o[2] < i[2] || o[3] < i[3]))
    ctx.fail("antialiased downscaling has no MXNet form");
  if (o[2] > 32767 || o[3] > 32767)
    ctx.fail("MXNet's BilinearResize2D keeps output sizes in int16 (at most 32767)");
  ctx.emit("_contrib_BilinearResize2D", {ctx.input(0)},
           {{"height", std::to_string(o[2])},
            {"width", std::to_string(o[3])},
            {"mode", "size"},
            {"align_corners", bool_text(align_corners)}},
           ctx.node().outputs);
}

// The scale the IR's coordinate rules divide by must be out / in, which MXNet computes from
// the sizes alone: a `scales` input whose product with the input size is fractional is refused.
void emit_resize(WriteContext& ctx) {
  const AttrReader a = ctx.attrs();
  const Shape& in = ctx.input_shape(0);
  const Shape& out = ctx.output_shape();
  if (!in.fully_known() || !out.fully_known() || in.rank() != 4)
    ctx.fail("MXNet's resizing needs known 4-d shapes");
  const std::vector<int64_t> i = in.sizes(), o = out.sizes();
  if (i[0] != o[0] || i[1] != o[1]) ctx.fail("MXNet resizes H and W only");
  if (a.s("keep_aspect_ratio_policy") != "stretch")
    ctx.fail("keep_aspect_ratio_policy '{}' has no MXNet form", a.s("keep_aspect_ratio_policy"));
  if (ctx.node().has_input(2)) {
    const std::vector<float> scales = ctx.constant_floats(2, "scales");
    if (!scales.empty()) {
      const std::vector<int64_t> axes = a.ints("axes");
      for (size_t k = 0; k < scales.size(); ++k) {
        const int64_t axis = axes.empty() ? static_cast<int64_t>(k) : axes[k];
        const size_t d = static_cast<size_t>(axis < 0 ? axis + 4 : axis);
        if (d >= 4 ||
            static_cast<double>(scales[k]) * static_cast<double>(i[d]) != static_cast<double>(o[d]))
          ctx.fail("scale {} on axis {} does not give a whole output size", scales[k], axis);
      }
    }
  }
  const std::string mode = a.s("mode");
  if (mode == "nearest") return emit_nearest_resize(ctx, i, o);
  if (mode == "linear") return emit_bilinear_resize(ctx, i, o);
  ctx.fail("{} resizing has no MXNet form", mode);
}

// MXNet's depth_to_space reshapes to [N, b, b, C / b^2, H, W] and permutes: ONNX's DCR order.
// space_to_depth is its inverse, ONNX's SpaceToDepth.
void emit_depth_space(WriteContext& ctx) {
  const bool to_space = ctx.node().op == "DepthToSpace";
  if (to_space && ctx.attrs().s("mode") != "DCR")
    ctx.fail("MXNet's depth_to_space is DCR; mode '{}' has no MXNet form", ctx.attrs().s("mode"));
  const Shape& in = ctx.input_shape(0);
  if (!in.rank_known || in.rank() != 4) ctx.fail("MXNet rearranges 4-d NCHW input only");
  ctx.emit(to_space ? "depth_to_space" : "space_to_depth", {ctx.input(0)},
           {{"block_size", std::to_string(ctx.attrs().i("blocksize"))}}, ctx.node().outputs);
}

const OpEmitter kEmitters[] = {
    {"BatchNormalization", emit_batch_norm},
    {"Relu", emit_activation},
    {"Sigmoid", emit_activation},
    {"Tanh", emit_activation},
    {"Softplus", emit_activation},
    {"Softsign", emit_activation},
    {"LeakyRelu", emit_leaky_relu},
    {"Elu", emit_leaky_relu},
    {"Selu", emit_leaky_relu},
    {"Gelu", emit_leaky_relu},
    {"PRelu", emit_prelu},
    {"Clip", emit_clip},
    {"Gemm", emit_gemm},
    {"MatMul", emit_matmul},
    {"Softmax", emit_softmax},
    {"LogSoftmax", emit_softmax},
    {"Identity", emit_identity},
    {"Dropout", emit_identity},
    {"LRN", emit_lrn},
    {"InstanceNormalization", emit_instance_norm},
    {"Resize", emit_resize},
    {"DepthToSpace", emit_depth_space},
    {"SpaceToDepth", emit_depth_space},
};

}  // namespace

std::span<const OpEmitter> nn_emitters() {
  return kEmitters;
}

}  // namespace nnport::mxnet
