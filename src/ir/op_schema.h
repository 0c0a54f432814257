// Op schemas: for each IR op, its attributes (typed, with defaults), input/output counts, a doc
// line, and shape inference (which is also where an op's attributes are validated). All schemas
// are listed in one explicit table, ir/ops/schema_table.cpp; each op family has its own file.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ir/attribute.h"
#include "ir/graph.h"

namespace nnport {

struct AttrSpec {
  std::string name;
  AttrType type;
  std::optional<AttrValue> default_value;  // nullopt: required
  std::string doc;
};

class InferenceContext;
using InferFn = void (*)(InferenceContext&);

struct OpSchema {
  std::string op;
  std::string doc;
  int min_inputs = 1;
  int max_inputs = 1;
  int min_outputs = 1;
  int max_outputs = 1;
  std::vector<AttrSpec> attrs;
  InferFn infer = nullptr;

  const AttrSpec* find_attr(std::string_view name) const;
};

// All schemas, in table order.
std::span<const OpSchema> all_schemas();
const OpSchema* find_schema(std::string_view op);
// Counts, known attribute names and types. Throws a model error naming the node.
void check_node_against_schema(const OpSchema& schema, const Node& node);

// Reads a node's attributes, falling back to the schema's defaults (one place for defaults).
class AttrReader {
 public:
  explicit AttrReader(const Node& node);
  int64_t i(const std::string& name) const;
  float f(const std::string& name) const;
  std::string s(const std::string& name) const;
  std::vector<int64_t> ints(const std::string& name) const;
  std::vector<float> floats(const std::string& name) const;
  std::vector<std::string> strings(const std::string& name) const;
  const Tensor* tensor(const std::string& name) const;
  bool has(const std::string& name) const { return node_.attrs.has(name); }
  // Whether the op's schema declares the attribute at all.
  bool declared(const std::string& name) const {
    return schema_ && schema_->find_attr(name) != nullptr;
  }

 private:
  const AttrValue& get(const std::string& name, AttrType type) const;
  const Node& node_;
  const OpSchema* schema_;
};

// Shape inference sees input dtypes, shapes and (when constant) values, and sets outputs.
class InferenceContext {
 public:
  InferenceContext(Graph& graph, const Node& node) : graph_(graph), node_(node), attrs_(node) {}

  const Node& node() const { return node_; }
  const AttrReader& attrs() const { return attrs_; }
  size_t input_count() const { return node_.inputs.size(); }
  bool has_input(size_t i) const { return node_.has_input(i); }
  DType input_dtype(size_t i) const;
  const Shape& input_shape(size_t i) const;
  const Tensor* input_constant(size_t i) const;  // nullptr unless known at conversion time
  size_t output_count() const { return node_.outputs.size(); }
  void set_output(size_t i, DType dtype, Shape shape);

 private:
  Graph& graph_;
  const Node& node_;
  AttrReader attrs_;
};

// Runs shape inference over the whole graph in order. Errors name the node.
void infer_shapes(Graph& graph);

}  // namespace nnport
