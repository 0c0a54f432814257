#include "formats/caffe/caffe_export.h"

namespace nnport::caffe_export {

namespace pb = nnport::caffe;

Dialect parse_dialect(const std::string& name) {
  if (name == "caffe-1.0" || name.empty()) return Dialect::Caffe10;
  if (name == "bvlc-master") return Dialect::BvlcMaster;
  if (name == "caffe-ssd") return Dialect::CaffeSsd;
  usage_error("--caffe-dialect '{}' is not one of caffe-1.0, bvlc-master, caffe-ssd", name);
}

std::string sanitize(const std::string& name) {
  std::string out;
  for (char c : name) {
    const bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '_' || c == '-' || c == '/' || c == '.';
    out.push_back(keep ? c : '_');
  }
  return out.empty() ? std::string("unnamed") : out;
}

namespace {
std::string unique_in(std::set<std::string>& used, const std::string& base) {
  std::string candidate = base;
  for (int i = 1; used.count(candidate); ++i)
    candidate = base + "_" + std::to_string(i);
  used.insert(candidate);
  return candidate;
}
}  // namespace

NetBuilder::NetBuilder(const Graph& graph, Dialect dialect) : graph_(graph), dialect_(dialect) {}

std::string NetBuilder::blob(const std::string& value) {
  auto it = value_blobs_.find(value);
  if (it != value_blobs_.end()) return it->second;
  const std::string name = unique_in(blob_names_, sanitize(value));
  value_blobs_[value] = name;
  return name;
}

std::string NetBuilder::temp_blob(const std::string& base, const std::string& what) {
  return unique_in(blob_names_, sanitize(base + "/" + what));
}

void NetBuilder::bind(const std::string& value, const std::string& blob) {
  value_blobs_[value] = blob;
  blob_names_.insert(blob);
}

pb::LayerParameter* NetBuilder::add_layer(const std::string& base, const std::string& type) {
  pb::LayerParameter* layer = net_.add_layer();
  layer->set_name(unique_in(layer_names_, sanitize(base)));
  layer->set_type(type);
  blobs_.emplace_back();
  return layer;
}

void NetBuilder::add_blob(pb::LayerParameter* layer, Tensor tensor, std::vector<int64_t> dims) {
  if (&net_.layer(net_.layer_size() - 1) != layer)
    throw std::logic_error("NetBuilder::add_blob: blobs go to the layer added last");
  if (tensor.dtype() != DType::Float32)
    model_error("layer '{}': weights of dtype {} (Caffe stores float32 only)", layer->name(),
                dtype_name(tensor.dtype()));
  if (element_count(dims) != tensor.element_count())
    throw std::logic_error("NetBuilder::add_blob: dims do not match the tensor");
  blobs_.back().push_back({std::move(dims), std::move(tensor)});
}

const Shape& NodeExport::shape(const std::string& value) const {
  return graph().value(value).shape;
}

std::vector<int64_t> NodeExport::sizes(const std::string& value) const {
  const Shape& s = shape(value);
  if (!s.fully_known()) refuse("the shape of '{}' is not known ({})", value, s.to_string());
  return s.sizes();
}

const Tensor* NodeExport::constant_input(size_t i) const {
  if (!node_.has_input(i)) return nullptr;
  return graph().constant(node_.inputs[i]);
}

const Tensor& NodeExport::require_constant_input(size_t i, const char* what) const {
  const Tensor* t = constant_input(i);
  if (!t) refuse("{} (input {}) must be a constant", what, i);
  return *t;
}

pb::LayerParameter* NodeExport::layer(const std::string& type,
                                      const std::vector<std::string>& bottoms,
                                      const std::vector<std::string>& tops) {
  const std::string base = layers_ == 0 ? node_.name : node_.name + "/" + type;
  ++layers_;
  pb::LayerParameter* l = net_.add_layer(base, type);
  for (const auto& b : bottoms)
    l->add_bottom(b);
  for (const auto& t : tops)
    l->add_top(t);
  return l;
}

NodeEmitter find_node_emitter(const std::string& op) {
  if (auto e = find_window_emitter(op)) return e;
  if (auto e = find_elementwise_emitter(op)) return e;
  if (auto e = find_permute_emitter(op)) return e;
  if (auto e = find_resize_emitter(op)) return e;
  if (auto e = find_reduce_emitter(op)) return e;
  return find_tensor_emitter(op);
}

}  // namespace nnport::caffe_export
