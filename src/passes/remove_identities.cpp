// Bypasses Identity and inference-mode Dropout. A removed node's output name is replaced by its
// input name everywhere, except when the output is a graph output: then the producer of the
// input is renamed instead, so the names users feed and fetch never change.
#include <algorithm>

#include "passes/pass.h"

namespace nnport {

namespace {

bool is_graph_input_or_output(const Graph& graph, const std::string& name) {
  return std::find(graph.inputs.begin(), graph.inputs.end(), name) != graph.inputs.end() ||
         std::find(graph.outputs.begin(), graph.outputs.end(), name) != graph.outputs.end();
}

bool is_used(const Graph& graph, const std::string& name) {
  if (std::find(graph.outputs.begin(), graph.outputs.end(), name) != graph.outputs.end())
    return true;
  for (const Node& n : graph.nodes)
    if (std::find(n.inputs.begin(), n.inputs.end(), name) != n.inputs.end()) return true;
  return false;
}

// Dropout is the identity only in inference mode: its optional training_mode input must be
// absent or a constant false, and its optional mask output unused.
bool is_pass_through(const Graph& graph, const Node& node) {
  if (node.op == "Identity") return node.inputs.size() == 1 && node.outputs.size() == 1;
  if (node.op != "Dropout" || !node.has_input(0) || node.outputs.empty()) return false;
  if (node.has_input(2)) {
    const Tensor* training = graph.constant(node.inputs[2]);
    if (!training || training->element_count() != 1 || training->to_int64_vector()[0] != 0)
      return false;
  }
  return node.outputs.size() < 2 || node.outputs[1].empty() || !is_used(graph, node.outputs[1]);
}

void rename_everywhere(Graph& graph, const std::string& from, const std::string& to) {
  for (Node& n : graph.nodes) {
    std::replace(n.inputs.begin(), n.inputs.end(), from, to);
    std::replace(n.outputs.begin(), n.outputs.end(), from, to);
  }
}

// Returns false when the node has to stay (its input and output are both names users see).
bool bypass(Graph& graph, const Node& node) {
  const std::string& in = node.inputs[0];
  const std::string& out = node.outputs[0];
  if (!is_graph_input_or_output(graph, out)) {
    for (Node& n : graph.nodes)
      std::replace(n.inputs.begin(), n.inputs.end(), out, in);
    graph.remove_value(out);
    return true;
  }
  const auto producers = graph.producers();
  if (is_graph_input_or_output(graph, in) || !producers.count(in)) return false;
  Value renamed = graph.value(in);
  if (const Value* existing = graph.find_value(out)) {
    // The output's declared dtype and shape (from the source file) win over inferred ones.
    if (existing->dtype != DType::Undefined) renamed.dtype = existing->dtype;
    if (existing->shape.rank_known) renamed.shape = existing->shape;
  }
  renamed.name = out;
  rename_everywhere(graph, in, out);
  graph.remove_value(in);
  graph.add_value(out) = renamed;
  return true;
}

}  // namespace

void remove_identities(Graph& graph, const PassOptions&) {
  for (size_t i = 0; i < graph.nodes.size();) {
    const Node node = graph.nodes[i];
    if (!is_pass_through(graph, node)) {
      ++i;
      continue;
    }
    // Erase first so that renaming does not touch the node being removed.
    graph.nodes.erase(graph.nodes.begin() + static_cast<std::ptrdiff_t>(i));
    if (!bypass(graph, node))
      graph.nodes.insert(graph.nodes.begin() + static_cast<std::ptrdiff_t>(i++), node);
  }
}

}  // namespace nnport
