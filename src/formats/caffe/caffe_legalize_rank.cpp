// OpenCV 4.6 limit: its Eltwise layer asserts that every bottom has at least two axes
// (eltwise_layer.cpp, getMemoryShapes: `inputs[0].size() >= 2`). Caffe itself has no such limit,
// and TF sources end in small rank-1 or rank-0 arithmetic (SSR-Net's stage sums over squeezed
// slices). Such an op is computed on the same elements viewed with a leading axis of 1 and
// reshaped back: reshapes only, so the numbers are unchanged. A chain of lifted ops passes the
// lifted value along, so only its ends are reshaped.
#include <algorithm>
#include <set>

#include "formats/caffe/caffe_legalize.h"
#include "ir/op_schema.h"

namespace nnport::caffe_export {

namespace {

// Ops the elementwise emitter may write as an Eltwise layer.
bool may_become_eltwise(const Graph& graph, const Node& node) {
  static const std::set<std::string> kBinary = {"Add", "Sub", "Mul", "Div", "Max", "Min", "Sum"};
  static const std::set<std::string> kBounded = {"Max", "Min", "Clip"};
  if (!kBinary.count(node.op) && !kBounded.count(node.op)) return false;
  size_t variables = 0;
  for (const std::string& in : node.inputs)
    if (!in.empty() && !graph.constant(in)) ++variables;
  // Max/Min/Clip with a constant bound compare against a constant blob in an Eltwise MAX.
  return variables >= 2 || (kBounded.count(node.op) && variables == 1);
}

std::string add_shape_constant(Graph& graph, const std::string& base,
                               const std::vector<int64_t>& dims) {
  const std::string name = graph.unique_name(base);
  graph.add_constant(name, Tensor::from_vector<int64_t>({static_cast<int64_t>(dims.size())}, dims));
  return name;
}

Node reshape_node(Graph& graph, const std::string& name, const std::string& in,
                  const std::vector<int64_t>& dims, const std::string& out) {
  Node r;
  r.name = graph.unique_name(name);
  r.op = "Reshape";
  r.inputs = {in, add_shape_constant(graph, name + "/shape", dims)};
  r.outputs = {out};
  r.attrs.set("allowzero", int64_t{1});  // the dims are the exact sizes, 0 included
  return r;
}

}  // namespace

bool lift_low_rank_eltwise(Graph& graph) {
  // value of rank < 2 -> the same elements with a leading axis of 1, where one exists already.
  std::map<std::string, std::string> lifted;
  std::vector<Node> nodes;
  bool changed = false;
  for (Node& node : graph.nodes) {
    const Value* out = node.outputs.size() == 1 ? graph.find_value(node.outputs[0]) : nullptr;
    if (!out || !out->shape.fully_known() || out->shape.rank() >= 2 ||
        !may_become_eltwise(graph, node)) {
      nodes.push_back(std::move(node));
      continue;
    }
    const std::vector<int64_t> dims = out->shape.sizes();
    bool same_shapes = true;
    for (const std::string& in : node.inputs)
      if (!in.empty() && !graph.constant(in))
        same_shapes = same_shapes && graph.value(in).shape == out->shape;
    if (!same_shapes) {  // a broadcast: the emitter's own checks decide
      nodes.push_back(std::move(node));
      continue;
    }
    std::vector<int64_t> dims2 = dims;
    dims2.insert(dims2.begin(), 1);
    const DType dtype = out->dtype;
    for (size_t i = 0; i < node.inputs.size(); ++i) {
      const std::string in = node.inputs[i];
      if (in.empty() || graph.constant(in)) continue;  // constants broadcast from the right
      auto it = lifted.find(in);
      if (it == lifted.end()) {
        const std::string view = graph.unique_name(in + "/rank2");
        Value& v = graph.add_value(view);
        v.dtype = graph.value(in).dtype;
        v.shape = Shape::from_sizes(dims2);
        nodes.push_back(
            reshape_node(graph, node.name + "/rank2_in" + std::to_string(i), in, dims2, view));
        it = lifted.emplace(in, view).first;
      }
      node.inputs[i] = it->second;
    }
    const std::string original = node.outputs[0];
    const std::string view = graph.unique_name(original + "/rank2");
    Value& v = graph.add_value(view);
    v.dtype = dtype;
    v.shape = Shape::from_sizes(dims2);
    node.outputs[0] = view;
    lifted[original] = view;
    const std::string name = node.name;
    nodes.push_back(std::move(node));
    // The original value keeps its name and rank for every other consumer and graph output;
    // it is dropped below when only lifted ops read it.
    nodes.push_back(reshape_node(graph, name + "/rank_restore", view, dims, original));
    changed = true;
  }
  graph.nodes = std::move(nodes);
  if (!changed) return false;
  graph.remove_dead_nodes();
  infer_shapes(graph);
  return true;
}

}  // namespace nnport::caffe_export
