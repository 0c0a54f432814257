// "node 'NAME' (OP): reason" errors for the ONNX reader and writer.
#pragma once

#include <fmt/format.h>

#include "ir/error.h"
#include "ir/graph.h"

namespace nnport::onnx_format {

template <typename... Args>
[[noreturn]] void node_error(const Node& node, fmt::format_string<Args...> format, Args&&... args) {
  model_error("node '{}' ({}): {}", node.name, node.op,
              fmt::format(format, std::forward<Args>(args)...));
}

}  // namespace nnport::onnx_format
