// The "mxnet-code" output: a Python script that rebuilds the symbol with one mx.sym call per
// layer (names as in the symbol file) and loads the weights from the .params file beside it,
// so that users can edit the network (what MMdnn's MXNet emitter offered).
#pragma once

#include <string>

#include "formats/mxnet/symbol.h"

namespace nnport::mxnet {

// `params_file` is the .params file name, looked up next to the script.
std::string symbol_to_python(const Symbol& symbol, const std::string& model_name,
                             const std::string& params_file);

}  // namespace nnport::mxnet
