// Import-time evaluation of the shape sub-graphs TF exports compute at run time (Shape ->
// StridedSlice -> Pack feeding Conv2DBackpropInput's input_sizes, Reshape's shape, ...): once the
// input shapes are known these are constants, and converters that need the numbers get them
// from the reference kernels. The IR nodes stay in the graph; fold_constants removes them later.
#include "formats/tensorflow/tf_importer.h"
#include "runtime/kernel.h"

namespace nnport::tf {

namespace {

// Folding at import time is for small integer shape arithmetic; anything larger waits for the
// fold_constants pass, so a weight sub-graph is never held twice while importing.
constexpr size_t kMaxFoldInputBytes = size_t{1} << 20;

}  // namespace

std::optional<std::vector<Tensor>> Importer::evaluate_node(const Node& node) {
  if (node.op == "Shape" || node.op == "Size") {
    if (node.attrs.has("start") || node.attrs.has("end")) return std::nullopt;
    const Shape& shape = graph_.value(node.inputs.at(0)).shape;
    if (!shape.fully_known()) return std::nullopt;
    const std::vector<int64_t> sizes = shape.sizes();
    std::vector<Tensor> out;
    if (node.op == "Size")
      out.push_back(Tensor::scalar<int64_t>(element_count(sizes)));
    else
      out.push_back(Tensor::from_vector<int64_t>({static_cast<int64_t>(sizes.size())}, sizes));
    return out;
  }
  const KernelFn kernel = find_kernel(node.op);
  if (!kernel) return std::nullopt;
  std::vector<const Tensor*> inputs;
  size_t input_bytes = 0;
  for (const std::string& in : node.inputs) {
    const Tensor* t = in.empty() ? nullptr : folded_constant(in);
    if (!in.empty() && !t) return std::nullopt;
    if (t) input_bytes += t->byte_size();
    inputs.push_back(t);
  }
  if (input_bytes > kMaxFoldInputBytes) return std::nullopt;
  KernelContext ctx(node, std::move(inputs), node.outputs.size());
  kernel(ctx);
  return std::move(ctx.outputs());
}

const Tensor* Importer::folded_constant(const std::string& value) {
  if (const Tensor* t = graph_.constant(value)) return t;
  if (auto it = folded_.find(value); it != folded_.end())
    return it->second ? &*it->second : nullptr;
  folded_[value] = std::nullopt;  // remembered failure; also what a cycle would see
  auto producer = producers_.find(value);
  if (producer == producers_.end()) return nullptr;
  const Node node = graph_.nodes[producer->second];
  std::optional<std::vector<Tensor>> outputs;
  try {
    outputs = evaluate_node(node);
  } catch (const Error& e) {
    rethrow_with_context(e, fmt::format("node '{}' ({}): ", node.name, node.op));
  }
  if (!outputs) return nullptr;
  for (size_t i = 0; i < node.outputs.size() && i < outputs->size(); ++i)
    if (!node.outputs[i].empty() && !(*outputs)[i].empty())
      folded_[node.outputs[i]] = std::move((*outputs)[i]);
  const std::optional<Tensor>& result = folded_[value];
  return result ? &*result : nullptr;
}

}  // namespace nnport::tf
