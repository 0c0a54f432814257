// Graph passes: each in its own file in this folder, run in the explicit order of
// passes/pass_list.cpp. A pass keeps the graph's numbers exactly (folding, legalization, layout
// changes) or refuses with a node-named error.
#pragma once

#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ir/graph.h"

namespace nnport {

struct PassOptions {
  // --input NAME:DIMS: fixes unknown input dims before shapes are inferred.
  std::map<std::string, std::vector<int64_t>> input_dims;
};

struct Pass {
  std::string_view name;
  std::string_view doc;
  void (*run)(Graph& graph, const PassOptions& options);
};

// The passes every conversion runs after reading, in order.
std::span<const Pass> standard_passes();
const Pass* find_pass(std::string_view name);
void run_passes(Graph& graph, std::span<const Pass> passes, const PassOptions& options);

// Individual passes (one file each).
void fix_input_shapes(Graph& graph, const PassOptions& options);   // fix_input_shapes.cpp
void infer_shapes_pass(Graph& graph, const PassOptions& options);  // infer_shapes.cpp
void resolve_auto_pad(Graph& graph, const PassOptions& options);   // resolve_auto_pad.cpp
void fold_constants(Graph& graph, const PassOptions& options);     // fold_constants.cpp
void remove_identities(Graph& graph, const PassOptions& options);  // remove_identities.cpp
void remove_dead_code(Graph& graph, const PassOptions& options);   // remove_dead_code.cpp
void sink_transposes(Graph& graph, const PassOptions& options);    // sink_transposes.cpp

}  // namespace nnport
