// Replaces auto_pad (SAME_UPPER / SAME_LOWER / VALID) by explicit per-side pads once the input's
// spatial sizes are known (docs/IR.md). Writers for frameworks without an auto_pad notion, and
// every emulation of asymmetric padding, need the pads spelled out.
#include "ir/error.h"
#include "ir/ops/spatial.h"
#include "ir/ops/spatial_infer.h"
#include "passes/pass.h"

namespace nnport {

namespace {

// Spatial input sizes, or empty when any is still unknown.
std::vector<int64_t> known_spatial_sizes(const Shape& shape) {
  if (!shape.rank_known || shape.rank() < 3) return {};
  std::vector<int64_t> sizes;
  for (size_t i = 2; i < shape.rank(); ++i) {
    if (!shape.dims[i].known()) return {};
    sizes.push_back(shape.dims[i].size);
  }
  return sizes;
}

// Conv takes its kernel size from the weight when kernel_shape is absent.
std::vector<int64_t> kernel_from_weight(const Graph& graph, const Node& node) {
  if (node.op != "Conv" || !node.has_input(1)) return {};
  const Value* weight = graph.find_value(node.inputs[1]);
  if (!weight || !weight->shape.fully_known() || weight->shape.rank() < 3) return {};
  const std::vector<int64_t> dims = weight->shape.sizes();
  return {dims.begin() + 2, dims.end()};
}

}  // namespace

void resolve_auto_pad(Graph& graph, const PassOptions&) {
  for (Node& node : graph.nodes) {
    // ConvTranspose's SAME padding is defined on its output, not its input; its kernel and
    // shape inference resolve it (spatial_infer.h).
    if (node.op == "ConvTranspose" || !node.attrs.has("auto_pad") || !node.has_input(0)) continue;
    const std::vector<int64_t> in_sizes = known_spatial_sizes(graph.value(node.inputs[0]).shape);
    if (in_sizes.empty()) continue;
    const std::vector<int64_t> kernel = kernel_from_weight(graph, node);
    if (node.op == "Conv" && !node.attrs.has("kernel_shape") && kernel.empty()) continue;
    try {
      const AttrReader attrs(node);
      const WindowParams params = read_window_params(attrs, in_sizes.size(), kernel);
      if (params.auto_pad == AutoPad::NotSet) {
        node.attrs.erase("auto_pad");
        continue;
      }
      const std::vector<int64_t> pads = resolve_pads(params, in_sizes);
      node.attrs.erase("auto_pad");
      node.attrs.set("pads", pads);
    } catch (const Error& e) {
      if (std::string_view(e.what()).starts_with("node '")) throw;
      rethrow_with_context(e, fmt::format("node '{}' ({}): ", node.name, node.op));
    }
  }
}

}  // namespace nnport
