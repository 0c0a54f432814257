// The TensorFlow op table: each family file lists its converters; ops that are refused on
// purpose get a reason here.
#include <map>

#include "formats/tensorflow/tf_converter.h"

namespace nnport::tf {

namespace {

std::map<std::string_view, ConvertFn> build_table() {
  std::map<std::string_view, ConvertFn> table;
  for (auto family : {conv_converters, pool_converters, nn_converters, math_converters,
                      reduce_converters, tensor_converters, slice_converters, image_converters})
    for (const OpConverter& entry : family())
      table.emplace(entry.op, entry.convert);
  return table;
}

}  // namespace

ConvertFn find_converter(std::string_view op) {
  static const std::map<std::string_view, ConvertFn> kTable = build_table();
  auto it = kTable.find(op);
  return it == kTable.end() ? nullptr : it->second;
}

std::string_view refusal_reason(std::string_view op) {
  static const std::map<std::string_view, std::string_view> kReasons = {
      {"Switch", "control flow is not supported"},
      {"Merge", "control flow is not supported"},
      {"Enter", "control flow is not supported"},
      {"Exit", "control flow is not supported"},
      {"NextIteration", "control flow is not supported"},
      {"LoopCond", "control flow is not supported"},
      {"While", "control flow is not supported"},
      {"StatelessWhile", "control flow is not supported"},
      {"If", "control flow is not supported"},
      {"StatelessIf", "control flow is not supported"},
      {"PartitionedCall", "function calls are not supported"},
      {"StatefulPartitionedCall", "function calls are not supported"},
      {"NonMaxSuppressionV3", "non-max suppression is not supported"},
      {"NonMaxSuppressionV4", "non-max suppression is not supported"},
      {"NonMaxSuppressionV5", "non-max suppression is not supported"},
      {"Where", "data-dependent output shape (Where) is not supported"},
      {"VarHandleOp", "variables are not supported (freeze the graph)"},
      {"VariableV2", "variables are not supported (freeze the graph)"},
      {"ReadVariableOp", "variables are not supported (freeze the graph)"},
  };
  auto it = kReasons.find(op);
  if (it != kReasons.end()) return it->second;
  if (op.rfind("TensorArray", 0) == 0 || op.rfind("TensorList", 0) == 0)
    return "TensorArray/TensorList ops are not supported";
  return {};
}

}  // namespace nnport::tf
