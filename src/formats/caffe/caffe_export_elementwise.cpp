// Writes elementwise IR ops. Binary ops map to Eltwise (same shapes), Scale/Bias (a constant
// or a broadcast operand) or Power (a scalar constant); Clip has no caffe-1.0 layer and is
// composed exactly from ReLU, Power and Eltwise MAX (SEMANTICS.md §3).
#include <cmath>

#include "formats/caffe/caffe_export.h"
#include "ir/op_schema.h"

namespace nnport::caffe_export {

namespace pb = nnport::caffe;

namespace {

void simple(NodeExport& ctx, const char* type) {
  ctx.layer(type, {ctx.input_blob(0)}, {ctx.output_blob()});
}

void emit_relu(NodeExport& ctx) {
  simple(ctx, "ReLU");
}
void emit_sigmoid(NodeExport& ctx) {
  simple(ctx, "Sigmoid");
}
void emit_tanh(NodeExport& ctx) {
  simple(ctx, "TanH");
}
void emit_abs(NodeExport& ctx) {
  simple(ctx, "AbsVal");
}
void emit_softplus(NodeExport& ctx) {
  simple(ctx, "BNLL");
}
void emit_exp(NodeExport& ctx) {
  simple(ctx, "Exp");
}
void emit_log(NodeExport& ctx) {
  simple(ctx, "Log");
}

void emit_leaky_relu(NodeExport& ctx) {
  pb::LayerParameter* l = ctx.layer("ReLU", {ctx.input_blob(0)}, {ctx.output_blob()});
  l->mutable_relu_param()->set_negative_slope(AttrReader(ctx.node()).f("alpha"));
}

void emit_elu(NodeExport& ctx) {
  pb::LayerParameter* l = ctx.layer("ELU", {ctx.input_blob(0)}, {ctx.output_blob()});
  l->mutable_elu_param()->set_alpha(AttrReader(ctx.node()).f("alpha"));
}

void emit_prelu(NodeExport& ctx) {
  const Tensor& slope = ctx.require_constant_input(1, "slope");
  const Shape& x = ctx.shape(ctx.node().inputs[0]);
  pb::LayerParameter* l = ctx.layer("PReLU", {ctx.input_blob(0)}, {ctx.output_blob()});
  if (slope.element_count() == 1) {
    l->mutable_prelu_param()->set_channel_shared(true);
    ctx.net().add_blob(l, slope, {1});
    return;
  }
  // Caffe has one slope per channel (axis 1): broadcast against x (trailing axes aligned), the
  // IR slope may vary along axis 1 only, as [C], [C, 1, 1] or [1, C, 1, 1] do.
  const auto& d = slope.dims();
  const size_t rank = x.rank();
  bool per_channel = x.rank_known && rank >= 2 && d.size() <= rank && d.size() + 1 >= rank &&
                     slope.element_count() == x.dims[1].size;
  for (size_t j = 0; per_channel && j < d.size(); ++j)
    per_channel = d[j] == 1 || rank - d.size() + j == 1;
  if (!per_channel) ctx.refuse("slope of shape {} is not per channel", sizes_to_string(d));
  ctx.net().add_blob(l, slope, {slope.element_count()});
}

// A blob holding `value` everywhere, shaped like `like`: Power with scale 0 ignores its input.
std::string constant_like(NodeExport& ctx, const std::string& like, float value,
                          const std::string& what) {
  const std::string blob = ctx.temp_blob(what);
  auto* p = ctx.layer("Power", {like}, {blob})->mutable_power_param();
  p->set_scale(0);
  p->set_shift(value);
  return blob;
}

std::string negate(NodeExport& ctx, const std::string& in, const std::string& out) {
  ctx.layer("Power", {in}, {out})->mutable_power_param()->set_scale(-1);
  return out;
}

float scalar_input(NodeExport& ctx, size_t i, const char* what) {
  const Tensor* t = ctx.constant_input(i);
  if (!t || t->element_count() != 1) ctx.refuse("{} must be a constant scalar", what);
  return t->to_float_vector()[0];
}

// min(max(x, lo), hi) = -max(-max(x, lo), -hi): negation is exact, so this is Clip exactly.
void emit_clip(NodeExport& ctx) {
  const bool has_min = ctx.node().has_input(1), has_max = ctx.node().has_input(2);
  const float lo = has_min ? scalar_input(ctx, 1, "min") : -INFINITY;
  const float hi = has_max ? scalar_input(ctx, 2, "max") : INFINITY;
  if (ctx.net().dialect() == Dialect::BvlcMaster && has_min && has_max) {
    auto* p = ctx.layer("Clip", {ctx.input_blob(0)}, {ctx.output_blob()})->mutable_clip_param();
    p->set_min(lo);
    p->set_max(hi);
    return;
  }
  std::string v = ctx.input_blob(0);
  if (has_min) {
    const std::string out = has_max ? ctx.temp_blob("lower_bounded") : ctx.output_blob();
    if (lo == 0) {
      ctx.layer("ReLU", {v}, {out});
    } else {
      const std::string bound = constant_like(ctx, v, lo, "min");
      ctx.layer("Eltwise", {v, bound}, {out})
          ->mutable_eltwise_param()
          ->set_operation(pb::EltwiseParameter::MAX);
    }
    v = out;
  }
  if (!has_max) return;
  const std::string negated = negate(ctx, v, ctx.temp_blob("negated"));
  const std::string bound = constant_like(ctx, negated, -hi, "minus_max");
  const std::string capped = ctx.temp_blob("negated_capped");
  ctx.layer("Eltwise", {negated, bound}, {capped})
      ->mutable_eltwise_param()
      ->set_operation(pb::EltwiseParameter::MAX);
  negate(ctx, capped, ctx.output_blob());
}

// Where a constant operand of shape `dims` sits on an input of rank `rank`: numpy broadcasting
// aligns trailing axes; Caffe's Scale/Bias take a blob covering axes [axis, axis + n).
struct Placement {
  int64_t axis = 0;
  std::vector<int64_t> dims;  // without the leading and trailing 1s
};

Placement place_operand(NodeExport& ctx, const std::vector<int64_t>& operand,
                        const std::vector<int64_t>& input) {
  const int64_t rank = static_cast<int64_t>(input.size());
  const int64_t offset = rank - static_cast<int64_t>(operand.size());
  if (offset < 0) ctx.refuse("the operand has a higher rank than the input");
  int64_t first = 0, last = static_cast<int64_t>(operand.size());
  while (first < last && operand[first] == 1)
    ++first;
  while (last > first && operand[last - 1] == 1)
    --last;
  Placement p;
  p.axis = offset + first;
  for (int64_t i = first; i < last; ++i) {
    if (operand[i] != input[offset + i])
      ctx.refuse("operand of shape {} broadcasts inside the input {}", sizes_to_string(operand),
                 sizes_to_string(input));
    p.dims.push_back(operand[i]);
  }
  if (p.dims.empty()) p.axis = 0;
  return p;
}

void emit_binary(NodeExport& ctx) {
  const std::string& op = ctx.node().op;
  const Node& node = ctx.node();
  if (node.inputs.size() != 2) ctx.refuse("{} inputs", node.inputs.size());
  const Tensor* c0 = ctx.constant_input(0);
  const Tensor* c1 = ctx.constant_input(1);
  if (c0 && c1) ctx.refuse("both operands are constants (not folded)");
  const bool commutative = op == "Add" || op == "Mul" || op == "Max" || op == "Min";
  if (c0 && !commutative) ctx.refuse("a constant first operand");
  const size_t var_index = c0 ? 1 : 0;
  const Tensor* constant = c0 ? c0 : c1;
  const std::vector<int64_t> out = ctx.sizes(node.outputs[0]);
  const std::string x = ctx.input_blob(var_index);
  if (ctx.sizes(node.inputs[var_index]) != out) ctx.refuse("the variable operand is broadcast");

  if (!constant) {
    const std::vector<int64_t> other = ctx.sizes(node.inputs[1]);
    // Caffe has no division layer: x / y is written as x * y^-1 (Power, then a product), one
    // more rounding than a division: within 1 ulp (docs/SEMANTICS.md, "Division").
    std::string divisor_blob;
    if (op == "Div") {
      divisor_blob = ctx.temp_blob("reciprocal");
      ctx.layer("Power", {ctx.input_blob(1)}, {divisor_blob})->mutable_power_param()->set_power(-1);
    }
    const std::string second = op == "Div" ? divisor_blob : ctx.input_blob(1);
    const bool product = op == "Mul" || op == "Div";
    if (other != out) {
      if (!product && op != "Add") ctx.refuse("broadcasting {} between variables", op);
      // Scale/Bias with a second bottom: that bottom must have exactly the covered dims.
      Placement p = place_operand(ctx, other, out);
      if (p.dims.empty()) {
        // A one-element operand (an L2 norm's 1 / ||x||): Scale/Bias need a blob of at least
        // one axis; over the batch axis of size 1 it multiplies every element.
        if (out.empty() || out[0] != 1)
          ctx.refuse("a one-element variable operand with a batch of {}", out.empty() ? 0 : out[0]);
        p.axis = 0;
        p.dims = {1};
      }
      std::string operand = second;
      if (p.dims != other) {
        operand = ctx.temp_blob("operand");
        auto* r = ctx.layer("Reshape", {second}, {operand})->mutable_reshape_param();
        for (int64_t d : p.dims)
          r->mutable_shape()->add_dim(d);
      }
      pb::LayerParameter* l =
          ctx.layer(product ? "Scale" : "Bias", {ctx.input_blob(0), operand}, {ctx.output_blob()});
      if (product)
        l->mutable_scale_param()->set_axis(static_cast<int32_t>(p.axis));
      else
        l->mutable_bias_param()->set_axis(static_cast<int32_t>(p.axis));
      return;
    }
    pb::LayerParameter* l = ctx.layer("Eltwise", {ctx.input_blob(0), second}, {ctx.output_blob()});
    auto* e = l->mutable_eltwise_param();
    if (op == "Add") return;  // SUM is the default
    if (op == "Sub") {
      e->add_coeff(1);
      e->add_coeff(-1);
      return;
    }
    if (product) return e->set_operation(pb::EltwiseParameter::PROD);
    if (op == "Max") return e->set_operation(pb::EltwiseParameter::MAX);
    ctx.refuse("no Caffe layer computes {} of two variables", op);
  }

  if (constant->dtype() != DType::Float32)
    ctx.refuse("a {} constant", dtype_name(constant->dtype()));
  Tensor values = *constant;
  std::string kind = op;
  if (op == "Sub" || op == "Div") {
    // x - c = x + (-c) exactly; x / c = x * (1/c), exactly when c is a power of 2, else with
    // one more rounding than a division (within 1 ulp: docs/SEMANTICS.md, "Division").
    Tensor adjusted(DType::Float32, constant->dims());
    auto in = constant->values<float>();
    auto outv = adjusted.mutable_values<float>();
    for (size_t i = 0; i < in.size(); ++i) {
      if (op == "Div" && (in[i] == 0 || !std::isfinite(in[i]))) ctx.refuse("division by {}", in[i]);
      outv[i] = op == "Sub" ? -in[i] : 1.0f / in[i];
    }
    values = adjusted;
    kind = op == "Sub" ? "Add" : "Mul";
  }
  if (kind == "Max" || kind == "Min") {
    if (values.element_count() != 1) ctx.refuse("{} with a non-scalar constant", op);
    const float c = values.values<float>()[0];
    if (kind == "Max" && c == 0) {
      ctx.layer("ReLU", {x}, {ctx.output_blob()});  // x: the variable operand, first or second
      return;
    }
    if (kind == "Max") {
      const std::string bound = constant_like(ctx, x, c, "bound");
      ctx.layer("Eltwise", {x, bound}, {ctx.output_blob()})
          ->mutable_eltwise_param()
          ->set_operation(pb::EltwiseParameter::MAX);
      return;
    }
    const std::string negated = negate(ctx, x, ctx.temp_blob("negated"));
    const std::string bound = constant_like(ctx, negated, -c, "minus_bound");
    const std::string capped = ctx.temp_blob("negated_capped");
    ctx.layer("Eltwise", {negated, bound}, {capped})
        ->mutable_eltwise_param()
        ->set_operation(pb::EltwiseParameter::MAX);
    negate(ctx, capped, ctx.output_blob());
    return;
  }
  if (kind != "Add" && kind != "Mul") ctx.refuse("no Caffe layer computes {} with a constant", op);
  if (values.element_count() == 1) {
    auto* p = ctx.layer("Power", {x}, {ctx.output_blob()})->mutable_power_param();
    if (kind == "Add")
      p->set_shift(values.values<float>()[0]);
    else
      p->set_scale(values.values<float>()[0]);
    return;
  }
  const Placement p = place_operand(ctx, constant->dims(), out);
  // A constant addend is written as Scale by ones with a bias (x * 1 + b is exactly x + b):
  // OpenCV 4.6 has no Bias layer.
  pb::LayerParameter* l = ctx.layer("Scale", {x}, {ctx.output_blob()});
  auto* sp = l->mutable_scale_param();
  if (p.axis != 1) sp->set_axis(static_cast<int32_t>(p.axis));
  if (p.dims.size() != 1) sp->set_num_axes(static_cast<int32_t>(p.dims.size()));
  if (kind == "Mul") {
    ctx.net().add_blob(l, values, p.dims);
    return;
  }
  sp->set_bias_term(true);
  Tensor ones(DType::Float32, p.dims);
  for (float& v : ones.mutable_values<float>())
    v = 1.0f;
  ctx.net().add_blob(l, ones, p.dims);
  ctx.net().add_blob(l, values, p.dims);
}

void emit_pow(NodeExport& ctx) {
  const float exponent = scalar_input(ctx, 1, "the exponent");
  ctx.layer("Power", {ctx.input_blob(0)}, {ctx.output_blob()})
      ->mutable_power_param()
      ->set_power(exponent);
}

void emit_neg(NodeExport& ctx) {
  negate(ctx, ctx.input_blob(0), ctx.output_blob());
}

// Sum of n same-shaped inputs (TF's AddN): Eltwise SUM adds its bottoms in order, as Sum does.
void emit_sum(NodeExport& ctx) {
  const Node& node = ctx.node();
  const std::vector<int64_t> out = ctx.sizes(node.outputs[0]);
  std::vector<std::string> bottoms;
  for (size_t i = 0; i < node.inputs.size(); ++i) {
    if (ctx.constant_input(i) || ctx.sizes(node.inputs[i]) != out)
      ctx.refuse("input {} is a constant or broadcasts; Eltwise adds same-shaped blobs only", i);
    bottoms.push_back(ctx.input_blob(i));
  }
  if (bottoms.size() < 2) ctx.refuse("Eltwise needs two or more inputs");
  ctx.layer("Eltwise", bottoms, {ctx.output_blob()});
}

}  // namespace

NodeEmitter find_elementwise_emitter(const std::string& op) {
  if (op == "Sum") return emit_sum;
  if (op == "Relu") return emit_relu;
  if (op == "LeakyRelu") return emit_leaky_relu;
  if (op == "PRelu") return emit_prelu;
  if (op == "Elu") return emit_elu;
  if (op == "Sigmoid") return emit_sigmoid;
  if (op == "Tanh") return emit_tanh;
  if (op == "Abs") return emit_abs;
  if (op == "Softplus") return emit_softplus;
  if (op == "Exp") return emit_exp;
  if (op == "Log") return emit_log;
  if (op == "Clip") return emit_clip;
  if (op == "Add" || op == "Sub" || op == "Mul" || op == "Div" || op == "Max" || op == "Min")
    return emit_binary;
  if (op == "Pow") return emit_pow;
  if (op == "Neg") return emit_neg;
  return nullptr;
}

}  // namespace nnport::caffe_export
