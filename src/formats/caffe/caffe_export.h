// The Caffe writer's per-node view. The writer first legalizes the IR (caffe_legalize_*.cpp:
// rewrites that keep the numbers exactly, or refusals naming the node), then hands each node to
// the emitter for its op (caffe_export_*.cpp), which appends one or more Caffe layers.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "formats/caffe/caffe_proto_io.h"
#include "ir/error.h"
#include "ir/graph.h"
#include "nnport_caffe.pb.h"

namespace nnport::caffe_export {

// caffe-ssd: BVLC 1.0 plus the layers of the SSD fork (weiliu89/caffe), which OpenCV runs too.
enum class Dialect { Caffe10, BvlcMaster, CaffeSsd };
Dialect parse_dialect(const std::string& name);  // usage error on anything else

// Caffe-friendly name: keeps letters, digits and _ - / . ; anything else becomes '_'.
std::string sanitize(const std::string& name);

class NetBuilder {
 public:
  NetBuilder(const Graph& graph, Dialect dialect);

  const Graph& graph() const { return graph_; }
  Dialect dialect() const { return dialect_; }

  // The Caffe blob holding an IR value (created on first use, named after the value).
  std::string blob(const std::string& value);
  // A new blob for an intermediate result of an emulation ("<base>/<what>").
  std::string temp_blob(const std::string& base, const std::string& what);
  // Makes `value`'s blob the given existing blob (in-place layers, pass-through nodes).
  void bind(const std::string& value, const std::string& blob);

  // Appends a layer named after `base` (sanitized, unique).
  nnport::caffe::LayerParameter* add_layer(const std::string& base, const std::string& type);
  void add_blob(nnport::caffe::LayerParameter* layer, Tensor tensor, std::vector<int64_t> dims);

  nnport::caffe::NetParameter& net() { return net_; }
  std::vector<std::vector<caffe_io::BlobToWrite>>& blobs() { return blobs_; }

 private:
  const Graph& graph_;
  Dialect dialect_;
  nnport::caffe::NetParameter net_;
  std::vector<std::vector<caffe_io::BlobToWrite>> blobs_;
  std::map<std::string, std::string> value_blobs_;
  std::set<std::string> blob_names_, layer_names_;
};

class NodeExport {
 public:
  NodeExport(NetBuilder& net, const Node& node) : net_(net), node_(node) {}
  NetBuilder& net() { return net_; }
  const Node& node() const { return node_; }
  const Graph& graph() const { return net_.graph(); }

  template <typename... Args>
  [[noreturn]] void refuse(fmt::format_string<Args...> format, Args&&... args) const {
    model_error("node '{}' ({}): cannot be written to Caffe: {}", node_.name, node_.op,
                fmt::format(format, std::forward<Args>(args)...));
  }

  const Shape& shape(const std::string& value) const;
  std::vector<int64_t> sizes(const std::string& value) const;  // refuses when unknown
  // The constant value of input `i`, or nullptr when it is computed at run time.
  const Tensor* constant_input(size_t i) const;
  const Tensor& require_constant_input(size_t i, const char* what) const;
  std::string input_blob(size_t i) { return net_.blob(node_.inputs.at(i)); }
  std::string output_blob(size_t i = 0) { return net_.blob(node_.outputs.at(i)); }

  // Adds a layer named after the node (suffixes for later layers of the same node) reading
  // `bottoms` and writing `tops`.
  nnport::caffe::LayerParameter* layer(const std::string& type,
                                       const std::vector<std::string>& bottoms,
                                       const std::vector<std::string>& tops);
  std::string temp_blob(const std::string& what) { return net_.temp_blob(node_.name, what); }

 private:
  NetBuilder& net_;
  const Node& node_;
  int layers_ = 0;
};

using NodeEmitter = void (*)(NodeExport&);
NodeEmitter find_node_emitter(const std::string& op);         // nullptr: op has no Caffe form
NodeEmitter find_window_emitter(const std::string& op);       // caffe_export_window.cpp
NodeEmitter find_elementwise_emitter(const std::string& op);  // caffe_export_elementwise.cpp
NodeEmitter find_tensor_emitter(const std::string& op);       // caffe_export_tensor.cpp
NodeEmitter find_permute_emitter(const std::string& op);      // caffe_export_permute.cpp
NodeEmitter find_resize_emitter(const std::string& op);       // caffe_export_resize.cpp
NodeEmitter find_reduce_emitter(const std::string& op);       // caffe_export_reduce.cpp

// ReduceSum/Mean/SumSquare/L1 as a sum by fixed weights (caffe_export_reduce.cpp).
void emit_weighted_reduce(NodeExport& ctx);

// Shared by the emitters: a Caffe Slice of `axis` at `points`; `keep[i]` names the blob for
// piece i, or is empty for a piece nobody wants (sent to a Silence layer).
void slice_layer(NodeExport& ctx, const std::string& input, int64_t axis,
                 const std::vector<int64_t>& points, std::vector<std::string> keep);
// A Reshape of `input` to `dims` written to `output`.
void reshape_layer(NodeExport& ctx, const std::string& input, const std::vector<int64_t>& dims,
                   const std::string& output);
// caffe-ssd: a Permute of `input` (top axis i = bottom axis order[i]) written to `output`;
// refuses naming the node in the other dialects.
void permute_layer(NodeExport& ctx, const std::string& input, const std::vector<int64_t>& order,
                   const std::string& output);

// The 1-D taps of an integer-factor bilinear upsampling as a stride-`factor` Deconvolution of
// the input padded by one replicated element on each side: output j = factor * k + r reads
// padded inputs k, k+1, k+2 (input k-1, k, k+1). `half_pixel`: TF's half_pixel_centers (source
// coordinate (j + 0.5) / factor - 0.5); otherwise asymmetric (j / factor). `pad` is the
// Deconvolution's symmetric pad; zero taps at both ends are trimmed.
struct BilinearTaps {
  std::vector<float> weights;
  int64_t pad = 0;
};
BilinearTaps bilinear_upsample_taps(int64_t factor, bool half_pixel);

}  // namespace nnport::caffe_export
