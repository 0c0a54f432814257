#include "passes/pass.h"

namespace nnport {

void remove_dead_code(Graph& graph, const PassOptions&) { graph.remove_dead_nodes(); }

}  // namespace nnport
