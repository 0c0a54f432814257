#include "formats/tensorflow/tf_converter.h"

#include "formats/tensorflow/tf_importer.h"
#include "formats/tensorflow/tf_tensor.h"

namespace nnport::tf {

NodeConverter::NodeConverter(Importer& importer, const NodeDef& def,
                             std::vector<std::string> inputs)
    : importer_(importer), def_(def), inputs_(std::move(inputs)) {}

Graph& NodeConverter::graph() {
  return importer_.graph();
}

const std::string& NodeConverter::input(size_t i) const {
  if (i >= inputs_.size()) fail("needs at least {} inputs, has {}", i + 1, inputs_.size());
  return inputs_[i];
}

const Tensor* NodeConverter::constant(size_t i) const {
  return importer_.graph().constant(input(i));
}

const Tensor& NodeConverter::require_constant(size_t i, std::string_view what) const {
  const Tensor* t = constant(i);
  if (!t) fail("{} (input {}) must be a constant", what, i);
  return *t;
}

std::vector<int64_t> NodeConverter::constant_ints(size_t i, std::string_view what) const {
  // Integer parameters may come from a shape sub-graph that is constant once shapes are known.
  const Tensor* folded = importer_.folded_constant(input(i));
  if (!folded) fail("{} (input {}) must be a constant", what, i);
  const Tensor& t = *folded;
  if (!dtype_is_integer(t.dtype()))
    fail("{} must be integers, got {}", what, dtype_name(t.dtype()));
  return t.to_int64_vector();
}

const NodeDef* NodeConverter::producer(size_t i) const {
  size_t data_index = 0;
  for (const std::string& in : def_.input()) {
    if (in.empty() || in[0] == '^') continue;
    if (data_index++ == i) {
      std::string node = in;
      if (size_t colon = node.rfind(':'); colon != std::string::npos) node.resize(colon);
      return importer_.node_def(node);
    }
  }
  return nullptr;
}

const Shape& NodeConverter::shape(size_t i) const {
  return importer_.graph().value(input(i)).shape;
}

DType NodeConverter::dtype(size_t i) const {
  return importer_.graph().value(input(i)).dtype;
}

std::optional<size_t> NodeConverter::rank(size_t i) const {
  const Shape& s = shape(i);
  if (!s.rank_known) return std::nullopt;
  return s.rank();
}

namespace {
const AttrValue* find_attr(const NodeDef& def, const std::string& name) {
  auto it = def.attr().find(name);
  return it == def.attr().end() ? nullptr : &it->second;
}
}  // namespace

bool NodeConverter::has_attr(const std::string& name) const {
  return find_attr(def_, name) != nullptr;
}

int64_t NodeConverter::attr_int(const std::string& name, std::optional<int64_t> fallback) const {
  const AttrValue* a = find_attr(def_, name);
  if (!a) {
    if (fallback) return *fallback;
    fail("attribute '{}' is missing", name);
  }
  if (a->value_case() != AttrValue::kI) fail("attribute '{}' is not an integer", name);
  return a->i();
}

float NodeConverter::attr_float(const std::string& name, std::optional<float> fallback) const {
  const AttrValue* a = find_attr(def_, name);
  if (!a) {
    if (fallback) return *fallback;
    fail("attribute '{}' is missing", name);
  }
  if (a->value_case() != AttrValue::kF) fail("attribute '{}' is not a float", name);
  return a->f();
}

bool NodeConverter::attr_bool(const std::string& name, std::optional<bool> fallback) const {
  const AttrValue* a = find_attr(def_, name);
  if (!a) {
    if (fallback) return *fallback;
    fail("attribute '{}' is missing", name);
  }
  if (a->value_case() != AttrValue::kB) fail("attribute '{}' is not a bool", name);
  return a->b();
}

std::string NodeConverter::attr_string(const std::string& name,
                                       std::optional<std::string> fallback) const {
  const AttrValue* a = find_attr(def_, name);
  if (!a) {
    if (fallback) return *fallback;
    fail("attribute '{}' is missing", name);
  }
  if (a->value_case() != AttrValue::kS) fail("attribute '{}' is not a string", name);
  return a->s();
}

std::vector<int64_t> NodeConverter::attr_ints(const std::string& name,
                                              std::optional<std::vector<int64_t>> fallback) const {
  const AttrValue* a = find_attr(def_, name);
  if (!a) {
    if (fallback) return *fallback;
    fail("attribute '{}' is missing", name);
  }
  // An empty list may come without its kind set (the JSON topology of TF.js drops it).
  if (a->value_case() != AttrValue::kList && a->value_case() != AttrValue::VALUE_NOT_SET)
    fail("attribute '{}' is not a list", name);
  return {a->list().i().begin(), a->list().i().end()};
}

std::vector<std::string> NodeConverter::attr_strings(const std::string& name) const {
  const AttrValue* a = find_attr(def_, name);
  if (!a) return {};
  if (a->value_case() != AttrValue::kList && a->value_case() != AttrValue::VALUE_NOT_SET)
    fail("attribute '{}' is not a list", name);
  return {a->list().s().begin(), a->list().s().end()};
}

DType NodeConverter::attr_dtype(const std::string& name, std::optional<DType> fallback) const {
  const AttrValue* a = find_attr(def_, name);
  if (!a) {
    if (fallback) return *fallback;
    fail("attribute '{}' is missing", name);
  }
  if (a->value_case() != AttrValue::kType) fail("attribute '{}' is not a type", name);
  const DType t = to_ir_dtype(a->type());
  if (t == DType::Undefined || t == DType::String)
    fail("type {} is not supported", tf_dtype_name(a->type()));
  return t;
}

bool NodeConverter::channels_last() const {
  const std::string format = attr_string("data_format", "NHWC");
  if (format == "NHWC" || format == "NWC" || format == "NDHWC") return true;
  if (format == "NCHW" || format == "NCW" || format == "NCDHW") return false;
  fail("data_format '{}' is not supported", format);
}

std::string NodeConverter::output(size_t k) {
  return importer_.output_value(def_, k);
}

void NodeConverter::alias(size_t k, const std::string& value) {
  importer_.alias(def_, k, value);
}

std::string NodeConverter::temp_name(const std::string& suffix) {
  return importer_.fresh_name(name() + "/" + suffix);
}

void NodeConverter::emit(const std::string& op, std::vector<std::string> inputs,
                         std::vector<std::string> outputs, Attributes attrs) {
  Node node;
  // The first node carries the TF node name (unique among TF nodes; helpers never take one).
  node.name = emitted_++ == 0 ? name() : temp_name(op);
  node.op = op;
  node.inputs = std::move(inputs);
  node.outputs = std::move(outputs);
  node.attrs = std::move(attrs);
  try {
    importer_.add_node(std::move(node));
  } catch (const Error& e) {
    fail("{}", e.what());
  }
}

std::string NodeConverter::emit_temp(const std::string& op, std::vector<std::string> inputs,
                                     Attributes attrs, const std::string& suffix) {
  std::string out = temp_name(suffix.empty() ? op : suffix);
  emit(op, std::move(inputs), {out}, std::move(attrs));
  return out;
}

std::string NodeConverter::add_constant(Tensor tensor, const std::string& suffix) {
  std::string value = temp_name(suffix);
  importer_.graph().add_constant(value, std::move(tensor));
  return value;
}

void NodeConverter::fuse_later(const std::string& node_name, const std::string& value) {
  importer_.fuse_later(node_name, value);
}

std::vector<const NodeDef*> NodeConverter::consumers() const {
  return importer_.consumers(name());
}

}  // namespace nnport::tf
