#include "passes/pass.h"

namespace nnport {

void fix_input_shapes(Graph& graph, const PassOptions& options) {}  // TODO: implement

}  // namespace nnport
