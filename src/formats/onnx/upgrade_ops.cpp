#include "formats/onnx/upgrade_ops.h"

#include "formats/onnx/node_error.h"

namespace nnport::onnx_format {

void upgrade_pool(Node& node) {
  if (node.attrs.has("ceil_mode")) {
    const int64_t ceil_mode = node.attrs.get_int("ceil_mode", 0);
    if (ceil_mode != 0 && ceil_mode != 1)
      node_error(node, "ceil_mode must be 0 or 1, got {}", ceil_mode);
    node.attrs.erase("ceil_mode");
    // ONNX Runtime drops a last window that starts in the end padding, like PyTorch.
    if (ceil_mode == 1) node.attrs.set("rounding", std::string("ceil"));
  }
  if (node.op == "AveragePool") {
    const int64_t include_pad = node.attrs.get_int("count_include_pad", 0);
    if (include_pad != 0 && include_pad != 1)
      node_error(node, "count_include_pad must be 0 or 1, got {}", include_pad);
    node.attrs.erase("count_include_pad");
    node.attrs.set("divisor", std::string(include_pad ? "padded" : "valid"));
  }
}

void upgrade_flattening_softmax(Node node, UpgradeContext& ctx) {
  const int64_t axis = node.attrs.get_int("axis", 1);
  const int rank = ctx.known_rank(node.inputs.at(0));
  // Flattening at the last axis gives rows that are exactly the last-axis slices.
  if (axis == -1 || (rank >= 0 && (axis == rank - 1 || axis + rank == rank - 1))) {
    node.attrs.set("axis", int64_t{-1});
    return ctx.emit(std::move(node));
  }
  const std::string input = node.inputs.at(0);
  const std::string output = node.outputs.at(0);
  const std::string flat = ctx.fresh_name(node.name + "_flat");
  const std::string flat_result = ctx.fresh_name(node.name + "_flat_result");
  const std::string shape = ctx.fresh_name(node.name + "_shape");

  Node flatten{ctx.fresh_name(node.name + "_flatten"), "Flatten", {input}, {flat}, {}};
  flatten.attrs.set("axis", axis);
  Node shape_of{ctx.fresh_name(node.name + "_shape_of"), "Shape", {input}, {shape}, {}};
  Node reshape{
      ctx.fresh_name(node.name + "_reshape"), "Reshape", {flat_result, shape}, {output}, {}};
  node.inputs = {flat};
  node.outputs = {flat_result};
  node.attrs.set("axis", int64_t{-1});
  ctx.emit(std::move(flatten));
  ctx.emit(std::move(node));
  ctx.emit(std::move(shape_of));
  ctx.emit(std::move(reshape));
}

void upgrade_batch_normalization(Node& node, UpgradeContext& ctx) {
  if (ctx.opset() < 9) {
    const int64_t spatial = node.attrs.get_int("spatial", 1);
    if (spatial != 1)
      node_error(node, "spatial={} (per-activation statistics) is not supported", spatial);
    node.attrs.erase("spatial");
  }
  node.attrs.erase("is_test");
  if (ctx.opset() < 14) {
    // Opset < 14 may list the training outputs (running and saved statistics); opset 14+
    // only has them in training mode.
    for (size_t i = 1; i < node.outputs.size(); ++i)
      if (!node.outputs[i].empty())
        node_error(node, "training outputs (output {} '{}') are not supported", i, node.outputs[i]);
    node.outputs.resize(1);
  }
}

namespace {

const Tensor* constant_input(const Node& node, size_t index, UpgradeContext& ctx) {
  return node.has_input(index) ? ctx.graph().constant(node.inputs[index]) : nullptr;
}

// Before opset 11 ONNX Runtime (and the backend tests) round nearest-neighbour source
// coordinates down when upsampling and up when downsampling, per axis.
std::string legacy_nearest_mode(const Node& node, const Tensor* scales) {
  // Upsample's scales must be >= 1 (its spec), so it always rounds down.
  if (!scales && node.op == "Upsample") return "floor";
  if (!scales)
    node_error(node, "nearest resize before opset 11 needs constant scales to pick its rounding");
  bool up = false, down = false;
  for (float s : scales->to_float_vector()) {
    up = up || s > 1;
    down = down || s < 1;
  }
  if (up && down)
    node_error(node,
               "nearest resize before opset 11 that both up- and downsamples rounds each "
               "axis differently; not expressible in one Resize");
  return down ? "ceil" : "floor";
}

void upgrade_legacy_resize(Node& node, UpgradeContext& ctx) {
  std::string mode = node.attrs.get_string("mode", "nearest");
  if (node.op == "Upsample" && ctx.opset() < 9) {
    if (!node.attrs.has("scales")) node_error(node, "required attribute 'scales' is missing");
    const auto scales = node.attrs.get_floats("scales");
    node.attrs.erase("scales");
    set_input(node, 1,
              ctx.add_constant(
                  node.name + "_scales",
                  Tensor::from_vector<float>({static_cast<int64_t>(scales.size())}, scales)));
  }
  if (node.inputs.size() != 2) node_error(node, "expected 2 inputs (X, scales)");
  node.inputs = {node.inputs[0], "", node.inputs[1]};
  if (mode == "bilinear") mode = "linear";  // an Upsample-7 spelling used by early exporters
  if (mode != "nearest" && mode != "linear") node_error(node, "unknown mode '{}'", mode);
  node.attrs.set("mode", mode);
  node.attrs.set("coordinate_transformation_mode", std::string("asymmetric"));
  if (mode == "nearest")
    node.attrs.set("nearest_mode", legacy_nearest_mode(node, constant_input(node, 2, ctx)));
  node.op = "Resize";
}

// tf_half_pixel_for_nn (opset 11-12) maps x to (x + 0.5) / scale, which is half_pixel plus 0.5;
// shifting by 0.5 turns floor into round-half-up and round-half-down into ceil.
void upgrade_tf_half_pixel_for_nn(Node& node) {
  const std::string nearest = node.attrs.get_string("nearest_mode", "round_prefer_floor");
  std::string equivalent;
  if (nearest == "floor") equivalent = "round_prefer_ceil";
  if (nearest == "round_prefer_floor") equivalent = "ceil";
  if (equivalent.empty())
    node_error(node, "tf_half_pixel_for_nn with nearest_mode '{}' has no opset-13 equivalent",
               nearest);
  node.attrs.set("coordinate_transformation_mode", std::string("half_pixel"));
  node.attrs.set("nearest_mode", equivalent);
}

}  // namespace

void upgrade_resize(Node& node, UpgradeContext& ctx) {
  if (node.op == "Upsample" || ctx.opset() < 11) return upgrade_legacy_resize(node, ctx);
  if (ctx.opset() >= 13) return;
  // Opset 11-12 require roi and scales inputs even when unused; empty tensors mean "absent".
  for (size_t i : {size_t{1}, size_t{2}}) {
    const Tensor* t = constant_input(node, i, ctx);
    if (t && t->element_count() == 0) node.inputs[i] = "";
  }
  if (node.attrs.get_string("coordinate_transformation_mode", "") == "tf_half_pixel_for_nn")
    upgrade_tf_half_pixel_for_nn(node);
}

}  // namespace nnport::onnx_format
