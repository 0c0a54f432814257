#include "formats/onnx/upgrade.h"

#include <cstring>

#include "formats/onnx/node_error.h"
#include "formats/onnx/tensor_proto.h"
#include "formats/onnx/upgrade_ops.h"

namespace nnport::onnx_format {

std::string UpgradeContext::fresh_name(const std::string& base) {
  std::string candidate = base;
  for (int i = 1; taken_.count(candidate) || graph_.has_value(candidate); ++i)
    candidate = base + "_" + std::to_string(i);
  taken_.insert(candidate);
  return candidate;
}

std::string UpgradeContext::add_constant(const std::string& base, Tensor tensor) {
  const std::string name = fresh_name(base);
  graph_.add_constant(name, std::move(tensor));
  return name;
}

void UpgradeContext::emit(Node node) {
  for (const auto& out : node.outputs)
    if (!out.empty()) graph_.add_value(out);
  graph_.nodes.push_back(std::move(node));
}

int UpgradeContext::known_rank(const std::string& value) const {
  const Value* v = graph_.find_value(value);
  return v && v->shape.rank_known ? static_cast<int>(v->shape.rank()) : -1;
}

DType UpgradeContext::known_dtype(const std::string& value) const {
  const Value* v = graph_.find_value(value);
  return v ? v->dtype : DType::Undefined;
}

std::string ir_op_for(const std::string& onnx_op) {
  return onnx_op == "Upsample" ? "Resize" : onnx_op;
}

void set_input(Node& node, size_t index, std::string name) {
  if (node.inputs.size() <= index) node.inputs.resize(index + 1);
  node.inputs[index] = std::move(name);
}

void move_ints_to_input(Node& node, const std::string& attr, size_t index, UpgradeContext& ctx) {
  if (!node.attrs.has(attr)) return;
  const std::vector<int64_t> values = node.attrs.get_ints(attr);
  node.attrs.erase(attr);
  const int64_t count = static_cast<int64_t>(values.size());
  set_input(
      node, index,
      ctx.add_constant(node.name + "_" + attr, Tensor::from_vector<int64_t>({count}, values)));
}

Tensor float_scalar(const Node& node, DType dtype, float value) {
  switch (dtype) {
    case DType::Undefined:
    case DType::Float32:
      return Tensor::scalar<float>(value);
    case DType::Float64:
      return Tensor::scalar<double>(value);
    case DType::Float16: {
      Tensor t(DType::Float16, {});
      const uint16_t bits = float_to_half(value);
      std::memcpy(t.mutable_raw(), &bits, 2);
      return t;
    }
    default:
      node_error(node, "cannot express the attribute value {} as a {} input", value,
                 dtype_name(dtype));
  }
}

namespace {

void upgrade_cast_like_dtype(Node& node, const char* attr) {
  if (!node.attrs.has(attr)) return;
  const int64_t onnx_type = node.attrs.get_int(attr, 0);
  const DType dtype = dtype_from_onnx(static_cast<int32_t>(onnx_type));
  if (dtype == DType::Undefined)
    node_error(node, "attribute '{}' names type {}, which has no IR equivalent", attr,
               onnx_type_name(static_cast<int32_t>(onnx_type)));
  node.attrs.set(attr, std::string(dtype_name(dtype)));
  // Cast-19 `saturate` only affects float8 targets, which the IR does not have.
  if (node.op == "Cast") node.attrs.erase("saturate");
}

void upgrade_constant(Node& node) {
  const auto& attrs = node.attrs;
  Tensor value;
  if (attrs.has("value")) {
    value = *attrs.get_tensor("value");
  } else if (attrs.has("value_float")) {
    value = Tensor::scalar<float>(attrs.get_float("value_float", 0));
  } else if (attrs.has("value_floats")) {
    const auto v = attrs.get_floats("value_floats");
    value = Tensor::from_vector<float>({static_cast<int64_t>(v.size())}, v);
  } else if (attrs.has("value_int")) {
    value = Tensor::scalar<int64_t>(attrs.get_int("value_int", 0));
  } else if (attrs.has("value_ints")) {
    const auto v = attrs.get_ints("value_ints");
    value = Tensor::from_vector<int64_t>({static_cast<int64_t>(v.size())}, v);
  } else {
    node_error(node, "only tensor, float(s) and int(s) constants are supported");
  }
  node.attrs = Attributes();
  node.attrs.set("value", std::move(value));
}

void upgrade_dropout(Node& node, UpgradeContext& ctx) {
  node.attrs.erase("is_test");
  if (ctx.opset() >= 12) return;
  const float ratio = node.attrs.get_float("ratio", 0.5f);
  node.attrs.erase("ratio");
  set_input(node, 1, ctx.add_constant(node.name + "_ratio", Tensor::scalar<float>(ratio)));
}

void upgrade_clip(Node& node, UpgradeContext& ctx) {
  if (ctx.opset() >= 11) return;
  const DType dtype = ctx.known_dtype(node.inputs.at(0));
  for (const auto& [attr, index] : {std::pair<const char*, size_t>{"min", 1}, {"max", 2}}) {
    if (!node.attrs.has(attr)) continue;
    const float bound = node.attrs.get_float(attr, 0);
    node.attrs.erase(attr);
    set_input(node, index,
              ctx.add_constant(node.name + "_" + attr, float_scalar(node, dtype, bound)));
  }
}

void upgrade_pad(Node& node, UpgradeContext& ctx) {
  if (ctx.opset() >= 11) return;
  if (!node.attrs.has("pads")) node_error(node, "required attribute 'pads' is missing");
  const float value = node.attrs.get_float("value", 0);
  node.attrs.erase("value");
  move_ints_to_input(node, "pads", 1, ctx);
  if (value != 0) {
    const DType dtype = ctx.known_dtype(node.inputs.at(0));
    set_input(node, 2, ctx.add_constant(node.name + "_value", float_scalar(node, dtype, value)));
  }
}

void upgrade_split(Node& node, UpgradeContext& ctx) {
  if (ctx.opset() < 13) move_ints_to_input(node, "split", 1, ctx);
  // From opset 18 an equal split must say how many parts it makes.
  if (!node.has_input(1) && !node.attrs.has("num_outputs"))
    node.attrs.set("num_outputs", static_cast<int64_t>(node.outputs.size()));
}

bool is_reduce_with_axes_input_since_18(const std::string& op) {
  return op == "ReduceL1" || op == "ReduceL2" || op == "ReduceLogSum" || op == "ReduceLogSumExp" ||
         op == "ReduceMax" || op == "ReduceMean" || op == "ReduceMin" || op == "ReduceProd" ||
         op == "ReduceSumSquare";
}

void upgrade_topk(Node& node, UpgradeContext& ctx) {
  if (ctx.opset() >= 10) return;
  const int64_t k = node.attrs.get_int("k", -1);
  if (k < 0) node_error(node, "required attribute 'k' is missing");
  node.attrs.erase("k");
  set_input(node, 1, ctx.add_constant(node.name + "_k", Tensor::from_vector<int64_t>({1}, {k})));
}

}  // namespace

void upgrade_node(Node node, UpgradeContext& ctx) {
  const int opset = ctx.opset();
  const std::string& op = node.op;
  node.attrs.erase("consumed_inputs");  // pre-opset-6 bookkeeping, no meaning
  if (const char* attr = dtype_attribute_of(op)) upgrade_cast_like_dtype(node, attr);

  if (op == "MaxPool" || op == "AveragePool") {
    upgrade_pool(node);
  } else if ((op == "Softmax" || op == "LogSoftmax" || op == "Hardmax") && opset < 13) {
    return upgrade_flattening_softmax(std::move(node), ctx);
  } else if (op == "BatchNormalization") {
    upgrade_batch_normalization(node, ctx);
  } else if (op == "Dropout") {
    upgrade_dropout(node, ctx);
  } else if (op == "Clip") {
    upgrade_clip(node, ctx);
  } else if (op == "Pad") {
    upgrade_pad(node, ctx);
  } else if (op == "Slice" && opset < 10) {
    move_ints_to_input(node, "starts", 1, ctx);
    move_ints_to_input(node, "ends", 2, ctx);
    move_ints_to_input(node, "axes", 3, ctx);
  } else if (op == "Split") {
    upgrade_split(node, ctx);
  } else if ((op == "Squeeze" || op == "Unsqueeze") && opset < 13) {
    move_ints_to_input(node, "axes", 1, ctx);
  } else if ((op == "ReduceSum" && opset < 13) ||
             (is_reduce_with_axes_input_since_18(op) && opset < 18)) {
    move_ints_to_input(node, "axes", 1, ctx);
  } else if (op == "Upsample" || op == "Resize") {
    upgrade_resize(node, ctx);
  } else if (op == "Constant") {
    upgrade_constant(node);
  } else if (op == "TopK") {
    upgrade_topk(node, ctx);
  } else if (op == "GroupNormalization" && opset < 21) {
    // Opset 18-20 scale and bias are per group, opset 21 per channel.
    node_error(node, "GroupNormalization before opset 21 (per-group scale) is not supported");
  }
  ctx.emit(std::move(node));
}

}  // namespace nnport::onnx_format
