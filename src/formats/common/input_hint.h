// The --input option that would fix a model's unknown input sizes, for errors that need them.
#pragma once

#include <string>

#include "ir/graph.h"

namespace nnport {

// "--input NAME:1,224,224,3" for each input whose shape is not fully known, in the layout the
// user gives it (the graph as read, before any writer changes the layout): an unknown first axis
// becomes 1 (the batch), other unknown axes stay '?' for the user to fill in. Empty when every
// input is known.
std::string input_dims_hint(const Graph& graph);

}  // namespace nnport
