#include <vector>

#include "ir/error.h"
#include "passes/pass.h"

namespace nnport {

namespace {
const std::vector<Pass> kStandardPasses = {
    {"fix_input_shapes", "apply --input NAME:DIMS to graph inputs", fix_input_shapes},
    {"infer_shapes", "infer every value's dtype and shape", infer_shapes_pass},
    {"resolve_auto_pad", "turn SAME/VALID auto_pad into explicit per-side pads", resolve_auto_pad},
    {"fold_constants", "evaluate nodes whose inputs are all constant", fold_constants},
    {"remove_identities", "bypass Identity and inference-mode Dropout", remove_identities},
    {"sink_transposes", "move Transposes down and cancel them in pairs (channels-last sources)",
     sink_transposes},
    {"remove_dead_code", "drop nodes and values no output depends on", remove_dead_code},
    {"infer_shapes", "infer shapes again after the rewrites", infer_shapes_pass},
    // Sizes computed by shape sub-graphs (a TF resize's N,C,H,W sizes come from Shape -> Slice
    // -> Concat) are known only after folding: resolve the pads of the convolutions behind them.
    {"resolve_auto_pad", "resolve the auto_pads whose input sizes folding made known",
     resolve_auto_pad},
};
}  // namespace

std::span<const Pass> standard_passes() {
  return kStandardPasses;
}

const Pass* find_pass(std::string_view name) {
  for (const Pass& p : kStandardPasses)
    if (p.name == name) return &p;
  return nullptr;
}

void run_passes(Graph& graph, std::span<const Pass> passes, const PassOptions& options) {
  for (const Pass& pass : passes)
    pass.run(graph, options);
}

}  // namespace nnport
