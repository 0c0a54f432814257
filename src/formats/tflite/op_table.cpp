// Every TFLite builtin operator the reader converts, family by family.
#include <vector>

#include "formats/tflite/tflite_importer.h"

namespace nnport::tflite {

ConvertFn find_converter(tfl::BuiltinOperator op) {
  for (auto family : {conv_converters, math_converters, tensor_converters})
    for (const OpConverter& c : family())
      if (c.op == op) return c.convert;
  return nullptr;
}

}  // namespace nnport::tflite
