// Caffe blobs are NCHW and Caffe 1.0 cannot permute axes. A channels-last source (TensorFlow)
// reaches the IR with a Transpose to NCHW right after each 4-D input and, where an output is
// 4-D, a Transpose back before it; every other layout Transpose has been cancelled by the
// sink_transposes pass. Those boundary Transposes are absorbed: the Caffe model takes and
// returns NCHW blobs (as OpenCV's own TensorFlow importer does), recorded in the prototxt's
// name-independent metadata by the writer. The numbers are unchanged, only the I/O layout.
#include <algorithm>

#include "formats/caffe/caffe_legalize.h"
#include "ir/op_schema.h"

namespace nnport::caffe_export {

namespace {

const std::vector<int64_t> kToChannelsFirst = {0, 3, 1, 2};
const std::vector<int64_t> kToChannelsLast = {0, 2, 3, 1};

bool is_transpose(const Node& node, const std::vector<int64_t>& perm) {
  return node.op == "Transpose" && node.attrs.get_ints("perm") == perm;
}

void replace_uses(Graph& graph, const std::string& from, const std::string& to) {
  for (Node& n : graph.nodes)
    for (auto& in : n.inputs)
      if (in == from) in = to;
  for (auto& out : graph.outputs)
    if (out == from) out = to;
}

}  // namespace

bool absorb_layout_transposes(Graph& graph) {
  bool changed = false;
  std::vector<bool> drop(graph.nodes.size(), false);
  for (const std::string& input : graph.inputs) {
    Value& v = graph.value(input);
    if (!v.shape.rank_known || v.shape.rank() != 4) continue;
    std::vector<size_t> consumers;
    bool all_transposes = true;
    for (size_t i = 0; i < graph.nodes.size(); ++i)
      for (const auto& in : graph.nodes[i].inputs)
        if (in == input) {
          consumers.push_back(i);
          all_transposes = all_transposes && is_transpose(graph.nodes[i], kToChannelsFirst);
        }
    if (consumers.empty() || !all_transposes ||
        std::count(graph.outputs.begin(), graph.outputs.end(), input) > 0)
      continue;
    const std::vector<Dim> nhwc = v.shape.dims;
    v.shape = Shape({nhwc[0], nhwc[3], nhwc[1], nhwc[2]});
    for (size_t i : consumers) {
      drop[i] = true;
      replace_uses(graph, graph.nodes[i].outputs[0], input);
    }
    changed = true;
  }
  const auto uses = graph.use_counts();
  for (size_t i = 0; i < graph.nodes.size(); ++i) {
    const Node& node = graph.nodes[i];
    if (drop[i] || !is_transpose(node, kToChannelsLast)) continue;
    const std::string& out = node.outputs[0];
    const std::string& in = node.inputs[0];
    const bool only_output =
        uses.at(out) == 1 && std::count(graph.outputs.begin(), graph.outputs.end(), out) == 1;
    const bool source_private =
        uses.at(in) == 1 && std::count(graph.inputs.begin(), graph.inputs.end(), in) == 0;
    if (!only_output || !source_private) continue;
    // The NCHW value takes the output's name, so outputs keep their names.
    for (Node& n : graph.nodes)
      for (auto& o : n.outputs)
        if (o == in) o = out;
    drop[i] = true;
    changed = true;
  }
  if (!changed) return false;
  std::vector<Node> kept;
  for (size_t i = 0; i < graph.nodes.size(); ++i)
    if (!drop[i]) kept.push_back(std::move(graph.nodes[i]));
  graph.nodes = std::move(kept);
  graph.remove_dead_nodes();
  infer_shapes(graph);
  return true;
}

}  // namespace nnport::caffe_export
