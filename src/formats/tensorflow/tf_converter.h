// What an op converter sees while the TensorFlow importer turns one NodeDef into IR nodes.
//
// Values keep TensorFlow's layout (NHWC unless data_format says otherwise) everywhere except
// inside the ops that need NCHW (convolutions, pools, batch norm, depth/space, resize), which are
// wrapped in Transposes; the sink_transposes pass then cancels the pairs. TF tensor "node:k" is the
// IR value "node" for k = 0 and "node:k" otherwise, unless an op aliases it to another value.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ir/error.h"
#include "ir/graph.h"
#include "tf_graph.pb.h"

namespace nnport::tf {

class Importer;

class NodeConverter {
 public:
  NodeConverter(Importer& importer, const NodeDef& def, std::vector<std::string> inputs);

  const NodeDef& def() const { return def_; }
  const std::string& name() const { return def_.name(); }
  const std::string& op() const { return def_.op(); }
  Graph& graph();
  Importer& importer() { return importer_; }

  // Data inputs (control inputs dropped), as IR value names.
  size_t input_count() const { return inputs_.size(); }
  const std::string& input(size_t i) const;
  const Tensor* constant(size_t i) const;  // nullptr unless known at import time
  const Tensor& require_constant(size_t i, std::string_view what) const;
  std::vector<int64_t> constant_ints(size_t i, std::string_view what) const;
  // The TF node producing input i (nullptr for graph inputs), and its op.
  const NodeDef* producer(size_t i) const;
  // Shape and dtype as far as known while importing (from constants, graph inputs and the IR
  // shape inference of the nodes emitted so far).
  const Shape& shape(size_t i) const;
  DType dtype(size_t i) const;
  std::optional<size_t> rank(size_t i) const;

  // Attributes (model error naming the node when missing or of the wrong kind).
  bool has_attr(const std::string& name) const;
  int64_t attr_int(const std::string& name, std::optional<int64_t> fallback = {}) const;
  float attr_float(const std::string& name, std::optional<float> fallback = {}) const;
  bool attr_bool(const std::string& name, std::optional<bool> fallback = {}) const;
  std::string attr_string(const std::string& name, std::optional<std::string> fallback = {}) const;
  std::vector<int64_t> attr_ints(const std::string& name,
                                 std::optional<std::vector<int64_t>> fallback = {}) const;
  std::vector<std::string> attr_strings(const std::string& name) const;
  DType attr_dtype(const std::string& name, std::optional<DType> fallback = {}) const;
  // data_format: true for NHWC/NWC/NDHWC (TF's default), false for NCHW-style.
  bool channels_last() const;

  // The IR value that TF output k becomes.
  std::string output(size_t k = 0);
  // TF output k is an existing IR value (Identity and friends).
  void alias(size_t k, const std::string& value);
  // Adds a node; its name is the TF node name for the first node and "name/suffix" after.
  void emit(const std::string& op, std::vector<std::string> inputs,
            std::vector<std::string> outputs, Attributes attrs = {});
  // Adds a node with one fresh output value and returns that value's name.
  std::string emit_temp(const std::string& op, std::vector<std::string> inputs,
                        Attributes attrs = {}, const std::string& suffix = "");
  std::string add_constant(Tensor tensor, const std::string& suffix);
  std::string temp_name(const std::string& suffix);

  // Marks a later TF node (e.g. the BatchToSpaceND of a dilated-conv pattern) as already
  // converted: its output 0 becomes `value`.
  void fuse_later(const std::string& node_name, const std::string& value);
  // The TF nodes that read output 0 of this node.
  std::vector<const NodeDef*> consumers() const;

  template <typename... Args>
  [[noreturn]] void fail(fmt::format_string<Args...> format, Args&&... args) const {
    model_error("node '{}' ({}): {}", name(), op(),
                fmt::format(format, std::forward<Args>(args)...));
  }

 private:
  Importer& importer_;
  const NodeDef& def_;
  std::vector<std::string> inputs_;
  int emitted_ = 0;
};

using ConvertFn = void (*)(NodeConverter&);

struct OpConverter {
  std::string_view op;
  ConvertFn convert;
};

// One table per op family (ops_*.cpp); op_table.cpp joins them.
std::span<const OpConverter> conv_converters();
std::span<const OpConverter> pool_converters();
std::span<const OpConverter> nn_converters();
std::span<const OpConverter> math_converters();
std::span<const OpConverter> reduce_converters();
std::span<const OpConverter> tensor_converters();
std::span<const OpConverter> slice_converters();
std::span<const OpConverter> image_converters();

ConvertFn find_converter(std::string_view op);
// Why an op is refused (control flow, TensorArray, ...), or empty when it is merely unknown.
std::string_view refusal_reason(std::string_view op);

}  // namespace nnport::tf
