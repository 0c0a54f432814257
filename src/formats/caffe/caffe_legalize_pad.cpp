// A constant Pad of H and W feeding only a window op becomes that op's pads: zeros before a
// Conv (the convolution pads with zeros), -inf before a MaxPool (pooling pads never win a max).
// Same numbers, and the pads then go through legalize_windows like any other (TF's explicit
// ZeroPadding2D / PadV2 + MaxPool in nanodet-style backbones).
#include <cmath>
#include <optional>
#include <set>

#include "formats/caffe/caffe_legalize.h"
#include "ir/op_schema.h"

namespace nnport::caffe_export {

namespace {

// Spatial pads [top, left, bottom, right] of a 4-D constant Pad, or nothing.
std::optional<std::vector<int64_t>> spatial_pads(const Graph& graph, const Node& pad,
                                                 float* value) {
  if (pad.op != "Pad" || pad.has_input(3) || AttrReader(pad).s("mode") != "constant")
    return std::nullopt;
  const Tensor* pads_t = graph.constant(pad.inputs[1]);
  if (!pads_t) return std::nullopt;
  const std::vector<int64_t> p = pads_t->to_int64_vector();
  if (p.size() != 8 || p[0] || p[1] || p[4] || p[5]) return std::nullopt;
  for (int64_t v : p)
    if (v < 0) return std::nullopt;
  *value = 0.0f;
  if (pad.has_input(2)) {
    const Tensor* v = graph.constant(pad.inputs[2]);
    if (!v || v->element_count() != 1 || v->dtype() != DType::Float32) return std::nullopt;
    *value = v->to_float_vector()[0];
  }
  return std::vector<int64_t>{p[2], p[3], p[6], p[7]};
}

}  // namespace

void fold_pads_into_windows(Graph& graph) {
  const auto uses = graph.use_counts();
  const auto producers = graph.producers();
  const std::set<std::string> outputs(graph.outputs.begin(), graph.outputs.end());
  bool changed = false;
  for (Node& window : graph.nodes) {
    if ((window.op != "Conv" && window.op != "MaxPool") || window.inputs.empty()) continue;
    auto producer = producers.find(window.inputs[0]);
    if (producer == producers.end()) continue;
    const Node& pad = graph.nodes[producer->second];
    if (uses.at(pad.outputs[0]) != 1 || outputs.count(pad.outputs[0])) continue;
    float value = 0.0f;
    const auto extra = spatial_pads(graph, pad, &value);
    if (!extra) continue;
    const bool fits = window.op == "Conv" ? value == 0.0f : std::isinf(value) && value < 0;
    if (!fits) continue;
    const AttrReader attrs(window);
    if (attrs.s("auto_pad") != "NOTSET") continue;
    std::vector<int64_t> pads = attrs.ints("pads");
    if (pads.empty()) pads.assign(4, 0);
    if (pads.size() != 4) continue;
    if (window.op == "MaxPool") {
      // A window made only of padding would be -inf either way, but keep pads below the kernel
      // as every pooling implementation expects.
      const std::vector<int64_t> kernel = attrs.ints("kernel_shape");
      bool small = kernel.size() == 2;
      for (size_t i = 0; small && i < 4; ++i)
        small = pads[i] + (*extra)[i] < kernel[i % 2];
      if (!small) continue;
    }
    for (size_t i = 0; i < 4; ++i)
      pads[i] += (*extra)[i];
    window.attrs.set("pads", pads);
    window.inputs[0] = pad.inputs[0];
    changed = true;
  }
  if (!changed) return;
  graph.remove_dead_nodes();
  infer_shapes(graph);
}

}  // namespace nnport::caffe_export
