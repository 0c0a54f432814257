// MXNet models: `PREFIX-symbol.json` (the network) + `PREFIX-EPOCH.params` (the weights), as
// written by Module.save_checkpoint and Gluon's HybridBlock.export.
//
// File naming. Reading `DIR/NAME-symbol.json` loads the weights from `DIR/NAME-EPOCH.params`
// (the highest epoch when there are several). Writing `DIR/NAME-symbol.json` also writes
// `DIR/NAME-0000.params`; a target without the "-symbol.json" suffix (`DIR/NAME.json`) is
// written as given, with the weights in `DIR/NAME-0000.params`. The "mxnet-code" target
// `DIR/NAME.py` writes the Python script plus `DIR/NAME-symbol.json` and `DIR/NAME-0000.params`.
#pragma once

#include <string>

#include "formats/format.h"
#include "ir/graph.h"

namespace nnport::mxnet {

bool sniff_symbol_file(const std::string& path);
Graph read_model(const std::string& symbol_path, const ReadOptions& options);
// Reads with an explicit .params file ("" = none: every weight must then be a graph input).
Graph read_model_with_params(const std::string& symbol_path, const std::string& params_path,
                             const ReadOptions& options);
void write_model(const Graph& graph, const std::string& path, const WriteOptions& options);
void write_python_code(const Graph& graph, const std::string& path, const WriteOptions& options);

// "DIR/NAME-symbol.json" -> "DIR/NAME"; "DIR/NAME.json" -> "DIR/NAME".
std::string checkpoint_prefix(const std::string& symbol_path);
// The .params beside a symbol file: "" when none exists.
std::string find_params_file(const std::string& symbol_path);

}  // namespace nnport::mxnet
