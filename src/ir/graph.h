// The in-memory IR every reader produces and every writer consumes.
//
// Values are named; a node refers to its inputs and outputs by name ("" marks an omitted optional
// input). Nodes are kept in topological order. Op types and attribute meanings are defined by
// the schemas in ir/ops/ (see op_schema.h): names follow ONNX where ONNX has the op, and every
// semantic variant that frameworks disagree on is an explicit attribute.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "ir/attribute.h"
#include "ir/shape.h"
#include "ir/tensor.h"

namespace nnport {

struct Value {
  std::string name;
  DType dtype = DType::Undefined;
  Shape shape;
  std::optional<Tensor> constant;  // weights and other initializers
};

struct Node {
  std::string name;
  std::string op;
  std::vector<std::string> inputs;
  std::vector<std::string> outputs;
  Attributes attrs;

  bool has_input(size_t i) const { return i < inputs.size() && !inputs[i].empty(); }
};

class Graph {
 public:
  std::string name;
  std::vector<Node> nodes;           // topological order
  std::vector<std::string> inputs;   // runtime inputs (never constants)
  std::vector<std::string> outputs;
  std::map<std::string, std::string> metadata;  // producer, source format, layout notes

  Value& value(const std::string& name);  // model error when missing
  const Value& value(const std::string& name) const;
  Value* find_value(const std::string& name);
  const Value* find_value(const std::string& name) const;
  bool has_value(const std::string& name) const { return values_.count(name) != 0; }
  // Adds (or returns the existing) value of that name.
  Value& add_value(const std::string& name);
  Value& add_constant(const std::string& name, Tensor tensor);
  void remove_value(const std::string& name) { values_.erase(name); }
  const std::map<std::string, Value>& values() const { return values_; }
  std::map<std::string, Value>& values() { return values_; }

  const Tensor* constant(const std::string& name) const;
  // A name not used by any value or node yet, built from `base`.
  std::string unique_name(const std::string& base);

  // Node index producing each value; graph inputs and constants have none.
  std::unordered_map<std::string, size_t> producers() const;
  // How many node inputs (plus graph outputs) read each value.
  std::unordered_map<std::string, size_t> use_counts() const;

  // Reorders nodes topologically (stable); a model error naming a node on the cycle if any.
  void topological_sort();
  // Drops nodes whose outputs nobody uses and values nobody refers to.
  void remove_dead_nodes();
  // Structural checks: every input defined, outputs produced once, ops known with valid
  // attributes. Throws a model error naming the node.
  void validate() const;

  int64_t parameter_count() const;  // elements in all constants

 private:
  std::map<std::string, Value> values_;
  std::unordered_map<std::string, int> name_counters_;
};

}  // namespace nnport
