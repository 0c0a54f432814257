#include "formats/onnx/downgrade.h"

#include <algorithm>
#include <array>
#include <optional>

#include "formats/onnx/downgrade_ops.h"
#include "formats/onnx/node_error.h"
#include "formats/onnx/tensor_proto.h"

namespace nnport::onnx_format {

DowngradeContext::DowngradeContext(const Graph& graph, int opset) : graph_(graph), opset_(opset) {
  for (const auto& [name, value] : graph.values())
    taken_.insert(name);
  for (const Node& node : graph.nodes)
    taken_.insert(node.name);
}

const Tensor* DowngradeContext::constant(const std::string& name) const {
  if (const Tensor* t = graph_.constant(name)) return t;
  auto it = lowered_.constants.find(name);
  return it == lowered_.constants.end() ? nullptr : &it->second;
}

const Tensor& DowngradeContext::require_constant(const Node& node, size_t index,
                                                 const char* role) const {
  const Tensor* t = node.has_input(index) ? constant(node.inputs[index]) : nullptr;
  if (!t)
    node_error(node, "opset {} takes {} as an attribute, so input {} must be a constant", opset_,
               role, index);
  return *t;
}

const Shape& DowngradeContext::shape(const std::string& name) const {
  static const Shape kUnknown;
  const Value* v = graph_.find_value(name);
  return v ? v->shape : kUnknown;
}

std::string DowngradeContext::fresh_name(const std::string& base) {
  std::string candidate = base;
  for (int i = 1; taken_.count(candidate); ++i)
    candidate = base + "_" + std::to_string(i);
  taken_.insert(candidate);
  return candidate;
}

std::string DowngradeContext::add_constant(const std::string& base, Tensor tensor) {
  const std::string name = fresh_name(base);
  lowered_.constants.emplace(name, std::move(tensor));
  return name;
}

namespace {

// The first opset of each op introduced after opset 7 (from the ONNX operator changelog).
struct OpSince {
  std::string_view op;
  int since;
};
constexpr std::array<OpSince, 62> kOpSince = {{
    {"Expand", 8},
    {"Scan", 8},
    {"Acosh", 9},
    {"Asinh", 9},
    {"Atanh", 9},
    {"Cosh", 9},
    {"Sinh", 9},
    {"Erf", 9},
    {"IsNaN", 9},
    {"Sign", 9},
    {"Shrink", 9},
    {"Where", 9},
    {"NonZero", 9},
    {"ConstantOfShape", 9},
    {"EyeLike", 9},
    {"Compress", 9},
    {"OneHot", 9},
    {"MaxUnpool", 9},
    {"MeanVarianceNormalization", 9},
    {"IsInf", 10},
    {"Mod", 10},
    {"ThresholdedRelu", 10},
    {"ReverseSequence", 10},
    {"RoiAlign", 10},
    {"NonMaxSuppression", 10},
    {"QuantizeLinear", 10},
    {"DequantizeLinear", 10},
    {"QLinearConv", 10},
    {"QLinearMatMul", 10},
    {"ConvInteger", 10},
    {"MatMulInteger", 10},
    {"BitShift", 11},
    {"CumSum", 11},
    {"Det", 11},
    {"DynamicQuantizeLinear", 11},
    {"GatherElements", 11},
    {"GatherND", 11},
    {"Range", 11},
    {"Round", 11},
    {"ScatterElements", 11},
    {"ScatterND", 11},
    {"Unique", 11},
    {"Celu", 12},
    {"Einsum", 12},
    {"GreaterOrEqual", 12},
    {"LessOrEqual", 12},
    {"HardSwish", 14},
    {"Trilu", 14},
    {"Bernoulli", 15},
    {"CastLike", 15},
    {"GridSample", 16},
    {"LayerNormalization", 17},
    {"BitwiseAnd", 18},
    {"BitwiseOr", 18},
    {"BitwiseXor", 18},
    {"BitwiseNot", 18},
    {"CenterCropPad", 18},
    {"Col2Im", 18},
    {"Mish", 18},
    {"DeformConv", 19},
    {"AffineGrid", 20},
    {"Gelu", 20},
}};

// Attributes added to an op after opset 7: writing an older opset drops them when they hold
// their default and refuses otherwise (no default: refused whenever present).
struct AttrSince {
  std::string_view op;
  std::string_view attr;
  int since;
  std::optional<int64_t> default_int;
  std::string_view default_string;
};
constexpr std::array<AttrSince, 16> kAttrSince = {{
    {"ArgMax", "select_last_index", 12, 0, ""},
    {"ArgMin", "select_last_index", 12, 0, ""},
    {"TopK", "largest", 11, 1, ""},
    {"TopK", "sorted", 11, 1, ""},
    {"Reshape", "allowzero", 14, 0, ""},
    {"Shape", "start", 15, 0, ""},
    {"Shape", "end", 15, std::nullopt, ""},
    {"BatchNormalization", "training_mode", 14, 0, ""},
    {"Cast", "saturate", 19, 1, ""},
    {"DepthToSpace", "mode", 11, std::nullopt, "DCR"},
    {"MaxPool", "storage_order", 8, 0, ""},
    {"Resize", "antialias", 18, 0, ""},
    {"Resize", "keep_aspect_ratio_policy", 18, std::nullopt, "stretch"},
    {"Resize", "axes", 18, std::nullopt, ""},
    {"QuantizeLinear", "axis", 13, 1, ""},
    {"DequantizeLinear", "axis", 13, 1, ""},
}};

bool holds_default(const AttrValue& value, const AttrSince& rule) {
  if (const auto* i = std::get_if<int64_t>(&value))
    return rule.default_int && *i == *rule.default_int;
  if (const auto* s = std::get_if<std::string>(&value))
    return !rule.default_string.empty() && *s == rule.default_string;
  if (const auto* v = std::get_if<std::vector<int64_t>>(&value)) return v->empty();
  return false;
}

void check_op_available(const Node& node, int opset) {
  for (const auto& entry : kOpSince)
    if (entry.op == node.op && opset < entry.since)
      node_error(node, "{} exists only from opset {} (writing opset {})", node.op, entry.since,
                 opset);
  if (node.op == "GroupNormalization" && opset < 21)
    node_error(node, "GroupNormalization has per-channel scale only from opset 21 (writing {})",
               opset);
}

void drop_new_attributes(Node& node, int opset) {
  for (const auto& rule : kAttrSince) {
    if (rule.op != node.op || opset >= rule.since) continue;
    const std::string attr(rule.attr);
    const AttrValue* value = node.attrs.find(attr);
    if (!value) continue;
    if (!holds_default(*value, rule))
      node_error(node, "attribute {}={} needs opset {} (writing {})", attr,
                 attr_value_to_string(*value), rule.since, opset);
    node.attrs.erase(attr);
  }
}

void dtype_attribute_to_enum(Node& node) {
  const char* attr = dtype_attribute_of(node.op);
  if (!attr || !node.attrs.has(attr)) return;
  const std::string name = node.attrs.get_string(attr, "");
  const DType dtype = dtype_from_name(name);
  if (dtype == DType::Undefined)
    node_error(node, "attribute '{}' names unknown dtype '{}'", attr, name);
  node.attrs.set(attr, static_cast<int64_t>(dtype_to_onnx(dtype)));
}

// Negative axes arrived in opset 11; older opsets get them counted from the front.
void make_axes_non_negative(Node& node, DowngradeContext& ctx) {
  if (ctx.opset() >= 11) return;
  if (node.attrs.has("axis") && node.attrs.get_int("axis", 0) < 0) {
    const int64_t rank = require_rank(node, 0, ctx, "opsets before 11 need a non-negative axis");
    node.attrs.set("axis", node.attrs.get_int("axis", 0) + rank);
  }
  if (!node.attrs.has("axes")) return;
  std::vector<int64_t> axes = node.attrs.get_ints("axes");
  if (std::none_of(axes.begin(), axes.end(), [](int64_t a) { return a < 0; })) return;
  int64_t rank = require_rank(node, 0, ctx, "opsets before 11 need non-negative axes");
  if (node.op == "Unsqueeze") rank += static_cast<int64_t>(axes.size());
  for (int64_t& a : axes)
    if (a < 0) a += rank;
  node.attrs.set("axes", axes);
}

// QuantizeLinear / DequantizeLinear take 16-bit integers only from opset 21.
void check_quantized_dtype(const Node& node, DowngradeContext& ctx) {
  if ((node.op != "QuantizeLinear" && node.op != "DequantizeLinear") || ctx.opset() >= 21) return;
  const std::string& integer = node.op == "QuantizeLinear" ? node.inputs.at(2) : node.inputs[0];
  if (integer.empty()) return;
  const Value* v = ctx.graph().find_value(integer);
  if (v && (v->dtype == DType::Int16 || v->dtype == DType::UInt16))
    node_error(node, "{} of {} needs opset 21 (writing {})", node.op, dtype_name(v->dtype),
               ctx.opset());
}

void downgrade_node(Node node, DowngradeContext& ctx) {
  const int opset = ctx.opset();
  const std::string op = node.op;
  check_op_available(node, opset);
  check_quantized_dtype(node, ctx);
  dtype_attribute_to_enum(node);

  if (op == "Conv" || op == "ConvTranspose") {
    downgrade_window_pads(node, ctx);
  } else if (op == "MaxPool" || op == "AveragePool") {
    downgrade_pool(node, ctx);
  } else if ((op == "Softmax" || op == "LogSoftmax" || op == "Hardmax") && opset < 13) {
    downgrade_softmax(node, ctx);
  } else if (op == "Resize") {
    downgrade_resize(node, ctx);
  } else if (op == "Split") {
    downgrade_split(node, ctx);
  } else if (op == "Pad") {
    downgrade_pad(node, ctx);
  } else if (op == "Clip" && opset < 11) {
    downgrade_clip(node, ctx);
  } else if (op == "Dropout" && opset < 12) {
    downgrade_dropout(node, ctx);
  } else if (op == "Slice" && opset < 10) {
    if (node.has_input(4)) {
      for (int64_t step : ctx.require_constant(node, 4, "steps").to_int64_vector())
        if (step != 1) node_error(node, "steps other than 1 need opset 10 (writing {})", opset);
      drop_input(node, 4);
    }
    input_to_ints_attr(node, 3, "axes", ctx);
    input_to_ints_attr(node, 2, "ends", ctx);
    input_to_ints_attr(node, 1, "starts", ctx);
  } else if ((op == "Squeeze" || op == "Unsqueeze") && opset < 13) {
    input_to_ints_attr(node, 1, "axes", ctx);
  } else if (op == "ReduceSum") {
    downgrade_reduce(node, ctx, 13);
  } else if (op.rfind("Reduce", 0) == 0) {
    downgrade_reduce(node, ctx, 18);
  } else if (op == "TopK" && opset < 10) {
    const auto k = ctx.require_constant(node, 1, "k").to_int64_vector();
    if (k.size() != 1) node_error(node, "k must hold one value");
    node.attrs.set("k", k[0]);
    drop_input(node, 1);
  } else if (op == "Gemm" && opset < 11) {
    downgrade_gemm(node, ctx);
  } else if (op == "LRN") {
    check_lrn(node);
  }
  drop_new_attributes(node, opset);
  make_axes_non_negative(node, ctx);
  ctx.emit(std::move(node));
  ctx.flush_after();
}

}  // namespace

LoweredGraph downgrade_graph(const Graph& graph, int opset) {
  DowngradeContext ctx(graph, opset);
  for (const Node& node : graph.nodes) {
    try {
      downgrade_node(node, ctx);
    } catch (const Error& e) {
      if (std::string(e.what()).rfind("node '", 0) == 0) throw;
      rethrow_with_context(e, fmt::format("node '{}' ({}): ", node.name, node.op));
    }
  }
  return ctx.take();
}

}  // namespace nnport::onnx_format
