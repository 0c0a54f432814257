// MXNet's symbol file (`PREFIX-symbol.json`, also what Gluon's HybridBlock.export writes):
// an nnvm graph in JSON. Nodes in topological order, each {"op", "name", "attrs", "inputs"};
// an input is [node index, output index, version]; variables have op "null"; "heads" lists the
// graph outputs. Files from MXNet < 0.9 spell the parameters "param" (and user attributes
// "attr") and write [node, output] pairs.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "formats/mxnet/attr_text.h"

namespace nnport::mxnet {

struct EntryRef {
  int64_t node = 0;
  int64_t output = 0;
};

struct SymbolNode {
  std::string op;  // "null" for variables (inputs and parameters)
  std::string name;
  AttrMap attrs;  // operator parameters and "__shape__"-style user attributes, merged
  std::vector<EntryRef> inputs;
};

struct Symbol {
  std::vector<SymbolNode> nodes;
  std::vector<EntryRef> heads;
  int64_t mxnet_version = 0;  // attrs.mxnet_version, 0 when absent
};

// Model errors name the file and, for a bad node, the node.
Symbol parse_symbol_json(const std::string& text, const std::string& file);
Symbol read_symbol_file(const std::string& path);

// The 1.x form: "attrs" objects, triples, arg_nodes, node_row_ptr, mxnet_version. Pretty
// printed with two-space indentation; deterministic.
std::string symbol_to_json(const Symbol& symbol);

}  // namespace nnport::mxnet
