// Runs two graphs (a reference and a converted one) on the same inputs and compares them: the
// outputs with the metrics of SEMANTICS.md §6, and optionally every intermediate value, to name
// the first layer where the two diverge.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "compare/layout.h"
#include "compare/metrics.h"
#include "runtime/executor.h"

namespace nnport {

// Seeded inputs for every graph input not in `given`. Distribution, per element: float types
// uniform in [-1, 1) on a 2^-23 grid (exact in float32/float64, rounded to nearest in
// float16/bfloat16); integer types uniform in [0, 4) (small enough to be valid indices and
// counts); bool 0 or 1. Each input draws from its own stream derived from the seed and its name,
// so inputs do not shift each other. Shapes must be fully known: a usage error asks for
// --input NAME:DIMS otherwise.
TensorMap make_inputs(const Graph& graph, uint64_t seed, const TensorMap& given = {});

// The candidate's feeds: matched to the reference's inputs by name, else by position.
TensorMap feeds_for(const Graph& reference, const Graph& candidate, const TensorMap& feeds);

// Output i of the candidate compared with output i of the reference (same name when both have
// it, else by position). The candidate is fed and read in its own layout (layout.h); `notes`
// gets a line per permuted input or output. A model error when the output counts or shapes
// differ.
std::vector<MetricsRow> compare_outputs(const Graph& reference, const Graph& candidate,
                                        const TensorMap& feeds, const LayoutOptions& layouts = {},
                                        std::vector<std::string>* notes = nullptr);

struct LayerDiff {
  std::string node;  // reference node
  std::string op;
  std::string reference_value;  // value names in each graph
  std::string candidate_value;
  std::string matched_by;  // "name", "node name" or "op position"
  Metrics metrics;
};

struct LayerReport {
  size_t compared = 0;   // values found in both graphs with the same shape
  size_t unmatched = 0;  // reference values without a counterpart (or with another shape)
  std::optional<LayerDiff> first_divergence;  // first in reference order over max_rel
  std::optional<LayerDiff> worst;             // largest max_rel seen
};

// Runs both graphs keeping every value and walks the reference nodes in order. A value is
// matched by name; else by the node of the same name (same output index); else by the n-th node
// of the same op. Values whose shapes differ (a layout change) are not compared.
LayerReport compare_layers(const Graph& reference, const Graph& candidate, const TensorMap& feeds,
                           double max_rel, const LayoutOptions& layouts = {});

std::string format_layer_report(const LayerReport& report, double max_rel);

}  // namespace nnport
