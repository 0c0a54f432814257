#include "formats/common/input_hint.h"

#include <vector>

#include <fmt/format.h>

namespace nnport {

std::string input_dims_hint(const Graph& graph) {
  std::vector<std::string> options;
  for (const std::string& name : graph.inputs) {
    const Value& v = graph.value(name);
    if (graph.constant(name) || v.shape.fully_known()) continue;
    if (!v.shape.rank_known) {
      options.push_back(fmt::format("--input {}:D1,D2,...", name));
      continue;
    }
    std::vector<std::string> dims;
    for (size_t a = 0; a < v.shape.rank(); ++a) {
      const Dim& d = v.shape.dims[a];
      dims.push_back(d.known() ? std::to_string(d.size) : a == 0 ? "1" : "?");
    }
    options.push_back(fmt::format("--input {}:{}", name, fmt::join(dims, ",")));
  }
  return fmt::format("{}", fmt::join(options, " "));
}

}  // namespace nnport
