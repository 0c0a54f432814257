#include "formats/mxnet/write_context.h"

namespace nnport::mxnet {

WriteContext::WriteContext(const Graph& graph, std::string file)
    : graph_(graph), file_(std::move(file)) {}

void WriteContext::begin_node(const Node& node) {
  node_ = &node;
}

std::string WriteContext::unique(const std::string& base) {
  std::string name = base;
  for (int i = 1; used_names_.count(name); ++i)
    name = fmt::format("{}_{}", base, i);
  used_names_.insert(name);
  return name;
}

EntryRef WriteContext::add_variable(const std::string& name, AttrMap attrs) {
  SymbolNode var;
  var.op = "null";
  var.name = name;
  var.attrs = std::move(attrs);
  symbol_.nodes.push_back(std::move(var));
  return {static_cast<int64_t>(symbol_.nodes.size() - 1), 0};
}

namespace {

// Gluon's export records each parameter's shape and dtype on its variable; we do the same.
AttrMap param_attrs(const Tensor& t) {
  return {{"__dtype__", std::to_string(mxnet_type_flag(t.dtype()))},
          {"__shape__", tuple_text(t.dims())}};
}

// NDArray V2 files cannot hold 0-d arrays; a one-element vector broadcasts the same way.
Tensor storable(const Tensor& t) {
  return t.rank() == 0 ? t.reshaped({1}) : t;
}

}  // namespace

EntryRef WriteContext::value_entry(const std::string& name) {
  const auto it = values_.find(name);
  if (it != values_.end()) return it->second;
  const Value* value = graph_.find_value(name);
  if (!value) fail("input '{}' is not defined", name);
  if (value->constant) {
    const Tensor stored = storable(*value->constant);
    if (mxnet_type_flag(stored.dtype()) < 0)
      fail("constant '{}' has dtype {}, which MXNet cannot store", name,
           dtype_name(stored.dtype()));
    const std::string var = unique(name);
    const EntryRef entry = add_variable(var, param_attrs(stored));
    params_.push_back({"arg:" + var, stored});
    values_[name] = entry;
    return entry;
  }
  fail("value '{}' is used before it is computed", name);
}

const Tensor* WriteContext::constant(size_t i) const {
  if (i >= node_->inputs.size() || node_->inputs[i].empty()) return nullptr;
  return graph_.constant(node_->inputs[i]);
}

std::vector<int64_t> WriteContext::constant_ints(size_t i, std::string_view role) const {
  const Tensor* t = constant(i);
  if (!t) fail("the {} must be a constant for MXNet (it is computed at run time)", role);
  return t->to_int64_vector();
}

std::vector<float> WriteContext::constant_floats(size_t i, std::string_view role) const {
  const Tensor* t = constant(i);
  if (!t) fail("the {} must be a constant for MXNet (it is computed at run time)", role);
  return t->to_float_vector();
}

EntryRef WriteContext::add_param(std::string_view suffix, const Tensor& tensor, bool auxiliary) {
  const Tensor stored = storable(tensor);
  const std::string var = unique(fmt::format("{}_{}", node_->name, suffix));
  const EntryRef entry = add_variable(var, param_attrs(stored));
  params_.push_back({(auxiliary ? "aux:" : "arg:") + var, stored});
  return entry;
}

EntryRef WriteContext::emit(std::string op, std::vector<EntryRef> inputs, AttrMap attrs,
                            const std::vector<std::string>& outputs) {
  SymbolNode n;
  n.op = std::move(op);
  n.name = unique(node_->name);
  n.attrs = std::move(attrs);
  n.inputs = std::move(inputs);
  symbol_.nodes.push_back(std::move(n));
  const int64_t index = static_cast<int64_t>(symbol_.nodes.size() - 1);
  for (size_t i = 0; i < outputs.size(); ++i)
    if (!outputs[i].empty()) values_[outputs[i]] = {index, static_cast<int64_t>(i)};
  return {index, 0};
}

EntryRef WriteContext::emit_helper(std::string_view suffix, std::string op,
                                   std::vector<EntryRef> inputs, AttrMap attrs) {
  SymbolNode n;
  n.op = std::move(op);
  n.name = unique(fmt::format("{}_{}", node_->name, suffix));
  n.attrs = std::move(attrs);
  n.inputs = std::move(inputs);
  symbol_.nodes.push_back(std::move(n));
  return {static_cast<int64_t>(symbol_.nodes.size() - 1), 0};
}

void WriteContext::declare_input(const Value& value) {
  if (mxnet_type_flag(value.dtype) < 0)
    model_error("{}: input '{}' has dtype {}, which MXNet does not have", file_, value.name,
                dtype_name(value.dtype));
  AttrMap attrs;
  if (value.dtype != DType::Float32)
    attrs["__dtype__"] = std::to_string(mxnet_type_flag(value.dtype));
  if (value.shape.rank_known) {
    std::vector<int64_t> dims;
    for (const Dim& d : value.shape.dims)
      dims.push_back(d.known() ? d.size : 0);
    attrs["__shape__"] = tuple_text(dims);
  }
  values_[value.name] = add_variable(unique(value.name), attrs);
}

}  // namespace nnport::mxnet
