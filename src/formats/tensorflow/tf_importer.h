// Turns a TensorFlow GraphDef (from .pb, .pbtxt or a TF.js model.json) into the IR.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "formats/format.h"
#include "formats/tensorflow/tf_converter.h"
#include "ir/graph.h"
#include "tf_graph.pb.h"

namespace nnport::tf {

struct ImportOptions {
  std::string file;                  // for error messages
  ReadOptions read;                  // --output, --input-layout, --input dims
  std::vector<std::string> outputs;  // default outputs (TF.js signature) when --output is absent
  std::map<std::string, Shape> input_shapes;  // TF.js signature shapes of Placeholders
  std::string source_format;                  // metadata: "tensorflow", "tfjs"
  // Values of Const nodes stored outside the GraphDef (TF.js weight shards), by node name.
  std::unordered_map<std::string, Tensor> weights;
};

// Consumes the weights of `graph_def` (tensor bytes are moved, not copied).
Graph import_graph_def(GraphDef& graph_def, ImportOptions& options);

// "name:0" -> "name", "name:2" stays, "^name" -> "name".
std::string normalize_tensor_name(const std::string& name);

class Importer {
 public:
  Importer(GraphDef& graph_def, ImportOptions& options);
  Graph run();

  // Used by NodeConverter.
  Graph& graph() { return graph_; }
  std::string value_of(const std::string& tf_tensor) const;  // "node" / "node:k"
  // The constant a TF tensor holds, converting its Const node early if needed; nullptr when it
  // is not a constant.
  const Tensor* constant_of(const std::string& tf_tensor);
  // An IR value's constant, or its value computed with the reference kernels from constants and
  // known shapes (tf_fold.cpp); nullptr when it depends on run-time data.
  const Tensor* folded_constant(const std::string& value);
  std::string output_value(const NodeDef& node, size_t k);
  void alias(const NodeDef& node, size_t k, const std::string& value);
  std::string fresh_name(const std::string& base);
  void add_node(Node node);
  const NodeDef* node_def(const std::string& name) const;
  const std::vector<const NodeDef*>& consumers(const std::string& node_name) const;
  void fuse_later(const std::string& node_name, const std::string& value) {
    fused_[node_name] = value;
  }

 private:
  struct TensorRef {
    std::string node;
    size_t index = 0;
  };
  struct OutputSpec {
    std::string tensor;  // normalized TF tensor name
    std::string name;    // the graph output's name
  };
  static TensorRef parse_ref(const std::string& input);
  std::vector<OutputSpec> select_outputs() const;
  std::vector<const NodeDef*> needed_nodes_in_order(const std::vector<std::string>& outputs);
  void refuse_unsupported(const std::vector<const NodeDef*>& nodes) const;
  void convert_placeholder(const NodeDef& node);
  void convert_const(NodeDef& node);
  void convert(NodeDef& node);
  void infer_node_shapes(const Node& node);
  std::optional<std::vector<Tensor>> evaluate_node(const Node& node);

  GraphDef& graph_def_;
  ImportOptions& options_;
  Graph graph_;
  std::unordered_map<std::string, NodeDef*> nodes_;
  std::unordered_map<std::string, std::vector<const NodeDef*>> consumers_;
  std::unordered_map<std::string, std::string> tensor_values_;  // "node:k" -> IR value
  std::unordered_map<std::string, std::string> fused_;
  std::unordered_set<std::string> used_names_;
  std::unordered_map<std::string, size_t> producers_;  // IR value -> index in graph_.nodes
  std::unordered_map<std::string, std::optional<Tensor>> folded_;
};

}  // namespace nnport::tf
