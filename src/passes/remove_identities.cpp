#include "passes/pass.h"

namespace nnport {

void remove_identities(Graph& graph, const PassOptions& options) {}  // TODO: implement

}  // namespace nnport
