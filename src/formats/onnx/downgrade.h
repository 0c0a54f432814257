// Downgrade on write: turns IR nodes into the ONNX form of a target opset (7..21). Inputs that
// older opsets take as attributes must be constants; variants an opset cannot express are
// refused with a node-named error unless an exact equivalent exists (see downgrade_pool.cpp).
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "ir/graph.h"

namespace nnport::onnx_format {

constexpr int kMinWriteOpset = 7;
constexpr int kMaxWriteOpset = 21;

struct LoweredGraph {
  std::vector<Node> nodes;                  // ONNX form of the target opset, topological order
  std::map<std::string, Tensor> constants;  // constants created by the lowering
};

class DowngradeContext {
 public:
  DowngradeContext(const Graph& graph, int opset);
  int opset() const { return opset_; }
  const Graph& graph() const { return graph_; }
  const Tensor* constant(const std::string& name) const;
  // Input `index` of `node` as a constant, or a node-named error saying why it must be one.
  const Tensor& require_constant(const Node& node, size_t index, const char* role) const;
  // The IR shape of a value (unknown when the graph does not know it).
  const Shape& shape(const std::string& name) const;
  std::string fresh_name(const std::string& base);
  std::string add_constant(const std::string& base, Tensor tensor);
  void emit(Node node) { lowered_.nodes.push_back(std::move(node)); }
  // A helper node that consumes the node being downgraded (it runs after it).
  void emit_after(Node node) { after_.push_back(std::move(node)); }
  void flush_after() {
    for (Node& n : after_)
      lowered_.nodes.push_back(std::move(n));
    after_.clear();
  }
  LoweredGraph take() { return std::move(lowered_); }

 private:
  const Graph& graph_;
  int opset_;
  std::set<std::string> taken_;
  LoweredGraph lowered_;
  std::vector<Node> after_;
};

LoweredGraph downgrade_graph(const Graph& graph, int opset);

}  // namespace nnport::onnx_format
