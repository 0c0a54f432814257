#include <cmath>
#include <random>

#include "formats/caffe/caffe_import.h"
#include "formats/caffe/caffe_proto_io.h"
#include "ir/op_schema.h"

namespace nnport::caffe_import {

namespace pb = nnport::caffe;

LayerImport::LayerImport(Graph& graph, const pb::LayerParameter& layer,
                         std::vector<pb::BlobProto*> blobs, const ImportOptions& options,
                         std::function<std::string(const std::string&)> resolve_blob)
    : graph_(graph), layer_(layer), blobs_(std::move(blobs)), options_(options) {
  for (const std::string& b : layer_.bottom())
    bottoms_.push_back(resolve_blob(b));
  for (int i = 0; i < layer_.top_size(); ++i)
    tops_.push_back(graph_.unique_name(name() + "/top" + std::to_string(i)));
  // Reserve the placeholder names so temporaries never collide with them.
  for (const std::string& t : tops_)
    graph_.add_value(t);
}

void LayerImport::expect_counts(int min_bottoms, int max_bottoms, int min_tops,
                                int max_tops) const {
  if (bottom_count() < min_bottoms || bottom_count() > max_bottoms) {
    if (min_bottoms == max_bottoms) fail("needs {} bottom(s), has {}", min_bottoms, bottom_count());
    fail("needs {} to {} bottoms, has {}", min_bottoms, max_bottoms, bottom_count());
  }
  if (top_count() < min_tops || top_count() > max_tops) {
    if (min_tops == max_tops) fail("needs {} top(s), has {}", min_tops, top_count());
    fail("needs {} to {} tops, has {}", min_tops, max_tops, top_count());
  }
}

const Shape& LayerImport::bottom_shape(int i) const {
  return graph_.value(bottom(i)).shape;
}

int64_t LayerImport::bottom_rank(int i) const {
  const Shape& s = bottom_shape(i);
  if (!s.rank_known) fail("the rank of bottom '{}' is unknown", layer_.bottom(i));
  return static_cast<int64_t>(s.rank());
}

std::vector<int64_t> LayerImport::bottom_sizes(int i) const {
  const Shape& s = bottom_shape(i);
  if (!s.fully_known())
    fail("needs the shape of bottom '{}' but it is {} (give input sizes with --input)",
         layer_.bottom(i), s.to_string());
  return s.sizes();
}

int64_t LayerImport::canonical_axis(int64_t axis, int64_t rank, const char* what) const {
  if (axis < -rank || axis >= rank)
    fail("{} {} is out of range for a rank-{} input", what, axis, rank);
  return axis < 0 ? axis + rank : axis;
}

void LayerImport::alias_top(int i, const std::string& value) {
  aliases_[i] = value;
}

std::string LayerImport::temp(const std::string& what) {
  const std::string value = graph_.unique_name(name() + "/" + what);
  graph_.add_value(value);
  return value;
}

std::string LayerImport::constant(const std::string& what, Tensor tensor) {
  const std::string value = graph_.unique_name(name() + "/" + what);
  graph_.add_constant(value, std::move(tensor));
  return value;
}

std::string LayerImport::scalar(const std::string& what, float value) {
  return constant(what, Tensor::scalar<float>(value));
}

std::string LayerImport::int64s(const std::string& what, const std::vector<int64_t>& values) {
  return constant(what,
                  Tensor::from_vector<int64_t>({static_cast<int64_t>(values.size())}, values));
}

void LayerImport::add_node(const std::string& op, std::vector<std::string> inputs,
                           std::vector<std::string> outputs, Attributes attrs,
                           const std::string& helper) {
  Node node;
  if (helper.empty() && !main_node_named_) {
    node.name = graph_.unique_name(name());
    main_node_named_ = true;
  } else {
    node.name = graph_.unique_name(name() + "/" + (helper.empty() ? op : helper));
  }
  node.op = op;
  node.inputs = std::move(inputs);
  node.outputs = std::move(outputs);
  node.attrs = std::move(attrs);
  for (const std::string& o : node.outputs)
    graph_.add_value(o);
  const OpSchema* schema = find_schema(op);
  if (!schema) fail("nnport has no IR op '{}' to express this layer", op);
  graph_.nodes.push_back(std::move(node));
  const Node& added = graph_.nodes.back();
  try {
    check_node_against_schema(*schema, added);
    if (schema->infer) {
      InferenceContext ctx(graph_, added);
      schema->infer(ctx);
    }
  } catch (const Error& e) {
    fail("{}", e.what());
  }
}

namespace {

// A portable uniform float in [0, 1) from mt19937 (whose output sequence the standard fixes).
float unit_float(std::mt19937& rng) {
  return static_cast<float>(rng() >> 8) * 0x1p-24f;
}

Tensor seeded_tensor(const std::vector<int64_t>& dims, SeedKind kind, uint32_t seed,
                     const std::string& layer, size_t index) {
  // Seed from the layer name so that adding a layer elsewhere does not change these weights.
  uint32_t mixed = seed;
  for (unsigned char c : layer)
    mixed = mixed * 16777619u ^ c;
  std::mt19937 rng(mixed + static_cast<uint32_t>(index) * 7919u);
  Tensor t(DType::Float32, dims);
  auto values = t.mutable_values<float>();
  const int64_t fan_in = dims.empty() || dims[0] == 0 ? 1 : t.element_count() / dims[0];
  const float bound = 1.0f / std::sqrt(static_cast<float>(std::max<int64_t>(fan_in, 1)));
  for (float& v : values) {
    const float u = unit_float(rng);
    switch (kind) {
      case SeedKind::Weight:
        v = (2 * u - 1) * bound * std::sqrt(3.0f);
        break;
      case SeedKind::Bias:
        v = (2 * u - 1) * 0.1f;
        break;
      case SeedKind::Positive:
        v = 0.5f + u;
        break;
      case SeedKind::One:
        v = 1.0f;
        break;
    }
  }
  return t;
}

}  // namespace

Tensor LayerImport::blob(size_t i, const std::vector<int64_t>& expected, SeedKind kind) {
  const int64_t want = element_count(expected);
  if (i >= blobs_.size()) {
    if (options_.seed_missing_weights)
      return seeded_tensor(expected, kind, *options_.seed_missing_weights, name(), i);
    if (blobs_.empty()) fail("has no weights ({})", options_.weights_note);
    fail("has {} weight blob(s) but needs blob {} of shape {}", blobs_.size(), i,
         sizes_to_string(expected));
  }
  pb::BlobProto& proto = *blobs_[i];
  const std::vector<int64_t> dims = caffe_io::blob_dims(proto);
  const bool legacy = caffe_io::blob_has_legacy_shape(proto);
  const bool count_ok = element_count(dims) == want;
  if (!count_ok || (!legacy && dims != expected))
    fail("weight blob {} has shape {} but the prototxt implies {}", i, sizes_to_string(dims),
         sizes_to_string(expected));
  Tensor t = caffe_io::take_blob(proto, fmt::format("node '{}' ({}) blob {}", name(), type(), i));
  return t.reshaped(expected);
}

}  // namespace nnport::caffe_import
