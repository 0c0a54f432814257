// Normalisation, activations, dense layers, softmax variants and inference no-ops.
#include <cmath>
#include <limits>

#include "formats/mxnet/read_context.h"

namespace nnport::mxnet {

namespace {

// fix_gamma (the default!) makes MXNet use 1 for gamma whatever the stored value
// (SEMANTICS.md §5). At inference BatchNorm always uses the moving statistics.
void read_batch_norm(ReadContext& ctx) {
  const AttrText a = ctx.attrs();
  if (a.integer("axis", 1) != 1) ctx.fail("axis {} is not supported (1 is)", a.str("axis", ""));
  std::string gamma = ctx.param_input(1, "gamma");
  if (a.boolean("fix_gamma", true)) {
    const Tensor* stored = ctx.graph().constant(gamma);
    if (!stored) ctx.fail("gamma must be a stored parameter, it is computed by the graph");
    Tensor ones(DType::Float32, stored->dims());
    for (float& v : ones.mutable_values<float>())
      v = 1.0f;
    gamma = ctx.add_constant("fixed_gamma", ones);
  }
  Attributes attrs;
  attrs.set("epsilon", static_cast<float>(a.number("eps", 1e-3)));
  ctx.emit("BatchNormalization",
           {ctx.input(0), gamma, ctx.param_input(2, "beta"), ctx.param_input(3, "moving_mean"),
            ctx.param_input(4, "moving_var")},
           {ctx.output()}, attrs);
}

void read_activation(ReadContext& ctx) {
  const std::string type = ctx.attrs().str("act_type", "");
  static const std::map<std::string, std::string> kOps = {
      {"relu", "Relu"},         {"sigmoid", "Sigmoid"},   {"tanh", "Tanh"},
      {"softrelu", "Softplus"}, {"softsign", "Softsign"},
  };
  const auto it = kOps.find(type);
  if (it == kOps.end()) ctx.fail("act_type '{}' is not supported", type);
  ctx.emit(it->second, {ctx.input(0)}, {ctx.output()});
}

// PReLU's gamma has one slope per channel (axis 1): reshaped to broadcast from axis 1.
void read_leaky_relu(ReadContext& ctx) {
  const AttrText a = ctx.attrs();
  const std::string type = a.str("act_type", "leaky");
  const std::string x = ctx.input(0);
  Attributes attrs;
  if (type == "leaky" || type == "rrelu") {
    // rrelu draws the slope at training time; inference uses the mean of its range.
    const float slope =
        type == "leaky"
            ? static_cast<float>(a.number("slope", 0.25))
            : static_cast<float>((a.number("lower_bound", 0.125) + a.number("upper_bound", 0.334)) /
                                 2);
    attrs.set("alpha", slope);
    ctx.emit("LeakyRelu", {x}, {ctx.output()}, attrs);
  } else if (type == "elu") {
    attrs.set("alpha", static_cast<float>(a.number("slope", 0.25)));
    ctx.emit("Elu", {x}, {ctx.output()}, attrs);
  } else if (type == "selu") {
    ctx.emit("Selu", {x}, {ctx.output()});  // MXNet's constants are ONNX's defaults
  } else if (type == "gelu") {
    ctx.emit("Gelu", {x}, {ctx.output()});  // the erf form, as MXNet computes it
  } else if (type == "prelu") {
    std::string gamma = ctx.param_input(1, "gamma");
    const Tensor* stored = ctx.graph().constant(gamma);
    if (!stored) ctx.fail("the prelu slope must be a stored parameter, it is computed");
    if (stored->element_count() > 1) {
      const size_t rank = ctx.input_rank(0, "prelu's per-channel slope");
      std::vector<int64_t> dims(rank > 1 ? rank - 1 : 1, 1);
      dims[0] = stored->element_count();
      gamma = ctx.add_constant("slope", stored->reshaped(dims));
    }
    ctx.emit("PRelu", {x, gamma}, {ctx.output()});
  } else {
    ctx.fail("act_type '{}' is not supported", type);
  }
}

// flatten=True (default) flattens everything after axis 0; flatten=False applies the layer
// to the last axis.
void read_fully_connected(ReadContext& ctx) {
  const AttrText a = ctx.attrs();
  const int64_t hidden = a.integer("num_hidden", 0);
  const std::string weight = ctx.param_input(1, "weight");
  if (const Tensor* w = ctx.graph().constant(weight))
    if (w->rank() != 2 || w->dims()[0] != hidden)
      ctx.fail("weight '{}' has shape {}, which disagrees with num_hidden={}", weight,
               sizes_to_string(w->dims()), hidden);
  const bool has_bias = !a.boolean("no_bias", false);
  const std::string bias = has_bias ? ctx.param_input(2, "bias") : "";
  if (a.boolean("flatten", true)) {
    const std::string flat = ctx.temp("flatten");
    Attributes flatten_attrs;
    flatten_attrs.set("axis", int64_t{1});
    ctx.emit("Flatten", {ctx.input(0)}, {flat}, flatten_attrs);
    Attributes gemm;
    gemm.set("transB", int64_t{1});
    std::vector<std::string> inputs = {flat, weight};
    if (has_bias) inputs.push_back(bias);
    ctx.emit("Gemm", inputs, {ctx.output()}, gemm);
    return;
  }
  const std::string transposed = ctx.temp("weight_t");
  Attributes perm;
  perm.set("perm", std::vector<int64_t>{1, 0});
  ctx.emit("Transpose", {weight}, {transposed}, perm);
  if (!has_bias) {
    ctx.emit("MatMul", {ctx.input(0), transposed}, {ctx.output()});
    return;
  }
  const std::string product = ctx.temp("matmul");
  ctx.emit("MatMul", {ctx.input(0), transposed}, {product});
  ctx.emit("Add", {product, bias}, {ctx.output()});
}

void emit_softmax(ReadContext& ctx, const std::string& op, const std::string& x, int64_t axis,
                  const std::string& out) {
  Attributes attrs;
  attrs.set("axis", axis);
  ctx.emit(op, {x}, {out}, attrs);
}

// Softmax over everything after axis 0 (SoftmaxOutput without multi_output, SoftmaxActivation
// mode "instance"): flatten, softmax, restore the shape.
void emit_instance_softmax(ReadContext& ctx, const std::string& x) {
  const Shape& shape = ctx.input_shape(0);
  if (shape.rank_known && shape.rank() == 2)
    return emit_softmax(ctx, "Softmax", x, 1, ctx.output());
  const std::string flat = ctx.temp("flatten");
  Attributes flatten_attrs;
  flatten_attrs.set("axis", int64_t{1});
  ctx.emit("Flatten", {x}, {flat}, flatten_attrs);
  const std::string soft = ctx.temp("softmax");
  emit_softmax(ctx, "Softmax", flat, 1, soft);
  const std::string dims = ctx.temp("shape");
  ctx.emit("Shape", {x}, {dims});
  ctx.emit("Reshape", {soft, dims}, {ctx.output()});
}

void read_softmax_output(ReadContext& ctx) {
  const AttrText a = ctx.attrs();
  const std::string x = ctx.input(0);  // input 1 is the training label: unused at inference
  if (a.boolean("multi_output", false)) return emit_softmax(ctx, "Softmax", x, 1, ctx.output());
  if (a.boolean("preserve_shape", false)) return emit_softmax(ctx, "Softmax", x, -1, ctx.output());
  emit_instance_softmax(ctx, x);
}

void read_softmax_activation(ReadContext& ctx) {
  const std::string x = ctx.input(0);
  if (ctx.attrs().str("mode", "instance") == "channel")
    return emit_softmax(ctx, "Softmax", x, 1, ctx.output());
  emit_instance_softmax(ctx, x);
}

// softmax / log_softmax: one axis (default -1), optional temperature.
void read_axis_softmax(ReadContext& ctx, const std::string& op) {
  const AttrText a = ctx.attrs();
  if (a.boolean("use_length", false)) ctx.fail("use_length is not supported");
  std::string x = ctx.input(0);
  const double temperature = a.number("temperature", 1.0);
  if (temperature != 1.0) {
    const std::string scaled = ctx.temp("scaled");
    ctx.emit("Div", {x, ctx.add_float_scalar("temperature", static_cast<float>(temperature))},
             {scaled});
    x = scaled;
  }
  emit_softmax(ctx, op, x, a.integer("axis", -1), ctx.output());
}

void read_softmax(ReadContext& ctx) {
  read_axis_softmax(ctx, "Softmax");
}
void read_log_softmax(ReadContext& ctx) {
  read_axis_softmax(ctx, "LogSoftmax");
}

// Training-only layers and gradient markers: the identity at inference.
void read_identity(ReadContext& ctx) {
  ctx.emit("Identity", {ctx.input(0)}, {ctx.output()});
}

// MXNet's clip needs both bounds.
void read_clip(ReadContext& ctx) {
  const AttrText a = ctx.attrs();
  if (!a.has("a_min") || !a.has("a_max")) ctx.fail("clip needs a_min and a_max");
  ctx.emit("Clip",
           {ctx.input(0), ctx.add_float_scalar("min", static_cast<float>(a.number("a_min", 0))),
            ctx.add_float_scalar("max", static_cast<float>(a.number("a_max", 0)))},
           {ctx.output()});
}

void read_lrn(ReadContext& ctx) {
  const AttrText a = ctx.attrs();
  Attributes attrs;
  attrs.set("alpha", static_cast<float>(a.number("alpha", 1e-4)));
  attrs.set("beta", static_cast<float>(a.number("beta", 0.75)));
  attrs.set("bias", static_cast<float>(a.number("knorm", 2.0)));
  const int64_t size = a.integer("nsize", 0);
  if (size < 1) ctx.fail("nsize must be a positive integer, got {}", a.str("nsize", "nothing"));
  attrs.set("size", size);
  ctx.emit("LRN", {ctx.input(0)}, {ctx.output()}, attrs);
}

void read_instance_norm(ReadContext& ctx) {
  Attributes attrs;
  attrs.set("epsilon", static_cast<float>(ctx.attrs().number("eps", 1e-3)));
  ctx.emit("InstanceNormalization",
           {ctx.input(0), ctx.param_input(1, "gamma"), ctx.param_input(2, "beta")}, {ctx.output()},
           attrs);
}

// Nearest upsampling by an integer factor: out[i] = in[floor(i / scale)].
void read_upsampling(ReadContext& ctx) {
  const AttrText a = ctx.attrs();
  if (a.str("sample_type", "") != "nearest")
    ctx.fail("sample_type '{}' is not supported (nearest is)", a.str("sample_type", ""));
  if (a.integer("num_args", 1) != 1) ctx.fail("num_args > 1 (summed upsampling) not supported");
  const int64_t factor = a.integer("scale", 1);
  if (factor < 1) ctx.fail("scale {} is not a positive integer", factor);
  const float scale = static_cast<float>(factor);
  Attributes attrs;
  attrs.set("mode", std::string("nearest"));
  attrs.set("coordinate_transformation_mode", std::string("asymmetric"));
  attrs.set("nearest_mode", std::string("floor"));
  const std::string scales =
      ctx.add_constant("scales", Tensor::from_vector<float>({4}, {1.0f, 1.0f, scale, scale}));
  ctx.emit("Resize", {ctx.input(0), "", scales}, {ctx.output()}, attrs);
}

// dot: N-d lhs by 2-d rhs contracts lhs's last axis with rhs's first, which is MatMul;
// batch_dot: [B, M, K] by [B, K, N]. transpose_a / transpose_b swap the last two axes (dot's
// only for 2-d operands: for N-d ones MXNet reverses every axis).
void read_dot(ReadContext& ctx) {
  const AttrText a = ctx.attrs();
  const bool batch = ctx.node().op == "batch_dot";
  const size_t lhs_rank = ctx.input_rank(0, ctx.node().op);
  const size_t rhs_rank = ctx.input_rank(1, ctx.node().op);
  if (batch ? (lhs_rank != rhs_rank || lhs_rank < 3) : (rhs_rank != 2 || lhs_rank < 2))
    ctx.fail("operands of ranks {} and {} are not supported", lhs_rank, rhs_rank);
  if (a.has("forward_stype") && a.str("forward_stype", "") != "default")
    ctx.fail("forward_stype is not supported");
  std::string operands[2] = {ctx.input(0), ctx.input(1)};
  const char* flags[2] = {"transpose_a", "transpose_b"};
  const size_t ranks[2] = {lhs_rank, rhs_rank};
  for (size_t i = 0; i < 2; ++i) {
    if (!a.boolean(flags[i], false)) continue;
    if (!batch && ranks[i] != 2)
      ctx.fail("{} of a {}-d operand is not supported", flags[i], ranks[i]);
    std::vector<int64_t> perm;
    for (size_t d = 0; d < ranks[i]; ++d)
      perm.push_back(static_cast<int64_t>(d));
    std::swap(perm[ranks[i] - 1], perm[ranks[i] - 2]);
    Attributes attrs;
    attrs.set("perm", perm);
    const std::string t = ctx.temp(i == 0 ? "lhs_t" : "rhs_t");
    ctx.emit("Transpose", {operands[i]}, {t}, attrs);
    operands[i] = t;
  }
  ctx.emit("MatMul", {operands[0], operands[1]}, {ctx.output()});
}

// _contrib_BilinearResize2D, mode 'size': height x width, or int(scale * size) when the scales
// are set (MXNet keeps the result in an int16). align_corners (default True) samples output x at
// x * (in - 1) / (out - 1); False at max(0, (x + 0.5) * in / out - 0.5); both sample 0 for an
// output size of 1: the IR's align_corners and pytorch_half_pixel.
void read_bilinear_resize(ReadContext& ctx) {
  const AttrText a = ctx.attrs();
  const std::string mode = a.str("mode", "size");
  if (mode != "size") ctx.fail("mode '{}' is not supported (size is)", mode);
  if (ctx.input_count() != 1) ctx.fail("expects one input in mode 'size'");
  const Shape& in = ctx.input_shape(0);
  if (in.rank_known && in.rank() != 4) ctx.fail("expects 4-d NCHW input");
  int64_t sizes[2] = {a.integer("height", 1), a.integer("width", 1)};
  if (a.has("scale_height") || a.has("scale_width")) {
    if (!a.has("scale_height") || !a.has("scale_width"))
      ctx.fail("scale_height and scale_width must be given together");
    if (!in.rank_known || !in.dims[2].known() || !in.dims[3].known())
      ctx.fail("scale_height / scale_width need the input size: give --input NAME:DIMS");
    const char* keys[2] = {"scale_height", "scale_width"};
    for (size_t k = 0; k < 2; ++k) {
      const float product =
          static_cast<float>(a.number(keys[k], 0)) * static_cast<float>(in.dims[2 + k].size);
      if (!(product >= 1.0f && product < 32768.0f))
        ctx.fail("{} gives an output size outside 1..32767", keys[k]);
      sizes[k] = static_cast<int64_t>(product);
    }
  }
  for (int64_t s : sizes)
    if (s < 1 || s > 32767) ctx.fail("output size {} is outside 1..32767", s);
  Attributes attrs;
  attrs.set("mode", std::string("linear"));
  attrs.set("coordinate_transformation_mode",
            std::string(a.boolean("align_corners", true) ? "align_corners" : "pytorch_half_pixel"));
  attrs.set("axes", std::vector<int64_t>{2, 3});
  ctx.emit("Resize", {ctx.input(0), "", "", ctx.add_ints("sizes", {sizes[0], sizes[1]})},
           {ctx.output()}, attrs);
}

// depth_to_space is ONNX's DCR DepthToSpace; space_to_depth its inverse.
void read_depth_space(ReadContext& ctx) {
  const int64_t block = ctx.attrs().integer("block_size", 0);
  if (block < 1) ctx.fail("block_size must be a positive integer");
  Attributes attrs;
  attrs.set("blocksize", block);
  const bool to_space = ctx.node().op == "depth_to_space";
  if (to_space) attrs.set("mode", std::string("DCR"));
  ctx.emit(to_space ? "DepthToSpace" : "SpaceToDepth", {ctx.input(0)}, {ctx.output()}, attrs);
}

const OpReader kReaders[] = {
    {"BatchNorm", read_batch_norm},
    {"BatchNorm_v1", read_batch_norm},
    {"Activation", read_activation},
    {"LeakyReLU", read_leaky_relu},
    {"FullyConnected", read_fully_connected},
    {"SoftmaxOutput", read_softmax_output},
    {"Softmax", read_softmax_output},
    {"SoftmaxActivation", read_softmax_activation},
    {"softmax", read_softmax},
    {"log_softmax", read_log_softmax},
    {"Dropout", read_identity},
    {"BlockGrad", read_identity},
    {"stop_gradient", read_identity},
    {"identity", read_identity},
    {"_copy", read_identity},
    {"MakeLoss", read_identity},
    {"clip", read_clip},
    {"LRN", read_lrn},
    {"InstanceNorm", read_instance_norm},
    {"UpSampling", read_upsampling},
    {"_contrib_BilinearResize2D", read_bilinear_resize},
    {"dot", read_dot},
    {"batch_dot", read_dot},
    {"depth_to_space", read_depth_space},
    {"space_to_depth", read_depth_space},
};

}  // namespace

std::span<const OpReader> nn_readers() {
  return kReaders;
}

}  // namespace nnport::mxnet
