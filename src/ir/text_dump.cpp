#include "ir/text_dump.h"

#include <fmt/format.h>

namespace nnport {

namespace {

// Small constants (scalars, axes, shapes) are shown with their values: they often decide what a
// node does.
constexpr int64_t kMaxShownConstantValues = 8;

std::string value_ref(const std::string& name) {
  return name.empty() ? "_" : "%" + name;
}

std::string constant_values(const Tensor& t) {
  if (t.element_count() > kMaxShownConstantValues) return {};
  if (dtype_is_integer(t.dtype()) || t.dtype() == DType::Bool)
    return fmt::format(" = [{}]", fmt::join(t.to_int64_vector(), ", "));
  if (dtype_is_float(t.dtype()))
    return fmt::format(" = [{}]", fmt::join(t.to_float_vector(), ", "));
  return {};
}

// The shape comment of a node: output shapes, with the dtype when it is not float32.
std::string output_summary(const Graph& graph, const Node& node) {
  std::vector<std::string> parts;
  for (const auto& out : node.outputs) {
    if (out.empty()) continue;
    const Value* v = graph.find_value(out);
    if (!v) {
      parts.push_back("?");
      continue;
    }
    const bool plain_float = v->dtype == DType::Float32 || v->dtype == DType::Undefined;
    parts.push_back(plain_float ? v->shape.to_string()
                                : fmt::format("{} {}", dtype_name(v->dtype), v->shape.to_string()));
  }
  return fmt::format("{}", fmt::join(parts, ", "));
}

std::string node_line(const Graph& graph, const Node& node) {
  std::vector<std::string> outs, ins, attrs;
  for (const auto& o : node.outputs)
    outs.push_back(value_ref(o));
  for (const auto& i : node.inputs)
    ins.push_back(value_ref(i));
  for (const auto& [name, value] : node.attrs.all())
    attrs.push_back(fmt::format("{}={}", name, attr_value_to_string(value)));
  std::string line =
      fmt::format("{} = {}({})", fmt::join(outs, ", "), node.op, fmt::join(ins, ", "));
  if (!attrs.empty()) line += fmt::format(" {{{}}}", fmt::join(attrs, ", "));
  line += "  # " + output_summary(graph, node);
  // The node name (what errors refer to) is shown when it differs from the first output name.
  if (node.outputs.empty() || node.name != node.outputs[0])
    line += fmt::format("  [{}]", node.name);
  return line;
}

}  // namespace

std::string describe_value(const Value& value) {
  return fmt::format("{} {}", dtype_name(value.dtype), value.shape.to_string());
}

std::string dump_graph(const Graph& graph) {
  std::string out = fmt::format("graph {}\n", graph.name.empty() ? "(unnamed)" : graph.name);
  for (const auto& [key, text] : graph.metadata)
    out += fmt::format("  # {}: {}\n", key, text);

  out += "inputs:\n";
  for (const auto& name : graph.inputs) {
    const Value* v = graph.find_value(name);
    out += fmt::format("  {}: {}\n", value_ref(name), v ? describe_value(*v) : "undefined");
  }
  out += "outputs:\n";
  for (const auto& name : graph.outputs) {
    const Value* v = graph.find_value(name);
    out += fmt::format("  {}: {}\n", value_ref(name), v ? describe_value(*v) : "undefined");
  }

  size_t constant_count = 0;
  for (const auto& [name, v] : graph.values())
    constant_count += v.constant ? 1 : 0;
  out += fmt::format("constants: {} ({} parameters)\n", constant_count, graph.parameter_count());
  for (const auto& [name, v] : graph.values())
    if (v.constant)
      out += fmt::format("  {}: {}{}\n", value_ref(name), describe_value(v),
                         constant_values(*v.constant));

  out += fmt::format("nodes: {}\n", graph.nodes.size());
  for (const Node& node : graph.nodes)
    out += "  " + node_line(graph, node) + "\n";
  return out;
}

}  // namespace nnport
