// --input NAME:DIMS fixes the sizes of a graph input (typically a symbolic batch or image size)
// before shapes are inferred, so that auto_pad, Shape-driven reshapes and folding can resolve.
#include <algorithm>

#include "ir/error.h"
#include "passes/pass.h"

namespace nnport {

void fix_input_shapes(Graph& graph, const PassOptions& options) {
  for (const auto& [name, sizes] : options.input_dims) {
    if (std::find(graph.inputs.begin(), graph.inputs.end(), name) == graph.inputs.end())
      usage_error("--input {}: the model has no input named '{}' (its inputs: {})", name, name,
                  fmt::join(graph.inputs, ", "));
    Value& value = graph.value(name);
    if (value.shape.rank_known && value.shape.rank() != sizes.size())
      usage_error("--input {}: {} dimensions given but the input has rank {} (shape {})", name,
                  sizes.size(), value.shape.rank(), value.shape.to_string());
    for (int64_t size : sizes)
      if (size <= 0) usage_error("--input {}: dimension {} must be positive", name, size);
    // A known size may be overridden too: fully convolutional models accept any image size, and
    // shape inference refuses the sizes a model cannot take, naming the node.
    element_count(sizes);
    value.shape = Shape::from_sizes(sizes);
  }
}

}  // namespace nnport
