// The readable text form of a graph printed by `nnport dump`: a summary of inputs, outputs and
// constants, then one line per node in graph order, e.g.
//   %conv1_out = Conv(%input, %w, %b) {group=1, pads=[0,0,1,1], strides=[2,2]}  # 1x32x112x112
// Deterministic: attributes, constants and metadata print in name order.
#pragma once

#include <string>

#include "ir/graph.h"

namespace nnport {

std::string dump_graph(const Graph& graph);

// "float32 1x3x224x224" for a value (dtype and shape as far as known).
std::string describe_value(const Value& value);

}  // namespace nnport
