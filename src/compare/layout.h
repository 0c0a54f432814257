// Comparing a model with its conversion to a framework of the other layout: a TensorFlow graph
// takes NHWC, its Caffe conversion NCHW (docs/SEMANTICS.md, "Layouts"). `compare` then feeds each
// model the same numbers in its own layout and compares the outputs in the reference's layout.
// The permutation comes from --input-layout / --output-layout when given, else from the shapes,
// when they tell it without ambiguity.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "ir/graph.h"
#include "runtime/executor.h"

namespace nnport {

// Axis i of the candidate's tensor is axis perm[i] of the reference's. Empty: the same layout.
using AxisPermutation = std::vector<int64_t>;

// "NHWC:NCHW": the reference's layout, then the candidate's, as letters naming the same axes
// ("NCHW:NCHW" says "no change"). A usage error naming `option` when malformed.
AxisPermutation parse_layout_pair(const std::string& spec, const std::string& option);

// Which layout a graph's inputs conventionally have, from the format it was read from.
enum class LayoutConvention { ChannelsLast, ChannelsFirst, Unknown };
LayoutConvention layout_convention(const Graph& graph);

struct LayoutOptions {
  std::optional<AxisPermutation> inputs;   // --input-layout, for inputs of its rank
  std::optional<AxisPermutation> outputs;  // --output-layout, for outputs of its rank
};

// What was decided for one tensor pair.
struct LayoutMatch {
  AxisPermutation perm;    // empty: as is
  bool ambiguous = false;  // the shapes fit both "as is" and a layout permutation
};

// How the candidate's dims (-1: unknown, matches anything) relate to the reference's: as is when
// they are equal, else the one channels-last <-> channels-first permutation (ranks 3 to 5) that
// maps them. Equal dims that a layout permutation also maps (1x3x3x3) are ambiguous when
// `layouts_may_differ`, unless the permutation only moves axes of size 1 (then the data is the
// same either way). No match: as is (the caller reports the shape mismatch).
LayoutMatch match_layout(const std::vector<int64_t>& reference,
                         const std::vector<int64_t>& candidate, bool layouts_may_differ);

// `t` with its axes permuted: axis i of the result is axis perm[i] of `t`.
Tensor permute_axes(const Tensor& t, const AxisPermutation& perm);

// The letters of both layouts of a permutation, for messages: {0,3,1,2} -> "NHWC", "NCHW".
std::pair<std::string, std::string> layout_names(const AxisPermutation& perm);

struct LayoutPlan {
  std::map<std::string, AxisPermutation> inputs;  // candidate input -> permutation (non-empty)
  bool layouts_may_differ = false;
  std::vector<std::string> notes;  // one line per permuted input or output
};

// Decides, for each candidate input, whether it takes the reference's feed permuted. `feeds`
// are the candidate's feeds as feeds_for() matched them (still in the reference's layout); a
// usage error asks for --input-layout when the shapes are ambiguous.
LayoutPlan plan_input_layouts(const Graph& reference, const Graph& candidate,
                              const TensorMap& feeds, const LayoutOptions& options);

// The feeds in the candidate's layout.
TensorMap apply_input_layouts(const LayoutPlan& plan, TensorMap feeds);

// The candidate's output `name` in the reference's layout: permuted back when --output-layout
// says so or its dims are a layout permutation of the reference's (a note is added to the
// plan); as is otherwise. A usage error asks for --output-layout when the inputs were permuted
// and the output's shape reads the same in both layouts.
Tensor align_output(const std::string& name, const Tensor& reference, const Tensor& candidate,
                    const LayoutOptions& options, LayoutPlan& plan);

}  // namespace nnport
