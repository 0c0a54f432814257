// Caffe's elementwise layers of one input: ReLU, PReLU, ELU, Sigmoid, TanH, AbsVal, BNLL, Power,
// Exp, Log, Threshold, Clip, Swish, Dropout. Where Caffe evaluates a formula in a particular
// order (Power, Exp, Log), the IR nodes follow that order so the float results match.
#include <cmath>

#include "formats/caffe/caffe_import.h"

namespace nnport::caffe_import {

namespace {

void unary(LayerImport& ctx, const char* op, Attributes attrs = {}) {
  ctx.expect_counts(1, 1, 1, 1);
  ctx.add_node(op, {ctx.bottom(0)}, {ctx.top(0)}, std::move(attrs));
}

// Applies `op` with a scalar constant operand, or passes `input` through when `skip`.
std::string scalar_step(LayerImport& ctx, const std::string& input, const char* op,
                        const char* what, float value, bool skip, bool last) {
  if (skip) return input;
  const std::string out = last ? ctx.top(0) : ctx.temp(what);
  ctx.add_node(op, {input, ctx.scalar(what, value)}, {out});
  return out;
}

void finish(LayerImport& ctx, const std::string& value) {
  if (value != ctx.top(0)) ctx.add_node("Identity", {value}, {ctx.top(0)});
}

void convert_relu(LayerImport& ctx) {
  const float slope = ctx.layer().relu_param().negative_slope();
  if (slope == 0) return unary(ctx, "Relu");
  Attributes attrs;
  attrs.set("alpha", slope);
  unary(ctx, "LeakyRelu", attrs);
}

void convert_prelu(LayerImport& ctx) {
  ctx.expect_counts(1, 1, 1, 1);
  const Shape& x = ctx.bottom_shape(0);
  if (!x.rank_known) ctx.fail("the input rank is unknown");
  const int64_t rank = static_cast<int64_t>(x.rank());
  const bool shared = ctx.layer().prelu_param().channel_shared();
  int64_t channels = 1;
  if (!shared && rank >= 2) {
    if (!x.dims[1].known()) ctx.fail("the channel count is unknown");
    channels = x.dims[1].size;
  }
  Tensor slope = ctx.blob(0, {channels}, SeedKind::Bias);
  // One slope per channel (axis 1), broadcast over the trailing axes.
  std::vector<int64_t> dims = {channels};
  if (!shared)
    for (int64_t a = 2; a < rank; ++a)
      dims.push_back(1);
  ctx.add_node("PRelu", {ctx.bottom(0), ctx.constant("slope", slope.reshaped(dims))}, {ctx.top(0)});
}

void convert_elu(LayerImport& ctx) {
  Attributes attrs;
  attrs.set("alpha", ctx.layer().elu_param().alpha());
  unary(ctx, "Elu", attrs);
}

void convert_sigmoid(LayerImport& ctx) {
  unary(ctx, "Sigmoid");
}
void convert_tanh(LayerImport& ctx) {
  unary(ctx, "Tanh");
}
void convert_absval(LayerImport& ctx) {
  unary(ctx, "Abs");
}
// Caffe's BNLL is log(1 + exp(x)), evaluated in a overflow-safe form: Softplus.
void convert_bnll(LayerImport& ctx) {
  unary(ctx, "Softplus");
}

void convert_power(LayerImport& ctx) {
  ctx.expect_counts(1, 1, 1, 1);
  const auto& p = ctx.layer().power_param();
  // Caffe fills the output with a constant when the derivative scale power*scale is 0:
  // 1 when power is 0, else shift^power (whatever the input, even inf or NaN).
  if (p.power() * p.scale() == 0) {
    const float value = p.power() == 0 ? 1.0f : std::pow(p.shift(), p.power());
    const std::string shape = ctx.temp("shape");
    ctx.add_node("Shape", {ctx.bottom(0)}, {shape});
    Attributes attrs;
    attrs.set("value", Tensor::from_vector<float>({1}, {value}));
    ctx.add_node("ConstantOfShape", {shape}, {ctx.top(0)}, attrs);
    return;
  }
  const bool no_shift = p.shift() == 0, no_power = p.power() == 1;
  std::string v = scalar_step(ctx, ctx.bottom(0), "Mul", "scale", p.scale(), p.scale() == 1,
                              no_shift && no_power);
  v = scalar_step(ctx, v, "Add", "shift", p.shift(), no_shift, no_power);
  v = scalar_step(ctx, v, "Pow", "power", p.power(), no_power, true);
  finish(ctx, v);
}

void convert_exp(LayerImport& ctx) {
  ctx.expect_counts(1, 1, 1, 1);
  const auto& p = ctx.layer().exp_param();
  if (p.base() != -1 && p.base() <= 0) ctx.fail("base {} must be positive (or -1 for e)", p.base());
  // Caffe: exp(x * scale * ln(base)) * base^shift, with float ln and pow.
  const float log_base = p.base() == -1 ? 1.0f : std::log(p.base());
  const float inner = log_base * p.scale();
  const float outer = p.shift() == 0
                          ? 1.0f
                          : (p.base() == -1 ? std::exp(p.shift()) : std::pow(p.base(), p.shift()));
  std::string v = scalar_step(ctx, ctx.bottom(0), "Mul", "inner_scale", inner, inner == 1, false);
  const std::string e = outer == 1 ? ctx.top(0) : ctx.temp("exp");
  ctx.add_node("Exp", {v}, {e});
  scalar_step(ctx, e, "Mul", "outer_scale", outer, outer == 1, true);
}

void convert_log(LayerImport& ctx) {
  ctx.expect_counts(1, 1, 1, 1);
  const auto& p = ctx.layer().log_param();
  if (p.base() != -1 && p.base() <= 0) ctx.fail("base {} must be positive (or -1 for e)", p.base());
  // Caffe: ln(scale * x + shift) * (1 / ln(base)).
  const float base_scale = p.base() == -1 ? 1.0f : 1.0f / std::log(p.base());
  std::string v = scalar_step(ctx, ctx.bottom(0), "Mul", "scale", p.scale(), p.scale() == 1, false);
  v = scalar_step(ctx, v, "Add", "shift", p.shift(), p.shift() == 0, false);
  const std::string l = base_scale == 1 ? ctx.top(0) : ctx.temp("log");
  ctx.add_node("Log", {v}, {l});
  scalar_step(ctx, l, "Mul", "base_scale", base_scale, base_scale == 1, true);
}

void convert_threshold(LayerImport& ctx) {
  ctx.expect_counts(1, 1, 1, 1);
  const std::string above = ctx.temp("above");
  ctx.add_node("Greater",
               {ctx.bottom(0), ctx.scalar("threshold", ctx.layer().threshold_param().threshold())},
               {above});
  Attributes cast;
  cast.set("to", std::string("float32"));
  ctx.add_node("Cast", {above}, {ctx.top(0)}, cast);
}

void convert_clip(LayerImport& ctx) {
  ctx.expect_counts(1, 1, 1, 1);
  const auto& p = ctx.layer().clip_param();
  if (!p.has_min() || !p.has_max()) ctx.fail("clip_param needs both min and max");
  ctx.add_node("Clip", {ctx.bottom(0), ctx.scalar("min", p.min()), ctx.scalar("max", p.max())},
               {ctx.top(0)});
}

void convert_swish(LayerImport& ctx) {
  ctx.expect_counts(1, 1, 1, 1);
  const float beta = ctx.layer().swish_param().beta();
  const std::string scaled = scalar_step(ctx, ctx.bottom(0), "Mul", "beta", beta, beta == 1, false);
  const std::string gate = ctx.temp("sigmoid");
  ctx.add_node("Sigmoid", {scaled}, {gate});
  ctx.add_node("Mul", {ctx.bottom(0), gate}, {ctx.top(0)});
}

// Inference-time dropout is the identity (Caffe scales during training instead).
void convert_dropout(LayerImport& ctx) {
  ctx.expect_counts(1, 1, 1, 1);
  ctx.alias_top(0, ctx.bottom(0));
}

}  // namespace

LayerConverter find_activation_converter(const std::string& type) {
  if (type == "ReLU") return convert_relu;
  if (type == "PReLU") return convert_prelu;
  if (type == "ELU") return convert_elu;
  if (type == "Sigmoid") return convert_sigmoid;
  if (type == "TanH") return convert_tanh;
  if (type == "AbsVal") return convert_absval;
  if (type == "BNLL") return convert_bnll;
  if (type == "Power") return convert_power;
  if (type == "Exp") return convert_exp;
  if (type == "Log") return convert_log;
  if (type == "Threshold") return convert_threshold;
  if (type == "Clip") return convert_clip;
  if (type == "Swish") return convert_swish;
  if (type == "Dropout") return convert_dropout;
  return nullptr;
}

}  // namespace nnport::caffe_import
