// Fusions that give the layer Caffe would have and keep the numbers bit-identical, because the
// fused layer evaluates the same operations in the same order:
// - Conv without bias, then Add of a per-channel constant: the Convolution's bias (Caffe adds
//   the bias after the sum, as the separate Add did);
// - Gemm without C (or 2-D MatMul), then Add of a per-output constant: the InnerProduct's bias;
#include <algorithm>

#include "formats/caffe/caffe_legalize.h"
#include "ir/op_schema.h"

namespace nnport::caffe_export {

namespace {

// The constant operand of an Add, or nullptr.
const Tensor* constant_addend(const Graph& graph, const Node& add, const std::string& value) {
  if (add.op != "Add" || add.inputs.size() != 2) return nullptr;
  const std::string& other = add.inputs[0] == value ? add.inputs[1] : add.inputs[0];
  if (other == value) return nullptr;
  return graph.constant(other);
}

// The constant as one value per channel of a rank-`rank` NC... output, or an empty tensor.
Tensor per_channel(const Tensor& t, int64_t channels, size_t rank, size_t channel_axis) {
  if (t.dtype() != DType::Float32 || t.element_count() != channels) return {};
  const auto& d = t.dims();
  if (d.size() > rank) return {};
  const size_t offset = rank - d.size();
  for (size_t i = 0; i < d.size(); ++i)
    if (offset + i != channel_axis && d[i] != 1) return {};
  return t.reshaped({channels});
}

}  // namespace

void fuse_bias_adds(Graph& graph) {
  auto uses = graph.use_counts();
  std::map<std::string, size_t> consumer;
  for (size_t i = 0; i < graph.nodes.size(); ++i)
    for (const auto& in : graph.nodes[i].inputs)
      consumer[in] = i;
  std::vector<bool> drop(graph.nodes.size(), false);
  for (size_t i = 0; i < graph.nodes.size(); ++i) {
    Node& node = graph.nodes[i];
    const bool conv = node.op == "Conv" && !node.has_input(2);
    const bool gemm = node.op == "Gemm" && !node.has_input(2) &&
                      AttrReader(node).i("transA") == 0 && AttrReader(node).f("alpha") == 1.0f;
    const bool matmul = node.op == "MatMul";
    if (!conv && !gemm && !matmul) continue;
    const std::string& out = node.outputs[0];
    if (uses[out] != 1 || std::count(graph.outputs.begin(), graph.outputs.end(), out)) continue;
    auto c = consumer.find(out);
    if (c == consumer.end() || drop[c->second]) continue;
    const Node& add = graph.nodes[c->second];
    const Tensor* addend = constant_addend(graph, add, out);
    const Shape& shape = graph.value(out).shape;
    if (!addend || !shape.fully_known()) continue;
    const std::vector<int64_t> sizes = shape.sizes();
    if (graph.value(add.outputs[0]).shape != shape) continue;  // the Add must not broadcast out
    const Tensor* weight = graph.constant(node.inputs[1]);
    if (!weight || (!conv && weight->rank() != 2)) continue;
    if (matmul && sizes.size() != 2) continue;
    const size_t axis = conv ? 1 : sizes.size() - 1;
    Tensor bias = per_channel(*addend, sizes[axis], sizes.size(), axis);
    if (bias.empty()) continue;
    if (matmul) {
      node.op = "Gemm";  // 2-D MatMul with a constant B is Gemm with transB = 0
      node.attrs = {};
    }
    const std::string bias_name = graph.unique_name(node.name + "/bias");
    graph.add_constant(bias_name, bias);
    node.inputs.resize(2);
    node.inputs.push_back(bias_name);
    node.outputs[0] = add.outputs[0];
    drop[c->second] = true;
  }
  std::vector<Node> kept;
  for (size_t i = 0; i < graph.nodes.size(); ++i)
    if (!drop[i]) kept.push_back(std::move(graph.nodes[i]));
  graph.nodes = std::move(kept);
  graph.remove_dead_nodes();
  infer_shapes(graph);
}

}  // namespace nnport::caffe_export
