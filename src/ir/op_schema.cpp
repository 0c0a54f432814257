#include "ir/op_schema.h"

#include <unordered_map>

#include "ir/error.h"

namespace nnport {

const AttrSpec* OpSchema::find_attr(std::string_view name) const {
  for (const auto& a : attrs)
    if (a.name == name) return &a;
  return nullptr;
}

const OpSchema* find_schema(std::string_view op) {
  static const auto index = [] {
    std::unordered_map<std::string_view, const OpSchema*> m;
    for (const OpSchema& s : all_schemas()) m.emplace(s.op, &s);
    return m;
  }();
  auto it = index.find(op);
  return it == index.end() ? nullptr : it->second;
}

void check_node_against_schema(const OpSchema& schema, const Node& node) {
  const int n_in = static_cast<int>(node.inputs.size());
  const int n_out = static_cast<int>(node.outputs.size());
  if (n_in < schema.min_inputs || n_in > schema.max_inputs)
    model_error("node '{}' ({}): has {} inputs, expected {} to {}", node.name, node.op, n_in,
                schema.min_inputs, schema.max_inputs);
  for (int i = 0; i < schema.min_inputs && i < n_in; ++i)
    if (node.inputs[i].empty())
      model_error("node '{}' ({}): required input {} is missing", node.name, node.op, i);
  if (n_out < schema.min_outputs || n_out > schema.max_outputs)
    model_error("node '{}' ({}): has {} outputs, expected {} to {}", node.name, node.op, n_out,
                schema.min_outputs, schema.max_outputs);
  for (const auto& [name, value] : node.attrs.all()) {
    const AttrSpec* spec = schema.find_attr(name);
    if (!spec) model_error("node '{}' ({}): unknown attribute '{}'", node.name, node.op, name);
    if (attr_value_type(value) != spec->type)
      model_error("node '{}' ({}): attribute '{}' is {} but must be {}", node.name, node.op, name,
                  attr_type_name(attr_value_type(value)), attr_type_name(spec->type));
  }
  for (const auto& spec : schema.attrs)
    if (!spec.default_value && !node.attrs.has(spec.name))
      model_error("node '{}' ({}): required attribute '{}' is missing", node.name, node.op,
                  spec.name);
}

AttrReader::AttrReader(const Node& node) : node_(node), schema_(find_schema(node.op)) {}

const AttrValue& AttrReader::get(const std::string& name, AttrType type) const {
  if (const AttrValue* v = node_.attrs.find(name)) {
    if (attr_value_type(*v) != type)
      model_error("node '{}' ({}): attribute '{}' is {} but must be {}", node_.name, node_.op,
                  name, attr_type_name(attr_value_type(*v)), attr_type_name(type));
    return *v;
  }
  const AttrSpec* spec = schema_ ? schema_->find_attr(name) : nullptr;
  if (!spec)
    throw std::logic_error("op " + node_.op + " has no attribute '" + name + "' in its schema");
  if (!spec->default_value)
    model_error("node '{}' ({}): required attribute '{}' is missing", node_.name, node_.op, name);
  return *spec->default_value;
}

int64_t AttrReader::i(const std::string& n) const {
  return std::get<int64_t>(get(n, AttrType::Int));
}
float AttrReader::f(const std::string& n) const { return std::get<float>(get(n, AttrType::Float)); }
std::string AttrReader::s(const std::string& n) const {
  return std::get<std::string>(get(n, AttrType::String));
}
std::vector<int64_t> AttrReader::ints(const std::string& n) const {
  return std::get<std::vector<int64_t>>(get(n, AttrType::Ints));
}
std::vector<float> AttrReader::floats(const std::string& n) const {
  return std::get<std::vector<float>>(get(n, AttrType::Floats));
}
std::vector<std::string> AttrReader::strings(const std::string& n) const {
  return std::get<std::vector<std::string>>(get(n, AttrType::Strings));
}
const Tensor* AttrReader::tensor(const std::string& n) const {
  const AttrValue* v = node_.attrs.find(n);
  return v ? std::get_if<Tensor>(v) : nullptr;
}

DType InferenceContext::input_dtype(size_t i) const {
  return has_input(i) ? graph_.value(node_.inputs[i]).dtype : DType::Undefined;
}

const Shape& InferenceContext::input_shape(size_t i) const {
  static const Shape kUnknown;
  return has_input(i) ? graph_.value(node_.inputs[i]).shape : kUnknown;
}

const Tensor* InferenceContext::input_constant(size_t i) const {
  return has_input(i) ? graph_.constant(node_.inputs[i]) : nullptr;
}

void InferenceContext::set_output(size_t i, DType dtype, Shape shape) {
  if (i >= node_.outputs.size() || node_.outputs[i].empty()) return;
  Value& v = graph_.add_value(node_.outputs[i]);
  v.dtype = dtype;
  v.shape = std::move(shape);
}

void infer_shapes(Graph& graph) {
  for (const Node& node : graph.nodes) {
    const OpSchema* schema = find_schema(node.op);
    if (!schema) model_error("node '{}': unknown op '{}'", node.name, node.op);
    for (const auto& in : node.inputs)
      if (!in.empty() && !graph.has_value(in))
        model_error("node '{}' ({}): input '{}' is not defined", node.name, node.op, in);
    if (!schema->infer) continue;
    InferenceContext ctx(graph, node);
    try {
      schema->infer(ctx);
    } catch (const Error& e) {
      const std::string what = e.what();
      // Errors raised with the node already named are passed through unchanged.
      if (what.rfind("node '", 0) == 0) throw;
      rethrow_with_context(e, fmt::format("node '{}' ({}): ", node.name, node.op));
    }
  }
}

}  // namespace nnport
