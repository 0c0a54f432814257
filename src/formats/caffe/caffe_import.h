// The Caffe reader's per-layer view: what a layer converter (caffe_import_*.cpp) may ask of the
// network being built. Converters emit IR nodes for one layer; the importer in caffe_reader.cpp
// walks the layers in file order (Caffe's execution order), tracks which IR value holds each
// Caffe blob (layers may write their output over their input: "in place"), and keeps shapes
// inferred node by node because many Caffe parameters (negative axes, Slice points, Crop
// references, Scale blob shapes) need the input's shape.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "ir/error.h"
#include "ir/graph.h"
#include "nnport_caffe.pb.h"

namespace nnport::caffe_import {

// How a missing weight is made up when the reader is asked to seed weights (tests and demos of
// weightless prototxts): a fan-in scaled weight, a small bias, or a strictly positive value.
enum class SeedKind { Weight, Bias, Positive, One };

struct ImportOptions {
  std::map<std::string, std::vector<int64_t>> input_dims;
  // When set, layers without weights get deterministic pseudo-random ones from this seed.
  std::optional<uint32_t> seed_missing_weights;
  // The .caffemodel the weights came from, or why there is none (for error messages).
  std::string weights_note;
};

class LayerImport {
 public:
  LayerImport(Graph& graph, const nnport::caffe::LayerParameter& layer,
              std::vector<nnport::caffe::BlobProto*> blobs, const ImportOptions& options,
              std::function<std::string(const std::string&)> resolve_blob);

  const nnport::caffe::LayerParameter& layer() const { return layer_; }
  const std::string& name() const { return layer_.name(); }
  const std::string& type() const { return layer_.type(); }
  Graph& graph() { return graph_; }

  template <typename... Args>
  [[noreturn]] void fail(fmt::format_string<Args...> format, Args&&... args) const {
    model_error("node '{}' ({}): {}", name(), type(),
                fmt::format(format, std::forward<Args>(args)...));
  }

  // Bottom/top counts checked against what the layer type accepts.
  void expect_counts(int min_bottoms, int max_bottoms, int min_tops, int max_tops) const;
  int bottom_count() const { return layer_.bottom_size(); }
  int top_count() const { return layer_.top_size(); }

  // The IR value currently holding bottom `i`.
  const std::string& bottom(int i) const { return bottoms_.at(i); }
  const Shape& bottom_shape(int i) const;
  // Rank of bottom `i`; a model error naming the layer when unknown.
  int64_t bottom_rank(int i) const;
  // Known sizes of bottom `i`; a model error naming the layer when some are unknown.
  std::vector<int64_t> bottom_sizes(int i) const;
  // A Caffe axis (negative counts from the end) as 0..rank-1.
  int64_t canonical_axis(int64_t axis, int64_t rank, const char* what) const;

  // The value name a converter writes top `i` into. The importer renames it to the blob's name
  // once the layer is done (so the latest version of a blob always carries the blob's name).
  const std::string& top(int i) const { return tops_.at(i); }
  // Top `i` is just another name for an existing value (Split, Dropout in inference).
  void alias_top(int i, const std::string& value);
  const std::map<int, std::string>& aliases() const { return aliases_; }

  // A fresh intermediate value name for this layer ("<layer>/<what>").
  std::string temp(const std::string& what);
  // Adds a constant named "<layer>/<what>".
  std::string constant(const std::string& what, Tensor tensor);
  std::string scalar(const std::string& what, float value);
  std::string int64s(const std::string& what, const std::vector<int64_t>& values);
  // Appends a node (named after the layer; later nodes of the same layer get a suffix) and
  // infers its output shapes.
  // A non-empty `helper` names a node that is not the layer's main one ("<layer>/<helper>").
  void add_node(const std::string& op, std::vector<std::string> inputs,
                std::vector<std::string> outputs, Attributes attrs = {},
                const std::string& helper = "");

  size_t blob_count() const { return blobs_.size(); }
  // Weight blob `i` viewed with `expected` dims: the element counts must agree (and the dims
  // too when the file states a modern shape). Seeds or refuses when the blob is missing.
  Tensor blob(size_t i, const std::vector<int64_t>& expected, SeedKind kind = SeedKind::Weight);

 private:
  Graph& graph_;
  const nnport::caffe::LayerParameter& layer_;
  std::vector<nnport::caffe::BlobProto*> blobs_;
  const ImportOptions& options_;
  std::vector<std::string> bottoms_;
  std::vector<std::string> tops_;
  std::map<int, std::string> aliases_;
  bool main_node_named_ = false;
};

using LayerConverter = void (*)(LayerImport&);
// nullptr when the layer type is unknown. Types that are accepted and produce nothing (Silence)
// have a converter that emits no node.
LayerConverter find_layer_converter(const std::string& type);

// Families of converters, one file each.
LayerConverter find_spatial_converter(const std::string& type);     // caffe_import_spatial.cpp
LayerConverter find_activation_converter(const std::string& type);  // caffe_import_activation.cpp
LayerConverter find_tensor_converter(const std::string& type);      // caffe_import_tensor.cpp
LayerConverter find_ssd_converter(const std::string& type);         // caffe_import_ssd.cpp

}  // namespace nnport::caffe_import
