// Resize on write. Opset 11-12 require the roi and scales inputs; opsets 7-10 only have
// Upsample (7-9) and Resize-10, whose nearest rounding ONNX Runtime picks per axis from the
// scale (floor when upsampling, ceil when downsampling) with asymmetric coordinates.
#include "formats/onnx/downgrade_ops.h"
#include "formats/onnx/node_error.h"

namespace nnport::onnx_format {

namespace {

void downgrade_to_legacy_resize(Node& node, DowngradeContext& ctx) {
  const int opset = ctx.opset();
  const std::string mode = node.attrs.get_string("mode", "nearest");
  if (mode != "nearest" && mode != "linear")
    node_error(node, "mode '{}' needs opset 11 (writing {})", mode, opset);
  if (node.attrs.get_string("coordinate_transformation_mode", "half_pixel") != "asymmetric")
    node_error(node, "opsets before 11 only resize with asymmetric coordinates (writing {})",
               opset);
  if (node.has_input(1)) node_error(node, "roi needs opset 11 (writing {})", opset);
  if (node.has_input(3)) node_error(node, "output sizes need opset 11 (writing {})", opset);
  if (node.attrs.get_int("exclude_outside", 0) != 0 || node.attrs.get_int("antialias", 0) != 0 ||
      !node.attrs.get_ints("axes").empty() ||
      node.attrs.get_string("keep_aspect_ratio_policy", "stretch") != "stretch")
    node_error(node,
               "exclude_outside, antialias, axes and keep_aspect_ratio_policy need opset "
               "11 or 18 (writing {})",
               opset);
  // Opset 9+ takes scales as an input. Upsample (opset 9) only upsamples (its scales must be
  // >= 1), so its floor rounding is known even when the scales are computed at run time.
  const bool runtime_scales_ok =
      opset == 9 && !ctx.constant(node.inputs[2]) &&
      (mode == "linear" || node.attrs.get_string("nearest_mode", "round_prefer_floor") == "floor");
  if (runtime_scales_ok) {
    node.op = "Upsample";
    node.inputs = {node.inputs[0], node.inputs[2]};
    Attributes upsample_attrs;
    upsample_attrs.set("mode", mode);
    node.attrs = std::move(upsample_attrs);
    return;
  }
  const Tensor& scales = ctx.require_constant(node, 2, "scales");
  if (mode == "nearest") {
    bool up = false, down = false;
    for (float s : scales.to_float_vector()) {
      up = up || s > 1;
      down = down || s < 1;
    }
    const std::string nearest = node.attrs.get_string("nearest_mode", "round_prefer_floor");
    const bool matches = (nearest == "floor" && !down) || (nearest == "ceil" && !up);
    if (!matches)
      node_error(node,
                 "nearest_mode '{}' with these scales needs opset 11 (before it, rounding "
                 "is floor when upsampling, ceil when downsampling)",
                 nearest);
  }
  Attributes attrs;
  attrs.set("mode", mode);
  if (opset >= 10) {
    node.inputs = {node.inputs[0], node.inputs[2]};
  } else {
    node.op = "Upsample";
    if (opset >= 9) {
      node.inputs = {node.inputs[0], node.inputs[2]};
    } else {
      node.inputs = {node.inputs[0]};
      attrs.set("scales", scales.to_float_vector());
    }
  }
  node.attrs = std::move(attrs);
}

}  // namespace

void downgrade_resize(Node& node, DowngradeContext& ctx) {
  const int opset = ctx.opset();
  if (opset < 19 &&
      node.attrs.get_string("coordinate_transformation_mode", "") == "half_pixel_symmetric")
    node_error(node, "half_pixel_symmetric needs opset 19 (writing {})", opset);
  if (opset < 11) return downgrade_to_legacy_resize(node, ctx);
  if (opset >= 13) return;
  // Opset 11-12 require roi and scales; empty tensors stand for "not given".
  node.inputs.resize(std::max<size_t>(node.inputs.size(), 3));
  if (node.inputs[1].empty())
    node.inputs[1] = ctx.add_constant(node.name + "_roi", Tensor(DType::Float32, {0}));
  if (node.inputs[2].empty())
    node.inputs[2] = ctx.add_constant(node.name + "_scales", Tensor(DType::Float32, {0}));
}

}  // namespace nnport::onnx_format
