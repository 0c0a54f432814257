#include <algorithm>

#include "formats/onnx/downgrade_ops.h"
#include "formats/onnx/node_error.h"

namespace nnport::onnx_format {

void drop_input(Node& node, size_t index) {
  if (index < node.inputs.size()) node.inputs[index].clear();
  while (!node.inputs.empty() && node.inputs.back().empty())
    node.inputs.pop_back();
}

void input_to_ints_attr(Node& node, size_t index, const char* attr, DowngradeContext& ctx) {
  if (!node.has_input(index)) return;
  node.attrs.set(attr, ctx.require_constant(node, index, attr).to_int64_vector());
  drop_input(node, index);
}

int64_t require_rank(const Node& node, size_t index, DowngradeContext& ctx, const char* why) {
  const Shape& shape = node.has_input(index) ? ctx.shape(node.inputs[index]) : Shape();
  if (!shape.rank_known) node_error(node, "{}, but the rank of input {} is unknown", why, index);
  return static_cast<int64_t>(shape.rank());
}

namespace {

// A constant scalar input as the float attribute older opsets store; refuses values a float32
// attribute cannot hold exactly.
float float_attribute_from(const Node& node, const Tensor& t, const char* role) {
  if (t.element_count() != 1) node_error(node, "{} must be a single value", role);
  if (t.dtype() == DType::Float64) {
    const double value = t.values<double>()[0];
    if (static_cast<double>(static_cast<float>(value)) != value)
      node_error(node, "{} {} is not exactly representable as a float attribute", role, value);
  }
  return t.to_float_vector()[0];
}

}  // namespace

void downgrade_softmax(Node& node, DowngradeContext& ctx) {
  // Before opset 13 these ops flatten to 2-D at `axis`: equal to the one-axis form only when
  // the axis is the last one.
  const int64_t rank = require_rank(node, 0, ctx, "opsets before 13 flatten at the axis");
  int64_t axis = node.attrs.get_int("axis", -1);
  if (axis < 0) axis += rank;
  if (axis != rank - 1)
    node_error(node,
               "axis {} of a rank-{} input is not the last axis; opsets before 13 would "
               "normalise over the flattened trailing axes",
               axis, rank);
  node.attrs.set("axis", axis);
}

void downgrade_split(Node& node, DowngradeContext& ctx) {
  if (ctx.opset() >= 18) return;
  const int64_t parts = node.attrs.get_int("num_outputs", 0);
  node.attrs.erase("num_outputs");
  if (!node.has_input(1)) {
    if (parts != 0 && parts != static_cast<int64_t>(node.outputs.size()))
      node_error(node, "num_outputs {} differs from the {} outputs", parts, node.outputs.size());
    // Opset 18 makes the last part smaller when the axis does not divide evenly; older opsets
    // need the sizes spelled out then.
    const int64_t n = static_cast<int64_t>(node.outputs.size());
    const Shape& shape = ctx.shape(node.inputs.at(0));
    int64_t axis = node.attrs.get_int("axis", 0);
    if (axis < 0 && shape.rank_known) axis += static_cast<int64_t>(shape.rank());
    if (!shape.rank_known || axis < 0 || axis >= static_cast<int64_t>(shape.rank()) ||
        !shape.dims[axis].known())
      node_error(node, "an equal split needs the size of axis {} to be known for opset {}", axis,
                 ctx.opset());
    const int64_t size = shape.dims[axis].size;
    if (size % n == 0) return;
    const int64_t chunk = (size + n - 1) / n;
    std::vector<int64_t> sizes(n, chunk);
    sizes.back() = size - chunk * (n - 1);
    if (sizes.back() < 0) node_error(node, "cannot split {} into {} parts", size, n);
    if (ctx.opset() < 13) {
      node.attrs.set("split", sizes);
    } else {
      node.inputs.resize(2);
      node.inputs[1] =
          ctx.add_constant(node.name + "_split", Tensor::from_vector<int64_t>({n}, sizes));
    }
    return;
  }
  if (ctx.opset() < 13) input_to_ints_attr(node, 1, "split", ctx);
}

void downgrade_pad(Node& node, DowngradeContext& ctx) {
  const std::string mode = node.attrs.get_string("mode", "constant");
  if (mode == "wrap" && ctx.opset() < 19)
    node_error(node, "mode 'wrap' needs opset 19 (writing {})", ctx.opset());
  if (node.has_input(3) && ctx.opset() < 18)
    node_error(node, "the axes input needs opset 18 (writing {})", ctx.opset());
  if (ctx.opset() >= 11) return;
  input_to_ints_attr(node, 1, "pads", ctx);
  if (node.has_input(2)) {
    const Tensor& value = ctx.require_constant(node, 2, "the constant value");
    node.attrs.set("value", float_attribute_from(node, value, "the constant value"));
    drop_input(node, 2);
  }
}

void downgrade_clip(Node& node, DowngradeContext& ctx) {
  for (const auto& [attr, index] : {std::pair<const char*, size_t>{"max", 2}, {"min", 1}}) {
    if (!node.has_input(index)) continue;
    const Tensor& bound = ctx.require_constant(node, index, attr);
    node.attrs.set(attr, float_attribute_from(node, bound, attr));
    drop_input(node, index);
  }
}

void downgrade_dropout(Node& node, DowngradeContext& ctx) {
  if (node.has_input(2)) {
    const auto training = ctx.require_constant(node, 2, "training_mode").to_int64_vector();
    if (training.size() != 1 || training[0] != 0)
      node_error(node, "training mode needs opset 12 (writing {})", ctx.opset());
    drop_input(node, 2);
  }
  if (node.has_input(1)) {
    const Tensor& ratio = ctx.require_constant(node, 1, "ratio");
    node.attrs.set("ratio", float_attribute_from(node, ratio, "ratio"));
    drop_input(node, 1);
  }
}

void downgrade_reduce(Node& node, DowngradeContext& ctx, int axes_input_since) {
  if (ctx.opset() >= axes_input_since) return;
  const int64_t noop = node.attrs.get_int("noop_with_empty_axes", 0);
  node.attrs.erase("noop_with_empty_axes");
  const bool empty_axes =
      !node.has_input(1) || ctx.require_constant(node, 1, "axes").element_count() == 0;
  if (noop != 0 && empty_axes)
    node_error(node, "noop_with_empty_axes with no axes needs opset {} (writing {})",
               axes_input_since, ctx.opset());
  input_to_ints_attr(node, 1, "axes", ctx);
  if (node.attrs.has("axes") && node.attrs.get_ints("axes").empty()) node.attrs.erase("axes");
}

void downgrade_gemm(Node& node, DowngradeContext& ctx) {
  if (node.has_input(2)) return;
  // C is required before opset 11. Adding a zero is exact except that -0 becomes +0.
  DType dtype = ctx.graph().has_value(node.inputs.at(0)) ? ctx.graph().value(node.inputs[0]).dtype
                                                         : DType::Float32;
  if (dtype == DType::Undefined) dtype = DType::Float32;
  node.inputs.resize(3);
  node.inputs[2] = ctx.add_constant(node.name + "_zero_c", Tensor(dtype, {}));
}

// ONNX allows any LRN size; ONNX Runtime 1.30 refuses to create the kernel unless the size is
// odd and alpha and beta are positive, so such a file would not load. Caffe, MXNet and TF
// (size 2 * depth_radius + 1) only make odd sizes; an even one comes from an ONNX source that
// ONNX Runtime could not load either.
void check_lrn(const Node& node) {
  const int64_t size = node.attrs.get_int("size", 0);
  const float alpha = node.attrs.get_float("alpha", 1e-4f);
  const float beta = node.attrs.get_float("beta", 0.75f);
  if (size <= 0 || size % 2 == 0)
    node_error(node, "size {} is not a positive odd number, which ONNX Runtime requires", size);
  if (!(alpha > 0.0f) || !(beta > 0.0f))
    node_error(node, "alpha {} and beta {} must be positive for ONNX Runtime", alpha, beta);
}

}  // namespace nnport::onnx_format
