// Activations: ONNX opset-21 semantics and defaults.
#include "ir/error.h"
#include "ir/ops/families.h"
#include "ir/ops/tensor_infer.h"

namespace nnport {

namespace {

// PRelu broadcasts the slope to X's shape, never the other way round.
void infer_prelu(InferenceContext& ctx) {
  const Shape& x = ctx.input_shape(0);
  const Shape& slope = ctx.input_shape(1);
  if (x.rank_known && slope.rank_known) {
    if (slope.rank() > x.rank())
      model_error("slope of shape {} does not broadcast to X of shape {}", slope.to_string(),
                  x.to_string());
    const Shape both = broadcast_shapes(x, slope);
    for (size_t i = 0; i < x.rank(); ++i)
      if (x.dims[i].known() && both.dims[i].known() && both.dims[i].size != x.dims[i].size)
        model_error("slope of shape {} does not broadcast to X of shape {}", slope.to_string(),
                    x.to_string());
  }
  common_input_dtype(ctx, 0, 2);
  infer_same_as_input(ctx);
}

void infer_clip(InferenceContext& ctx) {
  common_input_dtype(ctx, 0, 3);
  for (size_t i = 1; i < 3; ++i) {
    const Shape& bound = ctx.input_shape(i);
    if (ctx.has_input(i) && bound.fully_known() && element_count(bound.sizes()) != 1)
      model_error("Clip's {} must be a scalar, got shape {}", i == 1 ? "min" : "max",
                  bound.to_string());
  }
  infer_same_as_input(ctx);
}

void infer_gelu(InferenceContext& ctx) {
  const std::string approximate = ctx.attrs().s("approximate");
  if (approximate != "none" && approximate != "tanh")
    model_error("Gelu approximate must be 'none' or 'tanh', got '{}'", approximate);
  infer_same_as_input(ctx);
}

OpSchema unary(const char* op, const char* doc, std::vector<AttrSpec> attrs = {}) {
  return {op, doc, 1, 1, 1, 1, std::move(attrs), infer_same_as_input};
}

AttrSpec float_attr(const char* name, float value, const char* doc) {
  return {name, AttrType::Float, value, doc};
}

const std::vector<OpSchema> kSchemas = {
    unary("Relu", "max(x, 0)."),
    unary("LeakyRelu", "x if x >= 0 else alpha * x.", {float_attr("alpha", 0.01f, "slope")}),
    {"PRelu",
     "x if x >= 0 else slope * x; slope broadcasts to X (unidirectionally).",
     2,
     2,
     1,
     1,
     {},
     infer_prelu},
    unary("Elu", "x if x >= 0 else alpha * (exp(x) - 1).", {float_attr("alpha", 1.0f, "")}),
    unary("Selu", "gamma * (x if x > 0 else alpha * (exp(x) - 1)).",
          {float_attr("alpha", 1.67326319217681884765625f, ""),
           float_attr("gamma", 1.05070102214813232421875f, "")}),
    unary("Celu", "max(0, x) + min(0, alpha * (exp(x / alpha) - 1)).",
          {float_attr("alpha", 1.0f, "")}),
    {"Clip",
     "min(max(x, min), max); min and max are optional scalar inputs.",
     1,
     3,
     1,
     1,
     {},
     infer_clip},
    unary("Sigmoid", "1 / (1 + exp(-x))."),
    unary("Tanh", "Hyperbolic tangent."),
    unary("HardSigmoid", "max(0, min(1, alpha * x + beta)).",
          {float_attr("alpha", 0.2f, ""), float_attr("beta", 0.5f, "")}),
    unary("HardSwish", "x * max(0, min(1, x / 6 + 0.5))."),
    unary("Softplus", "log(exp(x) + 1)."),
    unary("Softsign", "x / (1 + |x|)."),
    {"Gelu",
     "x * Phi(x): 'none' uses 0.5 * x * (1 + erf(x / sqrt(2))), 'tanh' the tanh approximation.",
     1,
     1,
     1,
     1,
     {{"approximate", AttrType::String, std::string("none"), "none | tanh"}},
     infer_gelu},
    unary("Mish", "x * tanh(softplus(x))."),
};

}  // namespace

std::span<const OpSchema> activation_schemas() {
  return kSchemas;
}

}  // namespace nnport
