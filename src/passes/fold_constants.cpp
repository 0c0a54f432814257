#include "passes/pass.h"

namespace nnport {

void fold_constants(Graph& graph, const PassOptions& options) {}  // TODO: implement

}  // namespace nnport
