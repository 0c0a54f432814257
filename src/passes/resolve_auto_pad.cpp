#include "passes/pass.h"

namespace nnport {

void resolve_auto_pad(Graph& graph, const PassOptions& options) {}  // TODO: implement

}  // namespace nnport
