#include "formats/tensorflow/tf_importer.h"

#include <algorithm>
#include <set>

#include "formats/tensorflow/tf_tensor.h"
#include "ir/op_schema.h"

namespace nnport::tf {

namespace {

// Nodes that produce no data a model output could want.
bool is_side_effect_only(const std::string& op) {
  static const std::set<std::string> kOps = {"NoOp",  "Assert",  "SaveV2",     "RestoreV2",
                                             "Print", "PrintV2", "VarHandleOp"};
  return kOps.count(op) != 0;
}

std::string key(const std::string& node, size_t index) {
  return node + ":" + std::to_string(index);
}

}  // namespace

std::string normalize_tensor_name(const std::string& name) {
  std::string n = name;
  if (!n.empty() && n[0] == '^') n.erase(0, 1);
  if (n.size() > 2 && n.compare(n.size() - 2, 2, ":0") == 0) n.resize(n.size() - 2);
  return n;
}

Importer::TensorRef Importer::parse_ref(const std::string& input) {
  TensorRef ref;
  const size_t colon = input.rfind(':');
  if (colon == std::string::npos) {
    ref.node = input;
    return ref;
  }
  const std::string digits = input.substr(colon + 1);
  if (digits.empty() || !std::all_of(digits.begin(), digits.end(), ::isdigit)) {
    ref.node = input;
    return ref;
  }
  ref.node = input.substr(0, colon);
  ref.index = std::stoul(digits);
  return ref;
}

Importer::Importer(GraphDef& graph_def, ImportOptions& options)
    : graph_def_(graph_def), options_(options) {
  for (NodeDef& node : *graph_def_.mutable_node()) {
    if (node.name().empty()) model_error("{}: a node has no name", options_.file);
    if (!nodes_.emplace(node.name(), &node).second)
      model_error("{}: two nodes are named '{}'", options_.file, node.name());
    used_names_.insert(node.name());
  }
  for (const NodeDef& node : graph_def_.node())
    for (const std::string& input : node.input())
      if (!input.empty() && input[0] != '^') consumers_[parse_ref(input).node].push_back(&node);
}

const NodeDef* Importer::node_def(const std::string& name) const {
  auto it = nodes_.find(name);
  return it == nodes_.end() ? nullptr : it->second;
}

const std::vector<const NodeDef*>& Importer::consumers(const std::string& node_name) const {
  static const std::vector<const NodeDef*> kNone;
  auto it = consumers_.find(node_name);
  return it == consumers_.end() ? kNone : it->second;
}

std::string Importer::fresh_name(const std::string& base) {
  std::string candidate = base;
  for (int i = 1; used_names_.count(candidate) || graph_.has_value(candidate); ++i)
    candidate = base + "_" + std::to_string(i);
  used_names_.insert(candidate);
  return candidate;
}

std::string Importer::value_of(const std::string& tf_tensor) const {
  const TensorRef ref = parse_ref(tf_tensor);
  auto it = tensor_values_.find(key(ref.node, ref.index));
  if (it == tensor_values_.end())
    model_error("{}: tensor '{}' is used before it is produced", options_.file, tf_tensor);
  return it->second;
}

const Tensor* Importer::constant_of(const std::string& tf_tensor) {
  const TensorRef ref = parse_ref(tf_tensor);
  if (auto it = tensor_values_.find(key(ref.node, ref.index)); it != tensor_values_.end())
    return graph_.constant(it->second);
  auto node = nodes_.find(ref.node);
  if (node == nodes_.end() || node->second->op() != "Const" || ref.index != 0) return nullptr;
  convert_const(*node->second);
  return graph_.constant(value_of(tf_tensor));
}

std::string Importer::output_value(const NodeDef& node, size_t k) {
  const std::string& k_key = key(node.name(), k);
  auto it = tensor_values_.find(k_key);
  if (it != tensor_values_.end()) return it->second;
  const std::string name = k == 0 ? node.name() : node.name() + ":" + std::to_string(k);
  used_names_.insert(name);
  graph_.add_value(name);
  tensor_values_[k_key] = name;
  return name;
}

void Importer::alias(const NodeDef& node, size_t k, const std::string& value) {
  tensor_values_[key(node.name(), k)] = value;
}

void Importer::add_node(Node node) {
  for (const std::string& out : node.outputs) {
    if (out.empty()) continue;
    graph_.add_value(out);
    producers_[out] = graph_.nodes.size();
  }
  graph_.nodes.push_back(std::move(node));
  infer_node_shapes(graph_.nodes.back());
}

// Shapes known while importing let converters resolve things TF leaves implicit (ranks for
// ellipsis masks, SplitV's -1). Ops whose schema is missing are left for the later passes.
void Importer::infer_node_shapes(const Node& node) {
  const OpSchema* schema = find_schema(node.op);
  if (!schema || !schema->infer) return;
  for (const std::string& in : node.inputs)
    if (!in.empty() && !graph_.has_value(in)) return;
  InferenceContext ctx(graph_, node);
  schema->infer(ctx);
}

std::vector<Importer::OutputSpec> Importer::select_outputs() const {
  std::vector<OutputSpec> outputs;
  if (!options_.read.outputs.empty()) {
    // The graph output keeps the spelling the user gave ("prob:0" stays "prob:0").
    for (const std::string& name : options_.read.outputs) {
      const std::string n = normalize_tensor_name(name);
      if (!nodes_.count(parse_ref(n).node))
        usage_error("--output '{}': the graph has no node '{}'", name, parse_ref(n).node);
      outputs.push_back({n, name});
    }
    return outputs;
  }
  if (!options_.outputs.empty()) {
    for (const std::string& name : options_.outputs)
      outputs.push_back({normalize_tensor_name(name), normalize_tensor_name(name)});
    return outputs;
  }
  for (const NodeDef& node : graph_def_.node()) {
    if (consumers(node.name()).empty() && !is_side_effect_only(node.op()) && node.op() != "Const" &&
        node.op() != "Placeholder")
      outputs.push_back({node.name(), node.name()});
  }
  if (outputs.empty()) model_error("{}: the graph has no output node", options_.file);
  return outputs;
}

std::vector<const NodeDef*> Importer::needed_nodes_in_order(
    const std::vector<std::string>& outputs) {
  // Iterative depth-first post-order over data inputs; control inputs never carry values.
  enum class Mark { None, Open, Done };
  std::unordered_map<std::string, Mark> marks;
  std::vector<const NodeDef*> order;
  for (const std::string& out : outputs) {
    const std::string root = parse_ref(out).node;
    if (!nodes_.count(root)) model_error("{}: output '{}' names no node", options_.file, out);
    std::vector<std::pair<const NodeDef*, int>> stack = {{nodes_.at(root), 0}};
    if (marks[root] == Mark::Done) continue;
    marks[root] = Mark::Open;
    while (!stack.empty()) {
      auto& [node, next] = stack.back();
      if (next < node->input_size()) {
        const std::string& input = node->input(next++);
        if (input.empty() || input[0] == '^') continue;
        const std::string producer = parse_ref(input).node;
        auto it = nodes_.find(producer);
        if (it == nodes_.end())
          model_error("{}: node '{}' ({}): input '{}' names no node", options_.file, node->name(),
                      node->op(), input);
        Mark& mark = marks[producer];
        if (mark == Mark::Open)
          model_error("{}: node '{}' ({}): the graph has a cycle through it (control flow)",
                      options_.file, producer, it->second->op());
        if (mark == Mark::None) {
          mark = Mark::Open;
          stack.push_back({it->second, 0});
        }
        continue;
      }
      marks[node->name()] = Mark::Done;
      order.push_back(node);
      stack.pop_back();
    }
  }
  return order;
}

void Importer::refuse_unsupported(const std::vector<const NodeDef*>& nodes) const {
  std::vector<std::string> problems;
  for (const NodeDef* node : nodes) {
    const std::string& op = node->op();
    if (op == "Const" || op == "Placeholder" || find_converter(op)) continue;
    std::string_view reason = refusal_reason(op);
    problems.push_back(fmt::format("node '{}' ({}): {}", node->name(), op,
                                   reason.empty() ? "op not supported" : reason));
  }
  if (problems.empty()) return;
  model_error("{}: {} unsupported node{} (use --output to convert the part above them): {}",
              options_.file, problems.size(), problems.size() == 1 ? "" : "s",
              fmt::join(problems, "; "));
}

void Importer::convert_placeholder(const NodeDef& node) {
  DType dtype = DType::Float32;
  if (auto it = node.attr().find("dtype"); it != node.attr().end()) {
    dtype = to_ir_dtype(it->second.type());
    if (dtype == DType::Undefined || dtype == DType::String)
      model_error("{}: node '{}' (Placeholder): input type {} is not supported", options_.file,
                  node.name(), tf_dtype_name(it->second.type()));
  }
  Shape shape = Shape::unknown();
  if (auto it = node.attr().find("shape"); it != node.attr().end() && it->second.has_shape())
    shape = to_ir_shape(it->second.shape());
  if (auto it = options_.input_shapes.find(node.name()); it != options_.input_shapes.end())
    shape = it->second;

  const std::string& layout = options_.read.input_layout;
  if (layout.empty() || layout == "NHWC" || layout == "nhwc" || shape.rank() != 4 ||
      !shape.rank_known) {
    if (!layout.empty() && layout != "NHWC" && layout != "nhwc" && layout != "NCHW" &&
        layout != "nchw")
      usage_error("--input-layout '{}': expected NHWC or NCHW", layout);
    const std::string value = output_value(node, 0);
    graph_.value(value).dtype = dtype;
    graph_.value(value).shape = shape;
    graph_.inputs.push_back(value);
    return;
  }
  if (layout != "NCHW" && layout != "nchw")
    usage_error("--input-layout '{}': expected NHWC or NCHW", layout);
  // --input-layout NCHW: the graph input is NCHW and one Transpose restores TF's NHWC.
  const std::string input = fresh_name(node.name());
  Value& in = graph_.add_value(input);
  in.dtype = dtype;
  in.shape = Shape({shape.dims[0], shape.dims[3], shape.dims[1], shape.dims[2]});
  graph_.inputs.push_back(input);
  const std::string nhwc = fresh_name(node.name() + "/nhwc");
  Node transpose{fresh_name(node.name() + "/to_nhwc"), "Transpose", {input}, {nhwc}, {}};
  transpose.attrs.set("perm", std::vector<int64_t>{0, 2, 3, 1});
  add_node(std::move(transpose));
  alias(node, 0, nhwc);
}

void Importer::convert_const(NodeDef& node) {
  if (auto w = options_.weights.find(node.name()); w != options_.weights.end()) {
    graph_.add_constant(node.name(), std::move(w->second));
    options_.weights.erase(w);
    return alias(node, 0, node.name());
  }
  auto it = node.mutable_attr()->find("value");
  if (it == node.mutable_attr()->end() || !it->second.has_tensor())
    model_error("{}: node '{}' (Const): no value", options_.file, node.name());
  Tensor tensor =
      tensor_from_proto(*it->second.mutable_tensor(),
                        fmt::format("{}: node '{}' (Const)", options_.file, node.name()));
  const std::string value = node.name();
  used_names_.insert(value);
  graph_.add_constant(value, std::move(tensor));
  alias(node, 0, value);
}

void Importer::convert(NodeDef& node) {
  if (node.op() == "Placeholder") return convert_placeholder(node);
  if (node.op() == "Const") {
    if (tensor_values_.count(key(node.name(), 0))) return;  // converted early (constant_of)
    return convert_const(node);
  }
  if (auto it = fused_.find(node.name()); it != fused_.end()) return alias(node, 0, it->second);
  std::vector<std::string> inputs;
  for (const std::string& input : node.input())
    if (!input.empty() && input[0] != '^') inputs.push_back(value_of(input));
  NodeConverter converter(*this, node, std::move(inputs));
  find_converter(node.op())(converter);
}

Graph Importer::run() {
  const std::vector<OutputSpec> outputs = select_outputs();
  std::vector<std::string> tensors;
  for (const OutputSpec& out : outputs)
    tensors.push_back(out.tensor);
  const std::vector<const NodeDef*> order = needed_nodes_in_order(tensors);
  refuse_unsupported(order);
  try {
    for (const NodeDef* node : order)
      convert(*nodes_.at(node->name()));
  } catch (const Error& e) {
    rethrow_with_context(e, options_.file + ": ");
  }
  for (const OutputSpec& out : outputs) {
    const std::string value = value_of(out.tensor);
    std::string name = out.name;
    if (value != name) {
      // Aliased (Identity) or spelled "name:0": an Identity gives it the name users know.
      if (graph_.has_value(name)) name = fresh_name(name);
      used_names_.insert(name);
      add_node(Node{fresh_name(out.name + "/output"), "Identity", {value}, {name}, {}});
    }
    graph_.outputs.push_back(name);
  }
  graph_.metadata["source_format"] = options_.source_format;
  graph_.metadata["source_layout"] = "tensorflow (NHWC unless data_format says NCHW)";
  return std::move(graph_);
}

Graph import_graph_def(GraphDef& graph_def, ImportOptions& options) {
  Importer importer(graph_def, options);
  return importer.run();
}

}  // namespace nnport::tf
