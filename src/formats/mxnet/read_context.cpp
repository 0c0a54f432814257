#include "formats/mxnet/read_context.h"

#include "formats/mxnet/ndarray_list.h"
#include "ir/op_schema.h"

namespace nnport::mxnet {

ReadContext::ReadContext(const Symbol& symbol, std::map<std::string, Tensor> params,
                         const ReadOptions& options, std::string file)
    : symbol_(symbol), params_(std::move(params)), options_(options), file_(std::move(file)) {}

void ReadContext::begin_node(size_t index) {
  current_ = index;
  named_current_ = false;
}

std::string ReadContext::variable_value(size_t node_index) {
  const SymbolNode& var = symbol_.nodes[node_index];
  const std::string& name = var.name;
  if (graph_.has_value(name)) return name;
  const AttrText attrs(var.attrs);
  // Gluon and Module record the declared shape; 0 marks a dimension left to inference.
  const std::vector<int64_t> declared = attrs.ints("__shape__", {});
  const auto param = params_.find(name);
  if (param != params_.end()) {
    const Tensor& t = param->second;
    if (attrs.has("__shape__")) {
      bool agrees = declared.size() == t.rank();
      for (size_t d = 0; agrees && d < declared.size(); ++d)
        agrees = declared[d] == 0 || declared[d] == t.dims()[d];
      if (!agrees)
        model_error(
            "{}: node '{}' (null): the stored parameter has shape {} but the symbol "
            "declares {}",
            file_, name, sizes_to_string(t.dims()), sizes_to_string(declared));
    }
    graph_.add_constant(name, t);
    return name;
  }
  Value& v = graph_.add_value(name);
  v.dtype = DType::Float32;
  if (attrs.has("__dtype__")) {
    const DType dtype = dtype_from_mxnet_flag(static_cast<int>(attrs.integer("__dtype__", 0)));
    if (dtype == DType::Undefined)
      model_error("{}: node '{}' (null): unknown __dtype__ {}", file_, name,
                  attrs.str("__dtype__", ""));
    v.dtype = dtype;
  }
  const auto dims = options_.input_dims.find(name);
  if (dims != options_.input_dims.end()) {
    v.shape = Shape::from_sizes(dims->second);
  } else if (!declared.empty()) {
    std::vector<Dim> shape;
    for (int64_t d : declared)
      shape.push_back(d > 0 ? Dim(d) : Dim());
    v.shape = Shape(shape);
  }
  graph_.inputs.push_back(name);
  return name;
}

std::string ReadContext::entry_value(const EntryRef& ref) {
  const SymbolNode& source = symbol_.nodes[ref.node];
  if (source.op == "null") {
    if (ref.output != 0) fail("variable '{}' has only one output", source.name);
    return variable_value(static_cast<size_t>(ref.node));
  }
  const auto it = entry_values_.find({ref.node, ref.output});
  if (it == entry_values_.end())
    fail("reads output {} of node '{}' ({}), which that op does not produce", ref.output,
         source.name, source.op);
  return it->second;
}

std::string ReadContext::input(size_t i) {
  if (i >= input_count()) fail("needs at least {} inputs, has {}", i + 1, input_count());
  return entry_value(node().inputs[i]);
}

const Tensor* ReadContext::input_constant(size_t i) {
  return graph_.constant(input(i));
}

std::string ReadContext::param_input(size_t i, std::string_view role) {
  if (i >= input_count()) fail("the {} input is missing", role);
  const EntryRef& ref = node().inputs[i];
  const SymbolNode& source = symbol_.nodes[ref.node];
  if (source.op == "null" && !params_.count(source.name) && !graph_.constant(source.name))
    fail("the {} '{}' is not in the .params file", role, source.name);
  return input(i);
}

const Shape& ReadContext::input_shape(size_t i) {
  const std::string name = input(i);
  if (inferred_nodes_ != graph_.nodes.size()) {
    infer_shapes(graph_);
    inferred_nodes_ = graph_.nodes.size();
  }
  return graph_.value(name).shape;
}

DType ReadContext::input_dtype(size_t i) {
  input_shape(i);
  const DType dtype = graph_.value(input(i)).dtype;
  if (dtype == DType::Undefined) fail("the element type of input {} is unknown", i);
  return dtype;
}

size_t ReadContext::input_rank(size_t i, std::string_view why) {
  const Shape& shape = input_shape(i);
  if (!shape.rank_known)
    fail(
        "{} needs the input rank, which is unknown here: give the graph input shapes with "
        "--input NAME:DIMS",
        why);
  return shape.rank();
}

std::string ReadContext::output(size_t i) {
  const std::pair<int64_t, int64_t> key{static_cast<int64_t>(current_), static_cast<int64_t>(i)};
  const auto it = entry_values_.find(key);
  if (it != entry_values_.end()) return it->second;
  const std::string base = i == 0 ? node().name : fmt::format("{}_output{}", node().name, i);
  std::string name = graph_.has_value(base) ? graph_.unique_name(base) : base;
  graph_.add_value(name);
  entry_values_[key] = name;
  return name;
}

std::string ReadContext::temp(std::string_view suffix) {
  std::string name = graph_.unique_name(fmt::format("{}_{}", node().name, suffix));
  graph_.add_value(name);
  return name;
}

std::string ReadContext::add_constant(std::string_view suffix, Tensor tensor) {
  const std::string name = graph_.unique_name(fmt::format("{}_{}", node().name, suffix));
  graph_.add_constant(name, std::move(tensor));
  return name;
}

std::string ReadContext::add_ints(std::string_view suffix, const std::vector<int64_t>& values) {
  return add_constant(suffix,
                      Tensor::from_vector<int64_t>({static_cast<int64_t>(values.size())}, values));
}

std::string ReadContext::add_float_scalar(std::string_view suffix, float value) {
  return add_constant(suffix, Tensor::scalar<float>(value));
}

Node& ReadContext::emit(std::string op, std::vector<std::string> inputs,
                        std::vector<std::string> outputs, Attributes attrs) {
  Node n;
  n.name = !named_current_ && !node_names_.count(node().name)
               ? node().name
               : graph_.unique_name(node().name + "_" + op);
  node_names_.insert(n.name);
  named_current_ = true;
  n.op = std::move(op);
  n.inputs = std::move(inputs);
  n.outputs = std::move(outputs);
  n.attrs = std::move(attrs);
  graph_.nodes.push_back(std::move(n));
  return graph_.nodes.back();
}

void ReadContext::finish() {
  for (const EntryRef& head : symbol_.heads) {
    const SymbolNode& source = symbol_.nodes[head.node];
    if (source.op == "null") {
      graph_.outputs.push_back(variable_value(static_cast<size_t>(head.node)));
      continue;
    }
    const auto it = entry_values_.find({head.node, head.output});
    if (it == entry_values_.end())
      model_error("{}: heads: output {} of node '{}' ({}) does not exist", file_, head.output,
                  source.name, source.op);
    graph_.outputs.push_back(it->second);
  }
}

}  // namespace nnport::mxnet
