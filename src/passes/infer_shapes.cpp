#include "ir/op_schema.h"
#include "passes/pass.h"

namespace nnport {

void infer_shapes_pass(Graph& graph, const PassOptions&) { infer_shapes(graph); }

}  // namespace nnport
