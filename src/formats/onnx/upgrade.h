// Upgrade on read: turns a node as written in ONNX opset 7..21 into the IR form (the opset-21
// signature plus the IR's explicit deviations, docs/IR.md). Attributes that later opsets made
// inputs become constant inputs; changed semantics become exact equivalents or model errors.
#pragma once

#include <map>
#include <set>
#include <string>

#include "ir/graph.h"

namespace nnport::onnx_format {

constexpr int kMinReadOpset = 7;
constexpr int kMaxReadOpset = 21;

// What the upgrade of one node may add to the graph being read.
class UpgradeContext {
 public:
  UpgradeContext(Graph& graph, int opset, std::set<std::string> taken_names)
      : graph_(graph), opset_(opset), taken_(std::move(taken_names)) {}

  int opset() const { return opset_; }
  Graph& graph() { return graph_; }
  // A name used by no node or value of the file nor by anything generated so far.
  std::string fresh_name(const std::string& base);
  // Adds a constant under a fresh name derived from `base` and returns that name.
  std::string add_constant(const std::string& base, Tensor tensor);
  // Appends an IR-form node to the graph.
  void emit(Node node);
  // Rank or dtype of a value when the file's value infos or initializers tell it.
  int known_rank(const std::string& value) const;
  DType known_dtype(const std::string& value) const;

 private:
  Graph& graph_;
  int opset_;
  std::set<std::string> taken_;
};

// The IR op an ONNX op becomes (Upsample -> Resize, otherwise the same name).
std::string ir_op_for(const std::string& onnx_op);

// Converts one node whose attributes were read as stored (Cast `to` still the ONNX enum) and
// emits its IR form (one node, or an exact equivalent of several).
void upgrade_node(Node node, UpgradeContext& ctx);

}  // namespace nnport::onnx_format
