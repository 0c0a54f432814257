// Caffe blobs are NCHW and Caffe 1.0 cannot permute axes. A channels-last source (TensorFlow)
// reaches the IR with a Transpose to NCHW right after each 4-D input and, where an output is
// 4-D, a Transpose back before it; every other layout Transpose has been cancelled by the
// sink_transposes pass. Those boundary Transposes are absorbed: the Caffe model takes and
// returns NCHW blobs (as OpenCV's own TensorFlow importer does), recorded in the prototxt's
// name-independent metadata by the writer. The numbers are unchanged, only the I/O layout.
#include <algorithm>
#include <set>

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

// An op that computes each element from that element alone, the same in any layout: a unary
// op, or a binary/Clip op whose other operands are one-element constants (no broadcast that
// depends on the axis order, no rank growth). Returns the index of its data input, or -1.
int layout_free_data_input(const Graph& graph, const Node& node) {
  static const std::set<std::string> kOps = {"Add",  "Sub", "Mul", "Div",     "Clip",
                                             "Relu", "Neg", "Abs", "Sigmoid", "Tanh"};
  if (!kOps.count(node.op) || node.outputs.size() != 1) return -1;
  int data = -1;
  for (size_t i = 0; i < node.inputs.size(); ++i) {
    if (node.inputs[i].empty()) continue;
    const Tensor* c = graph.constant(node.inputs[i]);
    if (c && c->element_count() == 1 && c->rank() <= 4) continue;
    if (c || data >= 0) return -1;
    data = static_cast<int>(i);
  }
  return data;
}

// A source that preprocesses its channels-last input before the first layout Transpose (nsfwjs
// scales the image by Mul and Sub with scalars) leaves the Transpose away from the input. Such
// element-by-element ops commute with the Transpose, so it moves up to the input, where it can
// be absorbed; the values computed are the same, only in NCHW order.
bool hoist_transposes_to_inputs(Graph& graph) {
  bool changed = false;
  for (bool moved = true; moved;) {
    moved = false;
    const auto producers = graph.producers();
    const auto uses = graph.use_counts();
    for (Node& transpose : graph.nodes) {
      if (!is_transpose(transpose, kToChannelsFirst)) continue;
      const std::string between = transpose.inputs[0];
      const auto p = producers.find(between);
      if (p == producers.end() || uses.at(between) != 1) continue;
      Node& op = graph.nodes[p->second];
      const int data = layout_free_data_input(graph, op);
      if (data < 0) continue;
      const std::string source = op.inputs[data];
      const bool from_input =
          std::count(graph.inputs.begin(), graph.inputs.end(), source) > 0 ||
          (producers.count(source) &&
           layout_free_data_input(graph, graph.nodes[producers.at(source)]) >= 0);
      if (!from_input) continue;
      // source -> op -> between -> Transpose -> out  becomes  source -> Transpose -> between ->
      // op -> out (`between` now holds the NCHW value).
      op.inputs[data] = between;
      std::swap(op.outputs[0], transpose.outputs[0]);
      transpose.inputs[0] = source;
      moved = changed = true;
      break;
    }
    if (moved) graph.topological_sort();
  }
  return changed;
}

}  // namespace

bool absorb_layout_transposes(Graph& graph) {
  bool changed = hoist_transposes_to_inputs(graph);
  if (changed) infer_shapes(graph);
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
