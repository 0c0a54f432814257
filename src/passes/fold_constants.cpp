// Evaluates, with the reference kernels, every node whose inputs are all constants, and replaces
// it by constants. Shape and Size also fold once their input's shape is known, which is what
// turns the Shape -> Gather -> Concat -> Reshape chains of TensorFlow exports into constants.
// Shapes are re-inferred node by node as folding proceeds, so chains fold in one pass.
#include <algorithm>

#include "ir/error.h"
#include "ir/op_schema.h"
#include "passes/pass.h"
#include "runtime/kernel.h"

namespace nnport {

namespace {

// A folded result larger than this (and larger than the constants it replaces) stays a node:
// folding a Tile or Expand of a small constant would otherwise bloat the written model.
constexpr size_t kMaxGrowthBytes = size_t{16} << 20;

bool produces_graph_output(const Graph& graph, const Node& node) {
  for (const auto& out : node.outputs)
    if (std::find(graph.outputs.begin(), graph.outputs.end(), out) != graph.outputs.end())
      return true;
  return false;
}

bool all_inputs_constant(const Graph& graph, const Node& node) {
  for (const auto& in : node.inputs)
    if (!in.empty() && !graph.constant(in)) return false;
  return true;
}

size_t input_bytes(const Graph& graph, const Node& node) {
  size_t total = 0;
  for (const auto& in : node.inputs)
    if (const Tensor* t = in.empty() ? nullptr : graph.constant(in)) total += t->byte_size();
  return total;
}

// Shape (opset-15 start/end, clamped like ONNX) and Size of an input whose shape is known.
std::optional<Tensor> fold_from_shape(const Graph& graph, const Node& node) {
  if ((node.op != "Shape" && node.op != "Size") || !node.has_input(0)) return std::nullopt;
  const Shape& shape = graph.value(node.inputs[0]).shape;
  if (!shape.fully_known()) return std::nullopt;
  const std::vector<int64_t> sizes = shape.sizes();
  if (node.op == "Size") return Tensor::scalar<int64_t>(element_count(sizes));
  const auto rank = static_cast<int64_t>(sizes.size());
  auto clamp_axis = [rank](int64_t axis) {
    return std::clamp(axis < 0 ? axis + rank : axis, int64_t{0}, rank);
  };
  const int64_t start = clamp_axis(node.attrs.get_int("start", 0));
  const int64_t end = clamp_axis(node.attrs.get_int("end", rank));
  std::vector<int64_t> dims;
  for (int64_t i = start; i < end; ++i)
    dims.push_back(sizes[static_cast<size_t>(i)]);
  return Tensor::from_vector<int64_t>({static_cast<int64_t>(dims.size())}, dims);
}

// Runs the node's kernel on its constant inputs; empty when the result is too large to keep.
std::optional<std::vector<Tensor>> evaluate(const Graph& graph, const Node& node, KernelFn kernel) {
  std::vector<const Tensor*> inputs;
  for (const auto& in : node.inputs)
    inputs.push_back(in.empty() ? nullptr : graph.constant(in));
  KernelContext ctx(node, std::move(inputs), node.outputs.size());
  kernel(ctx);
  size_t produced = 0;
  for (size_t i = 0; i < node.outputs.size(); ++i) {
    if (node.outputs[i].empty()) continue;
    if (ctx.outputs()[i].empty())
      model_error("node '{}' ({}): kernel produced no output {}", node.name, node.op, i);
    produced += ctx.outputs()[i].byte_size();
  }
  if (produced > kMaxGrowthBytes && produced > input_bytes(graph, node)) return std::nullopt;
  return std::move(ctx.outputs());
}

void infer_node(Graph& graph, const Node& node) {
  const OpSchema* schema = find_schema(node.op);
  if (!schema || !schema->infer) return;
  InferenceContext ctx(graph, node);
  schema->infer(ctx);
}

// Returns whether the node was replaced by constants.
bool try_fold(Graph& graph, const Node& node) {
  if (produces_graph_output(graph, node)) return false;
  // Integer weights behind a DequantizeLinear are the quantized model itself (QDQ): folding
  // would widen them to float and leave the target nothing to run as integers.
  if (node.op == "DequantizeLinear") return false;
  if (std::optional<Tensor> value = fold_from_shape(graph, node)) {
    graph.add_constant(node.outputs[0], std::move(*value));
    return true;
  }
  const KernelFn kernel = find_kernel(node.op);
  if (!kernel || !all_inputs_constant(graph, node)) return false;
  std::optional<std::vector<Tensor>> outputs = evaluate(graph, node, kernel);
  if (!outputs) return false;
  for (size_t i = 0; i < node.outputs.size(); ++i)
    if (!node.outputs[i].empty()) graph.add_constant(node.outputs[i], std::move((*outputs)[i]));
  return true;
}

}  // namespace

void fold_constants(Graph& graph, const PassOptions&) {
  std::vector<Node> kept;
  kept.reserve(graph.nodes.size());
  for (Node& node : graph.nodes) {
    try {
      // Shapes upstream may have just become known through folding.
      infer_node(graph, node);
      if (!try_fold(graph, node)) kept.push_back(std::move(node));
    } catch (const Error& e) {
      if (std::string_view(e.what()).starts_with("node '")) throw;
      rethrow_with_context(e, fmt::format("node '{}' ({}): ", node.name, node.op));
    }
  }
  graph.nodes = std::move(kept);
}

}  // namespace nnport
