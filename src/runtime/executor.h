// Runs an IR graph with the reference kernels.
#pragma once

#include <functional>
#include <map>
#include <string>

#include "ir/graph.h"

namespace nnport {

using TensorMap = std::map<std::string, Tensor>;

struct RunOptions {
  // Keep every intermediate value (for layer-by-layer diffs); otherwise values are freed after
  // their last use.
  bool keep_intermediates = false;
  // Called after each node with its outputs (diagnosis, tracing).
  std::function<void(const Node&, const TensorMap&)> after_node;
};

// Feeds must cover every graph input; their dtypes and shapes are checked against the graph.
// Returns the graph outputs (and, with keep_intermediates, every value computed).
TensorMap run_graph(const Graph& graph, const TensorMap& feeds, const RunOptions& options = {});

// Ops in the graph with no kernel, listed once each in graph order (empty when all run).
std::vector<std::string> ops_without_kernel(const Graph& graph);

}  // namespace nnport
