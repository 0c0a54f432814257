// The one table of every op the IR knows, family by family. Adding an op: write its schema in
// its family's file (or a new family file) and list the family here; give it a kernel in
// runtime/kernel_table.cpp.
#include <vector>

#include "ir/op_schema.h"
#include "ir/ops/families.h"

namespace nnport {

std::span<const OpSchema> all_schemas() {
  static const std::vector<OpSchema> table = [] {
    std::vector<OpSchema> all;
    for (auto family : {conv_schemas, pool_schemas, normalization_schemas, linalg_schemas,
                        elementwise_schemas, activation_schemas, softmax_schemas, tensor_schemas,
                        reduce_schemas, resize_schemas, quantize_schemas})
      for (const OpSchema& s : family())
        all.push_back(s);
    return all;
  }();
  return table;
}

}  // namespace nnport
