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
  // Run in double precision, as the judge of float32 runtimes (`compare --reference-f64`):
  // float32/float16/bfloat16 constants and feeds are widened to float64 (exactly), every float
  // kernel computes in float64, and a Cast to a float type keeps float64. Outputs that are float
  // in the graph come out as float64.
  bool float64 = false;
};

// A float32/float16/bfloat16 tensor as float64 (exact); other tensors unchanged.
Tensor widen_to_float64(const Tensor& t);

// Feeds must cover every graph input; their dtypes and shapes are checked against the graph.
// Returns the graph outputs (and, with keep_intermediates, every value computed).
TensorMap run_graph(const Graph& graph, const TensorMap& feeds, const RunOptions& options = {});

// Ops in the graph with no kernel, listed once each in graph order (empty when all run).
std::vector<std::string> ops_without_kernel(const Graph& graph);

}  // namespace nnport
